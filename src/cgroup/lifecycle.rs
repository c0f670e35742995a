//! What happens to processes and cgroups over time: attach, signal and kill, freeze and thaw,
//! delete (one `delete`, which refuses a cgroup holding the caller), and taking back what an
//! `exec` made.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::Signal;
use nix::unistd::Pid;

use super::apply::Made;
use super::fs::{write_file, Cgroupfs, Group, Mode};
use super::{v1, v2};
use crate::error::{errno_of, Error, Result};

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

/// Does `pid` exist (as a process we could name)?
fn pid_exists(pid: Pid) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Move `pids` into every cgroup of `groups` (all must exist already).
pub fn attach(groups: &[Group], pids: &[Pid]) -> Result<()> {
    for pid in pids {
        if !pid_exists(*pid) {
            return Err(Error::sys(format!("cannot attach {pid}"), Errno::ESRCH));
        }
    }
    for pid in pids {
        for g in groups {
            write_file(&g.file("cgroup.procs"), &pid.to_string())?;
        }
    }
    Ok(())
}

/// After a failed `exec`: move ourselves back to our own cgroup in every hierarchy of `made`,
/// and remove the directories it created (best effort).
pub fn move_back_and_remove(made: &Made) {
    let me = nix::unistd::getpid().to_string();
    for g in &made.groups {
        let home = g.at(&g.hier.own).join("cgroup.procs");
        let _ = write_file(&home, &me);
    }
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
    for g in &made.groups {
        let dir = g.dir();
        if made.created.iter().any(|d| d.path == dir && d.is_ours()) {
            delete(std::slice::from_ref(g), path, true)?;
        }
    }
    for d in made.created.iter().rev() {
        if d.is_ours() {
            let _ = std::fs::remove_dir(&d.path);
        }
    }
    Ok(())
}

/// Signal every process of the cgroups (and below), each through a pidfd.
pub fn signal_all(groups: &[Group], sig: Signal) -> Result<usize> {
    let mut seen = BTreeSet::new();
    for g in groups {
        for pid in g.procs()? {
            if !seen.insert(pid) {
                continue;
            }
            let Ok(fd) = crate::sys::pidfd_open(pid) else {
                continue;
            };
            match crate::sys::pidfd_send_signal(std::os::fd::AsFd::as_fd(&fd), sig as i32) {
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
    for g in groups {
        match g.hier.mode() {
            Mode::V2 => drop(v2::kill(g)?),
            Mode::V1 => v1::thaw_for_kill(g)?,
        }
    }
    let start = Instant::now();
    loop {
        let mut busy = false;
        for g in groups {
            if populated(g)? {
                busy = true;
            }
        }
        if !busy {
            return Ok(());
        }
        if start.elapsed() > SETTLE {
            return Err(Error::new(format!(
                "cannot empty {}: processes remain after SIGKILL",
                groups[0].path
            )));
        }
        signal_all(groups, Signal::SIGKILL)?;
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
    let (set, is_frozen): (fn(&Group, bool) -> Result<()>, fn(&Group) -> Option<bool>) =
        match g.hier.mode() {
            Mode::V2 => (v2::set_frozen, v2::is_frozen),
            Mode::V1 => (v1::set_frozen, v1::is_frozen),
        };
    set(&g, on)?;
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
                if g.exists() {
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
