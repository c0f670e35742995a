//! Outbound NAT and published ports for the subnets nsveth leases from: the rules of tables of
//! our own (`ip nstools`, `ip6 nstools`), always derived whole from the lease store, and the
//! forwarding sysctls they need. Other tables (firewalld's, Docker's, iptables-nft's) are never
//! read or touched; ours are NAT chains at the usual priorities, so theirs still see the
//! packets.
//!
//! For each family, [`sync`] computes the rules the leases ask for:
//! - a subnet with a lease asking for `--masquerade`: traffic from it to anywhere else leaves
//!   with the address of the interface it leaves by (`postrouting`);
//! - each published port: a `dnat` to the container for traffic arriving for the host
//!   (`prerouting`) and for connections the host itself makes (`output`, except to loopback
//!   addresses, which cannot be routed to a container), and, for the subnet, a masquerade of
//!   connections from the subnet that were redirected back into it (a container reaching a
//!   published port of its neighbour, or its own with `--hairpin`), so the answers come back
//!   the way they went.
//!
//! It replaces the table only when that set differs from the one it last installed (recorded,
//! with the table's handle, in the store's `nat-ip` / `nat-ip6`); no rules means no table.
//! The caller holds the store's NAT lock.
//!
//! Forwarding (`net.ipv4.ip_forward`, `net.ipv6.conf.all.forwarding`) is turned on while a
//! family has rules; if it was off, a mark in the store (`forward-ip`, written before the
//! sysctl) says so, and it is turned off again with the last rule.

use std::net::IpAddr;

use crate::addr::Cidr;
use crate::error::{errno_of, Error, Result};
use crate::lease::{self, Store, Subnet};
use crate::netlink::Socket;
use crate::nftables::{self, Chain, Expr, Family, Rule, Table};

/// The name of our tables.
pub const TABLE: &str = "nstools";

/// The rules the leases ask for in `family`, in a stable order.
pub fn wanted(subnets: &[&Subnet], family: Family) -> Vec<Rule> {
    let mut rules = Vec::new();
    for s in subnets.iter().filter(|s| Family::of(s.net.addr) == family) {
        let net = &s.net;
        let from_net = nftables::match_net(family, false, net, true);
        if s.masquerade() {
            let mut e = from_net.clone();
            e.extend(nftables::match_net(family, true, net, false));
            e.push(Expr::Masquerade);
            rules.push(rule(Chain::Postrouting, e, format!("masquerade {net}")));
        }
        let mut publishes = false;
        for l in &s.leases {
            for p in l.publish.iter().filter(|p| p.fits(l.addr)) {
                publishes = true;
                let what = format!("publish {} {p}", l.link);
                let dport = nftables::match_dport(p.proto.number(), p.host_port);
                let dnat = nftables::dnat_to(l.addr, p.port);
                let to_host = match p.host_addr {
                    Some(a) => nftables::match_net(family, true, &host_route(a), true),
                    None => nftables::match_local_daddr(),
                };
                let mut pre = to_host.clone();
                pre.extend(dport.iter().cloned());
                pre.extend(dnat.iter().cloned());
                rules.push(rule(Chain::Prerouting, pre, what.clone()));
                let mut out = to_host;
                if p.host_addr.is_none() {
                    out.extend(nftables::match_net(family, true, &loopback(family), false));
                }
                out.extend(dport);
                out.extend(dnat);
                rules.push(rule(Chain::Output, out, what));
            }
        }
        if publishes {
            let mut e = nftables::match_dnatted();
            e.extend(from_net);
            e.extend(nftables::match_net(family, true, net, true));
            e.push(Expr::Masquerade);
            rules.push(rule(Chain::Postrouting, e, format!("hairpin {net}")));
        }
    }
    // prerouting, output, postrouting: each chain's rules in the order made.
    let mut ordered = Vec::with_capacity(rules.len());
    for chain in [Chain::Prerouting, Chain::Output, Chain::Postrouting] {
        ordered.extend(rules.iter().filter(|r| r.chain == chain).cloned());
    }
    ordered
}

fn rule(chain: Chain, exprs: Vec<Expr>, comment: String) -> Rule {
    Rule {
        chain,
        exprs,
        comment: format!("nstools {comment}"),
    }
}

fn host_route(a: IpAddr) -> Cidr {
    Cidr {
        addr: a,
        prefix: if a.is_ipv4() { 32 } else { 128 },
    }
}

fn loopback(family: Family) -> Cidr {
    match family {
        Family::Ip => Cidr::parse("127.0.0.0/8"),
        Family::Ip6 => Cidr::parse("::1/128"),
    }
    .expect("a valid network")
}

/// One line per rule, as installed: what the state file records.
fn describe(rules: &[Rule], family: Family) -> String {
    rules
        .iter()
        .map(|r| {
            format!(
                "{} {} # {}\n",
                r.chain.name(),
                nftables::render(family, &r.exprs),
                r.comment
            )
        })
        .collect()
}

/// The state file of a family.
fn state_name(family: Family) -> String {
    format!("nat-{}", family.name())
}

/// Bring our tables and the forwarding sysctls in line with the leases in the store (the
/// caller holds [`Store::lock_nat`]); `known` are subnets the caller has read (or just written)
/// under their locks, which are not read again.
pub fn sync(store: &Store, known: &[Subnet]) -> Result<()> {
    let skip: Vec<Cidr> = known.iter().map(|s| s.net).collect();
    // In the order of their file names, whoever read them (the rules' order follows).
    let others = store.subnets_except(&skip)?;
    let mut subnets: Vec<&Subnet> = others.iter().collect();
    for k in known.iter().filter(|s| !s.leases.is_empty()) {
        let name = lease::subnet_file(&k.net);
        let at = subnets
            .iter()
            .position(|s| lease::subnet_file(&s.net) > name)
            .unwrap_or(subnets.len());
        subnets.insert(at, k);
    }
    let mut sock: Option<Socket> = None;
    for family in [Family::Ip, Family::Ip6] {
        let rules = wanted(&subnets, family);
        let text = describe(&rules, family);
        let name = state_name(family);
        let table = Table {
            family,
            name: TABLE,
        };
        let state = store.read(&name)?;
        let up_to_date = match &state {
            // Nothing installed, nothing wanted.
            None => rules.is_empty(),
            Some(s) => {
                let (handle, installed) = s.split_once('\n').unwrap_or((s, ""));
                let handle = handle.strip_prefix("handle ").and_then(|h| h.parse().ok());
                if installed != text || handle.is_none() {
                    false
                } else {
                    let sock = open(&mut sock)?;
                    table.handle(sock).ok().flatten() == handle
                }
            }
        };
        if !up_to_date {
            // Recorded first as pending: a run killed meanwhile leaves a state the next one
            // finds out of date, whatever the kernel got.
            store.write(&name, &format!("pending\n{text}"))?;
            let sock = open(&mut sock)?;
            table.replace(sock, &rules)?;
            if rules.is_empty() {
                store.remove(&name)?;
            } else {
                let handle = table
                    .handle(sock)
                    .map_err(|e| {
                        Error::sys(
                            format!("cannot read table {} {TABLE}", family.name()),
                            e.errno,
                        )
                    })?
                    .unwrap_or(0);
                store.write(&name, &format!("handle {handle}\n{text}"))?;
            }
        }
        forwarding(store, family, !rules.is_empty())?;
    }
    Ok(())
}

fn open(sock: &mut Option<Socket>) -> Result<&mut Socket> {
    if sock.is_none() {
        *sock = Some(nftables::socket()?);
    }
    Ok(sock.as_mut().expect("just opened"))
}

/// The forwarding sysctl of a family.
fn sysctl(family: Family) -> &'static str {
    match family {
        Family::Ip => "/proc/sys/net/ipv4/ip_forward",
        Family::Ip6 => "/proc/sys/net/ipv6/conf/all/forwarding",
    }
}

/// Turn forwarding of `family` on while it is needed, and back off after if we turned it on.
fn forwarding(store: &Store, family: Family, needed: bool) -> Result<()> {
    let path = sysctl(family);
    let mark = format!("forward-{}", family.name());
    let ours = store.read(&mark)?.is_some();
    let read = || {
        std::fs::read_to_string(path)
            .map(|s| s.trim() != "0")
            .map_err(|e| Error::sys(format!("cannot read {path}"), errno_of(&e)))
    };
    let write = |on: bool| {
        std::fs::write(path, if on { "1\n" } else { "0\n" })
            .map_err(|e| Error::sys(format!("cannot write {path}"), errno_of(&e)))
    };
    if needed {
        if !read()? {
            if !ours {
                store.write(&mark, "was 0\n")?;
            }
            write(true)?;
        }
    } else if ours {
        write(false)?;
        store.remove(&mark)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lease::{Lease, Mode, Publish};

    fn subnet(net: &str, leases: &[(&str, bool, &[&str])]) -> Subnet {
        let mut s = Subnet::new(Cidr::parse(net).unwrap(), Mode::Bridge("nst0".into()));
        for (i, (addr, masq, publish)) in leases.iter().enumerate() {
            s.leases.push(Lease {
                addr: addr.parse().unwrap(),
                host: None,
                link: format!("veth{i}"),
                index: i as u32 + 10,
                masquerade: *masq,
                publish: publish.iter().map(|p| Publish::parse(p).unwrap()).collect(),
            });
        }
        s
    }

    fn lines(subnets: &[Subnet], family: Family) -> Vec<String> {
        let subnets: Vec<&Subnet> = subnets.iter().collect();
        describe(&wanted(&subnets, family), family)
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn rules_follow_the_leases() {
        let v4 = subnet(
            "10.88.0.0/16",
            &[
                ("10.88.0.2", true, &["8080:80", "192.0.2.1:9090:90/udp"]),
                ("10.88.0.3", true, &["[fd00::1]:8443:443"]),
            ],
        );
        let v6 = subnet("fd00:88::/64", &[("fd00:88::2", false, &["53:53/udp"])]);
        let all = [v4.clone(), v6];
        assert_eq!(
            lines(&all, Family::Ip),
            [
                "prerouting fib daddr type local tcp dport 8080 dnat to 10.88.0.2:80 # nstools publish veth0 8080:80/tcp",
                "prerouting ip daddr 192.0.2.1 udp dport 9090 dnat to 10.88.0.2:90 # nstools publish veth0 192.0.2.1:9090:90/udp",
                "output fib daddr type local ip daddr != 127.0.0.0/8 tcp dport 8080 dnat to 10.88.0.2:80 # nstools publish veth0 8080:80/tcp",
                "output ip daddr 192.0.2.1 udp dport 9090 dnat to 10.88.0.2:90 # nstools publish veth0 192.0.2.1:9090:90/udp",
                "postrouting ip saddr 10.88.0.0/16 ip daddr != 10.88.0.0/16 masquerade # nstools masquerade 10.88.0.0/16",
                "postrouting ct status dnat ip saddr 10.88.0.0/16 ip daddr 10.88.0.0/16 masquerade # nstools hairpin 10.88.0.0/16",
            ]
        );
        assert_eq!(
            lines(&all, Family::Ip6),
            [
                "prerouting fib daddr type local udp dport 53 dnat to [fd00:88::2]:53 # nstools publish veth0 53:53/udp",
                "output fib daddr type local ip6 daddr != ::1 udp dport 53 dnat to [fd00:88::2]:53 # nstools publish veth0 53:53/udp",
                "postrouting ct status dnat ip6 saddr fd00:88::/64 ip6 daddr fd00:88::/64 masquerade # nstools hairpin fd00:88::/64",
            ]
        );
        // The masquerade stays while one lease asks for it, and goes with the last.
        let mut s = v4;
        s.leases[0].masquerade = false;
        s.leases[0].publish.clear();
        assert_eq!(lines(std::slice::from_ref(&s), Family::Ip).len(), 1);
        s.leases[1].masquerade = false;
        assert!(wanted(&[&s], Family::Ip).is_empty());
    }
}
