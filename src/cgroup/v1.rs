//! What is particular to cgroup v1 (one hierarchy per controller): the files each limit writes,
//! a new cpuset's CPUs and memory nodes, the freezer, OOM kills and usage figures. Everything
//! here acts on one [`Group`] of one v1 hierarchy.

use std::path::{Path, PathBuf};

use nix::errno::Errno;

use super::fs::{keyed, probe, read, write_file, write_limit, Group};
use super::limits::{raw_writes, KnobWrite, Limit, Limits, CPU_PERIOD};
use crate::error::{Error, Result};

/// A limit as v1 writes it: no limit is `-1`.
fn minus_one_or_number(l: Limit) -> String {
    match l {
        Limit::Max => "-1".into(),
        Limit::Value(v) => v.to_string(),
    }
}

/// A limit as v1's `pids.max` writes it (like v2): no limit is `max`.
fn max_or_number(l: Limit) -> String {
    match l {
        Limit::Max => "max".into(),
        Limit::Value(v) => v.to_string(),
    }
}

/// A `blkio.throttle.*_device` value: no limit is `0`.
fn zero_or_number(l: Limit) -> u64 {
    match l {
        Limit::Max => 0,
        Limit::Value(v) => v,
    }
}

/// The files `limits` writes on v1, in order (each in its controller's hierarchy).
pub fn writes(limits: &Limits) -> Result<Vec<KnobWrite>> {
    let w = KnobWrite::new;
    let mut out = Vec::new();
    if let Some(v) = limits.memory {
        out.push(w("memory", "memory.limit_in_bytes", minus_one_or_number(v)));
    }
    if let Some(v) = limits.memory_high {
        out.push(w(
            "memory",
            "memory.soft_limit_in_bytes",
            minus_one_or_number(v),
        ));
    }
    if let Some(swap) = limits.swap {
        // v1 limits memory plus swap together.
        let Some(mem) = limits.memory else {
            return Err(Error::usage(
                "--swap needs --memory on cgroup v1 \
                 (memory.memsw.limit_in_bytes limits memory plus swap)",
            ));
        };
        let total = match (mem, swap) {
            (Limit::Value(m), Limit::Value(s)) => {
                Limit::Value(m.checked_add(s).ok_or_else(|| {
                    Error::new("invalid --swap value: memory plus swap overflows")
                })?)
            }
            _ => Limit::Max,
        };
        out.push(w(
            "memory",
            "memory.memsw.limit_in_bytes",
            minus_one_or_number(total),
        ));
    }
    if limits.oom_group.is_some() {
        return Err(Error::usage(
            "--oom-group needs cgroup v2 (memory.oom.group): v1 kills one process at a time",
        ));
    }
    if let Some(v) = limits.pids {
        out.push(w("pids", "pids.max", max_or_number(v)));
    }
    if let Some(v) = limits.cpus {
        out.push(w("cpu", "cpu.cfs_period_us", CPU_PERIOD.to_string()));
        out.push(w("cpu", "cpu.cfs_quota_us", minus_one_or_number(v)));
    }
    if let Some(v) = limits.cpu_weight {
        // v2 weight 100 is v1's 1024 shares; the kernel's minimum is 2.
        out.push(w("cpu", "cpu.shares", (v * 1024 / 100).max(2).to_string()));
    }
    if let Some(v) = &limits.cpuset {
        out.push(w("cpuset", "cpuset.cpus", v.clone()));
    }
    for io in &limits.io_max {
        for (f, v) in [
            ("blkio.throttle.read_bps_device", io.rbps),
            ("blkio.throttle.write_bps_device", io.wbps),
            ("blkio.throttle.read_iops_device", io.riops),
            ("blkio.throttle.write_iops_device", io.wiops),
        ] {
            if let Some(v) = v {
                let (maj, min) = io.dev;
                out.push(w("blkio", f, format!("{maj}:{min} {}", zero_or_number(v))));
            }
        }
    }
    out.extend(raw_writes(limits));
    Ok(out)
}

/// Why a limit file is missing from a v1 cgroup (`None`: not one of ours, an unknown knob).
pub fn why_missing(file: &str, controller: &str) -> Option<String> {
    const OURS: &[&str] = &[
        "memory.limit_in_bytes",
        "memory.soft_limit_in_bytes",
        "pids.max",
        "cpu.cfs_period_us",
        "cpu.cfs_quota_us",
        "cpu.shares",
        "cpuset.cpus",
    ];
    if file == "memory.memsw.limit_in_bytes" {
        Some("--swap needs swap accounting, which is off (boot with swapaccount=1)".into())
    } else if OURS.contains(&file) || file.starts_with("blkio.throttle.") {
        Some(format!("is the {controller} controller enabled?"))
    } else {
        None
    }
}

/// Write `writes` in order to `file_of(write)`. v1 refuses a memory limit above the memory plus
/// swap limit, so when raising both, memory plus swap goes first.
pub fn write_all(writes: &[KnobWrite], file_of: &dyn Fn(&KnobWrite) -> PathBuf) -> Result<()> {
    let mut i = 0;
    while i < writes.len() {
        let wr = &writes[i];
        let r = write_limit(&file_of(wr), &wr.value);
        if let (Err(e), Some(next)) = (&r, writes.get(i + 1)) {
            if e.errno() == Some(Errno::EINVAL)
                && wr.file == "memory.limit_in_bytes"
                && next.file == "memory.memsw.limit_in_bytes"
            {
                write_limit(&file_of(next), &next.value)?;
                write_limit(&file_of(wr), &wr.value)?;
                i += 2;
                continue;
            }
        }
        r?;
        i += 1;
    }
    Ok(())
}

/// A new directory of the cpuset hierarchy gets its parent's `cpuset.cpus` and `cpuset.mems`,
/// without which no task can join it. Other hierarchies need nothing.
pub fn prepare_new(controller: &str, parent: &Path, dir: &Path) -> Result<()> {
    if controller == "cpuset" {
        for f in ["cpuset.cpus", "cpuset.mems"] {
            let v = read(&parent.join(f))?;
            write_file(&dir.join(f), v.trim())?;
        }
    }
    Ok(())
}

/// Ask the freezer hierarchy's cgroup to freeze (`true`) or thaw.
pub fn set_frozen(g: &Group, on: bool) -> Result<()> {
    write_file(
        &g.file("freezer.state"),
        if on { "FROZEN" } else { "THAWED" },
    )
}

/// Whether the freezer says the cgroup is frozen (`FREEZING` is not yet).
pub fn is_frozen(g: &Group) -> Option<bool> {
    let state = std::fs::read_to_string(g.file("freezer.state")).ok()?;
    Some(state.trim() == "FROZEN")
}

/// A frozen task cannot die: thaw the freezer cgroup and every one below it before a kill.
pub fn thaw_for_kill(g: &Group) -> Result<()> {
    if g.hier.controller != "freezer" {
        return Ok(());
    }
    for dir in g.subtree()? {
        let f = dir.join("freezer.state");
        if probe(&f, false)? {
            write_file(&f, "THAWED")?;
        }
    }
    Ok(())
}

/// The OOM kills the memory hierarchy counted in the cgroup (`None` in other hierarchies).
pub fn oom_kills(g: &Group) -> Option<u64> {
    if g.hier.controller != "memory" {
        return None;
    }
    keyed(&read(&g.file("memory.oom_control")).ok()?, "oom_kill")
}

/// The CPU bandwidth limit of a cgroup of the v1 `cpu` hierarchy, in v2's `cpu.max` form
/// (`QUOTA PERIOD`, `max PERIOD` when unlimited); `None` in the other hierarchies.
pub fn cpu_max(g: &Group) -> Option<String> {
    if g.hier.controller != "cpu" {
        return None;
    }
    let quota = read(&g.file("cpu.cfs_quota_us")).ok()?;
    let period = read(&g.file("cpu.cfs_period_us")).ok()?;
    let quota = match quota.trim() {
        q if q.starts_with('-') => "max",
        q => q,
    };
    Some(format!("{quota} {}", period.trim()))
}

/// v1 has no word for "no limit": it shows a huge page-aligned number.
fn number_or_max(text: &str) -> String {
    match text.parse::<u64>() {
        Ok(v) if v >= 0x7FFF_FFFF_FFFF_F000 => "max".into(),
        _ => text.to_string(),
    }
}

/// The usage figures of a cgroup of one v1 hierarchy, under the names v2 gives them.
pub fn figures(g: &Group, add: &mut dyn FnMut(String, Option<String>)) {
    let text = |f: &str| std::fs::read_to_string(g.file(f)).ok();
    let num = |f: &str| text(f).map(|t| number_or_max(t.trim()));
    let key = |f: &str, k: &str| text(f).and_then(|t| keyed(&t, k));
    let usec = |ns: Option<u64>| ns.map(|n| (n / 1000).to_string());
    match g.hier.controller.as_str() {
        "memory" => {
            add("memory.current".into(), num("memory.usage_in_bytes"));
            add("memory.peak".into(), num("memory.max_usage_in_bytes"));
            add("memory.max".into(), num("memory.limit_in_bytes"));
            add("memory.failcnt".into(), num("memory.failcnt"));
            let oom_kills = key("memory.oom_control", "oom_kill").map(|v| v.to_string());
            add("memory.oom_kills".into(), oom_kills.clone());
            add("memory.events.oom_kill".into(), oom_kills);
        }
        "pids" => {
            add("pids.current".into(), num("pids.current"));
            add("pids.max".into(), num("pids.max"));
            let max = key("pids.events", "max").map(|v| v.to_string());
            add("pids.events.max".into(), max);
        }
        "cpuacct" => {
            let ns = num("cpuacct.usage").and_then(|v| v.parse::<u64>().ok());
            add("cpu.usage_usec".into(), usec(ns));
            let parse = |f: &str| num(f).and_then(|v| v.parse::<u64>().ok());
            add("cpu.user_usec".into(), usec(parse("cpuacct.usage_user")));
            add("cpu.system_usec".into(), usec(parse("cpuacct.usage_sys")));
        }
        "cpu" => {
            for k in ["nr_periods", "nr_throttled"] {
                add(
                    format!("cpu.{k}"),
                    key("cpu.stat", k).map(|v| v.to_string()),
                );
            }
            add(
                "cpu.throttled_usec".into(),
                usec(key("cpu.stat", "throttled_time")),
            );
        }
        "freezer" => {
            add(
                "frozen".into(),
                is_frozen(g).map(|f| u8::from(f).to_string()),
            );
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::limits::parse_io_max;

    #[test]
    fn v1_writes() {
        use Limit::{Max, Value};
        let l = Limits {
            memory: Some(Value(32 << 20)),
            swap: Some(Value(0)),
            pids: Some(Value(20)),
            cpus: Some(Value(50_000)),
            cpu_weight: Some(100),
            cpuset: Some("0".into()),
            io_max: vec![parse_io_max("8:0,rbps=1K,wiops=max").unwrap()],
            set: vec![("memory.swappiness".into(), "0".into())],
            ..Limits::default()
        };
        let got: Vec<(String, String, String)> = writes(&l)
            .unwrap()
            .into_iter()
            .map(|w| (w.controller, w.file, w.value))
            .collect();
        let want = [
            ("memory", "memory.limit_in_bytes", "33554432"),
            ("memory", "memory.memsw.limit_in_bytes", "33554432"),
            ("pids", "pids.max", "20"),
            ("cpu", "cpu.cfs_period_us", "100000"),
            ("cpu", "cpu.cfs_quota_us", "50000"),
            ("cpu", "cpu.shares", "1024"),
            ("cpuset", "cpuset.cpus", "0"),
            ("blkio", "blkio.throttle.read_bps_device", "8:0 1024"),
            ("blkio", "blkio.throttle.write_iops_device", "8:0 0"),
            ("memory", "memory.swappiness", "0"),
        ];
        let want: Vec<(String, String, String)> = want
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        assert_eq!(got, want);
        let swap_only = Limits {
            swap: Some(Max),
            ..Limits::default()
        };
        assert!(writes(&swap_only).unwrap_err().is_usage());
        let unlimited = Limits {
            memory: Some(Max),
            cpus: Some(Max),
            ..Limits::default()
        };
        let got: Vec<String> = writes(&unlimited)
            .unwrap()
            .into_iter()
            .map(|w| format!("{}={}", w.file, w.value))
            .collect();
        assert_eq!(
            got,
            [
                "memory.limit_in_bytes=-1",
                "cpu.cfs_period_us=100000",
                "cpu.cfs_quota_us=-1"
            ]
        );
    }
}
