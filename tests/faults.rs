//! Fault injection: every tool that changes the system, run under `strace -f` and disturbed at
//! its system calls, one at a time: a signal (SIGTERM, SIGINT, SIGKILL) delivered as the call is
//! entered, or the call failing with EIO. After each run the state is checked from outside: what
//! the run may leave is exactly the finished work, nothing, or a documented state that the next
//! ordinary run clears; the next ordinary run succeeds; and the host, as far as the test's own
//! names and directories go, is as before.
//!
//! By default each test runs a sample of its points (see [`harness::plan`]), with a seed printed
//! so a failing sample can be repeated (`NSTOOLS_FAULTS_SEED`); `NSTOOLS_FAULTS=all` runs every
//! point with every signal and every point failing (minutes per tool).

mod common;
#[path = "faults/harness.rs"]
mod harness;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::signal::Signal;

use common::{run, NetProc, Proc, TempDir};
use harness::{check_error_message, plan, strace, Fault, Injected, Rng, Watch, SIGNALS};

/// The fault every error run injects.
const EIO: Fault = Fault::Error(Errno::EIO);

/// How many (point, fault) pairs a sampled test runs per mode (see [`harness::plan`]).
const BUDGET: usize = 40;

/// A way to run a tool, what a disturbed run may leave, and how to clean up after it.
trait Scenario {
    /// The tool the scenario is about (its messages start with this name).
    fn tool(&self) -> &'static str;
    /// The command line to disturb.
    fn argv(&self) -> Vec<OsString>;
    /// Make ready for a run (a fresh target, say); called before every run.
    fn prepare(&self) {}
    /// Check what a run (`run.fault` says how it was disturbed) left, then take back whatever it
    /// made, so the next run starts as the first did.
    fn judge(&self, run: &Injected);
    /// The ordinary run after a disturbed one: it succeeds and its work is complete; then it is
    /// taken back.
    fn ordinary(&self);
    /// What the before/after snapshot looks at.
    fn watch(&self) -> Watch;
    /// Take back anything a failed check left (for `NSTOOLS_FAULTS_KEEP_GOING`).
    fn reset(&self) {}
}

/// Disturb `s` at its points with `faults` (a sample of at most `budget` pairs unless
/// exhaustive), judging each run and running the ordinary command after it. Returns how many
/// runs were made.
fn disturb(test: &str, s: &dyn Scenario, faults: &[Fault], budget: usize) -> usize {
    let token = common::unique("fz");
    let mut watch = s.watch();
    watch.tokens.push(token.clone());
    let before = watch.snapshot();
    s.prepare();
    let base = strace(&s.argv(), &token, None, &[]);
    assert_eq!(base.ran.code, Some(0), "undisturbed: {}", base.what());
    s.judge(&base);
    let errors = faults.iter().all(|f| matches!(f, Fault::Error(_)));
    let points = if errors {
        base.trace.failing_points()
    } else {
        base.trace.points()
    };
    assert!(!points.is_empty(), "{test}: no system calls seen");
    let mut rng = Rng::new(test);
    let pairs = plan(&points, faults, budget, &mut rng);
    eprintln!(
        "{test}: {} points, {} runs ({})",
        points.len(),
        pairs.len(),
        if harness::exhaustive() {
            "all"
        } else {
            "sample"
        }
    );
    // For triage, `NSTOOLS_FAULTS_KEEP_GOING=1` reports every failing run at the end instead of
    // stopping at the first (later runs may then fail for what an earlier one left).
    let keep_going = std::env::var_os("NSTOOLS_FAULTS_KEEP_GOING").is_some();
    let mut failed = Vec::new();
    for (p, f) in &pairs {
        let one = || {
            s.prepare();
            let mut r = strace(&s.argv(), &token, Some((p.clone(), *f)), &[]);
            // strace could not inject this time: again, or (rarely) give that point up.
            for _ in 0..2 {
                if !r.untampered {
                    break;
                }
                s.reset();
                s.prepare();
                r = strace(&s.argv(), &token, Some((p.clone(), *f)), &[]);
            }
            if r.untampered {
                eprintln!("{test}: strace could not inject {f} at {p}: skipped");
                s.reset();
                return;
            }
            s.judge(&r);
            s.ordinary();
            // The kernel takes a deleted link's routes, and a dead namespace's links, a moment
            // later.
            let mut after = watch.snapshot();
            if after != before {
                common::wait_for(Duration::from_secs(5), || {
                    after = watch.snapshot();
                    after == before
                });
            }
            assert_eq!(after, before, "{test}: after {f} at {p}");
        };
        if !keep_going {
            one();
        } else if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(one)) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failed.push(format!("{f} at {p}: {msg}"));
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.reset()));
        }
    }
    assert!(
        failed.is_empty(),
        "{test}: {} of {} runs failed:\n{}",
        failed.len(),
        pairs.len(),
        failed.join("\n")
    );
    pairs.len()
}

/// Disturb `s` with `runs` signals sent at random moments (up to twice the time an undisturbed
/// run takes, and at most 50 ms), judging each run and running the ordinary command after it.
fn disturb_at_random(test: &str, s: &dyn Scenario, runs: usize) {
    let token = common::unique("fz");
    let mut watch = s.watch();
    watch.tokens.push(token.clone());
    let before = watch.snapshot();
    s.prepare();
    let t0 = std::time::Instant::now();
    let base = strace(&s.argv(), &token, None, &[]);
    let took = t0.elapsed().as_micros() as u64;
    assert_eq!(base.ran.code, Some(0), "undisturbed: {}", base.what());
    s.judge(&base);
    let mut rng = Rng::new(test);
    let limit = (took * 2).clamp(1, 50_000);
    let runs = if harness::exhaustive() {
        runs * 5
    } else {
        runs
    };
    eprintln!("{test}: {runs} signals at random up to {limit} us");
    for _ in 0..runs {
        let sig = SIGNALS[rng.below(3) as usize];
        let us = rng.below(limit + 1) as u32;
        let point = harness::Point {
            name: "after".into(),
            n: us,
        };
        s.prepare();
        let r = strace(&s.argv(), &token, Some((point, Fault::After(sig, us))), &[]);
        s.judge(&r);
        s.ordinary();
        let mut after = watch.snapshot();
        if after != before {
            common::wait_for(Duration::from_secs(5), || {
                after = watch.snapshot();
                after == before
            });
        }
        assert_eq!(after, before, "{test}: after {sig} at {us} us");
    }
}

/// Whether the run ended as a disturbed run may: killed by the signal injected, or exiting 0
/// (the signal came when the work was done, or hit only a process that may die of it), or for an
/// error, exiting 0 (a failure the tool may ignore) or with `codes`, its one line naming the
/// operation.
fn ended_well(run: &Injected, tool: &str, codes: &[i32]) -> bool {
    match run.fault {
        None => run.ran.code == Some(0),
        Some((_, Fault::Signal(sig) | Fault::After(sig, _))) => {
            // Killed by it, or exiting as a shell reports that (an init in a pid namespace
            // cannot die of its own signal, and passes on its program's death as 128+N).
            let killed =
                run.ran.signal == Some(sig as i32) || run.ran.code == Some(128 + sig as i32);
            if killed || run.ran.code == Some(0) {
                return true;
            }
            // Another process died of it (a helper, a setup command), and the tool failed for
            // that reason, in its one line.
            let main = run.trace.calls.first().map(|c| c.0);
            let other = run.hits().iter().any(|(p, _)| Some(*p) != main);
            other && run.ran.code == Some(1) && harness::our_lines(&run.ran.stderr).len() == 1
        }
        Some((_, Fault::Error(_))) => {
            assert!(!run.ran.stderr.contains("panicked"), "{}", run.what());
            if run.ran.code == Some(0) {
                return true;
            }
            // Only our processes hit: our one line, our status. A program or a setup command
            // hit as well may fail in its own words, and the tool pass on its status.
            let only_ours = run.hits().iter().all(|(_, e)| harness::is_ours(e));
            if !only_ours {
                return true;
            }
            check_error_message(run, tool);
            run.ran.code.is_some_and(|c| codes.contains(&c))
        }
    }
}

/// The signal a run was disturbed with, if any.
fn signal_of(run: &Injected) -> Option<Signal> {
    match run.fault {
        Some((_, Fault::Signal(s) | Fault::After(s, _))) => Some(s),
        _ => None,
    }
}

/// How a disturbed run ended, for what it may leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum How {
    /// Undisturbed, or an error the tool could ignore: the work is complete.
    Done,
    /// Failed by an injected error: nothing may stay.
    Failed,
    /// A catchable signal, which the tools hold over work that must be finished or undone.
    Caught,
    /// SIGKILL, or an allocation failure (which ends a tool at once, as SIGKILL does): what a
    /// tool's documentation says SIGKILL may leave may stay.
    Abrupt,
}

fn how(run: &Injected) -> How {
    match signal_of(run) {
        _ if harness::out_of_memory(run) => How::Abrupt,
        Some(Signal::SIGKILL) => How::Abrupt,
        Some(_) => How::Caught,
        None if run.ran.code == Some(0) => How::Done,
        None => How::Failed,
    }
}

fn os(v: &[&str]) -> Vec<OsString> {
    v.iter().map(OsString::from).collect()
}

/// Run `sh -c script`, whatever its status; its stdout.
fn sh_out(script: &str) -> String {
    run(Command::new("sh").args(["-c", script])).stdout
}

// ---------------------------------------------------------------------------------------------
// nsveth

impl NetProc {
    /// What `ip` says inside: links, addresses, routes.
    fn inside(&self) -> String {
        sh_out(&format!(
            "nsenter -t {} -n sh -c 'ip -o link show; ip -o addr show; ip route show; ip -6 route show'",
            self.pid()
        ))
    }

    fn links(&self) -> Vec<String> {
        names(&self.inside())
    }
}

/// The link names of `ip -o link show` lines (in text that may hold other lines).
fn names(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.contains(": <"))
        .filter_map(|l| l.split(": ").nth(1))
        .map(|n| n.split('@').next().unwrap().to_string())
        .collect()
}

/// The `ip -o link show` line of a host link, if it exists.
fn link_line(name: &str) -> Option<String> {
    let r = run(Command::new("ip").args(["-o", "link", "show", "dev", name]));
    (r.code == Some(0)).then(|| r.stdout.trim_end().to_string())
}

fn alias(line: &str) -> Option<&str> {
    line.rsplit_once("    alias ").map(|(_, a)| a)
}

/// What an `nsveth add` left in its target and on the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pair {
    /// Nothing of the pair.
    Nothing,
    /// The finished pair, as an undisturbed add makes it.
    Finished,
    /// An unfinished pair: the peer inside, its other end under a temporary name, down, marked.
    Unfinished,
}

/// The bridge of an add.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bridge {
    Absent,
    /// Up, marked as nsveth's, with this many ports.
    Made(usize),
    /// Under its temporary name (a killed add's, which the next add finishes).
    Temporary,
}

/// `nsveth add` with everything it can make: a bridge, addresses of both families on both ends,
/// default routes and another route inside.
struct VethAdd {
    target: NetProc,
    host: String,
    bridge: String,
    net: u32,
}

impl VethAdd {
    fn new() -> VethAdd {
        VethAdd {
            target: NetProc::new(),
            host: common::unique("fzh"),
            bridge: common::unique("fzb"),
            net: 64 + std::process::id() % 64,
        }
    }

    fn args(&self) -> Vec<String> {
        let net = self.net;
        vec![
            "add".into(),
            format!("--netns={}", self.target.pid()),
            format!("--host={}", self.host),
            format!("--bridge={}", self.bridge),
            format!("--host-addr=100.64.{net}.1/24"),
            format!("--host-addr=fd42:fa17:{net}::1/64"),
            format!("--peer-addr=100.64.{net}.2/24"),
            format!("--peer-addr=fd42:fa17:{net}::2/64"),
            "--gateway".into(),
            format!("--route=100.65.{net}.0/24,via=100.64.{net}.1"),
        ]
    }

    /// What is there now, each state checked in full.
    fn seen(&self) -> (Pair, Bridge) {
        let net = self.net;
        let inside = self.target.inside();
        let bridge = match link_line(&self.bridge) {
            Some(l) => {
                assert_eq!(alias(&l), Some("nstools:bridge"), "{l}");
                assert!(l.contains(",UP"), "{l}");
                let ports = sh_out(&format!("ip -o link show master {}", self.bridge));
                Bridge::Made(ports.lines().count())
            }
            None if link_line(&nstools::testing::linkmark::bridge_temp_name(&self.bridge))
                .is_some() =>
            {
                Bridge::Temporary
            }
            None => Bridge::Absent,
        };
        let pair = match names(&inside).as_slice() {
            [lo] if lo == "lo" => {
                assert_eq!(link_line(&self.host), None, "a host end without its peer");
                Pair::Nothing
            }
            [lo, eth0] if lo == "lo" && eth0 == "eth0" => {
                let peer = inside.lines().find(|l| l.contains(": eth0@if")).unwrap();
                let end = peer
                    .split("eth0@if")
                    .nth(1)
                    .unwrap()
                    .split(':')
                    .next()
                    .unwrap();
                let all = sh_out("ip -o link show");
                let end_line = all
                    .lines()
                    .find(|l| l.starts_with(&format!("{end}: ")))
                    .expect("the peer's other end is on the host")
                    .to_string();
                match link_line(&self.host) {
                    Some(h) => {
                        assert!(h.starts_with(&format!("{end}: ")), "{h} / {end_line}");
                        assert!(h.contains(",UP"), "{h}");
                        assert_eq!(alias(&h), Some("nstools:veth"), "{h}");
                        assert!(h.contains(&format!(" master {} ", self.bridge)), "{h}");
                        let addrs = sh_out(&format!("ip -o addr show dev {}", self.host));
                        assert!(
                            addrs.contains(&format!("inet 100.64.{net}.1/24 ")),
                            "{addrs}"
                        );
                        assert!(
                            addrs.contains(&format!("inet6 fd42:fa17:{net}::1/64 ")),
                            "{addrs}"
                        );
                        for want in [
                            format!("inet 100.64.{net}.2/24 "),
                            format!("inet6 fd42:fa17:{net}::2/64 "),
                            format!("default via 100.64.{net}.1 dev eth0"),
                            format!("100.65.{net}.0/24 via 100.64.{net}.1 dev eth0"),
                            format!("default via fd42:fa17:{net}::1 dev eth0"),
                        ] {
                            assert!(inside.contains(&want), "{want} not in {inside}");
                        }
                        Pair::Finished
                    }
                    None => {
                        let tmp = end_line
                            .split(": ")
                            .nth(1)
                            .unwrap()
                            .split('@')
                            .next()
                            .unwrap();
                        assert!(tmp.starts_with("nst") && tmp.len() == 15, "{end_line}");
                        assert!(!end_line.contains(",UP"), "{end_line}");
                        let mark = alias(&end_line).unwrap_or_default();
                        assert!(mark.starts_with("nstools:unfinished:"), "{end_line}");
                        Pair::Unfinished
                    }
                }
            }
            other => panic!("unexpected links inside: {other:?}\n{inside}"),
        };
        (pair, bridge)
    }

    fn del(&self, name: &str) {
        let r = common::tool("nsveth", ["del", name]);
        assert_eq!(r.code, Some(0), "nsveth del {name}: {}", r.stderr);
    }
}

impl Scenario for VethAdd {
    fn tool(&self) -> &'static str {
        "nsveth"
    }

    fn argv(&self) -> Vec<OsString> {
        let mut v = vec![common::bin("nsveth").into_os_string()];
        v.extend(self.args().into_iter().map(OsString::from));
        v
    }

    fn judge(&self, run: &Injected) {
        let what = run.what();
        assert!(ended_well(run, self.tool(), &[1]), "{what}");
        let state = self.seen();
        let ok = match how(run) {
            // Undisturbed, or a failure ignored: all of it.
            How::Done => state == (Pair::Finished, Bridge::Made(1)),
            // A failure: nothing, not even the bridge it made.
            How::Failed => state == (Pair::Nothing, Bridge::Absent),
            // SIGKILL cannot wait: a pair or bridge not finished yet may stay (see nsveth(8),
            // "Signals and interrupted runs"), which the next add clears or finishes.
            How::Abrupt => match state.0 {
                Pair::Finished => state.1 == Bridge::Made(1),
                Pair::Unfinished => matches!(state.1, Bridge::Made(1)),
                Pair::Nothing => {
                    matches!(
                        state.1,
                        Bridge::Absent | Bridge::Made(0) | Bridge::Temporary
                    )
                }
            },
            // A catchable signal waits: all or nothing.
            How::Caught => {
                state == (Pair::Finished, Bridge::Made(1))
                    || state == (Pair::Nothing, Bridge::Absent)
            }
        };
        assert!(ok, "{state:?} after {what}");
        if state.0 == Pair::Finished {
            // The bridge nsveth made goes with its last port.
            self.del(&self.host);
            assert_eq!(link_line(&self.bridge), None, "after {what}");
        } else if state.0 == Pair::Nothing && matches!(state.1, Bridge::Made(_)) {
            // Left empty for the next add to use (SIGKILL).
            self.del(&self.bridge);
        }
    }

    fn ordinary(&self) {
        let r = common::tool("nsveth", self.args());
        assert_eq!(r.code, Some(0), "the add after: {}", r.stderr);
        assert_eq!(self.seen(), (Pair::Finished, Bridge::Made(1)));
        self.del(&self.host);
        assert_eq!(
            link_line(&self.bridge),
            None,
            "the bridge goes with its last port"
        );
        assert_eq!(self.target.links(), ["lo"]);
    }

    fn reset(&self) {
        for n in [
            self.host.clone(),
            self.bridge.clone(),
            nstools::testing::linkmark::bridge_temp_name(&self.bridge),
        ] {
            let _ = run(Command::new("ip").args(["link", "del", &n]));
        }
        sh_out(&format!(
            "nsenter -t {} -n ip link del eth0",
            self.target.pid()
        ));
    }

    fn watch(&self) -> Watch {
        Watch {
            names: vec![
                self.host.clone(),
                self.bridge.clone(),
                nstools::testing::linkmark::bridge_temp_name(&self.bridge),
            ],
            subnets: vec![
                format!("100.64.{}.", self.net),
                format!("100.65.{}.", self.net),
                format!("fd42:fa17:{}:", self.net),
            ],
            ..Watch::default()
        }
    }
}

/// `nsveth del` of a pair an ordinary add made.
struct VethDel(VethAdd);

impl VethDel {
    fn add_args(&self) -> Vec<String> {
        let a = &self.0;
        vec![
            "add".into(),
            format!("--netns={}", a.target.pid()),
            format!("--host={}", a.host),
            format!("--host-addr=100.64.{}.1/24", a.net),
        ]
    }
}

impl Scenario for VethDel {
    fn tool(&self) -> &'static str {
        "nsveth"
    }

    fn argv(&self) -> Vec<OsString> {
        os(&[common::bin("nsveth").to_str().unwrap(), "del", &self.0.host])
    }

    fn prepare(&self) {
        let r = common::tool("nsveth", self.add_args());
        assert_eq!(r.code, Some(0), "{}", r.stderr);
    }

    fn judge(&self, run: &Injected) {
        let what = run.what();
        assert!(ended_well(run, self.tool(), &[1]), "{what}");
        let links = self.0.target.links();
        let there = link_line(&self.0.host).is_some();
        // One request deletes both ends: all or nothing.
        assert_eq!(there, links.len() == 2, "{links:?} after {what}");
        if run.fault.is_none() || (run.ran.code == Some(0) && signal_of(run).is_none()) {
            assert!(!there, "{what}");
        }
        if matches!(run.fault, Some((_, Fault::Error(_)))) && run.ran.code != Some(0) {
            // Only a failure after the request was sent (its answer lost, or memory for it)
            // may come with the pair gone: the kernel did delete it.
            let after_sending = harness::out_of_memory(run)
                || matches!(&run.fault, Some((p, _)) if p.name == "recvfrom");
            assert!(there || after_sending, "a failed del deleted: {what}");
        }
        if there {
            self.0.del(&self.0.host);
        }
    }

    fn ordinary(&self) {
        self.prepare();
        self.0.del(&self.0.host);
        assert_eq!(self.0.target.links(), ["lo"]);
    }

    fn watch(&self) -> Watch {
        self.0.watch()
    }
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn nsveth_add_interrupted_at_its_system_calls() {
    if !common::root() {
        return;
    }
    let faults = SIGNALS.map(Fault::Signal);
    disturb("nsveth add, signals", &VethAdd::new(), &faults, BUDGET);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn nsveth_add_with_each_system_call_failing() {
    if !common::root() {
        return;
    }
    disturb("nsveth add, errors", &VethAdd::new(), &[EIO], BUDGET);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn nsveth_del_interrupted_and_failing() {
    if !common::root() {
        return;
    }
    let s = VethDel(VethAdd::new());
    let faults = SIGNALS.map(Fault::Signal);
    disturb("nsveth del, signals", &s, &faults, BUDGET / 2);
    disturb("nsveth del, errors", &s, &[EIO], BUDGET / 2);
}

// ---------------------------------------------------------------------------------------------
// nsunshare

/// The scenario's command, run as it is.
fn run_ordinary(s: &dyn Scenario) -> common::Ran {
    let argv = s.argv();
    run(Command::new(&argv[0]).args(&argv[1..]))
}

/// Whether `file` is a mount point in our mount namespace.
fn mounted(file: &Path) -> bool {
    let m = format!(" {} ", file.display());
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .any(|l| l.contains(&m))
}

/// `nsunshare MODE --net=FILE --uts=FILE --pid-file=FILE --setup CMD -- busybox touch RAN`: the
/// helper binds two namespace files, writes the pid file and runs a setup command; the program
/// leaves a mark that it ran.
struct Unshare {
    dir: TempDir,
    mode: Vec<String>,
}

impl Unshare {
    fn new(mode: &[&str]) -> Unshare {
        Unshare {
            dir: TempDir::new("fz-unshare"),
            mode: mode.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn files(&self) -> [PathBuf; 5] {
        ["net", "uts", "pid", "ran", "setup"].map(|f| self.dir.join(f))
    }

    fn args(&self) -> Vec<OsString> {
        let [net, uts, pid, ran, setup] = self.files();
        let mut v: Vec<OsString> = self.mode.iter().map(OsString::from).collect();
        v.push(format!("--net={}", net.display()).into());
        v.push(format!("--uts={}", uts.display()).into());
        v.push(format!("--pid-file={}", pid.display()).into());
        v.push("--setup".into());
        v.push(format!("touch {}", setup.display()).into());
        v.extend(["--".into(), "/bin/busybox".into(), "touch".into()]);
        v.push(ran.into_os_string());
        v
    }

    /// Take back what a run that started its program keeps, its marks, and what a killed helper
    /// left (the temporary file of the pid file included).
    fn clean(&self) {
        let [net, uts, ..] = self.files();
        for f in [&net, &uts] {
            while mounted(f) {
                nix::mount::umount2(f, nix::mount::MntFlags::MNT_DETACH).unwrap();
            }
        }
        for e in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

impl Scenario for Unshare {
    fn tool(&self) -> &'static str {
        "nsunshare"
    }

    fn argv(&self) -> Vec<OsString> {
        let mut v = vec![common::bin("nsunshare").into_os_string()];
        v.extend(self.args());
        v
    }

    fn judge(&self, run: &Injected) {
        let what = run.what();
        assert!(ended_well(run, self.tool(), &[1, 126]), "{what}");
        let [net, uts, pid, ran, _] = self.files();
        let started = run.trace.started("/bin/busybox");
        // Killed after telling the helper it runs (its one send) and before the program's
        // execve is through: the window nsunshare(1) documents, where the work stays although
        // the program never ran.
        let committed = run.log.contains(", \"c\", 1, MSG_NOSIGNAL");
        let window = !started && committed;
        // The helper itself killed with SIGKILL: what it made so far stays (nsunshare(1)), and
        // the next run over it succeeds.
        let main = run.trace.calls.first().map(|c| c.0);
        let helper_killed = how(run) == How::Abrupt
            && run.hits().iter().any(|(p, _)| {
                Some(*p) != main
                    && (harness::out_of_memory(run) || run.trace.killed.iter().any(|(k, _)| k == p))
            });
        let kept = mounted(&net) && mounted(&uts);
        let nothing = !net.exists() && !uts.exists() && !pid.exists() && !ran.exists();
        if helper_killed {
            let r = run_ordinary(self);
            assert_eq!(
                r.code,
                Some(0),
                "the run over a killed helper's work: {}",
                r.stderr
            );
        } else if started {
            // Known limits, listed in the report of the fault suite: the helper takes a failed
            // read of the commit pipe for "the program never ran" and undoes its work; the
            // detached remover of the pid file has nobody to tell that removing it failed.
            let failed = |call: &str| {
                matches!(&run.fault, Some((p, Fault::Error(_))) if p.name == call) && run.hit_ours()
            };
            assert!(
                kept || failed("read"),
                "the program started, the namespaces must stay: {what}"
            );
            if run.ran.code == Some(0) {
                assert!(ran.exists(), "{what}");
            }
            // The pid file goes with the process it names (its remover waits for it).
            assert!(!pid.exists() || failed("unlink"), "pid file stayed: {what}");
        } else if window {
            assert!(kept || nothing, "{what}");
        } else {
            assert!(
                nothing && !mounted(&net) && !mounted(&uts),
                "the program never ran: nothing may stay (net {} uts {} pid {}): {what}",
                net.exists(),
                uts.exists(),
                pid.exists()
            );
        }
        self.clean();
    }

    fn ordinary(&self) {
        let [net, uts, pid, ran, setup] = self.files();
        let r = run_ordinary(self);
        assert_eq!(r.code, Some(0), "the run after: {}", r.stderr);
        assert!(mounted(&net) && mounted(&uts) && ran.exists() && setup.exists());
        assert!(
            common::wait_for(Duration::from_secs(5), || !pid.exists()),
            "the pid file outlived its process"
        );
        self.clean();
    }

    fn watch(&self) -> Watch {
        Watch {
            dirs: vec![self.dir.path().to_path_buf()],
            ..Watch::default()
        }
    }

    fn reset(&self) {
        self.clean();
    }
}

/// The modes of the nsunshare scenarios: with --fork and a user namespace whose maps the helper
/// writes; without --fork (the program replaces nsunshare); with an init in a pid namespace.
const UNSHARE_MODES: [&[&str]; 3] = [
    &[
        "-f",
        "-U",
        "--map-users=0:100000:65536",
        "--map-groups=0:100000:65536",
    ],
    &[],
    &["-fp", "--init", "--kill-child"],
];

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn nsunshare_interrupted_at_its_system_calls() {
    if !common::root() {
        return;
    }
    let faults = SIGNALS.map(Fault::Signal);
    for mode in UNSHARE_MODES {
        let tag = format!("nsunshare {mode:?}, signals");
        disturb(&tag, &Unshare::new(mode), &faults, BUDGET / 2);
    }
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn nsunshare_with_each_system_call_failing() {
    if !common::root() {
        return;
    }
    for mode in UNSHARE_MODES {
        let tag = format!("nsunshare {mode:?}, errors");
        disturb(&tag, &Unshare::new(mode), &[EIO], BUDGET / 2);
    }
}

// ---------------------------------------------------------------------------------------------
// nscgroup

/// The hierarchies (mount points) in which the relative cgroup `name` exists.
fn cgroup_found(name: &str) -> Vec<String> {
    harness::cgroup_dirs(|p| p == name)
        .into_iter()
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect()
}

/// The directory of the relative cgroup `name` below our own cgroup in the hierarchy mounted
/// at `mount`.
fn cgroup_dir(mount: &str, name: &str) -> PathBuf {
    let ctrl = Path::new(mount)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    let path = own
        .lines()
        .find_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, c, p) = (f.next()?, f.next()?, f.next()?);
            let hit = if ctrl == "unified" {
                c.is_empty()
            } else {
                c.split(',').any(|x| x == ctrl)
            };
            hit.then(|| p.to_string())
        })
        .unwrap();
    Path::new(mount)
        .join(path.trim_start_matches('/'))
        .join(name)
}

fn ng(args: &[&str]) -> common::Ran {
    common::tool("nscgroup", args)
}

/// The hierarchies a cgroup with `--pids` and `--memory` lives in: those two and the home one.
fn full_set() -> Vec<String> {
    let mut v: Vec<String> = ["pids", "memory"]
        .iter()
        .map(|c| format!("/sys/fs/cgroup/{c}"))
        .collect();
    v.push(match common::CgroupLayout::read().v2 {
        Some(m) => m.display().to_string(),
        None => "/sys/fs/cgroup/freezer".into(),
    });
    v.sort();
    v
}

/// Whether the cgroup is complete: in every hierarchy, with its limits.
fn cgroup_complete(name: &str) -> bool {
    let mut found = cgroup_found(name);
    found.sort();
    if found != full_set() {
        return false;
    }
    let read =
        |m: &str, f: &str| std::fs::read_to_string(cgroup_dir(m, name).join(f)).unwrap_or_default();
    read("/sys/fs/cgroup/pids", "pids.max").trim() == "20"
        && read("/sys/fs/cgroup/memory", "memory.limit_in_bytes").trim() == "67108864"
}

/// `nscgroup create NAME --pids=20 --memory=64M`.
struct CgCreate {
    name: String,
}

impl CgCreate {
    fn cgroup(&self) -> &str {
        &self.name
    }
}

impl Scenario for CgCreate {
    fn tool(&self) -> &'static str {
        "nscgroup"
    }

    fn reset(&self) {
        let _ = ng(&["delete", "--kill", self.cgroup()]);
    }

    fn argv(&self) -> Vec<OsString> {
        os(&[
            common::bin("nscgroup").to_str().unwrap(),
            "create",
            &self.name,
            "--pids=20",
            "--memory=64M",
        ])
    }

    fn judge(&self, run: &Injected) {
        let what = run.what();
        assert!(ended_well(run, self.tool(), &[1]), "{what}");
        let found = cgroup_found(&self.name);
        let complete = cgroup_complete(&self.name);
        match how(run) {
            How::Done => assert!(complete, "{found:?}: {what}"),
            How::Failed => assert!(found.is_empty(), "a failed create left {found:?}: {what}"),
            // SIGKILL may leave the cgroup in some hierarchies and not others, or without its
            // limits (nscgroup(1)); the next create completes it.
            How::Abrupt => {
                if !complete && !found.is_empty() {
                    let argv = self.argv();
                    let r = run_argv(&argv);
                    assert_eq!(r.code, Some(0), "create over {found:?}: {}", r.stderr);
                    assert!(cgroup_complete(&self.name));
                }
            }
            How::Caught => assert!(complete || found.is_empty(), "{found:?}: {what}"),
        }
        if !cgroup_found(&self.name).is_empty() {
            ng(&["delete", &self.name]).ok();
        }
    }

    fn ordinary(&self) {
        run_argv(&self.argv()).ok();
        assert!(cgroup_complete(&self.name));
        ng(&["delete", &self.name]).ok();
        assert!(cgroup_found(&self.name).is_empty());
    }

    fn watch(&self) -> Watch {
        Watch {
            names: vec![self.name.clone()],
            ..Watch::default()
        }
    }
}

fn run_argv(argv: &[OsString]) -> common::Ran {
    run(Command::new(&argv[0]).args(&argv[1..]))
}

/// `nscgroup exec --rm NAME --pids=20 --memory=64M -- busybox touch RAN`.
struct CgExecRm {
    name: String,
    dir: TempDir,
}

impl CgExecRm {
    fn cgroup(&self) -> &str {
        &self.name
    }
}

impl Scenario for CgExecRm {
    fn tool(&self) -> &'static str {
        "nscgroup"
    }

    fn reset(&self) {
        let _ = ng(&["delete", "--kill", self.cgroup()]);
    }

    fn argv(&self) -> Vec<OsString> {
        let ran = self.dir.join("ran");
        os(&[
            common::bin("nscgroup").to_str().unwrap(),
            "exec",
            "--rm",
            &self.name,
            "--pids=20",
            "--memory=64M",
            "--",
            "/bin/busybox",
            "touch",
            ran.to_str().unwrap(),
        ])
    }

    fn judge(&self, run: &Injected) {
        let what = run.what();
        assert!(ended_well(run, self.tool(), &[1, 126]), "{what}");
        let found = cgroup_found(&self.name);
        if run.ran.code == Some(0) {
            assert!(self.dir.join("ran").exists(), "{what}");
        }
        // What --rm made goes, even when nscgroup is killed: its watcher takes it back. SIGKILL
        // before the watcher runs (while the cgroup is made), or of the watcher too, leaves the
        // cgroup, empty, for `nscgroup delete` (nscgroup(1)).
        let main = run
            .trace
            .main()
            .unwrap_or_else(|| panic!("{what}: {}", run.log));
        let unwatched =
            how(run) == How::Abrupt && (run.hits().len() > 1 || !run.trace.forked(main));
        if !found.is_empty() {
            assert!(unwatched, "--rm left {found:?}: {what}");
            for m in &found {
                let procs = cgroup_dir(m, &self.name).join("cgroup.procs");
                let procs = std::fs::read_to_string(procs).unwrap_or_default();
                assert_eq!(procs, "", "a process left in {m}: {what}");
            }
            ng(&["delete", &self.name]).ok();
        }
        let _ = std::fs::remove_file(self.dir.join("ran"));
    }

    fn ordinary(&self) {
        run_argv(&self.argv()).ok();
        assert!(self.dir.join("ran").exists());
        assert!(cgroup_found(&self.name).is_empty());
        std::fs::remove_file(self.dir.join("ran")).unwrap();
    }

    fn watch(&self) -> Watch {
        Watch {
            names: vec![self.name.clone()],
            dirs: vec![self.dir.path().to_path_buf()],
            ..Watch::default()
        }
    }
}

/// `nscgroup delete --kill NAME` of a cgroup with a process in it.
struct CgDelete {
    name: String,
    /// The token of the process put in it (started detached, so nobody reaps it late).
    sleeper: String,
}

impl CgDelete {
    fn cgroup(&self) -> &str {
        &self.name
    }

    fn make(&self) {
        ng(&["create", &self.name, "--pids=20", "--memory=64M"]).ok();
        let mut c = Command::new("sh");
        c.args(["-c", "\"$0\" exec \"$1\" -- sleep 100000 >/dev/null 2>&1 &"])
            .arg(common::bin("nscgroup"))
            .arg(&self.name)
            .env(harness::TOKEN_VAR, &self.sleeper);
        run(&mut c).ok();
        let procs = cgroup_dir("/sys/fs/cgroup/pids", &self.name).join("cgroup.procs");
        assert!(common::wait_for(Duration::from_secs(5), || {
            !std::fs::read_to_string(&procs)
                .unwrap_or_default()
                .trim()
                .is_empty()
        }));
    }
}

impl Scenario for CgDelete {
    fn tool(&self) -> &'static str {
        "nscgroup"
    }

    fn reset(&self) {
        let _ = ng(&["delete", "--kill", self.cgroup()]);
    }

    fn argv(&self) -> Vec<OsString> {
        os(&[
            common::bin("nscgroup").to_str().unwrap(),
            "delete",
            "--kill",
            &self.name,
        ])
    }

    fn prepare(&self) {
        self.make();
    }

    fn judge(&self, run: &Injected) {
        let what = run.what();
        assert!(ended_well(run, self.tool(), &[1]), "{what}");
        let found = cgroup_found(&self.name);
        if run.ran.code == Some(0) {
            assert!(found.is_empty(), "{found:?}: {what}");
        }
        // Interrupted or failed half-way, it may leave the cgroup in some hierarchies: the next
        // delete takes the rest.
        if !found.is_empty() {
            let r = run_argv(&self.argv());
            assert_eq!(r.code, Some(0), "delete over {found:?}: {}", r.stderr);
            assert!(cgroup_found(&self.name).is_empty());
        }
        assert!(common::wait_for(Duration::from_secs(5), || {
            harness::processes_with(&self.sleeper).is_empty()
        }));
    }

    fn ordinary(&self) {
        self.make();
        run_argv(&self.argv()).ok();
        assert!(cgroup_found(&self.name).is_empty());
    }

    fn watch(&self) -> Watch {
        Watch {
            names: vec![self.name.clone()],
            tokens: vec![self.sleeper.clone()],
            ..Watch::default()
        }
    }
}

impl Drop for CgDelete {
    fn drop(&mut self) {
        harness::kill_token(&self.sleeper);
        let _ = ng(&["delete", "--kill", &self.name]);
    }
}

/// The cgroup layout these tests need: v1 pids and memory, and a home hierarchy.
#[track_caller]
fn cgroup_layout() -> bool {
    common::cgroups(common::CgroupNeed::V1(&["pids", "memory"])).is_some()
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn nscgroup_interrupted_at_its_system_calls() {
    if !cgroup_layout() {
        return;
    }
    let faults = SIGNALS.map(Fault::Signal);
    let create = CgCreate {
        name: common::unique("fzc"),
    };
    disturb("nscgroup create, signals", &create, &faults, BUDGET / 2);
    let exec = CgExecRm {
        name: common::unique("fze"),
        dir: TempDir::new("fz-cg"),
    };
    disturb("nscgroup exec --rm, signals", &exec, &faults, BUDGET / 2);
    let delete = CgDelete {
        name: common::unique("fzd"),
        sleeper: common::unique("fzs"),
    };
    disturb("nscgroup delete, signals", &delete, &faults, BUDGET / 2);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn nscgroup_with_each_system_call_failing() {
    if !cgroup_layout() {
        return;
    }
    let create = CgCreate {
        name: common::unique("fzc"),
    };
    disturb("nscgroup create, errors", &create, &[EIO], BUDGET / 2);
    let exec = CgExecRm {
        name: common::unique("fze"),
        dir: TempDir::new("fz-cg"),
    };
    disturb("nscgroup exec --rm, errors", &exec, &[EIO], BUDGET / 2);
    let delete = CgDelete {
        name: common::unique("fzd"),
        sleeper: common::unique("fzs"),
    };
    disturb("nscgroup delete, errors", &delete, &[EIO], BUDGET / 2);
}

// ---------------------------------------------------------------------------------------------
// nspivot

/// Every path below `dir`, relative, with a type letter.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(top: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let t = e.file_type().unwrap();
            let kind = if t.is_dir() {
                'd'
            } else if t.is_symlink() {
                'l'
            } else {
                'f'
            };
            out.push(format!("{kind} {}", p.strip_prefix(top).unwrap().display()));
            if t.is_dir() {
                walk(top, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// `nsunshare -mu -- nspivot` into a busybox root with every kind of mount point it makes:
/// /proc, /sys, /dev, a tmpfs, a file and a directory bound, /tmp for --ro.
struct Pivot {
    dir: TempDir,
    initial: Vec<String>,
}

impl Pivot {
    fn new() -> Pivot {
        let dir = TempDir::new("fz-pivot");
        let bin = dir.join("root/bin");
        std::fs::create_dir_all(&bin).unwrap();
        common::install(Path::new("/bin/busybox"), &bin.join("busybox"), 0o755);
        std::os::unix::fs::symlink("busybox", bin.join("true")).unwrap();
        std::fs::write(dir.join("src-file"), "x").unwrap();
        std::fs::create_dir(dir.join("src-dir")).unwrap();
        let initial = tree(&dir.join("root"));
        Pivot { dir, initial }
    }

    /// The mount points nspivot makes in the root.
    fn mount_points() -> Vec<String> {
        let mut v: Vec<String> = [
            "d proc", "d sys", "d dev", "d fzt", "f fzfile", "d fzdir", "d tmp",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.sort();
        v
    }

    /// Remove what nspivot made in the root (empty mount points), back to the initial tree.
    fn clean(&self) {
        let root = self.dir.join("root");
        for m in Pivot::mount_points() {
            let p = root.join(&m[2..]);
            let _ = std::fs::remove_dir(&p);
            let _ = std::fs::remove_file(&p);
        }
        assert_eq!(tree(&root), self.initial);
    }

    fn reset_tree(&self) {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.clean()));
    }
}

impl Scenario for Pivot {
    fn tool(&self) -> &'static str {
        "nspivot"
    }

    fn argv(&self) -> Vec<OsString> {
        let d = |f: &str| self.dir.join(f).display().to_string();
        os(&[
            common::bin("nsunshare").to_str().unwrap(),
            "-mu",
            "--",
            common::bin("nspivot").to_str().unwrap(),
            "--hostname=fz",
            "--tmpfs=/fzt",
            &format!("--bind={}:/fzfile", d("src-file")),
            &format!("--ro-bind={}:/fzdir", d("src-dir")),
            "--ro",
            &d("root"),
            "--",
            "/bin/true",
        ])
    }

    fn judge(&self, run: &Injected) {
        let what = run.what();
        // nsunshare's failures are its own (exit 1); nspivot's exec failure is 126.
        let ours = harness::our_lines(&run.ran.stderr);
        let tool = match ours.first() {
            Some(l) if l.starts_with("nsunshare: ") => "nsunshare",
            _ => "nspivot",
        };
        assert!(ended_well(run, tool, &[1, 126]), "{what}");
        let root = self.dir.join("root");
        let now = tree(&root);
        let made: Vec<String> = now
            .iter()
            .filter(|p| !self.initial.contains(p))
            .cloned()
            .collect();
        let points = Pivot::mount_points();
        assert!(
            made.iter().all(|m| points.contains(m)),
            "not a mount point: {made:?}: {what}"
        );
        if run.trace.started("/bin/true") {
            // The program ran: its mount points stay (nspivot(1)).
            assert_eq!(made, points, "{what}");
        } else if how(run) == How::Caught {
            // Interrupted: the root as it was, or (a signal in the last system calls before
            // the program, once the signal mask is restored) as a program that runs leaves it.
            assert!(made.is_empty() || made == points, "{made:?}: {what}");
        } else if how(run) != How::Abrupt && !detach_failed(run) {
            // Failed before the program: the root as it was.
            assert_eq!(made, Vec::<String>::new(), "{what}");
        }
        // SIGKILL may leave the mount points made so far; a run over them succeeds.
        if !made.is_empty() {
            run_argv(&self.argv()).ok();
        }
        self.clean();
    }

    fn ordinary(&self) {
        run_argv(&self.argv()).ok();
        self.clean();
    }

    fn reset(&self) {
        self.reset_tree();
    }

    fn watch(&self) -> Watch {
        Watch {
            dirs: vec![self.dir.path().to_path_buf()],
            ..Watch::default()
        }
    }
}

/// Whether the run failed to detach the old root after `pivot_root`: it then covers the new
/// root, no path reaches the mount points made, and they stay (rootfs.rs, `Built::switch`).
fn detach_failed(run: &Injected) -> bool {
    matches!(&run.fault, Some((p, Fault::Error(_))) if p.name == "umount2")
        && run.ran.stderr.contains("cannot detach the old root")
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn nspivot_interrupted_at_its_system_calls() {
    if !common::root() {
        return;
    }
    let faults = SIGNALS.map(Fault::Signal);
    disturb("nspivot, signals", &Pivot::new(), &faults, BUDGET);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn nspivot_with_each_system_call_failing() {
    if !common::root() {
        return;
    }
    disturb("nspivot, errors", &Pivot::new(), &[EIO], BUDGET);
}

// ---------------------------------------------------------------------------------------------
// nsidmap

/// `nsidmap -u 0:100000:65536 -g 0:100000:65536 --setgroups=deny PID`, PID a fresh process in a
/// new user namespace (util-linux `unshare -U`) for every run.
struct Idmap {
    target: std::cell::RefCell<Option<Proc>>,
}

impl Idmap {
    fn pid(&self) -> String {
        self.target.borrow().as_ref().unwrap().pid().to_string()
    }

    /// uid_map written, setgroups denied, gid_map written.
    fn state(&self) -> (bool, bool, bool) {
        let read = |f: &str| std::fs::read_to_string(format!("/proc/{}/{f}", self.pid())).unwrap();
        let map = |f: &str| {
            let m: Vec<String> = read(f).split_whitespace().map(str::to_string).collect();
            assert!(m.is_empty() || m == ["0", "100000", "65536"], "{f}: {m:?}");
            !m.is_empty()
        };
        (
            map("uid_map"),
            read("setgroups").trim() == "deny",
            map("gid_map"),
        )
    }
}

impl Scenario for Idmap {
    fn tool(&self) -> &'static str {
        "nsidmap"
    }

    fn argv(&self) -> Vec<OsString> {
        os(&[
            common::bin("nsidmap").to_str().unwrap(),
            "-u",
            "0:100000:65536",
            "-g",
            "0:100000:65536",
            "--setgroups=deny",
            &self.pid(),
        ])
    }

    fn prepare(&self) {
        let p = Proc::spawn(Command::new("unshare").args(["-U", "sleep", "100000"]));
        let pid = p.pid().to_string();
        let own = common::ns_inode("self", "user");
        assert!(common::wait_for(Duration::from_secs(5), || {
            std::fs::metadata(format!("/proc/{pid}/ns/user"))
                .is_ok_and(|m| std::os::unix::fs::MetadataExt::ino(&m) != own)
        }));
        *self.target.borrow_mut() = Some(p);
    }

    fn judge(&self, run: &Injected) {
        let what = run.what();
        assert!(ended_well(run, self.tool(), &[1]), "{what}");
        let state = self.state();
        // Written in this order, each in one write: what is there is a prefix of it.
        let prefixes = [
            (false, false, false),
            (true, false, false),
            (true, true, false),
            (true, true, true),
        ];
        assert!(prefixes.contains(&state), "{state:?}: {what}");
        match how(run) {
            How::Done => assert_eq!(state, (true, true, true), "{what}"),
            // A catchable signal waits until the maps are written, or comes before any is.
            How::Caught => {
                assert!(
                    state == prefixes[0] || state == prefixes[3],
                    "{state:?}: {what}"
                )
            }
            How::Failed | How::Abrupt => {}
        }
        *self.target.borrow_mut() = None;
    }

    fn ordinary(&self) {
        self.prepare();
        run_argv(&self.argv()).ok();
        assert_eq!(self.state(), (true, true, true));
        *self.target.borrow_mut() = None;
    }

    fn watch(&self) -> Watch {
        Watch::default()
    }
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn nsidmap_interrupted_and_failing() {
    if !common::root() {
        return;
    }
    let s = Idmap {
        target: std::cell::RefCell::new(None),
    };
    let faults = SIGNALS.map(Fault::Signal);
    disturb("nsidmap, signals", &s, &faults, BUDGET / 2);
    disturb("nsidmap, errors", &s, &[EIO], BUDGET / 2);
}

// ---------------------------------------------------------------------------------------------
// Load

/// bench/load.sh at a small scale (8 containers, one round), so the load script keeps working:
/// every container right, nothing left. The 200-container run is in docs/performance.md.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn load_script_builds_and_removes_containers() {
    if !common::root() {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/load.sh");
    let bin = common::bin("nsunshare").parent().unwrap().to_path_buf();
    let r = run(Command::new(script).arg(bin).args(["8", "1"]));
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("right 8/8")
            && r.stdout
                .contains("links 0, cgroups 0, processes 0, mounts 0"),
        "{}",
        r.stdout
    );
}

/// Every scenario, its tool sent SIGTERM, SIGINT or SIGKILL at random moments from outside (as
/// `kill` would), rather than at a chosen system call.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn every_tool_signalled_at_random_moments() {
    if !cgroup_layout() {
        return;
    }
    let runs = 5;
    disturb_at_random("nsveth add, random", &VethAdd::new(), runs);
    for mode in UNSHARE_MODES {
        disturb_at_random(
            &format!("nsunshare {mode:?}, random"),
            &Unshare::new(mode),
            runs,
        );
    }
    let create = CgCreate {
        name: common::unique("fzc"),
    };
    disturb_at_random("nscgroup create, random", &create, runs);
    let exec = CgExecRm {
        name: common::unique("fze"),
        dir: TempDir::new("fz-cg"),
    };
    disturb_at_random("nscgroup exec --rm, random", &exec, runs);
    let delete = CgDelete {
        name: common::unique("fzd"),
        sleeper: common::unique("fzs"),
    };
    disturb_at_random("nscgroup delete, random", &delete, runs);
    disturb_at_random("nspivot, random", &Pivot::new(), runs);
    let idmap = Idmap {
        target: std::cell::RefCell::new(None),
    };
    disturb_at_random("nsidmap, random", &idmap, runs);
}
