//! `nsenter`: run a program in the namespaces of another process or of namespace files; a
//! drop-in for util-linux `nsenter(1)`.
//!
//! Order of work: parse and validate everything; hold the target (pidfd, then its `/proc`
//! directory) and open every file we will need (namespace files, root, working directory,
//! environment, cgroup.procs) while we still see the caller's mounts; then join the namespaces
//! ([`crate::join`]), change root and directory, take the environment and cgroup, fork when a pid
//! namespace was joined (only children enter it), set credentials and execute.
//!
//! Short namespace options take an attached optional file as util-linux's getopt `n::` does:
//! `-n/run/netns/x` and `-n=/run/netns/x` name a file, and `-mnp` is `-m` with the file `np`
//! (util-linux reads it so; a drop-in must too). Write `-m -n -p` for three namespaces.

use std::ffi::OsString;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;

use nix::fcntl::OFlag;
use nix::sched::CloneFlags;
use nix::sys::stat::Mode;

use crate::caps;
use crate::cli::{self, Arg, Args, Flag, Group, Hint, Tool};
use crate::error::{Context, Error, Result};
use crate::join::{self, NsFd, Plan};
use crate::ns::{self, Kind, KINDS};
use crate::procdir::ProcDir;
use crate::process::{self, Fork, Supervise, Supervisor};
use crate::subid::Which;
use crate::sys;
use crate::target::{self, CgroupJoin};

const NAME: &str = "nsenter";

/// The value of a namespace option: a namespace file, or `:` and a namespace id.
const NS_FILE: &str = "<file>|=:<nsid>";

/// The command line of nsenter.
pub static TOOL: Tool = Tool {
    name: NAME,
    usage: &["nsenter [options] [<program> [<argument>...]]"],
    about: "Run a program with namespaces of other processes.\n",
    groups: &[Group::new(
        "Options:",
        &[
            Flag::new("all", "enter all namespaces").short('a'),
            Flag::new("target", "target process to get namespaces from")
                .short('t')
                .value("<pid>[:<inode>]")
                .hint(Hint::Pid),
            Flag::new("mount", "enter mount namespace")
                .short('m')
                .optional(NS_FILE)
                .hint(Hint::NsFile),
            Flag::new("uts", "enter UTS namespace (hostname etc)")
                .short('u')
                .optional(NS_FILE)
                .hint(Hint::NsFile),
            Flag::new("ipc", "enter System V IPC namespace")
                .short('i')
                .optional(NS_FILE)
                .hint(Hint::NsFile),
            Flag::new("net", "enter network namespace")
                .short('n')
                .optional(NS_FILE)
                .hint(Hint::NsFile),
            Flag::new("netns", "enter network namespace /run/netns/<name>")
                .value("<name>")
                .hint(Hint::Netns),
            Flag::new(
                "net-socket",
                "enter socket's network namespace (needs --target)",
            )
            .short('N')
            .value("<fd>"),
            Flag::new("pid", "enter pid namespace")
                .short('p')
                .optional(NS_FILE)
                .hint(Hint::NsFile),
            Flag::new("cgroup", "enter cgroup namespace")
                .short('C')
                .optional(NS_FILE)
                .hint(Hint::NsFile),
            Flag::new("user", "enter user namespace")
                .short('U')
                .optional(NS_FILE)
                .hint(Hint::NsFile),
            Flag::new("user-parent", "enter parent user namespace"),
            Flag::new("time", "enter time namespace")
                .short('T')
                .optional(NS_FILE)
                .hint(Hint::NsFile),
            Flag::new("setuid", "set uid in entered namespace")
                .short('S')
                .value("<uid>|follow")
                .hint(Hint::Uid),
            Flag::new("setgid", "set gid in entered namespace")
                .short('G')
                .value("<gid>|follow")
                .hint(Hint::Gid),
            Flag::new("preserve-credentials", "do not touch uids or gids"),
            Flag::new(
                "keep-caps",
                "retain capabilities granted in user namespaces",
            ),
            Flag::new("root", "set the root directory")
                .short('r')
                .optional("<dir>")
                .hint(Hint::Dir),
            Flag::new("wd", "set the working directory")
                .short('w')
                .optional("<dir>")
                .hint(Hint::Dir),
            Flag::new("wdns", "set the working directory in namespace")
                .short('W')
                .optional("<dir>"),
            Flag::new("env", "inherit environment variables from target process").short('e'),
            Flag::new("no-fork", "do not fork before exec'ing <program>").short('F'),
            Flag::new("join-cgroup", "join the cgroup of the target process").short('c'),
            Flag::new(
                "follow-context",
                "set SELinux context according to --target PID",
            )
            .short('Z'),
        ],
    )],
    operands: &[Hint::Program],
    ..Tool::EMPTY
};

/// Where a namespace comes from.
enum NsWant {
    Target,
    File(PathBuf),
    /// `=:ID`: the namespace's 64-bit id (util-linux 2.42, Linux 6.18).
    Id(u64),
}

/// `-S`/`-G` values.
#[derive(Clone, Copy)]
enum Cred {
    Follow,
    Id(u32),
}

/// `-r`/`-w` values: the target's directory, or one of ours.
enum Dir {
    Target,
    Path(PathBuf),
}

#[derive(Default)]
struct Opts {
    target: Option<(nix::unistd::Pid, Option<u64>)>,
    all: bool,
    /// Namespaces asked for, the last choice per kind winning.
    ns: Vec<(&'static Kind, NsWant)>,
    net_socket: Option<i32>,
    user_parent: bool,
    setuid: Option<Cred>,
    setgid: Option<Cred>,
    preserve_cred: bool,
    keep_caps: bool,
    root: Option<Dir>,
    wd: Option<Dir>,
    wdns: Option<PathBuf>,
    env: bool,
    no_fork: bool,
    join_cgroup: bool,
    follow_context: bool,
    program: Vec<OsString>,
}

pub fn main(args: impl IntoIterator<Item = OsString>) -> ! {
    cli::exit(NAME, run(args))
}

fn run(args: impl IntoIterator<Item = OsString>) -> Result<i32> {
    let opts = parse(args)?;
    let prepared = Prepared::new(&opts)?;
    Err(prepared.execute(&opts))
}

fn want(o: &mut Opts, kind: &'static Kind, w: NsWant) {
    o.ns.retain(|(k, _)| *k != kind);
    o.ns.push((kind, w));
}

fn cred(text: &str, what: &str) -> Result<Cred> {
    if text == "follow" {
        return Ok(Cred::Follow);
    }
    cli::number(text, &format!("failed to parse {what}")).map(Cred::Id)
}

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Box<Opts>> {
    let mut o = Opts::default();
    let mut args = Args::new(&TOOL, args);
    let (mut wd_given, mut wdns_given) = (false, false);
    while let Some(arg) = args.next()? {
        let (name, v) = match arg {
            Arg::Flag(name, v) => (name, v),
            Arg::Operand(v) => {
                o.program.push(v);
                continue;
            }
        };
        if let Some(kind) = ns::by_long(name) {
            // An attached value only (`-nFILE`, `-n=FILE`, `--net=FILE`), as getopt's `n::`.
            let w = match v.optional() {
                Some(f) if f.as_encoded_bytes().starts_with(b":") => {
                    let text = f.to_string_lossy();
                    let id = cli::number::<u64>(&text[1..], "failed to parse nsid")
                        .map_err(|_| Error::new(format!("failed to parse nsid: {}", &text[1..])))?;
                    NsWant::Id(id)
                }
                Some(f) if !f.is_empty() => NsWant::File(f.into()),
                _ => NsWant::Target,
            };
            want(&mut o, kind, w);
            continue;
        }
        match name {
            "all" => o.all = true,
            "target" => {
                let v = v.string()?;
                if o.target.is_some() {
                    return Err(Error::new("option --target may be given only once"));
                }
                o.target = Some(target::parse_pid_spec(&v)?);
            }
            "netns" => {
                let name = v.string()?;
                if name.is_empty() || name.contains('/') || name == "." || name == ".." {
                    return Err(Error::new(format!(
                        "invalid network namespace name '{name}'"
                    )));
                }
                want(
                    &mut o,
                    ns::NET,
                    NsWant::File(format!("/run/netns/{name}").into()),
                );
            }
            "net-socket" => {
                let v = v.string()?;
                o.net_socket = Some(
                    cli::number::<u32>(&v, "failed to parse file descriptor")
                        .ok()
                        .and_then(|n| i32::try_from(n).ok())
                        .ok_or_else(|| {
                            Error::new(format!("failed to parse file descriptor: '{v}'"))
                        })?,
                );
            }
            "setuid" => o.setuid = Some(cred(&v.string()?, "uid")?),
            "setgid" => o.setgid = Some(cred(&v.string()?, "gid")?),
            "preserve-credentials" => o.preserve_cred = true,
            "keep-caps" => o.keep_caps = true,
            "user-parent" => o.user_parent = true,
            "root" => {
                o.root = Some(match v.optional() {
                    Some(d) if !d.is_empty() => Dir::Path(d.into()),
                    _ => Dir::Target,
                })
            }
            "wd" => {
                wd_given = true;
                o.wd = Some(match v.optional() {
                    Some(d) if !d.is_empty() => Dir::Path(d.into()),
                    _ => Dir::Target,
                })
            }
            "wdns" => {
                // Optional in util-linux's getopt string; without a value it does nothing.
                wdns_given = true;
                if let Some(d) = v.optional().filter(|d| !d.is_empty()) {
                    o.wdns = Some(d.into());
                }
            }
            "env" => o.env = true,
            "no-fork" => o.no_fork = true,
            "join-cgroup" => o.join_cgroup = true,
            "follow-context" => o.follow_context = true,
            name => unreachable!("--{name} is in the table"),
        }
        if wd_given && wdns_given {
            return Err(Error::new("mutually exclusive arguments: --wd --wdns"));
        }
    }
    Ok(Box::new(o))
}

/// Everything opened and read before the first `setns`.
struct Prepared {
    target: Option<ProcDir>,
    plan: Plan,
    flags: CloneFlags,
    root: Option<OwnedFd>,
    wd: Option<OwnedFd>,
    env: Option<Vec<(OsString, OsString)>>,
    uid: Option<u32>,
    gid: Option<u32>,
    cgroups: Vec<CgroupJoin>,
    context: Option<Vec<u8>>,
}

fn need<'t>(target: Option<&'t ProcDir>, what: &str) -> Result<&'t ProcDir> {
    target.ok_or_else(|| {
        Error::new(format!(
            "neither filename nor target pid supplied for {what}"
        ))
    })
}

fn open_dir(want: &Dir, target: Option<&ProcDir>, rel: &str) -> Result<OwnedFd> {
    let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY;
    match want {
        Dir::Target => need(target, rel)?.open_at(rel, flags),
        Dir::Path(p) => nix::fcntl::open(p.as_path(), flags | OFlag::O_CLOEXEC, Mode::empty())
            .context(|| format!("cannot open {}", p.display())),
    }
}

/// The id a `-S`/`-G` value asks for: `follow` is the owner of `/proc/PID` (the target's
/// effective id), seen from inside the target's user namespace when `mapped`.
fn resolve(
    c: Option<Cred>,
    target: Option<&ProcDir>,
    mapped: bool,
    which: Which,
) -> Result<Option<u32>> {
    let id = match c {
        None => return Ok(None),
        Some(Cred::Id(id)) => return Ok(Some(id)),
        Some(Cred::Follow) => {
            let t = need(target, "/proc/PID")?;
            let (uid, gid) = t.owner()?;
            match which {
                Which::Uid => uid,
                Which::Gid => gid,
            }
        }
    };
    if !mapped {
        return Ok(Some(id));
    }
    let t = need(target, "/proc/PID")?;
    let map = String::from_utf8_lossy(&t.read_bytes(which.map_file())?).into_owned();
    // Unmapped: keep the id, and let setuid/setgid report it.
    Ok(Some(target::map_into(&map, id).unwrap_or(id)))
}

fn selinux_enabled() -> bool {
    std::path::Path::new("/sys/fs/selinux/enforce").exists()
}

impl Prepared {
    fn new(o: &Opts) -> Result<Prepared> {
        process::check_program(&o.program)?;
        if o.follow_context {
            if !selinux_enabled() {
                return Err(Error::new(
                    "--follow-context: SELinux is not enabled on this system",
                ));
            }
            if o.target.is_none() {
                return Err(Error::new("no target PID specified for --follow-context"));
            }
        }
        let held = o.target.map(|(p, i)| target::open(p, i)).transpose()?;
        let target = held.as_ref();
        let no_target = || Error::new("no target PID specified");
        let mut plan = Plan::new();
        for kind in KINDS.iter() {
            match o.ns.iter().find(|(k, _)| *k == kind) {
                Some((_, NsWant::File(path))) => {
                    let label = path.to_string_lossy().into_owned();
                    let fd = ns::open_ns_file(&label, kind)?;
                    plan.with_fd(NsFd { kind, fd, label });
                }
                Some((_, NsWant::Id(id))) => plan.with_fd(join::open_by_id(*id, kind)?),
                Some((_, NsWant::Target)) => {
                    target.ok_or_else(no_target)?;
                    plan.take_from_target(kind);
                }
                None if o.all => {
                    let t = target.ok_or_else(no_target)?;
                    if join::usable_for_all(t, kind)? {
                        plan.take_from_target(kind);
                    }
                }
                None => {}
            }
        }
        let user = ns::USER;
        let joins_target_user = plan.flags().contains(user.flag) && plan.fd(user).is_none();
        if o.user_parent {
            let (parent, of) = match plan.fd(user) {
                Some(ns) => (join::owning_user_ns(&ns.fd, &ns.label)?, ns.label.clone()),
                None => {
                    let t = target.ok_or_else(no_target)?;
                    let fd = t.open_at("ns/user", OFlag::O_RDONLY)?;
                    (
                        join::owning_user_ns(&fd, &t.path("ns/user"))?,
                        t.path("ns/user"),
                    )
                }
            };
            plan.with_fd(NsFd {
                kind: user,
                fd: parent,
                label: format!("parent of {of}"),
            });
        }
        if let Some(sock) = o.net_socket {
            let t = target.ok_or_else(no_target)?;
            // A target opened by pid always has a pidfd.
            let pidfd = t.pidfd().ok_or(nix::errno::Errno::EBADF);
            let fd = pidfd
                .and_then(|p| sys::pidfd_getfd(p, sock))
                .context(|| format!("cannot get fd {sock} of PID {}", t.pid()))?;
            let netns = sys::socket_netns(fd.as_fd()).map_err(|e| match e {
                nix::errno::Errno::ENOTTY => {
                    Error::new(format!("fd {sock} of PID {} is not a socket", t.pid()))
                }
                e => Error::sys(
                    format!(
                        "cannot get the network namespace of fd {sock} of PID {}",
                        t.pid()
                    ),
                    e,
                ),
            })?;
            plan.with_fd(NsFd {
                kind: ns::NET,
                fd: netns,
                label: format!("network namespace of socket {sock} of PID {}", t.pid()),
            });
        }
        let flags = plan.flags();
        // Without a namespace, the other options still apply (util-linux up to 2.40); with
        // nothing at all to do, util-linux's error.
        let other_work = o.setuid.is_some()
            || o.setgid.is_some()
            || o.preserve_cred
            || o.root.is_some()
            || o.wd.is_some()
            || o.wdns.is_some()
            || o.env
            || o.join_cgroup
            || o.follow_context;
        if flags.is_empty() && !other_work {
            return Err(Error::new("no namespace specified"));
        }

        let root = o
            .root
            .as_ref()
            .map(|d| open_dir(d, target, "root"))
            .transpose()?;
        let wd =
            o.wd.as_ref()
                .map(|d| open_dir(d, target, "cwd"))
                .transpose()?;
        let env = if o.env {
            Some(target::environ(need(target, "environ")?)?)
        } else {
            None
        };

        // Credentials: a joined user namespace means uid and gid 0 unless told otherwise.
        let mut uid = o.setuid;
        let mut gid = o.setgid;
        if flags.contains(user.flag) && !o.preserve_cred {
            uid.get_or_insert(Cred::Id(0));
            gid.get_or_insert(Cred::Id(0));
        }
        // `follow` maps the target's ids into its user namespace when that is the one joined.
        let mapped = joins_target_user && !o.user_parent;
        let uid = resolve(uid, target, mapped, Which::Uid)?;
        let gid = resolve(gid, target, mapped, Which::Gid)?;

        let cgroups = if o.join_cgroup {
            target::cgroup_joins(need(target, "cgroup")?)?
        } else {
            Vec::new()
        };
        let context = if o.follow_context {
            let t = need(target, "attr/current")?;
            let mut c = t.read_bytes("attr/current")?;
            while c.last().is_some_and(|b| *b == 0 || *b == b'\n') {
                c.pop();
            }
            Some(c)
        } else {
            None
        };
        Ok(Prepared {
            target: held,
            plan,
            flags,
            root,
            wd,
            env,
            uid,
            gid,
            cgroups,
            context,
        })
    }

    /// Join, set up and execute; only returns on failure.
    fn execute(self, o: &Opts) -> Error {
        match self.enter(o) {
            // `$SHELL` may not exist in the joined root: /bin/sh then.
            Ok(()) if o.program.is_empty() => process::exec_shell_or_sh(),
            Ok(()) => process::exec(&o.program),
            Err(e) => e,
        }
    }

    fn enter(self, o: &Opts) -> Result<()> {
        let user = self.flags.contains(CloneFlags::CLONE_NEWUSER);
        // Supplementary groups go before and after joining a user namespace; only both failing
        // is an error (the second may be denied by the namespace's setgroups policy).
        let groups_failed_before = user && !o.preserve_cred && nix::unistd::setgroups(&[]).is_err();

        self.plan.enter(self.target.as_ref())?;
        drop(self.target);

        // Keep the working directory across a root change unless told where to go.
        let mut wd = self.wd;
        if let Some(root) = &self.root {
            if wd.is_none() && o.wdns.is_none() {
                wd = Some(
                    nix::fcntl::open(".", OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty())
                        .context(|| "cannot open current working directory")?,
                );
            }
            nix::unistd::fchdir(root)
                .context(|| "change directory by root file descriptor failed")?;
            nix::unistd::chroot(".").context(|| "chroot failed")?;
            nix::unistd::chdir("/").context(|| "cannot change directory to /")?;
        }
        if let Some(dir) = &o.wdns {
            wd = Some(
                nix::fcntl::open(
                    dir.as_path(),
                    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .context(|| format!("cannot open {}", dir.display()))?,
            );
        }
        if let Some(wd) = &wd {
            nix::unistd::fchdir(wd)
                .context(|| "change directory by working directory file descriptor failed")?;
        }
        drop(wd);
        drop(self.root);

        if let Some(env) = &self.env {
            process::replace_env(env.iter().map(|(n, v)| (n.as_os_str(), v.as_os_str())))?;
        }
        for cg in &self.cgroups {
            cg.join()?;
        }

        // Only the children of a process enter the pid namespace it joined.
        if self.flags.contains(CloneFlags::CLONE_NEWPID) && !o.no_fork {
            let how = Supervise {
                forward: false,
                follow_stops: true,
            };
            let supervisor = Supervisor::block(how, &[])?;
            match process::fork()? {
                Fork::Parent(child) => process::exit_like(supervisor.wait(child)?),
                Fork::Child => supervisor.unblock()?,
            }
        }

        process::set_ids(self.uid, self.gid, groups_failed_before)?;
        if o.keep_caps && user {
            caps::permitted_to_ambient()?;
        }
        if let Some(c) = &self.context {
            std::fs::write("/proc/thread-self/attr/exec", c).context(|| {
                format!(
                    "failed to set exec context to '{}'",
                    String::from_utf8_lossy(c)
                )
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(args: &[&str]) -> Box<Opts> {
        let mut v = vec![OsString::from("nsenter")];
        v.extend(args.iter().map(OsString::from));
        parse(v).unwrap()
    }

    #[test]
    fn every_option_of_the_table_is_parsed() {
        cli::each_flag(&TOOL, |argv| drop(parse(argv)));
    }

    #[test]
    fn namespace_options_are_the_namespace_table() {
        for kind in KINDS.iter() {
            let f = TOOL.flags().find(|f| f.long == kind.long).unwrap();
            assert_eq!(f.short, Some(kind.short), "{}", kind.long);
        }
    }

    fn files(o: &Opts) -> Vec<(&'static str, Option<String>)> {
        o.ns.iter()
            .map(|(k, w)| {
                let f = match w {
                    NsWant::Target => None,
                    NsWant::File(p) => Some(p.display().to_string()),
                    NsWant::Id(id) => Some(format!(":{id}")),
                };
                (k.name, f)
            })
            .collect()
    }

    #[test]
    fn short_namespace_options_take_attached_files_like_getopt() {
        // util-linux reads "np" as the file of -m.
        assert_eq!(files(&opts(&["-mnp"])), [("mnt", Some("np".into()))]);
        assert_eq!(
            files(&opts(&["-m", "-n", "-p"])),
            [("mnt", None), ("net", None), ("pid", None)]
        );
        assert_eq!(
            files(&opts(&["-n/run/netns/x"])),
            [("net", Some("/run/netns/x".into()))]
        );
        assert_eq!(
            files(&opts(&["-n=/run/netns/x"])),
            [("net", Some("/run/netns/x".into()))]
        );
        assert_eq!(files(&opts(&["--net=/x", "-n"])), [("net", None)]);
        assert_eq!(
            files(&opts(&["--netns", "blue"])),
            [("net", Some("/run/netns/blue".into()))]
        );
        assert_eq!(files(&opts(&["-u:42"])), [("uts", Some(":42".into()))]);
        // A separate word is the program, not the file.
        let o = opts(&["-n", "/bin/true"]);
        assert_eq!(files(&o), [("net", None)]);
        assert_eq!(o.program, [OsString::from("/bin/true")]);
    }

    #[test]
    fn other_options() {
        let o = opts(&[
            "-t",
            "12:34",
            "-aeFcZ",
            "-S",
            "follow",
            "--setgid=5",
            "-r",
            "-w/x",
            "--",
            "ls",
            "-l",
        ]);
        assert_eq!(o.target.map(|(p, i)| (p.as_raw(), i)), Some((12, Some(34))));
        assert!(o.all && o.env && o.no_fork && o.join_cgroup && o.follow_context);
        assert!(matches!(o.setuid, Some(Cred::Follow)));
        assert!(matches!(o.setgid, Some(Cred::Id(5))));
        assert!(matches!(o.root, Some(Dir::Target)));
        assert!(matches!(&o.wd, Some(Dir::Path(p)) if p.as_os_str() == "/x"));
        assert_eq!(o.program, ["ls", "-l"].map(OsString::from));
        let e = |args: &[&str]| {
            let mut v = vec![OsString::from("nsenter")];
            v.extend(args.iter().map(OsString::from));
            parse(v).err().unwrap().to_string()
        };
        assert_eq!(
            e(&["-W/a", "-w"]),
            "mutually exclusive arguments: --wd --wdns"
        );
        assert_eq!(e(&["--netns=a/b"]), "invalid network namespace name 'a/b'");
        assert_eq!(e(&["-N", "-1"]), "failed to parse file descriptor: '-1'");
        assert_eq!(e(&["--all=x"]), "option '--all' doesn't allow an argument");
    }
}
