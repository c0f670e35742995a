//! What a cgroup holds and uses: usage figures as `key value` lines or one JSON object, OOM kills,
//! and the cgroups below one.

use std::collections::BTreeSet;

use super::fs::{Group, Mode};
use super::{v1, v2};
use crate::error::Result;

/// Usage figures of a cgroup (over its hierarchies), each present when its file is; the first
/// hierarchy that has a figure gives it (v1 ones come first: a cgroup made with the v1 freezer is
/// frozen there).
pub fn stat(groups: &[Group]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for g in groups {
        let mut add = |k: String, v: Option<String>| {
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

/// The CPU bandwidth limit among `groups`, as v2 writes it (`50000 100000`, `max 100000`).
pub fn cpu_max(groups: &[Group]) -> Option<String> {
    groups.iter().find_map(|g| match g.hier.mode() {
        Mode::V2 => v2::cpu_max(g),
        Mode::V1 => v1::cpu_max(g),
    })
}

/// Whether `v` is a plain decimal number (`12`, `0.25`), printed bare in JSON.
fn is_number(v: &str) -> bool {
    let (int, frac) = v.split_once('.').unwrap_or((v, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int) && digits(frac) && (int == "0" || !int.starts_with('0'))
}

/// `key value` lines, or one JSON object (numbers as numbers, `max` as a string).
pub fn format_stat(path: &str, figures: &[(String, String)], json: bool) -> String {
    if !json {
        return figures.iter().map(|(k, v)| format!("{k} {v}\n")).collect();
    }
    use crate::json::Value;
    let figures = figures.iter().map(|(k, v)| {
        let v = if is_number(v) {
            Value::raw(v)
        } else {
            Value::str(v)
        };
        (k.as_str(), v)
    });
    Value::obj(std::iter::once(("path", Value::str(path))).chain(figures)).line()
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
        // What the kernel shows in a v2 cgroup with memory, pids and cpu enabled.
        for (f, v) in [
            ("memory.current", "4096\n"),
            ("memory.peak", "8192\n"),
            ("memory.max", "max\n"),
            ("memory.high", "max\n"),
            (
                "memory.events",
                "low 0\nhigh 2\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n",
            ),
            ("memory.swap.current", "0\n"),
            ("memory.swap.max", "0\n"),
            ("memory.oom.group", "1\n"),
            ("pids.current", "2\n"),
            ("pids.max", "20\n"),
            ("pids.events", "max 5\n"),
            (
                "cpu.stat",
                "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\n\
                 nr_throttled 4\nthrottled_usec 250\nnr_bursts 0\nburst_usec 0\n",
            ),
            (
                "cpu.pressure",
                "some avg10=1.50 avg60=0.25 avg300=0.00 total=1234\n\
                 full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
            ),
            ("cgroup.events", "populated 1\nfrozen 0\n"),
        ] {
            fs::write(b.join(f), v).unwrap();
        }
        let fs = fs_v2(&t, "/");
        let groups = fs.existing("box", &[]).unwrap();
        let figures = stat(&groups);
        assert_eq!(
            format_stat("box", &figures, false),
            "memory.current 4096\nmemory.peak 8192\nmemory.max max\nmemory.high max\n\
             memory.oom_kills 1\nmemory.events.oom 1\nmemory.events.oom_kill 1\n\
             memory.events.max 3\nmemory.events.high 2\nmemory.swap.current 0\n\
             memory.swap.max 0\nmemory.oom.group 1\npids.current 2\npids.max 20\n\
             pids.events.max 5\ncpu.usage_usec 1500\ncpu.user_usec 1000\n\
             cpu.system_usec 500\ncpu.nr_periods 10\ncpu.nr_throttled 4\n\
             cpu.throttled_usec 250\ncpu.pressure.some.avg10 1.50\n\
             cpu.pressure.some.avg60 0.25\ncpu.pressure.some.avg300 0.00\n\
             cpu.pressure.some.total 1234\ncpu.pressure.full.avg10 0.00\n\
             cpu.pressure.full.avg60 0.00\ncpu.pressure.full.avg300 0.00\n\
             cpu.pressure.full.total 0\npopulated 1\nfrozen 0\n"
        );
        let json = format_stat("box", &figures, true);
        assert!(
            json.starts_with(
                "{\"path\":\"box\",\"memory.current\":4096,\"memory.peak\":8192,\
                 \"memory.max\":\"max\","
            ),
            "{json}"
        );
        assert!(
            json.contains(",\"cpu.pressure.some.avg10\":1.50,\"cpu.pressure.some.avg60\":0.25,"),
            "{json}"
        );
        assert!(json.ends_with(",\"populated\":1,\"frozen\":0}\n"), "{json}");
        for (v, number) in [
            ("0", true),
            ("12", true),
            ("0.00", true),
            ("1.5", true),
            ("max", false),
            ("01", false),
            ("1.", false),
            (".5", false),
            ("-1", false),
            ("", false),
        ] {
            assert_eq!(is_number(v), number, "{v:?}");
        }
        assert_eq!(oom_kills(&groups), Some(1));
        fs::write(b.join("cpu.max"), "50000 100000\n").unwrap();
        assert_eq!(cpu_max(&groups).as_deref(), Some("50000 100000"));
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
