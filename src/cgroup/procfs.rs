//! What `/proc` says about cgroups: the caller's cgroup in each hierarchy (`/proc/self/cgroup`)
//! and where the hierarchies are mounted (`/proc/self/mountinfo`). Pure parsing, plus the one read
//! of `/proc/self/cgroup`; `nsenter -c` and `nscgroup` both use it.

use crate::error::{Context, Result};

/// The caller's cgroup per hierarchy, from the text of `/proc/self/cgroup`.
#[derive(Clone, Debug, Default)]
pub struct SelfCgroup {
    lines: Vec<CgroupLine>,
}

impl SelfCgroup {
    pub fn parse(text: &str) -> SelfCgroup {
        SelfCgroup {
            lines: parse_cgroup_file(text),
        }
    }

    pub fn read() -> Result<SelfCgroup> {
        let text = std::fs::read_to_string("/proc/self/cgroup")
            .context(|| "cannot read /proc/self/cgroup")?;
        Ok(SelfCgroup::parse(&text))
    }

    /// The path in the hierarchy of `controller` (`""`: the v2 hierarchy).
    pub fn path(&self, controller: &str) -> Option<&str> {
        self.lines
            .iter()
            .find(|l| {
                let mut c = l.each_controller();
                if controller.is_empty() {
                    c.next().is_none()
                } else {
                    c.any(|c| c == controller)
                }
            })
            .map(|l| l.path.as_str())
    }

    /// Whether the caller is in the cgroup `line` names, in that line's hierarchy.
    pub fn contains(&self, line: &CgroupLine) -> bool {
        self.lines.contains(line)
    }
}

/// One line of `/proc/PID/cgroup`: hierarchy id, controllers (empty for v2), path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CgroupLine {
    pub hierarchy: String,
    pub controllers: String,
    pub path: String,
}

impl CgroupLine {
    /// The controllers the line names (none for v2's; `name=systemd` for a named hierarchy).
    pub fn each_controller(&self) -> impl Iterator<Item = &str> {
        self.controllers.split(',').filter(|c| !c.is_empty())
    }
}

/// The lines of a `/proc/PID/cgroup` text (malformed lines skipped).
pub fn parse_cgroup_file(text: &str) -> Vec<CgroupLine> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, ':');
            Some(CgroupLine {
                hierarchy: f.next()?.to_string(),
                controllers: f.next()?.to_string(),
                path: f.next()?.to_string(),
            })
        })
        .collect()
}

/// A cgroup mount from mountinfo: its root within the hierarchy, mount point, and super
/// options (`rw,memory`, `rw,name=systemd`); `v2` for cgroup2.
#[derive(Debug, PartialEq, Eq)]
pub struct CgroupMount {
    pub root: String,
    pub point: String,
    pub v2: bool,
    pub options: Vec<String>,
}

/// Mountinfo escapes spaces, tabs, newlines and backslashes as octal.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn parse_cgroup_mounts(mountinfo: &str) -> Vec<CgroupMount> {
    mountinfo
        .lines()
        .filter_map(|l| {
            let (left, right) = l.split_once(" - ")?;
            let left: Vec<&str> = left.split(' ').collect();
            let mut right = right.split(' ');
            let fstype = right.next()?;
            let _source = right.next()?;
            let options = right.next()?;
            let v2 = match fstype {
                "cgroup2" => true,
                "cgroup" => false,
                _ => return None,
            };
            Some(CgroupMount {
                root: unescape(left.get(3)?),
                point: unescape(left.get(4)?),
                v2,
                options: options.split(',').map(str::to_string).collect(),
            })
        })
        .collect()
}

/// The `cgroup.procs` file (under a mount of `mounts`) of the cgroup `line` names, if the
/// hierarchy is mounted and the cgroup is below the mount's root.
pub fn cgroup_procs_path(mounts: &[CgroupMount], line: &CgroupLine) -> Option<String> {
    let v2 = line.hierarchy == "0" && line.controllers.is_empty();
    let wanted: Vec<&str> = line.each_controller().collect();
    let m = mounts
        .iter()
        .find(|m| m.v2 == v2 && (v2 || wanted.iter().all(|c| m.options.iter().any(|o| o == c))))?;
    let rel = if m.root == "/" {
        line.path.as_str()
    } else {
        let rest = line.path.strip_prefix(m.root.as_str())?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        rest
    };
    let rel = rel.trim_start_matches('/');
    let dir = m.point.trim_end_matches('/');
    Some(if rel.is_empty() {
        format!("{dir}/cgroup.procs")
    } else {
        format!("{dir}/{rel}/cgroup.procs")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_file_lines() {
        let lines = parse_cgroup_file("4:memory:/a:b\n0::/\nbad\n1:cpu,cpuacct:/c\n");
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].path, "/a:b");
        assert_eq!(lines[1].each_controller().count(), 0);
        let c: Vec<&str> = lines[2].each_controller().collect();
        assert_eq!(c, ["cpu", "cpuacct"]);
        let s = SelfCgroup::parse("4:memory:/a:b\n");
        assert!(s.contains(&lines[0]) && !s.contains(&lines[1]));
    }

    #[test]
    fn self_cgroup_per_hierarchy() {
        let s = SelfCgroup::parse(
            "9:name=systemd:/\n4:memory:/process_api/abc\n1:cpu,cpuacct:/c\n0::/u\n",
        );
        assert_eq!(s.path("memory"), Some("/process_api/abc"));
        assert_eq!(s.path("cpuacct"), Some("/c"));
        assert_eq!(s.path("cpu"), Some("/c"));
        assert_eq!(s.path(""), Some("/u"));
        assert_eq!(s.path("pids"), None);
    }

    const MOUNTINFO: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
40 31 0:37 /sub /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified\\040dir rw,relatime - cgroup2 cgroup2 rw
";

    #[test]
    fn cgroup_procs_paths() {
        let mounts = parse_cgroup_mounts(MOUNTINFO);
        assert_eq!(mounts.len(), 4);
        let path = |l: &str| cgroup_procs_path(&mounts, &parse_cgroup_file(l)[0]);
        assert_eq!(
            path("4:memory:/a/b").as_deref(),
            Some("/sys/fs/cgroup/memory/a/b/cgroup.procs")
        );
        assert_eq!(
            path("2:cpu,cpuacct:/").as_deref(),
            Some("/sys/fs/cgroup/cpu,cpuacct/cgroup.procs")
        );
        assert_eq!(
            path("0::/x").as_deref(),
            Some("/sys/fs/cgroup/unified dir/x/cgroup.procs")
        );
        assert_eq!(
            path("9:name=systemd:/sub/c").as_deref(),
            Some("/sys/fs/cgroup/systemd/c/cgroup.procs")
        );
        assert_eq!(path("9:name=systemd:/other"), None);
        assert_eq!(path("9:name=systemd:/subx"), None);
        assert_eq!(path("7:blkio:/"), None);
    }
}
