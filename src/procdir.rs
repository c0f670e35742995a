//! A process to act on, held by file descriptors rather than by its pid: a pidfd and an `O_PATH`
//! descriptor of its `/proc/PID` directory. Files are then opened relative to that directory, so
//! once the process is gone every open fails (`ENOENT`/`ESRCH`) instead of reaching a process
//! that reused the pid.
//!
//! Targets are named `PID`, `PID:INODE` (the inode of the process's pidfd, unique per process on
//! Linux 6.9+ pidfs: a reused pid has another one), or, as shadow's helpers accept, `fd:N` (an
//! inherited descriptor of a `/proc/PID` directory).
//!
//! This is the one way a tool holds a process (nsidmap's target, nsenter's `--target`, nsveth's
//! pid target, nscgroup's pids, nsunshare's maps and namespace files, nsls's inspection), with one `PID[:INODE]` parser ([`parse_pid`]) and one check of whether
//! the process still runs, is a zombie or is gone ([`ProcDir::state`]); each tool words its own
//! refusal.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::{open, openat, OFlag};
use nix::sys::stat::{fstat, Mode};
use nix::unistd::Pid;

use crate::error::{Context, Error, Result};
use crate::sys;

/// A process held by descriptors.
#[derive(Debug)]
pub struct ProcDir {
    pid: Pid,
    dir: OwnedFd,
    pidfd: Option<OwnedFd>,
    label: String,
}

/// Where a held process stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Not ended.
    Running,
    /// Ended, not reaped yet: its pid is still taken, but it has no namespaces left.
    Zombie,
    /// Ended and reaped.
    Gone,
}

/// Whether `s` is a non-empty run of ASCII digits.
pub fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `PID` or `PID:INODE`.
pub fn parse_pid(text: &str) -> Result<(Pid, Option<u64>)> {
    let bad = || Error::new(format!("invalid process {}", crate::error::quoted(text)));
    let (pid, inode) = match text.split_once(':') {
        Some((p, i)) => (p, Some(i)),
        None => (text, None),
    };
    if !is_number(pid) || inode.is_some_and(|i| !is_number(i)) {
        return Err(bad());
    }
    let pid: i32 = pid.parse().map_err(|_| bad())?;
    if pid < 1 {
        return Err(bad());
    }
    let inode = match inode {
        Some(i) => Some(i.parse::<u64>().map_err(|_| bad())?),
        None => None,
    };
    Ok((Pid::from_raw(pid), inode))
}

impl ProcDir {
    /// Hold process `pid` (checking its pidfd inode when given): a pidfd first, then the
    /// `/proc/PID` directory, then proof that the pidfd's process is still alive, so the
    /// directory belongs to it and not to a process that reused the pid in between.
    pub fn open(pid: Pid, inode: Option<u64>) -> Result<ProcDir> {
        let label = format!("/proc/{pid}");
        let pidfd = sys::pidfd_open(pid).context(|| format!("cannot open process {pid}"))?;
        if let Some(want) = inode {
            let Some(got) = pidfd_inode(pidfd.as_fd(), pid)? else {
                return Err(Error::new(format!(
                    "cannot check {pid}:{want}: pidfds have no inode of their own before Linux 6.9"
                )));
            };
            if got != want {
                return Err(Error::new(format!(
                    "process {pid} is not {pid}:{want} (its pidfd inode is {got}: the pid was reused)"
                )));
            }
        }
        let dir = open_dir(&label).context(|| format!("cannot open {label}"))?;
        let me = ProcDir {
            pid,
            dir,
            pidfd: Some(pidfd),
            label,
        };
        me.alive()?;
        Ok(me)
    }

    /// Hold the calling process by its `/proc/self` directory (no pidfd: our own pid may belong to
    /// another pid namespace than the mounted `/proc`, whose `self` link always names us).
    pub fn open_self() -> Result<ProcDir> {
        let label = "/proc/self".to_string();
        let dir = open_dir(&label).context(|| format!("cannot open {label}"))?;
        Ok(ProcDir {
            pid: Pid::this(),
            dir,
            pidfd: None,
            label,
        })
    }

    /// Hold the process behind an inherited descriptor `fd` of its `/proc/PID` directory (shadow's
    /// `fd:N`): it must be a directory of this procfs named by a number.
    pub fn from_fd(fd: u32) -> Result<ProcDir> {
        let link = format!("/proc/self/fd/{fd}");
        let bad = |why: &str| Error::new(format!("fd {fd} is not a /proc/PID directory: {why}"));
        let target = std::fs::read_link(&link).map_err(|e| {
            Error::sys(
                format!("fd {fd} is not a /proc/PID directory"),
                crate::error::errno_of(&e),
            )
        })?;
        let pid = target
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| is_number(n))
            .and_then(|n| n.parse().ok())
            .map(Pid::from_raw)
            .ok_or_else(|| bad(&format!("it is {}", target.display())))?;
        // Reopening the magic link gives the very directory the descriptor holds.
        let dir = open_dir(&link).context(|| format!("fd {fd} is not a /proc/PID directory"))?;
        let proc_dev = nix::sys::stat::stat("/proc/self")
            .context(|| "cannot stat /proc/self")?
            .st_dev;
        let st = fstat(dir.as_fd()).context(|| format!("cannot stat fd {fd}"))?;
        if st.st_dev != proc_dev {
            return Err(bad("not on /proc"));
        }
        Ok(ProcDir {
            pid,
            dir,
            pidfd: None,
            label: format!("/proc/{pid}"),
        })
    }

    /// `/proc/PID`, for messages.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The pid the process had when it was opened.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// The path of `rel` below `/proc/PID`, for messages.
    pub fn path(&self, rel: &str) -> String {
        if rel.is_empty() {
            self.label.clone()
        } else {
            format!("{}/{rel}", self.label)
        }
    }

    /// Open `rel` below `/proc/PID` (`O_CLOEXEC` added).
    pub fn open_at(&self, rel: &str, flags: OFlag) -> Result<OwnedFd> {
        openat(
            self.dir.as_fd(),
            rel,
            flags | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .context(|| format!("cannot open {}", self.path(rel)))
    }

    /// The whole content of `rel` below `/proc/PID`, as bytes.
    pub fn read_bytes(&self, rel: &str) -> Result<Vec<u8>> {
        use std::io::Read;
        let fd = self.open_at(rel, OFlag::O_RDONLY)?;
        let mut buf = Vec::new();
        std::fs::File::from(fd)
            .read_to_end(&mut buf)
            .context(|| format!("cannot read {}", self.path(rel)))?;
        Ok(buf)
    }

    /// Whether the process is still running, a zombie or gone. A pidfd turns readable once its
    /// process has ended; `/proc/PID/stat` then tells a zombie from a reaped process. An `fd:N`
    /// target has no pidfd: its `stat`, read through the held directory, tells all three.
    pub fn state(&self) -> Result<State> {
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        let Some(pidfd) = &self.pidfd else {
            return Ok(match self.read_bytes("stat") {
                Ok(stat) if stat_is_zombie(&stat) => State::Zombie,
                Ok(_) => State::Running,
                Err(_) => State::Gone,
            });
        };
        let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
        let n = poll(&mut fds, PollTimeout::ZERO)
            .context(|| format!("cannot poll the pidfd of PID {}", self.pid))?;
        if n == 0 {
            return Ok(State::Running);
        }
        Ok(match self.read_bytes("stat") {
            Ok(stat) if stat_is_zombie(&stat) => State::Zombie,
            _ => State::Gone,
        })
    }

    /// The `O_PATH` directory descriptor.
    pub fn dir(&self) -> BorrowedFd<'_> {
        self.dir.as_fd()
    }

    /// The owner `uid`, `gid` of the process (its `/proc/PID` directory: effective ids, or root
    /// for a process that is not dumpable).
    pub fn owner(&self) -> Result<(u32, u32)> {
        let st = fstat(self.dir.as_fd())
            .context(|| format!("could not stat directory for target process {}", self.label))?;
        Ok((st.st_uid, st.st_gid))
    }

    /// Fail if the process has been reaped. A zombie still passes.
    pub fn alive(&self) -> Result<()> {
        match self.state()? {
            State::Running | State::Zombie => Ok(()),
            State::Gone => Err(Error::sys(
                format!("target process {}", self.label),
                Errno::ESRCH,
            )),
        }
    }

    /// Read `file` of the process (`uid_map`, `setgroups`, …).
    pub fn read(&self, file: &str) -> Result<String> {
        use std::io::Read;
        let fd = self.open_at(file, OFlag::O_RDONLY | OFlag::O_NOCTTY)?;
        let mut text = String::new();
        std::fs::File::from(fd)
            .read_to_string(&mut text)
            .context(|| format!("cannot read {}", self.path(file)))?;
        Ok(text)
    }
}

/// The inode of a pidfd of process `pid` (the `INODE` of `PID:INODE`): unique to the process
/// for as long as the system runs, on pidfs (Linux 6.9). `None` before pidfs, where every pidfd
/// shares one anonymous inode and so names no process.
pub fn pidfd_inode(pidfd: BorrowedFd<'_>, pid: Pid) -> Result<Option<u64>> {
    const PIDFS_MAGIC: i64 = 0x5049_4446;
    let fs =
        nix::sys::statfs::fstatfs(pidfd).context(|| format!("cannot statfs pidfd of {pid}"))?;
    if fs.filesystem_type().0 as i64 != PIDFS_MAGIC {
        return Ok(None);
    }
    let st = fstat(pidfd).context(|| format!("cannot stat pidfd of {pid}"))?;
    Ok(Some(st.st_ino))
}

/// An `O_PATH` descriptor of the directory `path`.
fn open_dir(path: &str) -> nix::Result<OwnedFd> {
    open(
        path,
        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
}

/// Whether a `/proc/PID/stat` image shows a zombie. The state follows the command name, which is
/// in parentheses and may hold anything.
fn stat_is_zombie(stat: &[u8]) -> bool {
    let after = stat
        .iter()
        .rposition(|&b| b == b')')
        .map_or(stat, |i| &stat[i + 1..]);
    after.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'Z')
}

impl ProcDir {
    /// The pidfd of a process opened by pid (`None` for an `fd:N` target and for
    /// [`ProcDir::open_self`]).
    pub fn pidfd(&self) -> Option<BorrowedFd<'_>> {
        self.pidfd.as_ref().map(|fd| fd.as_fd())
    }

    /// The inode of the process's pidfd ([`pidfd_inode`]); `None` before pidfs, and for an `fd:N`
    /// target, which has no pidfd.
    pub fn pidfd_inode(&self) -> Result<Option<u64>> {
        match &self.pidfd {
            Some(fd) => pidfd_inode(fd.as_fd(), self.pid),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_syntax() {
        assert_eq!(parse_pid("42").unwrap(), (Pid::from_raw(42), None));
        assert_eq!(
            parse_pid("42:7001").unwrap(),
            (Pid::from_raw(42), Some(7001))
        );
        for bad in [
            "",
            "0",
            "-1",
            "x",
            "42:",
            ":1",
            "42:x",
            "1:2:3",
            "99999999999",
        ] {
            assert_eq!(
                parse_pid(bad).unwrap_err().to_string(),
                format!("invalid process '{bad}'")
            );
        }
    }

    /// The pid-reuse case, simulated: the held process exits (and is reaped) between the check
    /// and the write. The write goes through the held directory, so it fails rather than
    /// reaching whatever process gets the pid next.
    #[test]
    fn exited_target_is_never_written() {
        let (mut child, pid) = sleeper();
        let target = ProcDir::open(pid, None).unwrap();
        target.alive().unwrap();
        assert!(target.read("uid_map").is_ok());
        child.kill().unwrap();
        child.wait().unwrap();
        let e = target.alive().unwrap_err();
        assert_eq!(e.errno(), Some(Errno::ESRCH));
        let e = crate::idmap::write_file(&target, "uid_map", "0 0 1\n").unwrap_err();
        assert!(
            matches!(e.errno(), Some(Errno::ESRCH | Errno::ENOENT)),
            "{e}"
        );
        assert!(target.read("uid_map").is_err());
        // And a fresh open of the pid fails too, or holds another process.
        assert!(ProcDir::open(pid, None).is_err() || pid_reused(pid));
    }

    /// A child of ours to hold, and its pid.
    fn sleeper() -> (std::process::Child, Pid) {
        let child = std::process::Command::new("sleep")
            .arg("1000")
            .spawn()
            .unwrap();
        let pid = Pid::from_raw(child.id() as i32);
        (child, pid)
    }

    fn pid_reused(pid: Pid) -> bool {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    }

    #[test]
    fn zombie_state_from_stat() {
        assert!(stat_is_zombie(b"42 (sleep) Z 1 42"));
        assert!(stat_is_zombie(b"42 (a) R (b) Z 1"));
        assert!(!stat_is_zombie(b"42 (Z) S 1 42"));
        assert!(!stat_is_zombie(b""));
        assert!(is_number("007") && !is_number("") && !is_number("1a"));
    }

    #[test]
    fn zombie_and_reaped_states() {
        let (mut child, pid) = sleeper();
        let target = ProcDir::open(pid, None).unwrap();
        assert_eq!(target.pid(), pid);
        assert_eq!(target.state().unwrap(), State::Running);
        child.kill().unwrap();
        // Not reaped yet: a zombie once the pidfd says it has ended.
        let t0 = std::time::Instant::now();
        while target.state().unwrap() == State::Running {
            assert!(t0.elapsed().as_secs() < 10);
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(target.state().unwrap(), State::Zombie);
        target.alive().unwrap();
        child.wait().unwrap();
        assert_eq!(target.state().unwrap(), State::Gone);
    }

    #[test]
    fn inode_mismatch_is_refused() {
        let me = Pid::this();
        let e = ProcDir::open(me, Some(1)).unwrap_err().to_string();
        assert!(e.contains("the pid was reused"), "{e}");
        let ino = fstat(sys::pidfd_open(me).unwrap().as_fd()).unwrap().st_ino;
        ProcDir::open(me, Some(ino)).unwrap();
    }
}
