//! nsveth in CNI mode against the reference plugins (Debian's containernetworking-plugins:
//! `ptp`, `bridge`, and their IPAM plugins `host-local` and `static`, which nsveth executes
//! too). Each case runs the same configuration through the reference and through nsveth, each
//! in twin namespaces of its own (a "host" the plugin runs in, a "container" it connects), and
//! compares the results, links, addresses and routes field by field, interface names and MACs
//! aside; error cases compare the spec's error codes. Nothing here touches the machine's own
//! network: every namespace belongs to a process of the test, killed when the case ends.
#![cfg(feature = "cni")]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{NetProc, Ran, TempDir};
use serde_json::{json, Value};

const REF_DIR: &str = "/usr/lib/cni";

/// A network namespace of a process of the test alone in it, killed on drop.
type Netns = NetProc;

impl NetProc {
    fn cmd<S: AsRef<std::ffi::OsStr>>(&self, argv: &[S]) -> Command {
        let mut c = Command::new("nsenter");
        c.arg(format!("--net={}", self.path())).arg("--");
        c.args(argv);
        c
    }

    #[track_caller]
    fn sh(&self, script: &str) -> String {
        common::run(&mut self.cmd(&["sh", "-c", script]))
            .ok()
            .to_string()
    }

    /// `ip -j ARGS` inside, parsed.
    fn ip(&self, args: &str) -> Value {
        let out = self.sh(&format!("ip -j {args}"));
        serde_json::from_str(if out.trim().is_empty() { "[]" } else { &out }).unwrap()
    }
}

/// Which plugin a side runs.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Side {
    Reference,
    Ours,
}

/// One side of a case: its host and container, and a directory for host-local's leases and
/// nsveth's lease store.
struct World {
    side: Side,
    host: Netns,
    ctr: Netns,
    dir: TempDir,
    id: String,
}

impl World {
    fn new(side: Side) -> World {
        World {
            side,
            host: Netns::new(),
            ctr: Netns::new(),
            dir: TempDir::new("cni"),
            id: common::unique("ctr"),
        }
    }

    /// The configuration with the plugin's type and this side's IPAM data directory.
    fn conf(&self, conf: &Value) -> Value {
        let mut c = conf.clone();
        let reference = if c.get("bridge").is_some() || c["mode"] == "bridge" {
            "bridge"
        } else {
            "ptp"
        };
        if let Some(o) = c.as_object_mut() {
            if self.side == Side::Reference {
                o.remove("mode");
            }
        }
        c["type"] = match self.side {
            Side::Reference => reference.into(),
            Side::Ours => "nsveth".into(),
        };
        if c["ipam"]["type"] == "host-local" {
            c["ipam"]["dataDir"] = self.dir.join("ipam").to_string_lossy().into();
        }
        c
    }

    fn plugin(&self) -> PathBuf {
        match self.side {
            Side::Reference => {
                Path::new(REF_DIR).join(self.conf(&json!({}))["type"].as_str().unwrap())
            }
            Side::Ours => common::bin("nsveth"),
        }
    }

    /// Run `command` with `conf` (made this side's), `env` overriding the usual variables
    /// (an empty value removes one).
    fn exec(&self, command: &str, conf: &Value, env: &[(&str, &str)]) -> Ran {
        let c = self.conf(conf);
        let plugin = match (self.side, c["type"].as_str()) {
            (Side::Reference, Some(t)) => Path::new(REF_DIR).join(t),
            _ => self.plugin(),
        };
        self.raw(&plugin, command, c.to_string().as_bytes(), env)
    }

    fn raw(&self, plugin: &Path, command: &str, stdin: &[u8], env: &[(&str, &str)]) -> Ran {
        let mut c = self.host.cmd(&[plugin]);
        c.env("CNI_COMMAND", command)
            .env("CNI_CONTAINERID", &self.id)
            .env("CNI_NETNS", self.ctr.path())
            .env("CNI_IFNAME", "eth0")
            .env("CNI_PATH", REF_DIR)
            .env(
                "CNI_ARGS",
                "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=web",
            )
            .env(nstools::testing::lease::RUN_DIR_VAR, self.dir.join("run"));
        for (k, v) in env {
            if v.is_empty() {
                c.env_remove(k);
            } else {
                c.env(k, v);
            }
        }
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = common::retry_busy(|| c.spawn()).expect("cannot run the plugin");
        let _ = child.stdin.take().unwrap().write_all(stdin);
        child.wait_with_output().unwrap().into()
    }

    /// `ADD`; its result (it must succeed).
    #[track_caller]
    fn add(&self, conf: &Value) -> Value {
        let r = self.exec("ADD", conf, &[]);
        assert_eq!(
            r.code,
            Some(0),
            "{:?} ADD failed: {} {}",
            self.side,
            r.stdout,
            r.stderr
        );
        serde_json::from_str(&r.stdout).unwrap()
    }

    /// The error code of a failed command (None: it succeeded).
    fn code(&self, command: &str, conf: &Value, env: &[(&str, &str)]) -> Option<u64> {
        let r = self.exec(command, conf, env);
        if r.code == Some(0) {
            return None;
        }
        let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|_| {
            panic!(
                "{:?} {command}: no error object: {r:?}",
                self.side,
                r = (&r.stdout, &r.stderr)
            )
        });
        Some(v["code"].as_u64().expect("a code"))
    }

    /// The container's and host's links, addresses and routes, names of the pair's host end and
    /// MACs aside.
    fn state(&self) -> Value {
        json!({"container": normalize(&self.ctr), "host": normalize(&self.host)})
    }

    /// The host-local leases left (file names other than its lock and last-reserved markers).
    fn ipam_leases(&self) -> Vec<String> {
        let mut out = Vec::new();
        for d in std::fs::read_dir(self.dir.join("ipam"))
            .into_iter()
            .flatten()
            .flatten()
        {
            for f in std::fs::read_dir(d.path()).into_iter().flatten().flatten() {
                let n = f.file_name().to_string_lossy().into_owned();
                if n != "lock" && !n.starts_with("last_reserved_ip") {
                    out.push(n);
                }
            }
        }
        out
    }
}

/// A namespace's links (not lo), addresses (not link-local) and main-table routes, with the
/// host end of a pair called HOST (its name is random in the reference, a hash in ours).
fn normalize(ns: &Netns) -> Value {
    let links = ns.ip("-d addr show");
    let mut names = Vec::new();
    let mut out_links = Vec::new();
    for l in links.as_array().unwrap() {
        let name = l["ifname"].as_str().unwrap().to_string();
        if name == "lo" {
            continue;
        }
        let kind = l["linkinfo"]["info_kind"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let shown = if kind == "veth" && name != "eth0" {
            "HOST".to_string()
        } else {
            name.clone()
        };
        names.push((name, shown.clone()));
        let addrs: Vec<Value> = l["addr_info"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["scope"] != "link")
            .map(|a| json!({"family": a["family"], "local": a["local"], "prefixlen": a["prefixlen"], "broadcast": a["broadcast"], "scope": a["scope"]}))
            .collect();
        // Carrier and operational state follow the kernel's link watch, a moment later.
        let up = l["flags"].as_array().unwrap().contains(&"UP".into());
        out_links.push(json!({
            "name": shown, "kind": kind, "mtu": l["mtu"], "up": up,
            "master": l["master"], "addrs": addrs,
            "hairpin": l["linkinfo"]["info_slave_data"]["hairpin"],
        }));
    }
    let rename = |v: &Value| -> Value {
        let n = v.as_str().unwrap_or("");
        names
            .iter()
            .find(|(a, _)| a == n)
            .map_or(v.clone(), |(_, b)| b.clone().into())
    };
    for l in &mut out_links {
        l["master"] = rename(&l["master"]);
    }
    let mut routes = Vec::new();
    for fam in ["-4", "-6"] {
        for r in ns
            .ip(&format!("{fam} route show table main"))
            .as_array()
            .unwrap()
        {
            if r["dst"] == "fe80::/64" {
                continue;
            }
            let mut r = r.clone();
            r["dev"] = rename(&r["dev"]);
            // Set while the link has no carrier yet (a moment after it is up).
            if let Some(f) = r["flags"].as_array_mut() {
                f.retain(|f| f != "linkdown");
            }
            routes.push(r);
        }
    }
    json!({"links": out_links, "routes": routes})
}

/// A result with the host end's name, MACs and the sandbox path aside.
fn normalize_result(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(ifs) = v["interfaces"].as_array_mut() {
        let n = ifs.len();
        for (i, f) in ifs.iter_mut().enumerate() {
            let o = f.as_object_mut().unwrap();
            assert!(o.remove("mac").is_some(), "every interface has a MAC");
            if o.remove("sandbox").is_some() {
                o.insert("sandbox".into(), "NETNS".into());
            } else if i == n - 2 {
                o.insert("name".into(), "HOST".into());
            }
        }
    }
    v
}

/// Run `conf` through both sides: ADD results and states equal; DEL twice succeeds on both
/// and leaves no pair; the IPAM leases are given back.
fn differential(conf: Value) {
    if !common::root() {
        return;
    }
    let (r, o) = (World::new(Side::Reference), World::new(Side::Ours));
    let (rr, or) = (r.add(&conf), o.add(&conf));
    assert_eq!(
        normalize_result(&rr),
        normalize_result(&or),
        "results differ for {conf}"
    );
    assert_eq!(
        r.state(),
        o.state(),
        "links, addresses or routes differ for {conf}"
    );
    for w in [&r, &o] {
        for _ in 0..2 {
            assert_eq!(w.code("DEL", &conf, &[]), None, "{:?} DEL", w.side);
        }
        assert!(
            w.ipam_leases().is_empty(),
            "{:?} left leases {:?}",
            w.side,
            w.ipam_leases()
        );
        let left = w.host.sh("ip -o link show type veth");
        assert!(left.trim().is_empty(), "{:?} left {left}", w.side);
        assert_eq!(
            w.ctr
                .sh("ip -o link show | grep -vc ': lo:' || true")
                .trim(),
            "0"
        );
    }
    // The reference leaves a bridge it made; nsveth removes the one it made with its last port.
    if conf.get("bridge").is_some() {
        let b = conf["bridge"].as_str().unwrap();
        assert!(r.host.sh("ip -o link show type bridge").contains(b));
        assert!(o.host.sh("ip -o link show type bridge").trim().is_empty());
    }
    assert!(!o.dir.join("run").exists(), "nsveth left its lease store");
}

fn host_local(ranges: Value) -> Value {
    json!({"type": "host-local", "ranges": ranges})
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn ptp_host_local_v4_v6_mtu() {
    differential(json!({
        "cniVersion": "1.0.0", "name": "t", "mode": "ptp", "mtu": 1400,
        "ipam": host_local(json!([[{"subnet": "10.77.0.0/24"}], [{"subnet": "fd77::/64"}]])),
    }));
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn ptp_static_routes_old_version() {
    differential(json!({
        "cniVersion": "0.3.1", "name": "t",
        "ipam": {"type": "static",
            "addresses": [{"address": "10.79.0.5/24", "gateway": "10.79.0.1"}],
            "routes": [{"dst": "0.0.0.0/0"}, {"dst": "192.168.0.0/16", "gw": "10.79.0.254"}],
            "dns": {"nameservers": ["10.79.0.53"]}},
        "dns": {"nameservers": ["10.79.0.53"], "search": ["example.test"]},
    }));
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn bridge_host_local_default_gateway_hairpin() {
    differential(json!({
        "cniVersion": "0.4.0", "name": "t", "bridge": "cnitb0",
        "isDefaultGateway": true, "hairpinMode": true, "mtu": 1450,
        "ipam": host_local(json!([[{"subnet": "10.78.0.0/24"}], [{"subnet": "fd78::/64"}]])),
    }));
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn bridge_static_v6_gateway() {
    differential(json!({
        "cniVersion": "1.0.0", "name": "t", "bridge": "cnitb1", "isGateway": true,
        "ipam": {"type": "static",
            "addresses": [{"address": "fd79::7/64", "gateway": "fd79::1"}, {"address": "10.80.0.7/16"}]},
    }));
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn bridge_without_gateway() {
    differential(json!({
        "cniVersion": "0.3.0", "name": "t", "bridge": "cnitb2",
        "ipam": host_local(json!([[{"subnet": "10.81.0.0/24", "gateway": "10.81.0.254"}]])),
    }));
}

/// The error codes of bad input, the same from both (or, where the reference says "internal"
/// for what the spec has a code for, the spec's code from nsveth).
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn error_codes() {
    if !common::root() {
        return;
    }
    let (r, o) = (World::new(Side::Reference), World::new(Side::Ours));
    let good = json!({"cniVersion": "1.0.0", "name": "t",
        "ipam": host_local(json!([[{"subnet": "10.82.0.0/24"}]]))});
    let with = |k: &str, v: Value| {
        let mut c = good.clone();
        c[k] = v;
        c
    };
    // (what, command, config, environment, reference's code, ours)
    type Case<'a> = (
        &'a str,
        &'a str,
        Value,
        Vec<(&'a str, &'a str)>,
        Option<u64>,
        Option<u64>,
    );
    let cases: Vec<Case> = vec![
        (
            "missing CNI_NETNS",
            "ADD",
            good.clone(),
            vec![("CNI_NETNS", "")],
            Some(4),
            Some(4),
        ),
        (
            "missing CNI_IFNAME and CNI_PATH",
            "ADD",
            good.clone(),
            vec![("CNI_IFNAME", ""), ("CNI_PATH", "")],
            Some(4),
            Some(4),
        ),
        (
            "missing CNI_CONTAINERID on DEL",
            "DEL",
            good.clone(),
            vec![("CNI_CONTAINERID", "")],
            Some(4),
            Some(4),
        ),
        (
            "bad CNI_IFNAME",
            "ADD",
            good.clone(),
            vec![("CNI_IFNAME", "a/b")],
            Some(4),
            Some(4),
        ),
        (
            "incompatible version",
            "ADD",
            with("cniVersion", "9.9.9".into()),
            vec![],
            Some(1),
            Some(1),
        ),
        (
            "unknown IPAM plugin",
            "ADD",
            with("ipam", json!({"type": "nope"})),
            vec![],
            Some(999),
            Some(999),
        ),
        (
            "failing IPAM (no ranges)",
            "ADD",
            with("ipam", json!({"type": "host-local"})),
            vec![],
            Some(999),
            Some(999),
        ),
        (
            "bad mtu (reference: internal)",
            "ADD",
            with("mtu", "x".into()),
            vec![],
            Some(999),
            Some(7),
        ),
        (
            "missing ipam (reference: internal)",
            "ADD",
            json!({"cniVersion": "1.0.0", "name": "t"}),
            vec![],
            Some(999),
            Some(7),
        ),
        (
            "CHECK without prevResult (reference: internal)",
            "CHECK",
            good.clone(),
            vec![],
            Some(999),
            Some(7),
        ),
        (
            "Nomad's CNI_ARGS keys (IgnoreUnknown)",
            "DEL",
            good.clone(),
            vec![(
                "CNI_ARGS",
                "IgnoreUnknown=true;NOMAD_ALLOC_ID=x;NOMAD_GROUP_NAME=g;K8S_POD_UID=y",
            )],
            None,
            None,
        ),
        (
            // The reference IPAM plugins refuse unknown keys without IgnoreUnknown; nsveth passes
            // the environment on unchanged, as the spec asks.
            "unknown CNI_ARGS keys without IgnoreUnknown",
            "DEL",
            good.clone(),
            vec![("CNI_ARGS", "NOMAD_ALLOC_ID=x")],
            Some(999),
            Some(999),
        ),
        ("DEL of nothing", "DEL", good.clone(), vec![], None, None),
    ];
    for (what, command, conf, env, want_ref, want_ours) in &cases {
        assert_eq!(r.code(command, conf, env), *want_ref, "reference: {what}");
        assert_eq!(o.code(command, conf, env), *want_ours, "nsveth: {what}");
    }
    // Not JSON: the same code from both.
    let bad = |w: &World| {
        let ran = w.raw(&w.plugin(), "ADD", b"{not json", &[]);
        serde_json::from_str::<Value>(&ran.stdout).unwrap()["code"].as_u64()
    };
    assert_eq!(bad(&r), Some(6));
    assert_eq!(bad(&o), Some(6));
    // A key of the reference nsveth does not implement: code 2, naming it.
    let ran = o.exec("ADD", &with("promiscMode", true.into()).tap_bridge(), &[]);
    let v: Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(v["code"], 2);
    assert!(v["msg"].as_str().unwrap().contains("promiscMode"), "{v}");
    assert!(o.ipam_leases().is_empty() && r.ipam_leases().is_empty());
}

trait Bridged {
    fn tap_bridge(self) -> Value;
}

impl Bridged for Value {
    fn tap_bridge(mut self) -> Value {
        self["bridge"] = "cnitb9".into();
        self
    }
}

/// VERSION: nsveth speaks every version the reference does from 0.3.0 on, and 1.1.0.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn version() {
    if !common::root() {
        return;
    }
    let (r, o) = (World::new(Side::Reference), World::new(Side::Ours));
    let v = |w: &World| -> Value {
        let ran = w.raw(
            &w.plugin(),
            "VERSION",
            br#"{"cniVersion":"1.0.0"}"#,
            &[
                ("CNI_NETNS", "dummy"),
                ("CNI_CONTAINERID", ""),
                ("CNI_IFNAME", "dummy"),
            ],
        );
        serde_json::from_str(ran.ok()).unwrap()
    };
    let (rv, ov) = (v(&r), v(&o));
    for s in rv["supportedVersions"].as_array().unwrap() {
        let s = s.as_str().unwrap();
        let supported = ov["supportedVersions"]
            .as_array()
            .unwrap()
            .contains(&s.into());
        assert_eq!(
            supported,
            !s.starts_with("0.1") && !s.starts_with("0.2"),
            "{s}"
        );
    }
    assert!(ov["supportedVersions"]
        .as_array()
        .unwrap()
        .contains(&"1.1.0".into()));
}

/// DEL with the container's namespace gone succeeds on both, and gives the address back.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn del_with_missing_namespace() {
    if !common::root() {
        return;
    }
    let conf = json!({"cniVersion": "1.0.0", "name": "t", "ipMasq": true,
        "ipam": host_local(json!([[{"subnet": "10.83.0.0/24"}]]))});
    for side in [Side::Reference, Side::Ours] {
        let mut w = World::new(side);
        w.add(&conf);
        let path = w.ctr.path();
        w.ctr.kill();
        assert!(common::wait_for(Duration::from_secs(10), || !Path::new(
            &path
        )
        .exists()));
        assert_eq!(
            w.code("DEL", &conf, &[("CNI_NETNS", &path)]),
            None,
            "{side:?}"
        );
        assert_eq!(
            w.code("DEL", &conf, &[("CNI_NETNS", &path)]),
            None,
            "{side:?} twice"
        );
        assert!(w.ipam_leases().is_empty(), "{side:?}");
        if side == Side::Ours {
            // The NAT rules of ipMasq went with the lease.
            assert!(!w.host.sh("nft list tables").contains("nstools"));
            assert!(!w.dir.join("run").exists());
        }
    }
}

/// CHECK passes after ADD and fails once an address or a route is removed, on both.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn check_after_removal() {
    if !common::root() {
        return;
    }
    let conf = json!({"cniVersion": "1.0.0", "name": "t", "mtu": 1500,
        "ipam": host_local(json!([[{"subnet": "10.84.0.0/24"}]])).tap(|i| i["routes"] = json!([{"dst": "10.99.0.0/16", "gw": "10.84.0.1"}]))});
    for (side, mode) in [
        (Side::Reference, "ptp"),
        (Side::Ours, "ptp"),
        (Side::Reference, "bridge"),
        (Side::Ours, "bridge"),
    ] {
        for broken in [
            "ip route del 10.99.0.0/16",
            "ip addr del 10.84.0.2/24 dev eth0",
        ] {
            let w = World::new(side);
            let mut c = conf.clone();
            if mode == "bridge" {
                c["bridge"] = "cnitb3".into();
            }
            let res = w.add(&c);
            c["prevResult"] = res;
            assert_eq!(
                w.code("CHECK", &c, &[]),
                None,
                "{side:?} {mode}: CHECK after ADD"
            );
            w.ctr.sh(broken);
            let code = w.code("CHECK", &c, &[]);
            assert!(code.is_some(), "{side:?} {mode}: CHECK after {broken}");
            assert_eq!(code, Some(999), "{side:?} {mode}: CHECK after {broken}");
            assert_eq!(w.code("DEL", &c, &[]), None);
        }
    }
}

trait Tap {
    fn tap(self, f: impl FnOnce(&mut Value)) -> Value;
}

impl Tap for Value {
    fn tap(mut self, f: impl FnOnce(&mut Value)) -> Value {
        f(&mut self);
        self
    }
}

/// An ADD that fails after IPAM gave an address (the interface name is taken inside) leaves
/// nothing with nsveth: no link, no bridge, no lease; the reference leaves its bridge.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn failed_add_leaves_nothing() {
    if !common::root() {
        return;
    }
    let conf = json!({"cniVersion": "1.0.0", "name": "t", "bridge": "cnitb4", "isGateway": true, "ipMasq": true,
        "ipam": host_local(json!([[{"subnet": "10.85.0.0/24"}]]))});
    for side in [Side::Reference, Side::Ours] {
        let w = World::new(side);
        w.ctr.sh("ip link add eth0 type bridge");
        assert!(w.code("ADD", &conf, &[]).is_some(), "{side:?}");
        assert!(
            w.ipam_leases().is_empty(),
            "{side:?} kept {:?}",
            w.ipam_leases()
        );
        let links = w.host.sh("ip -o link show | grep -v ': lo:' || true");
        match side {
            Side::Reference => assert!(links.contains("cnitb4"), "{links}"),
            Side::Ours => {
                assert!(links.trim().is_empty(), "{links}");
                assert!(!w.host.sh("nft list tables").contains("nstools"));
                assert!(!w.dir.join("run").exists());
            }
        }
    }
}

/// ipMasq: our NAT table masquerades the container's network while it is attached; the
/// container reaches its gateway and (bridge) a neighbour on the same network.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn masquerade_and_traffic() {
    if !common::root() {
        return;
    }
    let o = World::new(Side::Ours);
    let conf = json!({"cniVersion": "1.0.0", "name": "t", "bridge": "cnitb5", "isDefaultGateway": true, "ipMasq": true,
        "ipam": host_local(json!([[{"subnet": "10.86.0.0/24"}]]))});
    o.add(&conf);
    let rules = o.host.sh("nft list table ip nstools");
    assert!(
        rules.contains("10.86.0.0/24") && rules.contains("masquerade"),
        "{rules}"
    );
    assert!(common::run(&mut o.ctr.cmd(&["ping", "-c1", "-W2", "10.86.0.1"])).code == Some(0));
    // A neighbour on the same bridge, in a namespace of its own.
    let n = Netns::new();
    let ran = o.raw(
        &common::bin("nsveth"),
        "ADD",
        o.conf(&conf).to_string().as_bytes(),
        &[("CNI_NETNS", &n.path()), ("CNI_CONTAINERID", "neighbour")],
    );
    let res: Value = serde_json::from_str(ran.ok()).unwrap();
    let addr = res["ips"][0]["address"]
        .as_str()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    assert!(common::run(&mut o.ctr.cmd(&["ping", "-c1", "-W2", &addr])).code == Some(0));
    let del = o.raw(
        &common::bin("nsveth"),
        "DEL",
        o.conf(&conf).to_string().as_bytes(),
        &[("CNI_NETNS", &n.path()), ("CNI_CONTAINERID", "neighbour")],
    );
    del.ok();
    assert_eq!(o.code("DEL", &conf, &[]), None);
    assert!(!o.host.sh("nft list tables").contains("nstools"));
    assert!(o.ipam_leases().is_empty());
}

/// `make install-cni` links nsveth where runtimes look for plugins (or the multicall binary,
/// under the name nsveth); `make uninstall-cni` removes only that link.
#[test]
fn make_install_cni_links_the_tool() {
    let dest = TempDir::new("cni-install");
    let make = |target: &str, vars: &[&str]| {
        let built = common::bin("nsveth");
        let mut c = Command::new("make");
        c.current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("--no-print-directory")
            .arg(format!("DESTDIR={}", dest.path().display()))
            .arg("PREFIX=/usr")
            .arg(format!("BUILT={}", built.parent().unwrap().display()))
            .args(vars)
            .arg(target);
        common::run(&mut c)
    };
    let refused = make("install-cni", &[]);
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("run 'make install' first"),
        "{}",
        refused.stderr
    );
    make("install", &[]).ok();
    make("install-cni", &[]).ok();
    let link = dest.join("opt/cni/bin/nsveth");
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("/usr/bin/nsveth")
    );
    make("install-cni", &["CNI_DIR=/usr/lib/cni", "CNI_TOOL=nstools"]).ok();
    let multi = dest.join("usr/lib/cni/nsveth");
    assert_eq!(
        std::fs::read_link(&multi).unwrap(),
        Path::new("/usr/bin/nstools")
    );
    make("uninstall-cni", &[]).ok();
    make(
        "uninstall-cni",
        &["CNI_DIR=/usr/lib/cni", "CNI_TOOL=nstools"],
    )
    .ok();
    assert!(link.symlink_metadata().is_err() && multi.symlink_metadata().is_err());
    make("uninstall", &[]).ok();
}

/// The multicall binary linked as nsveth is the plugin too (`VERSION` needs no privilege), and
/// `nsveth cni` is CNI mode by hand.
#[test]
fn multicall_and_cni_command() {
    let dir = TempDir::new("cni-multi");
    let link = dir.join("nsveth");
    std::os::unix::fs::symlink(common::bin("nstools"), &link).unwrap();
    for argv in [
        vec![link.clone().into_os_string()],
        vec![common::bin("nsveth").into(), "cni".into()],
    ] {
        let mut c = Command::new(&argv[0]);
        c.args(&argv[1..]).env("CNI_COMMAND", "VERSION");
        let r = common::run(&mut c);
        let v: Value = serde_json::from_str(r.ok()).unwrap();
        assert_eq!(v["cniVersion"], "1.1.0");
        assert_eq!(
            v["supportedVersions"],
            json!(["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"])
        );
    }
    // Without CNI_COMMAND, `nsveth cni` says what is missing, as the spec's error object.
    let r = common::run(common::cmd("nsveth").arg("cni").env_remove("CNI_COMMAND"));
    assert_eq!(r.code, Some(1));
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["code"], 4);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

/// Eight ADDs on one bridge at once, then eight DELs at once: every container gets its own
/// address and port, and the last DEL takes the bridge, the NAT table and the lease store.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn concurrent_adds_and_dels_on_one_bridge() {
    if !common::root() {
        return;
    }
    let o = World::new(Side::Ours);
    let conf = o.conf(
        &json!({"cniVersion": "1.0.0", "name": "t", "bridge": "cnitb6",
        "isGateway": true, "ipMasq": true,
        "ipam": host_local(json!([[{"subnet": "10.87.0.0/24"}]]))}),
    );
    let ctrs: Vec<Netns> = (0..8).map(|_| Netns::new()).collect();
    let stdin = conf.to_string();
    let run_all = |command: &str| -> Vec<Ran> {
        std::thread::scope(|s| {
            let hs: Vec<_> = ctrs
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let (stdin, path, id) = (&stdin, c.path(), format!("c{i}"));
                    let o = &o;
                    s.spawn(move || {
                        o.raw(
                            &common::bin("nsveth"),
                            command,
                            stdin.as_bytes(),
                            &[("CNI_NETNS", &path), ("CNI_CONTAINERID", &id)],
                        )
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        })
    };
    let mut addrs: Vec<String> = run_all("ADD")
        .iter()
        .map(|r| {
            let v: Value = serde_json::from_str(r.ok()).unwrap();
            v["ips"][0]["address"].as_str().unwrap().to_string()
        })
        .collect();
    addrs.sort();
    addrs.dedup();
    assert_eq!(addrs.len(), 8, "{addrs:?}");
    let ports = o.host.sh("ip -o link show master cnitb6 | wc -l");
    assert_eq!(ports.trim(), "8");
    for r in run_all("DEL") {
        r.ok();
    }
    assert!(o
        .host
        .sh("ip -o link show | grep -v ': lo:' || true")
        .trim()
        .is_empty());
    assert!(!o.host.sh("nft list tables").contains("nstools"));
    assert!(!o.dir.join("run").exists());
    assert!(o.ipam_leases().is_empty());
}

/// An IPAM plugin of the test's own that speaks 1.1.0 (Debian's stop at 1.0.0): an address per
/// container id, a route with a metric, an MTU and an MSS, and one in another table.
fn ipam_1_1(dir: &TempDir) -> String {
    let script = r#"#!/bin/sh
cat >/dev/null
[ "$CNI_COMMAND" = ADD ] || exit 0
case $CNI_CONTAINERID in *2) n=3 ;; *) n=2 ;; esac
echo '{"cniVersion":"1.1.0","ips":[{"address":"10.91.0.'$n'/24","gateway":"10.91.0.1"}],
 "routes":[{"dst":"10.92.0.0/16","priority":77,"mtu":1300,"advmss":1200},{"dst":"10.93.0.0/16","table":100}]}'
"#;
    let name = "ipam-1-1";
    let path = dir.join(name);
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    name.to_string()
}

/// Version 1.1.0 end to end: the routes' metric, MTU, MSS and table applied inside and in the
/// result, CHECK, STATUS (and its code 50 without the IPAM plugin), and GC deleting the
/// bridge port of an attachment not in the valid list.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn version_1_1_0_status_and_gc() {
    if !common::root() {
        return;
    }
    let o = World::new(Side::Ours);
    let plugins = TempDir::new("cni-ipam");
    let ipam = ipam_1_1(&plugins);
    let path = format!("{}:{REF_DIR}", plugins.path().display());
    let env = [("CNI_PATH", path.as_str())];
    let conf = json!({"cniVersion": "1.1.0", "name": "t", "mode": "ptp", "ipam": {"type": ipam}});
    let r = o.exec("ADD", &conf, &env);
    let res: Value = serde_json::from_str(r.ok()).unwrap();
    assert_eq!(res["cniVersion"], "1.1.0");
    assert_eq!(
        res["routes"],
        json!([{"dst": "10.92.0.0/16", "priority": 77, "mtu": 1300, "advmss": 1200},
               {"dst": "10.93.0.0/16", "table": 100}])
    );
    let inside = o
        .ctr
        .sh("ip route show 10.92.0.0/16; ip route show table 100");
    assert!(
        inside.contains("10.92.0.0/16 via 10.91.0.1 dev eth0 metric 77 mtu 1300 advmss 1200"),
        "{inside}"
    );
    assert!(
        inside.contains("10.93.0.0/16 via 10.91.0.1 dev eth0"),
        "{inside}"
    );
    let mut with_prev = conf.clone();
    with_prev["prevResult"] = res;
    let c = o.exec("CHECK", &with_prev, &env);
    assert_eq!(c.code, Some(0), "{} {}", c.stdout, c.stderr);
    o.ctr.sh("ip route del 10.93.0.0/16 table 100");
    assert_eq!(o.code("CHECK", &with_prev, &env), Some(999));
    assert_eq!(o.code("STATUS", &conf, &env), None);
    assert_eq!(o.code("STATUS", &conf, &[]), Some(50));
    assert_eq!(o.code("DEL", &conf, &env), None);

    // GC: two attachments of a bridge network, one of them valid, and one of a ptp network
    // that a GC of the other network leaves alone.
    let conf =
        json!({"cniVersion": "1.1.0", "name": "t", "bridge": "cnitb7", "ipam": {"type": ipam}});
    let conf_p =
        json!({"cniVersion": "1.1.0", "name": "t2", "mode": "ptp", "ipam": {"type": ipam}});
    let (other, third) = (Netns::new(), Netns::new());
    let add = |c: &Value, id: &str, ns: &Netns| {
        o.raw(
            &common::bin("nsveth"),
            "ADD",
            o.conf(c).to_string().as_bytes(),
            &[env[0], ("CNI_CONTAINERID", id), ("CNI_NETNS", &ns.path())],
        )
        .ok()
        .to_string()
    };
    add(&conf, "gc1", &o.ctr);
    add(&conf, "gc2", &other);
    add(&conf_p, "gc3", &third);
    assert_eq!(
        o.host.sh("ip -o link show master cnitb7 | wc -l").trim(),
        "2"
    );
    let gc = |c: &Value, valid: Value| {
        let mut c = c.clone();
        c["cni.dev/valid-attachments"] = valid;
        o.code("GC", &c, &env)
    };
    assert_eq!(
        gc(&conf, json!([{"containerID": "gc1", "ifname": "eth0"}])),
        None
    );
    assert_eq!(
        o.host.sh("ip -o link show master cnitb7 | wc -l").trim(),
        "1"
    );
    assert_eq!(
        other
            .sh("ip -o link show | grep -vc ': lo:' || true")
            .trim(),
        "0"
    );
    assert_eq!(gc(&conf, json!([])), None);
    assert_eq!(
        third
            .sh("ip -o link show | grep -vc ': lo:' || true")
            .trim(),
        "1"
    );
    assert_eq!(gc(&conf_p, json!([])), None);
    assert_eq!(
        third
            .sh("ip -o link show | grep -vc ': lo:' || true")
            .trim(),
        "0"
    );
    assert!(o
        .host
        .sh("ip -o link show | grep -v ': lo:' || true")
        .trim()
        .is_empty());
    // An older configuration has no GC nor STATUS.
    let old =
        json!({"cniVersion": "1.0.0", "name": "t", "bridge": "cnitb7", "ipam": {"type": ipam}});
    assert_eq!(o.code("GC", &old, &env), Some(1));
}

/// An ADD that the kernel refuses half-way (a route via a next hop the container cannot
/// reach) leaves nothing, the IPAM lease included.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn add_refused_half_way_leaves_nothing() {
    if !common::root() {
        return;
    }
    let o = World::new(Side::Ours);
    let conf = json!({"cniVersion": "1.0.0", "name": "t", "ipMasq": true,
        "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.88.0.0/24"}]],
                 "routes": [{"dst": "10.99.0.0/16", "gw": "192.0.2.1"}]}});
    let r = o.exec("ADD", &conf, &[]);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(
        r.stderr.contains("add route 10.99.0.0/16 via 192.0.2.1"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(o
        .host
        .sh("ip -o link show | grep -v ': lo:' || true")
        .trim()
        .is_empty());
    assert_eq!(
        o.ctr
            .sh("ip -o link show | grep -vc ': lo:' || true")
            .trim(),
        "0"
    );
    assert!(o.ipam_leases().is_empty());
    assert!(!o.host.sh("nft list tables").contains("nstools"));
    assert!(!o.dir.join("run").exists());
}
