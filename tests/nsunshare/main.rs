//! Black-box tests of `nsunshare` against the real kernel: every effect is checked from outside
//! (the test's own namespaces, util-linux `nsenter`/`ipcs`/`setpriv`, iproute2) or from the
//! /proc files of the program it ran.

mod cgroups;
#[path = "../common/mod.rs"]
mod common;
mod maps;
mod namespaces;
mod options;
mod persist;
mod program;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{cmd, run, tool, FakeEtc, Proc, Ran, TempDir};

const T: &str = "nsunshare";
const TRY: &str = "Try 'nsunshare --help' for more information.";

/// `nsunshare ARGS... -- sh -c SCRIPT`.
fn nssh(args: &[&str], script: &str) -> Ran {
    run(cmd(T).args(args).args(["--", "sh", "-c", script]))
}

/// Assert a usage error: exactly the message line and the Try line, exit 1.
#[track_caller]
fn usage_error(args: &[&str], msg: &str) {
    let r = tool(T, args);
    assert_eq!(r.code, Some(1), "{args:?}: {}", r.stderr);
    assert_eq!(r.stderr, format!("nsunshare: {msg}\n{TRY}\n"), "{args:?}");
    assert_eq!(r.stdout, "");
}

/// Assert a plain error: exactly one line, exit 1, nothing on stdout.
#[track_caller]
fn one_line_error(args: &[&str], msg: &str) {
    let r = tool(T, args);
    assert_eq!(r.code, Some(1), "{args:?}: {}", r.stderr);
    assert_eq!(r.stderr, format!("nsunshare: {msg}\n"), "{args:?}");
    assert_eq!(r.stdout, "");
}

/// Lines split into whitespace-separated words (for /proc maps printed with padding).
fn words(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

const NS_FILES: &[&str] = &[
    "cgroup",
    "ipc",
    "mnt",
    "net",
    "pid",
    "pid_for_children",
    "time",
    "time_for_children",
    "user",
    "uts",
];

/// The namespace inodes of a program run by `nsunshare ARGS`, as `stat -L` sees them from
/// inside (None where the file cannot be followed, e.g. `pid_for_children` before its init).
fn inodes_inside(args: &[&str]) -> BTreeMap<String, Option<u64>> {
    // One process only: with -p and no --fork, the first child would be the new namespace's
    // init, and no process could be forked there after it exits.
    let files: Vec<String> = NS_FILES
        .iter()
        .map(|f| format!("/proc/self/ns/{f}"))
        .collect();
    let r = run(cmd(T)
        .args(args)
        .args(["--", "stat", "-L", "-c", "%n %i"])
        .args(&files));
    let got: BTreeMap<String, u64> = r
        .stdout
        .lines()
        .map(|l| {
            let (name, ino) = l.split_once(' ').unwrap();
            (
                name.trim_start_matches("/proc/self/ns/").to_string(),
                ino.parse().unwrap(),
            )
        })
        .collect();
    // stat fails only for files it cannot follow, and says so.
    let missing = NS_FILES.len() - got.len();
    assert_eq!(r.stderr.lines().count(), missing, "{args:?}: {}", r.stderr);
    assert_eq!(
        r.code,
        Some(if missing == 0 { 0 } else { 1 }),
        "{args:?}: {}",
        r.stderr
    );
    NS_FILES
        .iter()
        .map(|f| (f.to_string(), got.get(*f).copied()))
        .collect()
}

/// The namespace files whose inode differs from the test process's own.
fn changed(args: &[&str]) -> Vec<String> {
    inodes_inside(args)
        .into_iter()
        .filter(|(name, ino)| *ino != Some(common::ns_inode("self", name)))
        .map(|(name, _)| name)
        .collect()
}

fn outside_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap()
}

/// The keys of the SysV message queues `ipcs -q` lists.
fn queue_keys(ipcs: &str) -> Vec<String> {
    ipcs.lines()
        .filter(|l| l.starts_with("0x"))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

fn file_inode(p: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).unwrap().ino()
}

/// A process the test started indirectly (the program run by nsunshare), killed on drop if it is
/// still that program.
struct Orphan(i32, &'static str);

impl Orphan {
    fn running(&self) -> bool {
        // Gone, or a zombie waiting for whoever adopted it.
        match std::fs::read_to_string(format!("/proc/{}/stat", self.0)) {
            Ok(stat) => {
                let state = stat.rsplit_once(") ").map(|(_, r)| r.chars().next());
                state != Some(Some('Z'))
            }
            Err(_) => false,
        }
    }
}

impl Drop for Orphan {
    fn drop(&mut self) {
        let comm = std::fs::read_to_string(format!("/proc/{}/comm", self.0)).unwrap_or_default();
        if comm.trim() == self.1 {
            let pid = nix::unistd::Pid::from_raw(self.0);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
    }
}

/// Start `nsunshare ARGS -- sh -c 'echo $$ > FILE; exec sleep 60'`, return it and the program.
fn start_sleeper(args: &[&str], d: &TempDir) -> (Proc, Orphan) {
    let pidfile = d.join(&common::unique("pid"));
    let p = Proc::spawn(
        cmd(T)
            .args(args)
            .args([
                "--",
                "sh",
                "-c",
                r#"echo $$ > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 60"#,
            ])
            .arg(&pidfile),
    );
    assert!(
        common::wait_for(Duration::from_secs(10), || pidfile.exists()),
        "program did not start"
    );
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let o = Orphan(pid, "sleep");
    assert!(common::wait_for(Duration::from_secs(5), || {
        std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c == "sleep\n")
    }));
    (p, o)
}
