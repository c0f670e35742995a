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
use nix::unistd::{Gid, Uid};

use crate::cli;
use crate::error::{Context, Error, Result};
use crate::join::{self, NsFd, Plan};
use crate::ns::{self, Kind, KINDS};
use crate::process::{self, Fork, Supervise};
use crate::sys;
use crate::target::{self, CgroupJoin, Target};

const NAME: &str = "nsenter";

const HELP: &str = "\
Usage:
 nsenter [options] [<program> [<argument>...]]

Run a program with namespaces of other processes.

Options:
 -a, --all                     enter all namespaces
 -t, --target <PID>[:<inode>]  target process to get namespaces from
 -m, --mount[=<file>|=:<nsid>] enter mount namespace
 -u, --uts[=<file>|=:<nsid>]   enter UTS namespace (hostname etc)
 -i, --ipc[=<file>|=:<nsid>]   enter System V IPC namespace
 -n, --net[=<file>|=:<nsid>]   enter network namespace
     --netns <name>            enter network namespace /run/netns/<name>
 -N, --net-socket <fd>         enter socket's network namespace (needs --target)
 -p, --pid[=<file>|=:<nsid>]   enter pid namespace
 -C, --cgroup[=<file>|=:<nsid>]  enter cgroup namespace
 -U, --user[=<file>|=:<nsid>]  enter user namespace
     --user-parent             enter parent user namespace
 -T, --time[=<file>|=:<nsid>]  enter time namespace
 -S, --setuid <uid>|follow     set uid in entered namespace
 -G, --setgid <gid>|follow     set gid in entered namespace
     --preserve-credentials    do not touch uids or gids
     --keep-caps               retain capabilities granted in user namespaces
 -r, --root[=<dir>]            set the root directory
 -w, --wd[=<dir>]              set the working directory
 -W, --wdns <dir>              set the working directory in namespace
 -e, --env                     inherit environment variables from target process
 -F, --no-fork                 do not fork before exec'ing <program>
 -c, --join-cgroup             join the cgroup of the target process
 -Z, --follow-context          set SELinux context according to --target PID

 -h, --help                    display this help
 -V, --version                 display version

For more details see nsenter(1).
";

const LONGS: &[&str] = &[
    "all",
    "help",
    "version",
    "target",
    "mount",
    "uts",
    "ipc",
    "net",
    "netns",
    "net-socket",
    "pid",
    "user",
    "cgroup",
    "time",
    "setuid",
    "setgid",
    "root",
    "wd",
    "wdns",
    "env",
    "no-fork",
    "join-cgroup",
    "preserve-credentials",
    "keep-caps",
    "user-parent",
    "follow-context",
];

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
    let opts = match parse(args)? {
        Parsed::Run(o) => o,
        Parsed::Exit(code) => return Ok(code),
    };
    let prepared = Prepared::new(&opts)?;
    Err(prepared.execute(&opts))
}

enum Parsed {
    Run(Box<Opts>),
    Exit(i32),
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

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed> {
    use lexopt::prelude::*;
    let mut o = Opts::default();
    let mut p = lexopt::Parser::from_iter(args);
    let (mut wd_given, mut wdns_given) = (false, false);
    while let Some((arg, long)) = cli::next(&mut p, LONGS)? {
        let kind = match (&arg, long) {
            (Short(c), _) => ns::by_short(*c),
            (_, Some(l)) => ns::by_long(l),
            _ => None,
        };
        if let Some(kind) = kind {
            // An attached value only (`-nFILE`, `-n=FILE`, `--net=FILE`), as getopt's `n::`.
            let w = match p.optional_value() {
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
        match (arg, long) {
            (Short('h'), _) | (_, Some("help")) => return cli::help(HELP).map(Parsed::Exit),
            (Short('V'), _) | (_, Some("version")) => return cli::version(NAME).map(Parsed::Exit),
            (Short('a'), _) | (_, Some("all")) => o.all = true,
            (Short('t'), _) | (_, Some("target")) => {
                let v = cli::value(&mut p)?;
                if o.target.is_some() {
                    return Err(Error::new("option --target may be given only once"));
                }
                o.target = Some(target::parse_pid_spec(&v)?);
            }
            (_, Some("netns")) => {
                let name = cli::value(&mut p)?;
                if name.is_empty() || name.contains('/') || name == "." || name == ".." {
                    return Err(Error::new(format!(
                        "invalid network namespace name '{name}'"
                    )));
                }
                let net = ns::by_long("net").expect("net is in the table");
                want(
                    &mut o,
                    net,
                    NsWant::File(format!("/run/netns/{name}").into()),
                );
            }
            (Short('N'), _) | (_, Some("net-socket")) => {
                let v = cli::value(&mut p)?;
                o.net_socket = Some(
                    cli::number::<u32>(&v, "failed to parse file descriptor")
                        .ok()
                        .and_then(|n| i32::try_from(n).ok())
                        .ok_or_else(|| {
                            Error::new(format!("failed to parse file descriptor: '{v}'"))
                        })?,
                );
            }
            (Short('S'), _) | (_, Some("setuid")) => {
                o.setuid = Some(cred(&cli::value(&mut p)?, "uid")?)
            }
            (Short('G'), _) | (_, Some("setgid")) => {
                o.setgid = Some(cred(&cli::value(&mut p)?, "gid")?)
            }
            (_, Some("preserve-credentials")) => o.preserve_cred = true,
            (_, Some("keep-caps")) => o.keep_caps = true,
            (_, Some("user-parent")) => o.user_parent = true,
            (Short('r'), _) | (_, Some("root")) => {
                o.root = Some(match p.optional_value() {
                    Some(d) if !d.is_empty() => Dir::Path(d.into()),
                    _ => Dir::Target,
                })
            }
            (Short('w'), _) | (_, Some("wd")) => {
                wd_given = true;
                o.wd = Some(match p.optional_value() {
                    Some(d) if !d.is_empty() => Dir::Path(d.into()),
                    _ => Dir::Target,
                })
            }
            (Short('W'), _) | (_, Some("wdns")) => {
                // Optional in util-linux's getopt string; without a value it does nothing.
                wdns_given = true;
                if let Some(d) = p.optional_value().filter(|d| !d.is_empty()) {
                    o.wdns = Some(d.into());
                }
            }
            (Short('e'), _) | (_, Some("env")) => o.env = true,
            (Short('F'), _) | (_, Some("no-fork")) => o.no_fork = true,
            (Short('c'), _) | (_, Some("join-cgroup")) => o.join_cgroup = true,
            (Short('Z'), _) | (_, Some("follow-context")) => o.follow_context = true,
            (Value(v), _) => {
                o.program = cli::rest(v, &mut p)?;
                break;
            }
            (arg, _) => return Err(cli::unknown(arg)),
        }
        if wd_given && wdns_given {
            return Err(Error::new("mutually exclusive arguments: --wd --wdns"));
        }
    }
    Ok(Parsed::Run(Box::new(o)))
}

/// Everything opened and read before the first `setns`.
struct Prepared {
    target: Option<Target>,
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

fn need<'t>(target: Option<&'t Target>, what: &str) -> Result<&'t Target> {
    target.ok_or_else(|| {
        Error::new(format!(
            "neither filename nor target pid supplied for {what}"
        ))
    })
}

fn open_dir(want: &Dir, target: Option<&Target>, rel: &str) -> Result<OwnedFd> {
    let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY;
    match want {
        Dir::Target => need(target, rel)?.open_at(rel, flags),
        Dir::Path(p) => nix::fcntl::open(p.as_path(), flags | OFlag::O_CLOEXEC, Mode::empty())
            .context(|| format!("cannot open {}", p.display())),
    }
}

#[derive(Clone, Copy)]
enum Owner {
    Uid,
    Gid,
}

/// The id a `-S`/`-G` value asks for: `follow` is the owner of `/proc/PID` (the target's
/// effective id), seen from inside the target's user namespace when `mapped`.
fn resolve(
    c: Option<Cred>,
    target: Option<&Target>,
    mapped: bool,
    which: Owner,
) -> Result<Option<u32>> {
    let id = match c {
        None => return Ok(None),
        Some(Cred::Id(id)) => return Ok(Some(id)),
        Some(Cred::Follow) => {
            let t = need(target, "/proc/PID")?;
            let (uid, gid) = t.owner()?;
            match which {
                Owner::Uid => uid,
                Owner::Gid => gid,
            }
        }
    };
    if !mapped {
        return Ok(Some(id));
    }
    let t = need(target, "/proc/PID")?;
    let file = match which {
        Owner::Uid => "uid_map",
        Owner::Gid => "gid_map",
    };
    let map = String::from_utf8_lossy(&t.read_bytes(file)?).into_owned();
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
        let held = o.target.map(|(p, i)| Target::open(p, i)).transpose()?;
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
                    plan.from_target(kind);
                }
                None if o.all => {
                    let t = target.ok_or_else(no_target)?;
                    if join::usable_for_all(t, kind)? {
                        plan.from_target(kind);
                    }
                }
                None => {}
            }
        }
        let user = ns::by_long("user").expect("user is in the table");
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
            let fd = sys::pidfd_getfd(t.pidfd(), sock)
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
                kind: ns::by_long("net").expect("net is in the table"),
                fd: netns,
                label: format!("network namespace of socket {sock} of PID {}", t.pid()),
            });
        }
        let flags = plan.flags();
        if flags.is_empty() {
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
            Some(need(target, "environ")?.environ()?)
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
        let uid = resolve(uid, target, mapped, Owner::Uid)?;
        let gid = resolve(gid, target, mapped, Owner::Gid)?;

        let cgroups = if o.join_cgroup {
            need(target, "cgroup")?.cgroup_joins()?
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
            Ok(()) => process::exec_or_shell(&o.program),
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
            sys::clearenv();
            for (name, value) in env {
                sys::setenv(name, value).context(|| {
                    format!("cannot set environment variable {}", name.to_string_lossy())
                })?;
            }
        }
        for cg in &self.cgroups {
            cg.join()?;
        }

        // Only the children of a process enter the pid namespace it joined.
        if self.flags.contains(CloneFlags::CLONE_NEWPID) && !o.no_fork {
            if let Fork::Parent(child) = process::fork()? {
                let how = Supervise {
                    forward: false,
                    follow_stops: true,
                };
                let status = process::supervise(child, how)?;
                process::exit_like(status);
            }
        }

        if let Some(gid) = self.gid {
            match nix::unistd::setgroups(&[]) {
                Err(e) if groups_failed_before => return Err(Error::sys("setgroups failed", e)),
                _ => {}
            }
            nix::unistd::setgid(Gid::from_raw(gid)).context(|| "setgid() failed")?;
        }
        if let Some(uid) = self.uid {
            nix::unistd::setuid(Uid::from_raw(uid)).context(|| "setuid() failed")?;
        }
        if o.keep_caps && user {
            process::permitted_to_ambient()?;
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
        match parse(v).unwrap() {
            Parsed::Run(o) => o,
            Parsed::Exit(_) => panic!("exited"),
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
