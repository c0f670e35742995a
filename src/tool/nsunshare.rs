//! `nsunshare`: run a program in new namespaces; a drop-in for util-linux `unshare(1)`.
//!
//! Process layout. `P` is us; it calls `unshare()` and becomes (or, with `--fork`, forks) the
//! process that runs the program. Work that must happen from the *original* namespaces (writing
//! id maps of ranges, bind-mounting namespace files to persist them, the pid file, `--setup`
//! commands) is done by a helper `H` forked before `unshare()`, held on a pipe until the
//! namespaces exist, as util-linux does. With `--fork`, the child `C` is held too until `H` has
//! succeeded, so the program never runs with half of its setup.
//!
//! What `H` made must not outlive a program that never ran: `H` is detached (forked through an
//! intermediate process, so that it is never a child of the program `P` may become) and stays
//! until the program starts. The process that runs it holds the write end of a close-on-exec
//! "commit" pipe (a socket pair, see [`Commit`]): it writes [`COMMIT`] just before `execve` (and
//! [`ABORT`] if that fails), and
//! the kernel closes the pipe at `execve` or at its death. End of file without a commit (that
//! process was killed, `P` was killed and `C` gave up, a later step failed) makes `H` stop its
//! setup commands and undo its binds and pid file. No signal or parent-death race is involved:
//! the pipe is closed by whatever ends the only process that may still run the program. Only
//! the last two system calls are a window: killed as it sends the commit or inside `execve`,
//! the program has not run and the work stays. So does what `H` made when `H` itself is killed
//! with `SIGKILL` while it works (a run over the same files succeeds, binding them again).
//!
//! `--into-cgroup`: a cgroup namespace is rooted where its maker is when it is made, so `C` is
//! created inside its cgroup ([`Placement::fork`], `clone3(CLONE_INTO_CGROUP)`), moves into the
//! rest (v1), and makes the cgroup namespace itself; `P` unshares the others and stays outside,
//! as does `H`, which starts once `C` is in. Without `--fork`, `P` moves itself in first.
//!
//! `--init`: `C` is the init and forks the program's process once the single id maps are
//! written; it then takes the program's ids, so that inside it is the container's root rather
//! than an unmapped `nobody`, hardens ([`process::run_init`]) and only then lets the program's
//! process go on.

use std::cell::Cell;
use std::ffi::OsString;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::mount::MsFlags;
use nix::sched::CloneFlags;
use nix::sys::signal::{kill, SigSet, Signal};
use nix::sys::wait::WaitStatus;
use nix::unistd::{getegid, geteuid, getpid, Pid};

use crate::caps;
use crate::cgroup::{self, Cgroupfs, Placement, SelfCgroup};
use crate::cli::{self, Arg, Args, Flag, Group, Hint, Tool};
use crate::error::{Context, Error, Result};
use crate::idmap::{self, Maps, Pending, Range, Setgroups};
use crate::mount;
use crate::ns::{self, Kind};
use crate::persist::Persisted;
use crate::procdir::ProcDir;
use crate::process::{self, Fork, Gate, GateRx, GateTx, Supervise, Supervisor};
use crate::subid::{self, Which};
use crate::sys;

const NAME: &str = "nsunshare";

/// The command line of nsunshare.
pub static TOOL: Tool = Tool {
    name: NAME,
    usage: &["nsunshare [options] [<program> [<argument>...]]"],
    about: "Run a program with some namespaces unshared from the parent.\n",
    groups: &[
        Group::new(
            "Options:",
            &[
                Flag::new("mount", "unshare mounts namespace")
                    .short('m')
                    .optional_long("<file>")
                    .hint(Hint::File),
                Flag::new("uts", "unshare UTS namespace (hostname etc)")
                    .short('u')
                    .optional_long("<file>")
                    .hint(Hint::File),
                Flag::new("ipc", "unshare System V IPC namespace")
                    .short('i')
                    .optional_long("<file>")
                    .hint(Hint::File),
                Flag::new("net", "unshare network namespace")
                    .short('n')
                    .optional_long("<file>")
                    .hint(Hint::File),
                Flag::new("pid", "unshare pid namespace")
                    .short('p')
                    .optional_long("<file>")
                    .hint(Hint::File),
                Flag::new("user", "unshare user namespace")
                    .short('U')
                    .optional_long("<file>")
                    .hint(Hint::File),
                Flag::new("cgroup", "unshare cgroup namespace")
                    .short('C')
                    .optional_long("<file>")
                    .hint(Hint::File),
                Flag::new("time", "unshare time namespace")
                    .short('T')
                    .optional_long("<file>")
                    .hint(Hint::File),
            ],
        ),
        Group::new(
            "",
            &[
                Flag::new(
                    "mount-proc",
                    "mount proc filesystem first (implies --mount)",
                )
                .optional_long("<dir>")
                .hint(Hint::Dir),
                Flag::new(
                    "mount-binfmt",
                    "mount binfmt filesystem first (implies --user and --mount)",
                )
                .optional_long("<dir>")
                .hint(Hint::Dir),
                Flag::new(
                    "load-interp",
                    "load binfmt definition in the namespace (implies --mount-binfmt)",
                )
                .short('l')
                .value("<def>"),
                Flag::new("propagation", "modify mount propagation in mount namespace")
                    .value("slave|shared|private|unchanged"),
                Flag::new("root", "run the command with root directory set to <dir>")
                    .short('R')
                    .value("<dir>")
                    .hint(Hint::Dir),
                Flag::new("wd", "change working directory to <dir>")
                    .short('w')
                    .value("<dir>")
                    .hint(Hint::Dir),
            ],
        ),
        Group::new(
            "",
            &[
                Flag::new("fork", "fork before launching <program>").short('f'),
                Flag::new(
                    "kill-child",
                    "when dying, kill the forked child (implies --fork)\ndefaults to SIGKILL",
                )
                .optional_long("<signame>")
                .hint(Hint::Signal),
                Flag::new(
                    "forward-signals",
                    "forward every catchable signal to the child (implies --fork)",
                ),
            ],
        ),
        Group::new(
            "",
            &[
                Flag::new(
                    "setgroups",
                    "control the setgroups syscall in user namespaces",
                )
                .value("allow|deny"),
                Flag::new(
                    "keep-caps",
                    "retain capabilities granted in user namespaces",
                ),
            ],
        ),
        Group::new(
            "",
            &[
                Flag::new("setuid", "set uid in entered namespace")
                    .short('S')
                    .value("<uid>")
                    .hint(Hint::Uid),
                Flag::new("setgid", "set gid in entered namespace")
                    .short('G')
                    .value("<gid>")
                    .hint(Hint::Gid),
                Flag::new("map-user", "map current user to uid (implies --user)")
                    .value("<uid>|<name>")
                    .hint(Hint::User),
                Flag::new(
                    "map-users",
                    "map count users from outeruid to inneruid (implies --user)",
                )
                .value("<inneruid>:<outeruid>:<count>|auto|subids|all"),
                Flag::new("map-group", "map current group to gid (implies --user)")
                    .value("<gid>|<name>")
                    .hint(Hint::Group),
                Flag::new(
                    "map-groups",
                    "map count groups from outergid to innergid (implies --user)",
                )
                .value("<innergid>:<outergid>:<count>|auto|subids|all"),
                Flag::new("map-root-user", "map current user to root (implies --user)").short('r'),
                Flag::new(
                    "map-current-user",
                    "map current user to itself (implies --user)",
                )
                .short('c'),
                Flag::new(
                    "map-auto",
                    "map users and groups automatically (implies --user)",
                ),
                Flag::new(
                    "map-subids",
                    "map the first block of user IDs owned by euid (implies --user)",
                ),
                Flag::new("owner", "set the user namespace owner (implies --user)")
                    .value("<uid>:<gid>"),
            ],
        ),
        Group::new(
            "",
            &[
                Flag::new(
                    "monotonic",
                    "set clock monotonic offset (seconds) in time namespaces",
                )
                .value("<offset>"),
                Flag::new(
                    "boottime",
                    "set clock boottime offset (seconds) in time namespaces",
                )
                .value("<offset>"),
                Flag::new(
                    "clear-env",
                    "do not inherit environment variables from the calling process",
                ),
                Flag::new(
                    "whitelist-env",
                    "clear environment except for specified variables",
                )
                .value("<list>")
                .hint(Hint::EnvVar),
            ],
        ),
        Group::new(
            "",
            &[
                Flag::new(
                    "setup",
                    "run <command> with /bin/sh -c in the original namespaces, with\n\
                     NS_PID set, before <program> starts (repeatable)",
                )
                .value("<command>")
                .hint(Hint::Command),
                Flag::new(
                    "pid-file",
                    "write the pid of the process in the namespaces to <file>",
                )
                .value("<file>")
                .hint(Hint::File),
                Flag::new(
                    "init",
                    "run <program> under a minimal init as pid 2 (needs --fork --pid)",
                ),
                Flag::new(
                    "into-cgroup",
                    "start the process in the existing cgroup <path>",
                )
                .value("<path>")
                .hint(Hint::Cgroup),
                Flag::new(
                    "hostname",
                    "set the hostname in the new UTS namespace (needs --uts)",
                )
                .value("<name>"),
                Flag::new(
                    "domainname",
                    "set the NIS domain name in the new UTS namespace (needs --uts)",
                )
                .value("<name>"),
            ],
        ),
    ],
    operands: &[Hint::Program],
    ..Tool::EMPTY
};

const BINFMT_DIR: &str = "/proc/sys/fs/binfmt_misc";

/// Everything the command line asked for.
struct Opts {
    flags: CloneFlags,
    persist: Vec<(&'static Kind, PathBuf)>,
    fork: bool,
    /// A signal number: real-time signals are allowed, which nix's `Signal` cannot hold.
    kill_child: Option<i32>,
    forward_signals: bool,
    mount_proc: Option<PathBuf>,
    mount_binfmt: Option<PathBuf>,
    load_interp: Option<String>,
    map_user: Option<u32>,
    map_group: Option<u32>,
    user_ranges: Vec<Pending>,
    group_ranges: Vec<Pending>,
    owner: Option<(u32, u32)>,
    propagation: Option<Option<MsFlags>>,
    setgroups: Option<Setgroups>,
    keep_caps: bool,
    root: Option<PathBuf>,
    wd: Option<PathBuf>,
    setuid: Option<u32>,
    setgid: Option<u32>,
    monotonic: Option<i64>,
    boottime: Option<i64>,
    clear_env: bool,
    keep_env: Option<Vec<(String, Option<OsString>)>>,
    hostname: Option<String>,
    domainname: Option<String>,
    setup: Vec<String>,
    pid_file: Option<PathBuf>,
    init: bool,
    /// `--into-cgroup`: a cgroup path as nscgroup takes it.
    into_cgroup: Option<String>,
    program: Vec<OsString>,
}

impl Default for Opts {
    fn default() -> Opts {
        Opts {
            flags: CloneFlags::empty(),
            persist: Vec::new(),
            fork: false,
            kill_child: None,
            forward_signals: false,
            mount_proc: None,
            mount_binfmt: None,
            load_interp: None,
            map_user: None,
            map_group: None,
            user_ranges: Vec::new(),
            group_ranges: Vec::new(),
            owner: None,
            propagation: None,
            setgroups: None,
            keep_caps: false,
            root: None,
            wd: None,
            setuid: None,
            setgid: None,
            monotonic: None,
            boottime: None,
            clear_env: false,
            keep_env: None,
            hostname: None,
            domainname: None,
            setup: Vec::new(),
            pid_file: None,
            init: false,
            into_cgroup: None,
            program: Vec::new(),
        }
    }
}

/// Who we are before anything changes.
#[derive(Clone, Copy)]
struct Caller {
    euid: u32,
    egid: u32,
}

pub fn main(args: impl IntoIterator<Item = OsString>) -> ! {
    cli::exit(NAME, run(args))
}

fn run(args: impl IntoIterator<Item = OsString>) -> Result<i32> {
    let caller = Caller {
        euid: geteuid().as_raw(),
        egid: getegid().as_raw(),
    };
    let opts = parse(args, caller)?;
    let plan = Plan::new(opts, caller)?;
    plan.execute()
}

fn parse(args: impl IntoIterator<Item = OsString>, caller: Caller) -> Result<Box<Opts>> {
    let mut o = Opts::default();
    let mut args = Args::new(&TOOL, args);
    let etc = Path::new("/etc");
    let user = CloneFlags::CLONE_NEWUSER;
    while let Some(arg) = args.next()? {
        let (name, v) = match arg {
            Arg::Flag(name, v) => (name, v),
            Arg::Operand(v) => {
                o.program.push(v);
                continue;
            }
        };
        // Namespace flags: short or long, the long form with an optional `=FILE` to persist it.
        if let Some(kind) = ns::by_long(name) {
            o.flags |= kind.flag;
            if let Some(file) = v.optional() {
                o.persist.retain(|(k, _)| *k != kind);
                o.persist.push((kind, file.into()));
            }
            continue;
        }
        match name {
            "fork" => o.fork = true,
            "kill-child" => {
                o.fork = true;
                o.kill_child = Some(match v.optional() {
                    None => libc::SIGKILL,
                    Some(s) => {
                        let s = s.to_string_lossy();
                        cli::signal_number(&s)
                            .ok_or_else(|| Error::new(format!("unknown signal: {s}")))?
                    }
                });
            }
            "forward-signals" => {
                o.fork = true;
                o.forward_signals = true;
            }
            "mount-proc" => {
                o.flags |= CloneFlags::CLONE_NEWNS;
                o.mount_proc = Some(v.optional().map_or("/proc".into(), PathBuf::from));
            }
            "mount-binfmt" => {
                o.flags |= CloneFlags::CLONE_NEWNS | user;
                match v.optional() {
                    Some(dir) => o.mount_binfmt = Some(dir.into()),
                    None => {
                        o.mount_proc.get_or_insert_with(|| "/proc".into());
                        o.mount_binfmt = Some(BINFMT_DIR.into());
                    }
                }
            }
            "load-interp" => {
                o.flags |= CloneFlags::CLONE_NEWNS | user;
                if o.mount_binfmt.is_none() {
                    o.mount_proc.get_or_insert_with(|| "/proc".into());
                    o.mount_binfmt = Some(BINFMT_DIR.into());
                }
                o.load_interp = Some(v.string()?);
            }
            "map-user" => {
                o.flags |= user;
                o.map_user = Some(crate::users::uid(etc, &v.string()?)?);
            }
            "map-group" => {
                o.flags |= user;
                o.map_group = Some(crate::users::gid(etc, &v.string()?)?);
            }
            "map-root-user" => {
                o.flags |= user;
                o.map_user = Some(0);
                o.map_group = Some(0);
            }
            "map-current-user" => {
                o.flags |= user;
                o.map_user = Some(caller.euid);
                o.map_group = Some(caller.egid);
            }
            which @ ("map-users" | "map-groups") => {
                o.flags |= user;
                let (ids, list) = if which == "map-groups" {
                    (Which::Gid, &mut o.group_ranges)
                } else {
                    (Which::Uid, &mut o.user_ranges)
                };
                list.extend(subid::map_ranges(&v.string()?, ids, caller.euid, etc)?);
            }
            which @ ("map-auto" | "map-subids") => {
                o.flags |= user;
                let spec = if which == "map-auto" {
                    "auto"
                } else {
                    "subids"
                };
                o.user_ranges
                    .extend(subid::map_ranges(spec, Which::Uid, caller.euid, etc)?);
                o.group_ranges
                    .extend(subid::map_ranges(spec, Which::Gid, caller.euid, etc)?);
            }
            "owner" => {
                o.flags |= user;
                let v = v.string()?;
                let parsed = v.split_once(':').and_then(|(u, g)| {
                    Some((
                        cli::number::<u32>(u, "").ok()?,
                        cli::number::<u32>(g, "").ok()?,
                    ))
                });
                o.owner = Some(
                    parsed.ok_or_else(|| Error::new(format!("failed to parse owner: '{v}'")))?,
                );
            }
            "propagation" => o.propagation = Some(mount::parse_propagation(&v.string()?)?),
            "setgroups" => o.setgroups = Some(Setgroups::parse(&v.string()?)?),
            "keep-caps" => o.keep_caps = true,
            "setuid" => o.setuid = Some(cli::number(&v.string()?, "failed to parse uid")?),
            "setgid" => o.setgid = Some(cli::number(&v.string()?, "failed to parse gid")?),
            "root" => o.root = Some(v.path()),
            "wd" => o.wd = Some(v.path()),
            "monotonic" => {
                o.monotonic = Some(cli::number(
                    &v.string()?,
                    "failed to parse monotonic offset",
                )?)
            }
            "boottime" => {
                o.boottime = Some(cli::number(
                    &v.string()?,
                    "failed to parse boottime offset",
                )?)
            }
            "clear-env" => o.clear_env = true,
            "whitelist-env" => {
                let list = v.string()?;
                let keep = o.keep_env.get_or_insert_with(Vec::new);
                for name in list.split(',').filter(|n| !n.is_empty()) {
                    keep.push((name.to_string(), std::env::var_os(name)));
                }
            }
            "hostname" => o.hostname = Some(v.string()?),
            "domainname" => o.domainname = Some(v.string()?),
            "setup" => o.setup.push(v.string()?),
            "pid-file" => o.pid_file = Some(v.path()),
            "init" => o.init = true,
            "into-cgroup" => o.into_cgroup = Some(v.string()?),
            name => unreachable!("--{name} is in the table"),
        }
    }
    Ok(Box::new(o))
}

/// `--into-cgroup PATH`: the cgroup, which must exist (`nscgroup create` makes it), in every
/// hierarchy where it does; a relative PATH lives under our own cgroup.
fn placement_in(path: &str) -> Result<Placement> {
    let fs = Cgroupfs::open(Path::new(cgroup::DEFAULT_ROOT), SelfCgroup::read()?)?;
    let groups = fs.existing(path, &[]).map_err(|e| match e.errno() {
        Some(nix::errno::Errno::ENOENT) => {
            Error::new(format!("{e} (make it first: nscgroup create {path})"))
        }
        _ => e,
    })?;
    Placement::new(&groups)
}

/// Refuse the empty values that would otherwise reach a system call and be printed as nothing
/// (`mount  failed`): paths, a binfmt definition, the program's name.
fn check_nonempty(o: &Opts) -> Result<()> {
    use crate::error::nonempty;
    for (kind, file) in &o.persist {
        nonempty(file.as_os_str(), &format!("path for --{}", kind.long))?;
    }
    let paths = [
        ("--mount-proc", &o.mount_proc),
        ("--mount-binfmt", &o.mount_binfmt),
        ("--root", &o.root),
        ("--wd", &o.wd),
        ("--pid-file", &o.pid_file),
    ];
    for (option, path) in paths {
        if let Some(p) = path {
            nonempty(p.as_os_str(), &format!("path for {option}"))?;
        }
    }
    if let Some(def) = &o.load_interp {
        nonempty(def.as_ref(), "binfmt definition for --load-interp")?;
    }
    process::check_program(&o.program)
}

/// The validated plan: what `H`, `P` and `C` will each do.
struct Plan {
    o: Box<Opts>,
    caller: Caller,
    /// Maps written from outside by `H` (ranges; or a single mapping with `--owner`).
    outside: Maps,
    /// Single mappings `P` (or `C`) writes to its own `/proc/self` after `unshare()`.
    self_uid: Option<u32>,
    self_gid: Option<u32>,
    /// Whether this process (or the one it was forked from) wrote them already.
    own_maps_written: Cell<bool>,
    /// `--into-cgroup`: where the process that runs the program starts.
    placement: Option<Placement>,
}

impl Plan {
    /// Check everything that can be checked before touching the system.
    fn new(o: Box<Opts>, caller: Caller) -> Result<Plan> {
        check_nonempty(&o)?;
        let time = CloneFlags::from_bits_retain(libc::CLONE_NEWTIME);
        if (o.monotonic.is_some() || o.boottime.is_some()) && !o.flags.contains(time) {
            return Err(Error::new(
                "options --monotonic and --boottime require unsharing of a time namespace (-T)",
            ));
        }
        if (o.hostname.is_some() || o.domainname.is_some())
            && !o.flags.contains(CloneFlags::CLONE_NEWUTS)
        {
            return Err(Error::new(
                "options --hostname and --domainname require unsharing of a UTS namespace (-u)",
            ));
        }
        for (what, name) in [("hostname", &o.hostname), ("domainname", &o.domainname)] {
            if let Some(name) = name {
                ns::check_uts_name(what, name)?;
            }
        }
        if o.init && !(o.fork && o.flags.contains(CloneFlags::CLONE_NEWPID)) {
            return Err(Error::new("option --init requires --fork and --pid"));
        }
        let persisted = o
            .persist
            .iter()
            .map(|(k, f)| (format!("persist the {} namespace at", k.name), f));
        let pid_file = o
            .pid_file
            .iter()
            .map(|f| ("write the pid file".to_string(), f));
        for (what, file) in persisted.chain(pid_file) {
            let dir = file
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if !dir.is_dir() {
                return Err(Error::new(format!(
                    "cannot {what} {}: directory {} does not exist",
                    file.display(),
                    dir.display()
                )));
            }
        }

        let mut outside = Maps::default();
        let (mut self_uid, mut self_gid) = (o.map_user, o.map_group);
        if !o.user_ranges.is_empty() || (o.map_user.is_some() && o.owner.is_some()) {
            outside.uid = Some(idmap::with_single(&o.user_ranges, caller.euid, o.map_user));
            self_uid = None;
        }
        if !o.group_ranges.is_empty() || (o.map_group.is_some() && o.owner.is_some()) {
            outside.gid = Some(idmap::with_single(
                &o.group_ranges,
                caller.egid,
                o.map_group,
            ));
            self_gid = None;
        }
        for map in [&outside.uid, &outside.gid].into_iter().flatten() {
            idmap::validate(map)?;
        }
        if self_gid.is_some() && o.setgroups == Some(Setgroups::Allow) {
            return Err(Error::new(
                "options --setgroups=allow and --map-group are mutually exclusive",
            ));
        }
        if outside.gid.is_some() {
            outside.setgroups = o.setgroups;
        }
        let placement = o.into_cgroup.as_deref().map(placement_in).transpose()?;
        Ok(Plan {
            o,
            caller,
            outside,
            self_uid,
            self_gid,
            own_maps_written: Cell::new(false),
            placement,
        })
    }

    /// Whether the cgroup namespace is made by the forked child `C`, once it is in its cgroup
    /// (`--into-cgroup` with `--fork`), rather than by our `unshare()`: a cgroup namespace is
    /// rooted where its maker is at that moment, and `C` is born in the cgroup.
    fn child_makes_cgroupns(&self) -> bool {
        self.placement.is_some()
            && self.o.fork
            && self.o.flags.contains(CloneFlags::CLONE_NEWCGROUP)
    }

    fn needs_helper(&self) -> bool {
        self.outside.uid.is_some()
            || self.outside.gid.is_some()
            || !self.o.persist.is_empty()
            || !self.o.setup.is_empty()
            || self.o.pid_file.is_some()
    }

    fn execute(self) -> Result<i32> {
        // As util-linux, with or without --fork: an inherited SIG_IGN would make our waits fail
        // (process::fork resets it too), and the program gets the default either way.
        sys::reset_default(Signal::SIGCHLD).context(|| "cannot reset SIGCHLD")?;
        let me = getpid();
        let (helper, commit) = if self.needs_helper() {
            let (h, c) = self.spawn_helper(me)?;
            (Some(h), Some(c))
        } else {
            (None, None)
        };

        if let (Some(p), false) = (&self.placement, self.o.fork) {
            // The program will run in our place: we move into its cgroup (a migration), before
            // the cgroup namespace is made, so that it is rooted there. The helper stays out.
            p.enter()?;
        }
        if let Some((uid, gid)) = self.o.owner {
            process::set_ids(Some(uid), Some(gid), true)?;
        }
        let mut flags = self.o.flags;
        if self.child_makes_cgroupns() {
            flags.remove(CloneFlags::CLONE_NEWCGROUP);
        }
        nix::sched::unshare(flags).context(|| "unshare failed")?;
        self.setup_new_namespaces()?;

        if !self.o.fork {
            if let Some(h) = helper {
                // The process to run the program is this one: it cannot be gone.
                if !h.finish(me)? {
                    return Err(Error::new("the helper lost the program's process"));
                }
            }
            return Err(self.finish_in_child(commit, None));
        }

        let how = Supervise {
            forward: self.o.forward_signals,
            follow_stops: false,
        };
        let supervisor = Supervisor::block(how, &[Signal::SIGINT, Signal::SIGTERM])?;
        let parent_fd = match self.o.kill_child {
            Some(_) => Some(sys::pidfd_open(me).context(|| "pidfd_open failed")?),
            None => None,
        };
        let hold = if helper.is_some() {
            Some(Gate::new()?)
        } else {
            None
        };
        // With a helper, `C` says when it is in its cgroup and namespace, so that what the helper
        // does with it (persisting the cgroup namespace, --setup) finds them.
        let placed = match (&self.placement, &helper) {
            (Some(_), Some(_)) => Some(Gate::new()?),
            _ => None,
        };
        let forked = match &self.placement {
            Some(p) => p.fork()?,
            None => process::fork()?,
        };
        match forked {
            Fork::Child => {
                self.start_in_cgroup(placed)?;
                if !self.o.init {
                    supervisor.unblock()?;
                }
                if let Some(gate) = hold {
                    if !gate.receiver().wait() {
                        // The parent reports why; we only leave.
                        std::process::exit(1);
                    }
                }
                self.kill_child_setup(parent_fd.as_ref())?;
                if !self.o.init {
                    return Err(self.finish_in_child(commit, parent_fd.as_ref()));
                }
                // The init takes the program's ids once they are mapped, so the maps are written
                // before the program is forked.
                self.write_own_maps()?;
                let mut init_mask = process::forwardable();
                init_mask.add(Signal::SIGCHLD);
                process::block(&init_mask)?;
                let ready = Gate::new()?;
                if let Fork::Parent(program) = process::fork()? {
                    // The program's process commits, not its init.
                    drop(commit);
                    self.init_takes_ids(parent_fd.as_ref())?;
                    process::run_init(program, ready.sender());
                }
                drop(parent_fd);
                if !ready.receiver().wait() {
                    std::process::exit(1);
                }
                supervisor.unblock()?;
                Err(self.finish_in_child(commit, None))
            }
            Fork::Parent(child) => {
                drop(parent_fd);
                // Only `C` may run the program now: it alone holds the commit pipe.
                drop(commit);
                if let Some(h) = helper {
                    if let Some(placed) = placed {
                        if !placed.receiver().wait() {
                            // `C` could not enter its cgroup, and said why: the helper is
                            // released without a pid and makes nothing.
                            drop(h);
                            process::exit_like(process::wait(child)?);
                        }
                    }
                    let hold = hold.map(Gate::sender);
                    match h.finish(child) {
                        Ok(true) => {}
                        Ok(false) => {
                            let _ = kill(child, Signal::SIGKILL);
                            match process::wait(child) {
                                // `C` ended by a signal, as a Ctrl-C ends it: so do we.
                                Ok(status @ WaitStatus::Signaled(_, sig, _))
                                    if sig != Signal::SIGKILL =>
                                {
                                    process::exit_like(status)
                                }
                                _ => {
                                    return Err(Error::new(
                                        "the process that was to run the program ended during \
                                         the setup",
                                    ))
                                }
                            }
                        }
                        Err(e) => {
                            let _ = kill(child, Signal::SIGKILL);
                            let _ = process::wait(child);
                            return Err(e);
                        }
                    }
                    if let Some(tx) = hold {
                        tx.open()?;
                    }
                }
                process::exit_like(supervisor.wait(child)?)
            }
        }
    }

    /// Work `P` does in its new namespaces before forking: time offsets must be set before any
    /// process enters the time namespace, and the UTS names belong to the namespace, not to `C`.
    fn setup_new_namespaces(&self) -> Result<()> {
        for (offset, clock, name) in [
            (self.o.boottime, libc::CLOCK_BOOTTIME, "boottime"),
            (self.o.monotonic, libc::CLOCK_MONOTONIC, "monotonic"),
        ] {
            if let Some(offset) = offset {
                let path = "/proc/self/timens_offsets";
                std::fs::write(path, format!("{clock} {offset} 0"))
                    .context(|| format!("failed to write the {name} offset to {path}"))?;
            }
        }
        if let Some(h) = &self.o.hostname {
            nix::unistd::sethostname(h).context(|| format!("cannot set hostname to '{h}'"))?;
        }
        if let Some(d) = &self.o.domainname {
            sys::setdomainname(d.as_bytes())
                .context(|| format!("cannot set domain name to '{d}'"))?;
        }
        Ok(())
    }

    /// In `C`, first thing: into the cgroups `C` did not start in (v1 ones, or all after a plain
    /// fork), then the cgroup namespace, rooted there; then tell `P`.
    fn start_in_cgroup(&self, placed: Option<Gate>) -> Result<()> {
        let Some(p) = &self.placement else {
            return Ok(());
        };
        p.join_rest()?;
        if self.child_makes_cgroupns() {
            nix::sched::unshare(CloneFlags::CLONE_NEWCGROUP).context(|| "unshare failed")?;
        }
        if let Some(gate) = placed {
            gate.sender().open()?;
        }
        Ok(())
    }

    /// With `--init`, in the init once the program is forked: take the ids the program gets
    /// (`--setuid`, `--setgid`), so that inside the namespace pid 1 is the program's user (the
    /// container's root) rather than an unmapped `nobody`. Its capabilities are kept through the
    /// change (`PR_SET_KEEPCAPS`), for [`process::run_init`] to drop all but CAP_KILL. Best
    /// effort, as hardening: the program's own change of ids fails the same way and says why.
    /// The kernel clears the parent-death signal when ids change, so `--kill-child` is set again.
    fn init_takes_ids(&self, parent: Option<&OwnedFd>) -> Result<()> {
        if self.o.setuid.is_none() && self.o.setgid.is_none() {
            return Ok(());
        }
        let _ = sys::set_keepcaps(true);
        let _ = process::set_ids(self.o.setuid, self.o.setgid, true);
        let _ = sys::set_keepcaps(false);
        self.kill_child_setup(parent)
    }

    /// With `--kill-child`: die with the parent, and leave if the parent is already gone. Called
    /// again after a change of ids, which clears the request.
    fn kill_child_setup(&self, parent: Option<&OwnedFd>) -> Result<()> {
        let (Some(sig), Some(parent)) = (self.o.kill_child, parent) else {
            return Ok(());
        };
        sys::set_pdeathsig(sig).context(|| "prctl failed")?;
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        let mut fds = [PollFd::new(parent.as_fd(), PollFlags::POLLIN)];
        if poll(&mut fds, PollTimeout::ZERO).context(|| "poll parent pidfd failed")? > 0 {
            // Re-parented before prctl: nobody is waiting for our status.
            std::process::exit(1);
        }
        Ok(())
    }

    /// The rest of the work, in the process that will run the program; only returns on error.
    /// With a helper, `commit` tells it the program is about to run (or could not be run), so
    /// that it keeps or undoes its work.
    fn finish_in_child(&self, commit: Option<Commit>, parent: Option<&OwnedFd>) -> Error {
        if let Err(e) = self.prepare_exec(parent) {
            return e;
        }
        if let Some(c) = &commit {
            // Unheard, the helper would undo the work of a program that runs.
            if let Err(e) = c.say(COMMIT) {
                return Error::sys("cannot tell the helper that the program starts", e);
            }
        }
        let e = process::exec_or_shell(&self.o.program);
        if let Some(c) = &commit {
            let _ = c.say(ABORT);
        }
        e
    }

    /// The single mappings (`-r`, `-c`, `--map-user`, `--map-group`) and setgroups, written by the
    /// process itself to `/proc/self`; once (`C` writes them before forking the program with
    /// `--init`).
    fn write_own_maps(&self) -> Result<()> {
        if self.own_maps_written.replace(true) {
            return Ok(());
        }
        let me = ProcDir::open_self()?;
        let own = Maps {
            uid: self.self_uid.map(|inner| {
                vec![Range {
                    inner,
                    outer: self.caller.euid,
                    count: 1,
                }]
            }),
            // Unprivileged writes of gid_map need setgroups denied first (Linux 3.19).
            setgroups: match (self.self_gid, self.outside.gid.is_some()) {
                (Some(_), _) => Some(Setgroups::Deny),
                (None, false) => self.o.setgroups,
                (None, true) => None,
            },
            gid: self.self_gid.map(|inner| {
                vec![Range {
                    inner,
                    outer: self.caller.egid,
                    count: 1,
                }]
            }),
        };
        match idmap::write_maps(&me, &own) {
            // setgroups does not exist without user namespaces; util-linux ignores that too.
            Err(e)
                if e.errno() == Some(nix::errno::Errno::ENOENT)
                    && own.uid.is_none()
                    && own.gid.is_none() =>
            {
                Ok(())
            }
            r => r,
        }
    }

    /// `parent`: with `--kill-child`, the process whose death must end this one.
    fn prepare_exec(&self, parent: Option<&OwnedFd>) -> Result<()> {
        let o = &self.o;
        self.write_own_maps()?;

        if o.flags.contains(CloneFlags::CLONE_NEWNS) {
            if let Some(flags) = o
                .propagation
                .unwrap_or(Some(MsFlags::MS_REC | MsFlags::MS_PRIVATE))
            {
                mount::set_root_propagation(flags)?;
            }
        }
        let fixed_interp = o.load_interp.as_deref().is_some_and(is_fixed) && o.root.is_some();
        if fixed_interp {
            mount::mount_fs("binfmt_misc", Path::new(BINFMT_DIR), mount::PSEUDO, None)?;
            load_interp(
                Path::new(BINFMT_DIR),
                o.load_interp.as_deref().unwrap_or_default(),
            )?;
        }
        let mut wd = o.wd.clone();
        if let Some(root) = &o.root {
            nix::unistd::chroot(root)
                .context(|| format!("cannot change root directory to '{}'", root.display()))?;
            wd.get_or_insert_with(|| "/".into());
        }
        if let Some(dir) = &wd {
            nix::unistd::chdir(dir)
                .context(|| format!("cannot change directory to {}", dir.display()))?;
        }
        if let Some(dir) = &o.mount_proc {
            let default_private = o
                .propagation
                .is_none_or(|p| p == Some(MsFlags::MS_REC | MsFlags::MS_PRIVATE));
            if o.root.is_none() && !default_private {
                match mount::make_private(dir) {
                    Err(e) if e.errno() == Some(nix::errno::Errno::EINVAL) => {}
                    r => r?,
                }
            }
            mount::mount_proc(dir, None)?;
        }
        if let Some(dir) = &o.mount_binfmt {
            mount::mount_fs("binfmt_misc", dir, mount::PSEUDO, None)?;
        }
        if let (Some(def), false, Some(dir)) = (&o.load_interp, fixed_interp, &o.mount_binfmt) {
            load_interp(dir, def)?;
        }
        if o.setuid.is_some() || o.setgid.is_some() {
            process::set_ids(o.setuid, o.setgid, true)?;
            self.kill_child_setup(parent)?;
        }
        if o.keep_caps && o.flags.contains(CloneFlags::CLONE_NEWUSER) {
            caps::permitted_to_ambient()?;
        }
        if o.clear_env || o.keep_env.is_some() {
            let kept = o.keep_env.iter().flatten();
            process::replace_env(kept.filter_map(|(n, v)| Some((n.as_ref(), v.as_deref()?))))?;
        }
        Ok(())
    }

    /// Fork the helper `H`, detached (see the module comment): it waits for the pid of the
    /// process that runs the program, and for the end of the returned [`Commit`] pipe.
    fn spawn_helper(&self, target: Pid) -> Result<(Helper, Commit)> {
        let proc_dir = ProcDir::open(target, None)?;
        let go = Gate::new()?;
        let done = Gate::new()?;
        let (commit_rx, commit_tx) = sys::socketpair_cloexec().context(|| "socketpair failed")?;
        match process::fork()? {
            Fork::Child => {
                drop(commit_tx);
                let (go, done) = (go.receiver(), done.sender());
                match process::fork() {
                    Ok(Fork::Child) => {}
                    Ok(Fork::Parent(_)) => std::process::exit(0),
                    Err(e) => {
                        cli::report(NAME, &e);
                        std::process::exit(1);
                    }
                }
                let code = self.helper_main(target, go, done, commit_rx, proc_dir);
                std::process::exit(code)
            }
            Fork::Parent(middle) => {
                drop(commit_rx);
                match process::wait(middle)? {
                    WaitStatus::Exited(_, 0) => {}
                    // Killed before it could say anything (a signal sent to its pid alone).
                    WaitStatus::Signaled(_, sig, _) => {
                        return Err(Error::new(format!(
                            "the helper process was killed by {}",
                            sig.as_str()
                        )))
                    }
                    // It failed and said why.
                    _ => return Err(Error::silent(1)),
                }
                let helper = Helper {
                    go: go.sender(),
                    done: done.receiver(),
                };
                Ok((helper, Commit(commit_tx)))
            }
        }
    }

    /// `H`'s life: wait for the pid of the process that runs the program, do the work, tell
    /// `P`, then keep the work once the program starts or undo it if it never does. Returns the
    /// exit status.
    fn helper_main(
        &self,
        target: Pid,
        go: GateRx,
        done: GateTx,
        commit: OwnedFd,
        proc_dir: ProcDir,
    ) -> i32 {
        // Keyboard and hang-up signals go to our whole process group: `H` outlives them to undo
        // its work, which the end of the commit pipe then asks for; and telling a `P` that is
        // gone must not end it either. Its setup commands get the caller's mask back.
        let mut quiet = SigSet::empty();
        for sig in [
            Signal::SIGINT,
            Signal::SIGQUIT,
            Signal::SIGTERM,
            Signal::SIGHUP,
            Signal::SIGPIPE,
        ] {
            quiet.add(sig);
        }
        let Ok(mask) = process::block(&quiet) else {
            return 1;
        };
        let Some(ns_pid) = go.recv() else {
            // `P` failed (and said why) or died before its namespaces existed: nothing made.
            return 1;
        };
        let ns_pid = Pid::from_raw(ns_pid as i32);
        let mut made = Persisted::default();
        let ending = Ending {
            commit: &commit,
            mask,
        };
        let result = self.helper_work(target, ns_pid, proc_dir, &mut made, &ending);
        if let Err(e) = result {
            let gone = e.is_silent();
            if !gone {
                cli::report(NAME, &e);
            }
            made.undo();
            let _ = done.send(if gone { GONE } else { FAILED });
            return 1;
        }
        if done.send(DONE).is_err() || !program_started(&commit) {
            made.undo();
            return 1;
        }
        made.keep();
        0
    }

    /// What `H` does, from the original namespaces, once `P` has unshared (and forked `C`):
    /// maps, namespace files, pid file, setup commands. `ns_pid` is the process that runs the
    /// program (`C`, or `P` without `--fork`). What it makes is recorded in `made`, for the
    /// caller to undo on failure; [`Error::silent`] means the program's process is gone.
    fn helper_work(
        &self,
        target: Pid,
        ns_pid: Pid,
        proc_dir: ProcDir,
        made: &mut Persisted,
        ending: &Ending,
    ) -> Result<()> {
        let label = proc_dir.label();
        if self.outside.uid.is_some() || self.outside.gid.is_some() {
            if self.caller.euid == 0 {
                idmap::write_maps(&proc_dir, &self.outside)?;
            } else {
                // As the owner of the new user namespace we may write setgroups ourselves;
                // the maps need the setuid helpers.
                if let (Some(sg), Some(_)) = (self.outside.setgroups, &self.outside.gid) {
                    idmap::write_file(&proc_dir, "setgroups", sg.as_str())?;
                }
                let (uid, gid) = (self.outside.uid.as_deref(), self.outside.gid.as_deref());
                idmap::write_maps_external(target, uid, gid)?;
            }
        }
        for (kind, file) in &self.o.persist {
            ending.check()?;
            if kind.flag == CloneFlags::CLONE_NEWCGROUP && self.child_makes_cgroupns() {
                made.bind(&format!("/proc/{ns_pid}"), kind, file)?;
            } else {
                made.bind(label, kind, file)?;
            }
        }
        if let Some(file) = &self.o.pid_file {
            ending.check()?;
            made.pid_file(file, ns_pid)?;
        }
        for cmd in &self.o.setup {
            ending.check()?;
            run_setup(cmd, ns_pid, ending)?;
        }
        ending.check()
    }
}

/// Bytes on the commit pipe, from the process that runs the program to `H`.
const COMMIT: u8 = b'c';
const ABORT: u8 = b'a';

/// What `H` tells `P` when its work is over (with [`GateTx::send`]).
const DONE: u32 = 0;
/// `H` failed and said why.
const FAILED: u32 = 1;
/// The process that was to run the program ended before `H` was done.
const GONE: u32 = 2;

/// The program's end of the commit pipe, in the process that runs the program. The "pipe" is a
/// stream socket pair, so that the last word before `execve` is one `send` with
/// `MSG_NOSIGNAL`: no signal mask to change and restore around it (as a write to a pipe whose
/// reader may be gone needs), and thus no system call between that word and `execve`.
struct Commit(OwnedFd);

impl Commit {
    /// Tell `H`; a helper that is gone (killed) has nothing left to keep or undo.
    fn say(&self, byte: u8) -> nix::Result<()> {
        match sys::send_nosignal(self.0.as_fd(), &[byte]) {
            Ok(_) | Err(nix::errno::Errno::EPIPE) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Whether the program started: [`COMMIT`] then the end of the pipe (closed by `execve`). A
/// process that ends without committing, or reports [`ABORT`], never ran the program.
fn program_started(commit: &OwnedFd) -> bool {
    let mut committed = false;
    let mut b = [0u8; 1];
    loop {
        match nix::unistd::read(commit.as_fd(), &mut b) {
            Err(nix::errno::Errno::EINTR) => continue,
            Ok(1) if b[0] == COMMIT => committed = true,
            Ok(0) => return committed,
            _ => return false,
        }
    }
}

/// How `H` learns, while it works, that the program will never run: the commit pipe ends.
struct Ending<'a> {
    commit: &'a OwnedFd,
    /// The signal mask to give setup commands.
    mask: SigSet,
}

impl Ending<'_> {
    /// Fail silently when the process that was to run the program is gone. Nothing can be
    /// written on the pipe before `H` is done, so any event on it is its end.
    fn check(&self) -> Result<()> {
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        let mut fds = [PollFd::new(self.commit.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::ZERO) {
            Ok(0) | Err(nix::errno::Errno::EINTR) => Ok(()),
            _ => Err(Error::silent(1)),
        }
    }
}

/// Run one setup command with `/bin/sh -c` in a process group of its own, with `NS_PID` set, and
/// wait for it; when the program's process ends meanwhile, end the command (TERM, then KILL
/// after a grace period) and fail silently.
fn run_setup(cmd: &str, ns_pid: Pid, ending: &Ending) -> Result<()> {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    let argv: Vec<OsString> = vec!["/bin/sh".into(), "-c".into(), cmd.into()];
    // Why the child could not run the shell, if it could not, comes back through a
    // close-on-exec pipe (left empty by a successful `execve`), so that we say it in our one
    // line instead of two processes saying two.
    let (why_rx, why_tx) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).context(|| "pipe failed")?;
    let child = match process::fork()? {
        Fork::Child => {
            drop(why_rx);
            let _ = nix::unistd::setpgid(Pid::from_raw(0), Pid::from_raw(0));
            let _ = process::restore_mask(&ending.mask);
            let e = match sys::setenv("NS_PID".as_ref(), ns_pid.to_string().as_ref()) {
                Ok(()) => process::exec(&argv),
                Err(e) => Error::sys("cannot set NS_PID", e),
            };
            let _ = process::write_quietly(why_tx.as_fd(), e.message().as_bytes());
            std::process::exit(e.code());
        }
        Fork::Parent(child) => child,
    };
    drop(why_tx);
    // Also from here, so the group exists before we may signal it.
    let _ = nix::unistd::setpgid(child, child);
    let pidfd = sys::pidfd_open(child).context(|| format!("pidfd_open {child} failed"))?;
    loop {
        let mut fds = [
            PollFd::new(pidfd.as_fd(), PollFlags::POLLIN),
            PollFd::new(ending.commit.as_fd(), PollFlags::POLLIN),
        ];
        match poll(&mut fds, PollTimeout::NONE) {
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(Error::sys("poll failed", e)),
            Ok(_) => {}
        }
        if fds[0].any().unwrap_or(false) {
            break;
        }
        if fds[1].any().unwrap_or(false) {
            let group = Pid::from_raw(-child.as_raw());
            let _ = kill(group, Signal::SIGTERM);
            let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
            let _ = poll(&mut fds, PollTimeout::from(2000u16));
            let _ = kill(group, Signal::SIGKILL);
            let _ = process::wait(child);
            return Err(Error::silent(1));
        }
    }
    let code = process::status_code(process::wait(child)?);
    if code != 0 {
        let mut why = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::fs::File::from(why_rx), &mut why);
        if !why.is_empty() {
            return Err(Error::new(format!(
                "cannot run the setup command: {}",
                String::from_utf8_lossy(&why)
            )));
        }
        return Err(Error::new(format!(
            "setup command failed with status {code}"
        )));
    }
    Ok(())
}

/// The helper `H`, seen from `P`: held until [`Helper::finish`].
struct Helper {
    go: GateTx,
    done: GateRx,
}

impl Helper {
    /// Release the helper, telling it which process runs the program, and wait until its work
    /// is done: `true`, or `false` when that process ended meanwhile. Its failure (already
    /// reported by it) is ours.
    fn finish(self, ns_pid: Pid) -> Result<bool> {
        self.go.send(ns_pid.as_raw() as u32)?;
        match self.done.recv() {
            Some(DONE) => Ok(true),
            Some(GONE) => Ok(false),
            Some(_) => Err(Error::silent(1)),
            None => Err(Error::new("the helper process ended without finishing")),
        }
    }
}

/// A binfmt_misc definition with the `F` (fix binary) flag is loaded before `chroot`.
fn is_fixed(def: &str) -> bool {
    def.rsplit_once(':')
        .is_some_and(|(_, flags)| flags.contains('F'))
}

fn load_interp(dir: &Path, def: &str) -> Result<()> {
    let path = dir.join("register");
    std::fs::write(&path, def).context(|| format!("write failed {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLER: Caller = Caller {
        euid: 1000,
        egid: 1000,
    };

    #[test]
    fn every_option_of_the_table_is_parsed() {
        cli::each_flag(&TOOL, |argv| drop(parse(argv, CALLER)));
    }

    #[test]
    fn namespace_options_are_the_namespace_table() {
        for kind in ns::KINDS.iter() {
            let f = TOOL.flags().find(|f| f.long == kind.long).unwrap();
            assert_eq!(f.short, Some(kind.short), "{}", kind.long);
        }
    }

    /// getopt lists the possibilities in util-linux's option table order; the table keeps it.
    #[test]
    fn ambiguous_prefixes_list_util_linux_order() {
        let e = |given: &str| {
            let argv = ["nsunshare", given, "true"].map(OsString::from);
            parse(argv, CALLER).err().unwrap().to_string()
        };
        assert_eq!(
            e("--s"),
            "option '--s' is ambiguous; possibilities: '--setgroups' '--setuid' '--setgid' \
             '--setup'"
        );
        assert_eq!(
            e("--m"),
            "option '--m' is ambiguous; possibilities: '--mount' '--mount-proc' \
             '--mount-binfmt' '--map-user' '--map-users' '--map-group' '--map-groups' \
             '--map-root-user' '--map-current-user' '--map-auto' '--map-subids' '--monotonic'"
        );
        assert_eq!(
            e("--k"),
            "option '--k' is ambiguous; possibilities: '--kill-child' '--keep-caps'"
        );
    }

    #[test]
    fn short_namespace_flags_never_take_a_file() {
        let argv = ["nsunshare", "-mu", "--net=/x", "-c", "ls", "-r"].map(OsString::from);
        let o = parse(argv, CALLER).unwrap();
        let want = CloneFlags::CLONE_NEWNS
            | CloneFlags::CLONE_NEWUTS
            | CloneFlags::CLONE_NEWNET
            | CloneFlags::CLONE_NEWUSER;
        assert_eq!(o.flags, want);
        assert_eq!(o.persist.len(), 1);
        assert_eq!(o.map_user, Some(1000));
        assert_eq!(o.program, ["ls", "-r"].map(OsString::from));
    }
}
