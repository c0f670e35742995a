//! A real runtime drives nsveth's CNI mode: Debian's Podman (4.3.1, CNI backend) runs
//! containers on README's example network (`"type": "nsveth"`: bridge mode, gateway, ipMasq,
//! host-local addresses; hairpin mode added). A container reaches the host and another container of
//! the network, the host reaches it, and `podman rm` leaves no link, route, lease or NAT rule.
//!
//! Everything Podman writes stays in the test's reach: it runs in a network namespace that
//! plays the host, and in a private mount namespace with fresh tmpfs over /run, /var/lib and
//! /opt (where nsveth is installed as /opt/cni/bin/nsveth, the path Podman looks in, and where
//! its lease store /run/nstools lands), so that its caches, locks and namespace files go with
//! that namespace; its storage is under the test's directory, its containers' cgroups under a
//! cgroup of the test's own, removed at the end.
#![cfg(feature = "cni")]

mod common;

use std::process::Command;
use std::time::Duration;

use common::{Proc, TempDir};

/// The Debian packages the test needs (also in .ci/install-deps).
const PACKAGES: &[&str] = &[
    "podman",
    "runc",
    "golang-github-containers-common",
    "containernetworking-plugins",
    "busybox-static",
    "nftables",
];

/// Install what is missing (as root, with apt-get).
fn install() {
    let missing: Vec<&str> = PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            let r = common::run(Command::new("dpkg-query").args(["-W", "-f=${Status}", p]));
            !r.stdout.contains("ok installed")
        })
        .collect();
    if missing.is_empty() {
        return;
    }
    let r = common::run(
        Command::new("sh").arg("-c").arg(format!(
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends {}",
            missing.join(" ")
        )),
    );
    assert_eq!(r.code, Some(0), "cannot install {missing:?}: {}", r.stderr);
}

/// A cgroup of the test's own (under the one it runs in), removed with everything below it
/// in every hierarchy when dropped.
struct Parent(String);

impl Parent {
    fn new() -> Parent {
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
        let base = own
            .lines()
            .find_map(|l| l.split_once(":pids:").map(|(_, p)| p.to_string()))
            .unwrap_or_else(|| "/".into());
        Parent(format!(
            "{}/{}",
            base.trim_end_matches('/'),
            common::unique("nstools-cni-")
        ))
    }
}

impl Drop for Parent {
    fn drop(&mut self) {
        let Ok(hier) = std::fs::read_dir("/sys/fs/cgroup") else {
            return;
        };
        for h in hier.flatten() {
            let top = h.path().join(self.0.trim_start_matches('/'));
            rmdir_tree(&top);
        }
    }
}

fn rmdir_tree(p: &std::path::Path) {
    if let Ok(d) = std::fs::read_dir(p) {
        for e in d.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                rmdir_tree(&e.path());
            }
        }
        let _ = std::fs::remove_dir(p);
    }
}

/// The network configuration README shows (the first JSON block of its CNI section).
fn readme_network() -> serde_json::Value {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let at = readme
        .find("## As a CNI plugin")
        .expect("README has a CNI section");
    let body = readme[at..].split("```json\n").nth(1).unwrap();
    serde_json::from_str(&body[..body.find("```").unwrap()]).expect("README's network is JSON")
}

const SCRIPT: &str = r#"
set -eu
S=$1 NET=$2 BR=$3 NETPFX=$4 NSVETH=$5 PARENT=$6
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /var/lib
mount -t tmpfs tmpfs /opt
mkdir -p /opt/cni/bin
ln -s "$NSVETH" /opt/cni/bin/nsveth
P="podman --root $S/root --runroot $S/runroot --tmpdir $S/tmp --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --runtime runc --network-backend cni --network-config-dir $S/net"
trap '$P rm -f -t 0 -a >/dev/null 2>&1 || true' EXIT
tar -C "$S/rootfs" -c . | $P import - localhost/nstools-busybox >/dev/null
RUN="$P run --network $NET --cgroup-parent=$PARENT --ulimit nofile=1024:1024 --ulimit nproc=1000:1000"
$RUN -d --name a localhost/nstools-busybox sleep 1000 >/dev/null
IP=$($P inspect a --format "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}")
echo "address $IP"
echo "bridge $(ip -o link show type bridge | grep -c "$BR")"
$RUN --rm --cap-add NET_RAW --name b localhost/nstools-busybox sh -c \
  "ping -c1 -W2 $NETPFX.1 >/dev/null && echo reached host; ping -c1 -W2 $IP >/dev/null && echo reached neighbour"
ping -c1 -W2 "$IP" >/dev/null && echo host reached container
echo "masquerade $(nft list table ip nstools | grep -c "$NETPFX.0/24")"
$P rm -f -t 0 a >/dev/null
echo "links $(ip -o link show | grep -vc ': lo:' || true)"
echo "routes $(ip route show | wc -l) $(ip -6 route show | wc -l)"
echo "leases $(ls "$S/ipam/$NET" | grep -v -e '^lock$' -e '^last_reserved' | wc -l)"
echo "store $(ls /run/nstools 2>/dev/null | wc -l)"
echo "nat $(nft list tables | grep -c nstools || true)"
"#;

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn podman_runs_containers_on_an_nsveth_network() {
    if !common::root() {
        return;
    }
    install();
    let dir = TempDir::new("podman");
    let s = dir.path().to_string_lossy().into_owned();
    // An image: a busybox-static root filesystem (no registry is reachable).
    let rootfs = dir.join("rootfs/bin");
    std::fs::create_dir_all(&rootfs).unwrap();
    std::fs::copy("/bin/busybox", rootfs.join("busybox")).unwrap();
    for a in ["sh", "ping", "sleep"] {
        std::os::unix::fs::symlink("busybox", rootfs.join(a)).unwrap();
    }
    let n = std::process::id();
    let net = format!("nstest{n}");
    let br = format!("nsb{}", n % 1_000_000);
    let pfx = format!("10.90.{}", n % 250);
    std::fs::create_dir_all(dir.join("net")).unwrap();
    // README's example network, with the test's names, subnet and IPAM directory, and hairpin
    // mode on.
    let mut conf = readme_network();
    conf["name"] = net.as_str().into();
    let plugin = &mut conf["plugins"][0];
    assert_eq!(plugin["type"], "nsveth");
    plugin["bridge"] = br.as_str().into();
    plugin["hairpinMode"] = true.into();
    plugin["ipam"]["dataDir"] = format!("{s}/ipam").into();
    plugin["ipam"]["ranges"] = serde_json::json!([[{"subnet": format!("{pfx}.0/24")}]]);
    std::fs::write(dir.join("net/nstest.conflist"), conf.to_string()).unwrap();
    let parent = Parent::new();
    // The host: a network namespace of a process of the test.
    let host = Proc::spawn(Command::new("unshare").args(["-n", "sleep", "1000"]));
    let own = common::ns_inode("self", "net");
    let hpid = host.pid().to_string();
    assert!(common::wait_for(Duration::from_secs(20), || {
        std::fs::metadata(format!("/proc/{hpid}/ns/net"))
            .map(|m| std::os::unix::fs::MetadataExt::ino(&m) != own)
            .unwrap_or(false)
    }));
    let nsveth = common::bin("nsveth");
    let ran = common::run_within(
        Command::new("nsenter")
            .arg(format!("--net=/proc/{hpid}/ns/net"))
            .args([
                "unshare",
                "-m",
                "--propagation",
                "private",
                "sh",
                "-c",
                SCRIPT,
                "sh",
            ])
            .args([&s, &net, &br, &pfx])
            .arg(&nsveth)
            .arg(&parent.0),
        Duration::from_secs(180),
    );
    let out = ran.stdout.clone();
    assert_eq!(ran.code, Some(0), "podman run failed: {out} {}", ran.stderr);
    let line = |k: &str| -> String {
        out.lines()
            .find_map(|l| l.strip_prefix(k).map(|v| v.trim().to_string()))
            .unwrap_or_else(|| panic!("no '{k}' in {out} (stderr {})", ran.stderr))
    };
    assert!(line("address ").starts_with(&pfx), "{out}");
    assert_eq!(line("bridge "), "1", "{out}");
    for l in [
        "reached host",
        "reached neighbour",
        "host reached container",
    ] {
        assert!(out.lines().any(|x| x == l), "not {l}: {out} {}", ran.stderr);
    }
    assert_eq!(line("masquerade "), "1", "{out}");
    // After `podman rm`: no link (the bridge nsveth made went with its last port), no route,
    // no lease of host-local or of nsveth, no NAT table.
    assert_eq!(line("links "), "0", "{out}");
    assert_eq!(line("routes "), "0 0", "{out}");
    assert_eq!(line("leases "), "0", "{out}");
    assert_eq!(line("store "), "0", "{out}");
    assert_eq!(line("nat "), "0", "{out}");
    drop(host);
}
