//! The fault-injection harness: run a tool under `strace -f`, list the system calls its own
//! processes make (the *points*), and run it again with one point disturbed: a signal delivered
//! as that call is entered, or the call failing. Shared by `tests/faults.rs` (which disturbs)
//! and `tests/badinput.rs` (which only snapshots).
//!
//! strace counts the calls subject to injection per system call and per traced process, so a
//! point is a pair (name, n): the n-th call of that name in every process that makes one. A
//! point is taken from the processes that run one of our binaries; when it is injected, the same
//! call of any other traced process (a setup command's shell, the program) is hit as well, which
//! [`Injected::hits`] tells apart by reading strace's log.
//!
//! Every process of a run carries `NSTOOLS_FAULT_TOKEN=<token>` in its environment, so the
//! processes a run leaves behind can be found (and, after a hang, ended) without touching anyone
//! else's.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::common::{self, Ran, TempDir};

/// The environment variable every process of a run carries.
pub const TOKEN_VAR: &str = "NSTOOLS_FAULT_TOKEN";

/// The longest a disturbed run may take before it counts as a hang.
const HANG: Duration = Duration::from_secs(60);

/// Whether the exhaustive mode was asked for (`NSTOOLS_FAULTS=all`): every point with every
/// signal, every point failing. Otherwise a sample (see [`Sampler`]).
pub fn exhaustive() -> bool {
    std::env::var("NSTOOLS_FAULTS").is_ok_and(|v| v == "all")
}

/// One system call a tool's process makes: the `n`-th call of `name` in its process.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Point {
    pub name: String,
    pub n: u32,
}

impl std::fmt::Display for Point {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.name, self.n)
    }
}

/// What is done at a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The signal is delivered as the call is entered.
    Signal(Signal),
    /// The call fails with this errno (it is not made).
    Error(nix::errno::Errno),
    /// The signal is sent to the tool this many microseconds after it started, wherever it is
    /// then (its point is `after#MICROSECONDS`, which no call matches).
    After(Signal, u32),
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::Signal(s) => write!(f, "{s}"),
            Fault::Error(e) => write!(f, "{e}"),
            Fault::After(s, us) => write!(f, "{s} after {us} us"),
        }
    }
}

/// The directory of our binaries: a process runs one of ours when its executable is there.
fn our_dir() -> PathBuf {
    common::bin("nsunshare").parent().unwrap().to_path_buf()
}

/// One line of strace's log, as far as the harness cares.
#[derive(Debug)]
enum Line<'a> {
    /// A call entered (complete or `<unfinished ...>`).
    Enter {
        pid: i32,
        name: &'a str,
        rest: &'a str,
    },
    /// `<... NAME resumed>`: the end of an unfinished call.
    Resumed {
        pid: i32,
        name: &'a str,
        rest: &'a str,
    },
    Other,
}

fn line(l: &str) -> Line<'_> {
    let Some((pid, rest)) = l.split_once(' ') else {
        return Line::Other;
    };
    let Ok(pid) = pid.parse() else {
        return Line::Other;
    };
    let rest = rest.trim_start();
    if let Some(r) = rest.strip_prefix("<... ") {
        if let Some((name, rest)) = r.split_once(" resumed>") {
            return Line::Resumed { pid, name, rest };
        }
        return Line::Other;
    }
    match rest.split_once('(') {
        Some((name, rest))
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
        {
            Line::Enter { pid, name, rest }
        }
        _ => Line::Other,
    }
}

/// The return value at the end of a line (`= 42`, `= 0`), if it is a plain number.
fn returned(rest: &str) -> Option<i64> {
    let (_, r) = rest.rsplit_once(" = ")?;
    r.split_whitespace().next()?.parse().ok()
}

/// The first string argument of a call (`execve("/bin/sh", ...`).
fn first_string(rest: &str) -> Option<&str> {
    let r = rest.strip_prefix('"')?;
    Some(&r[..r.find('"')?])
}

const FORKS: &[&str] = &["fork", "vfork", "clone", "clone3"];

/// A run's processes, from its log: for every call entered, the process, the call's number
/// among that process's calls of that name, and what the process was running.
#[derive(Debug, Default)]
pub struct Trace {
    /// (pid, name, n, executable) in log order.
    pub calls: Vec<(i32, String, u32, String)>,
    /// Executables started successfully (`execve` returned 0), with the pid.
    pub execs: Vec<(i32, String)>,
    /// Executables whose `execve` was entered, with the pid.
    pub exec_tries: Vec<(i32, String)>,
    /// Lines marked `(INJECTED)`, with the pid.
    pub injected: Vec<i32>,
    /// The processes that were killed by a signal (`+++ killed by SIG +++`).
    pub killed: Vec<(i32, String)>,
    /// Who forked whom: (child, parent).
    pub parents: BTreeMap<i32, i32>,
}

impl Trace {
    pub fn parse(log: &str) -> Trace {
        // First the family: who forked whom.
        let mut parent: BTreeMap<i32, i32> = BTreeMap::new();
        for l in log.lines() {
            match line(l) {
                Line::Enter { pid, name, rest } | Line::Resumed { pid, name, rest }
                    if FORKS.contains(&name) =>
                {
                    if let Some(child) = returned(rest).filter(|c| *c > 0) {
                        parent.insert(child as i32, pid);
                    }
                }
                _ => {}
            }
        }
        let mut t = Trace {
            parents: parent.clone(),
            ..Trace::default()
        };
        let mut exe: BTreeMap<i32, String> = BTreeMap::new();
        let mut count: BTreeMap<(i32, String), u32> = BTreeMap::new();
        let mut pending_exec: BTreeMap<i32, String> = BTreeMap::new();
        for l in log.lines() {
            if l.ends_with("(INJECTED)") {
                if let Some(pid) = l.split(' ').next().and_then(|p| p.parse().ok()) {
                    t.injected.push(pid);
                }
            }
            if let Some((pid, r)) = l.split_once(' ') {
                if let (Ok(pid), Some(sig)) = (
                    pid.parse::<i32>(),
                    r.trim_start().strip_prefix("+++ killed by "),
                ) {
                    let sig = sig.split(' ').next().unwrap_or("").to_string();
                    t.killed.push((pid, sig));
                }
            }
            match line(l) {
                Line::Enter { pid, name, rest } => {
                    let current = match exe.get(&pid) {
                        Some(e) => e.clone(),
                        None => {
                            let e = parent
                                .get(&pid)
                                .and_then(|p| exe.get(p))
                                .cloned()
                                .unwrap_or_default();
                            exe.insert(pid, e.clone());
                            e
                        }
                    };
                    let n = count.entry((pid, name.to_string())).or_insert(0);
                    *n += 1;
                    t.calls.push((pid, name.to_string(), *n, current));
                    if name == "execve" {
                        if let Some(path) = first_string(rest) {
                            t.exec_tries.push((pid, path.to_string()));
                            if returned(rest) == Some(0) {
                                exe.insert(pid, path.to_string());
                                t.execs.push((pid, path.to_string()));
                            } else {
                                pending_exec.insert(pid, path.to_string());
                            }
                        }
                    }
                }
                Line::Resumed {
                    pid,
                    name: "execve",
                    rest,
                } => {
                    if let Some(path) = pending_exec.remove(&pid) {
                        if returned(rest) == Some(0) {
                            exe.insert(pid, path.clone());
                            t.execs.push((pid, path));
                        }
                    }
                }
                _ => {}
            }
        }
        t
    }

    /// The points of the processes that run one of our binaries, in the order they first occur.
    /// The C library's start-up calls are left out: before `main`, nothing of ours can handle
    /// their failure (musl ends on a failed `arch_prctl(ARCH_SET_FS)` with SIGSEGV).
    pub fn points(&self) -> Vec<Point> {
        const STARTUP: &[&str] = &["arch_prctl", "set_tid_address"];
        self.points_but(STARTUP)
    }

    /// The points that can fail: without the calls that never fail on Linux (a process's ids,
    /// ending it), whose "failure" strace can fake but no kernel returns; nor `close`, which
    /// strace fails by not making it, while Linux releases the descriptor whatever it returns
    /// (a pipe's end left open would then hang its reader, which no kernel does).
    pub fn failing_points(&self) -> Vec<Point> {
        const NEVER_FAIL: &[&str] = &[
            "close",
            "arch_prctl",
            "set_tid_address",
            "getpid",
            "getppid",
            "gettid",
            "getuid",
            "geteuid",
            "getgid",
            "getegid",
            "umask",
            "exit",
            "exit_group",
            "rt_sigreturn",
        ];
        self.points_but(NEVER_FAIL)
    }

    fn points_but(&self, left_out: &[&str]) -> Vec<Point> {
        let ours = our_dir();
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (_, name, n, exe) in &self.calls {
            if Path::new(exe).starts_with(&ours) && !left_out.contains(&name.as_str()) {
                let p = Point {
                    name: name.clone(),
                    n: *n,
                };
                if seen.insert(p.clone()) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// The processes a point hit, each with what it was running.
    pub fn hits(&self, p: &Point) -> Vec<(i32, String)> {
        self.calls
            .iter()
            .filter(|(_, name, n, _)| *name == p.name && *n == p.n)
            .map(|(pid, _, _, exe)| (*pid, exe.clone()))
            .collect()
    }

    /// The first process of the run (the one strace started).
    pub fn main(&self) -> Option<i32> {
        self.calls.first().map(|c| c.0)
    }

    /// Whether `pid` forked a child that the log shows.
    pub fn forked(&self, pid: i32) -> bool {
        self.parents.values().any(|p| *p == pid)
    }

    /// Whether a process started `path` (its `execve` returned 0).
    pub fn started(&self, path: &str) -> bool {
        self.execs.iter().any(|(_, p)| p == path)
    }

    /// Whether some process entered an `execve` of `path`.
    pub fn tried(&self, path: &str) -> bool {
        self.exec_tries.iter().any(|(_, p)| p == path)
    }
}

/// Whether `exe` is one of our binaries.
pub fn is_ours(exe: &str) -> bool {
    Path::new(exe).starts_with(our_dir())
}

/// The pids of processes whose environment holds `TOKEN_VAR=token`.
pub fn processes_with(token: &str) -> Vec<i32> {
    let needle = format!("{TOKEN_VAR}={token}");
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else {
            continue;
        };
        if env.split(|b| *b == 0).any(|v| v == needle.as_bytes()) {
            // A zombie waiting for its parent (a test thread reaping soon) is gone already.
            let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
                s.rsplit_once(") ")
                    .is_some_and(|(_, r)| r.starts_with('Z') || r.starts_with('X'))
            });
            if !zombie {
                out.push(pid);
            }
        }
    }
    out
}

/// SIGKILL every process of a run (ours: they carry its token), until none is left.
pub fn kill_token(token: &str) {
    for _ in 0..100 {
        let pids = processes_with(token);
        if pids.is_empty() {
            return;
        }
        for p in pids {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(p), Signal::SIGKILL);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A run under strace and what it did.
pub struct Injected {
    pub ran: Ran,
    pub trace: Trace,
    pub log: String,
    /// The point and fault, if any (`None`: an undisturbed baseline run).
    pub fault: Option<(Point, Fault)>,
    /// strace failed to inject the fault as asked: the run is not the one asked for.
    pub untampered: bool,
}

impl Injected {
    /// The processes the fault hit, each with what it ran.
    pub fn hits(&self) -> Vec<(i32, String)> {
        match &self.fault {
            Some((p, _)) => self.trace.hits(p),
            None => Vec::new(),
        }
    }

    /// Whether the fault hit one of our processes (rather than only a shell or the program).
    pub fn hit_ours(&self) -> bool {
        self.hits().iter().any(|(_, e)| is_ours(e))
    }

    /// A description for assertion messages.
    pub fn what(&self) -> String {
        let f = match &self.fault {
            Some((p, f)) => format!("{f} at {p}"),
            None => "no fault".into(),
        };
        format!(
            "{f}: status {:?} signal {:?}; stderr {:?}; hits {:?}",
            self.ran.code,
            self.ran.signal,
            self.ran.stderr,
            self.hits()
        )
    }
}

/// Run `argv` under `strace -f`, with `fault` at `point` if given, every process carrying
/// `token`. A run that takes longer than [`HANG`] is ended (its processes killed) and fails the
/// test.
pub fn strace(
    argv: &[OsString],
    token: &str,
    fault: Option<(Point, Fault)>,
    envs: &[(&str, &str)],
) -> Injected {
    let dir = TempDir::new("strace");
    let log = dir.join("log");
    let mut c = Command::new("strace");
    c.arg("-f").arg("-o").arg(&log);
    match &fault {
        None => {
            c.args(["-e", "trace=all"]);
        }
        // Nothing injected: the signal comes from outside (below).
        Some((_, Fault::After(..))) => {
            c.args(["-e", "trace=%process,sendto"]);
        }
        Some((p, f)) => {
            c.arg("-e")
                .arg(format!("trace=%process,sendto,{}", p.name))
                .arg("-e");
            match f {
                Fault::Signal(s) => c.arg(format!("inject={}:signal={s}:when={}", p.name, p.n)),
                Fault::Error(e) => c.arg(format!("inject={}:error={e:?}:when={}", p.name, p.n)),
                Fault::After(..) => unreachable!("handled above"),
            };
        }
    }
    c.arg("--").args(argv);
    c.env(TOKEN_VAR, token);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = common::retry_busy(|| c.spawn()).expect("cannot run strace");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out, &mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err, &mut v);
        v
    });
    if let Some((_, Fault::After(sig, us))) = &fault {
        // The tool is strace's child; the clock starts when it exists.
        let s = child.id();
        let mut tool = None;
        let found = common::wait_for(Duration::from_secs(10), || {
            let kids = std::fs::read_to_string(format!("/proc/{s}/task/{s}/children"));
            tool = kids
                .ok()
                .and_then(|k| k.split_whitespace().next()?.parse::<i32>().ok());
            tool.is_some()
        });
        if found {
            std::thread::sleep(Duration::from_micros(u64::from(*us)));
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(tool.unwrap()), *sig);
        }
    }
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > HANG {
            kill_token(token);
            let _ = child.kill();
            let _ = child.wait();
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(40).collect();
            panic!(
                "{argv:?} with {fault:?} hung for {HANG:?}; end of its log:\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let ran: Ran = std::process::Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
    .into();
    // strace sometimes cannot inject into a call it stopped (`Failed to tamper with process`):
    // that run is not the one asked for (see `Injected::untampered`). Anything else it says
    // first is a refusal of its arguments.
    let untampered = ran.stderr.contains("strace: Failed to tamper");
    assert!(
        untampered || !ran.stderr.starts_with("strace: "),
        "strace refused {argv:?} with {fault:?}: {}",
        ran.stderr
    );
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    Injected {
        ran,
        trace: Trace::parse(&text),
        log: text,
        fault,
        untampered,
    }
}

/// The signals of the signal faults.
pub const SIGNALS: [Signal; 3] = [Signal::SIGTERM, Signal::SIGINT, Signal::SIGKILL];

/// A small xorshift generator; its seed is printed (and taken from `NSTOOLS_FAULTS_SEED` when
/// set), so a failing sample can be run again.
pub struct Rng(u64);

impl Rng {
    pub fn new(tag: &str) -> Rng {
        let seed = std::env::var("NSTOOLS_FAULTS_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                let t = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64;
                t ^ (u64::from(std::process::id()) << 32)
            })
            | 1;
        eprintln!("{tag}: seed {seed} (NSTOOLS_FAULTS_SEED={seed} repeats this sample)");
        Rng(seed)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Which (point, fault) pairs a test runs. Exhaustive: every point with each signal, or every
/// point failing. Sampled (the default, for CI): at most `budget` pairs, the points taken at an
/// even stride from a random offset and each given a signal in turn from a random start, so
/// that every part of the run is disturbed and, over runs, every point with every signal.
pub fn plan(
    points: &[Point],
    faults: &[Fault],
    budget: usize,
    rng: &mut Rng,
) -> Vec<(Point, Fault)> {
    let mut all = Vec::new();
    if exhaustive() {
        for p in points {
            for f in faults {
                all.push((p.clone(), *f));
            }
        }
        return all;
    }
    let n = points.len();
    if n == 0 {
        return all;
    }
    let take = budget.min(n * faults.len());
    let first_fault = rng.below(faults.len() as u64) as usize;
    let offset = rng.below(n as u64) as usize;
    for i in 0..take {
        // Spread `take` picks over the points (wrapping round with the next fault when the
        // budget exceeds the points).
        let at = (offset + i * n / take.min(n).max(1)) % n;
        let round = i / n.max(1);
        let f = faults[(first_fault + i + round) % faults.len()];
        all.push((points[at].clone(), f));
    }
    let mut seen = Vec::new();
    all.retain(|pair| {
        let new = !seen.contains(pair);
        seen.push(pair.clone());
        new
    });
    all.sort_by_key(|(p, _)| points.iter().position(|q| q == p));
    all
}

/// Errno descriptions as the tools print them (nix's `desc`).
pub fn desc(e: nix::errno::Errno) -> &'static str {
    e.desc()
}

/// The lines of `stderr` that our tools printed (`nsveth: ...`, `nsunshare: ...`).
pub fn our_lines(stderr: &str) -> Vec<&str> {
    const TOOLS: &[&str] = &[
        "nsunshare: ",
        "nsenter: ",
        "nsmount-proc: ",
        "nsidmap: ",
        "nsveth: ",
        "nscgroup: ",
        "nspivot: ",
        "nstools: ",
        "newuidmap: ",
        "newgidmap: ",
    ];
    stderr
        .lines()
        .filter(|l| TOOLS.iter().any(|t| l.starts_with(t)))
        .collect()
}

/// Whether a run ended because an allocation failed (`TOOL: cannot allocate N bytes`): the tool
/// ends at once, as `SIGKILL` would end it, so it may leave what `SIGKILL` may.
pub fn out_of_memory(run: &Injected) -> bool {
    our_lines(&run.ran.stderr)
        .iter()
        .any(|l| l.contains(": cannot allocate ") && l.ends_with(" bytes"))
}

/// Whether strace's log (`strace -f`: each line starts with the pid) shows an injected failure
/// of a write to stderr: on one line, or, when another process's call came in between, split
/// into `write(2, … <unfinished ...>` and that pid's `<... write resumed>`.
fn message_write_failed(log: &str) -> bool {
    let mut unfinished = Vec::new();
    for l in log.lines() {
        let pid = l.split_whitespace().next().unwrap_or("");
        if l.contains(" write(2, ") {
            if l.ends_with("(INJECTED)") {
                return true;
            }
            if l.ends_with("<unfinished ...>") {
                unfinished.push(pid);
            }
        } else if l.contains("<... write resumed>") && unfinished.contains(&pid) {
            if l.ends_with("(INJECTED)") {
                return true;
            }
            unfinished.retain(|p| *p != pid);
        }
    }
    false
}

/// A run that failed by an injected error must say so in one line of the tool that names the
/// operation (`tool: what failed: I/O error`, never a bare errno), without a panic or Rust's
/// `(os error N)`. Returns the line.
#[track_caller]
pub fn check_error_message<'a>(run: &'a Injected, tool: &str) -> &'a str {
    let what = run.what();
    let stderr = &run.ran.stderr;
    assert!(
        !stderr.contains("panicked") && !stderr.contains("(os error"),
        "{what}"
    );
    let ours = our_lines(stderr);
    if message_write_failed(&run.log) {
        // The message itself was the write that failed.
        return "";
    }
    if out_of_memory(run) {
        // Ended at once by a failed allocation: its line comes first; a helper's parent may
        // then say that the helper ended.
        return ours[0];
    }
    if matches!(&run.fault, Some((p, _)) if p.name == "wait4") && !ours.is_empty() {
        // wait4 fails only with ECHILD or EINTR, which the tools handle; a faked EIO leaves
        // their child unwaited for, which may then say how it ended too.
        return ours[0];
    }
    assert_eq!(ours.len(), 1, "one line of ours on stderr: {what}");
    let line = ours[0];
    let (name, msg) = line.split_once(": ").unwrap();
    assert!(
        name == tool || ["nsidmap", "newuidmap", "newgidmap"].contains(&name),
        "{what}"
    );
    if let Some((context, _)) = msg.rsplit_once(": ") {
        assert!(!context.trim().is_empty(), "no operation named: {what}");
    }
    assert_ne!(
        msg,
        desc(nix::errno::Errno::EIO),
        "a bare errno names no operation: {what}"
    );
    line
}

/// A snapshot of the host state a test may change, limited to what carries its unique names or
/// lives in its own directories, since other tests run on the same machine at the same time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Links whose name is one of the watched names: `name alias flags-word`.
    pub links: Vec<String>,
    /// Routes (v4 and v6) that mention a watched name or subnet.
    pub routes: Vec<String>,
    /// Cgroup directories, in every hierarchy, whose path has a watched name.
    pub cgroups: Vec<String>,
    /// Mounts at or below a watched directory.
    pub mounts: Vec<String>,
    /// Entries of /run/netns with a watched name.
    pub netns: Vec<String>,
    /// Files below the watched directories.
    pub files: Vec<String>,
    /// Processes with the watched token.
    pub procs: Vec<i32>,
}

/// What a [`Snapshot`] looks at.
#[derive(Clone, Debug, Default)]
pub struct Watch {
    /// Substrings of link, cgroup and /run/netns names.
    pub names: Vec<String>,
    /// Subnets (as text prefixes, `10.9.8.`) of routes.
    pub subnets: Vec<String>,
    pub dirs: Vec<PathBuf>,
    pub tokens: Vec<String>,
}

impl Watch {
    fn named(&self, s: &str) -> bool {
        self.names.iter().any(|n| s.contains(n.as_str()))
    }

    pub fn snapshot(&self) -> Snapshot {
        let mut s = Snapshot::default();
        let links = common::run(Command::new("ip").args(["-o", "link", "show"]));
        for l in links.stdout.lines() {
            let name = l.split(": ").nth(1).unwrap_or("");
            let name = name.split('@').next().unwrap_or("");
            if self.named(name) {
                let alias = l.rsplit_once("    alias ").map_or("", |(_, a)| a);
                let up = l.contains(",UP") || l.contains("<UP");
                s.links.push(format!("{name} {alias} up={up}"));
            }
        }
        for fam in ["-4", "-6"] {
            let r =
                common::run(Command::new("ip").args([fam, "-o", "route", "show", "table", "all"]));
            for l in r.stdout.lines() {
                if self.named(l) || self.subnets.iter().any(|n| l.contains(n.as_str())) {
                    s.routes.push(l.to_string());
                }
            }
        }
        s.cgroups = cgroup_dirs(|p| self.named(p));
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        for l in mounts.lines() {
            let point = l.split(' ').nth(4).unwrap_or("");
            if self.dirs.iter().any(|d| Path::new(point).starts_with(d)) {
                s.mounts.push(point.to_string());
            }
        }
        if let Ok(d) = std::fs::read_dir("/run/netns") {
            for e in d.flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                if self.named(&n) {
                    s.netns.push(n);
                }
            }
        }
        for d in &self.dirs {
            walk(d, d, &mut s.files);
        }
        s.files.sort();
        for t in &self.tokens {
            s.procs.extend(processes_with(t));
        }
        s.procs.sort_unstable();
        s
    }
}

/// Every file below `dir` (relative to `top`), with a type letter; mount points' contents are
/// not entered.
fn walk(top: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let rel = p.strip_prefix(top).unwrap_or(&p).display().to_string();
        let Ok(t) = e.file_type() else { continue };
        let kind = if t.is_dir() {
            'd'
        } else if t.is_symlink() {
            'l'
        } else {
            'f'
        };
        out.push(format!("{kind} {rel}"));
        if t.is_dir() {
            walk(top, &p, out);
        }
    }
}

/// Cgroup directories below our own cgroup, in every mounted hierarchy, whose path (relative to
/// the hierarchy's mount) `wanted` accepts.
pub fn cgroup_dirs(wanted: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    let layout = common::CgroupLayout::read();
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let mut mounts: Vec<(String, PathBuf)> = Vec::new();
    for c in &layout.v1 {
        let m = Path::new("/sys/fs/cgroup").join(c);
        if m.is_dir() {
            mounts.push((c.clone(), m));
        }
    }
    if let Some(v2) = &layout.v2 {
        mounts.push((String::new(), v2.clone()));
    }
    for (ctrl, mount) in mounts {
        let path = own
            .lines()
            .find_map(|l| {
                let mut f = l.splitn(3, ':');
                let (_, c, p) = (f.next()?, f.next()?, f.next()?);
                let hit = if ctrl.is_empty() {
                    c.is_empty()
                } else {
                    c.split(',').any(|x| x == ctrl)
                };
                hit.then(|| p.to_string())
            })
            .unwrap_or_else(|| "/".into());
        let base = mount.join(path.trim_start_matches('/'));
        let mut dirs = Vec::new();
        walk_dirs(&base, &base, &mut dirs);
        for d in dirs {
            if wanted(&d) {
                out.push(format!("{} {d}", mount.display()));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn walk_dirs(top: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            let p = e.path();
            out.push(p.strip_prefix(top).unwrap_or(&p).display().to_string());
            walk_dirs(top, &p, out);
        }
    }
}
