//! nsveth's bridges, leases, outbound NAT and published ports against the real kernel, proven
//! with traffic. Nothing here touches the machine's own network: each test makes a network
//! namespace that plays "the host" (nsveth runs in it, with its own lease store under the
//! test's directory), and behind it another that plays "the outside" (192.0.2.0/24 and
//! 2001:db8::/64, with no route to the containers' subnets: reachable only through the host's
//! routing and NAT). The containers are processes in namespaces of their own. When a test ends
//! its processes are killed, and the kernel takes their namespaces with everything in them.

mod common;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{run, NetProc, Proc, Ran, TempDir};

/// A network namespace: of a process of the test alone in it (util-linux `unshare -n`), killed
/// on drop, or ([`Netns::of`]) of another process.
type Netns = NetProc;

impl NetProc {
    /// `argv` run in this namespace (util-linux nsenter, which executes it in place).
    fn cmd<S: AsRef<std::ffi::OsStr>>(&self, argv: &[S]) -> Command {
        let mut c = Command::new("nsenter");
        c.arg(format!("--net={}", self.path())).arg("--");
        c.args(argv);
        c
    }

    fn run<S: AsRef<std::ffi::OsStr>>(&self, argv: &[S]) -> Ran {
        run(&mut self.cmd(argv))
    }

    /// A shell script run inside; its output (it must succeed).
    #[track_caller]
    fn sh(&self, script: &str) -> String {
        let r = self.run(&["sh", "-c", script]);
        r.ok().to_string()
    }

    /// The names of the links inside.
    fn links(&self) -> Vec<String> {
        self.sh("ip -o link show")
            .lines()
            .filter_map(|l| l.split(": ").nth(1))
            .map(|n| n.split('@').next().unwrap().to_string())
            .collect()
    }

    /// Whether `addr` answers one ping from inside.
    fn pings(&self, addr: &str) -> bool {
        self.run(&["ping", "-c1", "-W1", addr]).code == Some(0)
    }
}

/// The host of a test, its lease store, and the outside behind it.
struct Host {
    ns: Netns,
    outside: Netns,
    store: TempDir,
}

impl Host {
    fn new() -> Host {
        let (ns, outside) = (Netns::new(), Netns::new());
        ns.sh(&format!(
            "ip link set lo up && ip link add up0 type veth peer name eth0 netns {} && \
             ip addr add 192.0.2.1/24 dev up0 && ip addr add 2001:db8::1/64 dev up0 nodad && \
             ip link set up0 up",
            outside.pid()
        ));
        outside.sh("ip link set lo up && ip addr add 192.0.2.2/24 dev eth0 && \
             ip addr add 2001:db8::2/64 dev eth0 nodad && ip link set eth0 up");
        Host {
            ns,
            outside,
            store: TempDir::new("store"),
        }
    }

    /// The lease store's directory (nsveth makes it, and removes it when empty).
    fn run_dir(&self) -> std::path::PathBuf {
        self.store.join("run")
    }

    /// nsveth, run in the host with the test's lease store.
    fn nsveth_cmd<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Command {
        let mut argv: Vec<std::ffi::OsString> = vec![common::bin("nsveth").into()];
        argv.extend(args.iter().map(|a| a.as_ref().to_owned()));
        let mut c = self.ns.cmd(&argv);
        c.env(nstools::testing::lease::RUN_DIR_VAR, self.run_dir());
        c
    }

    fn nsveth<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Ran {
        run(&mut self.nsveth_cmd(args))
    }

    /// `nsveth add --netns=PID` with `args`; its JSON (it must succeed).
    #[track_caller]
    fn add(&self, c: &Netns, args: &[&str]) -> String {
        let mut a = vec![
            "add".to_string(),
            format!("--netns={}", c.pid()),
            "--json".into(),
        ];
        a.extend(args.iter().map(|s| s.to_string()));
        self.nsveth(&a).ok().to_string()
    }

    fn sysctl(&self, path: &str) -> String {
        self.ns
            .sh(&format!("cat /proc/sys/net/{path}"))
            .trim()
            .to_string()
    }

    /// Our nf_tables tables in the host, as `nft` lists them (empty when there are none).
    fn nft_tables(&self) -> String {
        self.ns.sh("nft list tables")
    }

    /// Assert the host holds nothing of nsveth: only `lo`, the uplink and `also`; no table, no
    /// forwarding, no store.
    #[track_caller]
    fn assert_clean(&self, also: &[&str]) {
        let mut want = vec!["lo".to_string(), "up0".to_string()];
        want.extend(also.iter().map(|s| s.to_string()));
        assert_eq!(self.ns.links(), want);
        assert_eq!(self.nft_tables(), "");
        assert_eq!(self.sysctl("ipv4/ip_forward"), "0");
        assert_eq!(self.sysctl("ipv6/conf/all/forwarding"), "0");
        assert!(!self.run_dir().exists(), "the lease store is left");
    }
}

/// The strings of the JSON array under `key` (first occurrence).
fn json_list(json: &str, key: &str) -> Vec<String> {
    let Some(at) = json.find(&format!("\"{key}\":[")) else {
        return Vec::new();
    };
    let rest = &json[at + key.len() + 4..];
    let body = &rest[..rest.find(']').unwrap_or(0)];
    body.split(',')
        .map(|s| s.trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A TCP server (python3) that answers each connection with `NAME PEER-ADDRESS` and closes it,
/// on `[::]:PORT` (IPv4 too, as mapped addresses).
const SERVER: &str = r#"
import socket, sys
s = socket.create_server(("::", int(sys.argv[1])), family=socket.AF_INET6, dualstack_ipv6=True, reuse_port=False)
while True:
    c, a = s.accept()
    peer = a[0][7:] if a[0].startswith("::ffff:") else a[0]
    c.sendall(("%s %s\n" % (sys.argv[2], peer)).encode())
    c.close()
"#;

/// A TCP client (python3): connect to ADDR PORT, print what the server says.
const CLIENT: &str = r#"
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
print(c.recv(200).decode().strip())
"#;

/// Start [`SERVER`] in `ns` on `port`, answering with `name`.
fn serve(ns: &Netns, port: u16, name: &str) -> Proc {
    Proc::spawn(&mut ns.cmd(&["python3", "-c", SERVER, &port.to_string(), name]))
}

/// What the server at `addr`:`port` answers a connection from `ns`, waiting for it to come up
/// (and for neighbours to be found) for a few seconds; `None` if it never does.
fn ask(ns: &Netns, addr: &str, port: u16) -> Option<String> {
    let mut answer = None;
    common::wait_for(Duration::from_secs(20), || {
        let r = ns.run(&["python3", "-c", CLIENT, addr, &port.to_string()]);
        answer = (r.code == Some(0)).then(|| r.stdout.trim().to_string());
        answer.is_some()
    });
    answer
}

/// What one connection attempt from `ns` gets (no waiting): for proving a port is closed.
fn ask_once(ns: &Netns, addr: &str, port: u16) -> Option<String> {
    let r = ns.run(&["python3", "-c", CLIENT, addr, &port.to_string()]);
    (r.code == Some(0)).then(|| r.stdout.trim().to_string())
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn containers_on_a_bridge_reach_each_other_the_host_and_the_outside_through_nat() {
    if !common::root() {
        return;
    }
    let h = Host::new();
    let (a, b, lone) = (Netns::new(), Netns::new(), Netns::new());
    let args = [
        "--bridge=nst0",
        "--subnet=10.77.0.0/24",
        "--subnet=fd77::/64",
        "--peer-addr=auto",
        "--gateway",
        "--masquerade",
        "--mtu=1400",
    ];
    let ja = h.add(&a, &args);
    let jb = h.add(&b, &args);
    assert_eq!(json_list(&ja, "peer_addrs"), ["10.77.0.2/24", "fd77::2/64"]);
    assert_eq!(json_list(&jb, "peer_addrs"), ["10.77.0.3/24", "fd77::3/64"]);
    assert_eq!(
        json_list(&ja, "routes"),
        ["default via 10.77.0.1", "default via fd77::1"]
    );
    // The bridge: made by nsveth, up, with the gateway addresses and the MTU.
    let br =
        h.ns.sh("ip -o link show dev nst0; ip -o addr show dev nst0");
    assert!(br.contains(",UP") && br.contains(" mtu 1400 "), "{br}");
    assert!(br.contains("alias nstools:bridge"), "{br}");
    assert!(
        br.contains("inet 10.77.0.1/24 ") && br.contains("inet6 fd77::1/64 "),
        "{br}"
    );
    // The ports have no IPv6 of their own (the bridge carries the containers' IPv6 all the same).
    let ha = format!("veth{}", a.pid());
    assert_eq!(
        h.ns.sh(&format!("cat /proc/sys/net/ipv6/conf/{ha}/disable_ipv6")),
        "1\n"
    );
    assert_eq!(h.ns.sh(&format!("ip -6 -o addr show dev {ha}")), "");
    // Each other, the host, the outside.
    assert!(common::wait_for(Duration::from_secs(20), || a.pings("10.77.0.3")));
    assert!(a.pings("fd77::3") && b.pings("10.77.0.2"));
    assert!(a.pings("10.77.0.1") && a.pings("fd77::1"));
    assert!(h.ns.pings("10.77.0.3"));
    let _server = serve(&h.outside, 7000, "outside");
    // The outside sees the host's address: the container's was masqueraded.
    assert_eq!(
        ask(&a, "192.0.2.2", 7000).as_deref(),
        Some("outside 192.0.2.1")
    );
    assert_eq!(
        ask(&b, "2001:db8::2", 7000).as_deref(),
        Some("outside 2001:db8::1")
    );
    assert_eq!(h.sysctl("ipv4/ip_forward"), "1");
    assert_eq!(h.sysctl("ipv6/conf/all/forwarding"), "1");
    // Without --masquerade a subnet does not reach the outside (it has no route back).
    h.add(
        &lone,
        &[
            "--bridge=nst1",
            "--subnet=10.78.0.0/24",
            "--peer-addr=auto",
            "--gateway",
        ],
    );
    assert!(lone.pings("10.78.0.1"));
    assert_eq!(ask_once(&lone, "192.0.2.2", 7000), None);

    // The rules, read back through netlink by nsveth list, and by nft.
    let list = h.nsveth(&["list"]);
    let text = list.ok();
    for want in [
        "ip nstools   postrouting  ip saddr 10.77.0.0/24 ip daddr != 10.77.0.0/24 masquerade",
        "ip6 nstools  postrouting  ip6 saddr fd77::/64 ip6 daddr != fd77::/64 masquerade",
    ] {
        assert!(text.contains(want), "{want} not in {text}");
    }
    assert_eq!(text.matches("masquerade\n").count(), 2 + 4, "{text}");
    let json = h.nsveth(&["list", "--json"]).ok().to_string();
    assert!(
        json.contains(
            "{\"family\":\"ip\",\"table\":\"nstools\",\"chain\":\"postrouting\",\"handle\":"
        ),
        "{json}"
    );
    assert!(
        json.contains(
            "\"rule\":\"ip saddr 10.77.0.0/24 ip daddr != 10.77.0.0/24 masquerade\",\
         \"comment\":\"nstools masquerade 10.77.0.0/24\"}"
        ),
        "{json}"
    );
    assert!(
        json.contains(&format!(
            "{{\"subnet\":\"10.77.0.0/24\",\"addr\":\"10.77.0.2\",\"host_addr\":null,\
         \"link\":\"{ha}\",\"index\":"
        )),
        "{json}"
    );
    assert!(
        json.contains("\"bridge\":\"nst0\",\"masquerade\":true,\"publish\":[],\"state\":\"up\"}"),
        "{json}"
    );
    let nft =
        h.ns.sh("nft list table ip nstools; nft list table ip6 nstools");
    for want in [
        "type nat hook postrouting priority srcnat; policy accept;",
        "ip saddr 10.77.0.0/24 ip daddr != 10.77.0.0/24 masquerade comment \"nstools masquerade 10.77.0.0/24\"",
        "ip6 saddr fd77::/64 ip6 daddr != fd77::/64 masquerade comment \"nstools masquerade fd77::/64\"",
    ] {
        assert!(nft.contains(want), "{want} not in {nft}");
    }

    // Reference-counted: the first del leaves the rules for the second container. The bridge's
    // Ethernet address was set when it was made: it does not follow its ports (the container
    // left would lose its gateway until its neighbour entry expires).
    let mac = |h: &Host| {
        let l = h.ns.sh("ip -o link show dev nst0");
        l.split("link/ether ")
            .nth(1)
            .unwrap_or("")
            .split(' ')
            .next()
            .unwrap()
            .to_string()
    };
    let before = mac(&h);
    assert!(
        before.starts_with(|c: char| c.is_ascii_hexdigit()) && before.len() == 17,
        "{before}"
    );
    h.nsveth(&["del", &ha]).ok();
    assert_eq!(mac(&h), before);
    assert_eq!(a.links(), ["lo"]);
    assert_eq!(
        ask(&b, "192.0.2.2", 7000).as_deref(),
        Some("outside 192.0.2.1")
    );
    assert!(h.nft_tables().contains("table ip nstools"));
    h.nsveth(&["del", &format!("veth{}", b.pid())]).ok();
    h.nsveth(&["del", &format!("veth{}", lone.pid())]).ok();
    // The last one took the rules, the forwarding it turned on, the bridges and the store.
    h.assert_clean(&[]);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn published_ports_answer_from_the_outside_the_host_and_the_neighbours() {
    if !common::root() {
        return;
    }
    let h = Host::new();
    let (web, other) = (Netns::new(), Netns::new());
    let common_args = [
        "--bridge=nst0",
        "--subnet=10.79.0.0/24",
        "--subnet=fd79::/64",
        "--peer-addr=auto",
        "--gateway",
        "--hairpin",
    ];
    let mut args = common_args.to_vec();
    args.extend(["--publish=8080:80", "--publish=192.0.2.1:5353:53/udp"]);
    h.add(&web, &args);
    h.add(&other, &common_args);
    let _server = serve(&web, 80, "web");
    // From the outside, to the host's address, IPv4 and IPv6: the container answers, and sees
    // the outside's own address (no masquerade on the way in).
    assert_eq!(
        ask(&h.outside, "192.0.2.1", 8080).as_deref(),
        Some("web 192.0.2.2")
    );
    assert_eq!(
        ask(&h.outside, "2001:db8::1", 8080).as_deref(),
        Some("web 2001:db8::2")
    );
    // From the host itself (the output chain), to its own addresses.
    assert_eq!(
        ask(&h.ns, "192.0.2.1", 8080).as_deref(),
        Some("web 192.0.2.1")
    );
    assert_eq!(
        ask(&h.ns, "10.79.0.1", 8080).as_deref(),
        Some("web 10.79.0.1")
    );
    // From a neighbour on the bridge, and from the container itself (hairpin), through the
    // host's address: the answers come back the way they went (masqueraded to the gateway).
    assert_eq!(
        ask(&other, "192.0.2.1", 8080).as_deref(),
        Some("web 10.79.0.1")
    );
    assert_eq!(
        ask(&web, "192.0.2.1", 8080).as_deref(),
        Some("web 10.79.0.1")
    );
    let port =
        h.ns.sh(&format!("bridge -d link show dev veth{}", web.pid()));
    assert!(port.contains("hairpin on"), "{port}");
    // The rules, as nft reads them.
    let nft = h.ns.sh("nft list table ip nstools");
    let link = format!("veth{}", web.pid());
    for want in [
        format!("fib daddr type local tcp dport 8080 dnat to 10.79.0.2:80 comment \"nstools publish {link} 8080:80/tcp\""),
        format!("fib daddr type local ip daddr != 127.0.0.0/8 tcp dport 8080 dnat to 10.79.0.2:80 comment \"nstools publish {link} 8080:80/tcp\""),
        format!("ip daddr 192.0.2.1 udp dport 5353 dnat to 10.79.0.2:53 comment \"nstools publish {link} 192.0.2.1:5353:53/udp\""),
        "ct status dnat ip saddr 10.79.0.0/24 ip daddr 10.79.0.0/24 masquerade".to_string(),
    ] {
        assert!(nft.contains(&want), "{want} not in {nft}");
    }
    let nft6 = h.ns.sh("nft list table ip6 nstools");
    assert!(
        nft6.contains("tcp dport 8080 dnat to [fd79::2]:80"),
        "{nft6}"
    );
    assert!(
        !nft6.contains("5353"),
        "an IPv4 host address publishes over IPv4 only: {nft6}"
    );
    // The port is ours now: a second container cannot have it, and nothing of it is made.
    let third = Netns::new();
    let mut again = common_args.to_vec();
    again.push("--publish=8080:81");
    let mut argv = vec!["add".to_string(), format!("--netns={}", third.pid())];
    argv.extend(again.iter().map(|s| s.to_string()));
    let r = h.nsveth(&argv);
    assert_eq!(
        r.fails(1),
        format!("nsveth: port 8080/tcp is already published for {link} (10.79.0.2)")
    );
    assert_eq!(third.links(), ["lo"]);
    // del takes the port back: the outside is refused, and the rules are gone.
    h.nsveth(&["del", &link]).ok();
    assert_eq!(ask_once(&h.outside, "192.0.2.1", 8080), None);
    assert_eq!(h.nft_tables(), "");
    h.nsveth(&["del", &format!("veth{}", other.pid())]).ok();
    h.assert_clean(&[]);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn point_to_point_pairs_get_a_block_each() {
    if !common::root() {
        return;
    }
    let h = Host::new();
    let (a, b) = (Netns::new(), Netns::new());
    let args = [
        "--subnet=10.80.0.0/24",
        "--subnet=fd80::/64",
        "--host-addr=auto",
        "--peer-addr=auto",
        "--gateway",
        "--masquerade",
    ];
    let ja = h.add(&a, &args);
    let jb = h.add(&b, &args);
    assert_eq!(
        json_list(&ja, "host_addrs"),
        ["10.80.0.1/30", "fd80::1/126"]
    );
    assert_eq!(
        json_list(&ja, "peer_addrs"),
        ["10.80.0.2/30", "fd80::2/126"]
    );
    assert_eq!(
        json_list(&jb, "host_addrs"),
        ["10.80.0.5/30", "fd80::5/126"]
    );
    assert_eq!(
        json_list(&jb, "peer_addrs"),
        ["10.80.0.6/30", "fd80::6/126"]
    );
    assert_eq!(
        json_list(&jb, "routes"),
        ["default via 10.80.0.5", "default via fd80::5"]
    );
    // The host reaches both (one route each, no clash), each reaches the outside.
    assert!(common::wait_for(Duration::from_secs(20), || h
        .ns
        .pings("10.80.0.2")));
    assert!(h.ns.pings("10.80.0.6") && h.ns.pings("fd80::6"));
    let _server = serve(&h.outside, 7000, "outside");
    assert_eq!(
        ask(&b, "192.0.2.2", 7000).as_deref(),
        Some("outside 192.0.2.1")
    );
    // The subnet is for pairs now: a bridge may not take it.
    let c = Netns::new();
    let r = h.nsveth(&[
        "add",
        &format!("--netns={}", c.pid()),
        "--bridge=nst0",
        "--subnet=10.80.0.0/24",
        "--peer-addr=auto",
    ]);
    assert_eq!(
        r.fails(1),
        "nsveth: subnet 10.80.0.0/24 is in use for point-to-point pairs"
    );
    assert_eq!(c.links(), ["lo"]);
    for p in [&a, &b] {
        h.nsveth(&["del", &format!("veth{}", p.pid())]).ok();
    }
    h.assert_clean(&[]);
}

/// Bad input is one line and exit status 1, and nothing is made: no link here or inside, no
/// table, no forwarding, no lease.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn bad_input_is_one_line_and_makes_nothing() {
    if !common::root() {
        return;
    }
    let h = Host::new();
    let c = Netns::new();
    h.ns.sh("ip addr add 10.66.0.1/16 dev up0 && ip link add br9 type bridge");
    let _listener = serve(&h.ns, 9999, "taken");
    assert!(common::wait_for(Duration::from_secs(20), || h
        .ns
        .sh("ss -Hltn 'sport = :9999'")
        .contains("9999")));
    let base = ["--subnet=10.81.0.0/24", "--peer-addr=auto"];
    for (args, msg) in [
        (
            vec!["--bridge=nst0", "--subnet=10.66.5.0/24", "--peer-addr=auto"],
            "subnet 10.66.5.0/24 overlaps the route to 10.66.0.0/16 on up0".to_string(),
        ),
        (
            vec!["--subnet=10.0.0.0/8", "--peer-addr=auto"],
            "subnet 10.0.0.0/8 overlaps the route to 10.66.0.0/16 on up0".into(),
        ),
        (
            vec!["--bridge=nst0", "--subnet=10.81.0.0/31", "--peer-addr=auto"],
            "subnet 10.81.0.0/31 is too small: the prefix may be /30 at most".into(),
        ),
        (
            [&base[..], &["--bridge=nst0", "--publish=9999:80"]].concat(),
            "port 9999/tcp is in use on this host".into(),
        ),
        (
            [&base[..], &["--bridge=nst0", "--publish=192.0.2.99:80:80"]].concat(),
            "192.0.2.99 is not an address of this host".into(),
        ),
        (
            [&base[..], &["--bridge=up0"]].concat(),
            "up0 is not a bridge".into(),
        ),
        (
            [&base[..], &["--bridge=br9"]].concat(),
            "bridge br9 has no address in 10.81.0.0/24: give it one, or let nsveth make the bridge"
                .into(),
        ),
    ] {
        let mut a = vec!["add".to_string(), format!("--netns={}", c.pid())];
        a.extend(args.iter().map(|s| s.to_string()));
        let r = h.nsveth(&a);
        assert_eq!(r.fails(1), format!("nsveth: {msg}"), "{args:?}");
        assert_eq!(r.stdout, "");
        assert_eq!(c.links(), ["lo"], "{args:?}");
        h.assert_clean(&["br9"]);
        assert!(!h.ns.sh("ip -o addr show dev br9").contains("inet "));
    }
}

/// A /30 has room for one container: the next add says the subnet is full and makes nothing;
/// once the first container's namespace is gone, its stale lease is reclaimed by the add that
/// needs the address.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn a_full_subnet_is_an_error_until_a_stale_lease_is_reclaimed() {
    if !common::root() {
        return;
    }
    let h = Host::new();
    let (a, b) = (Netns::new(), Netns::new());
    let args = [
        "--bridge=nst0",
        "--subnet=10.82.0.0/30",
        "--peer-addr=auto",
        "--masquerade",
    ];
    assert_eq!(json_list(&h.add(&a, &args), "peer_addrs"), ["10.82.0.2/30"]);
    let leases = std::fs::read_to_string(h.run_dir().join("net-10.82.0.0-30")).unwrap();
    let mut full = vec!["add".to_string(), format!("--netns={}", b.pid())];
    full.extend(args.iter().map(|s| s.to_string()));
    assert_eq!(
        h.nsveth(&full).fails(1),
        "nsveth: subnet 10.82.0.0/30 is full"
    );
    assert_eq!(b.links(), ["lo"]);
    assert_eq!(
        std::fs::read_to_string(h.run_dir().join("net-10.82.0.0-30")).unwrap(),
        leases,
        "nothing leased by the failed add"
    );
    // The first container ends: the kernel removes its pair (asynchronously).
    let ha = format!("veth{}", a.pid());
    drop(a);
    assert!(common::wait_for(Duration::from_secs(10), || !h
        .ns
        .links()
        .contains(&ha)));
    let list = h.nsveth(&["list"]).ok().to_string();
    assert!(
        list.contains(&format!("{ha:<16} gone  masquerade")),
        "{list}"
    );
    assert_eq!(json_list(&h.add(&b, &args), "peer_addrs"), ["10.82.0.2/30"]);
    let list = h.nsveth(&["list"]).ok().to_string();
    assert!(!list.contains(&ha), "{list}");
    h.nsveth(&["del", &format!("veth{}", b.pid())]).ok();
    h.assert_clean(&[]);
}

/// Namespaces that died without a `del`: `gc` reclaims their leases, takes the NAT rules, the
/// forwarding and the bridge with the last one, and `del` of a link already gone releases its
/// lease too.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn gc_and_del_reclaim_what_dead_containers_left() {
    if !common::root() {
        return;
    }
    let h = Host::new();
    let (a, b, c) = (Netns::new(), Netns::new(), Netns::new());
    let args = [
        "--bridge=nst0",
        "--subnet=10.83.0.0/24",
        "--peer-addr=auto",
        "--gateway",
        "--masquerade",
        "--publish=8080:80",
    ];
    h.add(&a, &args);
    h.add(&b, &args[..5]);
    h.add(&c, &args[..5]);
    let names: Vec<String> = [&a, &b, &c]
        .iter()
        .map(|p| format!("veth{}", p.pid()))
        .collect();
    drop((a, b));
    assert!(common::wait_for(Duration::from_secs(10), || {
        let l = h.ns.links();
        !l.contains(&names[0]) && !l.contains(&names[1])
    }));
    // While one lease is alive, gc keeps it and its subnet's masquerade; the published port of
    // the dead one goes.
    h.nsveth(&["gc"]).ok();
    let json = h.nsveth(&["list", "--json"]).ok().to_string();
    assert_eq!(json.matches("\"subnet\":").count(), 1, "{json}");
    assert!(
        json.contains(&format!("\"link\":\"{}\"", names[2])),
        "{json}"
    );
    let nft = h.ns.sh("nft list table ip nstools");
    assert!(nft.contains("masquerade") && !nft.contains("dnat"), "{nft}");
    // A del of the last one after its namespace died: the lease is released all the same.
    drop(c);
    assert!(common::wait_for(Duration::from_secs(10), || !h
        .ns
        .links()
        .contains(&names[2])));
    assert_eq!(h.nsveth(&["del", &names[2]]).ok(), "");
    h.assert_clean(&[]);
    let r = h.nsveth(&["del", &names[2]]);
    assert_eq!(
        r.fails(1),
        format!("nsveth: delete {}: No such device", names[2])
    );
}

/// 200 adds into one subnet at once: 200 distinct addresses, every one leased once; then 200
/// dels at once leave nothing.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn two_hundred_concurrent_adds_get_two_hundred_addresses() {
    if !common::root() {
        return;
    }
    const N: usize = 200;
    let h = Host::new();
    let targets: Vec<Netns> = (0..N).map(|_| Netns::new()).collect();
    let args = [
        "--bridge=nst0",
        "--subnet=10.84.0.0/24",
        "--peer-addr=auto",
        "--masquerade",
    ];
    let results: Vec<Ran> = std::thread::scope(|s| {
        let handles: Vec<_> = targets
            .iter()
            .map(|t| {
                let h = &h;
                s.spawn(move || {
                    let mut a = vec![
                        "add".to_string(),
                        format!("--netns={}", t.pid()),
                        "--json".into(),
                    ];
                    a.extend(args.iter().map(|s| s.to_string()));
                    h.nsveth(&a)
                })
            })
            .collect();
        handles.into_iter().map(|j| j.join().unwrap()).collect()
    });
    let mut addrs = BTreeSet::new();
    for r in &results {
        let peer = json_list(r.ok(), "peer_addrs");
        assert_eq!(peer.len(), 1, "{}", r.stdout);
        assert!(addrs.insert(peer[0].clone()), "{} given twice", peer[0]);
    }
    assert_eq!(addrs.len(), N);
    let file = std::fs::read_to_string(h.run_dir().join("net-10.84.0.0-24")).unwrap();
    assert_eq!(file.lines().filter(|l| l.starts_with("lease ")).count(), N);
    assert_eq!(
        h.ns.sh("ip -o link show master nst0").lines().count(),
        N,
        "one port each"
    );
    let results: Vec<Ran> = std::thread::scope(|s| {
        let handles: Vec<_> = targets
            .iter()
            .map(|t| {
                let h = &h;
                s.spawn(move || h.nsveth(&["del", &format!("veth{}", t.pid())]))
            })
            .collect();
        handles.into_iter().map(|j| j.join().unwrap()).collect()
    });
    for r in &results {
        assert_eq!(r.ok(), "");
    }
    h.assert_clean(&[]);
}

/// Adds killed (SIGKILL) at random moments: whatever is left, `gc` makes the store and the
/// rules agree with the links (no lease of a link that is not there, no rule without a lease),
/// the next add succeeds, and the last del leaves nothing.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn sigkill_mid_add_leaves_nothing_gc_cannot_reclaim() {
    if !common::root() {
        return;
    }
    use nix::sys::signal::{kill, Signal};
    let h = Host::new();
    let c = Netns::new();
    let add: Vec<String> = [
        "add",
        &format!("--netns={}", c.pid()),
        "--bridge=nst0",
        "--subnet=10.85.0.0/24",
        "--peer-addr=auto",
        "--gateway",
        "--masquerade",
        "--publish=8080:80",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let host_end = format!("veth{}", c.pid());
    let t0 = Instant::now();
    h.nsveth(&add).ok();
    let took = t0.elapsed().as_micros() as u64;
    h.nsveth(&["del", &host_end]).ok();
    h.assert_clean(&[]);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("seed {seed}, an add takes {took} us");
    let mut rng = seed;
    let mut finished = 0;
    for _ in 0..25 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let delay = rng % (took * 2).clamp(1, 50_000);
        let mut p = h.nsveth_cmd(&add);
        p.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = common::retry_busy(|| p.spawn()).unwrap();
        std::thread::sleep(Duration::from_micros(delay));
        let _ = kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            Signal::SIGKILL,
        );
        let status = child.wait().unwrap();
        h.nsveth(&["gc"]).ok();
        // The store and the rules agree with the links.
        let json = h.nsveth(&["list", "--json"]).ok().to_string();
        let up = h.ns.links().contains(&host_end);
        assert!(!json.contains("\"state\":\"gone\""), "{json}");
        assert_eq!(json.contains("\"subnet\":"), up, "{status:?}: {json}");
        assert_eq!(h.nft_tables().contains("nstools"), up, "{json}");
        if up {
            finished += 1;
            assert!(json.contains("\"state\":\"up\""), "{json}");
            h.nsveth(&["del", &host_end]).ok();
        }
        h.assert_clean(&[]);
        assert_eq!(c.links(), ["lo"]);
        // And the next add succeeds.
        h.nsveth(&add).ok();
        h.nsveth(&["del", &host_end]).ok();
        h.assert_clean(&[]);
    }
    eprintln!("{finished} of 25 killed adds had finished");
}

/// examples/container.sh run in the test's host (`dash`, our tools first in PATH), with the
/// test's lease store and container names.
fn container_sh(h: &Host, names: &std::path::Path, args: &[&str]) -> Proc {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/container.sh");
    let bins = common::bin("nsveth")
        .parent()
        .unwrap()
        .display()
        .to_string();
    let path = format!("{bins}:{}", std::env::var("PATH").unwrap_or_default());
    let mut argv = vec!["dash".to_string(), script.display().to_string()];
    argv.extend(args.iter().map(|s| s.to_string()));
    let mut c = h.ns.cmd(&argv);
    c.env("PATH", path)
        .env(nstools::testing::lease::RUN_DIR_VAR, h.run_dir())
        .env("NSTOOLS_CONTAINERS", names)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    Proc::spawn(&mut c)
}

/// The init of container `name` (as container.sh records it), once it runs.
fn container_pid(names: &std::path::Path, name: &str, sh: &mut Proc) -> String {
    let file = names.join(name).join("pid");
    let mut pid = String::new();
    let up = common::wait_for(Duration::from_secs(20), || {
        pid = std::fs::read_to_string(&file)
            .unwrap_or_default()
            .trim()
            .to_string();
        !pid.is_empty() || sh.0.try_wait().unwrap().is_some()
    });
    assert!(up && !pid.is_empty(), "container {name} did not start");
    pid
}

/// Write a line to a fifo a container waits on.
fn poke(fifo: &std::path::Path) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let opened = common::wait_for(Duration::from_secs(20), || {
        std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(fifo)
            .and_then(|mut f| f.write_all(b"go\n"))
            .is_ok()
    });
    assert!(opened, "nobody reads {}", fifo.display());
}

/// Several containers of examples/container.sh at once, in Docker's four network modes and the
/// pair: on the bridge they reach each other, the host and (through NAT) the outside, and one
/// publishes a port; one joins another's network namespace and sees its interfaces and ports;
/// `none` has lo alone, `host` the host's network. When the last one exits, the host is as it
/// was before the first.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn container_sh_runs_several_containers_in_every_network_mode() {
    if !common::root() {
        return;
    }
    let h = Host::new();
    let dir = TempDir::new("containers");
    let names = dir.join("names");
    let fifos = ["web", "b", "joined", "none", "host", "pair"];
    let root = common::example_rootfs(&dir, &fifos);
    let rootfs = root.display().to_string();
    let wait = |name: &str| format!("read x </results/{name}");
    let web_cmd = format!("while :; do echo web | nc -l -p 80; done & {}", wait("web"));
    let mut web = container_sh(
        &h,
        &names,
        &[
            "--name=web",
            "--publish=8080:80",
            &rootfs,
            "/bin/sh",
            "-c",
            &web_cmd,
        ],
    );
    let web_pid = container_pid(&names, "web", &mut web);
    let wb = wait("b");
    let mut b = container_sh(&h, &names, &["--name=b", &rootfs, "/bin/sh", "-c", &wb]);
    let b_pid = container_pid(&names, "b", &mut b);
    let wj = wait("joined");
    let mut joined = container_sh(
        &h,
        &names,
        &[
            "--net=container:web",
            "--name=joined",
            &rootfs,
            "/bin/sh",
            "-c",
            &wj,
        ],
    );
    let joined_pid = container_pid(&names, "joined", &mut joined);
    let wn = wait("none");
    let mut none = container_sh(
        &h,
        &names,
        &["--net=none", "--name=none", &rootfs, "/bin/sh", "-c", &wn],
    );
    let none_pid = container_pid(&names, "none", &mut none);
    let wh = wait("host");
    let mut host = container_sh(
        &h,
        &names,
        &["--net=host", "--name=host", &rootfs, "/bin/sh", "-c", &wh],
    );
    let host_pid = container_pid(&names, "host", &mut host);
    let wp = wait("pair");
    let mut pair = container_sh(
        &h,
        &names,
        &["--net=pair", "--name=pair", &rootfs, "/bin/sh", "-c", &wp],
    );
    let pair_pid = container_pid(&names, "pair", &mut pair);
    let netns_of = |pid: &str| Netns::of(pid);
    let (web_ns, b_ns, pair_ns) = (netns_of(&web_pid), netns_of(&b_pid), netns_of(&pair_pid));

    // bridge: addresses leased in turn; each other, the host, the outside through NAT.
    assert!(web_ns
        .sh("ip -o addr show dev eth0")
        .contains("inet 10.200.0.2/16 "));
    assert!(b_ns
        .sh("ip -o addr show dev eth0")
        .contains("inet 10.200.0.3/16 "));
    assert!(common::wait_for(Duration::from_secs(20), || b_ns.pings("10.200.0.2")));
    assert!(b_ns.pings("10.200.0.1") && h.ns.pings("10.200.0.3"));
    let _server = serve(&h.outside, 7000, "outside");
    assert_eq!(
        ask(&b_ns, "192.0.2.2", 7000).as_deref(),
        Some("outside 192.0.2.1")
    );
    // The published port, from the outside and from the neighbour.
    assert_eq!(ask(&h.outside, "192.0.2.1", 8080).as_deref(), Some("web"));
    assert_eq!(ask(&b_ns, "192.0.2.1", 8080).as_deref(), Some("web"));
    // container:web: the same network namespace (interfaces, ports), its other namespaces its own.
    assert_eq!(
        common::ns_inode(&joined_pid, "net"),
        common::ns_inode(&web_pid, "net")
    );
    for ns in ["user", "pid", "mnt", "uts", "ipc"] {
        assert_ne!(
            common::ns_inode(&joined_pid, ns),
            common::ns_inode(&web_pid, ns),
            "{ns}"
        );
    }
    let joined_ns = netns_of(&joined_pid);
    assert!(joined_ns
        .sh("ip -o addr show dev eth0")
        .contains("inet 10.200.0.2/16 "));
    assert_eq!(ask(&joined_ns, "127.0.0.1", 80).as_deref(), Some("web"));
    // none: lo alone, up; host: the host's own namespace.
    let none_ns = netns_of(&none_pid);
    assert_ne!(
        common::ns_inode(&none_pid, "net"),
        common::ns_inode(&h.ns.pid(), "net")
    );
    assert!(common::wait_for(Duration::from_secs(20), || none_ns
        .sh("ip -o link show")
        .contains("lo: <LOOPBACK,UP,")));
    assert_eq!(none_ns.links(), ["lo"]);
    assert_eq!(
        common::ns_inode(&host_pid, "net"),
        common::ns_inode(&h.ns.pid(), "net")
    );
    // pair: a /30 of its own, the host's end its gateway, NAT to the outside.
    assert!(pair_ns
        .sh("ip -o addr show dev eth0")
        .contains("inet 10.201.0.2/30 "));
    assert_eq!(
        ask(&pair_ns, "192.0.2.2", 7000).as_deref(),
        Some("outside 192.0.2.1")
    );
    let list = h.nsveth(&["list"]).ok().to_string();
    assert!(list.contains("masquerade 8080:80/tcp"), "{list}");
    // A name is one container's.
    let mut again = container_sh(&h, &names, &["--name=web", &rootfs, "true"]);
    let r = again.0.wait().unwrap();
    assert_eq!(r.code(), Some(1));
    let mut err = String::new();
    std::io::Read::read_to_string(again.0.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert_eq!(err, "container.sh: a container named web is running\n");

    // Every one exits; the host is as before the first.
    drop((web_ns, b_ns, pair_ns, joined_ns, none_ns));
    for (f, p) in [
        ("joined", &mut joined),
        ("web", &mut web),
        ("b", &mut b),
        ("none", &mut none),
        ("host", &mut host),
        ("pair", &mut pair),
    ] {
        poke(&root.join("results").join(f));
        let status = p.0.wait().unwrap();
        assert!(status.success(), "{f}: {status:?}");
    }
    assert!(
        common::wait_for(Duration::from_secs(10), || h.ns.links() == ["lo", "up0"]),
        "{:?}",
        h.ns.links()
    );
    h.assert_clean(&[]);
    assert!(!names.exists(), "the names are left");
}
