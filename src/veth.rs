//! Connect a network namespace to ours with a veth pair: find the target namespace, then create
//! the pair (peer already inside), address both ends, bring the namespace's `lo` up and add routes
//! inside, write its leases and NAT rules, and only then give the host end its name and bring it
//! up. If any step fails, the pair is deleted again (and its leases, and a bridge we created for
//! it), so nothing is ever left half-made; see [`add`] for signals and `SIGKILL`,
//! [`crate::linkmark`] for how what we made is marked, and [`crate::leasing`] for addresses,
//! NAT and bridges that outlive one pair.

use std::os::fd::{AsFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::unistd::Pid;

use crate::addr::{Cidr, Route};
use crate::bridge::{self, Bridge};
use crate::critical::{self, Section};
use crate::error::{Context, Error, Result};
use crate::lease::{Lease, Mode, Publish, Store};
use crate::leasing::{self, Leasing, Locks};
use crate::linkmark;
use crate::nat;
use crate::netlink::{self, Msg, NlResult, Socket, Veth};
use crate::nftables::{self, Family, ListedRule, Table};
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

/// The network namespace to connect, open: the namespace, and when a process names it, that
/// process held by pidfd ([`ProcDir`], the one type for a held process).
pub struct NetTarget {
    pub netns: OwnedFd,
    pub proc: Option<ProcDir>,
    /// The namespace's inode.
    pub ino: u64,
    /// How messages name it: `netns 1234`, `netns /run/netns/blue`.
    pub shown: String,
}

impl NetTarget {
    /// Open the target. A process is held as a [`ProcDir`] (a pidfd first, then its
    /// `/proc/PID`); its namespace file is opened through that directory and then the process is
    /// checked not to have exited: the file belongs to the process the pidfd names, even if the
    /// pid is reused later. Nothing uses the pid afterwards.
    pub fn open(spec: &TargetSpec) -> Result<NetTarget> {
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
            TargetSpec::Path(p) => (ns::open_ns_file(p, ns::NET)?, None),
            TargetSpec::Name(n) => {
                let path = format!("{NETNS_DIR}/{n}");
                (ns::open_ns_file(&path, ns::NET)?, None)
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
        Ok(NetTarget {
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
    /// Default routes inside via the host: one per address family, via the bridge's gateway or
    /// the first host address of that family (`--gateway`).
    pub gateway: bool,
    /// Routes inside the namespace (after the default routes of `gateway`).
    pub routes: Vec<Route>,
    pub mtu: Option<u32>,
    pub peer_mac: Option<[u8; 6]>,
    pub bridge: Option<String>,
    /// Hairpin mode on the host end's bridge port.
    pub hairpin: bool,
    /// Lease the end inside an address of each subnet (one per family); for a pair without a
    /// bridge, the host end one too.
    pub subnets: Vec<Cidr>,
    /// Outbound NAT for the subnets, and ports published to the end inside.
    pub masquerade: bool,
    pub publish: Vec<Publish>,
}

impl Plan {
    /// Whether the lease store is involved (bridges and subnets are locked there).
    fn stored(&self) -> bool {
        self.bridge.is_some() || !self.subnets.is_empty()
    }

    /// With `--gateway`, put the default routes first: via the bridge's `gateways`, else the
    /// host end's addresses (see [`gateway_routes`]).
    pub fn route_through(&mut self, gateways: &[Cidr]) -> Result<()> {
        if !self.gateway {
            return Ok(());
        }
        let via: Vec<Cidr> = gateways.iter().chain(&self.host_addrs).copied().collect();
        let mut routes = gateway_routes(&via);
        if routes.is_empty() {
            return Err(Error::new("--gateway: no host address to route through"));
        }
        routes.append(&mut self.routes);
        self.routes = routes;
        Ok(())
    }
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

/// Build what `plan` describes in `target`, or nothing at all; on success `plan` says what was
/// made (the leased addresses, the routes of `--gateway`).
///
/// Until its last step nothing here carries the names the caller chose: the pair is created with
/// its host end down, under a temporary name and marked unfinished (one datagram, see
/// [`linkmark`]), the peer already inside; both ends are configured; the leases are written and
/// the NAT rules made; then one request renames the host end and brings it up. Catchable signals
/// wait meanwhile ([`Section`]); one that came before the last step has everything undone
/// first, and then ends the process. With `--bridge` or `--subnet`, the bridge's and the
/// subnets' locks are held throughout ([`leasing`]).
///
/// `SIGKILL` can leave an unfinished pair (a *leftover*, deleted by the next `add` whose peer
/// name it holds in that namespace, by `nsveth gc`, or with the namespace), a lease of it (stale:
/// its link never got its name; reclaimed when the subnet is full, by `del` and `gc`) and, with
/// `--bridge`, the bridge made for it (marked, empty, and used by the next `add`), or that bridge
/// still under its temporary name (finished by the next `add` for it).
pub fn add(target: &NetTarget, plan: &mut Plan) -> Result<()> {
    let section = Section::enter()?;
    let mut host = Socket::open()?;
    let mut inside = Socket::open_in(target.netns.as_fd())?;
    let created = || format!("create veth pair {}/{}", plan.host, plan.peer);
    if host.link_by_name(&plan.host).context(created)?.is_some() {
        return Err(Error::sys(created(), Errno::EEXIST));
    }
    let result = if plan.stored() {
        let store = Store::open();
        let nat = plan.masquerade || !plan.publish.is_empty();
        let r = Locks::take(&store, plan.bridge.as_deref(), &plan.subnets, nat).and_then(|locks| {
            let r = build(&mut host, &mut inside, target, plan, Some(&store), &section);
            drop(locks);
            r
        });
        store.tidy();
        r
    } else {
        build(&mut host, &mut inside, target, plan, None, &section)
    };
    // Only now may a held signal end the process: everything is finished or undone.
    drop(section);
    result
}

fn build(
    host: &mut Socket,
    inside: &mut Socket,
    target: &NetTarget,
    plan: &mut Plan,
    store: Option<&Store>,
    section: &Section,
) -> Result<()> {
    let mut leasing = match store {
        Some(store) if !plan.subnets.is_empty() => Some(Leasing::prepare(host, store, plan)?),
        _ => None,
    };
    let asked = plan.clone();
    let mut again = true;
    let (bridge, pair) = loop {
        let bridge = match &asked.bridge {
            Some(name) => Some(Bridge::find_or_make(host, name, asked.mtu, &asked.subnets)?),
            None => None,
        };
        *plan = asked.clone();
        let pair = complete(host, plan, leasing.as_mut(), bridge.as_ref())
            .and_then(|()| make_pair(host, inside, target, plan, bridge.as_ref()));
        match &bridge {
            // A bridge removed by someone else between its look-up and our pair: make it
            // again, once.
            Some(b) if pair.is_err() && again && !b.exists(host) => again = false,
            _ => break (bridge, pair),
        }
    };
    let result =
        pair.and_then(|pair| finish(host, inside, target, plan, pair, leasing.as_mut(), section));
    if let (Err(_), Some(b)) = (&result, bridge) {
        b.undo(host);
    }
    result
}

/// Fill in what the plan leaves to nsveth: the leased addresses, and the default routes of
/// `--gateway` via the bridge's gateways or the host end's addresses.
fn complete(
    host: &mut Socket,
    plan: &mut Plan,
    leasing: Option<&mut Leasing>,
    bridge: Option<&Bridge>,
) -> Result<()> {
    let gateways: &[Cidr] = bridge.map_or(&[], |b| &b.gateways);
    if let Some(l) = leasing {
        let (peer, host_end) = l.allocate(host, gateways)?;
        plan.peer_addrs.extend(peer);
        plan.host_addrs.extend(host_end);
    }
    plan.route_through(gateways)
}

/// A pair made but not finished: its host end (under its temporary name) and its peer, by index.
pub(crate) struct Unfinished {
    pub(crate) host: u32,
    pub(crate) peer: u32,
    /// The host end's temporary name.
    tmp: String,
}

/// Create the pair, its host end down under a temporary name and marked unfinished (one
/// datagram), the peer inside under its final name. If the peer's name is taken inside by a
/// leftover (see [`linkmark`]), that is deleted and the pair created again.
pub(crate) fn make_pair(
    host: &mut Socket,
    inside: &mut Socket,
    target: &NetTarget,
    plan: &Plan,
    bridge: Option<&Bridge>,
) -> Result<Unfinished> {
    let created = || format!("create veth pair {}/{}", plan.host, plan.peer);
    let me = linkmark::Maker::me();
    let (tmp, mark) = (linkmark::temp_name(&me), me.mark());
    let veth = Veth {
        host: &tmp,
        peer: &plan.peer,
        peer_netns: target.netns.as_fd(),
        mtu: plan.mtu,
        peer_mac: plan.peer_mac,
        master: bridge.map(|b| b.index),
    };
    let mut cleared = false;
    loop {
        let mut batch = [Msg::new_veth(&veth), Msg::set_alias_of(&tmp, &mark)];
        let sent = host.send_all(&mut batch).context(created)?;
        match host.wait_all(sent) {
            Ok(()) => break,
            Err((0, e)) if e.errno == Errno::EEXIST && !cleared => {
                cleared = remove_leftover(host, inside, &plan.peer).context(created)?;
                if !cleared {
                    return Err(e).context(created);
                }
            }
            Err((0, e)) => {
                // Refused, or made and its answer lost (a failed receive): the temporary name
                // is this run's alone, so whatever has it is ours to delete.
                let _ = bridge::del_by_name(host, &tmp);
                return Err(e).context(created);
            }
            Err((_, e)) => {
                let _ = bridge::del_by_name(host, &tmp);
                return Err(e).context(|| format!("mark {tmp} as unfinished"));
            }
        }
    }
    let found = find_pair(host, inside, &tmp, &plan.peer);
    if found.is_err() {
        let _ = bridge::del_by_name(host, &tmp);
    }
    found.context(created)
}

/// The indexes of the pair just made.
fn find_pair(
    host: &mut Socket,
    inside: &mut Socket,
    tmp: &str,
    peer: &str,
) -> NlResult<Unfinished> {
    let l = host.link_by_name(tmp)?.ok_or(Errno::ENODEV)?;
    // A veth's IFLA_LINK is its peer's index, in the peer's namespace (an old kernel does not
    // say: ask inside).
    let peer = match l.link {
        Some(index) => index,
        None => inside.link_by_name(peer)?.ok_or(Errno::ENODEV)?.index,
    };
    Ok(Unfinished {
        host: l.index,
        peer,
        tmp: tmp.to_string(),
    })
}

/// The peer's name is taken inside: if by a veth whose other end is a leftover here, delete that
/// pair. Whether one was deleted.
fn remove_leftover(host: &mut Socket, inside: &mut Socket, peer: &str) -> NlResult<bool> {
    let Some(p) = inside.link_by_name(peer)? else {
        return Ok(false);
    };
    let (Some(kind), Some(end), Some(nsid)) = (p.kind.as_deref(), p.link, p.link_netnsid) else {
        return Ok(false);
    };
    // Its other end is in our namespace if the namespace it names is ours.
    let Ok(own) = ns::open_ns_file("/proc/thread-self/ns/net", ns::NET) else {
        return Ok(false);
    };
    if kind != "veth" || inside.nsid_of(own.as_fd())? != Some(nsid) {
        return Ok(false);
    }
    let Some(e) = host.link_by_index(end)? else {
        return Ok(false);
    };
    if e.link != Some(p.index) || !linkmark::is_leftover(e.alias.as_deref()) {
        return Ok(false);
    }
    match host.del_link(end) {
        Ok(()) => Ok(true),
        Err(e) if e.errno == Errno::ENODEV => Ok(true), // gone meanwhile
        Err(e) => Err(e),
    }
}

/// Configure the pair and write its leases (with their NAT rules), then (unless the target has
/// exited or a signal came) give the host end its name and bring it up; on any failure delete
/// the pair and its leases.
fn finish(
    host: &mut Socket,
    inside: &mut Socket,
    target: &NetTarget,
    plan: &Plan,
    pair: Unfinished,
    mut leasing: Option<&mut Leasing>,
    section: &Section,
) -> Result<()> {
    let mut r = configure(host, inside, target, plan, &pair);
    let own_v6 = plan.host_addrs.iter().any(|a| a.addr.is_ipv6());
    if r.is_ok() && plan.bridge.is_some() && !own_v6 {
        r = port_without_ipv6(&pair.tmp);
    }
    if let (Ok(()), Some(l)) = (&r, leasing.as_deref_mut()) {
        r = l.commit(&plan.host, pair.host);
    }
    let r = r
        .and_then(|()| target.check_alive())
        .and_then(|()| match section.interrupted()? {
            Some(sig) => Err(Error::new(format!(
                "interrupted by {}",
                critical::signal_name(sig)
            ))),
            None => Ok(()),
        })
        .and_then(|()| {
            let mut last = Msg::rename_up(pair.host, &plan.host, Some(linkmark::VETH));
            host.request(&mut last)
                .context(|| format!("create veth pair {}/{}", plan.host, plan.peer))
        });
    if r.is_err() {
        // Deleting one end deletes both; then the leases go (a lease without its link is stale
        // if we are killed in between, never a link without its lease).
        let _ = host.del_link(pair.host);
        if let Some(l) = leasing {
            l.undo(pair.host);
        }
    }
    r
}

/// Turn IPv6 off on the host end of a bridge port (unless given an IPv6 address of its own),
/// still down under its temporary name. A port
/// needs no address of its own (bridged traffic does not go through its IP stack), and an IPv6
/// one is not free: every device that is up with IPv6 has routes in the host's IPv6 table,
/// which the kernel walks at every device's coming and going, so that each container on a
/// host of hundreds would cost more. There is no netlink request for it: the sysctl, by name.
/// Without IPv6 in the kernel there is nothing to turn off.
fn port_without_ipv6(name: &str) -> Result<()> {
    let path = format!("/proc/sys/net/ipv6/conf/{name}/disable_ipv6");
    match std::fs::write(&path, "1\n") {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::sys(
            format!("cannot write {path}"),
            crate::error::errno_of(&e),
        )),
    }
}

/// Address both ends, bring up `lo` and the peer inside, add the routes inside.
fn configure(
    host: &mut Socket,
    inside: &mut Socket,
    target: &NetTarget,
    plan: &Plan,
    pair: &Unfinished,
) -> Result<()> {
    // Nothing here depends on answers: send it all at once, one datagram per namespace, then
    // read the acknowledgements. The kernel handles each request in order; the first that
    // failed (in the order below) is reported.
    let mut here: Vec<Msg> = plan
        .host_addrs
        .iter()
        .map(|c| Msg::add_addr(pair.host, c))
        .collect();
    if plan.hairpin {
        here.push(Msg::set_hairpin(pair.host));
    }
    let peer = pair.peer;
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
        return Err(e).context(|| match plan.host_addrs.get(at) {
            Some(c) => format!("add address {c} to {}", plan.host),
            None => format!("turn on hairpin mode of {}", plan.host),
        });
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
    Ok(())
}

/// Delete the veth pair whose host end is `name` and release its leases (also when the link is
/// gone already), or a bridge `nsveth add` made once it has no ports left. Anything else is
/// refused: a bridge without our mark existed before us. A bridge nsveth made goes with its
/// last port, and the NAT rules and forwarding with the last lease that needed them.
pub fn del(name: &str) -> Result<()> {
    let section = Section::enter()?;
    let mut host = Socket::open()?;
    let store = Store::open();
    let r = leasing::release(&mut host, &store, name);
    store.tidy();
    drop(section);
    r
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
    /// The host end of a pair `nsveth add` finished (its alias is our mark).
    pub finished: bool,
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
        let Ok(fd) = ns::open_ns_file(path, ns::NET) else {
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
            finished: l.alias.as_deref() == Some(linkmark::VETH),
        })
        .collect())
}

/// A lease as `list` shows it: with its subnet and the state of its link.
pub struct ListedLease {
    pub subnet: Cidr,
    pub mode: Mode,
    pub lease: Lease,
    /// `up` or `down`, or `gone` when its link is not there (a stale lease).
    pub state: &'static str,
}

/// The leases of the store, each with the state of its link among `links`. A store we may not
/// read (as another user) shows none.
pub fn leases(links: &[Listed]) -> Result<Vec<ListedLease>> {
    let subnets = match Store::open().subnets() {
        Err(e) if e.errno() == Some(Errno::EACCES) => return Ok(Vec::new()),
        r => r?,
    };
    let mut out = Vec::new();
    for s in subnets {
        for l in s.leases {
            let link = links.iter().find(|k| k.index == l.index && k.finished);
            out.push(ListedLease {
                subnet: s.net,
                mode: s.mode.clone(),
                state: match link {
                    Some(k) if k.up => "up",
                    Some(_) => "down",
                    None => "gone",
                },
                lease: l,
            });
        }
    }
    Ok(out)
}

/// The rules of our NAT tables, read back from the kernel (none when nf_tables says we may not
/// look, as another user, or when the kernel has no nf_tables: then there are none).
pub fn nat_rules() -> Result<Vec<ListedRule>> {
    let mut sock = match nftables::socket() {
        Err(e) if e.errno() == Some(Errno::EPROTONOSUPPORT) => return Ok(Vec::new()),
        r => r?,
    };
    let mut out = Vec::new();
    for family in [Family::Ip, Family::Ip6] {
        let table = Table {
            family,
            name: nat::TABLE,
        };
        match table.rules(&mut sock) {
            Ok(r) => out.extend(r),
            Err(e) if e.errno == Errno::EPERM => return Ok(Vec::new()),
            Err(e) => {
                return Err(e).context(|| format!("list table {} {}", family.name(), nat::TABLE))
            }
        }
    }
    Ok(out)
}

/// `nsveth gc` (see [`leasing::gc`]), with signals held as `add` holds them.
pub fn gc() -> Result<()> {
    let section = Section::enter()?;
    let mut host = Socket::open()?;
    let store = Store::open();
    let r = leasing::gc(&mut host, &store);
    store.tidy();
    drop(section);
    r
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
