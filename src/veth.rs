//! Connect a network namespace to ours with a veth pair: find the target namespace, then create
//! the pair (peer already inside, both ends up), address both ends, bring the namespace's `lo`
//! up and add routes inside. If any step after the pair exists fails, the pair is deleted (and a
//! bridge we created with it), so nothing is ever left half-made.

use std::os::fd::{AsFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sched::CloneFlags;
use nix::unistd::Pid;

use crate::error::{Context, Error, Result};
use crate::netlink::{self, Cidr, Msg, Route, Socket, Veth};
use crate::ns;
use crate::procdir::{self, ProcDir, State};

/// Where named namespaces live (`ip netns add NAME`).
pub const NETNS_DIR: &str = "/run/netns";

/// A target as given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetSpec {
    /// `PID` or `PID:INODE` (the inode of its pidfd, as nsenter's and nsidmap's targets).
    Pid { pid: i32, ino: Option<u64> },
    /// A namespace file: `/proc/PID/ns/net` or a persisted (bind-mounted) one.
    Path(String),
    /// A name under [`NETNS_DIR`].
    Name(String),
}

impl TargetSpec {
    pub fn parse(s: &str) -> Option<TargetSpec> {
        match procdir::parse_pid(s) {
            Ok((pid, ino)) => {
                let pid = pid.as_raw();
                return Some(TargetSpec::Pid { pid, ino });
            }
            // All digits but out of range (`0`, too large): a pid still, and a bad one. Digits
            // and a colon are never a name, and a bad inode after one never a path.
            Err(_) if procdir::is_number(s) => return None,
            Err(_) => {}
        }
        if s.contains('/') {
            return Some(TargetSpec::Path(s.to_string()));
        }
        let ok = !s.is_empty() && s != "." && s != ".." && !s.contains(':');
        ok.then(|| TargetSpec::Name(s.to_string()))
    }
}

/// An open target: its network namespace, and for a process its pidfd and `/proc/PID`.
pub struct Target {
    pub netns: OwnedFd,
    pub proc: Option<ProcDir>,
    /// The namespace's inode.
    pub ino: u64,
    /// How messages name it: `netns 1234`, `netns /run/netns/blue`.
    pub shown: String,
}

fn net_kind() -> &'static ns::Kind {
    ns::by_flag(CloneFlags::CLONE_NEWNET).expect("net is in the table")
}

impl Target {
    /// Open the target. A process is held as a [`ProcDir`] (a pidfd first, then its
    /// `/proc/PID`); its namespace file is opened through that directory and then the process is
    /// checked not to have exited: the file belongs to the process the pidfd names, even if the
    /// pid is reused later. Nothing uses the pid afterwards.
    pub fn open(spec: &TargetSpec) -> Result<Target> {
        let (netns, proc) = match spec {
            TargetSpec::Pid { pid, ino } => {
                let proc = ProcDir::open(Pid::from_raw(*pid), *ino)?;
                let netns = open_net_at(&proc);
                // Not exited after the open: the file is that process's (the pidfd pins it, a
                // reused pid would be another process). An exited one, even a zombie whose pid
                // is still taken, has no namespaces left.
                check_running(&proc)?;
                (netns?, Some(proc))
            }
            TargetSpec::Path(p) => (ns::open_ns_file(p, net_kind())?, None),
            TargetSpec::Name(n) => {
                let path = format!("{NETNS_DIR}/{n}");
                (ns::open_ns_file(&path, net_kind())?, None)
            }
        };
        let st = nix::sys::stat::fstat(&netns).context(|| "cannot stat network namespace")?;
        let shown = match spec {
            TargetSpec::Pid { pid, .. } => format!("netns {pid}"),
            TargetSpec::Path(p) | TargetSpec::Name(p) => format!("netns {p}"),
        };
        // Our own namespace (`/proc/self/ns/net`, our pid, a file bound to it) would put both ends
        // here, and the routes meant for inside into our own table.
        let own = nix::sys::stat::stat("/proc/thread-self/ns/net")
            .context(|| "cannot stat /proc/thread-self/ns/net")?;
        if (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino) {
            return Err(Error::new(format!(
                "{shown} is nsveth's own network namespace (both ends would be on this host)"
            )));
        }
        let ino = st.st_ino;
        Ok(Target {
            netns,
            proc,
            ino,
            shown,
        })
    }

    /// The host end's name when none is given: `veth<pid>`, or `veth<inode>` for a namespace
    /// file (at most 4 + 10 bytes: nsfs inodes are 32-bit).
    pub fn default_host_name(&self) -> String {
        match &self.proc {
            Some(p) => format!("veth{}", p.pid()),
            None => format!("veth{}", self.ino),
        }
    }

    /// Fail if the target process has exited (the namespace we hold may outlive it, but its
    /// owner is gone: a network for nobody is not what was asked for).
    fn check_alive(&self) -> Result<()> {
        match &self.proc {
            Some(p) => check_running(p),
            None => Ok(()),
        }
    }
}

/// `/proc/PID/ns/net` of a held process, opened through its `/proc/PID` directory (the kernel's
/// own link: always a network namespace, so no kind to check).
fn open_net_at(proc: &ProcDir) -> Result<OwnedFd> {
    proc.open_at("ns/net", OFlag::O_RDONLY)
}

/// Fail if the process has exited (a zombie included: it has no namespaces left).
fn check_running(proc: &ProcDir) -> Result<()> {
    match proc.state()? {
        State::Running => Ok(()),
        State::Zombie | State::Gone => Err(Error::new(format!("process {} exited", proc.pid()))),
    }
}

/// What to build (validated).
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub host: String,
    pub peer: String,
    pub host_addrs: Vec<Cidr>,
    pub peer_addrs: Vec<Cidr>,
    /// Routes inside the namespace, default routes of `--gateway` first.
    pub routes: Vec<Route>,
    pub mtu: Option<u32>,
    pub peer_mac: Option<[u8; 6]>,
    pub bridge: Option<String>,
}

/// The default routes of `--gateway`: one per address family, via the first host address of
/// that family.
pub fn gateway_routes(host_addrs: &[Cidr]) -> Vec<Route> {
    let v4 = host_addrs.iter().find(|c| c.addr.is_ipv4());
    let v6 = host_addrs.iter().find(|c| c.addr.is_ipv6());
    [v4, v6]
        .into_iter()
        .flatten()
        .map(|c| Route {
            dst: Cidr::default_of(c.addr),
            via: Some(c.addr),
        })
        .collect()
}

/// Build what `plan` describes in `target`, or nothing at all.
pub fn add(target: &Target, plan: &Plan) -> Result<()> {
    let mut host = Socket::open()?;
    let mut inside = Socket::open_in(target.netns.as_fd())?;
    let mut made_bridge = None;
    let master = match &plan.bridge {
        None => None,
        Some(br) => Some(
            match host.link_by_name(br).context(|| format!("find {br}"))? {
                Some(l) if l.kind.as_deref() == Some("bridge") => l.index,
                Some(_) => return Err(Error::new(format!("{br} is not a bridge"))),
                None => match host.new_bridge(br) {
                    // Made meanwhile by someone else (another nsveth): use it, it is not ours.
                    Err(e) if e.errno == Errno::EEXIST => index_of(&mut host, br)?,
                    r => {
                        r.context(|| format!("create bridge {br}"))?;
                        let idx = index_of(&mut host, br)?;
                        made_bridge = Some(idx);
                        idx
                    }
                },
            },
        ),
    };
    let veth = Veth {
        host: &plan.host,
        peer: &plan.peer,
        peer_netns: target.netns.as_fd(),
        mtu: plan.mtu,
        peer_mac: plan.peer_mac,
        master,
    };
    let created = host
        .new_veth(&veth)
        .context(|| format!("create veth pair {}/{}", plan.host, plan.peer));
    let result = created.and_then(|()| {
        let r = configure(&mut host, &mut inside, target, plan);
        if r.is_err() {
            // The pair exists: take it away again (deleting one end deletes both).
            if let Ok(Some(l)) = host.link_by_name(&plan.host) {
                let _ = host.del_link(l.index);
            }
        }
        r
    });
    if let (Err(_), Some(idx)) = (&result, made_bridge) {
        let _ = host.del_link(idx);
    }
    result
}

fn index_of(sock: &mut Socket, name: &str) -> Result<u32> {
    match sock.link_by_name(name).context(|| format!("find {name}"))? {
        Some(l) => Ok(l.index),
        None => Err(Error::sys(format!("find {name}"), Errno::ENODEV)),
    }
}

/// Everything after the pair exists.
fn configure(host: &mut Socket, inside: &mut Socket, target: &Target, plan: &Plan) -> Result<()> {
    let hl = host
        .link_by_name(&plan.host)
        .context(|| format!("find {}", plan.host))?
        .ok_or_else(|| Error::sys(format!("find {}", plan.host), Errno::ENODEV))?;
    // A veth's IFLA_LINK is its peer's index, in the peer's namespace.
    let peer = match hl.link {
        Some(i) => i,
        None => index_of(inside, &plan.peer)?, // an old kernel
    };
    // The rest does not depend on answers: send it all at once, one datagram per namespace,
    // then read the acknowledgements. The kernel handles each request in order; the first that
    // failed (in the order below) is reported.
    let mut here: Vec<Msg> = plan
        .host_addrs
        .iter()
        .map(|c| Msg::add_addr(hl.index, c))
        .collect();
    let mut there = vec![
        Msg::set_link(netlink::LOOPBACK_INDEX, true, None),
        Msg::set_link(peer, true, None),
    ];
    there.extend(plan.peer_addrs.iter().map(|c| Msg::add_addr(peer, c)));
    there.extend(plan.routes.iter().map(|r| Msg::add_route(r, peer)));
    let sent_here = host.send_all(&mut here).map_err(|e| (0, e));
    let sent_there = inside.send_all(&mut there).map_err(|e| (0, e));
    // Wait for both before judging, so the host socket has no answers left unread.
    let here_done = sent_here.and_then(|b| host.wait_all(b));
    let there_done = sent_there.and_then(|b| inside.wait_all(b));
    if let Err((at, e)) = here_done {
        let c = &plan.host_addrs[at.min(plan.host_addrs.len().saturating_sub(1))];
        return Err(e).context(|| format!("add address {c} to {}", plan.host));
    }
    if let Err((at, e)) = there_done {
        let (peer, ns) = (&plan.peer, &target.shown);
        let n = plan.peer_addrs.len();
        return Err(e).context(|| match at {
            0 => format!("bring up lo in {ns}"),
            1 => format!("bring up {peer} in {ns}"),
            i if i - 2 < n => format!("add address {} to {peer} in {ns}", plan.peer_addrs[i - 2]),
            i => format!("add route {} to {peer} in {ns}", plan.routes[i - 2 - n]),
        });
    }
    target.check_alive()
}

/// Delete the veth pair whose host end is `name`.
pub fn del(name: &str) -> Result<()> {
    let mut host = Socket::open()?;
    let l = host
        .link_by_name(name)
        .context(|| format!("delete {name}"))?
        .ok_or_else(|| Error::sys(format!("delete {name}"), Errno::ENODEV))?;
    if l.kind.as_deref() != Some("veth") {
        return Err(Error::new(format!("{name} is not a veth link")));
    }
    host.del_link(l.index).context(|| format!("delete {name}"))
}

/// One veth link of our namespace, with where its peer is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub index: u32,
    pub up: bool,
    pub master: Option<u32>,
    pub peer_index: Option<u32>,
    /// The id of the peer's namespace here (None: the peer is in our namespace).
    pub netnsid: Option<i32>,
    /// Its name under [`NETNS_DIR`], if it has one.
    pub netns: Option<String>,
}

/// The veth links of our namespace, each with its peer's namespace named as a target: its name
/// in [`NETNS_DIR`], else the pid of a process in it.
pub fn list() -> Result<Vec<Listed>> {
    let mut host = Socket::open()?;
    let links: Vec<_> = host
        .links()
        .context(|| "list links")?
        .into_iter()
        .filter(|l| l.kind.as_deref() == Some("veth"))
        .collect();
    let mut wanted: Vec<i32> = links.iter().filter_map(|l| l.link_netnsid).collect();
    let mut names: Vec<(i32, String)> = Vec::new();
    let mut find = |host: &mut Socket, path: &str, shown: &str, wanted: &mut Vec<i32>| {
        let Ok(fd) = ns::open_ns_file(path, net_kind()) else {
            return;
        };
        if let Ok(Some(id)) = host.nsid_of(fd.as_fd()) {
            if wanted.contains(&id) {
                wanted.retain(|w| *w != id);
                names.push((id, shown.to_string()));
            }
        }
    };
    if !wanted.is_empty() {
        if let Ok(dir) = std::fs::read_dir(NETNS_DIR) {
            for e in dir.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                find(
                    &mut host,
                    &format!("{NETNS_DIR}/{name}"),
                    &name,
                    &mut wanted,
                );
            }
        }
    }
    if !wanted.is_empty() {
        // Slower: the processes, one namespace (by inode) at a time, lowest pid first.
        let mut seen = Vec::new();
        let mut pids: Vec<u32> = std::fs::read_dir("/proc")
            .context(|| "cannot read /proc")?
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .collect();
        pids.sort_unstable();
        for pid in pids {
            if wanted.is_empty() {
                break;
            }
            let path = format!("/proc/{pid}/ns/net");
            let Ok(st) = nix::sys::stat::stat(path.as_str()) else {
                continue;
            };
            if !seen.contains(&st.st_ino) {
                seen.push(st.st_ino);
                find(&mut host, &path, &pid.to_string(), &mut wanted);
            }
        }
    }
    Ok(links
        .into_iter()
        .map(|l| Listed {
            netns: l
                .link_netnsid
                .and_then(|id| names.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone())),
            name: l.name,
            index: l.index,
            up: l.flags & netlink::IFF_UP != 0,
            master: l.master,
            peer_index: l.link,
            netnsid: l.link_netnsid,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            TargetSpec::parse("42"),
            Some(TargetSpec::Pid { pid: 42, ino: None })
        );
        assert_eq!(
            TargetSpec::parse("42:4026531840"),
            Some(TargetSpec::Pid {
                pid: 42,
                ino: Some(4026531840)
            })
        );
        assert_eq!(
            TargetSpec::parse("/proc/1/ns/net"),
            Some(TargetSpec::Path("/proc/1/ns/net".into()))
        );
        assert_eq!(
            TargetSpec::parse("blue"),
            Some(TargetSpec::Name("blue".into()))
        );
        for bad in ["", ".", "..", "0", "42:", "99999999999"] {
            assert_eq!(TargetSpec::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn target_syntax_edges() {
        let pid = |pid, ino| Some(TargetSpec::Pid { pid, ino });
        assert_eq!(TargetSpec::parse("007"), pid(7, None));
        assert_eq!(TargetSpec::parse("42:0"), pid(42, Some(0)));
        assert_eq!(TargetSpec::parse("-1"), Some(TargetSpec::Name("-1".into())));
        assert_eq!(
            TargetSpec::parse("0:/x"),
            Some(TargetSpec::Path("0:/x".into()))
        );
        for bad in ["00", "0:5", "42:x", "1:2:3", "1:99999999999999999999999"] {
            assert_eq!(TargetSpec::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn gateway_uses_first_address_of_each_family() {
        let addrs: Vec<Cidr> = ["10.0.0.1/24", "10.1.0.1/24", "fd00::1/64"]
            .iter()
            .map(|s| Cidr::parse(s).unwrap())
            .collect();
        let r: Vec<String> = gateway_routes(&addrs)
            .iter()
            .map(|r| r.to_string())
            .collect();
        assert_eq!(r, ["default via 10.0.0.1", "default via fd00::1"]);
        assert!(gateway_routes(&[]).is_empty());
    }
}
