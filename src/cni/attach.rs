//! The links of a CNI attachment: `ADD` makes the pair as `nsveth add` does (peer created in
//! the container's namespace under its final name, host end down under a temporary name and
//! marked unfinished until the last request; [`crate::veth::make_pair`]), addresses and routes
//! it as the reference `ptp` or `bridge` plugin would, records the addresses that `ipMasq`
//! covers as leases in the store so that our NAT ([`crate::nat`]) masquerades them, and undoes
//! all of it, the IPAM plugin's addresses included, if any step fails. `DEL` removes the pair by
//! its host end (named from the container id and interface name, so found without the
//! container's namespace) and releases what it held, as `nsveth del` does.

use std::net::IpAddr;
use std::os::fd::AsFd;

use nix::errno::Errno;
use serde_json::Value;

use super::config::{BridgeConf, Mode, NetConf};
use super::result::{self, Interface, Ip, IpamResult, RouteConf};
use super::{code, ipam, CniError, CniResult, Env};
use crate::addr::{Cidr, Route};
use crate::bridge::Bridge;
use crate::critical::Section;
use crate::error::{Context, Error, Result};
use crate::lease::{self, Lease, Store, Subnet};
use crate::leasing::{self, Locks};
use crate::linkmark;
use crate::nat;
use crate::netlink::{Msg, RouteExtra, Socket, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE};
use crate::veth::{self, NetTarget, Plan, TargetSpec, Unfinished};

/// The host end's name: `cni` and 8 hex digits of a hash of the container id and interface
/// name, so that `DEL` finds it from its variables alone (the container's namespace may be gone).
pub fn host_name(container_id: &str, ifname: &str) -> String {
    let h = linkmark::fnv1a(container_id.bytes().chain([0]).chain(ifname.bytes()));
    format!("cni{:08x}", (h ^ (h >> 32)) as u32)
}

/// The device group of the host ends of network `name` (a hash of the name, never 0, the
/// default group): how `GC` tells this network's pairs from those of other networks.
pub fn group_of(name: &str) -> u32 {
    (linkmark::fnv1a(name.bytes()) as u32).max(1)
}

fn var(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// `ADD`: addresses from IPAM, then the links; IPAM's addresses are given back if that fails.
pub fn add(env: &Env, conf: &NetConf, stdin: &[u8]) -> CniResult<Value> {
    let netns = var(&env.netns);
    let target = NetTarget::open(&TargetSpec::Path(netns.to_string())).map_err(|e| {
        CniError::new(
            code::INTERNAL,
            format!("cannot open CNI_NETNS: {}", e.message()),
        )
    })?;
    let got = ipam::add(env, &conf.ipam, stdin)?;
    let r = check_ipam(conf, &got).and_then(|ips| connect(env, conf, &target, ips, &got));
    if r.is_err() {
        if let Err(e) = ipam::del(env, &conf.ipam, stdin) {
            eprintln!(
                "nsveth: CNI ADD: giving the addresses back failed: {}",
                e.msg
            );
        }
    }
    r
}

/// The addresses IPAM gave, with the gateways the mode needs (the reference `bridge` makes one
/// of the first address of the network when it is the gateway and IPAM named none).
fn check_ipam(conf: &NetConf, got: &IpamResult) -> CniResult<Vec<Ip>> {
    if got.ips.is_empty() {
        return Err(CniError::new(
            code::INTERNAL,
            "IPAM plugin returned missing IP config",
        ));
    }
    let mut ips = got.ips.clone();
    for ip in &mut ips {
        match &conf.mode {
            Mode::Ptp if ip.gateway.is_none() => {
                return Err(CniError::new(
                    code::INVALID_CONFIG,
                    format!(
                        "ptp mode needs a gateway for {} (the IPAM configuration names none)",
                        ip.addr
                    ),
                ))
            }
            Mode::Bridge(b) if b.is_gateway && ip.gateway.is_none() => {
                ip.gateway = ip.addr.network().nth(1);
            }
            _ => {}
        }
    }
    Ok(ips)
}

fn connect(
    env: &Env,
    conf: &NetConf,
    target: &NetTarget,
    mut ips: Vec<Ip>,
    got: &IpamResult,
) -> CniResult<Value> {
    let ifname = var(&env.ifname);
    let hname = host_name(var(&env.container_id), ifname);
    let section = Section::enter()?;
    let mut host = Socket::open()?;
    let mut inside = Socket::open_in(target.netns.as_fd())?;
    let mut routes = got.routes.clone();
    if let Mode::Bridge(b) = &conf.mode {
        if b.is_default_gateway {
            default_routes(&ips, &mut routes);
        }
    }
    let bridge_conf = match &conf.mode {
        Mode::Bridge(b) => Some(b),
        Mode::Ptp => None,
    };
    let masq_nets: Vec<Cidr> = if conf.ip_masq {
        ips.iter().map(|i| i.addr.network()).collect()
    } else {
        Vec::new()
    };
    let store = Store::open();
    let r = Locks::take(
        &store,
        bridge_conf.map(|b| b.name.as_str()),
        &masq_nets,
        conf.ip_masq,
    )
    .and_then(|locks| {
        let r = build(
            &mut host,
            &mut inside,
            target,
            conf,
            &hname,
            ifname,
            &ips,
            &routes,
            &store,
            &section,
        );
        drop(locks);
        r
    });
    store.tidy();
    drop(section);
    let (host_mac, peer_mac, bridge_mac) = r?;
    let mut interfaces = Vec::new();
    if let Some(b) = bridge_conf {
        interfaces.push(Interface {
            name: b.name.clone(),
            mac: bridge_mac,
            sandbox: None,
        });
    }
    interfaces.push(Interface {
        name: hname,
        mac: host_mac,
        sandbox: None,
    });
    interfaces.push(Interface {
        name: ifname.to_string(),
        mac: peer_mac,
        sandbox: Some(var(&env.netns).to_string()),
    });
    let at = interfaces.len() - 1;
    for ip in &mut ips {
        ip.interface = Some(at);
    }
    let dns = conf.dns.as_ref().or(got.dns.as_ref());
    Ok(result::to_json(
        &conf.version,
        &interfaces,
        &ips,
        &routes,
        dns,
    ))
}

/// `isDefaultGateway`: a default route via the gateway of each address family, unless IPAM
/// gave one (a default route of IPAM's without a gateway gets this one).
fn default_routes(ips: &[Ip], routes: &mut Vec<RouteConf>) {
    for v4 in [true, false] {
        let Some(gw) = ips
            .iter()
            .filter(|i| i.addr.addr.is_ipv4() == v4)
            .find_map(|i| i.gateway)
        else {
            continue;
        };
        let dst = Cidr::default_of(gw);
        match routes.iter_mut().find(|r| r.dst == dst) {
            Some(r) if r.gw.is_none() => r.gw = Some(gw),
            Some(_) => {}
            None => routes.push(RouteConf {
                dst,
                gw: Some(gw),
                extra: RouteExtra::default(),
            }),
        }
    }
}

/// The MAC addresses of the host end, the interface inside and the bridge.
type Built = (Option<[u8; 6]>, Option<[u8; 6]>, Option<[u8; 6]>);

#[allow(clippy::too_many_arguments)]
fn build(
    host: &mut Socket,
    inside: &mut Socket,
    target: &NetTarget,
    conf: &NetConf,
    hname: &str,
    ifname: &str,
    ips: &[Ip],
    routes: &[RouteConf],
    store: &Store,
    section: &Section,
) -> Result<Built> {
    let created = || format!("create veth pair {hname}/{ifname}");
    if host.link_by_name(hname).context(created)?.is_some() {
        return Err(Error::sys(created(), Errno::EEXIST));
    }
    let (bridge, gateways_added) = match &conf.mode {
        Mode::Bridge(b) => {
            let br = Bridge::find_or_make(host, &b.name, conf.mtu, &[])?;
            match gateway_addrs(host, &br, b, ips) {
                Ok(added) => (Some(br), added),
                Err(e) => {
                    br.undo(host);
                    return Err(e);
                }
            }
        }
        Mode::Ptp => (None, Vec::new()),
    };
    let plan = Plan {
        host: hname.to_string(),
        peer: ifname.to_string(),
        mtu: conf.mtu,
        ..Plan::default()
    };
    let undo_bridge = |host: &mut Socket, bridge: Option<Bridge>, added: &[Cidr]| {
        if let Some(b) = bridge {
            for a in added {
                let _ = host.request(&mut Msg::del_addr(b.index, a));
            }
            b.undo(host);
        }
    };
    let pair = match veth::make_pair(host, inside, target, &plan, bridge.as_ref()) {
        Ok(p) => p,
        Err(e) => {
            undo_bridge(host, bridge, &gateways_added);
            return Err(e);
        }
    };
    let mut leases: Vec<Subnet> = Vec::new();
    let r = configure(host, inside, target, conf, &pair, ips, routes)
        .and_then(|()| {
            if conf.ip_masq {
                record(store, conf, hname, pair.host, ips, &mut leases)
            } else {
                Ok(())
            }
        })
        .and_then(|()| match section.interrupted()? {
            Some(sig) => Err(Error::new(format!(
                "interrupted by {}",
                crate::critical::signal_name(sig)
            ))),
            None => Ok(()),
        })
        .and_then(|()| {
            let mut last = Msg::rename_up(pair.host, hname, Some(linkmark::VETH));
            last.set_group(group_of(&conf.name));
            host.request(&mut last).context(created)
        })
        .and_then(|()| host_routes(host, conf, &pair, hname, ips))
        .map(|()| {
            let host_mac = host
                .link_by_index(pair.host)
                .ok()
                .flatten()
                .and_then(|l| l.mac);
            let peer_mac = inside
                .link_by_index(pair.peer)
                .ok()
                .flatten()
                .and_then(|l| l.mac);
            let bridge_mac = match &bridge {
                Some(b) => host
                    .link_by_index(b.index)
                    .ok()
                    .flatten()
                    .and_then(|l| l.mac),
                None => None,
            };
            (host_mac, peer_mac, bridge_mac)
        });
    match r {
        Ok(macs) => Ok(macs),
        Err(e) => {
            let _ = host.del_link(pair.host);
            if !leases.is_empty() {
                for s in &mut leases {
                    s.leases.retain(|l| l.index != pair.host);
                    let _ = store.save(s);
                }
                let _ = nat::sync(store, &leases);
            }
            undo_bridge(host, bridge, &gateways_added);
            Err(e)
        }
    }
}

/// `isGateway`: the gateway of each address, with the address's prefix, on the bridge (added
/// if it is not there). The addresses added.
fn gateway_addrs(host: &mut Socket, br: &Bridge, b: &BridgeConf, ips: &[Ip]) -> Result<Vec<Cidr>> {
    let mut added = Vec::new();
    if !b.is_gateway {
        return Ok(added);
    }
    let has = host
        .addrs_of(br.index)
        .context(|| format!("find the addresses of {}", b.name))?;
    for ip in ips {
        let Some(gw) = ip.gateway else { continue };
        let c = Cidr {
            addr: gw,
            prefix: ip.addr.prefix,
        };
        if has.iter().chain(&added).any(|a| a.addr == gw) {
            continue;
        }
        if let Err(e) = host.request(&mut Msg::add_addr_brd(br.index, &c)) {
            for a in &added {
                let _ = host.request(&mut Msg::del_addr(br.index, a));
            }
            return Err(e).context(|| format!("add address {c} to {}", b.name));
        }
        added.push(c);
    }
    Ok(added)
}

fn host_prefix(a: IpAddr) -> u8 {
    if a.is_ipv4() {
        32
    } else {
        128
    }
}

/// Address both ends and route inside (the host end still down, under its temporary name).
fn configure(
    host: &mut Socket,
    inside: &mut Socket,
    target: &NetTarget,
    conf: &NetConf,
    pair: &Unfinished,
    ips: &[Ip],
    routes: &[RouteConf],
) -> Result<()> {
    let ptp = conf.mode == Mode::Ptp;
    let peer = pair.peer;
    let mut here: Vec<(Msg, String)> = Vec::new();
    let mut there: Vec<(Msg, String)> = vec![(Msg::set_link(peer, true, None), "bring up".into())];
    let mut gws: Vec<IpAddr> = Vec::new();
    for ip in ips {
        there.push((
            Msg::add_addr_brd(peer, &ip.addr),
            format!("add address {}", ip.addr),
        ));
    }
    // IPAM's routes while each address's network is still on the link (their next hops may
    // be reachable only through it, as in the reference ptp, which adds them at this point).
    for r in routes {
        let v4 = r.dst.addr.is_ipv4();
        let via = r.gw.or_else(|| {
            ips.iter()
                .filter(|i| i.addr.addr.is_ipv4() == v4)
                .find_map(|i| i.gateway)
        });
        let route = Route { dst: r.dst, via };
        let mut x = r.extra.clone();
        x.scope = x.scope.or(Some(RT_SCOPE_UNIVERSE));
        there.push((
            Msg::add_route_with(&route, peer, &x),
            format!("add route {route}"),
        ));
    }
    if ptp {
        // Then the network's route goes: everything leaves via the gateway, whose address is
        // the host end's.
        let mut nets: Vec<Cidr> = Vec::new();
        for ip in ips {
            let net = ip.addr.network();
            if !nets.contains(&net) {
                nets.push(net);
                there.push((Msg::del_route(&net, peer), format!("delete route {net}")));
            }
        }
        for ip in ips {
            let Some(gw) = ip.gateway else { continue };
            let bits = host_prefix(gw);
            if !gws.contains(&gw) {
                gws.push(gw);
                let c = Cidr {
                    addr: gw,
                    prefix: bits,
                };
                here.push((
                    Msg::add_addr_brd(pair.host, &c),
                    format!("add address {c} to the host end"),
                ));
            }
            // The gateway on the link, then the address's network via the gateway, both from the
            // container's address (the reference ptp's routes).
            let to_gw = Route {
                dst: Cidr {
                    addr: gw,
                    prefix: bits,
                },
                via: None,
            };
            let x = RouteExtra {
                scope: Some(RT_SCOPE_LINK),
                src: Some(ip.addr.addr),
                ..RouteExtra::default()
            };
            there.push((
                Msg::add_route_with(&to_gw, peer, &x),
                format!("add route {to_gw}"),
            ));
            let net = Route {
                dst: ip.addr.network(),
                via: Some(gw),
            };
            let x = RouteExtra {
                scope: Some(RT_SCOPE_UNIVERSE),
                src: Some(ip.addr.addr),
                ..RouteExtra::default()
            };
            there.push((
                Msg::add_route_with(&net, peer, &x),
                format!("add route {net}"),
            ));
        }
    }
    let (mut h, hw): (Vec<Msg>, Vec<String>) = here.into_iter().unzip();
    let (mut t, tw): (Vec<Msg>, Vec<String>) = there.into_iter().unzip();
    let sent_here = host.send_all(&mut h).map_err(|e| (0, e));
    let sent_there = inside.send_all(&mut t).map_err(|e| (0, e));
    let here_done = sent_here.and_then(|b| host.wait_all(b));
    let there_done = sent_there.and_then(|b| inside.wait_all(b));
    if let Err((at, e)) = here_done {
        return Err(e).context(|| hw.get(at).cloned().unwrap_or_default());
    }
    if let Err((at, e)) = there_done {
        let ns = &target.shown;
        let ifname = netlink_name(inside, peer);
        return Err(e).context(|| {
            format!(
                "{} of {ifname} in {ns}",
                tw.get(at).cloned().unwrap_or_default()
            )
        });
    }
    if let Mode::Bridge(b) = &conf.mode {
        if b.hairpin {
            host.request(&mut Msg::set_hairpin(pair.host))
                .context(|| "turn on hairpin mode of the host end")?;
        }
    }
    Ok(())
}

fn netlink_name(s: &mut Socket, index: u32) -> String {
    s.link_by_index(index)
        .ok()
        .flatten()
        .map_or_else(|| format!("link {index}"), |l| l.name)
}

/// The ptp mode's host routes to the container's addresses (once the host end is up).
fn host_routes(
    host: &mut Socket,
    conf: &NetConf,
    pair: &Unfinished,
    hname: &str,
    ips: &[Ip],
) -> Result<()> {
    if conf.mode != Mode::Ptp {
        return Ok(());
    }
    for ip in ips {
        let r = Route {
            dst: Cidr {
                addr: ip.addr.addr,
                prefix: host_prefix(ip.addr.addr),
            },
            via: None,
        };
        let x = RouteExtra {
            scope: Some(RT_SCOPE_HOST),
            ..RouteExtra::default()
        };
        match host.request(&mut Msg::add_route_with(&r, pair.host, &x)) {
            Err(e) if e.errno != Errno::EEXIST => {
                return Err(e).context(|| format!("add route {r} to {hname}"))
            }
            _ => {}
        }
    }
    Ok(())
}

/// `ipMasq`: the addresses as leases of the host end in the store (their networks' locks and
/// NAT's are held), then the NAT rules brought in line.
fn record(
    store: &Store,
    conf: &NetConf,
    hname: &str,
    index: u32,
    ips: &[Ip],
    out: &mut Vec<Subnet>,
) -> Result<()> {
    for ip in ips {
        let net = ip.addr.network();
        let mode = match &conf.mode {
            Mode::Bridge(b) => lease::Mode::Bridge(b.name.clone()),
            Mode::Ptp => lease::Mode::Pair,
        };
        let at = match out.iter().position(|s| s.net == net) {
            Some(at) => at,
            None => {
                out.push(
                    store
                        .subnet(&net)?
                        .unwrap_or_else(|| Subnet::new(net, mode)),
                );
                out.len() - 1
            }
        };
        out[at].leases.push(Lease {
            addr: ip.addr.addr,
            host: None,
            link: hname.to_string(),
            index,
            masquerade: true,
            publish: Vec::new(),
        });
        store.save(&out[at])?;
    }
    nat::sync(store, out)
}

/// `DEL`: IPAM's addresses back, then the pair (by its host end, the container's namespace may
/// be gone) and what it held; the interface inside too if the host end was not found. Done
/// twice, or for what was never added, it succeeds.
pub fn del(env: &Env, conf: &NetConf, stdin: &[u8]) -> CniResult<()> {
    ipam::del(env, &conf.ipam, stdin)?;
    let ifname = var(&env.ifname);
    let hname = host_name(var(&env.container_id), ifname);
    let section = Section::enter()?;
    let mut host = Socket::open()?;
    let store = Store::open();
    let r = match leasing::release(&mut host, &store, &hname) {
        Err(e) if e.errno() == Some(Errno::ENODEV) => Ok(()),
        r => r,
    };
    store.tidy();
    let r = r.and_then(|()| del_inside(env.netns.as_deref(), ifname));
    drop(section);
    Ok(r?)
}

/// The interface inside, if still there and a veth (a namespace that is gone has none).
fn del_inside(netns: Option<&str>, ifname: &str) -> Result<()> {
    let Some(path) = netns.filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let Ok(target) = NetTarget::open(&TargetSpec::Path(path.to_string())) else {
        return Ok(());
    };
    let mut inside = Socket::open_in(target.netns.as_fd())?;
    let what = || format!("delete {ifname} in netns {path}");
    if let Some(l) = inside.link_by_name(ifname).context(what)? {
        if l.kind.as_deref() == Some("veth") {
            match inside.del_link(l.index) {
                Err(e) if e.errno != Errno::ENODEV => return Err(e).context(what),
                _ => {}
            }
        }
    }
    Ok(())
}

fn mismatch(msg: String) -> CniError {
    CniError::new(code::INTERNAL, msg)
}

/// `CHECK`: IPAM's check, then the container's interface, its addresses and the routes of
/// `prevResult` inside, and the host end (a veth whose peer it is, on the bridge in bridge
/// mode).
pub fn check(env: &Env, conf: &NetConf, stdin: &[u8]) -> CniResult<()> {
    let prev = conf
        .prev_result
        .as_ref()
        .ok_or_else(|| CniError::new(code::INVALID_CONFIG, "CHECK needs prevResult"))?;
    ipam::check(env, &conf.ipam, stdin)?;
    let parsed = result::parse_ipam(prev)?;
    let ifname = var(&env.ifname);
    let netns = var(&env.netns);
    let target = NetTarget::open(&TargetSpec::Path(netns.to_string())).map_err(|e| {
        CniError::new(
            code::INTERNAL,
            format!("cannot open CNI_NETNS: {}", e.message()),
        )
    })?;
    let mut inside = Socket::open_in(target.netns.as_fd())?;
    let l = inside
        .link_by_name(ifname)
        .context(|| format!("find {ifname}"))?
        .filter(|l| l.kind.as_deref() == Some("veth"))
        .ok_or_else(|| mismatch(format!("no veth {ifname} in netns {netns}")))?;
    // The result's index of the container's interface.
    let ifs = prev["interfaces"].as_array().cloned().unwrap_or_default();
    let mine = ifs
        .iter()
        .position(|i| i["name"] == ifname && i["sandbox"].is_string());
    let addrs = inside
        .addrs_of(l.index)
        .context(|| format!("list the addresses of {ifname}"))?;
    for ip in parsed
        .ips
        .iter()
        .filter(|i| i.interface.is_none() || i.interface == mine)
    {
        if !addrs.contains(&ip.addr) {
            return Err(mismatch(format!("{ifname} has no address {}", ip.addr)));
        }
    }
    for r in &parsed.routes {
        let family = if r.dst.addr.is_ipv4() {
            libc::AF_INET
        } else {
            libc::AF_INET6
        };
        let table = r.extra.table.unwrap_or(254);
        let found = inside
            .routes_of_all_tables(family)
            .context(|| "list routes")?
            .iter()
            .any(|e| e.dst == r.dst && e.table == table && (r.gw.is_none() || e.gw == r.gw));
        if !found {
            let via = r.gw.map(|g| format!(" via {g}")).unwrap_or_default();
            return Err(mismatch(format!(
                "no route to {}{via} in netns {netns}",
                r.dst
            )));
        }
    }
    let mut host = Socket::open()?;
    let hname = host_name(var(&env.container_id), ifname);
    let h = host
        .link_by_name(&hname)
        .context(|| format!("find {hname}"))?
        .filter(|h| h.kind.as_deref() == Some("veth") && h.link == Some(l.index))
        .ok_or_else(|| mismatch(format!("no host end {hname} of {ifname}")))?;
    if let Mode::Bridge(b) = &conf.mode {
        let br = host
            .link_by_name(&b.name)
            .context(|| format!("find {}", b.name))?;
        if br.is_none() || h.master != br.map(|b| b.index) {
            return Err(mismatch(format!(
                "{hname} is not a port of bridge {}",
                b.name
            )));
        }
    }
    Ok(())
}

/// `STATUS`: ready when the IPAM plugin is there to be run.
pub fn status(env: &Env, conf: &NetConf) -> CniResult<()> {
    ipam::find(env, &conf.ipam)
        .map(drop)
        .map_err(|e| CniError::new(code::NOT_AVAILABLE, e.msg))
}

/// `GC`: the pairs nsveth made for this network (host ends in its device group, see
/// [`group_of`]) whose attachment is not in `cni.dev/valid-attachments` are deleted with what
/// they hold; then what killed runs left, as `nsveth gc`.
pub fn gc(conf: &NetConf, raw: &Value) -> CniResult<()> {
    let valid: Vec<String> = raw["cni.dev/valid-attachments"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter_map(|a| Some(host_name(a["containerID"].as_str()?, a["ifname"].as_str()?)))
        .collect();
    let group = group_of(&conf.name);
    let section = Section::enter()?;
    let mut host = Socket::open()?;
    let store = Store::open();
    let r = (|| -> Result<()> {
        for l in host.links().context(|| "list links")? {
            let ours = l.kind.as_deref() == Some("veth")
                && l.alias.as_deref() == Some(linkmark::VETH)
                && l.group == group
                && l.name.len() == 11
                && l.name.starts_with("cni");
            if ours && !valid.contains(&l.name) {
                match leasing::release(&mut host, &store, &l.name) {
                    Err(e) if e.errno() != Some(Errno::ENODEV) => return Err(e),
                    _ => {}
                }
            }
        }
        leasing::gc(&mut host, &store)
    })();
    store.tidy();
    drop(section);
    Ok(r?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr;

    #[test]
    fn host_names_fit_and_differ() {
        let a = host_name("c1", "eth0");
        assert_eq!(a.len(), 11);
        assert!(addr::valid_ifname(&a));
        assert_ne!(a, host_name("c1", "eth1"));
        assert_ne!(a, host_name("c2", "eth0"));
        assert_eq!(a, host_name("c1", "eth0"));
    }
}
