//! README's examples, run as written: every line of "Ad-hoc use" and the block of "Several
//! containers on one bridge", with stand-ins for what a reader has and a test must make (an
//! nginx of several processes, a `make`, process 1234 and its pidfd inode 5678, the namespace
//! `blue`, the cgroups `job` and `build`, `./rootfs`). Whatever touches the network runs in a
//! namespace playing the host, so the machine's own links and rules are never touched.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Proc, Ran, TempDir};

/// The lines of the first `sh` block after `heading`, without their comments.
fn block(heading: &str) -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let at = readme
        .find(heading)
        .unwrap_or_else(|| panic!("README has no {heading}"));
    let body = readme[at..].split("```sh\n").nth(1).unwrap();
    let body = &body[..body.find("```").unwrap()];
    body.lines()
        .map(|l| match l.find("  #") {
            Some(i) => l[..i].trim_end().to_string(),
            None => l.trim_end().to_string(),
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// A line of README with the stand-ins put in (whole words only).
fn substitute(line: &str, subs: &HashMap<&str, String>) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(
            subs.get(word.as_str())
                .map_or(word.as_str(), String::as_str),
        );
        word.clear();
    };
    for c in line.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The test's stand-ins for programs a reader has: `nginx` (a copy of sleep, so that its
/// processes are named nginx) and `make`.
fn stubs(dir: &TempDir) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    common::install(
        Path::new(&common::sh("command -v sleep").trim().to_string()),
        &bin.join("nginx"),
        0o755,
    );
    std::fs::write(bin.join("make"), "#!/bin/sh\necho \"made $*\"\n").unwrap();
    common::sh(&format!("chmod 755 {}/make", bin.display()));
    bin
}

/// PATH with our binaries first, then the stand-ins.
fn path(stubs: &Path) -> String {
    let ours = common::bin("nsunshare")
        .parent()
        .unwrap()
        .display()
        .to_string();
    format!(
        "{ours}:{}:{}",
        stubs.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// `sh -c line` with PATH, in `cwd`, `stdin` given; its result.
fn shell(line: &str, path: &str, cwd: &Path, stdin: &str) -> Ran {
    use std::io::Write;
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(line)
        .env("PATH", path)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = common::retry_busy(|| c.spawn()).unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap().into()
}

/// The first child of `pid` (what `nsunshare -f` runs).
fn child_of(pid: u32) -> u32 {
    let mut found = 0;
    common::wait_for(Duration::from_secs(5), || {
        let children =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        found = children
            .split_whitespace()
            .next()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        found != 0
    });
    assert_ne!(found, 0, "no child of {pid}");
    found
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn ad_hoc_examples_run_as_written() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("readme");
    let stubs = stubs(&dir);
    let path = path(&stubs);
    let nsunshare = common::bin("nsunshare");

    // Process 1234: a program in namespaces of its own, with its own /proc.
    let target = Proc::spawn(Command::new(&nsunshare).args([
        "-fpmun",
        "--mount-proc",
        "--kill-child",
        "--",
        "sleep",
        "1000",
    ]));
    let pid = child_of(target.pid()).to_string();
    // nginx: a master and two workers in a network namespace, listening on port 8080 (and a pid
    // namespace, so that the workers go with the master).
    let nginx = Proc::spawn(
        Command::new(&nsunshare)
            .args(["-npf", "--kill-child", "--", "sh", "-c"])
            .arg(
                "ip link set lo up; busybox nc -l -p 8080 & nginx 1000 & \
                 nginx 1000 & exec nginx 1000",
            )
            .env("PATH", &path),
    );
    let netns = common::unique("blue");
    let persisted = PathBuf::from("/run/netns").join(&netns);
    std::fs::create_dir_all("/run/netns").unwrap();
    let made = common::run(Command::new("ip").args(["netns", "add", &netns]));
    assert_eq!(made.code, Some(0), "{}", made.stderr);
    assert!(persisted.exists(), "{} was not made", persisted.display());
    struct Netns(String);
    impl Drop for Netns {
        fn drop(&mut self) {
            let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
        }
    }
    let _netns = Netns(netns.clone());
    // The cgroups, unique to this test, under its own cgroup.
    let (job, build) = (common::unique("readme-job"), common::unique("readme-build"));
    struct Cgroup(PathBuf, String);
    impl Drop for Cgroup {
        fn drop(&mut self) {
            let _ = Command::new(&self.0)
                .args(["delete", "--kill", &self.1])
                .stderr(Stdio::null())
                .status();
        }
    }
    let _cgroups = [job.clone(), build.clone()].map(|c| Cgroup(common::bin("nscgroup"), c));
    // ./rootfs, searchable by everyone.
    let made = common::run(
        Command::new("sh")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/make-rootfs.sh"))
            .arg(dir.join("rootfs")),
    );
    assert_eq!(made.code, Some(0), "{}", made.stderr);
    common::sh(&format!("chmod 755 {}", dir.path().display()));
    // nginx is up once the listener is.
    assert!(common::wait_for(Duration::from_secs(10), || {
        shell(
            "nsenter -t \"$(pgrep -o nginx)\" -n ss -ltn",
            &path,
            dir.path(),
            "",
        )
        .stdout
        .contains(":8080")
    }));
    // The pidfd inode: as README says, from nsls --inspect.
    let inspect = shell(&format!("nsls --inspect {pid}"), &path, dir.path(), "");
    let target_line = inspect
        .ok()
        .lines()
        .find_map(|l| l.strip_prefix("target:"))
        .unwrap_or_else(|| panic!("no target: in {}", inspect.stdout))
        .trim()
        .to_string();
    let inode = target_line.split_once(':').unwrap().1.to_string();
    assert_eq!(target_line, format!("{pid}:{inode}"));

    let subs: HashMap<&str, String> = [
        ("1234", pid.clone()),
        ("5678", inode.clone()),
        ("blue", netns.clone()),
        ("job", job.clone()),
        ("build", build.clone()),
    ]
    .into_iter()
    .collect();
    let lines = block("## Ad-hoc use");
    // The network lines run together in a namespace playing the host, with a store of their own.
    let mut network = Vec::new();
    for line in &lines {
        let run = substitute(line, &subs);
        if line.starts_with("nsveth ") {
            network.push(run);
            continue;
        }
        let stdin = if line.contains(" -a") || line.contains("/bin/sh") {
            "echo inside $(hostname)\nexit\n"
        } else {
            ""
        };
        let r = shell(&run, &path, dir.path(), stdin);
        let out = r.ok();
        let want: &[&str] = match line.split(" #").next().unwrap().trim() {
            l if l.starts_with("nsunshare -n ") => &["lo:", "DOWN"],
            l if l.starts_with("nsunshare -r ") => &["uid=0(root)"],
            l if l.starts_with("nsunshare -Urpf ") => &["    1 "],
            l if l.starts_with("nsunshare -u ") => &["test"],
            l if l.starts_with("nsenter -t \"$(pgrep") => &[":8080"],
            l if l.starts_with("nsenter -t 1234 -a") => &["inside "],
            l if l.starts_with("nsenter --netns=") => &["lo:"],
            l if l.starts_with("nsls --inspect") => &["target:", "namespaces:"],
            l if l.starts_with("nsenter -t 1234:5678") => &["sleep"],
            l if l.starts_with("nsls -t net") => &["net"],
            l if l.contains("exec --rm") => &["made -j8"],
            l if l.starts_with("nscgroup exec build") => &["made -j8"],
            l if l.starts_with("nscgroup stat") => &["\"pids.current\""],
            l if l.contains("nspivot ./rootfs") => &["inside "],
            _ => &[],
        };
        for w in want {
            assert!(out.contains(w), "{run}: no {w:?} in {out:?}");
        }
        // What the lines after rely on.
        if line.contains("exec --rm") {
            let r = common::tool("nscgroup", ["stat", &job]);
            assert_ne!(r.code, Some(0), "--rm left {job}");
        }
    }
    // The pidfd inode is what it says: another inode is refused.
    let r = shell(
        &format!(
            "nsenter -t {pid}:{} -m -p ps",
            inode.parse::<u64>().unwrap() + 1
        ),
        &path,
        dir.path(),
        "",
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    // nsveth, as written, from a namespace playing the host (the host end goes with it, so what
    // the target sees is read there too).
    let store = dir.join("run");
    network.push(format!("nsenter -t {pid} -n ip -o addr"));
    let r = common::run(
        Command::new(&nsunshare)
            .args(["-n", "--", "sh", "-ec"])
            .arg(network.join("\n"))
            .env("PATH", &path)
            .env("NSTOOLS_RUN_DIR", &store),
    );
    let out = r.ok();
    assert!(
        out.lines()
            .any(|l| l.starts_with("veth") && l.contains(" up ")),
        "nsveth list: {out}"
    );
    assert!(out.contains("inet 10.9.0.2/24"), "{out}");
    drop(nginx);
    drop(target);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn several_containers_on_one_bridge_as_written() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("readme-bridge");
    let stubs = stubs(&dir);
    let script = block("## Several containers on one bridge").join("\n");
    // In a namespace playing the host, with a /run/netns and a lease store of its own: the
    // names are the README's, unique to this namespace.
    let r = common::run(
        Command::new(common::bin("nsunshare"))
            .args(["-nm", "--", "sh", "-ec"])
            .arg(format!(
                "mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns\n{script}"
            ))
            .env("PATH", path(&stubs))
            .env("NSTOOLS_RUN_DIR", dir.join("run")),
    );
    let out = r.ok();
    for want in ["10.88.0.2", "10.88.0.3", "10.88.0.4", " 0% packet loss"] {
        assert!(out.contains(want), "no {want:?} in {out}");
    }
}
