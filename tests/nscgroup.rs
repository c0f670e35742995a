//! Black-box tests of `nscgroup` on the real kernel (cgroup v1 with the hybrid cgroup2 mount at
//! /sys/fs/cgroup/unified here) and on v2 fixture trees given with `--root`.
//!
//! Every cgroup is a relative path, so it lives under the test process's own cgroup in each
//! hierarchy; its name is unique, and a guard kills the processes the test started in it and
//! removes it even when the test fails. Effects are read back with `cat` and /proc.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::CgroupNeed::{V1, V2};
use common::{Proc, TempDir};

const ROOT: &str = "/sys/fs/cgroup";
const V1_HIERARCHIES: &[&str] = &[
    "cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer", "pids",
];

/// Our own cgroup in a hierarchy (`""`: the cgroup2 one), from /proc/self/cgroup.
fn own(controller: &str) -> String {
    let text = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (_, ctrls, path) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
        let hit = if controller.is_empty() {
            ctrls.is_empty()
        } else {
            ctrls.split(',').any(|c| c == controller)
        };
        if hit {
            return path.to_string();
        }
    }
    panic!("no {controller} line in /proc/self/cgroup");
}

/// The directory of the relative cgroup `name` in a hierarchy (`unified` for the cgroup2 one,
/// wherever it is mounted).
fn dir(hier: &str, name: &str) -> PathBuf {
    let (key, mount) = if hier == "unified" {
        let mount = common::CgroupLayout::read().v2.expect("no cgroup2 mount");
        ("", mount)
    } else {
        (hier, Path::new(ROOT).join(hier))
    };
    mount.join(own(key).trim_start_matches('/')).join(name)
}

/// The hierarchy every cgroup nscgroup makes lives in, whatever its limits: the cgroup2 one
/// when there is one (hybrid host), else the v1 freezer.
fn home() -> &'static str {
    if common::CgroupLayout::read().v2.is_some() {
        "unified"
    } else {
        "freezer"
    }
}

fn cat(p: &Path) -> String {
    let r = common::run(Command::new("cat").arg(p));
    r.ok().trim_end().to_string()
}

/// The hierarchies mounted here (v1 controllers and the cgroup2 one as `unified`).
fn hierarchies() -> Vec<&'static str> {
    let v2 = common::CgroupLayout::read().v2.is_some();
    V1_HIERARCHIES
        .iter()
        .copied()
        .filter(|h| Path::new(ROOT).join(h).join("cgroup.procs").exists())
        .chain(v2.then_some("unified"))
        .collect()
}

/// The hierarchies in which the cgroup `name` exists, sorted.
fn found(name: &str) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = hierarchies()
        .into_iter()
        .filter(|h| dir(h, name).exists())
        .collect();
    v.sort();
    v
}

/// Hierarchy names sorted, to compare with [`found`].
fn sorted(mut names: Vec<&'static str>) -> Vec<&'static str> {
    names.sort();
    names
}

/// A unique relative cgroup name, removed from every hierarchy on drop (processes in it were
/// started by the test and are killed first).
struct Cg(String);

impl Cg {
    fn new(tag: &str) -> Cg {
        Cg(common::unique(&format!("nscg-{tag}-")))
    }
}

impl std::ops::Deref for Cg {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Drop for Cg {
    fn drop(&mut self) {
        for h in hierarchies() {
            let top = dir(h, &self.0);
            // The whole subtree, deepest first.
            let mut dirs = vec![top.clone()];
            let mut i = 0;
            while i < dirs.len() {
                if let Ok(entries) = std::fs::read_dir(&dirs[i]) {
                    for e in entries.flatten() {
                        if e.file_type().is_ok_and(|t| t.is_dir()) {
                            dirs.push(e.path());
                        }
                    }
                }
                i += 1;
            }
            for d in dirs.iter().rev().filter(|d| d.exists()) {
                let _ = std::fs::write(d.join("freezer.state"), "THAWED");
                let _ = std::fs::write(d.join("cgroup.freeze"), "0");
                common::wait_for(Duration::from_secs(5), || {
                    let procs = std::fs::read_to_string(d.join("cgroup.procs")).unwrap_or_default();
                    for pid in procs.lines().filter_map(|l| l.parse::<i32>().ok()) {
                        let _ = nix::sys::signal::kill(
                            nix::unistd::Pid::from_raw(pid),
                            nix::sys::signal::Signal::SIGKILL,
                        );
                    }
                    procs.trim().is_empty()
                });
                common::wait_for(Duration::from_secs(5), || std::fs::remove_dir(d).is_ok());
            }
        }
    }
}

/// The children of a process, as `/proc/PID/task/PID/children` lists them (space-separated).
fn children(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn ng<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(args: I) -> common::Ran {
    common::tool("nscgroup", args)
}

/// What `exec` says when the OOM killer killed its python in `cg`.
fn oom_killed_one(cg: &str) -> String {
    format!(
        "nscgroup: {}: out of memory: the OOM killer killed 1 process(es) in {cg}",
        python()
    )
}

fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// Swap cannot absorb an allocation: no swap is on, or memory+swap is limited too.
fn memsw_available() -> bool {
    dir("memory", "")
        .join("memory.memsw.limit_in_bytes")
        .exists()
}

fn no_swap() -> bool {
    std::fs::read_to_string("/proc/swaps")
        .unwrap()
        .lines()
        .count()
        <= 1
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn pids_limit_stops_a_fork_bomb() {
    if common::cgroups(V1(&["pids"])).is_none() {
        return;
    }
    let cg = Cg::new("pids");
    ng(["create", &cg, "--pids=20"]).ok();
    assert_eq!(
        found(&cg),
        sorted(vec!["pids", home()]),
        "only the pids hierarchy and the home one are touched"
    );
    assert_eq!(cat(&dir("pids", &cg).join("pids.max")), "20");
    // dash gives up at the first failed fork; the sleeps it started stay in the cgroup.
    let script = "i=0; while [ $i -lt 100 ]; do sleep 60 >/dev/null 2>&1 & i=$((i+1)); done";
    let r = ng(["exec", &cg, "--", "sh", "-c", script]);
    assert_eq!(r.code, Some(2), "stderr: {}", r.stderr);
    assert!(r.stderr.contains("Cannot fork"), "{}", r.stderr);
    let current: u32 = cat(&dir("pids", &cg).join("pids.current")).parse().unwrap();
    assert!((15..=20).contains(&current), "pids.current {current}");
    let events = cat(&dir("pids", &cg).join("pids.events"));
    let failures: u32 = events.strip_prefix("max ").unwrap().parse().unwrap();
    assert!(failures >= 1, "{events}");
    let st = ng(["stat", &cg]);
    assert!(
        st.ok()
            .contains(&format!("pids.current {current}\npids.max 20\n")),
        "{}",
        st.stdout
    );

    // Busy: refused, nothing changed.
    let r = ng(["delete", &cg]);
    assert_eq!(
        r.fails(1),
        format!(
            "nscgroup: cannot delete {}: {current} process(es) in {} (use --kill)",
            &*cg,
            dir("pids", &cg).display()
        )
    );
    assert_eq!(
        cat(&dir("pids", &cg).join("pids.current")),
        current.to_string()
    );

    ng(["delete", &cg, "--kill"]).ok();
    assert!(found(&cg).is_empty());
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn memory_limit_oom_kills_and_stat_reports_it() {
    if common::cgroups(V1(&["memory"])).is_none() {
        return;
    }
    let cg = Cg::new("oom");
    let mut args = vec!["create", &cg, "--memory=32M"];
    if memsw_available() {
        args.push("--swap=0");
    } else {
        assert!(
            no_swap(),
            "swap is on without memsw accounting: the test cannot OOM"
        );
    }
    ng(&args).ok();
    assert_eq!(found(&cg), sorted(vec!["memory", home()]));
    let mem = dir("memory", &cg);
    assert_eq!(cat(&mem.join("memory.limit_in_bytes")), "33554432");
    if memsw_available() {
        assert_eq!(cat(&mem.join("memory.memsw.limit_in_bytes")), "33554432");
    }
    let alloc = "b = b'x' * (64 << 20); print('survived')";
    // exec waits for its program (started inside) and ends as exec --rm does: 137, said why.
    let r = ng(["exec", &cg, "--", python(), "-c", alloc]);
    assert_eq!(r.fails(137), oom_killed_one(&cg));
    assert!(r.stdout.is_empty());
    assert!(cat(&mem.join("memory.oom_control")).contains("oom_kill 1"));
    let st = ng(["stat", &cg]);
    let out = st.ok();
    assert!(out.contains("memory.max 33554432\n"), "{out}");
    assert!(out.contains("memory.oom_kills 1\n"), "{out}");
    let js = ng(["stat", &cg, "--json"]);
    assert!(js.ok().contains("\"memory.oom_kills\":1"), "{}", js.stdout);
    ng(["delete", &cg]).ok();
    assert!(found(&cg).is_empty());
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn exec_rm_reports_oom_with_137_and_leaves_nothing() {
    if common::cgroups(V1(&["memory"])).is_none() {
        return;
    }
    let cg = Cg::new("oomrm");
    let mut args = vec!["exec", "--rm", &cg, "--memory=32M"];
    if memsw_available() {
        args.push("--swap=0");
    } else {
        assert!(no_swap());
    }
    let alloc = "b = b'x' * (64 << 20); print('survived')";
    args.extend(["--", python(), "-c", alloc]);
    let r = ng(&args);
    assert_eq!(r.fails(137), oom_killed_one(&cg));
    assert!(found(&cg).is_empty(), "left: {:?}", found(&cg));
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn exec_rm_applies_v1_limits_and_returns_the_status() {
    if common::cgroups(V1(&["pids", "cpu", "cpuset", "memory", "blkio"])).is_none() {
        return;
    }
    let cg = Cg::new("rm");
    let files = [
        ("pids", "pids.max"),
        ("cpu", "cpu.cfs_period_us"),
        ("cpu", "cpu.cfs_quota_us"),
        ("cpu", "cpu.shares"),
        ("cpuset", "cpuset.cpus"),
        ("cpuset", "cpuset.mems"),
        ("memory", "memory.soft_limit_in_bytes"),
        ("memory", "memory.swappiness"),
    ];
    let mut script = String::from("cat /proc/self/cgroup");
    for (h, f) in files {
        script.push_str(&format!("; cat {}", dir(h, &cg).join(f).display()));
    }
    script.push_str("; exit 7");
    let r = ng([
        "exec",
        &cg,
        "--pids=10",
        "--cpus=0.5",
        "--cpu-weight=50",
        "--cpuset=0",
        "--memory-high=64M",
        "--set=memory.swappiness=10",
        "--rm",
        "--",
        "sh",
        "-c",
        &script,
    ]);
    assert_eq!(r.code, Some(7), "stderr {}", r.stderr);
    let parent_mems = cat(&dir("cpuset", "").join("cpuset.mems"));
    let values: Vec<&str> = r.stdout.lines().rev().take(files.len()).collect();
    let mut values: Vec<String> = values.into_iter().map(str::to_string).collect();
    values.reverse();
    assert_eq!(
        values,
        [
            "10",
            "100000",
            "50000",
            "512",
            "0",
            &parent_mems,
            "67108864",
            "10"
        ]
    );
    for h in ["pids", "cpu", "cpuset", "memory"] {
        let line = format!("{}/{}", own(h).trim_end_matches('/'), &*cg);
        assert!(
            r.stdout
                .lines()
                .any(|l| l.ends_with(&format!(":{h}:{line}"))),
            "{h}: {}",
            r.stdout
        );
    }
    // Untouched hierarchies keep the program where it was.
    let blkio = format!(":blkio:{}", own("blkio"));
    assert!(
        r.stdout.lines().any(|l| l.ends_with(&blkio)),
        "{}",
        r.stdout
    );
    assert!(found(&cg).is_empty(), "left: {:?}", found(&cg));
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn attach_moves_a_pid() {
    if common::cgroups(V1(&["pids"])).is_none() {
        return;
    }
    let cg = Cg::new("attach");
    ng(["create", &cg, "--controllers=pids"]).ok();
    let sleeper = Proc::spawn(Command::new("sleep").arg("100"));
    let pid = sleeper.pid().to_string();
    ng(["attach", &cg, &pid]).ok();
    let want = format!(":pids:{}/{}", own("pids").trim_end_matches('/'), &*cg);
    let text = cat(Path::new(&format!("/proc/{pid}/cgroup")));
    assert!(text.lines().any(|l| l.ends_with(&want)), "{text}");
    assert_eq!(cat(&dir("pids", &cg).join("cgroup.procs")), pid);
    // A pid that does not exist: one line, nothing moved.
    let r = ng(["attach", &cg, "2147483647"]);
    assert_eq!(
        r.fails(1),
        "nscgroup: cannot attach 2147483647: No such process"
    );
    assert_eq!(cat(&dir("pids", &cg).join("cgroup.procs")), pid);
    ng(["delete", &cg, "--kill"]).ok();
    assert!(found(&cg).is_empty());
    drop(sleeper);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn kill_freeze_thaw_v1() {
    if common::cgroups(V1(&["freezer"])).is_none() {
        return;
    }
    let cg = Cg::new("frz");
    ng(["create", &cg, "--controllers=freezer"]).ok();
    let mut p = Proc::spawn(common::cmd("nscgroup").args(["exec", &cg, "--", "sleep", "100"]));
    let procs = dir("freezer", &cg).join("cgroup.procs");
    // The program is nscgroup's child, started inside (nscgroup waits outside).
    assert!(common::wait_for(Duration::from_secs(5), || {
        let child = children(p.pid());
        !child.is_empty() && cat(&procs) == child
    }));
    ng(["freeze", &cg]).ok();
    assert_eq!(cat(&dir("freezer", &cg).join("freezer.state")), "FROZEN");
    assert!(ng(["stat", &cg]).ok().contains("frozen 1\n"));
    ng(["thaw", &cg]).ok();
    assert_eq!(cat(&dir("freezer", &cg).join("freezer.state")), "THAWED");
    ng(["kill", &cg]).ok();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(p.0.wait().unwrap().signal(), Some(15));
    ng(["delete", &cg]).ok();
    assert!(found(&cg).is_empty());
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn kill_freeze_thaw_v2() {
    let Some(layout) = common::cgroups(V2(&[])) else {
        return;
    };
    // The cgroup2 hierarchy wherever it is: /sys/fs/cgroup/unified on a hybrid host,
    // /sys/fs/cgroup on a pure v2 one.
    let unified = layout.v2.unwrap();
    let root = format!("--root={}", unified.display());
    let cg = Cg::new("v2");
    let mut p =
        Proc::spawn(common::cmd("nscgroup").args([&root, "exec", &cg, "--", "sleep", "100"]));
    let d = dir("unified", &cg);
    assert!(common::wait_for(Duration::from_secs(5), || {
        let child = children(p.pid());
        d.join("cgroup.procs").exists()
            && !child.is_empty()
            && cat(&d.join("cgroup.procs")) == child
    }));
    assert_eq!(found(&cg), ["unified"]);
    ng([&root, "freeze", &cg]).ok();
    assert!(cat(&d.join("cgroup.events")).contains("frozen 1"));
    ng([&root, "thaw", &cg]).ok();
    assert!(cat(&d.join("cgroup.events")).contains("frozen 0"));
    // Busy without --kill: refused.
    let r = ng([&root, "delete", &cg]);
    assert!(r
        .fails(1)
        .starts_with(&format!("nscgroup: cannot delete {}: 1 process(es)", &*cg)));
    ng([&root, "freeze", &cg]).ok();
    ng([&root, "delete", &cg, "--kill"]).ok();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(p.0.wait().unwrap().signal(), Some(9));
    assert!(!d.exists());
    // exec --rm: the status comes back and the cgroup goes.
    let r = ng([
        &root,
        "exec",
        "--rm",
        &cg,
        "--",
        "sh",
        "-c",
        "cat /proc/self/cgroup; exit 3",
    ]);
    assert_eq!(r.code, Some(3));
    let want = format!("0::{}/{}", own("").trim_end_matches('/'), &*cg);
    assert!(r.stdout.lines().any(|l| l == want), "{}", r.stdout);
    assert!(!d.exists());
    // attach: a process the test started moves into the test's new cgroup.
    ng([&root, "create", &cg]).ok();
    let sleeper = Proc::spawn(Command::new("sleep").arg("100"));
    let pid = sleeper.pid().to_string();
    ng([&root, "attach", &cg, &pid]).ok();
    let text = cat(Path::new(&format!("/proc/{pid}/cgroup")));
    assert!(text.lines().any(|l| l == want), "{text}");
    ng([&root, "kill", &cg, "KILL"]).ok();
    ng([&root, "delete", &cg, "--kill"]).ok();
    assert!(!d.exists());
    drop(sleeper);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn list_and_signal_status() {
    if common::cgroups(V1(&["pids"])).is_none() {
        return;
    }
    let cg = Cg::new("list");
    let sub = format!("{}/sub", &*cg);
    ng(["create", &sub, "--pids=5"]).ok();
    assert_eq!(ng(["list", &cg]).ok(), format!("{sub}\n"));
    assert_eq!(found(&cg), sorted(vec!["pids", home()]));
    // The whole subtree goes, deepest first.
    ng(["delete", &cg]).ok();
    assert!(found(&cg).is_empty());
    // exec --rm dies of the program's signal.
    let r = ng([
        "exec",
        "--rm",
        &cg,
        "--pids=5",
        "--",
        "sh",
        "-c",
        "kill -TERM $$",
    ]);
    assert_eq!((r.code, r.signal), (None, Some(15)), "{}", r.stderr);
    assert!(found(&cg).is_empty());
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn exec_failure_leaves_nothing() {
    if common::cgroups(V1(&["pids"])).is_none() {
        return;
    }
    let cg = Cg::new("noexec");
    for rm in [false, true] {
        let mut args = vec!["exec", &cg, "--pids=5"];
        if rm {
            args.push("--rm");
        }
        args.extend(["--", "/nonexistent/prog"]);
        let r = ng(&args);
        assert_eq!(
            r.fails(127),
            "nscgroup: failed to execute /nonexistent/prog: No such file or directory"
        );
        assert!(found(&cg).is_empty(), "rm={rm}: left {:?}", found(&cg));
    }
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn bad_input_changes_nothing() {
    if common::cgroups(V1(&["memory", "pids", "cpuset"])).is_none() {
        return;
    }
    let cg = Cg::new("bad");
    let present = std::fs::read_to_string("/sys/devices/system/cpu/present").unwrap();
    let cases: &[(&[&str], String)] = &[
        (
            &["create", "../x", "--pids=1"],
            "nscgroup: invalid cgroup path '../x': '..' is not allowed".into(),
        ),
        (
            &["create", "/../x", "--pids=1"],
            "nscgroup: invalid cgroup path '/../x': '..' is not allowed".into(),
        ),
        (
            &["create", &cg, "--memory=12Q"],
            "nscgroup: invalid --memory value: '12Q'".into(),
        ),
        (
            &["create", &cg, "--cpus=-1"],
            "nscgroup: invalid --cpus value: '-1'".into(),
        ),
        (
            &["create", &cg, "--set=bogus.x=1"],
            "nscgroup: unknown knob 'bogus.x'".into(),
        ),
        (
            &["create", &cg, "--set=memory.bogus=1"],
            format!(
                "nscgroup: unknown knob 'memory.bogus': no such file in {}",
                dir("memory", &cg).display()
            ),
        ),
        (
            &["create", &cg, "--cpuset=100000"],
            format!(
                "nscgroup: cannot write '100000' to {}/cpuset.cpus: Math result not \
                 representable (CPU 100000 is not present: this machine has CPUs {})",
                dir("cpuset", &cg).display(),
                present.trim()
            ),
        ),
    ];
    for (args, want) in cases {
        let r = ng(*args);
        let got = r.fails(1);
        let first = got.lines().next().unwrap();
        assert_eq!(first, want, "{args:?}");
        assert!(found(&cg).is_empty(), "{args:?} left {:?}", found(&cg));
    }
    // Nothing outside: the caller's own cgroup is never deleted, killed or frozen.
    for cmd in ["delete", "kill", "freeze"] {
        let r = ng([cmd, "."]);
        assert!(
            r.fails(1).starts_with(&format!(
                "nscgroup: cannot {cmd} .: it contains the caller's own cgroup"
            )),
            "{}",
            r.stderr
        );
    }
    // A missing cgroup: the message says where it was looked for.
    let r = ng(["delete", &cg]);
    let want = format!("nscgroup: cgroup {} (", &*cg);
    let got = r.fails(1);
    assert!(got.starts_with(&want), "{got}");
    assert!(
        got.contains(&dir(home(), &cg).display().to_string()),
        "{got}"
    );
    assert!(got.ends_with("): No such file or directory"), "{got}");
    let r = ng(["bogus"]);
    assert_eq!(
        r.fails(1),
        "nscgroup: unknown command 'bogus'\nTry 'nscgroup --help' for more information."
    );
    let r = ng(["stat", &cg, "--rm"]);
    assert_eq!(
        r.fails(1).lines().next().unwrap(),
        "nscgroup: option '--rm' does not apply to stat"
    );
}

/// A v2 tree as the kernel lays it out, under a temp dir.
fn v2_fixture() -> TempDir {
    let t = TempDir::new("cgv2");
    std::fs::write(t.join("cgroup.controllers"), "cpuset cpu io memory pids\n").unwrap();
    std::fs::write(t.join("cgroup.subtree_control"), "").unwrap();
    let b = t.join("box");
    std::fs::create_dir(&b).unwrap();
    for (f, v) in [
        ("cgroup.controllers", ""),
        ("cgroup.subtree_control", ""),
        ("cgroup.procs", ""),
        ("cgroup.events", "populated 0\nfrozen 0\n"),
        ("pids.max", "max\n"),
        ("pids.current", "0\n"),
        ("memory.max", "max\n"),
        ("cpu.max", "max 100000\n"),
    ] {
        std::fs::write(b.join(f), v).unwrap();
    }
    t
}

#[test]
fn v2_fixture_through_root() {
    let t = v2_fixture();
    let root = format!("--root={}", t.path().display());
    ng([
        &root,
        "set",
        "/box",
        "--pids=5",
        "--cpus=1.5",
        "--memory=1G",
    ])
    .ok();
    let read = |f: &str| std::fs::read_to_string(t.join(f)).unwrap();
    assert_eq!(read("cgroup.subtree_control"), "+cpu +memory +pids");
    assert_eq!(read("box/pids.max"), "5");
    assert_eq!(read("box/cpu.max"), "150000 100000");
    assert_eq!(read("box/memory.max"), "1073741824");
    assert_eq!(read("box/cgroup.subtree_control"), "");
    let st = ng([&root, "stat", "/box", "--json"]);
    assert_eq!(
        st.ok(),
        "{\"path\":\"/box\",\"memory.max\":1073741824,\"pids.current\":0,\"pids.max\":5,\
         \"populated\":0,\"frozen\":0}\n"
    );
    // Refused before anything is written.
    let r = ng([&root, "set", "/box", "--pids=5", "--set=memory.nope=1"]);
    assert_eq!(
        r.fails(1),
        format!(
            "nscgroup: unknown knob 'memory.nope': no such file in {}",
            t.join("box").display()
        )
    );
    let r = ng([&root, "set", "/nothere", "--pids=5"]);
    assert_eq!(
        r.fails(1),
        format!(
            "nscgroup: cgroup /nothere ({}): No such file or directory",
            t.join("nothere").display()
        )
    );
    assert!(!t.join("nothere").exists());
    assert_eq!(ng([&root, "list", "/"]).ok(), "/box\n");
}

/// A shell that moves itself into the cgroup directory `procs_dir` (one hierarchy) and then
/// executes nscgroup with `args`: nscgroup's own cgroup is then one the test made.
fn ng_from_inside(procs_dir: &Path, args: &[&str]) -> common::Ran {
    let mut c = Command::new("sh");
    c.args(["-c", r#"echo $$ > "$0/cgroup.procs" && exec "$@""#])
        .arg(procs_dir)
        .arg(common::bin("nscgroup"))
        .args(args);
    common::run(&mut c)
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn exec_rm_refuses_the_callers_cgroup_and_its_ancestors() {
    if common::cgroups(V1(&["pids"])).is_none() {
        return;
    }
    // The caller runs in CG/inner of the pids hierarchy, which the test made: were the check
    // missing, only the test's own shell would be killed.
    let cg = Cg::new("rmself");
    let inner = format!("{}/inner", &*cg);
    ng(["create", &inner, "--pids=100"]).ok();
    let dir_inner = dir("pids", &inner);
    let marker = TempDir::new("rmself");
    let ran = marker.join("ran");
    let ran = ran.to_str().unwrap();
    let abs_cg = format!("{}/{}", own("pids").trim_end_matches('/'), &*cg);
    let abs_inner = format!("{abs_cg}/inner");
    for target in [".", "./", &abs_inner, &abs_cg] {
        let r = ng_from_inside(
            &dir_inner,
            &["exec", "--rm", target, "--pids=100", "--", "touch", ran],
        );
        assert_eq!(
            r.fails(1),
            format!(
                "nscgroup: cannot use --rm on {target}: it contains the caller's own cgroup \
                 ({abs_inner})"
            ),
        );
        assert!(!Path::new(ran).exists(), "{target}: the program ran");
        assert!(dir_inner.exists() && dir("pids", &cg).exists(), "{target}");
    }
    // The hierarchy's root, on a fixture tree (never on the real one).
    let t = v2_fixture();
    let root = format!("--root={}", t.path().display());
    for target in ["/", "."] {
        let r = ng([&root, "exec", "--rm", target, "--", "touch", ran]);
        assert!(
            r.fails(1).starts_with(&format!(
                "nscgroup: cannot use --rm on {target}: it contains the caller's own cgroup"
            )),
            "{}",
            r.stderr
        );
        assert!(!Path::new(ran).exists());
    }
    // delete and kill refuse them the same way.
    for cmd in ["delete", "kill"] {
        let r = ng_from_inside(&dir_inner, &[cmd, &abs_cg]);
        assert_eq!(
            r.fails(1),
            format!(
                "nscgroup: cannot {cmd} {abs_cg}: it contains the caller's own cgroup \
                 ({abs_inner})"
            )
        );
    }
    assert!(dir_inner.exists());
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn exec_rm_refuses_an_existing_cgroup() {
    if common::cgroups(V1(&["pids"])).is_none() {
        return;
    }
    let cg = Cg::new("rmold");
    ng(["create", &cg, "--pids=10"]).ok();
    let sleeper = Proc::spawn(Command::new("sleep").arg("100"));
    let pid = sleeper.pid().to_string();
    ng(["attach", &cg, &pid]).ok();
    let marker = TempDir::new("rmold");
    let ran = marker.join("ran");
    let r = ng([
        "exec",
        "--rm",
        &cg,
        "--pids=10",
        "--",
        "touch",
        ran.to_str().unwrap(),
    ]);
    assert_eq!(
        r.fails(1),
        format!(
            "nscgroup: cannot use --rm on {}: {} exists already (--rm only removes a cgroup it \
             creates)",
            &*cg,
            dir("pids", &cg).display()
        )
    );
    assert!(!ran.exists());
    // Nothing of the cgroup was touched: its process runs on in it.
    assert_eq!(cat(&dir("pids", &cg).join("cgroup.procs")), pid);
    assert_eq!(cat(&dir("pids", &cg).join("pids.max")), "10");
    drop(sleeper);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn concurrent_exec_rm_with_one_name() {
    if common::cgroups(V1(&["pids"])).is_none() {
        return;
    }
    let cg = Cg::new("rmtwo");
    let gate = TempDir::new("rmtwo");
    let go = gate.join("go");
    let script = format!(
        "while [ ! -e {} ]; do sleep 0.02; done; exit 3",
        go.display()
    );
    let mut first = Proc::spawn(common::cmd("nscgroup").args([
        "exec",
        "--rm",
        &cg,
        "--pids=10",
        "--",
        "sh",
        "-c",
        &script,
    ]));
    let procs = dir("pids", &cg).join("cgroup.procs");
    assert!(common::wait_for(Duration::from_secs(5), || {
        std::fs::read_to_string(&procs).is_ok_and(|p| !p.trim().is_empty())
    }));
    // The program (its loop's sleeps come and go).
    let program = cat(&procs).lines().next().unwrap().to_string();
    // The second run with the same name is refused and kills nothing.
    let r = ng(["exec", "--rm", &cg, "--pids=10", "--", "true"]);
    assert!(
        r.fails(1)
            .starts_with(&format!("nscgroup: cannot use --rm on {}: ", &*cg)),
        "{}",
        r.stderr
    );
    assert!(cat(&procs).lines().any(|l| l == program), "{}", cat(&procs));
    std::fs::write(&go, "").unwrap();
    assert_eq!(first.0.wait().unwrap().code(), Some(3));
    assert!(found(&cg).is_empty(), "left: {:?}", found(&cg));
}

/// Whether signal `sig` is ignored in a `/proc/PID/status` text (its `SigIgn` mask).
fn ignores(status: &str, sig: i32) -> bool {
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .map(|m| u64::from_str_radix(m.trim(), 16).unwrap())
        .unwrap();
    mask & (1 << (sig - 1)) != 0
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn exec_rm_works_for_a_caller_that_ignores_sigchld() {
    if common::cgroups(V1(&["pids"])).is_none() {
        return;
    }
    use std::os::unix::process::CommandExt;
    let cg = Cg::new("chld");
    let mut c = common::cmd("nscgroup");
    c.args([
        "exec",
        "--rm",
        &cg,
        "--pids=10",
        "--",
        "sh",
        "-c",
        "sleep 0.1 & wait; cat /proc/self/status; exit 5",
    ]);
    // SAFETY: signal(2) is async-signal-safe; the child only sets a disposition before exec.
    unsafe {
        c.pre_exec(|| {
            libc::signal(libc::SIGCHLD, libc::SIG_IGN);
            Ok(())
        });
    }
    // As Python and daemons leave it: the kernel would reap our children itself.
    let r = common::run_within(&mut c, Duration::from_secs(20));
    assert_eq!(r.code, Some(5), "stderr: {}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    // The program gets SIGCHLD's default, as any program expects.
    assert!(!ignores(&r.stdout, libc::SIGCHLD), "{}", r.stdout);
    assert!(found(&cg).is_empty(), "left: {:?}", found(&cg));
}

/// The cgroup2 line of a /proc/PID/cgroup text for the relative cgroup `name`.
fn v2_line(name: &str) -> String {
    format!("0::{}/{name}", own("").trim_end_matches('/'))
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn hybrid_cgroups_work_with_every_subcommand() {
    if common::cgroups(common::CgroupNeed::Hybrid(&["pids"])).is_none() {
        return;
    }
    // Made with a pids limit only: it lives in pids and in the cgroup2 hierarchy.
    let cg = Cg::new("hyb");
    ng(["create", &cg, "--pids=10"]).ok();
    assert_eq!(found(&cg), ["pids", "unified"]);
    let sleeper = Proc::spawn(Command::new("sleep").arg("100"));
    let pid = sleeper.pid().to_string();
    ng(["attach", &cg, &pid]).ok();
    let text = cat(Path::new(&format!("/proc/{pid}/cgroup")));
    assert!(text.lines().any(|l| l == v2_line(&cg)), "{text}");
    let events = dir("unified", &cg).join("cgroup.events");
    ng(["freeze", &cg]).ok();
    assert!(cat(&events).contains("frozen 1"));
    let st = ng(["stat", &cg]).ok().to_string();
    for want in [
        "pids.current 1\n",
        "pids.max 10\n",
        "populated 1\n",
        "frozen 1\n",
    ] {
        assert!(st.contains(want), "{want:?} not in {st}");
    }
    // The cgroup2 home gives what v2 has without controllers: CPU time and pressure.
    for key in [
        "cpu.usage_usec ",
        "cpu.pressure.some.avg10 ",
        "io.pressure.full.total ",
    ] {
        assert!(
            st.lines().any(|l| l.starts_with(key)),
            "{key:?} not in {st}"
        );
    }
    let js = ng(["stat", &cg, "--json"]).ok().to_string();
    assert!(js.contains("\"pids.max\":10,"), "{js}");
    let avg10 = js
        .split("\"cpu.pressure.some.avg10\":")
        .nth(1)
        .unwrap_or("");
    assert!(avg10.starts_with(|c: char| c.is_ascii_digit()), "{js}");
    ng(["thaw", &cg]).ok();
    assert!(cat(&events).contains("frozen 0"));
    ng(["kill", &cg, "KILL"]).ok();
    let mut sleeper = sleeper;
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(sleeper.0.wait().unwrap().signal(), Some(9));
    // exec without limits joins it in both hierarchies.
    let r = ng(["exec", &cg, "--", "cat", "/proc/self/cgroup"]);
    let out = r.ok();
    assert!(out.lines().any(|l| l == v2_line(&cg)), "{out}");
    let pids_line = format!(":pids:{}/{}", own("pids").trim_end_matches('/'), &*cg);
    assert!(out.lines().any(|l| l.ends_with(&pids_line)), "{out}");
    ng(["delete", &cg]).ok();
    assert!(found(&cg).is_empty(), "left: {:?}", found(&cg));

    // No limit at all: create, freeze, delete, and exec --rm with the program's status.
    ng(["create", &cg]).ok();
    assert_eq!(found(&cg), ["unified"]);
    ng(["freeze", &cg]).ok();
    ng(["thaw", &cg]).ok();
    ng(["delete", &cg]).ok();
    let r = ng([
        "exec",
        "--rm",
        &cg,
        "--",
        "sh",
        "-c",
        "cat /proc/self/cgroup; exit 5",
    ]);
    assert_eq!(r.code, Some(5), "stderr: {}", r.stderr);
    assert!(r.stdout.lines().any(|l| l == v2_line(&cg)), "{}", r.stdout);
    assert!(found(&cg).is_empty(), "left: {:?}", found(&cg));

    // Failures name the hierarchy and the file.
    let r = ng(["freeze", &cg]);
    assert_eq!(
        r.fails(1),
        format!(
            "nscgroup: cannot freeze {0}: neither {1} nor {2} exists",
            &*cg,
            dir("freezer", &cg).display(),
            dir("unified", &cg).display()
        )
    );
    let r = ng(["stat", &cg]);
    assert!(
        r.fails(1).starts_with(&format!(
            "nscgroup: cgroup {} ({} and ",
            &*cg,
            dir("unified", &cg).display()
        )),
        "{}",
        r.stderr
    );
}

/// The pids of processes whose command line mentions `word` (the test's unique cgroup name).
fn processes_mentioning(word: &str) -> Vec<i32> {
    let me = std::process::id() as i32;
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| *pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(word))
        })
        .collect()
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn killing_the_exec_rm_supervisor_leaves_nothing() {
    if common::cgroups(V1(&["pids"])).is_none() {
        return;
    }
    let cg = Cg::new("rmkill");
    // The program and a child of its own, both in the cgroup.
    let script = format!("sleep 1000 & exec sleep 1001 # {}", &*cg);
    let mut supervisor = Proc::spawn(common::cmd("nscgroup").args([
        "exec",
        "--rm",
        &cg,
        "--pids=10",
        "--",
        "sh",
        "-c",
        &script,
    ]));
    let procs = dir("pids", &cg).join("cgroup.procs");
    assert!(common::wait_for(Duration::from_secs(5), || {
        std::fs::read_to_string(&procs).is_ok_and(|p| p.lines().count() == 2)
    }));
    let inside: Vec<String> = cat(&procs).lines().map(str::to_string).collect();
    supervisor.0.kill().unwrap();
    supervisor.0.wait().unwrap();
    // The program dies with its supervisor; the watcher kills the rest, removes the cgroup and
    // leaves.
    let gone = common::wait_for(Duration::from_secs(10), || {
        found(&cg).is_empty()
            && inside
                .iter()
                .all(|pid| !Path::new(&format!("/proc/{pid}")).exists())
            && processes_mentioning(&cg).is_empty()
    });
    assert!(
        gone,
        "left: cgroups {:?}, processes {:?}",
        found(&cg),
        processes_mentioning(&cg)
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn attach_refuses_a_zombie() {
    if common::cgroups(V1(&["pids"])).is_none() {
        return;
    }
    let cg = Cg::new("zombie");
    ng(["create", &cg, "--pids=10"]).ok();
    // A child of the test that has exited and is not reaped yet.
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    assert!(common::wait_for(Duration::from_secs(5), || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z'))
    }));
    let r = ng(["attach", &cg, &pid.to_string()]);
    assert_eq!(
        r.fails(1),
        format!("nscgroup: cannot attach {pid}: it is a zombie (it has exited: nothing to move)")
    );
    child.wait().unwrap();
    assert_eq!(cat(&dir("pids", &cg).join("cgroup.procs")), "");
}

/// `exec` and `exec --rm` create the program's process inside its cgroup2 cgroup
/// (`clone3(CLONE_INTO_CGROUP)`), and wait for it outside.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn exec_starts_the_program_inside_its_v2_cgroup() {
    let Some(layout) = common::cgroups(V2(&[])) else {
        return;
    };
    let root = format!("--root={}", layout.v2.unwrap().display());
    for rm in [&["--rm"][..], &[]] {
        let cg = Cg::new("clone3");
        let trace = TempDir::new("clone3");
        let log = trace.join("strace");
        // strace watches from outside: the program's process is created inside the cgroup,
        // never moved there (no write of a pid or "0" to a cgroup.procs).
        let r = common::run(
            Command::new("strace")
                .args(["-f", "-qq", "-e", "trace=clone3,write", "-o"])
                .arg(&log)
                .arg(common::bin("nscgroup"))
                .args([&root, "exec"])
                .args(rm)
                .args([&cg, "--", "sh", "-c"])
                .arg("cat /proc/self/cgroup; exit 4"),
        );
        assert_eq!(r.code, Some(4), "{rm:?}: stderr: {}", r.stderr);
        assert!(r.stdout.lines().any(|l| l == v2_line(&cg)), "{}", r.stdout);
        let log = std::fs::read_to_string(&log).unwrap();
        assert!(
            log.lines()
                .any(|l| l.contains("clone3({flags=CLONE_INTO_CGROUP,") && !l.contains("= -1")),
            "{log}"
        );
        assert!(
            !log.lines()
                .any(|l| l.contains(" write(") && l.contains("\"0\", 1)")),
            "{log}"
        );
        if rm.is_empty() {
            assert_eq!(found(&cg), ["unified"]);
        } else {
            assert!(found(&cg).is_empty(), "left: {:?}", found(&cg));
        }
    }
}

/// Where the kernel has no clone3 (before 5.3, or a seccomp filter answering ENOSYS) or no
/// CLONE_INTO_CGROUP (before 5.7: E2BIG or EINVAL), `exec --rm` forks the program, which moves
/// itself in; `exec` moves itself in and executes the program in its own place.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn exec_falls_back_to_a_move_without_clone3() {
    let Some(layout) = common::cgroups(V2(&[])) else {
        return;
    };
    let root = format!("--root={}", layout.v2.unwrap().display());
    for rm in [true, false] {
        for errno in ["ENOSYS", "E2BIG", "EINVAL"] {
            let cg = Cg::new("noclone3");
            let trace = TempDir::new("noclone3");
            let log = trace.join("strace");
            let mut c = Command::new("strace");
            c.args(["-f", "-qq", "-e", "trace=clone3,write,execve"])
                .arg(format!("--inject=clone3:error={errno}"))
                .arg("-o")
                .arg(&log)
                .arg(common::bin("nscgroup"))
                .args([&root, "exec"]);
            if rm {
                c.arg("--rm");
            }
            let r = common::run(
                c.args([&cg, "--", "sh", "-c"])
                    .arg("cat /proc/self/cgroup; exit 4"),
            );
            assert_eq!(r.code, Some(4), "{errno}: stderr: {}", r.stderr);
            assert!(r.stdout.lines().any(|l| l == v2_line(&cg)), "{}", r.stdout);
            let log = std::fs::read_to_string(&log).unwrap();
            assert!(log.contains("(INJECTED)"), "{log}");
            let moves: Vec<&str> = log
                .lines()
                .filter(|l| l.contains(" write(") && l.contains("\"0\", 1)") && l.ends_with("= 1"))
                .collect();
            assert_eq!(moves.len(), 1, "{errno}: one move in {log}");
            // Without --rm the mover is nscgroup itself, which then becomes the program.
            let pid = |l: &str| l.split_whitespace().next().unwrap_or("").to_string();
            let sh = log
                .lines()
                .find(|l| l.contains("execve(\"/bin/sh\"") || l.contains("execve(\"/usr/bin/sh\""));
            let first = log.lines().next().map(pid);
            assert_eq!(
                sh.map(pid) == first,
                !rm,
                "{errno} rm={rm}: who executed sh in {log}"
            );
            if rm {
                assert!(found(&cg).is_empty(), "left: {:?}", found(&cg));
            }
        }
    }
}

/// From Linux 6.14 the kernel kills at birth a child created with CLONE_INTO_CGROUP in a cgroup
/// that `cgroup.kill` killed before (it compares the kill count of our own cgroup): exec and
/// nsunshare --into-cgroup start their program there all the same (by a move).
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn a_killed_cgroup_can_be_used_again() {
    if common::cgroups(V2(&[])).is_none() {
        return;
    }
    let cg = Cg::new("killed");
    ng(["create", &cg]).ok();
    let sleeper = Proc::spawn(common::cmd("nscgroup").args(["exec", &cg, "--", "sleep", "100"]));
    assert!(common::wait_for(Duration::from_secs(5), || !children(
        sleeper.pid()
    )
    .is_empty()));
    ng(["kill", &cg, "KILL"]).ok();
    drop(sleeper);
    let r = ng(["exec", &cg, "--", "cat", "/proc/self/cgroup"]);
    assert!(r.ok().lines().any(|l| l == v2_line(&cg)), "{}", r.stdout);
    let r = common::tool(
        "nsunshare",
        [
            &format!("--into-cgroup={}", &*cg),
            "-f",
            "--",
            "cat",
            "/proc/self/cgroup",
        ],
    );
    assert!(r.ok().lines().any(|l| l == v2_line(&cg)), "{}", r.stdout);
    let sub = format!("{}/sub", &*cg);
    let r = ng(["exec", "--rm", &sub, "--", "cat", "/proc/self/cgroup"]);
    assert!(r.ok().lines().any(|l| l == v2_line(&sub)), "{}", r.stdout);
    ng(["delete", &cg]).ok();
}

/// A caller who may not write an ancestor's cgroup.subtree_control (above a delegated subtree)
/// is told so in one line, before anything is made; the delegated part is still written.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn v2_enabling_stays_within_what_the_caller_may_write() {
    if !common::root() {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let t = v2_fixture();
    // The fixture as systemd delegates a subtree: the user owns box and its files.
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let nobody = 65534;
    let chown = |p: &Path| std::os::unix::fs::chown(p, Some(nobody), Some(nobody)).unwrap();
    chown(&t.join("box"));
    for e in std::fs::read_dir(t.join("box")).unwrap() {
        chown(&e.unwrap().path());
    }
    let as_nobody = |args: &[&str]| {
        let mut c = common::as_user(65534);
        c.arg(common::bin("nscgroup"))
            .arg(format!("--root={}", t.path().display()))
            .args(args);
        common::run(&mut c)
    };
    let before = std::fs::read_to_string(t.join("box/memory.max")).unwrap();
    let r = as_nobody(&["set", "/box", "--memory=1M"]);
    let file = t.join("cgroup.subtree_control");
    assert_eq!(
        r.fails(1),
        format!(
            "nscgroup: cannot enable memory in {}: Permission denied (the caller may not write \
             it: {} is above the subtree delegated to you, and only its owner can enable \
             controllers there)",
            file.display(),
            t.path().display()
        )
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "");
    assert_eq!(
        std::fs::read_to_string(t.join("box/memory.max")).unwrap(),
        before
    );
    // Enabled above by its owner: nothing to write there, the user's own files are written.
    std::fs::write(&file, "memory pids\n").unwrap();
    as_nobody(&["set", "/box", "--memory=1M", "--pids=7"]).ok();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "memory pids\n");
    assert_eq!(
        std::fs::read_to_string(t.join("box/memory.max")).unwrap(),
        "1048576"
    );
    assert_eq!(
        std::fs::read_to_string(t.join("box/pids.max")).unwrap(),
        "7"
    );
}

/// `--oom-group` writes memory.oom.group on v2 (with the memory controller enabled above), and
/// is refused in one line, before anything is made, where the memory controller is v1's (this
/// hybrid host). Its effect on a real v2 kernel (the whole cgroup killed at once) is checked in
/// the VM suite.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn oom_group_on_v2_and_refused_on_v1() {
    let t = v2_fixture();
    std::fs::write(t.join("box/memory.oom.group"), "0\n").unwrap();
    let root = format!("--root={}", t.path().display());
    ng([&root, "create", "/box", "--oom-group"]).ok();
    let read = |f: &str| std::fs::read_to_string(t.join(f)).unwrap();
    assert_eq!(read("box/memory.oom.group"), "1");
    assert_eq!(read("cgroup.subtree_control"), "+memory");
    let r = ng([&root, "list", "--oom-group"]);
    assert_eq!(
        r.fails(1).lines().next().unwrap(),
        "nscgroup: option '--oom-group' does not apply to list"
    );

    if common::cgroups(V1(&["memory"])).is_none() {
        return;
    }
    let cg = Cg::new("oomgroup");
    let want = "nscgroup: --oom-group needs cgroup v2 (memory.oom.group): v1 kills one process \
                at a time\nTry 'nscgroup --help' for more information.";
    for args in [
        &["create", &cg, "--oom-group", "--memory=64M"][..],
        &["exec", &cg, "--oom-group", "--", "true"],
        &["exec", "--rm", &cg, "--oom-group", "--", "true"],
    ] {
        assert_eq!(ng(args).fails(1), want, "{args:?}");
        assert!(found(&cg).is_empty(), "{args:?} left {:?}", found(&cg));
    }
    ng(["create", &cg]).ok();
    assert_eq!(ng(["set", &cg, "--oom-group"]).fails(1), want);
    ng(["delete", &cg]).ok();
}

/// On cgroup2, a user whose own cgroup's parent is delegated to them (they own it, its
/// cgroup.procs and cgroup.subtree_control, as systemd's Delegate=yes makes user@UID.service)
/// names with a relative path a cgroup beside their own, where every subcommand and `nsunshare
/// --into-cgroup` find it; root's relative paths stay below its own cgroup.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn relative_paths_start_at_a_delegated_parent() {
    if common::cgroups(V2(&[])).is_none() {
        return;
    }
    let cg = Cg::new("deleg");
    let d = dir("unified", &cg);
    let session = d.join("session");
    std::fs::create_dir(&d).unwrap();
    std::fs::create_dir(&session).unwrap();
    let nobody = 65534;
    for dir in [&d, &session] {
        for f in [
            "",
            "cgroup.procs",
            "cgroup.subtree_control",
            "cgroup.threads",
        ] {
            std::os::unix::fs::chown(dir.join(f), Some(nobody), Some(nobody)).unwrap();
        }
    }
    // A shell moved into CG/session (by root), which then runs the tool as nobody.
    let in_session = |user: bool, tool: &str, args: &[&str]| {
        let mut c = Command::new("sh");
        c.args(["-c", r#"echo $$ > "$0/cgroup.procs" && exec "$@""#])
            .arg(&session);
        if user {
            c.args([
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--",
            ]);
        }
        c.arg(common::bin(tool)).args(args);
        common::run(&mut c)
    };
    let beside = format!("0::{}/{}/job", own("").trim_end_matches('/'), &*cg);
    in_session(true, "nscgroup", &["create", "job"]).ok();
    assert!(d.join("job").is_dir() && !session.join("job").exists());
    let r = in_session(
        true,
        "nscgroup",
        &["exec", "job", "--", "cat", "/proc/self/cgroup"],
    );
    assert!(r.ok().lines().any(|l| l == beside), "{}", r.stdout);
    let r = in_session(
        true,
        "nsunshare",
        &["--into-cgroup=job", "--", "cat", "/proc/self/cgroup"],
    );
    assert!(r.ok().lines().any(|l| l == beside), "{}", r.stdout);
    // (On a hybrid host the list also holds what is below the test's own v1 cgroups.)
    let r = in_session(true, "nscgroup", &["list"]);
    let listed: Vec<&str> = r.ok().lines().collect();
    assert!(
        listed.contains(&"job") && listed.contains(&"session"),
        "{listed:?}"
    );
    in_session(true, "nscgroup", &["delete", "job"]).ok();
    assert!(!d.join("job").exists());
    // Root is never delegated to: below its own cgroup.
    in_session(false, "nscgroup", &["create", "job"]).ok();
    assert!(session.join("job").is_dir() && !d.join("job").exists());
    in_session(false, "nscgroup", &["delete", "job"]).ok();
    assert!(!session.join("job").exists());
}

/// The command lines of the EXAMPLES section of man/nscgroup.1 (`\-` unescaped).
fn man_examples() -> Vec<Vec<String>> {
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("man/nscgroup.1"))
            .unwrap();
    let examples = page.split(".SH EXAMPLES").nth(1).unwrap();
    let examples = examples.split("\n.SH ").next().unwrap();
    let mut out = Vec::new();
    let mut inside = false;
    for line in examples.lines() {
        match line {
            ".EX" => inside = true,
            ".EE" => inside = false,
            l if inside => {
                let l = l.replace("\\-", "-");
                assert!(
                    !l.contains(['\\', '"', '\'', '$']),
                    "an example the test cannot run word by word: {l}"
                );
                out.push(l.split_whitespace().map(str::to_string).collect());
            }
            _ => {}
        }
    }
    out
}

/// Every command line of the man page's EXAMPLES runs, in order, on this host's layout (the VM
/// suite runs them on pure v2: lifecycle/man_examples), with stand-ins: the cgroup names are
/// the test's own (below its own cgroup), the pid is a process it started, `make` is a program
/// that succeeds.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn man_page_examples_run() {
    if common::cgroups(V1(&["memory", "pids", "cpu"])).is_none() {
        return;
    }
    let examples = man_examples();
    assert!(examples.len() >= 5, "{examples:?}");
    let job = Cg::new("manjob");
    let cgbox = Cg::new("manbox");
    let sleeper = Proc::spawn(Command::new("sleep").arg("100"));
    let pid = sleeper.pid().to_string();
    let bin = TempDir::new("manmake");
    common::install(Path::new("/bin/true"), &bin.join("make"), 0o755);
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for argv in &examples {
        assert_eq!(argv[0], "nscgroup", "{argv:?}");
        let args: Vec<&str> = argv[1..]
            .iter()
            .map(|w| match w.as_str() {
                "job" => &*job,
                "box" => &*cgbox,
                "1234" => &pid,
                other => other,
            })
            .collect();
        let r = common::run(common::cmd("nscgroup").args(&args).env("PATH", &path));
        assert_eq!(r.code, Some(0), "{argv:?} as {args:?}: {}", r.stderr);
    }
    // The last line deleted box with its process.
    assert!(found(&cgbox).is_empty() && found(&job).is_empty());
    let mut sleeper = sleeper;
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(sleeper.0.wait().unwrap().signal(), Some(9));
}
