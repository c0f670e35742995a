//! What nsunshare leaves behind on purpose: namespace files bound over files (`--net=FILE`, …),
//! which keep a namespace after its last process, and a pid file (`--pid-file`), removed once its
//! process is gone. Made by a helper in the original mount namespace, and undone together if the
//! program never runs.

use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::unistd::{getpid, Pid};

use crate::error::{Context, Result};
use crate::mount;
use crate::ns::Kind;
use crate::process::{self, Fork};
use crate::sys;

/// Namespace files bound and files created (by nsunshare's helper), undone if the program never
/// runs, kept once it does.
#[derive(Default)]
pub struct Persisted {
    mounted: Vec<PathBuf>,
    created: Vec<PathBuf>,
    /// The pid file and the process it names, held by a pidfd.
    pid_file: Option<(OwnedFd, PathBuf)>,
}

impl Persisted {
    /// Bind the namespace of `kind` that the process at `label` (`/proc/PID`) gives its children
    /// over `file`, creating `file` (read-only, `0444`) if it does not exist.
    pub fn bind(&mut self, label: &str, kind: &Kind, file: &Path) -> Result<()> {
        use std::fs::OpenOptions;
        use std::os::unix::fs::OpenOptionsExt;
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o444)
            .open(file)
        {
            Ok(_) => self.created.push(file.to_path_buf()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e).context(|| format!("cannot create {}", file.display())),
        }
        let src = PathBuf::from(format!("{label}/ns/{}", kind.for_children));
        mount::bind(&src, file, false)?;
        self.mounted.push(file.to_path_buf());
        Ok(())
    }

    /// Write `pid` to the pid file `file`, and hold the process by a pidfd: taken while the
    /// process cannot have been reaped (it waits for us), so the file goes with that very
    /// process ([`Persisted::keep`]).
    pub fn pid_file(&mut self, file: &Path, pid: Pid) -> Result<()> {
        let pidfd = sys::pidfd_open(pid).context(|| format!("pidfd_open {pid} failed"))?;
        write_pid_file(file, pid)?;
        self.created.push(file.to_path_buf());
        self.pid_file = Some((pidfd, file.to_path_buf()));
        Ok(())
    }

    /// The program runs: keep everything; the pid file is removed once its process is gone.
    pub fn keep(mut self) {
        if let Some((pidfd, file)) = self.pid_file.take() {
            remove_when_gone(pidfd, &file);
        }
    }

    /// The program never ran: unmount and remove what was made, last first.
    pub fn undo(&self) {
        for m in self.mounted.iter().rev() {
            let _ = mount::detach(m);
        }
        for c in &self.created {
            let _ = std::fs::remove_file(c);
        }
    }
}

/// Write `pid` to `file` atomically: a temporary file in the same directory, renamed over it.
fn write_pid_file(file: &Path, pid: Pid) -> Result<()> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = file.with_file_name(format!(".{name}.{}", getpid()));
    std::fs::write(&tmp, format!("{pid}\n"))
        .and_then(|_| std::fs::rename(&tmp, file))
        .inspect_err(|_| drop(std::fs::remove_file(&tmp)))
        .context(|| format!("cannot write the pid file {}", file.display()))
}

/// Remove `file` once the process behind `pidfd` has exited, from a small detached process
/// that stays in the original mount namespace (where the file is) and holds nothing else of
/// ours: none of our standard streams, no other descriptor.
fn remove_when_gone(pidfd: OwnedFd, file: &Path) {
    use std::os::fd::AsRawFd;
    match process::fork() {
        Ok(Fork::Parent(_)) => return,
        // Without a process of its own, the caller becomes the remover.
        Ok(Fork::Child) | Err(_) => {}
    }
    let _ = nix::unistd::setsid();
    if let Ok(null) = std::fs::File::options()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        let _ = nix::unistd::dup2_stdin(&null);
        let _ = nix::unistd::dup2_stdout(&null);
        let _ = nix::unistd::dup2_stderr(&null);
    }
    let keep = pidfd.as_raw_fd() as u32;
    let _ = sys::close_fds(3, keep.saturating_sub(1));
    let _ = sys::close_fds(keep + 1, u32::MAX);
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
    while let Err(nix::errno::Errno::EINTR) = poll(&mut fds, PollTimeout::NONE) {}
    let _ = std::fs::remove_file(file);
    std::process::exit(0)
}
