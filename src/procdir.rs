//! A process to act on, held by file descriptors rather than by its pid: a pidfd and an `O_PATH`
//! descriptor of its `/proc/PID` directory. Files are then opened relative to that directory, so
//! once the process is gone every open fails (`ENOENT`/`ESRCH`) instead of reaching a process
//! that reused the pid.
//!
//! Targets are named `PID`, `PID:INODE` (the inode of the process's pidfd, unique per process on
//! Linux 6.9+ pidfs: a reused pid has another one), or, as shadow's helpers accept, `fd:N` (an
//! inherited descriptor of a `/proc/PID` directory).

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
    dir: OwnedFd,
    pidfd: Option<OwnedFd>,
    label: String,
}

/// `PID` or `PID:INODE`.
pub fn parse_pid(text: &str) -> Result<(Pid, Option<u64>)> {
    let bad = || Error::new(format!("invalid process '{text}'"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (pid, inode) = match text.split_once(':') {
        Some((p, i)) => (p, Some(i)),
        None => (text, None),
    };
    if !digits(pid) || inode.is_some_and(|i| !digits(i)) {
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
            // Before pidfs (Linux 6.9) every pidfd shares one anonymous inode: nothing to compare.
            const PIDFS_MAGIC: i64 = 0x5049_4446;
            let fs = nix::sys::statfs::fstatfs(pidfd.as_fd())
                .context(|| format!("cannot statfs pidfd of {pid}"))?;
            if fs.filesystem_type().0 as i64 != PIDFS_MAGIC {
                return Err(Error::new(format!(
                    "cannot check {pid}:{want}: pidfds have no inode of their own before Linux 6.9"
                )));
            }
            let got = fstat(pidfd.as_fd())
                .context(|| format!("cannot stat pidfd of {pid}"))?
                .st_ino;
            if got != want {
                return Err(Error::new(format!(
                    "process {pid} is not {pid}:{want} (its pidfd inode is {got}: the pid was reused)"
                )));
            }
        }
        let dir = open(
            label.as_str(),
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .context(|| format!("cannot open {label}"))?;
        let me = ProcDir {
            dir,
            pidfd: Some(pidfd),
            label,
        };
        me.alive()?;
        Ok(me)
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
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| bad(&format!("it is {}", target.display())))?
            .to_string();
        // Reopening the magic link gives the very directory the descriptor holds.
        let dir = open(
            link.as_str(),
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .context(|| format!("fd {fd} is not a /proc/PID directory"))?;
        let proc_dev = nix::sys::stat::stat("/proc/self")
            .context(|| "cannot stat /proc/self")?
            .st_dev;
        let st = fstat(dir.as_fd()).context(|| format!("cannot stat fd {fd}"))?;
        if st.st_dev != proc_dev {
            return Err(bad("not on /proc"));
        }
        Ok(ProcDir {
            dir,
            pidfd: None,
            label: format!("/proc/{pid}"),
        })
    }

    /// `/proc/PID`, for messages.
    pub fn label(&self) -> &str {
        &self.label
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

    /// Fail if the process has exited (known through the pidfd; an `fd:N` target is checked by
    /// its next open instead).
    pub fn alive(&self) -> Result<()> {
        let Some(pidfd) = &self.pidfd else {
            return Ok(());
        };
        match sys::pidfd_send_signal(pidfd.as_fd(), 0) {
            // EPERM: alive, only not ours to signal.
            Ok(()) | Err(Errno::EPERM) => Ok(()),
            Err(e) => Err(Error::sys(format!("target process {}", self.label), e)),
        }
    }

    /// Read `file` of the process (`uid_map`, `setgroups`, …).
    pub fn read(&self, file: &str) -> Result<String> {
        use std::io::Read;
        let path = || format!("{}/{file}", self.label);
        let fd = openat(
            self.dir.as_fd(),
            file,
            OFlag::O_RDONLY | OFlag::O_CLOEXEC | OFlag::O_NOCTTY,
            Mode::empty(),
        )
        .context(|| format!("cannot open {}", path()))?;
        let mut text = String::new();
        std::fs::File::from(fd)
            .read_to_string(&mut text)
            .context(|| format!("cannot read {}", path()))?;
        Ok(text)
    }
}

impl ProcDir {
    /// The pidfd of a process opened by pid (`None` for an `fd:N` target).
    pub fn pidfd(&self) -> Option<BorrowedFd<'_>> {
        self.pidfd.as_ref().map(|fd| fd.as_fd())
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
        let mut child = std::process::Command::new("sleep")
            .arg("1000")
            .spawn()
            .unwrap();
        let pid = Pid::from_raw(child.id() as i32);
        let target = ProcDir::open(pid, None).unwrap();
        target.alive().unwrap();
        assert!(target.read("uid_map").is_ok());
        child.kill().unwrap();
        child.wait().unwrap();
        let e = target.alive().unwrap_err();
        assert_eq!(e.errno(), Some(Errno::ESRCH));
        let e = crate::idmap::write_file(target.dir(), target.label(), "uid_map", "0 0 1\n")
            .unwrap_err();
        assert!(
            matches!(e.errno(), Some(Errno::ESRCH | Errno::ENOENT)),
            "{e}"
        );
        assert!(target.read("uid_map").is_err());
        // And a fresh open of the pid fails too, or holds another process.
        assert!(ProcDir::open(pid, None).is_err() || pid_reused(pid));
    }

    fn pid_reused(pid: Pid) -> bool {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
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
