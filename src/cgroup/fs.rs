//! A cgroup tree on disk: the layout under the root (v2, or v1 with a hierarchy per controller,
//! possibly with the cgroup2 hierarchy at `ROOT/unified`: the hybrid layout), the hierarchies,
//! one cgroup in one hierarchy ([`Group`]), path resolution against the caller's own cgroup, and
//! the plain file reads and writes everything else goes through.
//!
//! Every cgroup nscgroup makes also lives in one *home* hierarchy, whatever its limits: the
//! cgroup2 one (v2, or `unified` on a hybrid host), else v1's freezer. So a cgroup made with
//! `--pids` alone, or with no limit at all, can still be frozen, killed, watched and joined.

use std::cell::OnceCell;
use std::collections::BTreeSet;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::unistd::Pid;

use super::procfs::SelfCgroup;
use crate::error::{Context, Error, Result};

/// Where cgroupfs is mounted unless told otherwise.
pub const DEFAULT_ROOT: &str = "/sys/fs/cgroup";

/// The layout of the cgroupfs under the root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    V2,
    V1,
}

/// v1 controllers we know the hierarchy directory of (`ROOT/<name>`); also what `--controllers`
/// completes.
pub const V1_CONTROLLERS: &[&str] = &[
    "cpuset",
    "cpu",
    "cpuacct",
    "blkio",
    "memory",
    "devices",
    "freezer",
    "net_cls",
    "net_prio",
    "perf_event",
    "hugetlb",
    "pids",
    "rdma",
    "misc",
];

/// Resolve a user's cgroup PATH against `base` (where relative paths start: the caller's own
/// cgroup, or its delegated parent, see [`delegated_parent`]): an absolute cgroup path (`/a/b`,
/// `/` for the root). `..` is refused anywhere.
pub fn resolve(path: &str, base: &str) -> Result<String> {
    check_path(path)?;
    let base = if path.starts_with('/') { "" } else { base };
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    parts.extend(path.split('/').filter(|p| !p.is_empty() && *p != "."));
    Ok(format!("/{}", parts.join("/")))
}

/// Refuse a PATH that could leave the root, before anything else happens.
pub fn check_path(path: &str) -> Result<()> {
    if path.is_empty() {
        return Err(Error::new("invalid cgroup path: empty"));
    }
    if path.split('/').any(|p| p == "..") {
        return Err(Error::new(format!(
            "invalid cgroup path '{path}': '..' is not allowed"
        )));
    }
    if path.contains('\n') {
        return Err(Error::new(format!("invalid cgroup path '{path}'")));
    }
    Ok(())
}

pub(super) fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).context(|| format!("cannot read {}", path.display()))
}

/// One `write(2)` of `value` to an existing knob file (never created).
pub(super) fn write_file(path: &Path, value: &str) -> Result<()> {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)
        .context(|| format!("cannot open {}", path.display()))?;
    f.write_all(value.as_bytes())
        .context(|| format!("cannot write '{value}' to {}", path.display()))
}

/// One write of a limit to its knob file, as [`write_file`]; a refused CPU list says which CPUs
/// cannot be had and why (the kernel's bare ERANGE or EINVAL says neither).
pub(super) fn write_limit(path: &Path, value: &str) -> Result<()> {
    let e = match write_file(path, value) {
        Ok(()) => return Ok(()),
        Err(e) => e,
    };
    match (path.file_name().and_then(|n| n.to_str()), e.errno()) {
        (Some("cpuset.cpus"), Some(errno @ (Errno::ERANGE | Errno::EINVAL))) => {
            match why_cpus_refused(path, value) {
                Some(why) => Err(Error::sys_detail(
                    format!("cannot write '{value}' to {}", path.display()),
                    errno,
                    &why,
                )),
                None => Err(e),
            }
        }
        _ => Err(e),
    }
}

/// The CPUs of `wanted` (a list written to the `cpuset.cpus` at `file`) that this machine does
/// not have (`/sys/devices/system/cpu/present`: ERANGE beyond the last possible CPU), or failing
/// that, that the parent cgroup does not have (its effective CPUs: v1 wants a subset), in words.
fn why_cpus_refused(file: &Path, wanted: &str) -> Option<String> {
    let wanted = cpu_list(wanted)?;
    let missing = |have: &BTreeSet<u32>| -> Vec<u32> {
        wanted
            .iter()
            .copied()
            .filter(|c| !have.contains(c))
            .collect()
    };
    let cpus = |list: &[u32]| {
        let s: Vec<String> = list.iter().map(u32::to_string).collect();
        match list {
            [_] => format!("CPU {} is", s[0]),
            _ => format!("CPUs {} are", s.join(",")),
        }
    };
    if let Ok(text) = std::fs::read_to_string("/sys/devices/system/cpu/present") {
        let gone = missing(&cpu_list(text.trim())?);
        if !gone.is_empty() {
            return Some(format!(
                "{} not present: this machine has CPUs {}",
                cpus(&gone),
                text.trim()
            ));
        }
    }
    let parent = file.parent()?.parent()?;
    for name in ["cpuset.cpus.effective", "cpuset.effective_cpus"] {
        let Ok(text) = std::fs::read_to_string(parent.join(name)) else {
            continue;
        };
        let outside = missing(&cpu_list(text.trim())?);
        if !outside.is_empty() {
            return Some(format!(
                "{} not in the parent's {name} ({})",
                cpus(&outside),
                text.trim()
            ));
        }
    }
    None
}

/// The CPUs of a list like `0-3,8` (`None` when it is not one).
fn cpu_list(text: &str) -> Option<BTreeSet<u32>> {
    let mut out = BTreeSet::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        let (lo, hi) = part.split_once('-').unwrap_or((part, part));
        let (lo, hi): (u32, u32) = (lo.parse().ok()?, hi.parse().ok()?);
        if hi < lo || hi - lo > 1 << 16 {
            return None;
        }
        out.extend(lo..=hi);
    }
    Some(out)
}

/// A `key value` line of a flat-keyed file (`memory.events`, `cgroup.events`, `cpu.stat`).
pub(super) fn keyed(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok())?
    })
}

/// A real directory (not a symbolic link to one).
pub(super) fn is_dir(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir())
}

/// A directory, or a symbolic link to one (`cpu` → `cpu,cpuacct` on v1).
fn is_dir_or_link(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_dir())
}

/// Whether `p` exists (following links), where telling matters: a failure to look other than
/// "not there" is an error, never taken for absence (which would pick another layout).
pub(super) fn probe(p: &Path, dir: bool) -> Result<bool> {
    match std::fs::metadata(p) {
        Ok(m) => Ok(!dir || m.is_dir()),
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => Ok(false),
        Err(e) => Err(e).context(|| format!("cannot access {}", p.display())),
    }
}

/// One mounted hierarchy.
#[derive(Clone, Debug)]
pub struct Hierarchy {
    /// The controller (v1) or `""` (v2).
    pub controller: String,
    /// The mount point.
    pub mount: PathBuf,
    /// The caller's own cgroup in it.
    pub own: String,
    /// Where a relative path starts: `own`, or in a cgroup2 hierarchy the parent of `own` when
    /// that parent is delegated to the caller (see `delegated_parent`).
    pub base: String,
}

impl Hierarchy {
    /// The layout this hierarchy follows.
    pub fn mode(&self) -> Mode {
        if self.controller.is_empty() {
            Mode::V2
        } else {
            Mode::V1
        }
    }
}

/// One cgroup in one hierarchy.
#[derive(Clone, Debug)]
pub struct Group {
    pub hier: Hierarchy,
    /// The path from the hierarchy's root (`/a/b`).
    pub path: String,
}

impl Group {
    pub fn dir(&self) -> PathBuf {
        self.at(&self.path)
    }

    /// The directory of another cgroup path of the same hierarchy.
    pub(super) fn at(&self, cgpath: &str) -> PathBuf {
        self.hier.mount.join(cgpath.trim_start_matches('/'))
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir().join(name)
    }

    /// Whether the cgroup exists, where telling matters: failing to look is an error (a
    /// `delete` that took it for missing would leave it and succeed).
    pub fn present(&self) -> Result<bool> {
        let dir = self.dir();
        match std::fs::symlink_metadata(&dir) {
            Ok(m) => Ok(m.is_dir()),
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => Ok(false),
            Err(e) => Err(e).context(|| format!("cannot access {}", dir.display())),
        }
    }

    /// Every directory from the mount point down to this cgroup must be a real directory (no
    /// symlink leading out of the root); missing ones are fine.
    fn check_no_symlink(&self) -> Result<()> {
        let mut p = self.hier.mount.clone();
        for part in self.path.split('/').filter(|p| !p.is_empty()) {
            p.push(part);
            match std::fs::symlink_metadata(&p) {
                Ok(m) if m.file_type().is_symlink() || !m.is_dir() => {
                    return Err(Error::new(format!(
                        "invalid cgroup path '{}': {} is not a directory of the hierarchy",
                        self.path,
                        p.display()
                    )))
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        Ok(())
    }

    /// The processes of this cgroup and of every cgroup below it.
    pub fn procs(&self) -> Result<Vec<Pid>> {
        let mut out = Vec::new();
        for dir in self.subtree()? {
            let f = dir.join("cgroup.procs");
            let text = match std::fs::read_to_string(&f) {
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
                r => r.context(|| format!("cannot read {}", f.display()))?,
            };
            out.extend(
                text.lines()
                    .filter_map(|l| l.trim().parse().ok())
                    .map(Pid::from_raw),
            );
        }
        Ok(out)
    }

    /// This cgroup's directory and every directory below it, parents first.
    pub fn subtree(&self) -> Result<Vec<PathBuf>> {
        let mut out = vec![self.dir()];
        let mut i = 0;
        while i < out.len() {
            let dir = out[i].clone();
            i += 1;
            let entries = match std::fs::read_dir(&dir) {
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
                r => r.context(|| format!("cannot read {}", dir.display()))?,
            };
            let mut subs: Vec<PathBuf> = entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path())
                .collect();
            subs.sort();
            out.extend(subs);
        }
        Ok(out)
    }
}

/// Where a relative path starts in a cgroup2 hierarchy mounted at `mount`, for a caller (of
/// effective uid `euid`) whose own cgroup is `own`: the parent of `own` when it is delegated to
/// the caller, so that the new cgroup is a sibling of the caller's, as `systemd-run --user
/// --scope` starts a new scope beside the caller's.
///
/// Why: the caller's own cgroup holds the caller, and v2's no-internal-process rule forbids a
/// cgroup with processes to hand domain controllers (memory, io) to its children, so a cgroup
/// below it can never have those limits; a user's shell under systemd always runs in such a leaf
/// (`session.scope`, `app.slice/….scope`). The parent is delegated when the caller is not root,
/// and owns its directory, `cgroup.procs` and `cgroup.subtree_control` (what systemd's
/// `Delegate=yes`, or an administrator following the kernel's delegation model, gives a user).
/// Root is never delegated to (it may write everywhere, which says nothing about whose cgroup
/// it is), and neither is a hierarchy's root: their relative paths stay below their own cgroup.
/// Only ownership is read, never the processes, so every subcommand finds the same cgroup.
pub fn delegated_parent(mount: &Path, own: &str, euid: u32) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let (parent, _) = own.trim_end_matches('/').rsplit_once('/')?;
    if euid == 0 || parent.is_empty() {
        return None;
    }
    let dir = mount.join(parent.trim_start_matches('/'));
    let owned = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.uid() == euid);
    (is_dir(&dir)
        && owned(&dir)
        && owned(&dir.join("cgroup.procs"))
        && owned(&dir.join("cgroup.subtree_control")))
    .then(|| parent.to_string())
}

/// The cgroupfs as the caller sees it.
#[derive(Clone, Debug)]
pub struct Cgroupfs {
    pub root: PathBuf,
    pub mode: Mode,
    /// On a v1 root, the cgroup2 hierarchy mounted at `ROOT/unified` (the hybrid layout).
    pub unified: Option<PathBuf>,
    own: SelfCgroup,
    /// The caller's effective uid (for [`delegated_parent`]).
    euid: u32,
    /// The v1 controllers with a mounted hierarchy, found once.
    v1_mounted: OnceCell<Vec<&'static str>>,
}

impl Cgroupfs {
    /// Detect the layout under `root`: v2 when it holds `cgroup.controllers`, otherwise v1 with a
    /// directory per controller, hybrid when `ROOT/unified` is a cgroup2 hierarchy.
    pub fn open(root: &Path, own: SelfCgroup) -> Result<Cgroupfs> {
        std::fs::metadata(root)
            .context(|| format!("cannot access cgroup root {}", root.display()))?;
        let mut v1 = false;
        for c in V1_CONTROLLERS {
            v1 = v1 || probe(&root.join(c), true)?;
        }
        let mode = if probe(&root.join("cgroup.controllers"), false)? {
            Mode::V2
        } else if v1 {
            Mode::V1
        } else {
            return Err(Error::new(format!(
                "{}: neither a cgroup2 mount nor a directory of cgroup v1 hierarchies",
                root.display()
            )));
        };
        let unified = root.join("unified");
        let unified = (mode == Mode::V1 && probe(&unified.join("cgroup.controllers"), false)?)
            .then_some(unified);
        Ok(Cgroupfs {
            root: root.to_path_buf(),
            mode,
            unified,
            own,
            euid: nix::unistd::geteuid().as_raw(),
            v1_mounted: OnceCell::new(),
        })
    }

    /// The same cgroupfs as seen by a caller of effective uid `euid` (fixture tests).
    #[cfg(test)]
    pub(super) fn with_euid(mut self, euid: u32) -> Cgroupfs {
        self.euid = euid;
        self
    }

    /// The hierarchy of `controller` (`""`: the cgroup2 one; on v2 every controller's).
    fn hierarchy(&self, controller: &str) -> Result<Hierarchy> {
        let (mount, key) = match (self.mode, controller, &self.unified) {
            (Mode::V2, _, _) => (self.root.clone(), ""),
            (Mode::V1, "", Some(unified)) => (unified.clone(), ""),
            (Mode::V1, "", None) => {
                return Err(Error::new(format!(
                    "no cgroup2 hierarchy is mounted at {}",
                    self.root.join("unified").display()
                )))
            }
            (Mode::V1, c, _) => (self.root.join(c), c),
        };
        if !key.is_empty() && !probe(&mount, true)? {
            return Err(Error::new(format!(
                "controller {controller} is not mounted at {}",
                mount.display()
            )));
        }
        let own = self.own.path(key).unwrap_or("/").to_string();
        let base = match key {
            "" => delegated_parent(&mount, &own, self.euid),
            _ => None,
        }
        .unwrap_or_else(|| own.clone());
        Ok(Hierarchy {
            controller: key.to_string(),
            mount,
            own,
            base,
        })
    }

    /// The cgroup `path` in the hierarchy of `controller`.
    pub(super) fn group(&self, controller: &str, path: &str) -> Result<Group> {
        let hier = self.hierarchy(controller)?;
        let path = resolve(path, &hier.base)?;
        let g = Group { hier, path };
        g.check_no_symlink()?;
        Ok(g)
    }

    /// The hierarchy every cgroup nscgroup makes lives in, whatever its limits (`""`: the cgroup2
    /// one): v2's, `unified` on a hybrid host, else v1's freezer, so that freezing works.
    pub(super) fn home(&self) -> Option<&'static str> {
        match self.mode {
            Mode::V2 => Some(""),
            Mode::V1 if self.unified.is_some() => Some(""),
            Mode::V1 if is_dir_or_link(&self.root.join("freezer")) => Some("freezer"),
            Mode::V1 => None,
        }
    }

    /// The v1 controllers with a mounted hierarchy, each mount once. A hierarchy that cannot
    /// be looked at is an error, never taken for one that is not there.
    fn v1_mounted(&self) -> Result<&[&'static str]> {
        use std::os::unix::fs::MetadataExt;
        if let Some(found) = self.v1_mounted.get() {
            return Ok(found);
        }
        let mut seen = BTreeSet::new();
        let mut found = Vec::new();
        for c in V1_CONTROLLERS {
            let dir = self.root.join(c);
            match std::fs::metadata(&dir) {
                // `cpu` and `cpuacct` may be links to one `cpu,cpuacct` mount: keep it once.
                Ok(m) => {
                    if m.is_dir() && seen.insert((m.dev(), m.ino())) {
                        found.push(*c);
                    }
                }
                Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => {}
                Err(e) => return Err(e).context(|| format!("cannot access {}", dir.display())),
            }
        }
        Ok(self.v1_mounted.get_or_init(|| found))
    }

    /// The cgroups `path` may name, existing or not: the one v2 cgroup, or on v1 one per
    /// hierarchy of `only` (every mounted one, the cgroup2 one last, when empty).
    pub(super) fn candidates(&self, path: &str, only: &[String]) -> Result<Vec<Group>> {
        check_path(path)?;
        let mut out = Vec::new();
        match self.mode {
            Mode::V2 => out.push(self.group("", path)?),
            Mode::V1 => {
                for &c in self.v1_mounted()? {
                    if only.is_empty() || only.iter().any(|o| o == c) {
                        out.push(self.group(c, path)?);
                    }
                }
                if only.is_empty() && self.unified.is_some() {
                    out.push(self.group("", path)?);
                }
            }
        }
        Ok(out)
    }

    /// The cgroups `path` names: the one v2 cgroup, or on v1 the ones that exist in the
    /// hierarchies of `only` (every mounted one when empty). Fails, naming where it looked, when
    /// there is none.
    pub fn existing(&self, path: &str, only: &[String]) -> Result<Vec<Group>> {
        let candidates = self.candidates(path, only)?;
        let where_ = looked_in(&self.root, &candidates);
        let mut groups = Vec::new();
        for g in candidates {
            if g.present()? {
                groups.push(g);
            }
        }
        if groups.is_empty() {
            return Err(Error::sys(
                format!("cgroup {path} ({where_})"),
                Errno::ENOENT,
            ));
        }
        Ok(groups)
    }
}

/// The directories `groups` name, for a message: one path, the hierarchies in braces
/// (`/sys/fs/cgroup/{memory,pids,unified}/job`), or the last one (the cgroup2 one, on a hybrid
/// host) and how many others when the caller's cgroup differs between hierarchies.
pub(super) fn looked_in(root: &Path, groups: &[Group]) -> String {
    match groups {
        [] => root.display().to_string(),
        [one] => one.dir().display().to_string(),
        [first, ..] if groups.iter().all(|g| g.path == first.path) => {
            let names: Vec<String> = groups
                .iter()
                .map(|g| {
                    let mount = g.hier.mount.strip_prefix(root).unwrap_or(&g.hier.mount);
                    mount.display().to_string()
                })
                .collect();
            let rel = first.path.trim_start_matches('/');
            let rel = if rel.is_empty() {
                String::new()
            } else {
                format!("/{rel}")
            };
            format!("{}/{{{}}}{rel}", root.display(), names.join(","))
        }
        [.., last] => format!(
            "{} and {} other hierarchies under {}",
            last.dir().display(),
            groups.len() - 1,
            root.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_cpu_lists_are_explained() {
        assert_eq!(
            cpu_list("0-3,8").unwrap().into_iter().collect::<Vec<_>>(),
            [0, 1, 2, 3, 8]
        );
        assert!(cpu_list("3-1").is_none() && cpu_list("x").is_none());
        let present = std::fs::read_to_string("/sys/devices/system/cpu/present").unwrap();
        let first = *cpu_list(present.trim()).unwrap().first().unwrap();
        let t = crate::testutil::TempDir::new("cpus");
        std::fs::create_dir(t.path().join("box")).unwrap();
        let file = t.path().join("box/cpuset.cpus");
        assert_eq!(
            why_cpus_refused(&file, "100000").unwrap(),
            format!(
                "CPU 100000 is not present: this machine has CPUs {}",
                present.trim()
            )
        );
        std::fs::write(t.path().join("cpuset.cpus.effective"), "4096\n").unwrap();
        assert_eq!(
            why_cpus_refused(&file, &first.to_string()).unwrap(),
            format!("CPU {first} is not in the parent's cpuset.cpus.effective (4096)")
        );
        std::fs::write(t.path().join("cpuset.cpus.effective"), present.trim()).unwrap();
        assert_eq!(why_cpus_refused(&file, &first.to_string()), None);
    }

    #[test]
    fn paths_resolve_under_own_cgroup() {
        assert_eq!(resolve("x", "/a/b").unwrap(), "/a/b/x");
        assert_eq!(resolve("./x/y/", "/a").unwrap(), "/a/x/y");
        assert_eq!(resolve("x", "/").unwrap(), "/x");
        assert_eq!(resolve("/x", "/a").unwrap(), "/x");
        assert_eq!(resolve(".", "/a").unwrap(), "/a");
        assert_eq!(resolve("/", "/a").unwrap(), "/");
        assert_eq!(
            resolve("../x", "/a").unwrap_err().to_string(),
            "invalid cgroup path '../x': '..' is not allowed"
        );
        assert!(resolve("/../../etc", "/").is_err());
        assert!(resolve("a/../../b", "/").is_err());
        assert!(resolve("", "/").is_err());
    }
}

/// Property tests of cgroup paths: whatever is given, a resolved path is absolute, clean, and
/// never leaves the hierarchy.
#[cfg(test)]
mod prop {
    use super::*;
    use proptest::prelude::*;

    fn part() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9_:-]{1,6}",
            Just(".".to_string()),
            Just("..".to_string()),
            Just(String::new())
        ]
    }

    proptest! {
        #[test]
        fn paths_resolve_inside(
            parts in proptest::collection::vec(part(), 0..6),
            absolute in proptest::bool::ANY,
            own in proptest::collection::vec("[a-z0-9]{1,6}", 0..3),
        ) {
            let path = format!("{}{}", if absolute { "/" } else { "" }, parts.join("/"));
            let own = format!("/{}", own.join("/"));
            let got = resolve(&path, &own);
            if path.is_empty() || parts.iter().any(|p| p == "..") {
                prop_assert!(got.is_err());
                return Ok(());
            }
            let r = got.unwrap();
            prop_assert!(r.starts_with('/'));
            prop_assert!(!r.contains("//") && !r.ends_with("/.") && !r.contains("/./"), "{}", r);
            prop_assert!(r == "/" || !r.ends_with('/'));
            let named: Vec<&str> = parts.iter().map(String::as_str).filter(|p| !p.is_empty() && *p != ".").collect();
            let base = if path.starts_with('/') { "" } else { own.trim_end_matches('/') };
            let want = format!("{base}/{}", named.join("/"));
            let want = if want.len() > 1 { want.trim_end_matches('/').to_string() } else { want };
            prop_assert_eq!(r, want);
        }

        #[test]
        fn any_text_is_safe(t in any::<String>(), key in any::<String>()) {
            if let Ok(r) = resolve(&t, "/own") {
                prop_assert!(!r.split('/').any(|p| p == ".."));
                prop_assert!(!r.contains('\n'));
            }
            let _ = keyed(&t, &key);
        }
    }
}
