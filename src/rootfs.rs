//! The filesystem view of a container: a new root with its own `/proc`, `/sys` and `/dev`, extra
//! tmpfs and bind mounts, then `pivot_root` into it.
//!
//! Everything is built below NEWROOT (bind-mounted onto itself, so it is a mount point) while the
//! old root is still `/`, so bind sources are the caller's paths. Paths inside NEWROOT are
//! resolved as if NEWROOT were `/` (symbolic links and `..` cannot lead out of it), missing mount
//! points are created, and every mount and creation is logged, so that a failure undoes them in
//! reverse order: before the pivot ([`Built::undo`]), and after it too, up to the moment the
//! program is executed ([`Pivoted::undo`]), so a program that cannot be run leaves NEWROOT as it
//! was.
//!
//! Once the program runs, the mount points made for it stay in NEWROOT: they carry its mounts,
//! and nothing can remove them while the container's mount namespace lives (the kernel refuses
//! to remove a mount point there, and removing one from another namespace detaches the mount).
//! Afterwards nobody of ours is left to do it: the program has replaced nspivot, and anything
//! nspivot left behind to wait would die with the container's pid namespace, whose init ends
//! it. So the caller removes them (they are empty) once the container has ended, or gives
//! NEWROOT its mount points beforehand.

use std::collections::VecDeque;
use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::mount::{umount2, MntFlags, MsFlags};
use nix::sys::stat::{makedev, mknod, Mode, SFlag};

use crate::error::{errno_of, Context, Error, Result};
use crate::mount;

/// One `--bind`/`--ro-bind`: `src` in the old root, `dst` inside the new one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bind {
    pub src: PathBuf,
    pub dst: PathBuf,
    pub ro: bool,
}

impl Bind {
    /// `SRC:DST` (the last colon splits, so SRC may contain colons).
    pub fn parse(spec: &str, ro: bool) -> Result<Bind> {
        match spec.rsplit_once(':') {
            Some((src, dst)) if !src.is_empty() && !dst.is_empty() => Ok(Bind {
                src: src.into(),
                dst: dst.into(),
                ro,
            }),
            _ => Err(Error::usage(format!(
                "invalid bind specification '{spec}' (expected SRC:DST)"
            ))),
        }
    }
}

/// What to build in the new root.
#[derive(Clone, Debug)]
pub struct Layout {
    pub proc: bool,
    pub sys: bool,
    pub dev: bool,
    /// The new root read-only (its own mount only: /proc, /dev, tmpfs mounts stay writable).
    pub ro: bool,
    pub tmpfs: Vec<PathBuf>,
    pub binds: Vec<Bind>,
}

impl Default for Layout {
    fn default() -> Layout {
        Layout {
            proc: true,
            sys: true,
            dev: true,
            ro: false,
            tmpfs: Vec::new(),
            binds: Vec::new(),
        }
    }
}

/// The device nodes of `/dev`: name, major, minor.
const NODES: &[(&str, u64, u64)] = &[
    ("null", 1, 3),
    ("zero", 1, 5),
    ("full", 1, 7),
    ("random", 1, 8),
    ("urandom", 1, 9),
    ("tty", 5, 0),
];

/// The links of `/dev`: name, target.
const LINKS: &[(&str, &str)] = &[
    ("fd", "/proc/self/fd"),
    ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"),
    ("ptmx", "pts/ptmx"),
];

/// Check what can be checked before touching anything: NEWROOT is a directory, every bind
/// source exists. Returns NEWROOT made absolute and free of symbolic links.
pub fn validate(newroot: &Path, layout: &Layout) -> Result<PathBuf> {
    let md = std::fs::metadata(newroot).map_err(|e| {
        let what = format!("cannot access new root {}", newroot.display());
        match errno_of(&e) {
            Errno::EACCES => Error::sys_detail(what, Errno::EACCES, &not_searchable(newroot)),
            errno => Error::sys(what, errno),
        }
    })?;
    if !md.is_dir() {
        return Err(Error::sys(
            format!("new root {}", newroot.display()),
            Errno::ENOTDIR,
        ));
    }
    for b in &layout.binds {
        std::fs::metadata(&b.src)
            .context(|| format!("cannot access bind source {}", b.src.display()))?;
    }
    std::fs::canonicalize(newroot)
        .context(|| format!("cannot resolve new root {}", newroot.display()))
}

/// Why NEWROOT is out of reach (EACCES), in words: usually a directory above it that the
/// container's root may not search (a home directory, a `mktemp -d`), since in a user namespace
/// it is an ordinary uid on the host (the one it is mapped to). The directory is found by
/// looking each one up on the way down, with our own credentials.
fn not_searchable(newroot: &Path) -> String {
    let path = std::path::absolute(newroot).unwrap_or_else(|_| newroot.to_path_buf());
    let mut blocked = None;
    let mut prefix = PathBuf::new();
    for part in path.components() {
        let parent = prefix.clone();
        prefix.push(part);
        if let Err(e) = std::fs::symlink_metadata(&prefix) {
            if e.raw_os_error() == Some(libc::EACCES) {
                blocked = Some(parent);
            }
            break;
        }
    }
    let uid = nix::unistd::geteuid().as_raw();
    let map = std::fs::read_to_string("/proc/self/uid_map").unwrap_or_default();
    let map = crate::idmap::parse_kernel_map(&map);
    let identity = map.len() == 1 && map[0].inner == 0 && map[0].outer == 0;
    let host = map
        .iter()
        .find(|r| uid >= r.inner && uid - r.inner < r.count)
        .map(|r| r.outer + (uid - r.inner));
    let who = match (identity, uid, host) {
        (true, _, _) => format!("uid {uid}"),
        (false, 0, Some(h)) => format!("the container's root, uid {h} on the host"),
        (false, _, Some(h)) => format!("uid {uid}, {h} on the host"),
        (false, _, None) => format!("uid {uid}"),
    };
    match blocked {
        Some(dir) => format!(
            "{} is not searchable by {who}: chmod o+x each directory above the new root",
            dir.display()
        ),
        None => format!("is it searchable by {who}? chmod o+x each directory above it"),
    }
}

/// What kind of mount point to create when it is missing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
}

/// One undoable step.
enum Step {
    Created(PathBuf, Kind),
    Mounted(PathBuf),
    /// The new root made read-only (`--ro`): the mount points made in it are removed through it.
    ReadOnly(PathBuf),
}

/// The new root under construction, with the log of what was made.
struct Builder {
    root: PathBuf,
    log: Vec<Step>,
}

impl Builder {
    /// Undo every step in reverse order, so each created path is removed while the mounts made
    /// before it (the one it lives on) are still there.
    fn undo(&mut self) {
        while let Some(step) = self.log.pop() {
            step.undo();
        }
    }

    /// `path` (absolute or not, taken as inside the new root) as a host path, created as `kind`
    /// when missing (with its missing parents as directories). Errors name the `step`.
    fn target(&mut self, path: &Path, kind: Kind, step: &str) -> Result<PathBuf> {
        let log = &mut self.log;
        resolve_in(&self.root, path, kind, &mut |p, k| {
            create(p, k)?;
            log.push(Step::Created(p.to_path_buf(), k));
            Ok(())
        })
        .map(|rel| self.root.join(rel))
        .map_err(|e| Error::new(format!("{step}: {e}")))
    }

    fn mounted(&mut self, path: &Path) {
        self.log.push(Step::Mounted(path.to_path_buf()));
    }

    fn build(&mut self, layout: &Layout) -> Result<()> {
        let root = self.root.clone();
        mount::bind(&root, &root, true)?;
        self.mounted(&root);
        if layout.proc {
            let dir = self.target(Path::new("proc"), Kind::Dir, "mount proc")?;
            mount::mount_proc(&dir, None)?;
            self.mounted(&dir);
        }
        if layout.sys {
            let dir = self.target(Path::new("sys"), Kind::Dir, "mount sysfs")?;
            self.sys(&dir, layout.ro)?;
        }
        if layout.dev {
            let dir = self.target(Path::new("dev"), Kind::Dir, "build /dev")?;
            self.dev(&dir)?;
        }
        let mut tmpfs = layout.tmpfs.clone();
        let names_tmp = |p: &PathBuf| {
            p.components()
                .filter(|c| !matches!(c, Component::RootDir | Component::CurDir))
                .eq([Component::Normal("tmp".as_ref())])
        };
        if layout.ro
            && !tmpfs.iter().any(names_tmp)
            && !layout.binds.iter().any(|b| names_tmp(&b.dst))
        {
            tmpfs.push("/tmp".into());
        }
        for t in &tmpfs {
            let step = format!("mount tmpfs on {}", t.display());
            let dir = self.target(t, Kind::Dir, &step)?;
            let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
            mount::mount_fs("tmpfs", &dir, flags, Some("mode=1777"))?;
            self.mounted(&dir);
        }
        for b in &layout.binds {
            let kind = if b.src.is_dir() {
                Kind::Dir
            } else {
                Kind::File
            };
            let step = format!("bind {} on {}", b.src.display(), b.dst.display());
            let dst = self.target(&b.dst, kind, &step)?;
            mount::bind(&b.src, &dst, true)?;
            self.mounted(&dst);
            if b.ro {
                read_only(&dst, true)?;
            }
        }
        if layout.ro {
            read_only(&root, false)?;
            self.log.push(Step::ReadOnly(root));
        }
        Ok(())
    }

    /// A fresh sysfs, or where that is refused (a network namespace we do not own), a read-only
    /// recursive bind of the host's.
    fn sys(&mut self, dir: &Path, ro: bool) -> Result<()> {
        let mut flags = mount::PSEUDO;
        if ro {
            flags |= MsFlags::MS_RDONLY;
        }
        match nix::mount::mount(Some("sysfs"), dir, Some("sysfs"), flags, None::<&str>) {
            Ok(()) => {
                self.mounted(dir);
                Ok(())
            }
            Err(Errno::EPERM) => {
                mount::bind(Path::new("/sys"), dir, true)?;
                self.mounted(dir);
                read_only(dir, true)
            }
            Err(e) => Err(Error::sys(
                format!("mount sysfs on {} failed", dir.display()),
                e,
            )),
        }
    }

    /// `/dev`: a tmpfs with the basic nodes (bind-mounted from the host where `mknod` is not
    /// allowed, as in a user namespace), a private devpts instance, `/dev/shm`, `/dev/mqueue`
    /// and the usual links.
    fn dev(&mut self, dir: &Path) -> Result<()> {
        let flags = MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC;
        mount::mount_fs("tmpfs", dir, flags, Some("mode=0755"))?;
        self.mounted(dir);
        for (name, major, minor) in NODES {
            let node = dir.join(name);
            let mode = Mode::from_bits_truncate(0o666);
            match mknod(&node, SFlag::S_IFCHR, mode, makedev(*major, *minor)) {
                Ok(()) => {
                    // mknod obeys the umask; the nodes are for everyone.
                    nix::sys::stat::fchmodat(
                        nix::fcntl::AT_FDCWD,
                        &node,
                        mode,
                        nix::sys::stat::FchmodatFlags::FollowSymlink,
                    )
                    .context(|| format!("cannot change mode of {}", node.display()))?;
                }
                Err(Errno::EPERM) => {
                    create(&node, Kind::File)?;
                    mount::bind(&Path::new("/dev").join(name), &node, false)?;
                }
                Err(e) => return Err(Error::sys(format!("mknod {} failed", node.display()), e)),
            }
        }
        for (name, target) in LINKS {
            let link = dir.join(name);
            std::os::unix::fs::symlink(target, &link)
                .context(|| format!("cannot create symbolic link {}", link.display()))?;
        }
        let pts = dir.join("pts");
        create(&pts, Kind::Dir)?;
        mount::mount_fs(
            "devpts",
            &pts,
            MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
            Some("newinstance,ptmxmode=0666,mode=620"),
        )?;
        let shm = dir.join("shm");
        create(&shm, Kind::Dir)?;
        let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
        mount::mount_fs("tmpfs", &shm, flags, Some("mode=1777"))?;
        let mq = dir.join("mqueue");
        create(&mq, Kind::Dir)?;
        match nix::mount::mount(
            Some("mqueue"),
            &mq,
            Some("mqueue"),
            mount::PSEUDO,
            None::<&str>,
        ) {
            Ok(()) => Ok(()),
            // An IPC namespace owned by another user namespace: bind the host's when it has
            // one, otherwise /dev/mqueue stays an empty directory.
            Err(Errno::EPERM) if Path::new("/dev/mqueue").is_dir() => {
                mount::bind(Path::new("/dev/mqueue"), &mq, false)
            }
            Err(Errno::EPERM) => Ok(()),
            Err(e) => Err(Error::sys(
                format!("mount mqueue on {} failed", mq.display()),
                e,
            )),
        }
    }
}

/// Make the mount at `path` read-only (and those below it when `recursive`).
fn read_only(path: &Path, recursive: bool) -> Result<()> {
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::new(format!("path contains a NUL byte: {}", path.display())))?;
    crate::sys::mount_setattr_rdonly(&c, recursive, true)
        .context(|| format!("cannot make {} read-only", path.display()))
}

/// Make the mount at `path` writable again (undoing [`read_only`] of the new root, so that the
/// mount points made in it can be removed).
fn writable(path: &Path) -> nix::Result<()> {
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| Errno::EINVAL)?;
    crate::sys::mount_setattr_rdonly(&c, false, false)
}

fn create(path: &Path, kind: Kind) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    match kind {
        Kind::Dir => std::fs::DirBuilder::new().mode(0o755).create(path),
        Kind::File => std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .custom_flags(libc::O_CLOEXEC)
            .open(path)
            .map(drop),
    }
    .context(|| format!("cannot create mount point {}", path.display()))
}

/// Resolve `path` inside `root` as the kernel would after a `chroot(root)`: symbolic links are
/// followed relative to `root`, `..` stops at `root`. Missing components are passed to `create`
/// in order, as directories except the last, which is `last`. Returns the resolved path relative
/// to `root`.
fn resolve_in<F>(root: &Path, path: &Path, last: Kind, create: &mut F) -> Result<PathBuf>
where
    F: FnMut(&Path, Kind) -> Result<()>,
{
    let mut todo: VecDeque<OsString> = components(path);
    let mut done: Vec<OsString> = Vec::new();
    let mut links = 0;
    while let Some(c) = todo.pop_front() {
        if c == ".." {
            done.pop();
            continue;
        }
        let rel: PathBuf = done.iter().chain([&c]).collect();
        let host = root.join(&rel);
        match std::fs::symlink_metadata(&host) {
            Ok(md) if md.file_type().is_symlink() => {
                links += 1;
                if links > 40 {
                    let what = format!("cannot resolve {} in the new root", path.display());
                    return Err(Error::sys(what, Errno::ELOOP));
                }
                let target = std::fs::read_link(&host)
                    .context(|| format!("cannot read symbolic link {}", host.display()))?;
                if target.is_absolute() {
                    done.clear();
                }
                for t in components(&target).into_iter().rev() {
                    todo.push_front(t);
                }
            }
            Ok(_) => done.push(c),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let kind = if todo.is_empty() { last } else { Kind::Dir };
                create(&host, kind)?;
                done.push(c);
            }
            Err(e) => {
                let what = format!("cannot access {}", host.display());
                return Err(Error::sys(what, crate::error::errno_of(&e)));
            }
        }
    }
    Ok(done.iter().collect())
}

/// The normal components and `..` of `path`, with `/` and `.` dropped.
fn components(path: &Path) -> VecDeque<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect()
}

/// The new root described by `layout`, built at `root` (absolute, from [`validate`]) and not
/// switched to yet. On a failure, everything made so far is undone.
pub fn build(root: &Path, layout: &Layout) -> Result<Built> {
    mount::set_root_propagation(MsFlags::MS_REC | MsFlags::MS_PRIVATE)?;
    let mut b = Builder {
        root: root.to_path_buf(),
        log: Vec::new(),
    };
    if let Err(e) = b.build(layout) {
        b.undo();
        return Err(e);
    }
    Ok(Built(b))
}

/// A new root built and not switched to: [`Built::switch`] to it, or [`Built::undo`] it.
pub struct Built(Builder);

impl Built {
    /// Fail as `chdir(path)` would after the switch, if it would: `path` resolved in the new
    /// root as built (its mounts included) must be a directory we may enter.
    pub fn check_dir(&self, path: &Path) -> Result<()> {
        let what = || format!("cannot change directory to {}", path.display());
        let rel = resolve_in(&self.0.root, path, Kind::Dir, &mut |_, _| {
            Err(Error::sys(what(), Errno::ENOENT))
        })
        .map_err(|e| Error::sys(what(), e.errno().unwrap_or(Errno::EINVAL)))?;
        let host = self.0.root.join(rel);
        let md = std::fs::metadata(&host).context(what)?;
        if !md.is_dir() {
            return Err(Error::sys(what(), Errno::ENOTDIR));
        }
        nix::unistd::access(&host, nix::unistd::AccessFlags::X_OK).context(what)
    }

    /// Remove what was made, in reverse order.
    pub fn undo(mut self) {
        self.0.undo();
    }

    /// Make the new root `/`: `pivot_root(".", ".")` from inside it stacks the old root on top
    /// of the new one at the same place (no directory for it needed in the new root); detaching
    /// `.` then removes the old root, whose mounts below it go with it since they are private.
    /// A failed pivot leaves the old root in place, and everything made is undone; so does a
    /// failure after the old root is detached. A failure to detach it cannot be undone (the old
    /// root still covers the new one, so no path reaches what was made), and the caller must
    /// not execute anything.
    pub fn switch(mut self) -> Result<Pivoted> {
        let root = std::mem::take(&mut self.0.root);
        let pivoted = nix::unistd::chdir(&root)
            .context(|| format!("cannot change directory to {}", root.display()))
            .and_then(|()| {
                nix::unistd::pivot_root(".", ".")
                    .context(|| format!("pivot_root to {} failed", root.display()))
            });
        if let Err(e) = pivoted {
            let _ = nix::unistd::chdir("/");
            self.0.undo();
            return Err(e);
        }
        umount2(".", MntFlags::MNT_DETACH).context(|| "cannot detach the old root")?;
        let log = std::mem::take(&mut self.0.log)
            .into_iter()
            .filter_map(|step| step.inside(&root))
            .collect();
        let pivoted = Pivoted { log };
        if let Err(e) = nix::unistd::chdir("/") {
            pivoted.undo();
            return Err(Error::sys("cannot change directory to /", e));
        }
        Ok(pivoted)
    }
}

/// The new root, switched to; what was made in it, as paths from the new `/`.
pub struct Pivoted {
    log: Vec<Step>,
}

impl Pivoted {
    /// Undo the mounts and the mount points made, when the program cannot be executed after
    /// all: it never ran, and the new root is left as it was.
    pub fn undo(mut self) {
        while let Some(step) = self.log.pop() {
            step.undo();
        }
    }
}

impl Step {
    /// This step seen from inside the new root `root` once it is `/`; `None` for the mount of
    /// the new root itself, which is `/` now (and goes with the namespace).
    fn inside(self, root: &Path) -> Option<Step> {
        let inside = |p: &Path| Some(Path::new("/").join(p.strip_prefix(root).ok()?));
        match self {
            Step::Mounted(p) if p == root => None,
            Step::Mounted(p) => inside(&p).map(Step::Mounted),
            Step::Created(p, k) => inside(&p).map(|p| Step::Created(p, k)),
            Step::ReadOnly(p) => inside(&p).map(Step::ReadOnly),
        }
    }

    fn undo(self) {
        let _ = match self {
            Step::Mounted(p) => umount2(&p, MntFlags::MNT_DETACH).map_err(drop),
            Step::Created(p, Kind::Dir) => std::fs::remove_dir(&p).map_err(drop),
            Step::Created(p, Kind::File) => std::fs::remove_file(&p).map_err(drop),
            Step::ReadOnly(p) => writable(&p).map_err(drop),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    #[test]
    fn bind_specs() {
        let b = Bind::parse("/a:b:/c", true).unwrap();
        assert_eq!((b.src, b.dst, b.ro), ("/a:b".into(), "/c".into(), true));
        for bad in ["/a", ":/b", "/a:", ""] {
            let e = Bind::parse(bad, false).unwrap_err();
            assert!(e.is_usage());
            assert!(e.to_string().starts_with("invalid bind specification"));
        }
    }

    fn resolve(root: &Path, p: &str) -> (PathBuf, Vec<PathBuf>) {
        let mut made = Vec::new();
        let r = resolve_in(root, Path::new(p), Kind::Dir, &mut |p, k| {
            create(p, k)?;
            made.push(p.strip_prefix(root).unwrap().to_path_buf());
            Ok(())
        });
        (r.unwrap(), made)
    }

    #[test]
    fn resolution_stays_inside_the_root() {
        let t = TempDir::new("rootfs");
        let root = t.path().join("root");
        std::fs::create_dir_all(root.join("usr/lib")).unwrap();
        std::os::unix::fs::symlink("/usr/lib", root.join("lib")).unwrap();
        std::os::unix::fs::symlink("../../..", root.join("up")).unwrap();
        std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();

        assert_eq!(resolve(&root, "/lib/x").0, PathBuf::from("usr/lib/x"));
        assert!(root.join("usr/lib/x").is_dir());
        let (r, made) = resolve(&root, "up/outside/y");
        assert_eq!(r, PathBuf::from("outside/y"));
        assert_eq!(made, [PathBuf::from("outside"), PathBuf::from("outside/y")]);
        assert!(!t.path().join("outside").exists(), "escaped the root");
        assert_eq!(
            resolve(&root, "/../../usr/./lib").0,
            PathBuf::from("usr/lib")
        );
        assert_eq!(resolve(&root, "/").0, PathBuf::new());

        let e = resolve_in(&root, Path::new("/loop/a"), Kind::Dir, &mut |_, _| Ok(()));
        assert_eq!(
            e.unwrap_err().to_string(),
            "cannot resolve /loop/a in the new root: Too many symbolic links encountered"
        );
    }

    #[test]
    fn files_are_created_last() {
        let t = TempDir::new("rootfs");
        let mut made = Vec::new();
        let r = resolve_in(t.path(), Path::new("a/f"), Kind::File, &mut |p, k| {
            made.push(k == Kind::File);
            create(p, k)
        });
        assert!(r.is_ok());
        assert_eq!(made, [false, true]);
        assert!(t.path().join("a/f").is_file());
    }
}
