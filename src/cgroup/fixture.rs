//! Fixture cgroup trees for unit tests (the root is injectable), and snapshots to diff them.

use std::fs;
use std::path::Path;

use super::fs::{Cgroupfs, Mode};
use super::procfs::SelfCgroup;
use crate::testutil::TempDir;

/// A v2 root as the kernel lays it out, with the knob files of `dirs` (cgroup paths).
pub fn v2_fixture(dirs: &[&str]) -> TempDir {
    let t = TempDir::new("cgv2");
    let core = |d: &Path| {
        fs::write(d.join("cgroup.controllers"), "cpuset cpu io memory pids\n").unwrap();
        fs::write(d.join("cgroup.subtree_control"), "").unwrap();
        fs::write(d.join("cgroup.procs"), "").unwrap();
    };
    core(t.path());
    for d in dirs {
        let dir = t.path().join(d);
        fs::create_dir_all(&dir).unwrap();
        let mut up = dir.as_path();
        while up != t.path() {
            core(up);
            up = up.parent().unwrap();
        }
        for f in [
            "memory.max",
            "memory.high",
            "memory.swap.max",
            "pids.max",
            "cpu.max",
            "cpu.weight",
            "cpuset.cpus",
            "io.max",
            "memory.oom.group",
        ] {
            fs::write(dir.join(f), "untouched").unwrap();
        }
    }
    t
}

pub fn fs_v2(t: &TempDir, own: &str) -> Cgroupfs {
    let own = SelfCgroup::parse(&format!("0::{own}\n"));
    let fs = Cgroupfs::open(t.path(), own).unwrap();
    assert_eq!(fs.mode, Mode::V2);
    fs
}

/// Every regular file under `root` with its content, sorted by path.
pub fn snapshot(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.push((rel, fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Expected `(file, content)` pairs in the form `changed` returns.
pub fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

pub fn changed(before: &[(String, String)], after: &[(String, String)]) -> Vec<(String, String)> {
    after
        .iter()
        .filter(|a| !before.contains(a))
        .cloned()
        .collect()
}
