//! nsveth against the real kernel: targets made here (a process in a new network namespace, a
//! persisted namespace file, an `ip netns add` name), every effect checked with iproute2, ping,
//! util-linux nsenter. Each test uses its own names and subnets and removes its links and
//! namespaces through guards, even when it fails.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{run, sh, tool, Proc, Ran, TempDir};

/// A process alone in a new network namespace (util-linux `unshare -n`), killed on drop.
struct NetProc(Proc);

impl NetProc {
    fn new() -> NetProc {
        let p = Proc::spawn(Command::new("unshare").args(["-n", "sleep", "1000"]));
        let pid = p.pid().to_string();
        let own = common::ns_inode("self", "net");
        let ready = common::wait_for(Duration::from_secs(5), || {
            std::fs::metadata(format!("/proc/{pid}/ns/net"))
                .map(|m| std::os::unix::fs::MetadataExt::ino(&m) != own)
                .unwrap_or(false)
        });
        assert!(ready, "unshare -n did not make a network namespace");
        NetProc(p)
    }

    fn pid(&self) -> String {
        self.0.pid().to_string()
    }

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

fn nsveth(args: &[&str]) -> Ran {
    tool("nsveth", args)
}

#[test]
fn help_version_and_usage() {
    let r = nsveth(&["--help"]);
    assert!(r.ok().starts_with("Usage:\n nsveth add --netns=<target>"));
    assert_eq!(nsveth(&["-V"]).ok(), "nsveth from nstools 0.1.0\n");
    let r = nsveth(&[]);
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
        (vec![t, "--gateway"], "--gateway needs a --host-addr"),
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
fn pid_target_gets_a_network_both_ways() {
    if !common::root("pid_target_gets_a_network_both_ways") {
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
    let fd = nstools::sys::pidfd_open(pid).expect("pidfd_open");
    nix::sys::stat::fstat(&fd).unwrap().st_ino
}

/// `PID:INODE` names the process by its pidfd inode, as nsenter's and nsidmap's targets do (not
/// by its network namespace's inode), and a mismatch is refused in the same words.
#[test]
fn pid_with_inode_is_checked() {
    if !common::root("pid_with_inode_is_checked") {
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
fn own_namespace_is_refused() {
    if !common::root("own_namespace_is_refused") {
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
fn persisted_namespace_file_with_mtu_and_mac() {
    if !common::root("persisted_namespace_file_with_mtu_and_mac") {
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
fn named_namespace_is_listed_by_name() {
    if !common::root("named_namespace_is_listed_by_name") {
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
fn bridge_joins_two_namespaces() {
    if !common::root("bridge_joins_two_namespaces") {
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
fn dying_namespace_takes_the_pair() {
    if !common::root("dying_namespace_takes_the_pair") {
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
fn failures_leave_nothing() {
    if !common::root("failures_leave_nothing") {
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
    let mut zombie = NetProc::new();
    let zombie_pid = zombie.pid();
    zombie.0 .0.kill().unwrap();
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

    // del refuses what is not a veth.
    let r = nsveth(&["del", &taken]);
    assert_eq!(r.fails(1), format!("nsveth: {taken} is not a veth link"));
    assert!(exists(&taken));
}

#[test]
fn fifty_pairs_in_parallel() {
    if !common::root("fifty_pairs_in_parallel") {
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
fn target_exiting_during_add_is_undone() {
    if !common::root("target_exiting_during_add_is_undone") {
        return;
    }
    // strace holds nsveth's first sendto (the RTM_NEWLINK of the pair) for a second, after the
    // target is resolved; the target exits meanwhile. The pair is then made into a namespace
    // whose process is gone: nsveth notices and deletes it.
    let p = NetProc::new();
    let pid = p.pid();
    let host = common::unique("t");
    let _links = Links::new(&[&host]);
    let traced = std::process::Command::new("strace")
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
