//! Shared helpers for the black-box tests: run a built binary, require root (failing under CI,
//! skipping with a reason elsewhere), unique names for parallel tests, and guards that remove
//! what a test made even when it fails.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The path of a binary of this package.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    dir.join(name)
}

/// A command for one of our binaries.
pub fn cmd(name: &str) -> Command {
    Command::new(bin(name))
}

/// The running test's name, as the harness names its thread; where the harness runs tests on
/// its main thread, the caller's file and line.
#[track_caller]
pub fn test_name() -> String {
    match std::thread::current().name() {
        Some(name) if name != "main" => name.to_string(),
        _ => std::panic::Location::caller().to_string(),
    }
}

/// True when the test may go on as root. Under CI a missing privilege is a failure, never a skip.
#[track_caller]
pub fn root() -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{}: needs root, and CI is set: privileged tests must run",
            test_name()
        );
    }
    eprintln!(
        "SKIPPED {}: needs root (set CI to make this a failure)",
        test_name()
    );
    false
}

/// A name unique to this test process and call: `prefix` + pid + counter, at most `max` bytes
/// (interface names are limited to 15).
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{}x{n}", std::process::id())
}

/// The output of a finished command, with helpers for asserting on it.
pub struct Ran {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Ran {
    fn from(o: Output) -> Ran {
        use std::os::unix::process::ExitStatusExt;
        Ran {
            code: o.status.code(),
            signal: o.status.signal(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Ran {
    /// Assert success and return stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code,
            Some(0),
            "command failed: stdout={:?} stderr={:?}",
            self.stdout,
            self.stderr
        );
        &self.stdout
    }

    /// Assert a failure with `code` and exactly one line on stderr; return that line.
    #[track_caller]
    pub fn fails(&self, code: i32) -> &str {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected status: stdout={:?} stderr={:?}",
            self.stdout,
            self.stderr
        );
        self.stderr.trim_end()
    }
}

/// Run a command to the end, with stdin closed.
pub fn run(c: &mut Command) -> Ran {
    c.stdin(Stdio::null());
    retry_busy(|| c.output())
        .expect("cannot run command")
        .into()
}

/// Retry an exec that failed with ETXTBSY. Tests copy binaries (setuid copies, busybox) and run
/// them while other test threads fork: a child forked while the copy was still open for writing
/// holds that descriptor until its own exec, and the kernel refuses to execute a file open for
/// writing. The window is short; waiting it out is the standard remedy.
pub fn retry_busy<T>(mut f: impl FnMut() -> std::io::Result<T>) -> std::io::Result<T> {
    let mut tries = 0;
    loop {
        match f() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < 50 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            r => return r,
        }
    }
}

/// Run a command to the end like [`run`], but kill it (by its pid: it is ours) and fail the test
/// when it takes longer than `limit`: for regressions that used to hang.
#[track_caller]
pub fn run_within(c: &mut Command, limit: Duration) -> Ran {
    use std::io::Read;
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = retry_busy(|| c.spawn()).expect("cannot run command");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{c:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
    .into()
}

/// Run one of our binaries with `args`.
pub fn tool<I, S>(name: &str, args: I) -> Ran
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run(cmd(name).args(args))
}

/// Run `sh -c script` and return stdout (asserting success).
#[track_caller]
pub fn sh(script: &str) -> String {
    let r = run(Command::new("sh").arg("-c").arg(script));
    r.ok().to_string()
}

/// A process the test started, killed (by pid, it is ours) and reaped on drop.
pub struct Proc(pub Child);

impl Proc {
    pub fn spawn(c: &mut Command) -> Proc {
        c.stdin(Stdio::null());
        Proc(retry_busy(|| c.spawn()).expect("cannot spawn"))
    }

    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A process alone in a new network namespace (util-linux `unshare -n`), killed on drop (or
/// earlier, by [`NetProc::kill`]): the namespace goes with it.
pub struct NetProc {
    holder: Option<Proc>,
    pid: String,
}

impl NetProc {
    pub fn new() -> NetProc {
        let p = Proc::spawn(Command::new("unshare").args(["-n", "sleep", "100000"]));
        let pid = p.pid().to_string();
        let own = ns_inode("self", "net");
        let ready = wait_for(Duration::from_secs(20), || {
            std::fs::metadata(format!("/proc/{pid}/ns/net"))
                .is_ok_and(|m| std::os::unix::fs::MetadataExt::ino(&m) != own)
        });
        assert!(ready, "unshare -n did not make a network namespace");
        NetProc {
            holder: Some(p),
            pid,
        }
    }

    /// The network namespace of process `pid`, held by someone else.
    pub fn of(pid: &str) -> NetProc {
        NetProc {
            holder: None,
            pid: pid.to_string(),
        }
    }

    pub fn pid(&self) -> String {
        self.pid.clone()
    }

    /// `/proc/PID/ns/net`.
    pub fn path(&self) -> String {
        format!("/proc/{}/ns/net", self.pid)
    }

    /// End the process now.
    pub fn kill(&mut self) {
        self.holder.take();
    }
}

/// Wait until `f` holds, up to `limit`.
pub fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    f()
}

// The unit tests' helpers, shared: one `TempDir` for both.
#[path = "../../src/testutil.rs"]
mod testutil;
pub use testutil::TempDir;

/// A command that runs what its arguments name as the user `uid`:`uid`, with no supplementary
/// groups (util-linux `setpriv`, so the test does not depend on the tools under test).
pub fn as_user(uid: u32) -> Command {
    let mut c = Command::new("setpriv");
    c.args([
        format!("--reuid={uid}"),
        format!("--regid={uid}"),
        "--clear-groups".into(),
        "--".into(),
    ]);
    c
}

/// The host's mounts that a bug could touch: `/`, `/proc`, `/sys`, `/dev` and anything below
/// `dir` (other tests may mount elsewhere meanwhile), as `mountinfo` lines.
pub fn host_mounts(dir: &Path) -> Vec<String> {
    let prefix = dir.to_string_lossy().into_owned();
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| {
            let m = l.split(' ').nth(4).unwrap_or("");
            ["/", "/proc", "/sys", "/dev"].contains(&m) || m.starts_with(&prefix)
        })
        .map(str::to_string)
        .collect()
}

/// The lines of a `uid_map`/`gid_map` text, single-spaced: `["0 1000 1", ...]`.
pub fn map_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// `/proc/PID/FILE` (`uid_map`, `gid_map`) as single-spaced lines, each ending in a newline.
pub fn map_file(pid: u32, file: &str) -> String {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).unwrap();
    map_lines(&text).into_iter().map(|l| l + "\n").collect()
}

/// `DIR/root` with `bin/busybox`, its applet links and the empty directories `dirs`, nothing
/// else; calling it again on the same directory is harmless.
pub fn busybox_rootfs(dir: &TempDir, dirs: &[&str]) -> PathBuf {
    let root = dir.join("root");
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let busybox = bin.join("busybox");
    if !busybox.exists() {
        install(Path::new("/bin/busybox"), &busybox, 0o755);
    }
    let list = run(Command::new("/bin/busybox").arg("--list"));
    for applet in list
        .ok()
        .lines()
        .filter(|a| *a != "busybox" && !a.contains('/'))
    {
        let link = bin.join(applet);
        if link.symlink_metadata().is_err() {
            std::os::unix::fs::symlink("busybox", &link).unwrap();
        }
    }
    for d in dirs {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    root
}

/// `DIR/rootfs` as examples/make-rootfs.sh makes it for the example containers, with a
/// `/results` directory holding the fifos `fifos` that the containers wait on; the containers'
/// root (uid 100000 on the host) may write both.
pub fn example_rootfs(dir: &TempDir, fifos: &[&str]) -> PathBuf {
    let root = dir.join("rootfs");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/make-rootfs.sh");
    let r = run(Command::new("dash").arg(script).arg(&root));
    assert_eq!(r.code, Some(0), "make-rootfs.sh failed: {}", r.stderr);
    let results = root.join("results");
    std::fs::create_dir_all(&results).unwrap();
    // Modes set after making (mkfifo's and mkdir's are cut by the umask).
    let chmod = |p: &Path, mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    for f in fifos {
        let fifo = results.join(f);
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o666)).unwrap();
        chmod(&fifo, 0o666);
    }
    chmod(dir.path(), 0o755);
    chmod(&results, 0o777);
    root
}

/// The inode of `/proc/PID/ns/NAME` (PID "self" allowed).
pub fn ns_inode(pid: &str, name: &str) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/{pid}/ns/{name}"))
        .unwrap()
        .ino()
}

/// A private copy of `/etc` with extra users and subordinate id lines, seen only by commands run
/// through [`FakeEtc::command`], which bind-mounts it over `/etc` inside a private mount
/// namespace. The machine's own `/etc` is never written.
pub struct FakeEtc {
    dir: TempDir,
}

impl FakeEtc {
    pub fn new() -> FakeEtc {
        let dir = TempDir::new("etc");
        let r = run(Command::new("cp").arg("-a").arg("/etc/.").arg(dir.path()));
        assert_eq!(r.code, Some(0), "cannot copy /etc: {}", r.stderr);
        for f in ["subuid", "subgid"] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        FakeEtc { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn append(&self, file: &str, line: &str) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.dir.join(file))
            .unwrap();
        writeln!(f, "{line}").unwrap();
    }

    /// Add a user `name` with uid and primary gid `id` (and its group).
    pub fn add_user(&self, name: &str, id: u32) {
        self.append(
            "passwd",
            &format!("{name}:x:{id}:{id}::/nonexistent:/bin/sh"),
        );
        self.append("group", &format!("{name}:x:{id}:"));
    }

    pub fn add_subuid(&self, line: &str) {
        self.append("subuid", line);
    }

    pub fn add_subgid(&self, line: &str) {
        self.append("subgid", line);
    }

    /// `argv` run with this `/etc` in a private mount namespace (made by util-linux unshare, so
    /// the test does not depend on the tool under test), as root.
    pub fn command<S: AsRef<OsStr>>(&self, argv: &[S]) -> Command {
        let mut c = Command::new("unshare");
        c.args([
            "-m",
            "--propagation",
            "private",
            "--",
            "sh",
            "-c",
            r#"mount --bind "$0" /etc && exec "$@""#,
        ]);
        c.arg(self.dir.path());
        c.args(argv);
        c
    }

    /// `argv` run with this `/etc`, as the user `uid`:`uid` with no supplementary groups
    /// ([`as_user`]).
    pub fn command_as<S: AsRef<OsStr>>(&self, uid: u32, argv: &[S]) -> Command {
        let user = as_user(uid);
        let mut full: Vec<std::ffi::OsString> = vec![user.get_program().to_owned()];
        full.extend(user.get_args().map(OsStr::to_owned));
        full.extend(argv.iter().map(|a| a.as_ref().to_owned()));
        self.command(&full)
    }
}

/// A copy of one of our binaries, installed setuid-root in a fresh directory that any user can
/// reach (for the unprivileged tests of setuid helpers). Returns the directory guard and the path.
pub fn setuid_copy(name: &str, as_name: &str) -> (TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("suid");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let dst = dir.join(as_name);
    install(&bin(name), &dst, 0o4755);
    (dir, dst)
}

/// Copy an executable with `install(1)`, in a process of its own. Copying it from this process
/// would open it for writing here, and a test thread forking meanwhile would keep that
/// descriptor until its own exec, making the kernel refuse to execute the copy (ETXTBSY).
pub fn install(src: &Path, dst: &Path, mode: u32) {
    let r = run(Command::new("install")
        .arg(format!("-m{mode:o}"))
        .arg(src)
        .arg(dst));
    assert_eq!(
        r.code,
        Some(0),
        "install {} {}: {}",
        src.display(),
        dst.display(),
        r.stderr
    );
}

/// `c`, executed with `sig` ignored, as a Python program or a daemon may leave SIGCHLD, or a
/// shell SIGPIPE, for its children (an ignored disposition survives `execve`; a shell's
/// `trap '' CHLD` does not set it).
pub fn ignoring(c: &mut Command, sig: nix::sys::signal::Signal) -> &mut Command {
    use nix::sys::signal::{signal, SigHandler};
    use std::os::unix::process::CommandExt;
    // SAFETY: runs in the forked child before exec; signal(2) is async-signal-safe and the
    // closure allocates nothing.
    unsafe {
        c.pre_exec(move || {
            signal(sig, SigHandler::SigIgn)
                .map(drop)
                .map_err(std::io::Error::from)
        })
    }
}

/// `c`, executed with SIGCHLD ignored (see [`ignoring`]).
pub fn sigchld_ignored(c: &mut Command) -> &mut Command {
    ignoring(c, nix::sys::signal::Signal::SIGCHLD)
}

/// A cgroup layout a test needs (see [`cgroups`]).
#[derive(Clone, Copy, Debug)]
pub enum CgroupNeed<'a> {
    /// v1 hierarchies of these controllers.
    V1(&'a [&'a str]),
    /// v1 hierarchies of these controllers, and a cgroup2 hierarchy at
    /// `/sys/fs/cgroup/unified` (the hybrid layout systemd boots by default on older hosts).
    Hybrid(&'a [&'a str]),
    /// A cgroup2 hierarchy, wherever it is mounted, offering these controllers to the test's
    /// own cgroup (none: any cgroup2 mount will do).
    V2(&'a [&'a str]),
    /// cgroup2 alone at `/sys/fs/cgroup` (no v1 hierarchy), offering these controllers to the
    /// test's own cgroup.
    PureV2(&'a [&'a str]),
}

/// The cgroup layout of this machine, as the test process sees it.
#[derive(Clone, Debug, Default)]
pub struct CgroupLayout {
    /// Controllers with a v1 hierarchy.
    pub v1: Vec<String>,
    /// The mount point of the cgroup2 hierarchy.
    pub v2: Option<PathBuf>,
    /// The controllers the cgroup2 hierarchy offers to the test's own cgroup.
    pub v2_controllers: Vec<String>,
}

impl CgroupLayout {
    /// Read the layout from /proc/self/mountinfo and /proc/self/cgroup.
    pub fn read() -> CgroupLayout {
        let mut layout = CgroupLayout::default();
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        for line in mountinfo.lines() {
            let Some((left, right)) = line.split_once(" - ") else {
                continue;
            };
            let point = left.split(' ').nth(4).unwrap_or("").replace("\\040", " ");
            let mut right = right.split(' ');
            let (fstype, options) = (right.next(), right.nth(1).unwrap_or(""));
            match fstype {
                Some("cgroup") => layout.v1.extend(
                    options
                        .split(',')
                        .filter(|o| !o.contains('=') && !o.starts_with("no"))
                        .filter(|o| {
                            !["rw", "ro", "xattr", "clone_children", "cpuset_v2_mode"].contains(o)
                        })
                        .map(str::to_string),
                ),
                Some("cgroup2") if layout.v2.is_none() => layout.v2 = Some(point.into()),
                _ => {}
            }
        }
        if let Some(mount) = &layout.v2 {
            let own = std::fs::read_to_string("/proc/self/cgroup")
                .unwrap()
                .lines()
                .find_map(|l| l.strip_prefix("0::").map(str::to_string))
                .unwrap_or_else(|| "/".into());
            let f = mount
                .join(own.trim_start_matches('/'))
                .join("cgroup.controllers");
            layout.v2_controllers = std::fs::read_to_string(f)
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_string)
                .collect();
        }
        layout
    }

    /// What `need` lacks here, in words (`None`: nothing).
    pub fn lacks(&self, need: CgroupNeed) -> Option<String> {
        let v1_missing = |ctrls: &[&str]| -> Option<String> {
            let missing: Vec<&str> = ctrls
                .iter()
                .copied()
                .filter(|c| !self.v1.iter().any(|h| h == c))
                .collect();
            (!missing.is_empty()).then(|| format!("no v1 hierarchy of {}", missing.join(", ")))
        };
        let v2_missing = |ctrls: &[&str]| -> Option<String> {
            let Some(mount) = &self.v2 else {
                return Some("no cgroup2 hierarchy is mounted".into());
            };
            let missing: Vec<&str> = ctrls
                .iter()
                .copied()
                .filter(|c| !self.v2_controllers.iter().any(|h| h == c))
                .collect();
            (!missing.is_empty()).then(|| {
                format!(
                    "the cgroup2 hierarchy at {} offers no {} to this test's cgroup",
                    mount.display(),
                    missing.join(", ")
                )
            })
        };
        match need {
            CgroupNeed::V1(ctrls) => v1_missing(ctrls),
            CgroupNeed::Hybrid(ctrls) => v1_missing(ctrls).or_else(|| {
                let want = Path::new("/sys/fs/cgroup/unified");
                (self.v2.as_deref() != Some(want))
                    .then(|| format!("no cgroup2 hierarchy at {}", want.display()))
            }),
            CgroupNeed::V2(ctrls) => v2_missing(ctrls),
            CgroupNeed::PureV2(ctrls) => {
                if !self.v1.is_empty() {
                    Some(format!(
                        "v1 hierarchies are mounted ({})",
                        self.v1.join(", ")
                    ))
                } else if self.v2.as_deref() != Some(Path::new("/sys/fs/cgroup")) {
                    Some("no cgroup2 hierarchy at /sys/fs/cgroup".into())
                } else {
                    v2_missing(ctrls)
                }
            }
        }
    }
}

/// The machine's cgroup layout when it has what the test needs (and the test runs as root).
/// Otherwise the test must not run: under CI that is a failure, never a skip; elsewhere it skips
/// with the reason printed.
#[track_caller]
pub fn cgroups(need: CgroupNeed) -> Option<CgroupLayout> {
    if !root() {
        return None;
    }
    let test = test_name();
    let layout = CgroupLayout::read();
    let Some(why) = layout.lacks(need) else {
        return Some(layout);
    };
    if std::env::var_os("CI").is_some() {
        panic!("{test}: needs cgroups {need:?}, and CI is set: {why}");
    }
    eprintln!("SKIPPED {test}: needs cgroups {need:?}: {why} (set CI to make this a failure)");
    None
}
