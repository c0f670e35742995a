//! Joining existing namespaces (nsenter): those of a target process through its pidfd, in one
//! `setns(pidfd, mask)` call (Linux 5.8), and those given as files or fds, one `setns` each.
//!
//! Everything is opened before the first `setns`: a namespace file may not be reachable any more
//! once we are in another mount namespace. Order (util-linux's two passes): first every namespace
//! but the user one, errors ignored; then what is left, the user namespace included, errors
//! reported. When we are privileged where we are, pass one does all the work and the user
//! namespace comes last (joining it lowers our privilege); when we are not, pass one fails and
//! pass two enters the user namespace first, which gives us the privilege the others need (the
//! kernel does that itself for a pidfd mask, and `KINDS` puts user first for files).

use std::os::fd::{AsFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sched::{setns, CloneFlags};

use crate::error::{Error, Result};
use crate::ns::{self, Kind, KINDS};
use crate::procdir::ProcDir;

/// A namespace to join through an fd we hold: `label` names it in messages.
pub struct NsFd {
    pub kind: &'static Kind,
    pub fd: OwnedFd,
    pub label: String,
}

/// The namespaces to join.
pub struct Plan {
    /// Taken from the target's pidfd.
    from_target: CloneFlags,
    /// Held as fds, at most one per kind.
    fds: Vec<NsFd>,
}

impl Default for Plan {
    fn default() -> Plan {
        Plan::new()
    }
}

impl Plan {
    pub fn new() -> Plan {
        Plan {
            from_target: CloneFlags::empty(),
            fds: Vec::new(),
        }
    }

    /// Join the target's namespace of `kind` (replacing an fd given for it).
    pub fn take_from_target(&mut self, kind: &'static Kind) {
        self.fds.retain(|f| f.kind != kind);
        self.from_target |= kind.flag;
    }

    /// Join the namespace behind `fd` for `kind` (replacing an earlier choice).
    pub fn with_fd(&mut self, ns: NsFd) {
        self.from_target.remove(ns.kind.flag);
        self.fds.retain(|f| f.kind != ns.kind);
        self.fds.push(ns);
    }

    /// Every namespace of the plan.
    pub fn flags(&self) -> CloneFlags {
        self.fds
            .iter()
            .fold(self.from_target, |acc, f| acc | f.kind.flag)
    }

    /// The fd held for `kind`, if any.
    pub fn fd(&self, kind: &Kind) -> Option<&NsFd> {
        self.fds.iter().find(|f| f.kind == kind)
    }

    /// Enter the namespaces, in util-linux's order (see the module comment); `target` is the
    /// process the namespaces marked [`Plan::take_from_target`] belong to.
    pub fn enter(mut self, target: Option<&ProcDir>) -> Result<()> {
        // Built from raw bits: bitflags' `!` and `all()` would drop CLONE_NEWTIME, which nix
        // does not name.
        let user = CloneFlags::CLONE_NEWUSER.bits();
        let _ = self.pass(target, CloneFlags::from_bits_retain(!user), false);
        self.pass(target, CloneFlags::from_bits_retain(!0), true)
    }

    /// One pass over the namespaces of `mask` still to enter: with `report`, the first failure
    /// is returned; without it, failures are left for the next pass.
    fn pass(&mut self, target: Option<&ProcDir>, mask: CloneFlags, report: bool) -> Result<()> {
        let from_target = self.from_target & mask;
        if let (false, Some(target)) = (from_target.is_empty(), target) {
            // A process held without a pidfd is entered through its namespace files.
            let joined = target
                .pidfd()
                .map_or(Err(Errno::EINVAL), |fd| setns(fd, from_target));
            match joined {
                Ok(()) => self.from_target.remove(from_target),
                // Before Linux 5.8 setns() takes no pidfd; on later kernels EINVAL means one of
                // the namespaces cannot be joined, which one fd per namespace tells precisely.
                Err(Errno::EINVAL) => self.open_target_files(target)?,
                Err(e) if report => {
                    return Err(Error::sys(
                        format!("reassociate to namespaces of PID {} failed", target.pid()),
                        e,
                    ))
                }
                Err(_) => {}
            }
        }
        let mut i = 0;
        while i < self.fds.len() {
            let ns = &self.fds[i];
            if !mask.contains(ns.kind.flag) {
                i += 1;
                continue;
            }
            match setns(ns.fd.as_fd(), ns.kind.flag) {
                Ok(()) => {
                    self.fds.remove(i);
                }
                Err(e) if report => {
                    return Err(Error::sys(
                        format!("reassociate to namespace '{}' failed", ns.label),
                        e,
                    ))
                }
                Err(_) => i += 1,
            }
        }
        Ok(())
    }

    /// Fall back from the pidfd to the target's `/proc/PID/ns/*` files.
    fn open_target_files(&mut self, target: &ProcDir) -> Result<()> {
        let kinds: Vec<&'static Kind> = KINDS
            .iter()
            .filter(|k| self.from_target.contains(k.flag))
            .collect();
        for kind in kinds {
            let rel = format!("ns/{}", kind.name);
            let fd = target.open_at(&rel, OFlag::O_RDONLY)?;
            self.with_fd(NsFd {
                kind,
                fd,
                label: target.path(&rel),
            });
        }
        // Keep the fds in table order, user first, as util-linux enters them.
        self.fds
            .sort_by_key(|f| KINDS.iter().position(|k| k == f.kind));
        Ok(())
    }
}

/// Whether `-a/--all` should take the target's namespace of `kind`: the kernel must know the
/// kind, and a user namespace we are already in cannot be entered again (setns fails EINVAL).
pub fn usable_for_all(target: &ProcDir, kind: &Kind) -> Result<bool> {
    let mine = match ns::id_of(None, kind) {
        Ok(id) => id,
        Err(e) if e.errno() == Some(Errno::ENOENT) => return Ok(false),
        Err(e) => return Err(e),
    };
    if kind.flag != CloneFlags::CLONE_NEWUSER {
        return Ok(true);
    }
    let rel = format!("ns/{}", kind.name);
    let fd = target.open_at(&rel, OFlag::O_RDONLY)?;
    let st = nix::sys::stat::fstat(&fd)
        .map_err(|e| Error::sys(format!("stat of {} failed", target.path(&rel)), e))?;
    Ok(!(st.st_dev == mine.dev && st.st_ino == mine.ino))
}

/// The user namespace that owns the namespace behind `fd` (for a user namespace: its parent),
/// as `--user-parent` wants.
pub fn owning_user_ns(fd: &OwnedFd, label: &str) -> Result<OwnedFd> {
    crate::sys::ns_get_userns(fd.as_fd()).map_err(|e| {
        Error::sys(
            format!("failed to open the parent user namespace of {label}"),
            e,
        )
    })
}

/// The namespace whose 64-bit id (`NS_GET_ID`, `lsns`) is `id`, checked to be of `kind`:
/// util-linux 2.42's `--net=:ID`.
///
/// It is opened as util-linux does, through an nsfs file handle holding the id alone, which the
/// kernel resolves from Linux 6.19 on. Linux 6.18 answers ESTALE to such a handle (it wants the
/// namespace's inode too) as it does for an id that does not exist; then the namespaces of the
/// processes in `/proc` are searched for the id, so an id still used by a process is found on
/// either kernel, and ESTALE from both means there is no such namespace.
pub fn open_by_id(id: u64, kind: &'static Kind) -> Result<NsFd> {
    use crate::error::Context;
    let label = format!("namespace of id {id}");
    // Any nsfs file tells the handle type; our own mount namespace always exists.
    let own = ns::proc_ns_path(None, "mnt");
    let nsfs = nix::fcntl::open(
        own.as_str(),
        OFlag::O_RDONLY | OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .context(|| format!("cannot open {own}"))?;
    let handle_type = crate::sys::nsfs_handle_type(nsfs.as_fd())
        .context(|| "failed to fill namespace file handle")?;
    let fd = match crate::sys::open_ns_by_id(nsfs.as_fd(), handle_type, id, 0) {
        Ok(fd) => fd,
        Err(Errno::ESTALE) => find_in_proc(id, kind)
            .ok_or_else(|| Error::new(format!("cannot open {label}: no such namespace")))?,
        Err(e) => return Err(Error::sys(format!("cannot open {label}"), e)),
    };
    match crate::sys::ns_get_nstype(fd.as_fd()) {
        Ok(t) if t == kind.flag.bits() => Ok(NsFd { kind, fd, label }),
        Ok(t) => {
            let other = ns::by_flag(CloneFlags::from_bits_retain(t)).map_or("unknown", |k| k.name);
            Err(Error::new(format!(
                "{label} is a {other} namespace, not a {} namespace",
                kind.name
            )))
        }
        Err(e) => Err(Error::sys(format!("cannot inspect {label}"), e)),
    }
}

/// The namespace of `kind` with id `id` among those of the processes in `/proc` (each namespace
/// opened once, however many processes share it).
fn find_in_proc(id: u64, kind: &Kind) -> Option<OwnedFd> {
    use std::os::unix::fs::MetadataExt;
    let mut seen = Vec::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        if !crate::procdir::is_number(&name.to_string_lossy()) {
            continue;
        }
        let path = format!("/proc/{}/ns/{}", name.to_string_lossy(), kind.name);
        let Ok(md) = std::fs::metadata(&path) else {
            continue;
        };
        if seen.contains(&(md.dev(), md.ino())) {
            continue;
        }
        seen.push((md.dev(), md.ino()));
        let flags = OFlag::O_RDONLY | OFlag::O_CLOEXEC;
        let Ok(fd) = nix::fcntl::open(path.as_str(), flags, nix::sys::stat::Mode::empty()) else {
            continue;
        };
        if crate::sys::ns_get_id(fd.as_fd()) == Ok(id) {
            return Some(fd);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(kind: &'static Kind) -> NsFd {
        let label = ns::proc_ns_path(None, kind.name);
        let fd = ns::open_ns_file(&label, kind).unwrap();
        NsFd { kind, fd, label }
    }

    #[test]
    fn last_choice_per_kind_wins() {
        let net = ns::NET;
        let time = ns::by_long("time").unwrap();
        let mut plan = Plan::new();
        plan.take_from_target(net);
        plan.take_from_target(time);
        assert_eq!(plan.flags(), net.flag | time.flag);
        assert!(plan.fd(net).is_none());
        plan.with_fd(own(net));
        assert_eq!(plan.fd(net).unwrap().label, "/proc/self/ns/net");
        assert_eq!(plan.flags(), net.flag | time.flag);
        plan.take_from_target(net);
        assert!(plan.fd(net).is_none());
        assert_eq!(plan.flags().bits().count_ones(), 2);
    }

    #[test]
    fn empty_plan_enters_nothing() {
        let ids = || -> Vec<crate::ns::Id> {
            let at = Some(nix::unistd::gettid());
            KINDS
                .iter()
                .filter_map(|k| crate::ns::id_of(at, k).ok())
                .collect()
        };
        let before = ids();
        assert!(!before.is_empty());
        Plan::new().enter(None).unwrap();
        assert_eq!(ids(), before);
    }
}
