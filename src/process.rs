//! Process control: fork, exec with util-linux exit statuses, waiting with signal forwarding, and
//! leaving with a child's status (re-raising the signal that killed it).

use std::ffi::{CString, OsStr, OsString};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::signal::{kill, SigSet, SigmaskHow, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{getpid, Pid};

use crate::caps;
use crate::error::{Context, Error, Result, EXIT_CANNOT_EXEC, EXIT_FAILURE, EXIT_NOT_FOUND};
use crate::sys;

pub enum Fork {
    Parent(Pid),
    Child,
}

/// `fork(2)`, for a parent that will wait for the child.
///
/// SIGCHLD goes back to its default first: a caller that ignores it (Python, daemons) would
/// otherwise make the kernel reap our children itself, so that `waitpid` fails with ECHILD and a
/// `sigwait` for SIGCHLD never returns. The child and what it executes inherit the default, as
/// any program expects.
pub fn fork() -> Result<Fork> {
    sys::reset_default(Signal::SIGCHLD).context(|| "cannot reset SIGCHLD")?;
    match sys::fork() {
        Ok(nix::unistd::ForkResult::Parent { child }) => Ok(Fork::Parent(child)),
        Ok(nix::unistd::ForkResult::Child) => Ok(Fork::Child),
        Err(e) => Err(Error::sys("fork failed", e)),
    }
}

fn cstring(s: &OsStr) -> Result<CString> {
    CString::new(s.as_bytes()).map_err(|_| {
        Error::new(format!(
            "argument contains a NUL byte: {}",
            s.to_string_lossy()
        ))
    })
}

/// Refuse an empty program name before anything is done, with the status a failed `execvp`
/// of it would give (127, as util-linux), and a message that says what is wrong.
pub fn check_program(argv: &[OsString]) -> Result<()> {
    match argv.first() {
        Some(p) => {
            crate::error::nonempty(p, "program name").map_err(|e| e.with_code(EXIT_NOT_FOUND))
        }
        None => Ok(()),
    }
}

/// Execute `argv[0]` searched in `PATH`, as `execvp(3)`. Only returns on failure, with the
/// util-linux status: 127 when the program does not exist, 126 when it cannot be run.
pub fn exec(argv: &[OsString]) -> Error {
    exec_as(&argv[0], argv)
}

/// Execute `file` (searched in `PATH`) with `argv` (whose first element is the program's name).
///
/// Signal dispositions pass through as the caller gave them, as with util-linux: the tools skip
/// Rust's runtime start-up (see [`crate::entry`]), so an ignored SIGPIPE is the caller's choice,
/// not ours, and the program inherits it.
pub fn exec_as(file: &OsStr, argv: &[OsString]) -> Error {
    if let Err(e) = crate::error::nonempty(file, "program name") {
        return e.with_code(EXIT_NOT_FOUND);
    }
    let prog = file.to_string_lossy().into_owned();
    let converted: Result<Vec<CString>> = argv.iter().map(|a| cstring(a)).collect();
    let (file, args) = match (cstring(file), converted) {
        (Ok(f), Ok(a)) => (f, a),
        (Err(e), _) | (_, Err(e)) => return e.with_code(EXIT_CANNOT_EXEC),
    };
    let Err(e) = nix::unistd::execvp(&file, &args);
    let code = if e == Errno::ENOENT {
        EXIT_NOT_FOUND
    } else {
        EXIT_CANNOT_EXEC
    };
    Error::sys(format!("failed to execute {prog}"), e).with_code(code)
}

const DEFAULT_SHELL: &str = "/bin/sh";

/// `$SHELL`, or `/bin/sh` when it is not set.
fn shell() -> OsString {
    std::env::var_os("SHELL")
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_SHELL.into())
}

/// Execute `shell` as a login shell (`argv[0]` is `-` and its name).
fn exec_login(shell: &OsStr) -> Error {
    let base = std::path::Path::new(shell).file_name().unwrap_or(shell);
    let mut arg0 = OsString::from("-");
    arg0.push(base);
    exec_as(shell, &[arg0])
}

/// Execute `$SHELL` (or `/bin/sh`) as a login shell, as util-linux does without a program.
pub fn exec_shell() -> Error {
    exec_login(&shell())
}

/// [`exec_shell`] in a root that may not be the caller's (a joined mount namespace, a changed
/// root: a busybox container has no `/bin/bash`): when `$SHELL` does not exist there, `/bin/sh`
/// instead, silently. Only when that is missing too does the error name both.
pub fn exec_shell_or_sh() -> Error {
    let shell = shell();
    let e = exec_login(&shell);
    if e.errno() != Some(Errno::ENOENT) || shell == DEFAULT_SHELL {
        return e;
    }
    let fallback = exec_login(DEFAULT_SHELL.as_ref());
    match fallback.errno() {
        Some(errno @ Errno::ENOENT) => Error::sys(
            format!(
                "failed to execute {} or {DEFAULT_SHELL}",
                shell.to_string_lossy()
            ),
            errno,
        )
        .with_code(EXIT_NOT_FOUND),
        Some(errno) => Error::sys(
            format!(
                "failed to execute {DEFAULT_SHELL} ({} does not exist)",
                shell.to_string_lossy()
            ),
            errno,
        )
        .with_code(fallback.code()),
        None => fallback,
    }
}

/// Execute `argv`, or a shell when it is empty.
pub fn exec_or_shell(argv: &[OsString]) -> Error {
    if argv.is_empty() {
        exec_shell()
    } else {
        exec(argv)
    }
}

/// Wait for `pid` to end (retrying on EINTR).
pub fn wait(pid: Pid) -> Result<WaitStatus> {
    loop {
        match waitpid(pid, None) {
            Err(Errno::EINTR) => continue,
            r => return r.context(|| "waitpid failed"),
        }
    }
}

/// The signals a supervising parent forwards: every catchable signal except the synchronous
/// faults (which only ever concern the faulting process), SIGCHLD, and the terminal stop signals,
/// which the terminal already sends to the child's whole process group.
pub fn forwardable() -> SigSet {
    use Signal::*;
    let mut set = SigSet::all();
    for s in [
        SIGKILL, SIGSTOP, SIGCHLD, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS,
    ] {
        set.remove(s);
    }
    for s in [SIGTSTP, SIGTTIN, SIGTTOU] {
        set.remove(s);
    }
    set
}

/// Block `set` and return the previous mask, to be restored in a forked child before exec.
pub fn block(set: &SigSet) -> Result<SigSet> {
    set.thread_swap_mask(SigmaskHow::SIG_BLOCK)
        .context(|| "sigprocmask failed")
}

/// Restore a signal mask saved by [`block`].
pub fn restore_mask(old: &SigSet) -> Result<()> {
    old.thread_set_mask()
        .context(|| "sigprocmask restore failed")
}

/// How a supervising parent treats its child while waiting.
#[derive(Clone, Copy, Default)]
pub struct Supervise {
    /// Forward every signal of [`forwardable`] to the child (they must have been blocked, with
    /// SIGCHLD, before the fork).
    pub forward: bool,
    /// When the child stops, stop ourselves too, and continue it when we are continued (what a
    /// shell expects of a wrapper, as util-linux nsenter does).
    pub follow_stops: bool,
}

/// A parent that will fork a child and wait for it: the signals it waits for (SIGCHLD) and
/// forwards are blocked before the fork, so that none is lost between the fork and the wait, and
/// the child takes the caller's mask back ([`Supervisor::unblock`]) before it executes anything.
pub struct Supervisor {
    how: Supervise,
    old_mask: SigSet,
}

impl Supervisor {
    /// Block SIGCHLD, the signals to forward (with `how.forward`) and `extra` (signals that must
    /// not end the parent while it waits), for a child to be forked next.
    pub fn block(how: Supervise, extra: &[Signal]) -> Result<Supervisor> {
        let mut set = if how.forward {
            forwardable()
        } else {
            SigSet::empty()
        };
        set.add(Signal::SIGCHLD);
        for &sig in extra {
            set.add(sig);
        }
        let old_mask = block(&set)?;
        Ok(Supervisor { how, old_mask })
    }

    /// In the child: the signal mask the caller had.
    pub fn unblock(&self) -> Result<()> {
        restore_mask(&self.old_mask)
    }

    /// In the parent: wait for `child` to end ([`supervise`]).
    pub fn wait(&self, child: Pid) -> Result<WaitStatus> {
        supervise(child, self.how)
    }
}

/// Wait for `child` to end, forwarding signals and following stops as asked.
pub fn supervise(child: Pid, how: Supervise) -> Result<WaitStatus> {
    let flags = if how.follow_stops {
        WaitPidFlag::WUNTRACED
    } else {
        WaitPidFlag::empty()
    };
    if !how.forward {
        loop {
            match waitpid(child, Some(flags)) {
                Err(Errno::EINTR) => continue,
                Ok(WaitStatus::Stopped(..)) => follow_stop(child),
                r => return r.context(|| "waitpid failed"),
            }
        }
    }
    let mut set = forwardable();
    set.add(Signal::SIGCHLD);
    loop {
        match waitpid(child, Some(flags | WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(Errno::EINTR) => {}
            Ok(WaitStatus::Stopped(..)) => {
                follow_stop(child);
                continue;
            }
            r => return r.context(|| "waitpid failed"),
        }
        // A SIGCHLD that arrives between waitpid and here stays pending, so it is not lost.
        match set.wait() {
            Ok(Signal::SIGCHLD) | Err(_) => {}
            Ok(sig) => {
                let _ = kill(child, sig);
            }
        }
    }
}

fn follow_stop(child: Pid) {
    let _ = kill(getpid(), Signal::SIGSTOP);
    let _ = kill(child, Signal::SIGCONT);
}

/// Take the group id `gid` (dropping every supplementary group first) and the user id `uid`, as
/// util-linux's `--setgid`/`--setuid` do; either may be absent. A failure to drop the groups is
/// an error only when `groups_must_go` (nsenter tolerates it after joining a user namespace whose
/// `setgroups` is denied, once it dropped them before joining).
pub fn set_ids(uid: Option<u32>, gid: Option<u32>, groups_must_go: bool) -> Result<()> {
    use nix::unistd::{setgid, setgroups, setuid, Gid, Uid};
    if let Some(gid) = gid {
        match setgroups(&[]) {
            Err(e) if groups_must_go => return Err(Error::sys("setgroups failed", e)),
            _ => {}
        }
        setgid(Gid::from_raw(gid)).context(|| "setgid() failed")?;
    }
    if let Some(uid) = uid {
        setuid(Uid::from_raw(uid)).context(|| "setuid() failed")?;
    }
    Ok(())
}

/// Clear the environment and set `vars` in it, for the program to be executed.
pub fn replace_env<'a>(vars: impl IntoIterator<Item = (&'a OsStr, &'a OsStr)>) -> Result<()> {
    sys::clearenv();
    for (name, value) in vars {
        sys::setenv(name, value)
            .context(|| format!("cannot set environment variable {}", name.to_string_lossy()))?;
    }
    Ok(())
}

/// The exit status a shell would report for `status`: the code, or 128+n for signal n.
pub fn status_code(status: WaitStatus) -> i32 {
    match status {
        WaitStatus::Exited(_, code) => code,
        WaitStatus::Signaled(_, sig, _) => 128 + sig as i32,
        _ => EXIT_FAILURE,
    }
}

/// Leave the way `status` says the child left: with its exit code, or killed by its signal.
pub fn exit_like(status: WaitStatus) -> ! {
    match status {
        WaitStatus::Signaled(_, sig, _) => reraise(sig),
        other => std::process::exit(status_code(other)),
    }
}

/// Die of `sig` so that our parent sees the same termination as ours saw; without a core dump of
/// our own, since the fault was the child's.
pub fn reraise(sig: Signal) -> ! {
    use nix::sys::resource::{setrlimit, Resource};
    let _ = setrlimit(Resource::RLIMIT_CORE, 0, 0);
    if sig != Signal::SIGKILL {
        let _ = sys::reset_default(sig);
    }
    let mut set = SigSet::empty();
    set.add(sig);
    let _ = set.thread_unblock();
    let _ = kill(getpid(), sig);
    // Only reached for a signal whose default action is not to terminate.
    std::process::exit(128 + sig as i32)
}

/// A one-byte go-ahead between two processes (util-linux's `sync_with_child`): the waiting side
/// blocks in [`GateRx::wait`] until the other side calls [`GateTx::open`] (or dies, which the waiter
/// sees as end of file and treats as a refusal).
pub struct Gate {
    rx: OwnedFd,
    tx: OwnedFd,
}

pub struct GateRx(OwnedFd);
pub struct GateTx(OwnedFd);

const GO: u8 = 0x06;

impl Gate {
    pub fn new() -> Result<Gate> {
        let (rx, tx) = nix::unistd::pipe2(OFlag::O_CLOEXEC).context(|| "pipe failed")?;
        Ok(Gate { rx, tx })
    }

    /// Split after a fork: the waiting side keeps the receiver, the other the sender.
    pub fn split(self) -> (GateRx, GateTx) {
        (GateRx(self.rx), GateTx(self.tx))
    }

    pub fn receiver(self) -> GateRx {
        GateRx(self.rx)
    }

    pub fn sender(self) -> GateTx {
        GateTx(self.tx)
    }
}

impl GateRx {
    /// Block until the go-ahead; false if the other side closed without giving it.
    pub fn wait(self) -> bool {
        self.recv().is_some()
    }

    /// Block until the go-ahead and return the number sent with it (0 from [`GateTx::open`]);
    /// `None` if the other side closed without giving it.
    pub fn recv(self) -> Option<u32> {
        let mut b = [0u8; 5];
        let mut got = 0;
        while got < b.len() {
            match nix::unistd::read(self.0.as_fd(), &mut b[got..]) {
                Err(Errno::EINTR) => continue,
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
        (got == b.len() && b[0] == GO).then(|| u32::from_ne_bytes([b[1], b[2], b[3], b[4]]))
    }
}

impl GateTx {
    pub fn open(self) -> Result<()> {
        self.send(0)
    }

    /// Give the go-ahead with a number (a pid the other side needs). One write of 5 bytes, so it
    /// arrives whole.
    pub fn send(self, value: u32) -> Result<()> {
        let v = value.to_ne_bytes();
        write_quietly(self.0.as_fd(), &[GO, v[0], v[1], v[2], v[3]])
            .context(|| "cannot release the waiting process")?;
        Ok(())
    }
}

/// `write(2)` to a pipe whose reader may be gone: EPIPE, without the SIGPIPE that would end us
/// (SIGPIPE is blocked around the write, and the one it raised taken off again).
pub fn write_quietly(fd: std::os::fd::BorrowedFd<'_>, buf: &[u8]) -> nix::Result<usize> {
    let mut pipe = SigSet::empty();
    pipe.add(Signal::SIGPIPE);
    let old = pipe.thread_swap_mask(SigmaskHow::SIG_BLOCK)?;
    let r = nix::unistd::write(fd, buf);
    if r == Err(Errno::EPIPE) && !old.contains(Signal::SIGPIPE) {
        // A write to a pipe without reader always raises SIGPIPE; blocked, it is pending.
        let _ = pipe.wait();
    }
    let _ = old.thread_set_mask();
    r
}

/// The init only reaps and forwards signals. It runs with the ids the program was given (the
/// container's root, for a container: see nsunshare's `--init`), but was started with more
/// (host root), and it keeps them on in a user namespace, so it gives up all it does not need:
/// every capability but CAP_KILL (to signal the program whatever ids it takes later), and
/// dumpability, so that the container's root (the init's own uid) can neither ptrace it nor open
/// its `/proc/1` files (both need CAP_SYS_PTRACE where the init was executed: the host). Best
/// effort: failing to harden is not a reason not to run.
fn harden_init() {
    let _ = sys::set_dumpable(false);
    let _ = caps::keep_only(1 << caps::CAP_KILL);
}

/// Be a minimal init (pid 1 of a pid namespace) for `program`: reap every child, forward every
/// catchable signal to `program`, and leave with its status (128+n when signal n killed it, since
/// pid 1 cannot re-raise a signal on itself). The caller blocked [`forwardable`] and SIGCHLD
/// before forking `program`: blocked signals reach pid 1 even without handlers, and `sigwait`
/// takes them in order. `ready` is opened once the init is hardened: the program's process
/// waits for it before it runs anything of its own, so nothing in the namespace ever sees the
/// init before that.
pub fn run_init(program: Pid, ready: GateTx) -> ! {
    harden_init();
    let _ = ready.open();
    let mut set = forwardable();
    set.add(Signal::SIGCHLD);
    loop {
        loop {
            match waitpid(None::<Pid>, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) | Err(Errno::ECHILD) => break,
                Err(Errno::EINTR) => continue,
                Err(_) => std::process::exit(EXIT_FAILURE),
                Ok(status) if status.pid() == Some(program) => {
                    std::process::exit(status_code(status))
                }
                Ok(_) => {}
            }
        }
        match set.wait() {
            Ok(Signal::SIGCHLD) | Err(_) => {}
            Ok(sig) => {
                let _ = kill(program, sig);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write to a pipe without reader fails with EPIPE, and leaves no SIGPIPE pending on the
    /// thread (whatever the disposition: the test harness ignores it, a tool may not).
    #[test]
    fn writes_to_a_gone_reader_fail_quietly() {
        let (rx, tx) = nix::unistd::pipe2(OFlag::O_CLOEXEC).unwrap();
        drop(rx);
        assert_eq!(write_quietly(tx.as_fd(), b"x"), Err(Errno::EPIPE));
        let mut pending = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: sigpending fills the set it is given, which we own.
        let pending = unsafe {
            assert_eq!(libc::sigpending(pending.as_mut_ptr()), 0);
            pending.assume_init()
        };
        // SAFETY: `pending` is an initialised set.
        assert_eq!(unsafe { libc::sigismember(&pending, libc::SIGPIPE) }, 0);
        let mask = SigSet::thread_get_mask().unwrap();
        assert!(!mask.contains(Signal::SIGPIPE));
    }
}
