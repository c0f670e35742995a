//! What is particular to cgroup v2 (one unified hierarchy): the files each limit writes, enabling
//! controllers in the ancestors' `cgroup.subtree_control`, `cgroup.kill`, `cgroup.freeze` and
//! `cgroup.events`, OOM kills from `memory.events`, and usage figures. Everything here acts on
//! one [`Group`] of a v2 hierarchy (the whole tree on v2, the `unified` mount on a hybrid host).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use nix::errno::Errno;

use super::fs::{is_dir, keyed, probe, read, write_file, Group};
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
    if let Some(on) = limits.oom_group {
        out.push(w("memory", "memory.oom.group", u8::from(on).to_string()));
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
        "memory.oom.group",
    ];
    OURS.contains(&file)
        .then(|| format!("is the {controller} controller enabled?"))
}

/// One `cgroup.subtree_control` write that enabling needs: the ancestor's directory and the
/// controllers it must gain.
#[derive(Debug, PartialEq, Eq)]
pub struct Enable {
    pub dir: PathBuf,
    pub controllers: Vec<String>,
}

impl Enable {
    pub fn file(&self) -> PathBuf {
        self.dir.join("cgroup.subtree_control")
    }
}

/// The `cgroup.subtree_control` writes that give `g` the controllers `needed`: in each ancestor
/// from the hierarchy's root down, the controllers it does not enable yet; nothing where they
/// are on already (above a delegated subtree, its owner enabled them). Refused before anything is
/// written when a write is bound to fail: the topmost ancestor that lacks a controller must be
/// offered it (its `cgroup.controllers`) and must be writable by the caller.
pub fn plan_enable(g: &Group, needed: &[String]) -> Result<Vec<Enable>> {
    let mut plan: Vec<Enable> = Vec::new();
    if needed.is_empty() {
        return Ok(plan);
    }
    let parts: Vec<&str> = g.path.split('/').filter(|p| !p.is_empty()).collect();
    let mut cg = String::new();
    for part in parts {
        let dir = g.at(&cg);
        if !is_dir(&dir) {
            // Made by this run below an ancestor that enables everything needed: it offers all of
            // it, enables none yet, and is the caller's to write.
            plan.push(Enable {
                dir,
                controllers: needed.to_vec(),
            });
            cg.push('/');
            cg.push_str(part);
            continue;
        }
        let on = read(&dir.join("cgroup.subtree_control"))?;
        let missing: Vec<String> = needed
            .iter()
            .filter(|c| {
                !on.split_whitespace()
                    .any(|h| h.trim_start_matches('+') == c.as_str())
            })
            .cloned()
            .collect();
        for c in &missing {
            // Enabled in no ancestor above this one: this is where it must be offered.
            if !plan.iter().any(|e| e.controllers.contains(c)) {
                let offered = dir.join("cgroup.controllers");
                if !read(&offered)?.split_whitespace().any(|h| h == c.as_str()) {
                    return Err(Error::new(format!(
                        "cannot enable the {c} controller for {}: {} does not offer it \
                         (it is not enabled in the parent's cgroup.subtree_control, or not \
                         delegated to you)",
                        g.path,
                        offered.display()
                    )));
                }
            }
        }
        if !missing.is_empty() {
            let file = dir.join("cgroup.subtree_control");
            if let Err(errno) = nix::unistd::access(&file, nix::unistd::AccessFlags::W_OK) {
                return Err(why_not_enabled(&file, &missing, errno));
            }
            // The kernel refuses domain controllers here (EBUSY) but accepts the threaded ones
            // (pids, cpu, cpuset, perf_event), which makes the cgroup a thread root and every
            // child an invalid domain that no process can join (EOPNOTSUPP): refused for all.
            if !cg.is_empty() && holds_processes(&dir)? {
                return Err(busy(&file, &missing, cg == g.hier.own));
            }
            plan.push(Enable {
                dir,
                controllers: missing,
            });
        }
        cg.push('/');
        cg.push_str(part);
    }
    Ok(plan)
}

/// Whether a cgroup has processes of its own (not counting those of the cgroups below it).
fn holds_processes(dir: &Path) -> Result<bool> {
    Ok(!read(&dir.join("cgroup.procs"))?.trim().is_empty())
}

/// The no-internal-process rule, in words: `file` is the `cgroup.subtree_control` of a cgroup
/// with processes of its own; `own` when that is the caller's own cgroup (a relative path that
/// stayed below it).
fn no_internal_process(file: &Path, own: bool) -> String {
    let dir = file.parent().unwrap_or(file).display();
    let remedy = if own {
        "it is your own cgroup: a relative path goes beside it only where you own its parent \
         (delegated to you), so give a path elsewhere, or start from a leaf below a delegated \
         cgroup"
    } else {
        "move them into a leaf cgroup first"
    };
    format!(
        "the no-internal-process rule: {dir} has processes of its own, so it cannot hand \
         controllers to its children; {remedy}"
    )
}

/// Enabling refused before any write because the cgroup of `file` holds processes.
fn busy(file: &Path, controllers: &[String], own: bool) -> Error {
    Error::new(format!(
        "cannot enable {} in {}: {}",
        controllers.join(" "),
        file.display(),
        no_internal_process(file, own)
    ))
}

/// Make the writes of [`plan_enable`], recording each one done in `enabled` (to take back).
pub fn enable(plan: &[Enable], enabled: &mut Vec<(PathBuf, Vec<String>)>) -> Result<()> {
    for e in plan {
        let file = e.file();
        let plus: Vec<String> = e.controllers.iter().map(|c| format!("+{c}")).collect();
        if let Err(err) = write_file(&file, &plus.join(" ")) {
            return Err(match err.errno() {
                Some(errno) => why_not_enabled(&file, &e.controllers, errno),
                None => err,
            });
        }
        enabled.push((file, e.controllers.clone()));
    }
    Ok(())
}

/// A refused `cgroup.subtree_control` write, in one line naming the file and the kernel's rule.
pub fn why_not_enabled(file: &Path, controllers: &[String], errno: Errno) -> Error {
    let dir = file.parent().unwrap_or(file).display();
    let what = format!(
        "cannot enable {} in {}",
        controllers.join(" "),
        file.display()
    );
    let rule = match errno {
        Errno::EBUSY => no_internal_process(file, false),
        Errno::EACCES | Errno::EPERM => format!(
            "the caller may not write it: {dir} is above the subtree delegated to you, and \
             only its owner can enable controllers there"
        ),
        Errno::ENOENT => format!(
            "{dir}/cgroup.controllers does not offer it: it is not enabled in the parent's \
             cgroup.subtree_control, or not delegated to you"
        ),
        Errno::EOPNOTSUPP => format!(
            "{dir} is a threaded cgroup, where domain controllers (memory, io) cannot be enabled"
        ),
        _ => return Error::sys(what, errno),
    };
    Error::sys_detail(what, errno, &rule)
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
    if !probe(&f, false)? {
        return Ok(false);
    }
    write_file(&f, "1")?;
    Ok(true)
}

/// The OOM kills counted in `memory.events`.
pub fn oom_kills(g: &Group) -> Option<u64> {
    keyed(&read(&g.file("memory.events")).ok()?, "oom_kill")
}

/// The CPU bandwidth limit (`cpu.max`: `QUOTA PERIOD`, `max PERIOD`), when the cpu controller
/// is enabled for the cgroup.
pub fn cpu_max(g: &Group) -> Option<String> {
    read(&g.file("cpu.max")).ok().map(|t| t.trim().to_string())
}

/// The usage figures of a v2 cgroup: use and limits, the events that count limit hits and OOM
/// kills, CPU time and throttling, and pressure stall information (PSI).
pub fn figures(g: &Group, add: &mut dyn FnMut(String, Option<String>)) {
    let text = |f: &str| std::fs::read_to_string(g.file(f)).ok();
    let num = |f: &str| text(f).map(|t| t.trim().to_string());
    let key = |f: &str, k: &str| text(f).and_then(|t| keyed(&t, k)).map(|v| v.to_string());
    for f in ["memory.current", "memory.peak", "memory.max", "memory.high"] {
        add(f.into(), num(f));
    }
    add("memory.oom_kills".into(), key("memory.events", "oom_kill"));
    for k in ["oom", "oom_kill", "max", "high"] {
        add(format!("memory.events.{k}"), key("memory.events", k));
    }
    for f in ["memory.swap.current", "memory.swap.max", "memory.oom.group"] {
        add(f.into(), num(f));
    }
    for f in ["pids.current", "pids.max"] {
        add(f.into(), num(f));
    }
    add("pids.events.max".into(), key("pids.events", "max"));
    for k in [
        "usage_usec",
        "user_usec",
        "system_usec",
        "nr_periods",
        "nr_throttled",
        "throttled_usec",
    ] {
        add(format!("cpu.{k}"), key("cpu.stat", k));
    }
    for f in ["cpu.pressure", "memory.pressure", "io.pressure"] {
        for (k, v) in text(f).map(|t| pressure(&t)).unwrap_or_default() {
            add(format!("{f}.{k}"), Some(v));
        }
    }
    add("populated".into(), key("cgroup.events", "populated"));
    add("frozen".into(), key("cgroup.events", "frozen"));
}

/// A PSI file (`some avg10=0.00 avg60=0.00 avg300=0.00 total=0`, then `full …`) as
/// `some.avg10`, …, `full.total` pairs.
fn pressure(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(kind) = words.next() else { continue };
        for kv in words {
            if let Some((k, v)) = kv.split_once('=') {
                out.push((format!("{kind}.{k}"), v.to_string()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::fixture::{fs_v2, v2_fixture};
    use crate::cgroup::Create;

    #[test]
    fn oom_group_writes_memory_oom_group() {
        let l = Limits {
            oom_group: Some(true),
            memory: Some(Limit::Value(1 << 20)),
            ..Limits::default()
        };
        let got: Vec<String> = writes(&l)
            .unwrap()
            .into_iter()
            .map(|w| format!("{}:{}={}", w.controller, w.file, w.value))
            .collect();
        assert_eq!(
            got,
            ["memory:memory.max=1048576", "memory:memory.oom.group=1"]
        );
        let off = Limits {
            oom_group: Some(false),
            ..Limits::default()
        };
        assert_eq!(writes(&off).unwrap()[0].value, "0");
        let e = crate::cgroup::v1::writes(&l).unwrap_err();
        assert!(e.is_usage());
        assert_eq!(
            e.to_string(),
            "--oom-group needs cgroup v2 (memory.oom.group): v1 kills one process at a time"
        );
    }

    #[test]
    fn enabling_plans_missing_ancestors_too() {
        let t = v2_fixture(&["x"]);
        std::fs::write(t.path().join("cgroup.subtree_control"), "pids\n").unwrap();
        let fs = fs_v2(&t, "/");
        let g = &fs
            .targets("x/y/box", &Limits::default(), &[], Create::IfMissing)
            .unwrap()[0];
        let needed = ["memory".to_string(), "pids".to_string()];
        let plan = plan_enable(g, &needed).unwrap();
        let got: Vec<(PathBuf, Vec<String>)> =
            plan.into_iter().map(|e| (e.dir, e.controllers)).collect();
        let strs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            got,
            [
                (t.path().to_path_buf(), strs(&["memory"])),
                (t.path().join("x"), strs(&["memory", "pids"])),
                (t.path().join("x/y"), strs(&["memory", "pids"])),
            ]
        );
    }
}

#[cfg(test)]
mod prop {
    use proptest::prelude::*;

    proptest! {
        /// Pressure files of any content: every `key=value` word of a line, named by the line.
        #[test]
        fn pressure_lines(t in any::<String>()) {
            for (k, v) in super::pressure(&t) {
                prop_assert!(k.contains('.') && !v.contains(char::is_whitespace));
            }
        }
    }
}
