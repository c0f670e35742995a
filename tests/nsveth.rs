//! nsveth against the real kernel: targets made here (a process in a new network namespace, a
//! persisted namespace file, an `ip netns add` name), every effect checked with iproute2, ping,
//! util-linux nsenter. Each test uses its own names and subnets and removes its links and
//! namespaces through guards, even when it fails.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{run, sh, tool, NetProc, Proc, Ran, TempDir};

impl NetProc {
    /// `nsenter -t PID -n ARGS...`, output checked for success.
    fn sh(&self, script: &str) -> String {
        sh(&format!("nsenter -t {} -n sh -c '{script}'", self.pid()))
    }

    /// The link names inside.
    fn links(&self) -> Vec<String> {
        link_names(&self.sh("ip -o link show"))
    }
}

fn link_names(ip_o_link: &str) -> Vec<String> {
    ip_o_link
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .map(|n| n.split('@').next().unwrap().to_string())
        .collect()
}

/// Links of our namespace deleted on drop (deleting a veth end deletes the pair).
struct Links(Vec<String>);

impl Links {
    fn new(names: &[&str]) -> Links {
        Links(names.iter().map(|s| s.to_string()).collect())
    }
}

impl Drop for Links {
    fn drop(&mut self) {
        for n in &self.0 {
            let _ = run(Command::new("ip").args(["link", "del", n]));
        }
    }
}

/// A namespace made by `ip netns add`, deleted on drop.
struct NetnsName(String);

impl NetnsName {
    fn new() -> NetnsName {
        let name = common::unique("nsveth-test-");
        sh(&format!("ip netns add {name}"));
        NetnsName(name)
    }
}

impl Drop for NetnsName {
    fn drop(&mut self) {
        let _ = run(Command::new("ip").args(["netns", "del", &self.0]));
    }
}

fn exists(link: &str) -> bool {
    run(Command::new("ip").args(["link", "show", "dev", link])).code == Some(0)
}

fn ping(from: Option<&NetProc>, addr: &str) -> bool {
    let cmd = format!("ping -c1 -W2 {addr} >/dev/null");
    let r = match from {
        None => run(Command::new("sh").args(["-c", &cmd])),
        Some(p) => run(Command::new("nsenter").args(["-t", &p.pid(), "-n", "sh", "-c", &cmd])),
    };
    r.code == Some(0)
}

/// The lease store of this test process (`NSTOOLS_RUN_DIR`): never the machine's /run/nstools.
/// Tests here use their own bridges and no subnets; the store holds only their bridges' locks
/// while they run, and removes itself when empty.
fn run_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("nstools-run-{}", std::process::id()))
}

fn nsveth<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Ran {
    run(common::cmd("nsveth")
        .env(nstools::testing::lease::RUN_DIR_VAR, run_dir())
        .args(args))
}

#[test]
fn help_version_and_usage() {
    let r = nsveth(&["--help"]);
    assert!(r.ok().starts_with("Usage:\n nsveth add --netns=<target>"));
    assert_eq!(nsveth(&["-V"]).ok(), "nsveth from nstools 0.1.0\n");
    let r = nsveth::<&str>(&[]);
    assert_eq!(
        r.fails(1),
        "nsveth: no command given\nTry 'nsveth --help' for more information."
    );
    let r = nsveth(&["frobnicate"]);
    assert_eq!(
        r.fails(1),
        "nsveth: unknown command 'frobnicate'\nTry 'nsveth --help' for more information."
    );
    let r = nsveth(&["add", "--bogus"]);
    assert_eq!(
        r.fails(1),
        "nsveth: unrecognized option '--bogus'\nTry 'nsveth --help' for more information."
    );
}

#[test]
fn invalid_input_is_rejected_before_anything() {
    // The target does not exist: validation must fail first, with one line.
    let t = "--netns=nsveth-no-such-ns";
    for (args, msg) in [
        (
            vec![t, "--host-addr=10.0.0.300/24"],
            "invalid address: '10.0.0.300/24'",
        ),
        (
            vec![t, "--peer-addr=fd00::1/129"],
            "invalid address: 'fd00::1/129'",
        ),
        (vec![t, "--host=a/b"], "invalid interface name: 'a/b'"),
        (
            vec![t, "--peer=0123456789abcdef"],
            "invalid interface name: '0123456789abcdef'",
        ),
        (vec![t, "--bridge=.."], "invalid interface name: '..'"),
        (vec![t, "--mtu=65536"], "invalid MTU (68-65535): '65536'"),
        (vec![t, "--mtu=1e3"], "invalid MTU (68-65535): '1e3'"),
        (
            vec![t, "--peer-mac=01:00:5e:00:00:01"],
            "invalid MAC address: '01:00:5e:00:00:01'",
        ),
        (
            vec![t, "--route=10.1.2.3/16"],
            "invalid route: '10.1.2.3/16'",
        ),
        (vec![t, "--route=default"], "invalid route: 'default'"),
        (
            vec![t, "--gateway"],
            "--gateway needs a --host-addr, or --bridge with --subnet",
        ),
        (vec!["--netns=0"], "invalid target: '0'"),
    ] {
        let mut a = vec!["add"];
        a.extend(args);
        let r = nsveth(&a);
        assert_eq!(r.fails(1), format!("nsveth: {msg}"), "{a:?}");
        assert_eq!(r.stdout, "");
    }
    let r = nsveth(&["add", t]);
    assert_eq!(
        r.fails(1),
        "nsveth: cannot open /run/netns/nsveth-no-such-ns: No such file or directory"
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn pid_target_gets_a_network_both_ways() {
    if !common::root() {
        return;
    }
    let p = NetProc::new();
    let host = format!("veth{}", p.pid());
    let _links = Links::new(&[&host]);
    let r = nsveth(&[
        "add",
        &format!("--netns={}", p.pid()),
        "--host-addr=10.231.0.1/24",
        "--host-addr=fd42:231::1/64",
        "--peer-addr=10.231.0.2/24",
        "--peer-addr=fd42:231::2/64",
        "--gateway",
        "--route=10.232.0.0/16,via=10.231.0.1",
        "--route=fd42:232::/48",
        "--json",
    ]);
    assert_eq!(
        r.ok(),
        format!(
            "{{\"host\":\"{host}\",\"peer\":\"eth0\",\"netns\":\"{}\",\
             \"host_addrs\":[\"10.231.0.1/24\",\"fd42:231::1/64\"],\
             \"peer_addrs\":[\"10.231.0.2/24\",\"fd42:231::2/64\"],\
             \"routes\":[\"default via 10.231.0.1\",\"default via fd42:231::1\",\
             \"10.232.0.0/16 via 10.231.0.1\",\"fd42:232::/48\"]}}\n",
            p.pid()
        )
    );
    assert_eq!(r.stderr, "");
    // The host end, seen by iproute2.
    let link = sh(&format!("ip -d -o link show dev {host}"));
    assert!(link.contains(",UP,LOWER_UP>"), "{link}");
    assert!(link.contains(" veth "), "{link}");
    let addrs = sh(&format!("ip -o addr show dev {host}"));
    assert!(addrs.contains("inet 10.231.0.1/24 "), "{addrs}");
    assert!(
        addrs.contains("inet6 fd42:231::1/64 scope global nodad"),
        "{addrs}"
    );
    // Inside.
    assert_eq!(p.links(), ["lo", "eth0"]);
    assert!(p.sh("ip -o link show lo").contains(",UP,LOWER_UP>"));
    assert!(p.sh("ip -o link show eth0").contains(",UP,LOWER_UP>"));
    let inside = p.sh("ip -o addr show dev eth0");
    assert!(inside.contains("inet 10.231.0.2/24 "), "{inside}");
    assert!(
        inside.contains("inet6 fd42:231::2/64 scope global nodad"),
        "{inside}"
    );
    let routes = p.sh("ip route show; ip -6 route show");
    for want in [
        "default via 10.231.0.1 dev eth0",
        "10.232.0.0/16 via 10.231.0.1 dev eth0",
        "default via fd42:231::1 dev eth0",
        "fd42:232::/48 dev eth0",
    ] {
        assert!(routes.contains(want), "{want} not in {routes}");
    }
    // Traffic both ways, IPv4 and IPv6.
    assert!(ping(None, "10.231.0.2"));
    assert!(ping(None, "fd42:231::2"));
    assert!(ping(Some(&p), "10.231.0.1"));
    assert!(ping(Some(&p), "fd42:231::1"));
    // list shows it, then del removes both ends.
    let list = nsveth(&["list"]);
    let line = list
        .ok()
        .lines()
        .find(|l| l.starts_with(&format!("{host} ")))
        .map(str::to_string);
    assert!(
        line.as_deref()
            .is_some_and(|l| l.contains(" up ") && l.ends_with(&format!(" {}", p.pid()))),
        "{}",
        list.stdout
    );
    let json = nsveth(&["list", "--json"]);
    assert!(
        json.ok().contains(&format!("{{\"name\":\"{host}\",")),
        "{}",
        json.stdout
    );
    assert!(
        json.stdout
            .contains(&format!("\"netns\":\"{}\"}}", p.pid())),
        "{}",
        json.stdout
    );
    assert_eq!(nsveth(&["del", &host]).ok(), "");
    assert!(!exists(&host));
    assert_eq!(p.links(), ["lo"]);
    let r = nsveth(&["del", &host]);
    assert_eq!(r.fails(1), format!("nsveth: delete {host}: No such device"));
}

/// The inode of a pidfd of `pid` (pidfs), as `PID:INODE` wants it.
fn pidfd_inode(pid: &str) -> u64 {
    let pid = nix::unistd::Pid::from_raw(pid.parse().unwrap());
    let fd = nstools::testing::sys::pidfd_open(pid).expect("pidfd_open");
    nix::sys::stat::fstat(&fd).unwrap().st_ino
}

/// `PID:INODE` names the process by its pidfd inode, as nsenter's and nsidmap's targets do (not
/// by its network namespace's inode), and a mismatch is refused in the same words.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn pid_with_inode_is_checked() {
    if !common::root() {
        return;
    }
    let p = NetProc::new();
    let host = common::unique("t");
    let _links = Links::new(&[&host]);
    let ino = pidfd_inode(&p.pid());
    let netns = common::ns_inode(&p.pid(), "net");
    for wrong in [ino + 1, netns] {
        let spec = format!("{}:{wrong}", p.pid());
        let r = nsveth(&["add", &format!("--netns={spec}"), &format!("--host={host}")]);
        let msg = format!(
            "process {0} is not {spec} (its pidfd inode is {ino}: the pid was reused)",
            p.pid()
        );
        assert_eq!(r.fails(1), format!("nsveth: {msg}"));
        let theirs = tool("nsenter", ["-t", &spec, "-n", "true"]);
        assert_eq!(theirs.fails(1), format!("nsenter: {msg}"));
        assert!(!exists(&host));
        assert_eq!(p.links(), ["lo"]);
    }
    nsveth(&[
        "add",
        &format!("--netns={}:{ino}", p.pid()),
        &format!("--host={host}"),
    ])
    .ok();
    assert!(exists(&host));
    assert_eq!(p.links(), ["lo", "eth0"]);
}

/// A file under /run/netns bound to our own network namespace, removed on drop.
struct OwnNetnsName(String);

impl OwnNetnsName {
    fn new() -> OwnNetnsName {
        let name = common::unique("nsveth-own-");
        let path = format!("/run/netns/{name}");
        std::fs::create_dir_all("/run/netns").unwrap();
        std::fs::write(&path, "").unwrap();
        let me = OwnNetnsName(name);
        sh(&format!(
            "mount --bind /proc/{}/ns/net {path}",
            std::process::id()
        ));
        me
    }
}

impl Drop for OwnNetnsName {
    fn drop(&mut self) {
        let path = format!("/run/netns/{}", self.0);
        let _ = nix::mount::umount2(path.as_str(), nix::mount::MntFlags::MNT_DETACH);
        let _ = std::fs::remove_file(path);
    }
}

/// Our own network namespace, however it is named, would put both ends on this host and the
/// routes into its table: refused before anything is made.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn own_namespace_is_refused() {
    if !common::root() {
        return;
    }
    let me = std::process::id().to_string();
    let bound = OwnNetnsName::new();
    let (host, peer) = (common::unique("t"), common::unique("p"));
    let _links = Links::new(&[&host, &peer]);
    let bound_path = format!("/run/netns/{}", bound.0);
    let with_inode = format!("{me}:{}", pidfd_inode(&me));
    let own_file = format!("/proc/{me}/ns/net");
    for target in [
        "/proc/self/ns/net",
        "/proc/thread-self/ns/net",
        &me,
        &with_inode,
        &own_file,
        &bound.0,
        &bound_path,
    ] {
        let r = nsveth(&[
            "add",
            &format!("--netns={target}"),
            &format!("--host={host}"),
            &format!("--peer={peer}"),
            "--host-addr=10.240.0.1/24",
            "--peer-addr=10.240.0.2/24",
            "--gateway",
            "--route=10.241.0.0/16,via=10.240.0.1",
        ]);
        // Messages name a pid target by its pid alone.
        let shown = target.split(':').next().unwrap();
        assert_eq!(
            r.fails(1),
            format!(
                "nsveth: netns {shown} is nsveth's own network namespace \
                 (both ends would be on this host)"
            )
        );
        assert!(!exists(&host) && !exists(&peer));
    }
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn persisted_namespace_file_with_mtu_and_mac() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("nsveth");
    let file = dir.join("net");
    let file = file.to_str().unwrap();
    std::fs::write(file, "").unwrap();
    sh(&format!("unshare --net={file} true"));
    let host = common::unique("t");
    let _links = Links::new(&[&host]);
    let r = nsveth(&[
        "add",
        &format!("--netns={file}"),
        &format!("--host={host}"),
        "--peer=inside0",
        "--mtu=1400",
        "--peer-mac=02:42:ac:11:00:07",
        "--peer-addr=10.234.0.2/24",
        "--host-addr=10.234.0.1/24",
    ]);
    assert_eq!(r.ok(), "");
    assert!(sh(&format!("ip -o link show dev {host}")).contains(" mtu 1400 "));
    let inside = sh(&format!("nsenter --net={file} ip -o link show dev inside0"));
    assert!(inside.contains(" mtu 1400 "), "{inside}");
    assert!(inside.contains("link/ether 02:42:ac:11:00:07 "), "{inside}");
    assert!(ping(None, "10.234.0.2"));
    nsveth(&["del", &host]).ok();
    assert!(!exists(&host));
    let left = sh(&format!("nsenter --net={file} ip -o link show"));
    assert_eq!(link_names(&left), ["lo"]);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn named_namespace_is_listed_by_name() {
    if !common::root() {
        return;
    }
    let ns = NetnsName::new();
    let host = common::unique("t");
    let _links = Links::new(&[&host]);
    nsveth(&[
        "add",
        &format!("--netns={}", ns.0),
        &format!("--host={host}"),
    ])
    .ok();
    let inside = sh(&format!("ip -n {} -o link show", ns.0));
    assert_eq!(link_names(&inside), ["lo", "eth0"]);
    assert!(inside.contains("eth0@if"), "{inside}");
    let list = nsveth(&["list"]);
    let line = list
        .ok()
        .lines()
        .find(|l| l.starts_with(&format!("{host} ")))
        .unwrap_or("");
    assert!(line.ends_with(&format!(" {}", ns.0)), "{}", list.stdout);
    let json = nsveth(&["list", "--json"]);
    assert!(
        json.ok().contains(&format!("\"netns\":\"{}\"}}", ns.0)),
        "{}",
        json.stdout
    );
    nsveth(&["del", &host]).ok();
    assert!(!exists(&host));
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn bridge_joins_two_namespaces() {
    if !common::root() {
        return;
    }
    let (a, b) = (NetProc::new(), NetProc::new());
    let br = common::unique("b");
    let (ha, hb) = (common::unique("t"), common::unique("t"));
    let _links = Links::new(&[&ha, &hb, &br]);
    for (p, h, addr) in [(&a, &ha, "10.235.0.1/24"), (&b, &hb, "10.235.0.2/24")] {
        let r = nsveth(&[
            "add",
            &format!("--netns={}", p.pid()),
            &format!("--host={h}"),
            &format!("--bridge={br}"),
            &format!("--peer-addr={addr}"),
            "--peer-addr",
            &addr
                .replace("10.235.0.", "fd42:235::")
                .replace("/24", "/64"),
        ]);
        assert_eq!(r.ok(), "");
    }
    assert!(sh(&format!("ip -o link show dev {br}")).contains(",UP,"));
    let ports = link_names(&sh(&format!("ip -o link show master {br}")));
    assert_eq!(ports, [ha.clone(), hb.clone()]);
    assert!(common::wait_for(Duration::from_secs(5), || ping(
        Some(&a),
        "10.235.0.2"
    )));
    assert!(ping(Some(&b), "10.235.0.1"));
    assert!(ping(Some(&a), "fd42:235::2"));
    assert!(ping(Some(&b), "fd42:235::1"));
    // A bridge that is not a bridge is refused before anything is made.
    let r = nsveth(&[
        "add",
        &format!("--netns={}", a.pid()),
        "--host=x",
        &format!("--bridge={ha}"),
    ]);
    assert_eq!(r.fails(1), format!("nsveth: {ha} is not a bridge"));
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn dying_namespace_takes_the_pair() {
    if !common::root() {
        return;
    }
    let p = NetProc::new();
    let host = common::unique("t");
    let _links = Links::new(&[&host]);
    nsveth(&[
        "add",
        &format!("--netns={}", p.pid()),
        &format!("--host={host}"),
    ])
    .ok();
    assert!(exists(&host));
    drop(p);
    assert!(common::wait_for(Duration::from_secs(10), || !exists(&host)));
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn failures_leave_nothing() {
    if !common::root() {
        return;
    }
    let p = NetProc::new();
    let pid = p.pid();
    let target = format!("--netns={pid}");
    let taken = common::unique("t");
    let host = common::unique("t");
    let br = common::unique("b");
    let _links = Links::new(&[&taken, &host, &br]);
    sh(&format!("ip link add {taken} type bridge"));

    // An existing host name: the kernel refuses, and the existing link is left alone.
    let r = nsveth(&["add", &target, &format!("--host={taken}")]);
    assert_eq!(
        r.fails(1),
        format!("nsveth: create veth pair {taken}/eth0: File exists")
    );
    assert!(exists(&taken));
    assert_eq!(p.links(), ["lo"]);

    // An address clash, after the pair exists: the pair goes away again.
    let h = format!("--host={host}");
    let r = nsveth(&[
        "add",
        &target,
        &h,
        "--host-addr=10.236.0.1/24",
        "--host-addr=10.236.0.1/24",
    ]);
    assert_eq!(
        r.fails(1),
        format!(
            "nsveth: add address 10.236.0.1/24 to {host}: File exists \
             (ipv4: Address already assigned)"
        )
    );
    assert!(!exists(&host));
    assert_eq!(p.links(), ["lo"]);

    // A clash inside, over IPv6.
    let r = nsveth(&[
        "add",
        &target,
        &h,
        "--peer-addr=fd42:236::2/64",
        "--peer-addr=fd42:236::2/64",
    ]);
    assert_eq!(
        r.fails(1),
        format!(
            "nsveth: add address fd42:236::2/64 to eth0 in netns {pid}: File exists \
             (ipv6: address already assigned)"
        )
    );
    assert!(!exists(&host));
    assert_eq!(p.links(), ["lo"]);

    // A route whose gateway is not reachable, with a bridge made for it: both go away.
    let r = nsveth(&[
        "add",
        &target,
        &h,
        &format!("--bridge={br}"),
        "--peer-addr=10.236.0.2/24",
        "--route=10.237.0.0/16,via=10.99.99.99",
    ]);
    assert_eq!(
        r.fails(1),
        format!(
            "nsveth: add route 10.237.0.0/16 via 10.99.99.99 to eth0 in netns {pid}: \
             Network is unreachable (Nexthop has invalid gateway)"
        )
    );
    assert!(!exists(&host));
    assert!(!exists(&br));
    assert_eq!(p.links(), ["lo"]);

    // A target that has exited but is not reaped yet (its pid still taken): a zombie has no
    // namespaces left.
    let zombie = NetProc::new();
    let zombie_pid = zombie.pid();
    // Killed, not reaped: the holder reaps it only when dropped.
    let raw: i32 = zombie_pid.parse().unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(raw),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || {
        std::fs::read_to_string(format!("/proc/{zombie_pid}/stat"))
            .is_ok_and(|s| s.contains(") Z "))
    }));
    let r = nsveth(&["add", &format!("--netns={zombie_pid}"), &h]);
    assert_eq!(r.fails(1), format!("nsveth: process {zombie_pid} exited"));
    assert!(!exists(&host));
    drop(zombie);

    // A target that has exited and been reaped.
    let gone = NetProc::new();
    let gone_pid = gone.pid();
    drop(gone);
    let r = nsveth(&["add", &format!("--netns={gone_pid}"), &h]);
    assert_eq!(
        r.fails(1),
        format!("nsveth: cannot open process {gone_pid}: No such process")
    );
    assert!(!exists(&host));

    // Not a network namespace.
    let r = nsveth(&["add", "--netns=/proc/self/ns/uts", &h]);
    assert_eq!(
        r.fails(1),
        "nsveth: /proc/self/ns/uts is a uts namespace, not a net namespace"
    );
    assert!(!exists(&host));

    // del refuses what is neither a veth nor a bridge nsveth made (this one existed before).
    let r = nsveth(&["del", &taken]);
    assert_eq!(
        r.fails(1),
        format!("nsveth: {taken} is not a veth link or a bridge made by nsveth")
    );
    assert!(exists(&taken));
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn fifty_pairs_in_parallel() {
    if !common::root() {
        return;
    }
    const N: usize = 50;
    let procs: Vec<NetProc> = (0..N).map(|_| NetProc::new()).collect();
    let names: Vec<String> = (0..N).map(|_| common::unique("t")).collect();
    let links = Links(names.clone());
    let results: Vec<Ran> = std::thread::scope(|s| {
        let handles: Vec<_> = procs
            .iter()
            .zip(&names)
            .enumerate()
            .map(|(i, (p, n))| {
                s.spawn(move || {
                    nsveth(&[
                        "add",
                        &format!("--netns={}", p.pid()),
                        &format!("--host={n}"),
                        &format!("--peer-addr=10.238.{i}.2/24"),
                        &format!("--host-addr=10.238.{i}.1/24"),
                    ])
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in &results {
        assert_eq!(r.ok(), "");
    }
    let all = sh("ip -o link show");
    let host_links = link_names(&all);
    for (i, (p, n)) in procs.iter().zip(&names).enumerate() {
        assert!(host_links.contains(n), "{n} missing");
        assert_eq!(p.links(), ["lo", "eth0"]);
        if i % 10 == 0 {
            assert!(ping(None, &format!("10.238.{i}.2")));
        }
    }
    drop(links);
    let left = link_names(&sh("ip -o link show"));
    assert!(names.iter().all(|n| !left.contains(n)));
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn target_exiting_during_add_is_undone() {
    if !common::root() {
        return;
    }
    // strace holds nsveth's first sendto (its first netlink request, before the pair is made)
    // for a second, after the target is resolved; the target exits meanwhile. The pair is then
    // made into a namespace whose process is gone: nsveth notices and deletes it.
    let p = NetProc::new();
    let pid = p.pid();
    let host = common::unique("t");
    let _links = Links::new(&[&host]);
    let traced = std::process::Command::new("strace")
        .env(nstools::testing::lease::RUN_DIR_VAR, run_dir())
        .args(["-o", "/dev/null", "-e", "trace=sendto"])
        .args(["-e", "inject=sendto:delay_enter=1000000:when=1"])
        .arg(common::bin("nsveth"))
        .args(["add", &format!("--netns={pid}"), &format!("--host={host}")])
        .args(["--peer-addr=10.239.0.2/24"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("cannot run strace");
    // Wait until nsveth (strace's child) holds the target's namespace and its two sockets.
    let ino = common::ns_inode(&pid, "net");
    let strace = traced.id();
    let resolved = common::wait_for(Duration::from_secs(10), || {
        let kids = std::fs::read_to_string(format!("/proc/{strace}/task/{strace}/children"));
        let Some(child) = kids
            .ok()
            .and_then(|k| k.split_whitespace().next().map(String::from))
        else {
            return false;
        };
        let fds: Vec<String> = std::fs::read_dir(format!("/proc/{child}/fd"))
            .map(|d| {
                d.flatten()
                    .filter_map(|e| std::fs::read_link(e.path()).ok())
                    .map(|l| l.to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        fds.contains(&format!("net:[{ino}]"))
            && fds.iter().filter(|f| f.starts_with("socket:")).count() >= 2
    });
    assert!(resolved, "nsveth did not get to its first request");
    drop(p);
    let r: Ran = traced.wait_with_output().unwrap().into();
    assert_eq!(r.fails(1), format!("nsveth: process {pid} exited"));
    assert!(!exists(&host));
}

/// The line `ip -o link show dev NAME` prints, if the link exists.
fn link_line(name: &str) -> Option<String> {
    let r = run(Command::new("ip").args(["-o", "link", "show", "dev", name]));
    (r.code == Some(0)).then(|| r.stdout.trim_end().to_string())
}

/// The alias `ip -o link` shows at the end of a link's line.
fn alias(line: &str) -> Option<&str> {
    line.rsplit_once("    alias ").map(|(_, a)| a)
}

/// The host link with index `index`, as `ip -o link` prints it.
fn link_line_by_index(index: &str) -> Option<String> {
    let all = sh("ip -o link show");
    let prefix = format!("{index}: ");
    all.lines()
        .find(|l| l.starts_with(&prefix))
        .map(str::to_string)
}

/// What an `add` that may have been interrupted left, seen from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Left {
    Nothing,
    /// A finished pair, exactly as an uninterrupted `add` makes it.
    Finished,
    /// An unfinished pair (host end under a temporary name, down, marked): its host end's index.
    Leftover(u32),
}

/// The one add command of the interruption tests, into `p` with host end `host` on bridge `br`
/// (both nsveth's to make), addresses in 10.NET.0.0/24 and fd42:NET::/64, and routes.
fn full_add(p: &NetProc, host: &str, br: &str, net: u32) -> Vec<String> {
    [
        "add".to_string(),
        format!("--netns={}", p.pid()),
        format!("--host={host}"),
        format!("--bridge={br}"),
        format!("--host-addr=10.{net}.0.1/24"),
        format!("--host-addr=fd42:{net}::1/64"),
        format!("--peer-addr=10.{net}.0.2/24"),
        format!("--peer-addr=fd42:{net}::2/64"),
        "--gateway".to_string(),
        format!("--route=10.{}.0.0/16,via=10.{net}.0.1", net + 1),
    ]
    .to_vec()
}

/// Classify what is there after [`full_add`], checking each state in full: nothing of the pair;
/// the finished pair (host end up, marked, on the bridge; inside addressed and routed); or an
/// unfinished pair (inside: the peer; here: its other end down, marked unfinished, no other name).
fn left_by(p: &NetProc, host: &str, br: &str, net: u32) -> Left {
    let inside = p.sh("ip -o link show");
    let bridge = link_line(br);
    if let Some(b) = &bridge {
        assert_eq!(alias(b), Some("nstools:bridge"), "{b}");
    }
    match link_names(&inside).as_slice() {
        [lo] if lo == "lo" => {
            assert_eq!(link_line(host), None, "a host end without its peer");
            if bridge.is_some() {
                let ports = sh(&format!("ip -o link show master {br}"));
                assert_eq!(ports, "", "an empty bridge has no ports");
            }
            Left::Nothing
        }
        [lo, eth0] if lo == "lo" && eth0 == "eth0" => {
            let peer = inside.lines().find(|l| l.contains(": eth0@if")).unwrap();
            let end = peer
                .split("eth0@if")
                .nth(1)
                .and_then(|r| r.split(':').next())
                .unwrap();
            let end_line = link_line_by_index(end).expect("the peer's other end is here");
            assert!(end_line.contains(&format!(" master {br} ")), "{end_line}");
            match link_line(host) {
                Some(h) => {
                    // The same link (its carrier may have come up between the two reads).
                    let head = |l: &str| l.split(": <").next().unwrap().to_string();
                    assert_eq!(head(&h), head(&end_line));
                    assert!(h.contains(",UP,"), "{h}");
                    assert_eq!(alias(&h), Some("nstools:veth"), "{h}");
                    let addrs = sh(&format!("ip -o addr show dev {host}"));
                    assert!(addrs.contains(&format!("inet 10.{net}.0.1/24 ")), "{addrs}");
                    assert!(
                        addrs.contains(&format!("inet6 fd42:{net}::1/64 ")),
                        "{addrs}"
                    );
                    let inside = p.sh("ip -o addr show dev eth0; ip route; ip -6 route");
                    for want in [
                        format!("inet 10.{net}.0.2/24 "),
                        format!("inet6 fd42:{net}::2/64 "),
                        format!("default via 10.{net}.0.1 dev eth0"),
                        format!("10.{}.0.0/16 via 10.{net}.0.1 dev eth0", net + 1),
                        format!("default via fd42:{net}::1 dev eth0"),
                    ] {
                        assert!(inside.contains(&want), "{want} not in {inside}");
                    }
                    Left::Finished
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
                    Left::Leftover(end.parse().unwrap())
                }
            }
        }
        other => panic!("unexpected links inside: {other:?}"),
    }
}

/// A small xorshift generator; the seed is printed, so a failing run can be told apart.
struct Rng(u64);

impl Rng {
    fn new(tag: &str) -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        let seed = t ^ u64::from(std::process::id()) | 1;
        eprintln!("{tag}: seed {seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Run [`full_add`] `runs` times, each sent `sig` after a random delay (up to twice the time an
/// uninterrupted add takes, and at most 10 ms); after each, the host and the target hold nothing
/// of it, or the finished pair, or (for `SIGKILL` only) an unfinished pair and the bridge made for
/// it; then `add` again succeeds without any manual clean-up but a `del` of a finished pair, and
/// `nsveth del` removes the pair and the bridge. Returns how often each state was seen.
fn interrupted_adds(sig: nix::sys::signal::Signal, runs: usize, net: u32) -> [usize; 3] {
    use nix::sys::signal::{kill, Signal};
    let p = NetProc::new();
    let (host, br) = (common::unique("t"), common::unique("b"));
    let tmp_br = nstools::testing::linkmark::bridge_temp_name(&br);
    let _links = Links::new(&[&host, &br, &tmp_br]);
    let args = full_add(&p, &host, &br, net);
    let clean = |p: &NetProc| {
        nsveth(&["del", &host]).ok();
        assert_eq!(link_line(&br), None, "the bridge goes with its last port");
        assert_eq!(link_line(&tmp_br), None);
        assert_eq!(p.links(), ["lo"]);
    };
    // An uninterrupted add, timed.
    let t0 = std::time::Instant::now();
    assert_eq!(nsveth(&args).ok(), "");
    let took = t0.elapsed();
    assert_eq!(left_by(&p, &host, &br, net), Left::Finished);
    clean(&p);
    let limit = (took.as_micros() as u64 * 2).clamp(1, 10_000);
    let mut rng = Rng::new(&format!("{sig} after 0-{limit} us"));
    let mut seen = [0; 3];
    for _ in 0..runs {
        let child = common::cmd("nsveth")
            .env(nstools::testing::lease::RUN_DIR_VAR, run_dir())
            .args(&args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(limit + 1)));
        let _ = kill(nix::unistd::Pid::from_raw(child.id() as i32), sig);
        let r: Ran = child.wait_with_output().unwrap().into();
        let state = left_by(&p, &host, &br, net);
        match (r.code, r.signal) {
            (Some(0), None) => assert_eq!(state, Left::Finished),
            (None, Some(s)) if s == sig as i32 => {}
            _ => panic!(
                "{sig}: exit {:?}, signal {:?}: {}",
                r.code, r.signal, r.stderr
            ),
        }
        match state {
            Left::Nothing => seen[0] += 1,
            Left::Finished => {
                seen[1] += 1;
                nsveth(&["del", &host]).ok();
            }
            Left::Leftover(_) => {
                assert_eq!(
                    sig,
                    Signal::SIGKILL,
                    "only SIGKILL may leave a pair unfinished"
                );
                seen[2] += 1;
            }
        }
        // The same add again, over whatever was left: it succeeds and removes the leftover.
        assert_eq!(nsveth(&args).ok(), "", "{sig}: the add after {state:?}");
        assert_eq!(left_by(&p, &host, &br, net), Left::Finished);
        if let Left::Leftover(index) = state {
            assert_eq!(
                link_line_by_index(&index.to_string()),
                None,
                "leftover kept"
            );
        }
        clean(&p);
    }
    eprintln!(
        "{sig}: nothing {}, finished {}, unfinished {}",
        seen[0], seen[1], seen[2]
    );
    seen
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn sigterm_at_random_moments_leaves_all_or_nothing() {
    if !common::root() {
        return;
    }
    interrupted_adds(nix::sys::signal::Signal::SIGTERM, 30, 242);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn sigkill_at_random_moments_leaves_a_state_the_next_add_clears() {
    if !common::root() {
        return;
    }
    interrupted_adds(nix::sys::signal::Signal::SIGKILL, 30, 244);
}

/// nsveth run under strace, its `when`-th sendto held for two seconds: 1 looks up the host
/// name, 2 creates and marks the pair, 3 looks up its host end, 4 adds the host addresses, 5
/// configures inside, 6 renames the host end and brings it up (the last step).
struct Held {
    strace: std::process::Child,
    log: TempDir,
}

impl Held {
    fn add(args: &[String], when: u32) -> Held {
        let mut argv = vec![common::bin("nsveth").into_os_string()];
        argv.extend(args.iter().map(Into::into));
        Held::run(&argv, when)
    }

    /// `argv` (a program that runs nsveth) under strace.
    fn run(argv: &[std::ffi::OsString], when: u32) -> Held {
        let log = TempDir::new("strace");
        let strace = Command::new("strace")
            .env(nstools::testing::lease::RUN_DIR_VAR, run_dir())
            .arg("-o")
            .arg(log.join("log"))
            .args(["-e", "trace=sendto"])
            .arg("-e")
            .arg(format!("inject=sendto:delay_enter=2000000:when={when}"))
            .args(argv)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("cannot run strace");
        Held { strace, log }
    }

    /// Wait until `n` sendtos have returned: the next one is being held.
    fn wait_sendtos(&self, n: usize) {
        let log = self.log.join("log");
        assert!(common::wait_for(Duration::from_secs(10), || {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            text.lines().filter(|l| l.contains("sendto(")).count() >= n
        }));
    }

    /// nsveth's pid (the child of strace that runs nsveth: strace forks test children too).
    fn nsveth_pid(&self) -> nix::unistd::Pid {
        let s = self.strace.id();
        let mut pid = None;
        assert!(common::wait_for(Duration::from_secs(10), || {
            let kids = std::fs::read_to_string(format!("/proc/{s}/task/{s}/children"));
            pid = kids.unwrap_or_default().split_whitespace().find_map(|k| {
                let comm = std::fs::read_to_string(format!("/proc/{k}/comm")).ok()?;
                (comm == "nsveth\n").then(|| k.parse().ok())?
            });
            pid.is_some()
        }));
        nix::unistd::Pid::from_raw(pid.unwrap())
    }

    fn wait(self) -> Ran {
        self.strace.wait_with_output().unwrap().into()
    }
}

/// A catchable signal that arrives before the last step has everything undone, and then ends
/// nsveth; one that arrives after it finds the work finished. SIGKILL in the same place leaves an
/// unfinished pair that the next add clears.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn signals_during_add_undo_or_wait() {
    use nix::sys::signal::{kill, Signal};
    if !common::root() {
        return;
    }
    let p = NetProc::new();
    let (host, br) = (common::unique("t"), common::unique("b"));
    let _links = Links::new(&[&host, &br]);
    let net = 246;
    let args = full_add(&p, &host, &br, net);
    // With --bridge, two more sendtos come first: the bridge's look-up and its creation; the
    // look-up of its temporary name and its renaming.
    let (configure, last) = (5 + 4, 6 + 4);
    for (sig, when, left) in [
        (Signal::SIGTERM, configure, Left::Nothing),
        (Signal::SIGINT, configure, Left::Nothing),
        (Signal::SIGHUP, configure, Left::Nothing),
        (Signal::SIGTERM, last, Left::Finished),
        (Signal::SIGKILL, configure, Left::Leftover(0)),
    ] {
        let held = Held::add(&args, when);
        let pid = held.nsveth_pid();
        held.wait_sendtos(when as usize - 1);
        // The pair is made (its peer is inside) before the signal is sent.
        assert_eq!(p.links().len(), 2);
        kill(pid, sig).unwrap();
        let r = held.wait();
        assert_eq!(r.signal, Some(sig as i32), "{sig}: {}", r.stderr);
        let state = left_by(&p, &host, &br, net);
        match (state, left) {
            (Left::Leftover(_), Left::Leftover(_)) => {}
            _ => assert_eq!(state, left, "{sig} at sendto {when}"),
        }
        if state == Left::Finished {
            nsveth(&["del", &host]).ok();
        }
        assert_eq!(nsveth(&args).ok(), "", "add after {sig}");
        nsveth(&["del", &host]).ok();
        assert!(!exists(&br), "the bridge goes with its last port");
        assert_eq!(p.links(), ["lo"]);
    }
}

/// A signal the caller ignores stays ignored: the add finishes.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn ignored_sigterm_stays_ignored() {
    use nix::sys::signal::{kill, Signal};
    if !common::root() {
        return;
    }
    let p = NetProc::new();
    let (host, br) = (common::unique("t"), common::unique("b"));
    let _links = Links::new(&[&host, &br]);
    let net = 248;
    let args = full_add(&p, &host, &br, net);
    let mut argv: Vec<std::ffi::OsString> = ["sh", "-c", "trap '' TERM; exec \"$0\" \"$@\""]
        .iter()
        .map(Into::into)
        .collect();
    argv.push(common::bin("nsveth").into_os_string());
    argv.extend(args.iter().map(Into::into));
    // The configuration inside is held for two seconds while SIGTERM arrives.
    let held = Held::run(&argv, 9);
    let pid = held.nsveth_pid();
    held.wait_sendtos(8);
    assert_eq!(p.links().len(), 2);
    kill(pid, Signal::SIGTERM).unwrap();
    assert_eq!(held.wait().ok(), "");
    assert_eq!(left_by(&p, &host, &br, net), Left::Finished);
    nsveth(&["del", &host]).ok();
    assert!(!exists(&br), "the bridge goes with its last port");
}

/// The host end's name taken by someone else while the pair is made: the last step fails, the
/// pair and the bridge made for it go away, the other link stays untouched.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn host_name_taken_meanwhile_is_undone() {
    if !common::root() {
        return;
    }
    let p = NetProc::new();
    let (host, br) = (common::unique("t"), common::unique("b"));
    let _links = Links::new(&[&host, &br]);
    let args = full_add(&p, &host, &br, 250);
    let held = Held::add(&args, 5 + 4);
    held.wait_sendtos(8);
    assert_eq!(p.links().len(), 2);
    sh(&format!("ip link add {host} type bridge"));
    let r = held.wait();
    assert_eq!(
        r.fails(1),
        format!("nsveth: create veth pair {host}/eth0: File exists")
    );
    assert_eq!(p.links(), ["lo"]);
    assert_eq!(link_line(&br), None);
    let theirs = link_line(&host).unwrap();
    assert!(
        theirs.contains(" state DOWN ") && alias(&theirs).is_none(),
        "{theirs}"
    );
}

/// Only a leftover is ever deleted: a pair marked unfinished by a process that has ended. A pair
/// without the mark, finished, or marked by a process that still runs or that we cannot judge
/// (another pid namespace) stays, and the add fails as it would have.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn leftovers_are_recognised_safely() {
    if !common::root() {
        return;
    }
    let p = NetProc::new();
    let host = common::unique("t");
    let pidns = common::ns_inode("self", "pid");
    // A process that has ended (and been reaped), and one that runs, with their pidfd inodes.
    let mut ended = Command::new("true").spawn().unwrap();
    let ended_pid = ended.id().to_string();
    let ended_ino = pidfd_inode(&ended_pid);
    ended.wait().unwrap();
    let runs = Proc::spawn(Command::new("sleep").arg("1000"));
    let runs_pid = runs.pid().to_string();
    let runs_ino = pidfd_inode(&runs_pid);
    for (mark, leftover) in [
        (None, false),
        (Some("nstools:veth".to_string()), false),
        (
            Some(format!("nstools:unfinished:{pidns}:{runs_pid}:{runs_ino}")),
            false,
        ),
        (
            Some(format!("nstools:unfinished:1:{ended_pid}:{ended_ino}")),
            false,
        ),
        (
            Some(format!(
                "nstools:unfinished:{pidns}:{ended_pid}:{ended_ino}"
            )),
            true,
        ),
        // The pid of a process that runs, but another pidfd inode: that pid was reused.
        (
            Some(format!(
                "nstools:unfinished:{pidns}:{runs_pid}:{}",
                runs_ino + 1
            )),
            true,
        ),
    ] {
        let tmp = common::unique("nst");
        let _links = Links::new(&[&host, &tmp]);
        sh(&format!(
            "ip link add {tmp} type veth peer name eth0 netns {}",
            p.pid()
        ));
        if let Some(m) = &mark {
            sh(&format!("ip link set {tmp} alias {m}"));
        }
        let r = nsveth(&[
            "add",
            &format!("--netns={}", p.pid()),
            &format!("--host={host}"),
        ]);
        if leftover {
            assert_eq!(r.ok(), "", "{mark:?}");
            assert_eq!(link_line(&tmp), None, "{mark:?}");
            assert!(exists(&host));
        } else {
            assert_eq!(
                r.fails(1),
                format!("nsveth: create veth pair {host}/eth0: File exists"),
                "{mark:?}"
            );
            assert_eq!(alias(&link_line(&tmp).unwrap()), mark.as_deref());
            assert!(!exists(&host));
        }
    }
    assert_eq!(p.links(), ["lo"]);
}

/// A bridge nsveth made carries its mark, outlives a failed add only when in use, and `del`
/// removes it once it has no ports; a bridge that existed before is never removed. A bridge
/// left under its temporary name is finished by the next add for it.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn bridges_nsveth_made_are_its_to_remove() {
    if !common::root() {
        return;
    }
    let (a, b) = (NetProc::new(), NetProc::new());
    let (ha, hb, br, theirs) = (
        common::unique("t"),
        common::unique("t"),
        common::unique("b"),
        common::unique("b"),
    );
    let tmp = nstools::testing::linkmark::bridge_temp_name(&br);
    let _links = Links::new(&[&ha, &hb, &br, &theirs, &tmp]);
    let add = |p: &NetProc, h: &str, br: &str, more: &[&str]| {
        let mut args = vec![
            "add".to_string(),
            format!("--netns={}", p.pid()),
            format!("--host={h}"),
            format!("--bridge={br}"),
        ];
        args.extend(more.iter().map(|s| s.to_string()));
        nsveth(&args)
    };
    add(&a, &ha, &br, &[]).ok();
    add(&b, &hb, &br, &[]).ok();
    let line = link_line(&br).unwrap();
    assert!(
        line.contains(",UP") && alias(&line) == Some("nstools:bridge"),
        "{line}"
    );
    assert_eq!(alias(&link_line(&ha).unwrap()), Some("nstools:veth"));
    let r = nsveth(&["del", &br]);
    assert_eq!(
        r.fails(1),
        format!("nsveth: cannot delete bridge {br}: it still has ports ({ha}, {hb})")
    );
    // A failed add onto a bridge in use leaves the bridge.
    let bad = ["--route=10.252.0.0/16,via=10.99.99.99"];
    let c = NetProc::new();
    let hc = common::unique("t");
    let _more = Links::new(&[&hc]);
    assert!(add(&c, &hc, &br, &bad).code == Some(1));
    assert!(exists(&br) && !exists(&hc));
    nsveth(&["del", &ha]).ok();
    assert!(exists(&br), "a port is left");
    nsveth(&["del", &hb]).ok();
    assert!(!exists(&br), "the bridge goes with its last port");
    // An empty one (as a killed add may leave it) is removed by del.
    add(&a, &ha, &br, &[]).ok();
    sh(&format!("ip link del {ha}"));
    assert_eq!(nsveth(&["del", &br]).ok(), "");
    assert!(!exists(&br));

    // A bridge that existed before: used, never marked, never removed, not even by a failed add.
    sh(&format!("ip link add {theirs} type bridge"));
    assert!(add(&c, &hc, &theirs, &bad).code == Some(1));
    let line = link_line(&theirs).unwrap();
    assert!(alias(&line).is_none(), "{line}");
    add(&a, &ha, &theirs, &[]).ok();
    nsveth(&["del", &ha]).ok();
    assert!(exists(&theirs), "a bridge that existed before stays");
    assert_eq!(
        nsveth(&["del", &theirs]).fails(1),
        format!("nsveth: {theirs} is not a veth link or a bridge made by nsveth")
    );

    // A bridge under its temporary name, as a killed add leaves it: the next add finishes it
    // (the same link, renamed and brought up).
    sh(&format!(
        "ip link add {tmp} type bridge && ip link set {tmp} alias nstools:bridge"
    ));
    let index = link_line(&tmp)
        .unwrap()
        .split(':')
        .next()
        .unwrap()
        .to_string();
    add(&a, &ha, &br, &[]).ok();
    assert_eq!(link_line(&tmp), None);
    let line = link_line(&br).unwrap();
    assert!(
        line.starts_with(&format!("{index}: {br}: ")) && line.contains(",UP"),
        "{line}"
    );
    nsveth(&["del", &ha]).ok();
    assert!(!exists(&br));
    assert_eq!(a.links(), ["lo"]);
}

/// The bridge removed between its look-up and the pair's creation (as the undo of a concurrent
/// add that made it can): nsveth makes it again, once.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn bridge_removed_meanwhile_is_made_again() {
    if !common::root() {
        return;
    }
    let p = NetProc::new();
    let (host, br) = (common::unique("t"), common::unique("b"));
    let _links = Links::new(&[&host, &br]);
    sh(&format!("ip link add {br} type bridge"));
    let args: Vec<String> = ["add", &format!("--netns={}", p.pid())]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("--host={host}"), format!("--bridge={br}")])
        .collect();
    // sendto 1 looks up the host name, 2 the bridge, 3 creates the pair.
    let held = Held::add(&args, 3);
    held.wait_sendtos(2);
    sh(&format!("ip link del {br}"));
    assert_eq!(held.wait().ok(), "");
    let line = link_line(&br).unwrap();
    assert_eq!(
        alias(&line),
        Some("nstools:bridge"),
        "made again, by nsveth"
    );
    assert!(link_line(&host)
        .unwrap()
        .contains(&format!(" master {br} ")));
    nsveth(&["del", &host]).ok();
    assert!(!exists(&br), "the bridge goes with its last port");
}
