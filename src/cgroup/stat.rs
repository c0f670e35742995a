//! What a cgroup holds and uses: usage figures as `key value` lines or one JSON object, OOM kills,
//! and the cgroups below one.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::fs::{Group, Mode};
use super::{v1, v2};
use crate::error::Result;

/// Usage figures of a cgroup (over its hierarchies), each present when its file is; the first
/// hierarchy that has a figure gives it.
pub fn stat(groups: &[Group]) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for g in groups {
        let mut add = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                if !out.iter().any(|(have, _)| *have == k) {
                    out.push((k, v));
                }
            }
        };
        match g.hier.mode() {
            Mode::V2 => v2::figures(g, &mut add),
            Mode::V1 => v1::figures(g, &mut add),
        }
    }
    out
}

/// The OOM kills counted in the memory cgroup among `groups` (`None` without one).
pub fn oom_kills(groups: &[Group]) -> Option<u64> {
    groups.iter().find_map(|g| match g.hier.mode() {
        Mode::V2 => v2::oom_kills(g),
        Mode::V1 => v1::oom_kills(g),
    })
}

/// `key value` lines, or one JSON object (numbers as numbers, `max` as a string).
pub fn format_stat(path: &str, figures: &[(&str, String)], json: bool) -> String {
    if !json {
        return figures.iter().map(|(k, v)| format!("{k} {v}\n")).collect();
    }
    let mut s = format!("{{\"path\":{}", crate::cli::json_string(path));
    for (k, v) in figures {
        if v.parse::<u64>().is_ok() {
            let _ = write!(s, ",\"{k}\":{v}");
        } else {
            let _ = write!(s, ",\"{k}\":{}", crate::cli::json_string(v));
        }
    }
    s.push_str("}\n");
    s
}

/// The cgroups below `path`, as paths usable on our command line (`path/child/...`), sorted and
/// merged over the hierarchies.
pub fn list(groups: &[Group], path: &str) -> Result<Vec<String>> {
    let mut set = BTreeSet::new();
    for g in groups {
        let base = g.dir();
        for dir in g.subtree()?.into_iter().skip(1) {
            if let Ok(rel) = dir.strip_prefix(&base) {
                let rel = rel.to_string_lossy();
                set.insert(if path == "." {
                    rel.into_owned()
                } else {
                    format!("{}/{rel}", path.trim_end_matches('/'))
                });
            }
        }
    }
    Ok(set.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::fixture::{fs_v2, v2_fixture};
    use std::fs;

    #[test]
    fn v2_stat_list_and_delete() {
        let t = v2_fixture(&["box", "box/sub"]);
        let b = t.path().join("box");
        fs::write(b.join("memory.current"), "4096\n").unwrap();
        fs::write(
            b.join("memory.events"),
            "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n",
        )
        .unwrap();
        fs::write(b.join("cgroup.events"), "populated 0\nfrozen 0\n").unwrap();
        fs::write(b.join("memory.max"), "max\n").unwrap();
        let fs = fs_v2(&t, "/");
        let groups = fs.existing("box", &[]).unwrap();
        let figures = stat(&groups);
        assert_eq!(
            format_stat("box", &figures, false),
            "memory.current 4096\nmemory.max max\nmemory.oom_kills 1\npids.max untouched\n\
             populated 0\nfrozen 0\n"
        );
        assert!(format_stat("box", &figures[..3], true)
            .starts_with("{\"path\":\"box\",\"memory.current\":4096,\"memory.max\":\"max\","));
        assert_eq!(oom_kills(&groups), Some(1));
        assert_eq!(list(&groups, "box").unwrap(), ["box/sub"]);
        let root = fs.existing(".", &[]).unwrap();
        assert_eq!(list(&root, ".").unwrap(), ["box", "box/sub"]);
        assert!(fs.delete(".", true, &[]).is_err());
        fs::write(b.join("sub/cgroup.procs"), "12345\n").unwrap();
        let e = fs.delete("box", false, &[]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot delete box: 1 process(es) in "),
            "{e}"
        );
        assert!(b.join("sub").exists());
    }
}
