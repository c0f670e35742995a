//! What happens to processes and cgroups over time: attach, signal and kill, freeze and thaw,
//! delete (one `delete`, which refuses a cgroup holding the caller), and taking back what an
//! `exec` made.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::signal::{SigSet, Signal};
use nix::unistd::Pid;

use super::apply::Made;
use super::fs::{write_file, Cgroupfs, Group, Mode};
use super::{v1, v2};
use crate::error::{errno_of, Context, Error, Result};
use crate::procdir::{ProcDir, State};
use crate::process::{self, Fork, Gate, GateRx, GateTx};

/// How long `delete --kill`, `freeze` and `thaw` wait for the kernel to settle.
const SETTLE: Duration = Duration::from_secs(10);

/// Refuse to act on a cgroup that holds the caller: its own cgroup, one of its ancestors, or a
/// hierarchy's root (`what` words the act: "kill", "delete", "use --rm on").
pub fn refuse_if_holds_caller(groups: &[Group], what: &str, path: &str) -> Result<()> {
    for g in groups {
        let own = &g.hier.own;
        let holds = g.path == "/" || *own == g.path || own.starts_with(&format!("{}/", g.path));
        if holds {
            return Err(Error::new(format!(
                "cannot {what} {path}: it contains the caller's own cgroup ({own})"
            )));
        }
    }
    Ok(())
}

/// Move `pids` into every cgroup of `groups` (all must exist already). Each must be a live
/// process: a zombie has no cgroup left to change, and the kernel would accept the write while
/// moving nothing, so it is refused, as nsenter refuses one.
pub fn attach(groups: &[Group], pids: &[Pid]) -> Result<()> {
    for pid in pids {
        let proc = ProcDir::open(*pid, None).map_err(|e| {
            Error::sys(
                format!("cannot attach {pid}"),
                e.errno().unwrap_or(Errno::ESRCH),
            )
        })?;
        match proc.state()? {
            State::Running => {}
            State::Zombie => {
                return Err(Error::new(format!(
                    "cannot attach {pid}: it is a zombie (it has exited: nothing to move)"
                )))
            }
            State::Gone => return Err(Error::sys(format!("cannot attach {pid}"), Errno::ESRCH)),
        }
    }
    for pid in pids {
        for g in groups {
            write_file(&g.file("cgroup.procs"), &pid.to_string())?;
        }
    }
    Ok(())
}

/// After a failed `exec` that moved us (see [`Placement::enter`]): move ourselves back to our own
/// cgroup in every hierarchy of `made`, and remove the directories it created (best effort).
pub fn move_back_and_remove(made: &Made) {
    let me = nix::unistd::getpid().to_string();
    for g in &made.groups {
        let home = g.at(&g.hier.own).join("cgroup.procs");
        let _ = write_file(&home, &me);
    }
    remove_created(made);
}

/// After an `exec` whose program could not be run: remove the directories it created, where they
/// are still the ones it made and empty (best effort).
pub fn remove_created(made: &Made) {
    for d in made.created.iter().rev() {
        if d.is_ours() {
            let _ = std::fs::remove_dir(&d.path);
        }
    }
}

/// Take back what [`Cgroupfs::apply`] with [`super::Create::New`] made: kill what is left in
/// each cgroup it made (still the very directory, by inode) and delete it, then its parents that
/// this call created and that are empty now. A cgroup it did not make is never touched.
pub fn remove_made(made: &Made, path: &str) -> Result<()> {
    // Every hierarchy is tried, whatever failed in another; the first failure is the result.
    let mut result = Ok(());
    for g in &made.groups {
        let dir = g.dir();
        if made.created.iter().any(|d| d.path == dir && d.is_ours()) {
            let deleted = delete(std::slice::from_ref(g), path, true);
            if result.is_ok() {
                result = deleted;
            }
        }
    }
    for d in made.created.iter().rev() {
        if d.is_ours() {
            let _ = std::fs::remove_dir(&d.path);
        }
    }
    result
}

/// Signal every process of the cgroups (and below), each through a pidfd.
fn signal_all<'a>(groups: impl IntoIterator<Item = &'a Group>, sig: Signal) -> Result<usize> {
    let mut seen = BTreeSet::new();
    for g in groups {
        for pid in g.procs()? {
            if !seen.insert(pid) {
                continue;
            }
            let Ok(fd) = crate::sys::pidfd_open(pid) else {
                continue;
            };
            match crate::sys::pidfd_send_signal(fd.as_fd(), sig as i32) {
                Ok(()) | Err(Errno::ESRCH) => {}
                Err(e) => return Err(Error::sys(format!("cannot signal {pid}"), e)),
            }
        }
    }
    Ok(seen.len())
}

/// Whether a process is left in the cgroup or below.
fn populated(g: &Group) -> Result<bool> {
    if g.hier.mode() == Mode::V2 {
        if let Some(p) = v2::populated(g) {
            return Ok(p);
        }
    }
    Ok(!g.procs()?.is_empty())
}

/// Kill everything in the cgroups and wait until they are empty (bounded).
fn kill_all(groups: &[Group]) -> Result<()> {
    // Usually all empty already (exec --rm after the program ended): one look, nothing to do.
    let mut busy: Vec<&Group> = Vec::new();
    for g in groups {
        if populated(g)? {
            busy.push(g);
        }
    }
    for g in &busy {
        match g.hier.mode() {
            Mode::V2 => drop(v2::kill(g)?),
            Mode::V1 => v1::thaw_for_kill(g)?,
        }
    }
    let start = Instant::now();
    loop {
        let mut left = Vec::new();
        for g in busy {
            if populated(g)? {
                left.push(g);
            }
        }
        busy = left;
        if busy.is_empty() {
            return Ok(());
        }
        if start.elapsed() > SETTLE {
            return Err(Error::new(format!(
                "cannot empty {}: processes remain after SIGKILL",
                busy[0].path
            )));
        }
        signal_all(busy.iter().copied(), Signal::SIGKILL)?;
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Remove the cgroups, deepest directories first. Fails (changing nothing) when one holds the
/// caller (see [`refuse_if_holds_caller`]), or a process and `kill` is false. This is the one way
/// a cgroup is deleted.
pub fn delete(groups: &[Group], path: &str, kill: bool) -> Result<()> {
    refuse_if_holds_caller(groups, "delete", path)?;
    if kill {
        kill_all(groups)?;
    } else {
        for g in groups {
            let n = g.procs()?.len();
            if n > 0 {
                return Err(Error::new(format!(
                    "cannot delete {path}: {n} process(es) in {} (use --kill)",
                    g.dir().display()
                )));
            }
        }
    }
    for g in groups {
        for dir in g.subtree()?.iter().rev() {
            rmdir(dir)?;
        }
    }
    Ok(())
}

fn rmdir(dir: &Path) -> Result<()> {
    // A cgroup whose last task just exited can stay busy for a moment.
    let start = Instant::now();
    loop {
        match std::fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && start.elapsed() < SETTLE => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => {
                return Err(Error::sys(
                    format!("cannot remove {}", dir.display()),
                    errno_of(&e),
                ))
            }
        }
    }
}

/// Freeze (`true`) or thaw the cgroup and wait until the kernel says it is done (bounded).
pub fn freeze(fs: &Cgroupfs, path: &str, on: bool) -> Result<()> {
    let what = if on { "freeze" } else { "thaw" };
    let g = fs.freezer_of(path, what)?;
    if on {
        refuse_if_holds_caller(std::slice::from_ref(&g), what, path)?;
    }
    let is_frozen = |g: &Group| match g.hier.mode() {
        Mode::V2 => v2::is_frozen(g),
        Mode::V1 => v1::is_frozen(g),
    };
    match g.hier.mode() {
        Mode::V2 => v2::set_frozen(&g, on)?,
        Mode::V1 => v1::set_frozen(&g, on)?,
    }
    let start = Instant::now();
    while is_frozen(&g) != Some(on) {
        if start.elapsed() > SETTLE {
            return Err(Error::new(format!("cannot {what} {path}: timed out")));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(())
}

impl Cgroupfs {
    /// The cgroup of `path` whose freezer `freeze` and `thaw` use: on v1, the freezer hierarchy's
    /// when the cgroup is there (it was made with that controller), else the cgroup2 one.
    fn freezer_of(&self, path: &str, what: &str) -> Result<Group> {
        let mut tried = Vec::new();
        for controller in ["freezer", ""] {
            if self.mode == Mode::V2 && !controller.is_empty() {
                continue;
            }
            if let Ok(g) = self.group(controller, path) {
                if g.present()? {
                    return Ok(g);
                }
                tried.push(g.dir().display().to_string());
            }
        }
        if tried.is_empty() {
            return Err(Error::new(format!(
                "cannot {what} {path}: no freezer (neither a freezer nor a cgroup2 hierarchy \
                 under {})",
                self.root.display()
            )));
        }
        let missing = match tried.as_slice() {
            [one] => format!("{one} does not exist"),
            many => format!("neither {} exists", many.join(" nor ")),
        };
        Err(Error::new(format!("cannot {what} {path}: {missing}")))
    }

    /// `kill PATH SIGNAL`: signal every process; `SIGKILL` on v2 uses `cgroup.kill`.
    pub fn kill(&self, path: &str, sig: Signal, only: &[String]) -> Result<()> {
        let groups = self.existing(path, only)?;
        refuse_if_holds_caller(&groups, "kill", path)?;
        if sig == Signal::SIGKILL {
            let mut all_killed = true;
            for g in &groups {
                all_killed &= g.hier.mode() == Mode::V2 && v2::kill(g)?;
            }
            if all_killed {
                return Ok(());
            }
        }
        signal_all(&groups, sig).map(drop)
    }

    /// `delete PATH [--kill]`.
    pub fn delete(&self, path: &str, kill: bool, only: &[String]) -> Result<()> {
        delete(&self.existing(path, only)?, path, kill)
    }
}

/// Where a new process starts: the cgroups it must be in. In a cgroup2 hierarchy (v2, or
/// `unified` on a hybrid host) the child is created inside its cgroup with
/// `clone3(CLONE_INTO_CGROUP)`: it never runs outside, and no migration is paid. v1 hierarchies,
/// and kernels without that flag (before 5.7), need a move, which the child makes itself with
/// [`Placement::join_rest`] before it runs anything else.
pub struct Placement {
    groups: Vec<Group>,
    /// The cgroup2 cgroup among them, opened for `clone3`.
    v2_dir: Option<(OwnedFd, PathBuf)>,
    /// Whether the last [`Placement::fork`] started the child inside the cgroup2 cgroup.
    started_inside: Cell<bool>,
}

impl Placement {
    /// Prepare to start processes in `groups` (which must exist).
    pub fn new(groups: &[Group]) -> Result<Placement> {
        let v2_dir = match groups.iter().find(|g| g.hier.mode() == Mode::V2) {
            Some(g) => {
                let dir = g.dir();
                let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
                let fd = nix::fcntl::open(&dir, flags, nix::sys::stat::Mode::empty())
                    .context(|| format!("cannot open {}", dir.display()))?;
                Some((fd, dir))
            }
            None => None,
        };
        Ok(Placement {
            groups: groups.to_vec(),
            v2_dir,
            started_inside: Cell::new(false),
        })
    }

    /// Fork a child for a parent that will wait for it (SIGCHLD back to its default first, as
    /// [`process::fork`]): created inside the cgroup2 cgroup when there is one and the kernel
    /// can ([`Placement::clone_inside`]), a plain fork otherwise. The child must call
    /// [`Placement::join_rest`] next.
    pub fn fork(&self) -> Result<Fork> {
        if let Some(started) = self.clone_inside()? {
            return Ok(started);
        }
        self.started_inside.set(false);
        process::fork()
    }

    /// Fork a child created inside the cgroup2 cgroup (`clone3(CLONE_INTO_CGROUP)`, SIGCHLD back
    /// to its default first), for a parent that will wait for it; `None`, with nothing done,
    /// when there is no cgroup2 cgroup among the groups or the kernel cannot (no `clone3`, or
    /// before Linux 5.7). The child must call [`Placement::join_rest`] next.
    ///
    /// Started by a raw `clone3`, the child keeps the parent's thread id cached in the C library
    /// (see [`crate::sys::clone_into_cgroup`]), which `raise(3)` and `abort(3)` use: a panic in
    /// the child would end in `abort()` and send SIGABRT to the *parent's* thread. The child may
    /// run Rust code for long (nsunshare's init does), so before anything else it makes a panic
    /// end itself instead ([`panics_end_this_process`]). The other ways into `abort()` are shut:
    /// a failed allocation exits through [`crate::alloc`] (no abort), a panic inside the hook
    /// cannot happen (it only writes, ignoring errors), and the size-built tools
    /// (`scripts/build-static.sh`) panic by an illegal instruction, which faults this process
    /// alone.
    ///
    /// The child proves it ran by a byte on a pipe, which the parent waits for (it would wait for
    /// the child anyway): from Linux 6.14 (and stable kernels that took the change) until it is
    /// fixed, the kernel compares the target cgroup's `cgroup.kill` count with the *parent's*
    /// cgroup's when it creates a child with `CLONE_INTO_CGROUP`, so into a cgroup that was
    /// ever killed through `cgroup.kill` (and is not in step with ours) the child is killed
    /// before it runs a single instruction. Such a child is reaped, and the caller forks and
    /// moves instead (`None`). (A child killed at birth by a concurrent `cgroup.kill` takes the
    /// same way: its program then starts in the cgroup once the kill is over.)
    pub fn clone_inside(&self) -> Result<Option<Fork>> {
        let Some((dir, path)) = &self.v2_dir else {
            return Ok(None);
        };
        crate::sys::reset_default(Signal::SIGCHLD).context(|| "cannot reset SIGCHLD")?;
        let (alive_rx, alive_tx) =
            nix::unistd::pipe2(OFlag::O_CLOEXEC).context(|| "pipe failed")?;
        match crate::sys::clone_into_cgroup(dir.as_fd()) {
            Ok(nix::unistd::ForkResult::Child) => {
                let _ = nix::unistd::write(&alive_tx, b"!");
                drop((alive_rx, alive_tx));
                panics_end_this_process();
                self.started_inside.set(true);
                Ok(Some(Fork::Child))
            }
            Ok(nix::unistd::ForkResult::Parent { child }) => {
                drop(alive_tx);
                let mut byte = [0u8];
                let ran = loop {
                    match nix::unistd::read(alive_rx.as_fd(), &mut byte) {
                        Err(Errno::EINTR) => continue,
                        r => break r == Ok(1),
                    }
                };
                if !ran {
                    // Killed at birth: reap it, and let the caller start one another way.
                    let _ = process::wait(child);
                    return Ok(None);
                }
                self.started_inside.set(true);
                Ok(Some(Fork::Parent(child)))
            }
            // No clone3, or a kernel before 5.7: the caller forks and moves, or moves itself.
            Err(Errno::ENOSYS | Errno::E2BIG | Errno::EINVAL) => Ok(None),
            Err(e) => Err(Error::sys(
                format!("cannot start a process in {}", path.display()),
                e,
            )),
        }
    }

    /// Whether the last [`Placement::fork`] started the child inside the cgroup2 cgroup (no
    /// migration there), rather than forking it outside to move in.
    pub fn started_inside(&self) -> bool {
        self.started_inside.get()
    }

    /// Move the calling process itself into every cgroup (a migration in each hierarchy), for a
    /// caller that runs the program in its own place instead of starting a process for it.
    pub fn enter(&self) -> Result<()> {
        self.started_inside.set(false);
        self.join_rest()
    }

    /// In the child: move into every cgroup it did not start in (the v1 ones; all of them
    /// after a plain fork). `0` names the writing process.
    pub fn join_rest(&self) -> Result<()> {
        for g in &self.groups {
            if g.hier.mode() == Mode::V2 && self.started_inside() {
                continue;
            }
            let f = g.file("cgroup.procs");
            write_file(&f, "0").map_err(|e| match e.errno() {
                Some(errno) => Error::sys(format!("cannot move into {}", g.dir().display()), errno),
                None => e,
            })?;
        }
        Ok(())
    }
}

/// In a child started by a raw `clone3`, whose C library still holds the parent's thread id: a
/// panic reports itself on stderr and kills this process with SIGABRT (back to its default
/// action and unblocked first), through `kill(getpid())` — `getpid(2)` asks the kernel, unlike
/// the cached thread id `abort(3)` would signal. The hook never returns, so `abort()` is never
/// reached.
fn panics_end_this_process() {
    std::panic::set_hook(Box::new(|info| {
        use std::io::Write as _;
        let name = String::from_utf8_lossy(crate::alloc::program_name()).into_owned();
        let _ = writeln!(std::io::stderr(), "{name}: {info}");
        crate::sys::abort_self()
    }));
}

/// A small process that takes back what `exec --rm` made when the supervising process dies
/// first (SIGKILL leaves it no chance to clean up). It waits on a pipe whose write end only the
/// supervisor holds: when the pipe closes without the supervisor's word that it cleaned up, it
/// kills what is left in the cgroup and removes it ([`remove_made`]: only what was made). It
/// runs in a session of its own with every catchable signal blocked, so that signals meant for
/// the supervisor's process group do not end it; it stays in the caller's cgroups.
pub struct RemovalWatch {
    done: GateTx,
}

impl RemovalWatch {
    /// Start watching. `tool` names the watcher in its messages.
    pub fn start(tool: &'static str, made: &Made, path: &str) -> Result<RemovalWatch> {
        let (wait, done) = Gate::new()?.split();
        match process::fork()? {
            Fork::Child => {
                drop(done);
                watch(tool, wait, made, path)
            }
            Fork::Parent(_) => Ok(RemovalWatch { done }),
        }
    }

    /// The supervisor cleaned up (or tried to): the watcher leaves without touching anything.
    pub fn release(self) {
        let _ = self.done.open();
    }
}

/// The watcher's life: wait for the supervisor's word or its death, then clean up if it died.
fn watch(tool: &str, wait: GateRx, made: &Made, path: &str) -> ! {
    let _ = SigSet::all().thread_block();
    let _ = nix::unistd::setsid();
    if let Ok(null) = std::fs::File::open("/dev/null") {
        let _ = nix::unistd::dup2_stdin(&null);
        let _ = nix::unistd::dup2_stdout(&null);
    }
    if !wait.wait() {
        if let Err(e) = remove_made(made, path) {
            crate::cli::report(tool, &e);
            std::process::exit(crate::error::EXIT_FAILURE);
        }
    }
    std::process::exit(0)
}
