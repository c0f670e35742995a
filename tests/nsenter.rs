//! Black-box tests of `nsenter` against the real kernel. Every target is a process the test
//! starts itself (with util-linux `unshare`, a client we did not write), held in a guard that
//! kills it; every effect is checked from outside, and cross-checked with util-linux `nsenter`.

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Proc, Ran, TempDir};

/// A target process: `proc` is what we spawned, `pid` the process whose namespaces we join.
struct Target {
    _proc: Proc,
    pid: u32,
}

impl Target {
    fn pid(&self) -> String {
        self.pid.to_string()
    }
}

/// The comm of `pid`, if it exists.
fn comm(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|s| s.trim().to_string())
}

/// Spawn `c` and wait until the process it runs (the command itself, or with `child`, its
/// only child) has become `sleep`, i.e. its setup is done.
fn spawn_until_sleep(c: &mut Command, child: bool) -> Target {
    let proc = Proc::spawn(c.stdout(Stdio::null()));
    let parent = proc.pid();
    let mut pid = None;
    let found = common::wait_for(Duration::from_secs(10), || {
        let candidate = if child {
            std::fs::read_to_string(format!("/proc/{parent}/task/{parent}/children"))
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse::<u32>().ok())
        } else {
            Some(parent)
        };
        pid = candidate.filter(|p| comm(*p).as_deref() == Some("sleep"));
        pid.is_some()
    });
    assert!(found, "the target did not start: {c:?}");
    Target {
        _proc: proc,
        pid: pid.unwrap(),
    }
}

const SETUP: &str = "hostname nsenter-tgt && ip link add nstgt0 type veth peer name nstgt1 \
                     && ipcmk -Q >/dev/null && exec sleep 1000";

/// A target in its own user (root mapped to root), cgroup, ipc, uts, net, pid, mount and time
/// namespaces, with a hostname, a veth pair, a SysV queue, its own /proc and clock offsets.
fn full_target() -> Target {
    let mut c = Command::new("unshare");
    c.args([
        "--fork",
        "--kill-child",
        "--pid",
        "--mount-proc",
        "-U",
        "-r",
        "-muinTC",
        "--monotonic",
        "500",
        "--boottime",
        "1000",
        "sh",
        "-c",
        SETUP,
    ]);
    spawn_until_sleep(&mut c, true)
}

fn nsenter<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Ran {
    common::tool("nsenter", args)
}

fn util_nsenter<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Ran {
    common::run(Command::new("nsenter").args(args))
}

/// What a process sees of the target's namespaces, one line per kind.
const PROBE: &str = "hostname; ip -o link show | cut -d: -f2 | tr -d ' ' | sort | tr '\\n' ' '; \
     echo; ipcs -q | grep -c 0x; cat /proc/self/uid_map; grep -E '^(0|[0-9]+:memory):' \
     /proc/self/cgroup; cat /proc/self/timens_offsets; ls /proc | grep -c '^[0-9]'";

fn expected_probe() -> String {
    let uid0 = format!("{:>10} {:>10} {:>10}\n", 0, 0, 1);
    // The target's cgroup namespace was made in our cgroups: it sees each of them as its root.
    let cgroups: String = std::fs::read_to_string("/proc/self/cgroup")
        .unwrap()
        .lines()
        .filter_map(|l| {
            let (id, rest) = l.split_once(':')?;
            let (controllers, _) = rest.split_once(':')?;
            let shown =
                id == "0" || (id.bytes().all(|b| b.is_ascii_digit()) && controllers == "memory");
            shown.then(|| format!("{id}:{controllers}:/\n"))
        })
        .collect();
    format!(
        "nsenter-tgt\nlo nstgt0@nstgt1 nstgt1@nstgt0 \n1\n{uid0}{cgroups}\
         monotonic         500         0\nboottime         1000         0\n"
    )
}

/// The probe's output without its last line (the number of processes, which varies), checked
/// to be a handful: the target's /proc, not ours.
#[track_caller]
fn check_probe(out: &str) {
    let (head, count) = out.trim_end().rsplit_once('\n').unwrap();
    let want = expected_probe();
    let want_lines: Vec<&str> = want.lines().collect();
    let head_lines: Vec<&str> = head.lines().collect();
    assert_eq!(head_lines, want_lines, "probe output: {out}");
    let n: u32 = count.trim().parse().unwrap();
    assert!(
        n <= 4,
        "the target's /proc has {n} processes: not the target's /proc"
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn joins_every_namespace_of_a_pid() {
    if !common::root() {
        return;
    }
    let t = full_target();
    let pid = t.pid();
    let all = nsenter(&["-t", &pid, "-a", "sh", "-c", PROBE]);
    check_probe(all.ok());
    let each = nsenter(&[
        "--target", &pid, "-U", "-C", "-i", "-u", "-n", "-p", "-m", "-T", "sh", "-c", PROBE,
    ]);
    check_probe(each.ok());
    // util-linux agrees on every line.
    let reference = util_nsenter(&["-t", &pid, "-a", "sh", "-c", PROBE]);
    check_probe(reference.ok());
    // And the namespaces are the target's, by inode.
    for ns in ["user", "cgroup", "ipc", "uts", "net", "pid", "mnt", "time"] {
        let r = nsenter(&["-t", &pid, "-a", "readlink", &format!("/proc/self/ns/{ns}")]);
        let want = std::fs::read_link(format!("/proc/{pid}/ns/{ns}")).unwrap();
        assert_eq!(r.ok().trim(), want.to_str().unwrap(), "{ns}");
    }
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn joins_namespace_files_in_every_spelling() {
    if !common::root() {
        return;
    }
    let t = full_target();
    let f = |ns: &str| format!("/proc/{}/ns/{ns}", t.pid);
    let long: Vec<String> = [
        ("user", "user"),
        ("cgroup", "cgroup"),
        ("ipc", "ipc"),
        ("uts", "uts"),
        ("net", "net"),
        ("pid", "pid"),
        ("mount", "mnt"),
        ("time", "time"),
    ]
    .iter()
    .map(|(opt, ns)| format!("--{opt}={}", f(ns)))
    .collect();
    let mut args = long.clone();
    args.extend(["sh", "-c", PROBE].map(String::from));
    check_probe(nsenter(&args).ok());
    // util-linux's attached short form: -n/path, and -n=/path.
    let short: Vec<String> = [
        ("U", "user"),
        ("C", "cgroup"),
        ("i", "ipc"),
        ("u", "uts"),
        ("n", "net"),
        ("p", "pid"),
        ("m", "mnt"),
        ("T", "time"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (opt, ns))| {
        let sep = if i % 2 == 0 { "" } else { "=" };
        format!("-{opt}{sep}{}", f(ns))
    })
    .collect();
    let mut args = short.clone();
    args.extend(["sh", "-c", PROBE].map(String::from));
    check_probe(nsenter(&args).ok());
    let mut args = long;
    args.extend(["sh", "-c", PROBE].map(String::from));
    check_probe(util_nsenter(&args).ok());
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn pid_namespace_forks_and_returns_the_status() {
    if !common::root() {
        return;
    }
    let t = full_target();
    let pid = t.pid();
    // The shell runs inside the target's pid namespace, where the target is pid 1.
    let r = nsenter(&[
        "-t",
        &pid,
        "-p",
        "-m",
        "sh",
        "-c",
        "echo $$; cat /proc/1/comm",
    ]);
    let out = r.ok();
    let (inner, init) = out.trim().split_once('\n').unwrap();
    let inner: u32 = inner.parse().unwrap();
    assert!(
        inner > 1 && inner < 100,
        "pid {inner} is not inside the target's namespace"
    );
    assert_eq!(init, "sleep");
    // -F: no fork, so we stay where we are and only our children would enter.
    let r = nsenter(&[
        "-t",
        &pid,
        "-p",
        "-F",
        "sh",
        "-c",
        "readlink /proc/$$/ns/pid /proc/$$/ns/pid_for_children",
    ]);
    let ours = std::fs::read_link("/proc/self/ns/pid").unwrap();
    let theirs = std::fs::read_link(format!("/proc/{pid}/ns/pid")).unwrap();
    assert_eq!(
        r.ok(),
        format!("{}\n{}\n", ours.display(), theirs.display())
    );
    // The child's exit status and terminating signal come back to the caller.
    assert_eq!(
        nsenter(&["-t", &pid, "-p", "sh", "-c", "exit 7"]).code,
        Some(7)
    );
    let r = nsenter(&["-t", &pid, "-p", "sh", "-c", "kill -TERM $$"]);
    assert_eq!((r.code, r.signal), (None, Some(15)));
    let reference = util_nsenter(&["-t", &pid, "-p", "sh", "-c", "kill -TERM $$"]);
    assert_eq!((reference.code, reference.signal), (None, Some(15)));
    // A program that cannot be run: 127 / 126, with or without the fork.
    for fork in [true, false] {
        let mut args = vec!["-t", pid.as_str(), "-p", "-n"];
        if !fork {
            args.push("-F");
        }
        let r = nsenter(&[&args[..], &["nstools-no-such-program"]].concat());
        assert_eq!(
            r.fails(127),
            "nsenter: failed to execute nstools-no-such-program: No such file or directory"
        );
        let r = nsenter(&[&args[..], &["/etc"]].concat());
        assert_eq!(
            r.fails(126),
            "nsenter: failed to execute /etc: Permission denied"
        );
    }
}

/// A target in a user namespace where it (root outside) is uid and gid 1000: its ids differ
/// inside and outside, and root inside is not mapped.
fn mapped_target() -> Target {
    let mut c = Command::new("unshare");
    c.args([
        "-U",
        "-u",
        "--map-user=1000",
        "--map-group=1000",
        "sleep",
        "1000",
    ]);
    spawn_until_sleep(&mut c, false)
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn credentials_follow_or_are_set_or_preserved() {
    if !common::root() {
        return;
    }
    let ids = "echo $(id -u) $(id -g) $(id -G)";
    // A target without a user namespace, running as 1234:2345.
    let mut c = Command::new("setpriv");
    c.args([
        "--reuid=1234",
        "--regid=2345",
        "--clear-groups",
        "sleep",
        "1000",
    ]);
    let plain = spawn_until_sleep(&mut c, false);
    let p = plain.pid();
    let r = nsenter(&[
        "-t", &p, "-u", "-S", "follow", "-G", "follow", "sh", "-c", ids,
    ]);
    assert_eq!(r.ok(), "1234 2345 2345\n");
    let r = nsenter(&[
        "-t",
        &p,
        "-u",
        "--setuid=77",
        "--setgid=88",
        "sh",
        "-c",
        ids,
    ]);
    assert_eq!(r.ok(), "77 88 88\n");
    // Without -S/-G and without a user namespace, credentials stay ours.
    let r = nsenter(&["-t", &p, "-u", "sh", "-c", "id -u"]);
    assert_eq!(r.ok(), "0\n");

    // In a user namespace: root by default (not mapped here, as util-linux finds too), the
    // target's ids as it sees them with follow, and our own with --preserve-credentials.
    let mapped = mapped_target();
    let m = mapped.pid();
    let r = nsenter(&["-t", &m, "-U", "sh", "-c", ids]);
    assert_eq!(r.fails(1), "nsenter: setgid() failed: Invalid argument");
    // (2.38 words it "setgid failed", 2.42 as we do.)
    let r = util_nsenter(&["-t", &m, "-U", "sh", "-c", ids]);
    let line = r.fails(1);
    assert!(
        line.starts_with("nsenter: setgid") && line.ends_with(": Invalid argument"),
        "{line}"
    );
    let r = nsenter(&[
        "-t", &m, "-U", "-S", "follow", "-G", "follow", "sh", "-c", ids,
    ]);
    assert_eq!(r.ok(), "1000 1000 1000\n");
    // --preserve-credentials: ours and util-linux's alike.
    for join in [nsenter, util_nsenter] {
        let r = join(&[
            "-t",
            &m,
            "-U",
            "--preserve-credentials",
            "sh",
            "-c",
            "id -u; id -g",
        ]);
        assert_eq!(r.ok(), "1000\n1000\n");
    }
    // --keep-caps: the capabilities we hold in the namespace survive exec as a non-root id.
    let amb = "grep CapAmb /proc/self/status | tr -d '\\t'";
    let r = nsenter(&["-t", &m, "-U", "--preserve-credentials", "sh", "-c", amb]);
    assert_eq!(r.ok(), "CapAmb:0000000000000000\n");
    let r = nsenter(&[
        "-t",
        &m,
        "-U",
        "--preserve-credentials",
        "--keep-caps",
        "sh",
        "-c",
        amb,
    ]);
    assert_ne!(r.ok(), "CapAmb:0000000000000000\n");
}

/// A root filesystem with a static busybox and a marker file.
fn busybox_root(tag: &str) -> TempDir {
    let d = TempDir::new(tag);
    common::install(Path::new("/bin/busybox"), &d.join("busybox"), 0o755);
    std::os::unix::fs::symlink("busybox", d.join("sleep")).unwrap();
    std::fs::write(d.join("marker"), format!("{tag}\n")).unwrap();
    std::fs::create_dir(d.join("inner")).unwrap();
    d
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn root_and_working_directories() {
    if !common::root() {
        return;
    }
    let dir = busybox_root("root");
    let d = dir.path().to_str().unwrap().to_string();
    // A target chrooted into the directory, working in /inner, in its own mount namespace
    // where a tmpfs hides /inner's content and holds a directory only it sees.
    let script = format!(
        "mount -t tmpfs none {d}/inner && mkdir {d}/inner/only-here && cd {d}/inner/only-here \
         && exec chroot {d} /busybox sh -c 'cd /inner/only-here && exec /sleep 1000'"
    );
    let mut c = Command::new("unshare");
    c.args(["-m", "--propagation", "private", "sh", "-c", &script]);
    let t = spawn_until_sleep(&mut c, false);
    let pid = t.pid();
    // -r: the target's root; the working directory is kept (it is outside that root, so the
    // shell reports it by the path the kernel can still give).
    let r = nsenter(&["-t", &pid, "-m", "-r", "/busybox", "cat", "/marker"]);
    assert_eq!(r.ok(), "root\n");
    // -w: the target's working directory.
    let r = nsenter(&["-t", &pid, "-m", "-r", "-w", "/busybox", "pwd"]);
    assert_eq!(r.ok(), "/inner/only-here\n");
    let r = util_nsenter(&["-t", &pid, "-m", "-r", "-w", "/busybox", "pwd"]);
    assert_eq!(r.ok(), "/inner/only-here\n");
    // -r DIR / -w DIR are opened in our mount namespace, before joining.
    let r = nsenter(&[
        "-t",
        &pid,
        "-m",
        &format!("-r{d}"),
        &format!("--wd={d}/inner"),
        "/busybox",
        "ls",
        "-a",
    ]);
    assert_eq!(r.ok(), ".\n..\n", "our {d}/inner is empty");
    // -W DIR is opened after joining (and after -r): it sees the target's tmpfs.
    let r = nsenter(&[
        "-t",
        &pid,
        "-m",
        "-r",
        "-W/inner/only-here",
        "/busybox",
        "pwd",
    ]);
    assert_eq!(r.ok(), "/inner/only-here\n");
    let r = nsenter(&["-t", &pid, "-m", &format!("-W{d}/inner/only-here"), "pwd"]);
    assert_eq!(r.ok(), format!("{d}/inner/only-here\n"));
    // The same path given to -w does not exist where we are.
    let r = nsenter(&["-t", &pid, "-m", &format!("-w{d}/inner/only-here"), "pwd"]);
    assert_eq!(
        r.fails(1),
        format!("nsenter: cannot open {d}/inner/only-here: No such file or directory")
    );
    let r = nsenter(&["-t", &pid, "-m", "-w", "-W/x", "pwd"]);
    assert_eq!(
        r.fails(1),
        "nsenter: mutually exclusive arguments: --wd --wdns"
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn environment_of_the_target() {
    if !common::root() {
        return;
    }
    let mut c = Command::new("unshare");
    c.args(["-u", "sleep", "1000"])
        .env_clear()
        .env("NSTGT_A", "one two")
        .env("PATH", "/usr/bin:/bin");
    let t = spawn_until_sleep(&mut c, false);
    // execve(2) names the process (its comm) before it lays the new environment out on the
    // stack: until then /proc/PID/environ of the new program reads empty.
    let environ = format!("/proc/{}/environ", t.pid());
    assert!(common::wait_for(Duration::from_secs(10), || {
        std::fs::read(&environ).is_ok_and(|e| !e.is_empty())
    }));
    let r = common::run(
        common::cmd("nsenter")
            .args(["-t", &t.pid(), "-u", "-e", "env"])
            .env("NSTGT_OURS", "x"),
    );
    let mut got: Vec<&str> = r.ok().lines().collect();
    got.sort();
    assert_eq!(got, ["NSTGT_A=one two", "PATH=/usr/bin:/bin"]);
}

/// A namespace file bound by `bind`: unmounted and removed on drop (by the TempDir).
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn persisted_namespace_files_cross_check() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("nsfile");
    // util-linux makes the file, we join it.
    let theirs = dir.join("theirs");
    let script = "ip link add nsfile0 type veth peer name nsfile1";
    std::fs::write(&theirs, "").unwrap();
    let r = common::run(
        Command::new("unshare")
            .arg(format!("--net={}", theirs.display()))
            .args(["sh", "-c", script]),
    );
    r.ok();
    let r = nsenter(&[
        &format!("--net={}", theirs.display()),
        "ip",
        "-o",
        "link",
        "show",
        "nsfile0",
    ]);
    assert!(r.ok().contains("nsfile0@nsfile1"), "{}", r.stdout);
    let r = nsenter(&[
        &format!("-n{}", theirs.display()),
        "readlink",
        "/proc/self/ns/net",
    ]);
    let ino = std::fs::metadata(&theirs).unwrap().ino();
    assert_eq!(r.ok(), format!("net:[{ino}]\n"));
    // Ours makes the file, util-linux joins it.
    let ours = dir.join("ours");
    let r = common::tool(
        "nsunshare",
        [
            format!("--uts={}", ours.display()),
            "hostname".into(),
            "nsfile-uts".into(),
        ],
    );
    r.ok();
    let r = util_nsenter(&[&format!("--uts={}", ours.display()), "hostname"]);
    assert_eq!(r.ok(), "nsfile-uts\n");
    let r = nsenter(&[&format!("--uts={}", ours.display()), "hostname"]);
    assert_eq!(r.ok(), "nsfile-uts\n");
    for f in [&theirs, &ours] {
        nix::mount::umount2(f.as_path(), nix::mount::MntFlags::MNT_DETACH).unwrap();
        std::fs::remove_file(f).unwrap();
    }
}

/// `ip netns add NAME`, deleted on drop.
struct IpNetns(String);

impl Drop for IpNetns {
    fn drop(&mut self) {
        let _ = common::run(Command::new("ip").args(["netns", "delete", &self.0]));
    }
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn netns_name_joins_run_netns() {
    if !common::root() {
        return;
    }
    let name = common::unique("nsenter");
    common::run(Command::new("ip").args(["netns", "add", &name])).ok();
    let _guard = IpNetns(name.clone());
    common::run(Command::new("ip").args([
        "-n", &name, "link", "add", "nn0", "type", "veth", "peer", "name", "nn1",
    ]))
    .ok();
    let r = nsenter(&[
        &format!("--netns={name}"),
        "ip",
        "-o",
        "link",
        "show",
        "nn0",
    ]);
    assert!(r.ok().contains("nn0@nn1"), "{}", r.stdout);
    let ino = std::fs::metadata(format!("/run/netns/{name}"))
        .unwrap()
        .ino();
    let r = nsenter(&["--netns", &name, "readlink", "/proc/self/ns/net"]);
    assert_eq!(r.ok(), format!("net:[{ino}]\n"));
    let r = nsenter(&["--netns=../etc", "true"]);
    assert_eq!(
        r.fails(1),
        "nsenter: invalid network namespace name '../etc'"
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn all_skips_our_own_user_namespace() {
    if !common::root() {
        return;
    }
    let mut c = Command::new("unshare");
    c.args(["-u", "sh", "-c", "hostname nsenter-all && exec sleep 1000"]);
    let t = spawn_until_sleep(&mut c, false);
    let r = nsenter(&["-t", &t.pid(), "-a", "hostname"]);
    assert_eq!(r.ok(), "nsenter-all\n");
    // Asked for explicitly, re-entering our own user namespace is the kernel's refusal.
    let r = nsenter(&["-t", &t.pid(), "-U", "true"]);
    assert_eq!(
        r.fails(1),
        format!(
            "nsenter: reassociate to namespace '/proc/{}/ns/user' failed: Invalid argument",
            t.pid
        )
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn user_parent_and_net_socket() {
    if !common::root() {
        return;
    }
    // Two nested user namespaces in one process; the outer one is printed before entering the
    // inner one.
    let mut c = Command::new("unshare");
    c.args([
        "-U",
        "-r",
        "sh",
        "-c",
        "readlink /proc/self/ns/user; exec unshare -U -r sleep 1000",
    ]);
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    {
        use std::io::BufRead;
        let out = child.stdout.take().unwrap();
        std::io::BufReader::new(out).read_line(&mut line).unwrap();
    }
    let proc = Proc(child);
    let pid = proc.pid();
    assert!(common::wait_for(Duration::from_secs(10), || comm(pid)
        .as_deref()
        == Some("sleep")));
    let p = pid.to_string();
    let r = nsenter(&["-t", &p, "--user-parent", "readlink", "/proc/self/ns/user"]);
    assert_eq!(r.ok(), line);
    let r = nsenter(&[
        "-t",
        &p,
        "-U",
        "--user-parent",
        "readlink",
        "/proc/self/ns/user",
    ]);
    assert_eq!(r.ok(), line);

    // A socket made in a network namespace by the target leads there.
    let mut c = Command::new("unshare");
    c.args(["-n", "busybox", "nc", "-l", "-p", "4321"]);
    let t = spawn_until_socket(&mut c);
    let want = std::fs::read_link(format!("/proc/{}/ns/net", t.0.pid())).unwrap();
    let fd = t.1.to_string();
    let r = nsenter(&[
        "-t",
        &t.0.pid().to_string(),
        "-N",
        &fd,
        "readlink",
        "/proc/self/ns/net",
    ]);
    assert_eq!(r.ok().trim(), want.to_str().unwrap());
    let r = nsenter(&["-t", &t.0.pid().to_string(), "--net-socket=0", "true"]);
    assert_eq!(
        r.fails(1),
        format!("nsenter: fd 0 of PID {} is not a socket", t.0.pid())
    );
}

/// Spawn `c` and wait until it holds a socket; returns the guard and the socket's fd number.
fn spawn_until_socket(c: &mut Command) -> (Proc, u32) {
    let proc = Proc::spawn(c.stdout(Stdio::null()));
    let pid = proc.pid();
    let mut fd = None;
    let ok = common::wait_for(Duration::from_secs(10), || {
        let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            return false;
        };
        fd = dir.flatten().find_map(|e| {
            let link = std::fs::read_link(e.path()).ok()?;
            link.to_str()?
                .starts_with("socket:")
                .then(|| e.file_name().to_str()?.parse().ok())?
        });
        fd.is_some() && comm(pid).as_deref() == Some("busybox")
    });
    assert!(ok, "the target never opened a socket");
    (proc, fd.unwrap())
}

/// A cgroup directory (v1 memory or v2) below our own, removed on drop.
struct Cgroup(std::path::PathBuf);

impl Drop for Cgroup {
    fn drop(&mut self) {
        common::wait_for(Duration::from_secs(5), || {
            std::fs::remove_dir(&self.0).is_ok()
        });
    }
}

fn our_cgroup(controllers: &str) -> Option<String> {
    std::fs::read_to_string("/proc/self/cgroup")
        .unwrap()
        .lines()
        .find_map(|l| {
            let mut f = l.splitn(3, ':');
            let _id = f.next()?;
            (f.next()? == controllers).then(|| f.next().unwrap().to_string())
        })
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn join_cgroup_of_the_target() {
    if !common::root() {
        return;
    }
    let name = common::unique("nsenter-cg");
    let mut made = Vec::new();
    // A v1 memory line where there is one (hybrid hosts), and the cgroup2 hierarchy wherever
    // it is mounted (/sys/fs/cgroup/unified on a hybrid host, /sys/fs/cgroup on a pure v2 one).
    let v2 = common::CgroupLayout::read().v2;
    let memory = std::path::PathBuf::from("/sys/fs/cgroup/memory");
    for (mount, controllers) in [(Some(memory), "memory"), (v2, "")] {
        let Some(mount) = mount else {
            continue;
        };
        let Some(ours) = our_cgroup(controllers) else {
            continue;
        };
        if !mount.join("cgroup.procs").exists() {
            continue;
        }
        let dir = mount.join(ours.trim_start_matches('/')).join(&name);
        std::fs::create_dir(&dir).unwrap();
        made.push((
            Cgroup(dir),
            controllers,
            format!("{}/{name}", ours.trim_end_matches('/')),
        ));
    }
    assert!(!made.is_empty(), "no cgroup hierarchy to test with");
    let mut c = Command::new("sleep");
    c.arg("1000");
    let t = spawn_until_sleep(&mut c, false);
    for (cg, _, _) in &made {
        std::fs::write(cg.0.join("cgroup.procs"), t.pid()).unwrap();
    }
    let r = nsenter(&["-t", &t.pid(), "-u", "-c", "cat", "/proc/self/cgroup"]);
    let out = r.ok();
    for (_, controllers, path) in &made {
        let line = format!(":{controllers}:{path}");
        assert!(
            out.lines().any(|l| l.ends_with(&line)),
            "{line} not in {out}"
        );
    }
    drop(t);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn bad_input_runs_nothing() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("bad");
    let marker = dir.join("ran");
    let touch = ["touch", marker.to_str().unwrap()];
    let t = full_target();
    let pid = t.pid();
    let with = |args: &[&str]| {
        let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        v.extend(touch.iter().map(|s| s.to_string()));
        nsenter(&v)
    };
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec!["-t".into(), "2147483647".into(), "-n".into()],
            "nsenter: cannot open process 2147483647: No such process".into(),
        ),
        (
            vec!["-t".into(), "0".into(), "-n".into()],
            "nsenter: failed to parse PID argument '0'".into(),
        ),
        (
            vec!["-t".into(), "12ab".into(), "-n".into()],
            "nsenter: failed to parse PID argument '12ab'".into(),
        ),
        (
            vec![format!("--net={}", dir.path().display())],
            format!("nsenter: {} is not a namespace file", dir.path().display()),
        ),
        (
            vec![format!("--net=/proc/{pid}/ns/uts")],
            format!("nsenter: /proc/{pid}/ns/uts is a uts namespace, not a net namespace"),
        ),
        (
            vec!["--mount=/nonexistent/ns".into()],
            "nsenter: cannot open /nonexistent/ns: No such file or directory".into(),
        ),
        (vec!["-n".into()], "nsenter: no target PID specified".into()),
        (vec![], "nsenter: no namespace specified".into()),
        (
            vec!["-t".into(), pid.clone(), "-mnp".into()],
            "nsenter: cannot open np: No such file or directory".into(),
        ),
        (
            vec!["-t".into(), pid.clone(), "-n".into(), "-Z".into()],
            "nsenter: --follow-context: SELinux is not enabled on this system".into(),
        ),
        (
            vec![
                "-t".into(),
                pid.clone(),
                "-S".into(),
                "x".into(),
                "-n".into(),
            ],
            "nsenter: failed to parse uid: 'x'".into(),
        ),
        (
            vec![
                "-t".into(),
                pid.clone(),
                "-t".into(),
                pid.clone(),
                "-n".into(),
            ],
            "nsenter: option --target may be given only once".into(),
        ),
    ];
    for (args, want) in cases {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(with(&a).fails(1), want, "{args:?}");
        assert!(!marker.exists(), "{args:?} ran the program");
    }
    // A namespace by 64-bit id (util-linux 2.42): a bad one is refused, naming the id.
    for id in ["99999", "99999999999"] {
        assert_eq!(
            with(&[&format!("--net=:{id}")]).fails(1),
            format!("nsenter: cannot open namespace of id {id}: no such namespace")
        );
    }
    assert_eq!(
        with(&["-n:1x"]).fails(1),
        "nsenter: failed to parse nsid: 1x"
    );
    assert!(!marker.exists());
    // Unknown options are usage errors.
    let r = with(&["--bogus"]);
    assert_eq!(
        r.fails(1),
        "nsenter: unrecognized option '--bogus'\nTry 'nsenter --help' for more information."
    );
    let r = with(&["-q"]);
    assert_eq!(
        r.fails(1),
        "nsenter: invalid option -- 'q'\nTry 'nsenter --help' for more information."
    );
    assert!(!marker.exists());
}

/// The inode of a pidfd of `pid` (pidfs), as `PID:INODE` wants it.
fn pidfd_inode(pid: u32) -> u64 {
    let fd = nstools::testing::sys::pidfd_open(nix::unistd::Pid::from_raw(pid as i32))
        .expect("pidfd_open");
    nix::sys::stat::fstat(&fd).unwrap().st_ino
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn pid_with_inode_and_zombies() {
    if !common::root() {
        return;
    }
    let mut c = Command::new("unshare");
    c.args(["-u", "sh", "-c", "hostname nsenter-ino && exec sleep 1000"]);
    let t = spawn_until_sleep(&mut c, false);
    let ino = pidfd_inode(t.pid);
    let r = nsenter(&["-t", &format!("{}:{ino}", t.pid), "-u", "hostname"]);
    assert_eq!(r.ok(), "nsenter-ino\n");
    let r = nsenter(&["-t", &format!("{}:{}", t.pid, ino + 1), "-u", "hostname"]);
    assert_eq!(
        r.fails(1),
        format!(
            "nsenter: process {0} is not {0}:{1} (its pidfd inode is {2}: the pid was reused)",
            t.pid,
            ino + 1,
            ino
        )
    );
    assert_eq!(r.stdout, "");

    // A zombie: a child of ours that exited and is not reaped yet.
    let mut z = Command::new("true").spawn().unwrap();
    let zpid = z.id();
    let state = |p: u32| {
        let s = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
        s.rsplit_once(')')
            .and_then(|(_, r)| r.trim_start().chars().next())
    };
    assert!(common::wait_for(Duration::from_secs(5), || state(zpid) == Some('Z')));
    let r = nsenter(&["-t", &zpid.to_string(), "-n", "true"]);
    let line = r.fails(1).to_string();
    z.wait().unwrap();
    assert_eq!(
        line,
        format!("nsenter: PID {zpid} is a zombie: it has no namespaces to enter")
    );
}

/// A copy of our nsenter that any user can run, wherever the build tree is.
fn public_nsenter() -> (TempDir, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("pub");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let dst = dir.join("nsenter");
    common::install(&common::bin("nsenter"), &dst, 0o755);
    (dir, dst)
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn unprivileged_user_joins_its_own_container() {
    if !common::root() {
        return;
    }
    let (_dir, ours) = public_nsenter();
    let mut c = common::as_user(4321);
    c.args([
        "unshare",
        "-U",
        "-r",
        "-u",
        "-n",
        "sh",
        "-c",
        "hostname nsenter-unpriv && exec sleep 1000",
    ]);
    let t = spawn_until_sleep(&mut c, false);
    let pid = t.pid();
    // Joining raises privilege: the user namespace must go first. (Without
    // --preserve-credentials, setgroups is refused in a namespace made by an unprivileged user,
    // before and after joining: util-linux fails there too.)
    let probe = "hostname; id -u; readlink /proc/self/ns/net";
    let keep = "--preserve-credentials";
    let want = format!(
        "nsenter-unpriv\n0\n{}\n",
        std::fs::read_link(format!("/proc/{pid}/ns/net"))
            .unwrap()
            .display()
    );
    let r = common::run(
        common::as_user(4321)
            .arg(&ours)
            .args(["-t", &pid, "-U", "-n", "-u", keep, "sh", "-c", probe]),
    );
    assert_eq!(r.ok(), want);
    let r = common::run(
        common::as_user(4321)
            .arg(&ours)
            .args(["-t", &pid, "-U", "-n", "-u", "true"]),
    );
    assert_eq!(
        r.fails(1),
        "nsenter: setgroups failed: Operation not permitted"
    );
    // The same through files, and with util-linux.
    let f = |ns: &str| format!("/proc/{pid}/ns/{ns}");
    let files = [
        format!("--net={}", f("net")),
        format!("--uts={}", f("uts")),
        format!("--user={}", f("user")),
    ];
    let r = common::run(
        common::as_user(4321)
            .arg(&ours)
            .args(&files)
            .args([keep, "sh", "-c", probe]),
    );
    assert_eq!(r.ok(), want);
    let r = common::run(
        common::as_user(4321)
            .arg("nsenter")
            .args(["-t", &pid, "-U", "-n", "-u", keep, "sh", "-c", probe]),
    );
    assert_eq!(r.ok(), want);
    // Another user may not.
    let r = common::run(
        common::as_user(4322)
            .arg(&ours)
            .args(["-t", &pid, "-n", "true"]),
    );
    assert_eq!(
        r.fails(1),
        format!("nsenter: reassociate to namespaces of PID {pid} failed: Operation not permitted")
    );
}

fn state(pid: u32) -> Option<char> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    s.rsplit_once(')')?.1.trim_start().chars().next()
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn a_stopped_child_stops_us_and_continues_with_us() {
    if !common::root() {
        return;
    }
    let t = full_target();
    let child = common::cmd("nsenter")
        .args([
            "-t",
            &t.pid(),
            "-p",
            "sh",
            "-c",
            "kill -STOP $$; echo resumed",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let ns = Proc(child);
    let pid = ns.pid();
    assert!(
        common::wait_for(Duration::from_secs(10), || state(pid) == Some('T')),
        "nsenter did not stop with its child"
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGCONT,
    )
    .unwrap();
    let mut ns = ns;
    let mut out = String::new();
    use std::io::Read;
    ns.0.stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let status = ns.0.wait().unwrap();
    assert_eq!((out.as_str(), status.code()), ("resumed\n", Some(0)));
}

/// A caller that ignores SIGCHLD (Python, daemons) must not break the wait for the child that
/// enters a pid namespace: util-linux resets SIGCHLD before it forks, and so do we. The program
/// sees the same dispositions under both, with and without the fork.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn ignored_sigchld_in_the_caller_is_reset_before_the_fork() {
    if !common::root() {
        return;
    }
    let t = spawn_until_sleep(
        Command::new("unshare").args(["-p", "-f", "--kill-child", "sleep", "1000"]),
        true,
    );
    let pid = t.pid();
    let r = common::run(common::sigchld_ignored(
        common::cmd("nsenter").args(["-t", &pid, "-p", "true"]),
    ));
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    let probe = "grep SigIgn /proc/self/status; exit 7";
    for extra in [&[][..], &["-F"], &["-m", "-u"]] {
        let mut args = vec!["-t", pid.as_str(), "-p"];
        args.extend(extra);
        args.extend(["sh", "-c", probe]);
        let ours = common::run(common::sigchld_ignored(common::cmd("nsenter").args(&args)));
        let util = common::run(common::sigchld_ignored(Command::new("nsenter").args(&args)));
        assert_eq!(ours.code, Some(7), "{args:?}: {}", ours.stderr);
        assert_eq!(
            (ours.code, &ours.stdout, &ours.stderr),
            (util.code, &util.stdout, &util.stderr),
            "{args:?}: ours, then util-linux"
        );
    }
}

/// The caller's ignored SIGPIPE reaches the program, as util-linux nsenter leaves it.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn ignored_sigpipe_is_kept_across_exec() {
    if !common::root() {
        return;
    }
    use nix::sys::signal::Signal;
    let t = spawn_until_sleep(
        Command::new("unshare").args(["-p", "-f", "--kill-child", "sleep", "1000"]),
        true,
    );
    let pid = t.pid();
    for extra in [&["-p"][..], &["-p", "-F"], &["-u"]] {
        let mut args = vec!["-t", pid.as_str()];
        args.extend(extra);
        args.extend(["grep", "SigIgn", "/proc/self/status"]);
        let ours = common::run(common::ignoring(
            common::cmd("nsenter").args(&args),
            Signal::SIGPIPE,
        ));
        let util = common::run(common::ignoring(
            Command::new("nsenter").args(&args),
            Signal::SIGPIPE,
        ));
        assert_eq!(ours.ok(), util.ok(), "{args:?}: ours, then util-linux");
        assert!(ours.stdout.trim_end().ends_with("1000"), "{}", ours.stdout);
    }
}

/// `--net=:ID`: the namespace with that 64-bit id, here the target's (found on Linux 6.18,
/// which does not open a namespace by its id alone, among the processes' namespaces).
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn namespace_by_id() {
    if !common::root() {
        return;
    }
    let t = spawn_until_sleep(
        Command::new("unshare").args(["-n", "-u", "sleep", "1000"]),
        false,
    );
    let id = |kind: &str| {
        let f = std::fs::File::open(format!("/proc/{}/ns/{kind}", t.pid)).unwrap();
        use std::os::fd::AsFd;
        nstools::testing::sys::ns_get_id(f.as_fd()).unwrap()
    };
    let link = |kind: &str| {
        std::fs::read_link(format!("/proc/{}/ns/{kind}", t.pid))
            .unwrap()
            .display()
            .to_string()
    };
    let (net, uts) = (id("net"), id("uts"));
    let r = nsenter(&[
        &format!("--net=:{net}"),
        &format!("-u:{uts}"),
        "readlink",
        "/proc/self/ns/net",
        "/proc/self/ns/uts",
    ]);
    assert_eq!(r.ok(), format!("{}\n{}\n", link("net"), link("uts")));
}

/// An empty program name says so, with util-linux's status for a program that cannot be found,
/// before any namespace is joined.
#[test]
fn empty_program_name() {
    let me = std::process::id().to_string();
    for args in [&["-t", &me, "-u", ""][..], &["-t", &me, "-u", "-F", ""]] {
        let r = nsenter(args);
        assert_eq!(
            (r.code, r.stderr.as_str()),
            (Some(127), "nsenter: empty program name\n"),
            "{args:?}"
        );
    }
}

/// util-linux's nsenter ran the program with the other options applied when no namespace was
/// given, up to 2.40 (2.41 refuses with "no namespace specified").
fn util_linux_runs_without_a_namespace() -> bool {
    let v = util_nsenter(&["--version"]).stdout;
    let version = v.split_whitespace().last().unwrap_or("");
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) < (2, 41)
}

/// Without a namespace option, -S/-G/-r/-w/-W/-e/--preserve-credentials still apply (util-linux
/// up to 2.40, cross-checked where that is the installed one); with nothing to do at all,
/// util-linux's error.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn without_a_namespace_the_other_options_apply() {
    if !common::root() {
        return;
    }
    let dir = busybox_root("nons");
    let d = dir.path().to_str().unwrap().to_string();
    std::fs::create_dir(dir.join("inner/wd")).unwrap();
    let mut c = Command::new("sh");
    c.args([
        "-c",
        &format!("exec chroot {d} /busybox sh -c 'cd /inner/wd && exec /sleep 1000'"),
    ])
    .env_clear()
    .env("NSTGT_B", "b")
    .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    let t = spawn_until_sleep(&mut c, false);
    let pid = t.pid();
    let cross = util_linux_runs_without_a_namespace();
    // (args, output, whether util-linux up to 2.40 has the options: -e is 2.39's)
    let cases: &[(&[&str], &str, bool)] = &[
        (
            &[
                "-S",
                "23005",
                "-G",
                "23006",
                "grep",
                "-E",
                "^(Uid|Gid)",
                "/proc/self/status",
            ],
            "Uid:\t23005\t23005\t23005\t23005\nGid:\t23006\t23006\t23006\t23006\n",
            true,
        ),
        (&["--preserve-credentials", "id", "-u"], "0\n", true),
        (
            &["-t", &pid, "-r", "/busybox", "cat", "/marker"],
            "nons\n",
            true,
        ),
        (
            &["-t", &pid, "-r", "-w", "/busybox", "pwd"],
            "/inner/wd\n",
            true,
        ),
        (&["-W/usr/share", "pwd"], "/usr/share\n", true),
        (&["-t", &pid, "-e", "printenv", "NSTGT_B"], "b\n", false),
    ];
    for (args, want, in_util_linux) in cases {
        assert_eq!(nsenter(args).ok(), *want, "{args:?}");
        let has = *in_util_linux || util_nsenter(&["--help"]).stdout.contains("--env");
        if cross && has {
            assert_eq!(util_nsenter(args).ok(), *want, "util-linux: {args:?}");
        }
    }
    // Nothing to do at all: util-linux's error, and nothing runs.
    let marker = dir.join("ran");
    let m = marker.to_str().unwrap();
    for args in [
        &["touch", m][..],
        &["-t", &pid, "touch", m],
        &["-F", "touch", m],
        &["--keep-caps", "touch", m],
        &["-W", "touch", m],
    ] {
        assert_eq!(
            nsenter(args).fails(1),
            "nsenter: no namespace specified",
            "{args:?}"
        );
        assert!(!marker.exists(), "{args:?}");
    }
}

/// Without a program, `$SHELL` runs as a login shell; when it does not exist in the joined root
/// (a busybox container has no /bin/bash), /bin/sh instead, silently; only when that is missing
/// too, one error naming both.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn shell_falls_back_to_bin_sh_in_the_joined_root() {
    if !common::root() {
        return;
    }
    let dir = busybox_root("shell");
    let d = dir.path().to_str().unwrap().to_string();
    std::fs::create_dir(dir.join("bin")).unwrap();
    std::os::unix::fs::symlink("/busybox", dir.join("bin/ash")).unwrap();
    let mut c = Command::new("unshare");
    c.args([
        "-m",
        "--propagation",
        "private",
        "chroot",
        &d,
        "/sleep",
        "1000",
    ]);
    let t = spawn_until_sleep(&mut c, false);
    let pid = t.pid();
    let shell = |shell: &str| {
        let mut c = common::cmd("nsenter");
        c.args(["-t", &pid, "-m", "-r"])
            .env("SHELL", shell)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        // A shell that cannot start reads nothing.
        let _ = stdin.write_all(b"echo arg0=$0; exit 3\n");
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // $SHELL exists there: it runs.
    assert_eq!(
        shell("/bin/ash"),
        (Some(3), "arg0=-ash\n".into(), "".into())
    );
    // It does not, nor /bin/sh: one line naming both, 127.
    assert_eq!(
        shell("/bin/bash"),
        (
            Some(127),
            "".into(),
            "nsenter: failed to execute /bin/bash or /bin/sh: No such file or directory\n".into()
        )
    );
    // It does not, /bin/sh does: /bin/sh, silently.
    std::os::unix::fs::symlink("/busybox", dir.join("bin/sh")).unwrap();
    assert_eq!(
        shell("/bin/bash"),
        (Some(3), "arg0=-sh\n".into(), "".into())
    );
    // A program is never replaced by a shell.
    let r = nsenter(&["-t", &pid, "-m", "-r", "/bin/bash"]);
    assert_eq!(
        r.fails(127),
        "nsenter: failed to execute /bin/bash: No such file or directory"
    );
}
