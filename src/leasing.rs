//! What outlives one veth pair: the addresses leased to it ([`crate::lease`]), the NAT rules its
//! subnet needs ([`crate::nat`]), the bridge it is a port of ([`crate::bridge`]); taken by
//! `add` ([`Leasing`]), given back by `del` ([`release`]), and reclaimed from links that are gone
//! ([`reclaim`], [`gc`]).
//!
//! Every run takes the store's locks in one order: the bridge's, then the subnets' (by file
//! name), then NAT's ([`Locks`]); NAT's may also be taken later, being last. So no two runs ever
//! wait for each other in a circle, and each decides under its locks: which address is free,
//! whether a bridge has no ports left, whether a subnet's last lease is gone.

use std::net::IpAddr;

use nix::errno::Errno;

use crate::addr::Cidr;
use crate::bridge;
use crate::error::{Context, Error, Result};
use crate::lease::{self, Lease, Lock, Mode, Publish, Store, Subnet};
use crate::linkmark;
use crate::nat;
use crate::netlink::{Link, Socket};
use crate::veth::Plan;

/// Locks of the store, released in reverse order on drop.
pub struct Locks(Vec<Lock>);

impl Locks {
    /// Take the locks of a bridge, of subnets, and of NAT, in the one order (see the module's
    /// doc).
    pub fn take(store: &Store, bridge: Option<&str>, nets: &[Cidr], nat: bool) -> Result<Locks> {
        let mut locks = Vec::new();
        if let Some(b) = bridge {
            locks.push(store.lock_bridge(b)?);
        }
        let mut names: Vec<String> = nets.iter().map(lease::subnet_file).collect();
        lease::sort(&mut names);
        names.dedup();
        for n in names {
            locks.push(store.lock(&n)?);
        }
        if nat {
            locks.push(store.lock_nat()?);
        }
        Ok(Locks(locks))
    }
}

impl Drop for Locks {
    fn drop(&mut self) {
        while self.0.pop().is_some() {}
    }
}

/// Whether the link of a lease is there and finished: a veth with our mark at the lease's index.
fn alive(links: &[Link], l: &Lease) -> bool {
    links.iter().any(|k| {
        k.index == l.index
            && k.kind.as_deref() == Some("veth")
            && k.alias.as_deref() == Some(linkmark::VETH)
    })
}

/// Drop the leases whose link is gone, or never got its name (an `add` killed before its last
/// step), given the links there are. Whether one of those asked for NAT.
pub fn reclaim_with(links: &[Link], s: &mut Subnet) -> bool {
    let nat = s
        .leases
        .iter()
        .any(|l| !alive(links, l) && (l.masquerade || !l.publish.is_empty()));
    s.leases.retain(|l| alive(links, l));
    nat
}

/// [`reclaim_with`] the links of our namespace.
pub fn reclaim(host: &mut Socket, s: &mut Subnet) -> Result<bool> {
    let links = host.links().context(|| "list links")?;
    Ok(reclaim_with(&links, s))
}

fn has_nat(l: &Lease) -> bool {
    l.masquerade || !l.publish.is_empty()
}

/// What one `add` leases, under the locks of its subnets.
pub struct Leasing<'a> {
    store: &'a Store,
    /// The subnets as read (less the stale leases reclaimed), the new lease not in them yet.
    subnets: Vec<Subnet>,
    /// The addresses picked, one per subnet: the end inside's, and the host end's for pairs.
    picked: Vec<(IpAddr, Option<IpAddr>)>,
    masquerade: bool,
    publish: Vec<Publish>,
    /// The NAT lock: held by the caller (`nat_held`), or taken here once needed; and whether
    /// the NAT rules must follow the store.
    nat_held: bool,
    nat: Option<Lock>,
    nat_changed: bool,
}

impl<'a> Leasing<'a> {
    /// Read the subnets of `plan`, and check what can be checked before anything is made: each
    /// subnet used the same way as before (on the same bridge, or for pairs), a new one
    /// overlapping no route and no other subnet, each published port free. The caller holds
    /// the subnets' locks, and NAT's if the plan publishes or masquerades.
    pub fn prepare(host: &mut Socket, store: &'a Store, plan: &Plan) -> Result<Leasing<'a>> {
        let mode = plan.bridge.clone().map_or(Mode::Pair, Mode::Bridge);
        let mut subnets = Vec::new();
        for net in &plan.subnets {
            let s = match store.subnet(net)? {
                Some(s) if s.mode != mode => {
                    return Err(Error::new(match &s.mode {
                        Mode::Bridge(b) => format!("subnet {net} is in use on bridge {b}"),
                        Mode::Pair => format!("subnet {net} is in use for point-to-point pairs"),
                    }))
                }
                Some(s) => s,
                None => {
                    check_overlap(host, store, net, plan.bridge.as_deref())?;
                    Subnet::new(*net, mode.clone())
                }
            };
            subnets.push(s);
        }
        let nat = plan.masquerade || !plan.publish.is_empty();
        let mut l = Leasing {
            store,
            subnets,
            picked: Vec::new(),
            masquerade: plan.masquerade,
            publish: plan.publish.clone(),
            nat_held: nat,
            nat: None,
            nat_changed: nat,
        };
        if !plan.publish.is_empty() {
            l.check_ports(host)?;
        }
        Ok(l)
    }

    /// Each published port neither published already (a lease of one of our subnets whose link
    /// is gone gives it back) nor in use by a socket of this host.
    fn check_ports(&mut self, host: &mut Socket) -> Result<()> {
        let mut links = None;
        for p in self.publish.clone() {
            for s in self.store.subnets()? {
                let ours = self.subnets.iter().position(|o| o.net == s.net);
                let leases = ours.map_or(&s.leases, |i| &self.subnets[i].leases);
                let Some(holder) = leases
                    .iter()
                    .find(|l| l.publish.iter().any(|q| q.clashes(&p)))
                    .cloned()
                else {
                    continue;
                };
                let held = Error::new(format!(
                    "port {}/{} is already published for {} ({})",
                    p.host_port,
                    p.proto.name(),
                    holder.link,
                    holder.addr
                ));
                let Some(i) = ours else {
                    return Err(held);
                };
                if links.is_none() {
                    links = Some(host.links().context(|| "list links")?);
                }
                let links = links.as_deref().unwrap_or_default();
                if alive(links, &holder) {
                    return Err(held);
                }
                reclaim_with(links, &mut self.subnets[i]);
            }
            port_free(&p, &self.subnets)?;
        }
        Ok(())
    }

    /// Pick an address in each subnet, not one of `gateways` (a bridge's). A full subnet is
    /// first rid of its stale leases.
    pub fn allocate(
        &mut self,
        host: &mut Socket,
        gateways: &[Cidr],
    ) -> Result<(Vec<Cidr>, Vec<Cidr>)> {
        let taken: Vec<IpAddr> = gateways.iter().map(|g| g.addr).collect();
        self.picked.clear();
        let (mut peer, mut host_end) = (Vec::new(), Vec::new());
        for s in &mut self.subnets {
            let got = match s.allocate(&taken) {
                Some(a) => a,
                None => {
                    self.nat_changed |= reclaim(host, s)?;
                    s.allocate(&taken)
                        .ok_or_else(|| Error::new(format!("subnet {} is full", s.net)))?
                }
            };
            // Pairs get a block of four each: a /30 (or /126) of their own.
            let prefix = match s.mode {
                Mode::Bridge(_) => s.net.prefix,
                Mode::Pair => lease::max_prefix(&s.net),
            };
            peer.push(Cidr {
                addr: got.0,
                prefix,
            });
            host_end.extend(got.1.map(|addr| Cidr { addr, prefix }));
            self.picked.push(got);
        }
        Ok((peer, host_end))
    }

    /// Write the leases of link `index` (called `link`), then bring the NAT rules in line.
    pub fn commit(&mut self, link: &str, index: u32) -> Result<()> {
        for (s, (addr, host)) in self.subnets.iter_mut().zip(&self.picked) {
            s.leases.push(Lease {
                addr: *addr,
                host: *host,
                link: link.to_string(),
                index,
                masquerade: self.masquerade,
                publish: self
                    .publish
                    .iter()
                    .filter(|p| p.fits(*addr))
                    .copied()
                    .collect(),
            });
            self.store.save(s)?;
        }
        self.sync_nat()
    }

    /// After a failed `add`: take the leases of link `index` back (best effort: what is left is
    /// stale, and reclaimed later).
    pub fn undo(&mut self, index: u32) {
        for s in &mut self.subnets {
            s.leases.retain(|l| l.index != index);
            let _ = self.store.save(s);
        }
        let _ = self.sync_nat();
    }

    fn sync_nat(&mut self) -> Result<()> {
        if !self.nat_changed {
            return Ok(());
        }
        if !self.nat_held && self.nat.is_none() {
            self.nat = Some(self.store.lock_nat()?);
        }
        nat::sync(self.store, &self.subnets)
    }
}

/// Whether nothing on this host listens on (or is bound to) the host port `p` publishes.
fn port_free(p: &Publish, subnets: &[Subnet]) -> Result<()> {
    use std::net::{Ipv4Addr, Ipv6Addr, TcpListener, UdpSocket};
    let any = |a: IpAddr| subnets.iter().any(|s| s.net.addr.is_ipv4() == a.is_ipv4());
    let addrs: Vec<IpAddr> = match p.host_addr {
        Some(a) => vec![a],
        None => [
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        ]
        .into_iter()
        .filter(|a| any(*a))
        .collect(),
    };
    for a in addrs {
        let r = match p.proto {
            lease::Proto::Tcp => TcpListener::bind((a, p.host_port)).map(drop),
            lease::Proto::Udp => UdpSocket::bind((a, p.host_port)).map(drop),
        };
        match r.map_err(|e| crate::error::errno_of(&e)) {
            Ok(()) => {}
            Err(Errno::EADDRINUSE) => {
                return Err(Error::new(format!(
                    "port {}/{} is in use on this host",
                    p.host_port,
                    p.proto.name()
                )))
            }
            Err(Errno::EADDRNOTAVAIL) => {
                return Err(Error::new(format!("{a} is not an address of this host")))
            }
            Err(e) => return Err(Error::sys(format!("cannot check port {p}"), e)),
        }
    }
    Ok(())
}

/// A new subnet must not overlap a route of the main table (but those out of the bridge it is
/// for), nor another subnet of the store: its addresses would be unreachable, or someone
/// else's.
fn check_overlap(host: &mut Socket, store: &Store, net: &Cidr, bridge: Option<&str>) -> Result<()> {
    let family = if net.addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    let what = || format!("check subnet {net}");
    let own = match bridge {
        Some(b) => host.link_by_name(b).context(what)?.map(|l| l.index),
        None => None,
    };
    for r in host.routes(family).context(what)? {
        if r.dst.prefix == 0 || !r.dst.overlaps(net) || (own.is_some() && r.oif == own) {
            continue;
        }
        let dev = match r.oif {
            Some(i) => host
                .link_by_index(i)
                .ok()
                .flatten()
                .map(|l| format!(" on {}", l.name)),
            None => None,
        };
        return Err(Error::new(format!(
            "subnet {net} overlaps the route to {}{}",
            r.dst,
            dev.unwrap_or_default()
        )));
    }
    for s in store.subnets()? {
        if s.net != *net && s.net.overlaps(net) {
            return Err(Error::new(format!(
                "subnet {net} overlaps subnet {} of nsveth",
                s.net
            )));
        }
    }
    Ok(())
}

/// `nsveth del NAME` of a veth (see [`crate::veth::del`]): delete the link (if still there),
/// release its leases and reclaim the stale ones of the same subnets, bring the NAT rules in
/// line, and remove its bridge if nsveth made it and no port is left.
pub fn release(host: &mut Socket, store: &Store, name: &str) -> Result<()> {
    let what = || format!("delete {name}");
    loop {
        let link = host.link_by_name(name).context(what)?;
        let index = link.as_ref().map(|l| l.index);
        match link
            .as_ref()
            .map(|l| (l.kind.as_deref(), l.alias.as_deref()))
        {
            None | Some((Some("veth"), _)) => {}
            Some((Some("bridge"), Some(linkmark::BRIDGE))) => return del_bridge(host, store, name),
            Some(_) => {
                return Err(Error::new(format!(
                    "{name} is not a veth link or a bridge made by nsveth"
                )))
            }
        }
        // Its leases: by index while the link is there, else by the name they recorded.
        let mine = |l: &Lease| index.map_or(l.link == name, |i| l.index == i);
        let snapshot = store.subnets()?;
        let leased: Vec<&Subnet> = snapshot
            .iter()
            .filter(|s| s.leases.iter().any(mine))
            .collect();
        if link.is_none() && leased.is_empty() {
            return Err(Error::sys(what(), Errno::ENODEV));
        }
        let master = match link.as_ref().and_then(|l| l.master) {
            Some(m) => host
                .link_by_index(m)
                .context(what)?
                .filter(|b| b.kind.as_deref() == Some("bridge"))
                .map(|b| b.name),
            None => None,
        };
        let bridge = master.or_else(|| {
            leased.iter().find_map(|s| match &s.mode {
                Mode::Bridge(b) => Some(b.clone()),
                Mode::Pair => None,
            })
        });
        let nets: Vec<Cidr> = leased.iter().map(|s| s.net).collect();
        let nat = leased.iter().any(|s| s.leases.iter().any(has_nat));
        let locks = Locks::take(store, bridge.as_deref(), &nets, nat)?;
        // Under the locks, look again: an add of that name may have finished or failed meanwhile.
        if host.link_by_name(name).context(what)?.map(|l| l.index) != index {
            drop(locks);
            continue;
        }
        // What can be read is read before the pair is deleted, so that a failure leaves it; what
        // is written after (the leases, the NAT rules, the bridge) a run of `del` again finishes.
        let links = if nets.is_empty() {
            Vec::new()
        } else {
            host.links().context(|| "list links")?
        };
        if let Some(i) = index {
            match host.del_link(i) {
                Err(e) if e.errno != Errno::ENODEV => return Err(e).context(what),
                _ => {}
            }
        }
        for net in &nets {
            if let Some(mut s) = store.subnet(net)? {
                s.leases.retain(|l| !mine(l));
                reclaim_with(&links, &mut s);
                store.save(&s)?;
            }
        }
        if nat {
            nat::sync(store, &[])?;
        }
        if let Some(b) = bridge {
            bridge::remove_if_unused(host, &b)?;
        }
        drop(locks);
        return Ok(());
    }
}

/// `del` of a bridge nsveth made: refused while it has ports.
fn del_bridge(host: &mut Socket, store: &Store, name: &str) -> Result<()> {
    let _lock = store.lock_bridge(name)?;
    let what = || format!("delete {name}");
    let l = host
        .link_by_name(name)
        .context(what)?
        .ok_or_else(|| Error::sys(what(), Errno::ENODEV))?;
    let ports = host.ports_of(l.index).context(what)?;
    if !ports.is_empty() {
        let names: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
        return Err(Error::new(format!(
            "cannot delete bridge {name}: it still has ports ({})",
            names.join(", ")
        )));
    }
    host.del_link(l.index).context(what)
}

/// `nsveth gc`: delete the pairs killed `add`s left unfinished, reclaim the leases of links that
/// are gone, bring the NAT rules and forwarding in line, remove the bridges nsveth made that
/// have no port left, and the temporary and lock files of killed runs. What is left is what is
/// in use.
pub fn gc(host: &mut Socket, store: &Store) -> Result<()> {
    let listed = || "list links";
    for l in host.links().context(listed)? {
        if l.kind.as_deref() == Some("veth") && linkmark::is_leftover(l.alias.as_deref()) {
            match host.del_link(l.index) {
                Err(e) if e.errno != Errno::ENODEV => {
                    return Err(e).context(|| format!("delete {}", l.name))
                }
                _ => {}
            }
        }
    }
    for s in store.subnets()? {
        let _lock = store.lock_subnet(&s.net)?;
        if let Some(mut s) = store.subnet(&s.net)? {
            let links = host.links().context(listed)?;
            reclaim_with(&links, &mut s);
            store.save(&s)?;
        }
    }
    {
        let _lock = store.lock_nat()?;
        nat::sync(store, &[])?;
    }
    for l in host.links().context(listed)? {
        if l.kind.as_deref() == Some("bridge") && l.alias.as_deref() == Some(linkmark::BRIDGE) {
            let _lock = store.lock_bridge(&l.name)?;
            bridge::remove_if_unused(host, &l.name)?;
        }
    }
    store.clear_temporary()?;
    // A lock file whose holder was killed: taken and let go, it is removed.
    for name in store.lock_names() {
        drop(store.lock(&name)?);
    }
    Ok(())
}
