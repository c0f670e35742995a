//! The example scripts are tests: examples/container.sh (as root) and examples/rootless.sh (as a
//! test user) build a real container from the tools, run with `dash` so they stay POSIX, and every
//! effect is checked from inside and from the host; afterwards nothing they made is left.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{Proc, TempDir};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// PATH with our freshly built binaries first.
fn path_with_tools() -> String {
    let bins = common::bin("nsunshare")
        .parent()
        .unwrap()
        .display()
        .to_string();
    format!("{bins}:{}", std::env::var("PATH").unwrap_or_default())
}

/// A busybox rootfs (examples/make-rootfs.sh) with the fifos `/results/go*` the containers wait
/// on, and `/mnt` for a tmpfs.
fn rootfs(dir: &TempDir) -> PathBuf {
    let root = common::example_rootfs(dir, &["go", "go2", "go3"]);
    std::fs::create_dir_all(root.join("mnt")).unwrap();
    root
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

/// What the container does inside: report, wait for the host's checks, then the limits. Once the
/// pids limit is reached no fork succeeds, so from there on it uses builtins only: it waits on
/// fifos with `read` and finds its sleeps through `/proc`. At the end it waits until the host
/// signals its init, which forwards the signal to it.
const INSIDE: &str = r#"
r=/results
{ echo "pid=$$"; echo "hostname=$(hostname)"; echo "uid=$(id -u)"; echo "init=$(cat /proc/1/comm)"
  echo "procs=$(ls /proc | grep -c '^[0-9]')"
  echo "init_uid=$(awk '/^Uid:/ { print $2 $3 $4 $5 }' /proc/1/status)"
  set -- $(ls -ldn /proc/1/); echo "init_owner=$3"
  cat /proc/1/environ >/dev/null 2>&1 && echo init_environ=readable || echo init_environ=denied
  ls /proc/1/root/ >/dev/null 2>&1 && echo init_root=readable || echo init_root=denied
} > $r/info
cat /proc/self/cgroup > $r/cgroup
mount -t tmpfs tmpfs /mnt && echo mounted > $r/tmpfs
ping -c 1 -W 5 10.200.0.1 >/dev/null 2>&1 && echo ok > $r/ping-host
echo ready > $r/ready
read x < $r/go
( i=0; while [ $i -lt 100 ]; do sleep 30 & i=$((i+1)); done ) 2>/dev/null
echo started > $r/started
read x < $r/go2
for d in /proc/[0-9]*; do
  read c < $d/comm 2>/dev/null && [ "$c" = sleep ] && kill -9 ${d#/proc/} 2>/dev/null
done
sleep 0.2
dd if=/dev/zero of=/dev/null bs=100M count=1 2>/dev/null; echo "$?" > $r/dd
echo done > $r/done
read x < $r/go3
echo "the signal did not end me" > $r/after
"#;

/// Write a line to a fifo the container waits on (giving up after 30 s without a reader).
fn poke(fifo: &Path) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let opened = common::wait_for(Duration::from_secs(30), || {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(fifo);
        f.and_then(|mut f| f.write_all(b"go\n")).is_ok()
    });
    assert!(opened, "nobody reads {}", fifo.display());
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn container_sh_builds_an_isolated_limited_container() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("container");
    let root = rootfs(&dir);
    let results = root.join("results");
    let pid_file = dir.join("init.pid");
    let host_name = common::sh("hostname");
    let queues_before = common::sh("ipcs -q | grep -c '^0x' || true");

    // The script runs in a network namespace of its own playing the host (util-linux `unshare
    // -n` executes it in place), with its lease store and container names in the test's
    // directory: its bridge, NAT rules and forwarding never touch the machine's network.
    let mut c = Command::new("unshare");
    c.args(["-n", "dash"])
        .arg(examples().join("container.sh"))
        .arg(&root)
        .args(["/bin/sh", "-c", INSIDE]);
    c.env("PATH", path_with_tools())
        .env("NSTOOLS_PID_FILE", &pid_file)
        .env("NSTOOLS_RUN_DIR", dir.join("run"))
        .env("NSTOOLS_CONTAINERS", dir.join("names"));
    let mut script = Proc::spawn(&mut c);
    let link = format!("nsv{}", script.pid());
    let host_net = format!("--net=/proc/{}/ns/net", script.pid());
    common::wait_for(Duration::from_secs(20), || {
        results.join("ready").exists() || script.0.try_wait().unwrap().is_some()
    });
    let ready = results.join("ready").exists();
    assert!(
        ready,
        "the container did not start; info: {}",
        read(&results.join("info"))
    );

    // From the host, while it runs.
    let init: u32 = read(&pid_file).trim().parse().expect("pid file");
    let program = common::sh(&format!("cat /proc/{init}/task/{init}/children"))
        .trim()
        .to_string();
    for ns in ["user", "pid", "mnt", "uts", "ipc", "net", "cgroup"] {
        assert_ne!(
            common::ns_inode(&program, ns),
            common::ns_inode("self", ns),
            "{ns} namespace is the host's"
        );
    }
    let status = read(Path::new(&format!("/proc/{program}/status")));
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(
        uid_line.split_whitespace().skip(1).all(|u| u == "100000"),
        "{uid_line}"
    );
    assert_eq!(
        common::sh("hostname"),
        host_name,
        "hostname changed on the host"
    );
    let r = common::run(Command::new("nsenter").args([
        &host_net,
        "ping",
        "-c",
        "1",
        "-W",
        "5",
        "10.200.0.2",
    ]));
    assert_eq!(
        r.code,
        Some(0),
        "the host cannot ping the container: {}",
        r.stdout
    );
    let mk = common::run(Command::new("nsenter").args(["-t", &program, "-i", "ipcmk", "-Q"]));
    assert_eq!(mk.code, Some(0), "{}", mk.stderr);
    assert_eq!(
        common::sh("ipcs -q | grep -c '^0x' || true"),
        queues_before,
        "the queue is visible outside"
    );
    let inside_queues = common::sh(&format!(
        "nsenter -t {program} -i ipcs -q | grep -c '^0x' || true"
    ));
    assert_eq!(inside_queues.trim(), "1");
    assert!(!read(Path::new("/proc/self/mountinfo")).contains(&format!("{}/mnt", root.display())));
    let cgroup_line = read(Path::new(&format!("/proc/{program}/cgroup")));
    let pids_cgroup = cgroup_line
        .lines()
        .find_map(|l| l.split_once(":pids:").map(|(_, p)| p.to_string()));
    let pids_cgroup = pids_cgroup.expect("no pids cgroup line");
    let demo = format!("/nstools-demo-{}", script.pid());
    assert!(pids_cgroup.ends_with(&demo), "{cgroup_line}");
    // Started inside the cgroup (with its init): in the cgroup2 hierarchy, and in v1's memory
    // and pids ones where they are mounted.
    for pid in [&init.to_string(), &program] {
        let text = read(Path::new(&format!("/proc/{pid}/cgroup")));
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| {
                let ctrls = l.split(':').nth(1).unwrap_or("?");
                ctrls.is_empty() || ctrls.split(',').any(|c| c == "memory" || c == "pids")
            })
            .collect();
        assert!(lines.iter().any(|l| l.starts_with("0::")), "{text}");
        assert!(
            lines.iter().all(|l| l.ends_with(&demo)),
            "{pid} is not in {demo}: {text}"
        );
    }
    // The init is the container's root, as its program is, with CAP_KILL alone, and the
    // container's root can neither ptrace it nor read its /proc files.
    let init_status = read(Path::new(&format!("/proc/{init}/status")));
    for key in ["Uid:", "Gid:"] {
        let line = init_status.lines().find(|l| l.starts_with(key)).unwrap();
        assert!(
            line.split_whitespace().skip(1).all(|u| u == "100000"),
            "init: {line}"
        );
    }
    for key in ["CapPrm:", "CapEff:"] {
        let line = init_status.lines().find(|l| l.starts_with(key)).unwrap();
        assert!(line.ends_with("0000000000000020"), "init: {line}");
    }
    let trace = common::run(Command::new("nsenter").args([
        "-t",
        &program,
        "--user",
        "--",
        "timeout",
        "5",
        "strace",
        "-qq",
        "-e",
        "trace=none",
        "-p",
        &init.to_string(),
    ]));
    assert!(
        trace.stderr.contains(&format!(
            "attach: ptrace(PTRACE_SEIZE, {init}): Operation not permitted"
        )),
        "the container's root could ptrace its init: {:?} {}",
        trace.code,
        trace.stderr
    );

    // The pids limit: 100 sleeps started, at most 20 processes in the cgroup.
    poke(&results.join("go"));
    assert!(common::wait_for(Duration::from_secs(30), || results
        .join("started")
        .exists()));
    let current = read(Path::new(&format!(
        "/sys/fs/cgroup/pids{pids_cgroup}/pids.current"
    )));
    let current: u32 = current.trim().parse().expect("pids.current");
    assert!(current <= 20, "pids.current = {current}");
    // The memory limit: a 100M allocation is killed.
    poke(&results.join("go2"));
    // A signal to the init (which runs as the container's root now) reaches the program.
    let done = || read(&results.join("done")).trim() == "done";
    assert!(
        common::wait_for(Duration::from_secs(30), done),
        "the container did not finish"
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(init as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = script.0.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(143),
        "container.sh did not end with its program's SIGTERM: {status:?}"
    );
    assert!(!results.join("after").exists());

    // From inside.
    let info = read(&results.join("info"));
    assert!(info.contains("pid=2\n"), "{info}");
    assert!(info.contains("init=nsunshare\n"), "{info}");
    assert!(info.contains("hostname=box\n"), "{info}");
    assert!(info.contains("uid=0\n"), "{info}");
    for want in [
        "init_uid=0000\n",
        "init_owner=0\n",
        "init_environ=denied\n",
        "init_root=denied\n",
    ] {
        assert!(info.contains(want), "{want:?} not in {info}");
    }
    // Its own cgroup is the root of its cgroup namespace, in every hierarchy.
    let cgroup = read(&results.join("cgroup"));
    assert!(cgroup.lines().any(|l| l == "0::/"), "{cgroup}");
    assert!(
        !cgroup.is_empty() && cgroup.lines().all(|l| l.ends_with(":/")),
        "{cgroup}"
    );
    let procs: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("procs="))
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        procs <= 5,
        "more than the container's processes in /proc: {info}"
    );
    assert_eq!(read(&results.join("tmpfs")).trim(), "mounted");
    assert_eq!(
        read(&results.join("ping-host")).trim(),
        "ok",
        "the container cannot ping the host"
    );
    assert_eq!(
        read(&results.join("dd")).trim(),
        "137",
        "the 100M allocation was not OOM-killed"
    );
    assert_eq!(read(&results.join("done")).trim(), "done");

    // Nothing left.
    assert!(common::wait_for(Duration::from_secs(5), || !Path::new(
        &format!("/proc/{init}")
    )
    .exists()));
    // The kernel tears a network namespace down (and its veth pairs with it) asynchronously;
    // the script's del gave the address back, and with it the bridge and the NAT rules went.
    assert!(
        !dir.join("run").exists() && !dir.join("names").exists(),
        "the store is left"
    );
    assert!(
        common::wait_for(Duration::from_secs(10), || !common::sh("ip -o link show")
            .contains(&link)),
        "{link} is left"
    );
    assert!(
        !Path::new(&format!("/sys/fs/cgroup/pids{pids_cgroup}")).exists(),
        "the cgroup is left"
    );
    assert!(!pid_file.exists(), "the pid file is left");
    assert!(!read(Path::new("/proc/self/mountinfo")).contains(&root.display().to_string()));
}

/// The file of controller `ctrl` named `v1` or `v2` for the cgroup `pid` is in, in whichever
/// hierarchy holds that controller here.
fn limit_file(pid: u32, ctrl: &str, v1: &str, v2: &str) -> PathBuf {
    let text = read(Path::new(&format!("/proc/{pid}/cgroup")));
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (_, ctrls, path) = (f.next(), f.next().unwrap_or(""), f.next().unwrap_or(""));
        if ctrls.split(',').any(|c| c == ctrl) {
            // v1: mounted at /sys/fs/cgroup/<its controllers> (or a link named after one).
            let file = Path::new("/sys/fs/cgroup")
                .join(ctrl)
                .join(&path[1..])
                .join(v1);
            if file.exists() {
                return file;
            }
        }
    }
    let path = text.lines().find_map(|l| l.strip_prefix("0::")).unwrap();
    Path::new("/sys/fs/cgroup").join(&path[1..]).join(v2)
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn container_sh_limits_are_its_options() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("container-limits");
    let root = rootfs(&dir);
    let pid_file = dir.join("init.pid");
    let mut c = Command::new("dash");
    c.arg(examples().join("container.sh"))
        .args(["--net=none", "--pids=7", "--memory=48M", "--cpus=0.5"])
        .arg(&root)
        .args(["/bin/sh", "-c", "read x </results/go"]);
    c.env("PATH", path_with_tools())
        .env("NSTOOLS_PID_FILE", &pid_file)
        .env("NSTOOLS_CONTAINERS", dir.join("names"));
    let mut script = Proc::spawn(&mut c);
    assert!(common::wait_for(Duration::from_secs(20), || {
        !read(&pid_file).is_empty() || script.0.try_wait().unwrap().is_some()
    }));
    let init: u32 = read(&pid_file).trim().parse().expect("pid file");
    let pids = read(&limit_file(init, "pids", "pids.max", "pids.max"));
    let memory = read(&limit_file(
        init,
        "memory",
        "memory.limit_in_bytes",
        "memory.max",
    ));
    let quota = read(&limit_file(init, "cpu", "cpu.cfs_quota_us", "cpu.max"));
    poke(&root.join("results/go"));
    let status = script.0.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(pids.trim(), "7");
    assert_eq!(memory.trim(), (48 << 20).to_string());
    assert!(quota.starts_with("50000"), "cpu quota: {quota}");

    // A bad value is refused before anything is made.
    let r = common::run(
        Command::new("dash")
            .arg(examples().join("container.sh"))
            .args(["--net=none", "--pids=many"])
            .arg(&root)
            .env("PATH", path_with_tools())
            .env("NSTOOLS_CONTAINERS", dir.join("names")),
    );
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("many"), "{}", r.stderr);
    let names = std::fs::read_dir(dir.join("names")).map_or(0, |d| d.count());
    assert_eq!(names, 0, "a refused container left its name");
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn rootless_sh_builds_a_container_as_a_user() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("rootless");
    common::sh(&format!("chmod 755 {}", dir.path().display()));
    let root = rootfs(&dir);
    let etc = common::FakeEtc::new();
    let uid = 40000 + std::process::id() % 20000;
    etc.add_user(&format!("nst{uid}"), uid);
    etc.add_subuid(&format!("nst{uid}:300000:65536"));
    etc.add_subgid(&format!("nst{uid}:300000:65536"));
    let (_suid_dir, nsidmap) = common::setuid_copy("nsidmap", "nsidmap");
    let path = format!(
        "{}:{}",
        nsidmap.parent().unwrap().display(),
        path_with_tools()
    );
    let script = examples().join("rootless.sh");
    let inside = "echo uid=$(id -u) host=$(hostname) lo=$(cat /sys/class/net/lo/operstate) pid=$$";
    let argv: Vec<String> = vec![
        "env".into(),
        format!("PATH={path}"),
        "dash".into(),
        script.display().to_string(),
        root.display().to_string(),
        "/bin/sh".into(),
        "-c".into(),
        inside.into(),
    ];
    let r = common::run(&mut etc.command_as(uid, &argv));
    assert_eq!(r.code, Some(0), "rootless.sh failed: {}", r.stderr);
    assert!(r.stdout.contains("uid=0 host=box"), "{}", r.stdout);
    assert!(r.stdout.contains("pid=2"), "{}", r.stdout);
    assert!(!r.stdout.contains("lo=down"), "lo is not up: {}", r.stdout);
    // No cgroup is delegated to this user here (the VM suite runs it with one): the script says
    // why it runs without limits, in nscgroup's own one line.
    let why: Vec<&str> = r.stderr.lines().collect();
    assert!(
        why.len() == 1
            && why[0].starts_with("rootless.sh: running without resource limits: nscgroup: "),
        "{}",
        r.stderr
    );
}

#[test]
fn example_scripts_are_posix() {
    for s in ["container.sh", "rootless.sh", "make-rootfs.sh", "demo.sh"] {
        let r = common::run(Command::new("dash").arg("-n").arg(examples().join(s)));
        assert_eq!(r.code, Some(0), "{s} is not POSIX sh: {}", r.stderr);
    }
}
