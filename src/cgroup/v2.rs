//! What is particular to cgroup v2 (one unified hierarchy): the files each limit writes, enabling
//! controllers in the ancestors' `cgroup.subtree_control`, `cgroup.kill`, `cgroup.freeze` and
//! `cgroup.events`, OOM kills from `memory.events`, and usage figures. Everything here acts on
//! one [`Group`] of a v2 hierarchy (the whole tree on v2, the `unified` mount on a hybrid host).

use std::fmt::Write as _;
use std::path::PathBuf;

use nix::errno::Errno;

use super::fs::{keyed, read, write_file, Group};
use super::limits::{raw_writes, KnobWrite, Limit, Limits, CPU_PERIOD};
use crate::error::{Error, Result};

/// A limit as v2 writes it: no limit is `max`.
fn max_or_number(l: Limit) -> String {
    match l {
        Limit::Max => "max".into(),
        Limit::Value(v) => v.to_string(),
    }
}

/// The files `limits` writes on v2, in order (all in the one cgroup).
pub fn writes(limits: &Limits) -> Result<Vec<KnobWrite>> {
    let w = KnobWrite::new;
    let mut out = Vec::new();
    if let Some(v) = limits.memory {
        out.push(w("memory", "memory.max", max_or_number(v)));
    }
    if let Some(v) = limits.memory_high {
        out.push(w("memory", "memory.high", max_or_number(v)));
    }
    if let Some(v) = limits.swap {
        out.push(w("memory", "memory.swap.max", max_or_number(v)));
    }
    if let Some(v) = limits.pids {
        out.push(w("pids", "pids.max", max_or_number(v)));
    }
    if let Some(v) = limits.cpus {
        let quota = max_or_number(v);
        out.push(w("cpu", "cpu.max", format!("{quota} {CPU_PERIOD}")));
    }
    if let Some(v) = limits.cpu_weight {
        out.push(w("cpu", "cpu.weight", v.to_string()));
    }
    if let Some(v) = &limits.cpuset {
        out.push(w("cpuset", "cpuset.cpus", v.clone()));
    }
    for io in &limits.io_max {
        let mut line = format!("{}:{}", io.dev.0, io.dev.1);
        for (k, v) in [
            ("rbps", io.rbps),
            ("wbps", io.wbps),
            ("riops", io.riops),
            ("wiops", io.wiops),
        ] {
            if let Some(v) = v {
                let _ = write!(line, " {k}={}", max_or_number(v));
            }
        }
        out.push(w("io", "io.max", line));
    }
    out.extend(raw_writes(limits));
    Ok(out)
}

/// Why a limit file is missing from a v2 cgroup (`None`: not one of ours, an unknown knob).
pub fn why_missing(file: &str, controller: &str) -> Option<String> {
    const OURS: &[&str] = &[
        "memory.max",
        "memory.high",
        "memory.swap.max",
        "pids.max",
        "cpu.max",
        "cpu.weight",
        "cpuset.cpus",
        "io.max",
    ];
    OURS.contains(&file)
        .then(|| format!("is the {controller} controller enabled?"))
}

/// Every needed controller must be offered at the hierarchy's root.
pub fn check_available(g: &Group, needed: &[String]) -> Result<()> {
    if needed.is_empty() {
        return Ok(());
    }
    let f = g.hier.mount.join("cgroup.controllers");
    let have = read(&f)?;
    for c in needed {
        if !have.split_whitespace().any(|h| h == c) {
            return Err(Error::new(format!(
                "controller {c} is not available in {}",
                f.display()
            )));
        }
    }
    Ok(())
}

/// Enable `needed` in `cgroup.subtree_control` of every ancestor of `g`, root first, recording
/// in `enabled` each file written and the controllers it gained.
pub fn enable(
    g: &Group,
    needed: &[String],
    enabled: &mut Vec<(PathBuf, Vec<String>)>,
) -> Result<()> {
    if needed.is_empty() {
        return Ok(());
    }
    let mut cg = String::from("/");
    let parts: Vec<&str> = g.path.split('/').filter(|p| !p.is_empty()).collect();
    for part in parts {
        let f = g.at(&cg).join("cgroup.subtree_control");
        let on = read(&f)?;
        let missing: Vec<String> = needed
            .iter()
            .filter(|c| {
                !on.split_whitespace()
                    .any(|h| h.trim_start_matches('+') == c.as_str())
            })
            .cloned()
            .collect();
        if !missing.is_empty() {
            let plus: Vec<String> = missing.iter().map(|c| format!("+{c}")).collect();
            if let Err(e) = write_file(&f, &plus.join(" ")) {
                if e.errno() == Some(Errno::EBUSY) {
                    return Err(Error::new(format!(
                        "{e} (no internal processes: {} has processes of its own, \
                         so it cannot enable controllers for its children)",
                        g.at(&cg).display()
                    )));
                }
                return Err(e);
            }
            enabled.push((f, missing));
        }
        if !cg.ends_with('/') {
            cg.push('/');
        }
        cg.push_str(part);
    }
    Ok(())
}

/// Ask the cgroup (and everything below it) to freeze (`true`) or thaw.
pub fn set_frozen(g: &Group, on: bool) -> Result<()> {
    write_file(&g.file("cgroup.freeze"), if on { "1" } else { "0" })
}

/// Whether `cgroup.events` says the cgroup is frozen.
pub fn is_frozen(g: &Group) -> Option<bool> {
    let events = std::fs::read_to_string(g.file("cgroup.events")).ok()?;
    keyed(&events, "frozen").map(|f| f != 0)
}

/// Whether a process is left in the cgroup or below (`None` without `cgroup.events`).
pub fn populated(g: &Group) -> Option<bool> {
    let events = std::fs::read_to_string(g.file("cgroup.events")).ok()?;
    keyed(&events, "populated").map(|p| p != 0)
}

/// `cgroup.kill` (Linux 5.14): one write kills the whole subtree, frozen or not. False when the
/// kernel has no such file.
pub fn kill(g: &Group) -> Result<bool> {
    let f = g.file("cgroup.kill");
    if !f.exists() {
        return Ok(false);
    }
    write_file(&f, "1")?;
    Ok(true)
}

/// The OOM kills counted in `memory.events`.
pub fn oom_kills(g: &Group) -> Option<u64> {
    keyed(&read(&g.file("memory.events")).ok()?, "oom_kill")
}

/// The usage figures of a v2 cgroup.
pub fn figures(g: &Group, add: &mut dyn FnMut(&'static str, Option<String>)) {
    let num = |f: &str| -> Option<String> {
        let t = std::fs::read_to_string(g.file(f)).ok()?;
        Some(t.trim().to_string())
    };
    let key = |f: &str, k: &str| -> Option<String> {
        let t = std::fs::read_to_string(g.file(f)).ok()?;
        keyed(&t, k).map(|v| v.to_string())
    };
    add("memory.current", num("memory.current"));
    add("memory.peak", num("memory.peak"));
    add("memory.max", num("memory.max"));
    add("memory.oom_kills", key("memory.events", "oom_kill"));
    add("pids.current", num("pids.current"));
    add("pids.max", num("pids.max"));
    add("cpu.usage_usec", key("cpu.stat", "usage_usec"));
    add("populated", key("cgroup.events", "populated"));
    add("frozen", key("cgroup.events", "frozen"));
}
