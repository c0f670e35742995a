//! Create and set: make a cgroup's directories, enable what its limits need, and write them,
//! taking back everything made when a step fails ([`Cgroupfs::apply`]).

use std::collections::BTreeSet;
use std::path::PathBuf;

use nix::errno::Errno;

use super::fs::{check_path, is_dir, probe, write_file, write_limit, Cgroupfs, Group, Mode};
use super::limits::{KnobWrite, Limits};
use super::{v1, v2};
use crate::error::{Context, Error, Result};

/// The files `limits` writes on a hierarchy of layout `mode`, in order.
pub fn writes(limits: &Limits, mode: Mode) -> Result<Vec<KnobWrite>> {
    match mode {
        Mode::V1 => v1::writes(limits),
        Mode::V2 => v2::writes(limits),
    }
}

/// A directory this run created, with its inode: a cgroup directory removed and made again by
/// someone else has another one, so clean-up never takes what it did not make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MadeDir {
    pub path: PathBuf,
    pub ino: u64,
}

impl MadeDir {
    /// Whether the directory is still the one this run made.
    pub fn is_ours(&self) -> bool {
        use std::os::unix::fs::MetadataExt;
        std::fs::symlink_metadata(&self.path).is_ok_and(|m| m.is_dir() && m.ino() == self.ino)
    }
}

/// Whether [`Cgroupfs::apply`] may or must create the cgroup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    /// The cgroup must exist (`set`).
    Never,
    /// Create it where missing, keep it where it exists (`create`, `exec`).
    IfMissing,
    /// It must not exist anywhere: this call makes it, so that a clean-up removes only what it
    /// made (`exec --rm`). A concurrent run that made it first makes this one fail.
    New,
}

/// What a failed operation must take back.
#[derive(Default)]
struct Undo {
    /// Knob files written, with what they held before.
    values: Vec<(PathBuf, String)>,
    dirs: Vec<MadeDir>,
    /// `(cgroup.subtree_control file, controllers we enabled in it)`.
    enabled: Vec<(PathBuf, Vec<String>)>,
}

impl Undo {
    fn rollback(self) {
        for (file, old) in self.values.iter().rev() {
            let _ = write_file(file, old.trim_end());
        }
        for d in self.dirs.iter().rev() {
            if d.is_ours() {
                let _ = std::fs::remove_dir(&d.path);
            }
        }
        for (file, ctrls) in self.enabled.iter().rev() {
            let off: Vec<String> = ctrls.iter().map(|c| format!("-{c}")).collect();
            let _ = write_file(file, &off.join(" "));
        }
    }
}

/// The cgroups a create/set/exec works on, with what it made.
pub struct Made {
    pub groups: Vec<Group>,
    /// Directories that did not exist before, parents first.
    pub created: Vec<MadeDir>,
}

/// The controllers `writes` and `extra` need, sorted, without duplicates.
fn needed(writes: &[KnobWrite], extra: &[String]) -> Vec<String> {
    let mut set: BTreeSet<String> = writes
        .iter()
        .map(|w| w.controller.clone())
        .filter(|c| !c.is_empty())
        .collect();
    set.extend(extra.iter().cloned());
    set.into_iter().collect()
}

impl Cgroupfs {
    /// Create `path` as `create` says (parents too), enable what it needs, and write `limits`.
    /// Everything made is taken back on failure.
    pub fn apply(
        &self,
        path: &str,
        limits: &Limits,
        controllers: &[String],
        create: Create,
    ) -> Result<Made> {
        self.apply_unless(path, limits, controllers, create, || Ok(()))
    }

    /// [`Cgroupfs::apply`], then `keep`: when it fails (a signal came meanwhile, say),
    /// everything made and written is taken back as after a failed step, and its error is the
    /// result.
    pub fn apply_unless(
        &self,
        path: &str,
        limits: &Limits,
        controllers: &[String],
        create: Create,
        keep: impl FnOnce() -> Result<()>,
    ) -> Result<Made> {
        check_path(path)?;
        let writes = writes(limits, self.mode)?;
        let needed = needed(&writes, controllers);
        let mut undo = Undo::default();
        let applied = self
            .apply_inner(path, &writes, &needed, create, &mut undo)
            .and_then(|groups| keep().map(|()| groups));
        match applied {
            Ok(groups) => Ok(Made {
                groups,
                created: undo.dirs,
            }),
            Err(e) => {
                undo.rollback();
                Err(e)
            }
        }
    }

    fn apply_inner(
        &self,
        path: &str,
        writes: &[KnobWrite],
        needed: &[String],
        create: Create,
        undo: &mut Undo,
    ) -> Result<Vec<Group>> {
        let groups = self.groups_for(path, needed, create)?;
        match create {
            Create::Never => {
                for g in &groups {
                    if !g.present()? {
                        return Err(Error::sys(
                            format!("cgroup {path} ({})", g.dir().display()),
                            Errno::ENOENT,
                        ));
                    }
                }
            }
            Create::New => {
                for g in &groups {
                    if g.present()? {
                        return Err(exists_already(path, g));
                    }
                }
            }
            Create::IfMissing => {}
        }
        // v2: what the ancestors must enable, refused before anything is made when bound to fail.
        let enables = match self.mode {
            Mode::V2 => v2::plan_enable(&groups[0], needed)?,
            Mode::V1 => Vec::new(),
        };
        for g in &groups {
            make(g, (create == Create::New).then_some(path), undo)?;
        }
        v2::enable(&enables, &mut undo.enabled)?;
        // Every file must exist before any is written.
        let target = |wr: &KnobWrite| -> &Group {
            match self.mode {
                Mode::V2 => &groups[0],
                Mode::V1 => groups
                    .iter()
                    .find(|g| g.hier.controller == wr.controller)
                    .unwrap_or(&groups[0]),
            }
        };
        for wr in writes {
            let g = target(wr);
            let f = g.file(&wr.file);
            if probe(&f, false)? {
                continue;
            }
            let why = match self.mode {
                Mode::V1 => v1::why_missing(&wr.file, &wr.controller),
                Mode::V2 => v2::why_missing(&wr.file, &wr.controller),
            };
            let Some(why) = why else {
                return Err(Error::new(format!(
                    "unknown knob '{}': no such file in {}",
                    wr.file,
                    g.dir().display()
                )));
            };
            return Err(Error::new(format!("{} does not exist: {why}", f.display())));
        }
        // What the files held, to put back if a write fails half way.
        for wr in writes {
            let f = target(wr).file(&wr.file);
            if let Ok(old) = std::fs::read_to_string(&f) {
                undo.values.push((f, old));
            }
        }
        let file_of = |wr: &KnobWrite| target(wr).file(&wr.file);
        match self.mode {
            Mode::V1 => v1::write_all(writes, &file_of)?,
            Mode::V2 => {
                for wr in writes {
                    write_limit(&file_of(wr), &wr.value)?;
                }
            }
        }
        Ok(groups)
    }

    /// The cgroups of `path` that [`apply`](Self::apply) works on, computed without touching
    /// anything. On v1: the hierarchies of the limits; the home one (so that every subcommand
    /// works on the cgroup whatever its limits); and for [`Create::IfMissing`] those where it
    /// exists already (so that `exec` joins it there too). v1 ones first. [`Create::New`] looks
    /// no further than the hierarchies it makes the cgroup in: their `mkdir` is the check.
    fn groups_for(&self, path: &str, needed: &[String], create: Create) -> Result<Vec<Group>> {
        check_path(path)?;
        if self.mode == Mode::V2 {
            return Ok(vec![self.group("", path)?]);
        }
        if needed.is_empty() && create == Create::Never {
            return self.existing(path, &[]);
        }
        let mut controllers: Vec<&str> = needed.iter().map(String::as_str).collect();
        if create != Create::Never {
            match self.home() {
                Some(home) if !controllers.contains(&home) => controllers.push(home),
                Some(_) => {}
                None if controllers.is_empty() => {
                    return Err(Error::usage(format!(
                        "no controller to create {path} in: give a limit or --controllers \
                         (no cgroup2 or freezer hierarchy under {})",
                        self.root.display()
                    )))
                }
                None => {}
            }
        }
        let mut groups: Vec<Group> = controllers
            .iter()
            .map(|c| self.group(c, path))
            .collect::<Result<_>>()?;
        if create == Create::IfMissing {
            for g in self.candidates(path, &[])? {
                if g.present()? && !groups.iter().any(|have| same_hierarchy(have, &g)) {
                    groups.push(g);
                }
            }
        }
        groups.sort_by_key(|g| g.hier.mode() == Mode::V2);
        Ok(groups)
    }

    /// The cgroups `apply(path, limits, controllers, create)` would work on, found without
    /// touching anything.
    pub fn targets(
        &self,
        path: &str,
        limits: &Limits,
        controllers: &[String],
        create: Create,
    ) -> Result<Vec<Group>> {
        let writes = writes(limits, self.mode)?;
        self.groups_for(path, &needed(&writes, controllers), create)
    }
}

/// Make the cgroup's directory and its missing parents (with `fresh`, the user's path, the
/// cgroup itself must be made by this call), each prepared as its layout needs.
fn make(g: &Group, fresh: Option<&str>, undo: &mut Undo) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let mut cg = String::new();
    for part in g.path.split('/').filter(|p| !p.is_empty()) {
        let parent = g.at(&cg);
        cg.push('/');
        cg.push_str(part);
        let dir = g.at(&cg);
        let leaf = cg == g.path;
        let fresh_leaf = fresh.filter(|_| leaf);
        if is_dir(&dir) && fresh_leaf.is_none() {
            continue;
        }
        let exists = |e: &std::io::Error| e.raw_os_error() == Some(libc::EEXIST);
        match (std::fs::create_dir(&dir), fresh_leaf) {
            (Err(e), Some(user_path)) if exists(&e) => return Err(exists_already(user_path, g)),
            (Err(e), None) if exists(&e) => continue,
            (r, _) => r.context(|| format!("cannot create {}", dir.display()))?,
        }
        let ino = match std::fs::symlink_metadata(&dir) {
            Ok(m) => m.ino(),
            Err(e) => {
                // Just made by us, and not yet in `undo`: take it back here.
                let _ = std::fs::remove_dir(&dir);
                return Err(e).context(|| format!("cannot stat {}", dir.display()));
            }
        };
        undo.dirs.push(MadeDir {
            path: dir.clone(),
            ino,
        });
        if g.hier.mode() == Mode::V1 {
            v1::prepare_new(&g.hier.controller, &parent, &dir)?;
        }
    }
    Ok(())
}

/// Whether two groups are in one hierarchy (`cpu` and `cpuacct` may be one mount).
fn same_hierarchy(a: &Group, b: &Group) -> bool {
    use std::os::unix::fs::MetadataExt;
    let id = |g: &Group| {
        std::fs::metadata(&g.hier.mount)
            .map(|m| (m.dev(), m.ino()))
            .ok()
    };
    a.hier.controller == b.hier.controller || (id(a).is_some() && id(a) == id(b))
}

/// `Create::New` found the cgroup made already (before us, or by a concurrent run).
fn exists_already(path: &str, g: &Group) -> Error {
    Error::new(format!(
        "cannot use --rm on {path}: {} exists already (--rm only removes a cgroup it creates)",
        g.dir().display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::fixture::{changed, fs_v2, owned, snapshot, v2_fixture};
    use crate::cgroup::limits::{parse_io_max, Limit};
    use crate::cgroup::procfs::SelfCgroup;
    use crate::testutil::TempDir;
    use std::fs;
    use std::path::Path;
    use Limit::{Max, Value};

    fn limits(f: impl FnOnce(&mut Limits)) -> Limits {
        let mut l = Limits::default();
        f(&mut l);
        l
    }
    #[test]
    fn v2_set_writes_exactly_these_files() {
        let t = v2_fixture(&["me/box"]);
        let fs = fs_v2(&t, "/me");
        let before = snapshot(t.path());
        let l = limits(|l| {
            l.memory = Some(Value(256 << 20));
            l.memory_high = Some(Max);
            l.swap = Some(Value(0));
            l.pids = Some(Value(64));
            l.cpus = Some(Value(50_000));
            l.cpu_weight = Some(200);
            l.cpuset = Some("0-1".into());
            l.io_max = vec![parse_io_max("8:16,rbps=2M,wbps=max,riops=100").unwrap()];
            l.set = vec![("memory.oom.group".into(), "1".into())];
        });
        let made = fs.apply("box", &l, &[], Create::IfMissing).unwrap();
        assert!(made.created.is_empty());
        assert_eq!(made.groups[0].path, "/me/box");
        let got = changed(&before, &snapshot(t.path()));
        let want = [
            ("cgroup.subtree_control", "+cpu +cpuset +io +memory +pids"),
            ("me/box/cpu.max", "50000 100000"),
            ("me/box/cpu.weight", "200"),
            ("me/box/cpuset.cpus", "0-1"),
            ("me/box/io.max", "8:16 rbps=2097152 wbps=max riops=100"),
            ("me/box/memory.high", "max"),
            ("me/box/memory.max", "268435456"),
            ("me/box/memory.oom.group", "1"),
            ("me/box/memory.swap.max", "0"),
            ("me/box/pids.max", "64"),
            (
                "me/cgroup.subtree_control",
                "+cpu +cpuset +io +memory +pids",
            ),
        ];
        assert_eq!(got, owned(&want));
    }

    #[test]
    fn v2_enables_only_missing_controllers() {
        let t = v2_fixture(&["box"]);
        fs::write(t.path().join("cgroup.subtree_control"), "memory pids\n").unwrap();
        let fs = fs_v2(&t, "/");
        let before = snapshot(t.path());
        let l = limits(|l| {
            l.pids = Some(Max);
            l.cpus = Some(Max);
        });
        fs.apply("/box", &l, &[], Create::Never).unwrap();
        let got = changed(&before, &snapshot(t.path()));
        let want = [
            ("box/cpu.max", "max 100000"),
            ("box/pids.max", "max"),
            ("cgroup.subtree_control", "+cpu"),
        ];
        assert_eq!(got, owned(&want));
    }

    #[test]
    fn v2_failure_takes_everything_back() {
        // The fixture's new directory has no knob files (no kernel fills it): the write fails
        // after mkdir and enabling, and both are undone.
        let t = v2_fixture(&[]);
        fs::write(t.path().join("cgroup.subtree_control"), "io").unwrap();
        let fs = fs_v2(&t, "/");
        let before = snapshot(t.path());
        let l = limits(|l| l.memory = Some(Value(1 << 20)));
        let e = fs.apply("a", &l, &[], Create::IfMissing).err().unwrap();
        assert_eq!(
            e.to_string(),
            format!(
                "{}/a/memory.max does not exist: is the memory controller enabled?",
                t.path().display()
            )
        );
        assert!(!t.path().join("a").exists());
        let after = snapshot(t.path());
        assert_eq!(
            changed(&before, &after),
            [("cgroup.subtree_control".to_string(), "-memory".to_string())]
        );
    }

    #[test]
    fn v2_refuses_before_writing() {
        let t = v2_fixture(&["box"]);
        fs::write(t.path().join("cgroup.controllers"), "memory pids\n").unwrap();
        fs::write(t.path().join("cgroup.subtree_control"), "memory pids\n").unwrap();
        let fs = fs_v2(&t, "/");
        let before = snapshot(t.path());
        let l = limits(|l| l.cpus = Some(Value(1000)));
        let e = fs.apply("box", &l, &[], Create::IfMissing).err().unwrap();
        assert_eq!(
            e.to_string(),
            format!(
                "cannot enable the cpu controller for /box: {}/cgroup.controllers does not offer \
                 it (it is not enabled in the parent's cgroup.subtree_control, or not delegated \
                 to you)",
                t.path().display()
            )
        );
        let l = limits(|l| l.set = vec![("memory.bogus".into(), "1".into())]);
        let e = fs.apply("box", &l, &[], Create::IfMissing).err().unwrap();
        assert!(e
            .to_string()
            .starts_with("unknown knob 'memory.bogus': no such file"));
        let e = fs
            .apply("new", &Limits::default(), &[], Create::Never)
            .err()
            .unwrap();
        assert!(e.to_string().contains("No such file or directory"), "{e}");
        assert_eq!(snapshot(t.path()), before);
        assert!(!t.path().join("new").exists());
    }

    /// A cgroup with processes of its own cannot hand controllers to its children (the
    /// no-internal-process rule): refused in one line before anything is written, for the
    /// threaded controllers (pids, cpu, cpuset: the kernel would accept them and leave every
    /// child an invalid domain) as for the domain ones.
    #[test]
    fn v2_busy_cgroup_is_refused_before_enabling() {
        let t = v2_fixture(&["s", "other"]);
        fs::write(t.path().join("s/cgroup.procs"), "4242\n").unwrap();
        fs::write(t.path().join("other/cgroup.procs"), "4243\n").unwrap();
        fs::write(t.path().join("cgroup.subtree_control"), "memory pids\n").unwrap();
        let fs = fs_v2(&t, "/s");
        let before = snapshot(t.path());
        for l in [
            limits(|l| l.pids = Some(Value(64))),
            limits(|l| l.memory = Some(Value(64 << 20))),
        ] {
            let e = fs.apply("build", &l, &[], Create::New).err().unwrap();
            let c = if l.pids.is_some() { "pids" } else { "memory" };
            assert_eq!(
                e.to_string(),
                format!(
                    "cannot enable {c} in {dir}/cgroup.subtree_control: the no-internal-process \
                     rule: {dir} has processes of its own, so it cannot hand controllers to its \
                     children; it is your own cgroup: a relative path goes beside it only where \
                     you own its parent (delegated to you), so give a path elsewhere, or start \
                     from a leaf below a delegated cgroup",
                    dir = t.path().join("s").display()
                )
            );
            assert_eq!(snapshot(t.path()), before);
            let l = limits(|l| l.cpus = Some(Value(50_000)));
            let e = fs
                .apply("/other/x", &l, &[], Create::IfMissing)
                .err()
                .unwrap();
            assert!(
                e.to_string().ends_with(&format!(
                    "{} has processes of its own, so it cannot hand controllers to its \
                     children; move them into a leaf cgroup first",
                    t.path().join("other").display()
                )),
                "{e}"
            );
            assert_eq!(snapshot(t.path()), before);
        }
        // Nothing to enable: a cgroup below a busy one is fine (no limit needs a controller).
        let made = fs
            .apply("build", &Limits::default(), &[], Create::New)
            .unwrap();
        assert_eq!(made.groups[0].path, "/s/build");
    }

    /// On v2 a relative path starts beside the caller's own cgroup when its parent is delegated
    /// to the caller (not root, owner of the parent, its cgroup.procs and
    /// cgroup.subtree_control), and below it otherwise.
    #[test]
    fn v2_relative_paths_start_at_a_delegated_parent() {
        let t = v2_fixture(&["deleg/session"]);
        let me = match nix::unistd::geteuid().as_raw() {
            0 => {
                // As root: hand the subtree to uid 1000, as systemd's Delegate=yes does.
                for p in ["deleg", "deleg/session"] {
                    for f in ["", "cgroup.procs", "cgroup.subtree_control"] {
                        let path = t.path().join(p).join(f);
                        std::os::unix::fs::chown(&path, Some(1000), Some(1000)).unwrap();
                    }
                }
                1000
            }
            uid => uid,
        };
        let path_for = |own: &str, euid: u32, path: &str| {
            let fs = fs_v2(&t, own).with_euid(euid);
            let g = fs.targets(path, &Limits::default(), &[], Create::IfMissing);
            g.unwrap()[0].path.clone()
        };
        assert_eq!(path_for("/deleg/session", me, "job"), "/deleg/job");
        assert_eq!(path_for("/deleg/session", me, "a/b"), "/deleg/a/b");
        assert_eq!(path_for("/deleg/session", me, "."), "/deleg");
        assert_eq!(path_for("/deleg/session", me, "/x"), "/x");
        // Not the owner, or root: below its own cgroup.
        assert_eq!(
            path_for("/deleg/session", me + 1, "job"),
            "/deleg/session/job"
        );
        assert_eq!(path_for("/deleg/session", 0, "job"), "/deleg/session/job");
        // The hierarchy's root is never delegated.
        assert_eq!(path_for("/deleg", me, "job"), "/deleg/job");
        assert_eq!(path_for("/", me, "job"), "/job");
        // Every file must be the caller's: a parent whose cgroup.subtree_control is not stays out.
        if me == 1000 {
            let f = t.path().join("deleg/cgroup.subtree_control");
            std::os::unix::fs::chown(&f, Some(0), Some(0)).unwrap();
            assert_eq!(path_for("/deleg/session", me, "job"), "/deleg/session/job");
        }
    }

    /// A subtree delegated at `me`: the ancestors above enable the controllers already; only
    /// what is missing below is written, and a controller not handed down is refused by name.
    #[test]
    fn v2_enables_only_below_what_is_on() {
        let t = v2_fixture(&["me/a/box"]);
        fs::write(t.path().join("cgroup.subtree_control"), "memory pids\n").unwrap();
        fs::write(t.path().join("me/cgroup.controllers"), "memory pids\n").unwrap();
        fs::write(t.path().join("me/cgroup.subtree_control"), "pids\n").unwrap();
        fs::write(t.path().join("me/a/cgroup.controllers"), "pids\n").unwrap();
        let fs = fs_v2(&t, "/me");
        let before = snapshot(t.path());
        let l = limits(|l| {
            l.memory = Some(Value(1 << 20));
            l.pids = Some(Value(5));
        });
        fs.apply("a/box", &l, &[], Create::Never).unwrap();
        assert_eq!(
            changed(&before, &snapshot(t.path())),
            owned(&[
                ("me/a/box/memory.max", "1048576"),
                ("me/a/box/pids.max", "5"),
                ("me/a/cgroup.subtree_control", "+memory +pids"),
                ("me/cgroup.subtree_control", "+memory"),
            ])
        );
        // cpu is on at the root, and missing first in me, which does not offer it: refused by
        // name before anything is written.
        fs::write(t.path().join("cgroup.subtree_control"), "cpu memory pids\n").unwrap();
        let before = snapshot(t.path());
        let l = limits(|l| l.cpus = Some(Value(50_000)));
        let e = fs.apply("a/box", &l, &[], Create::Never).err().unwrap();
        assert_eq!(
            e.to_string(),
            format!(
                "cannot enable the cpu controller for /me/a/box: {}/me/cgroup.controllers does \
                 not offer it (it is not enabled in the parent's cgroup.subtree_control, or not \
                 delegated to you)",
                t.path().display()
            )
        );
        assert_eq!(snapshot(t.path()), before);
    }

    #[test]
    fn v2_refusals_name_the_file_and_the_rule() {
        let f = Path::new("/sys/fs/cgroup/user.slice/cgroup.subtree_control");
        let c = ["memory".to_string()];
        let msg = |errno| v2::why_not_enabled(f, &c, errno).to_string();
        assert_eq!(
            msg(Errno::EBUSY),
            "cannot enable memory in /sys/fs/cgroup/user.slice/cgroup.subtree_control: Device or \
             resource busy (the no-internal-process rule: /sys/fs/cgroup/user.slice has processes \
             of its own, so it cannot hand controllers to its children; move them into a leaf \
             cgroup first)"
        );
        assert_eq!(
            msg(Errno::EACCES),
            "cannot enable memory in /sys/fs/cgroup/user.slice/cgroup.subtree_control: Permission \
             denied (the caller may not write it: /sys/fs/cgroup/user.slice is above the subtree \
             delegated to you, and only its owner can enable controllers there)"
        );
        assert_eq!(
            msg(Errno::ENOENT),
            "cannot enable memory in /sys/fs/cgroup/user.slice/cgroup.subtree_control: No such \
             file or directory (/sys/fs/cgroup/user.slice/cgroup.controllers does not offer it: \
             it is not enabled in the parent's cgroup.subtree_control, or not delegated to you)"
        );
        assert!(msg(Errno::EOPNOTSUPP).contains("is a threaded cgroup"));
        assert_eq!(
            msg(Errno::EIO),
            "cannot enable memory in /sys/fs/cgroup/user.slice/cgroup.subtree_control: I/O error"
        );
        for m in [msg(Errno::EBUSY), msg(Errno::EACCES), msg(Errno::ENOENT)] {
            assert!(!m.contains('\n'), "{m}");
        }
    }

    #[test]
    fn v2_failed_write_restores_earlier_ones() {
        let t = v2_fixture(&["box"]);
        fs::write(t.path().join("cgroup.subtree_control"), "memory pids\n").unwrap();
        // A directory where a knob should be: it exists, but cannot be written.
        fs::remove_file(t.path().join("box/pids.max")).unwrap();
        fs::create_dir(t.path().join("box/pids.max")).unwrap();
        let fs = fs_v2(&t, "/");
        let before = snapshot(t.path());
        let l = limits(|l| {
            l.memory = Some(Value(1 << 20));
            l.pids = Some(Value(3));
        });
        let e = fs.apply("box", &l, &[], Create::Never).err().unwrap();
        assert!(e.to_string().contains("pids.max: Is a directory"), "{e}");
        assert_eq!(snapshot(t.path()), before);
    }

    #[test]
    fn v2_symlink_escape_is_refused() {
        let t = v2_fixture(&[]);
        let outside = TempDir::new("cgout");
        std::os::unix::fs::symlink(outside.path(), t.path().join("link")).unwrap();
        let fs = fs_v2(&t, "/");
        let e = fs
            .apply("link/x", &Limits::default(), &[], Create::IfMissing)
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .contains("is not a directory of the hierarchy"),
            "{e}"
        );
        assert!(fs::read_dir(outside.path()).unwrap().next().is_none());
    }

    #[test]
    fn v1_touches_only_needed_hierarchies() {
        let t = TempDir::new("cgv1");
        for c in ["memory", "pids", "cpu", "freezer"] {
            fs::create_dir_all(t.path().join(c).join("me")).unwrap();
        }
        for c in ["memory", "pids"] {
            fs::create_dir_all(t.path().join(c).join("me/box")).unwrap();
        }
        let own = SelfCgroup::parse("4:memory:/me\n3:pids:/me\n2:cpu:/me\n1:freezer:/me\n");
        let fs = Cgroupfs::open(t.path(), own).unwrap();
        assert_eq!((fs.mode, fs.home()), (Mode::V1, Some("freezer")));
        let mem = t.path().join("memory/me/box");
        fs::write(mem.join("memory.limit_in_bytes"), "untouched").unwrap();
        fs::write(t.path().join("pids/me/box/pids.max"), "untouched").unwrap();
        let before = snapshot(t.path());
        // No swap accounting: refused before any write, the home directory taken back.
        let l = limits(|l| {
            l.memory = Some(Value(1 << 20));
            l.swap = Some(Value(0));
        });
        let e = fs.apply("box", &l, &[], Create::IfMissing).err().unwrap();
        assert_eq!(
            e.to_string(),
            format!(
                "{}/memory.memsw.limit_in_bytes does not exist: --swap needs swap accounting, \
                 which is off (boot with swapaccount=1)",
                mem.display()
            )
        );
        assert_eq!(snapshot(t.path()), before);
        assert!(!t.path().join("freezer/me/box").exists());
        fs::write(mem.join("memory.memsw.limit_in_bytes"), "untouched").unwrap();
        let before = snapshot(t.path());
        let made = fs.apply("box", &l, &[], Create::IfMissing).unwrap();
        // The limits' hierarchy, the home one (made), and where it existed already (joined).
        let hiers: Vec<&str> = made
            .groups
            .iter()
            .map(|g| g.hier.controller.as_str())
            .collect();
        assert_eq!(hiers, ["memory", "freezer", "pids"]);
        assert_eq!(made.created.len(), 1);
        assert_eq!(made.created[0].path, t.path().join("freezer/me/box"));
        assert!(!t.path().join("cpu/me/box").exists());
        assert_eq!(
            changed(&before, &snapshot(t.path())),
            [
                (
                    "memory/me/box/memory.limit_in_bytes".into(),
                    "1048576".into()
                ),
                (
                    "memory/me/box/memory.memsw.limit_in_bytes".into(),
                    "1048576".into()
                ),
            ]
        );
        let before = snapshot(t.path());
        let l = limits(|l| l.pids = Some(Value(7)));
        fs.apply("/me/box", &l, &[], Create::Never).unwrap();
        assert_eq!(
            changed(&before, &snapshot(t.path())),
            [("pids/me/box/pids.max".into(), "7".into())]
        );
        let all = fs.existing("box", &[]).unwrap();
        let hiers: Vec<&str> = all.iter().map(|g| g.hier.controller.as_str()).collect();
        assert_eq!(hiers, ["memory", "freezer", "pids"]);
        let only = fs.existing("box", &["pids".to_string()]).unwrap();
        assert_eq!(only.len(), 1);
        let e = fs.existing("nothere", &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "cgroup nothere ({}/{{cpu,memory,freezer,pids}}/me/nothere): \
                 No such file or directory",
                t.path().display()
            )
        );
    }

    /// v1 hierarchies and the cgroup2 one at `unified`, as on a hybrid host.
    #[test]
    fn hybrid_cgroups_live_in_the_unified_hierarchy_too() {
        let t = TempDir::new("cghyb");
        for c in ["memory", "pids", "freezer"] {
            fs::create_dir_all(t.path().join(c)).unwrap();
        }
        let unified = t.path().join("unified");
        fs::create_dir_all(&unified).unwrap();
        fs::write(unified.join("cgroup.controllers"), "").unwrap();
        let own = SelfCgroup::parse("4:memory:/m\n3:pids:/\n1:freezer:/\n0::/u\n");
        fs::create_dir_all(t.path().join("memory/m")).unwrap();
        fs::create_dir_all(unified.join("u")).unwrap();
        let fs = Cgroupfs::open(t.path(), own).unwrap();
        assert_eq!(fs.mode, Mode::V1);
        assert_eq!(fs.unified.as_deref(), Some(unified.as_path()));
        assert_eq!(fs.home(), Some(""));
        // No limit: the cgroup2 hierarchy alone.
        let made = fs
            .apply("job", &Limits::default(), &[], Create::New)
            .unwrap();
        assert_eq!(made.groups.len(), 1);
        assert_eq!(made.groups[0].dir(), unified.join("u/job"));
        assert!(unified.join("u/job").is_dir());
        // A limit: its hierarchy, then the cgroup2 one (where `job` exists already: joined).
        fs::create_dir_all(t.path().join("pids/box")).unwrap();
        fs::write(t.path().join("pids/box/pids.max"), "max").unwrap();
        let l = limits(|l| l.pids = Some(Value(10)));
        let dirs: Vec<PathBuf> = fs
            .targets("box", &l, &[], Create::IfMissing)
            .unwrap()
            .iter()
            .map(Group::dir)
            .collect();
        assert_eq!(dirs, [t.path().join("pids/box"), unified.join("u/box")]);
        let made = fs.apply("box", &l, &[], Create::IfMissing).unwrap();
        assert_eq!(made.created.len(), 1);
        assert_eq!(made.created[0].path, unified.join("u/box"));
        // --rm: an existing cgroup is refused wherever it exists.
        let e = fs.apply("box", &l, &[], Create::New).err().unwrap();
        assert_eq!(
            e.to_string(),
            format!(
                "cannot use --rm on box: {}/pids/box exists already (--rm only removes a \
                 cgroup it creates)",
                t.path().display()
            )
        );
        let all = fs.existing("box", &[]).unwrap();
        let dirs: Vec<PathBuf> = all.iter().map(Group::dir).collect();
        assert_eq!(dirs, [t.path().join("pids/box"), unified.join("u/box")]);
    }
}
