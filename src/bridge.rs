//! The bridge that host ends go into with `--bridge`: found, or made (marked `nstools:bridge`,
//! with the gateway address of each subnet, up), and removed once its last port is gone if
//! nsveth made it. A bridge that existed before is used as it is and never removed.
//!
//! Callers hold the bridge's lock in the lease store ([`crate::lease::Store::lock_bridge`])
//! while they make it, give it a port, or remove it: so a bridge is never removed between
//! another `add`'s look-up and its port (the check-then-delete race of two runs). Someone
//! else (`ip link del`) may still remove it; [`crate::veth::add`] then makes it again, once.

use nix::errno::Errno;

use crate::addr::Cidr;
use crate::error::{Context, Error, Result};
use crate::linkmark;
use crate::netlink::{Link, Msg, Socket};

/// The bridge the host end goes into.
pub struct Bridge {
    pub index: u32,
    /// Made by this `add`: deleted again if the `add` fails (and nothing else uses it by then).
    made: bool,
    /// Gateway addresses this `add` gave a bridge made earlier by nsveth (removed if it fails).
    added: Vec<Cidr>,
    /// The bridge's address in each subnet, in the order of the subnets asked for.
    pub gateways: Vec<Cidr>,
}

/// The Ethernet address of a bridge nsveth makes: random, unicast, locally administered. Set
/// when it is made, it stays: a bridge left to choose takes the lowest address of its ports, and
/// changes it when that port goes, while the containers' neighbour tables still hold the old
/// one for their gateway (they lose it for half a minute or more).
fn address(name: &str) -> [u8; 6] {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let seed = [now, u64::from(std::process::id())];
    let h = linkmark::fnv1a(
        name.bytes()
            .chain(seed.iter().flat_map(|v| v.to_ne_bytes())),
    );
    let b = h.to_be_bytes();
    [(b[0] & 0xfe) | 0x02, b[1], b[2], b[3], b[4], b[5]]
}

/// The gateway a bridge made for `net` gets: its first address (`10.88.0.1/16`).
pub fn gateway_of(net: &Cidr) -> Cidr {
    Cidr {
        addr: net.nth(1).unwrap_or(net.addr),
        prefix: net.prefix,
    }
}

impl Bridge {
    /// The bridge `name`, created if missing: under its temporary name, marked in the same
    /// datagram, given the gateway address of each of `subnets`, then renamed and brought up in
    /// one request, so that it appears finished or not at all. A temporary one already there
    /// (left by a killed `add`) is the same bridge, and is finished instead.
    pub fn find_or_make(
        host: &mut Socket,
        name: &str,
        mtu: Option<u32>,
        subnets: &[Cidr],
    ) -> Result<Bridge> {
        let made = || format!("create bridge {name}");
        let tmp = linkmark::bridge_temp_name(name);
        // Each round ends with the bridge, or because another process changed it meanwhile.
        for _ in 0..5 {
            match host.link_by_name(name).context(|| format!("find {name}"))? {
                Some(l) if l.kind.as_deref() == Some("bridge") => {
                    return Bridge::existing(host, &l, subnets)
                }
                Some(_) => return Err(Error::new(format!("{name} is not a bridge"))),
                None => {}
            }
            let mut batch = [
                Msg::new_bridge(&tmp, address(name), mtu),
                Msg::set_alias_of(&tmp, linkmark::BRIDGE),
            ];
            let sent = host.send_all(&mut batch).context(made)?;
            match host.wait_all(sent) {
                Ok(()) => {}
                Err((0, e)) if e.errno == Errno::EEXIST => {} // there already: finish it
                Err((_, e)) => {
                    // Made but not marked, or made and its answer lost (a failed receive): do
                    // not leave it. (Under the bridge's lock, a temporary bridge of that name is
                    // this run's, or a killed run's.)
                    let _ = del_by_name(host, &tmp);
                    return Err(e).context(made);
                }
            }
            let t = match host.link_by_name(&tmp) {
                Ok(Some(t)) => t,
                Ok(None) => continue, // renamed or removed meanwhile
                Err(e) => {
                    let _ = del_by_name(host, &tmp);
                    return Err(e).context(made);
                }
            };
            if t.kind.as_deref() != Some("bridge") {
                return Err(Error::new(format!(
                    "{}: its temporary name {tmp} is taken",
                    made()
                )));
            }
            let gateways: Vec<Cidr> = subnets.iter().map(gateway_of).collect();
            let r = add_addrs(host, t.index, &gateways)
                .context(|| format!("add the gateway addresses to bridge {name}"))
                .and_then(|()| {
                    host.request(&mut Msg::rename_up(t.index, name, None))
                        .context(made)
                });
            match r {
                Ok(()) => {
                    return Ok(Bridge {
                        index: t.index,
                        made: true,
                        added: Vec::new(),
                        gateways,
                    })
                }
                // `name` appeared meanwhile: use it (the temporary bridge is not needed).
                Err(e) if e.errno() == Some(Errno::EEXIST) => {
                    let _ = host.del_link(t.index);
                }
                // Renamed (or deleted) meanwhile: look again.
                Err(e) if e.errno() == Some(Errno::ENODEV) => {}
                Err(e) => {
                    let _ = host.del_link(t.index);
                    return Err(e);
                }
            }
        }
        Err(Error::sys(made(), Errno::EAGAIN))
    }

    /// A bridge that is there: its address in each subnet is the gateway. One nsveth made may be
    /// given the gateway address of a new subnet; anyone else's must have one already.
    fn existing(host: &mut Socket, l: &Link, subnets: &[Cidr]) -> Result<Bridge> {
        let what = || format!("find the addresses of {}", l.name);
        let addrs = if subnets.is_empty() {
            Vec::new()
        } else {
            host.addrs_of(l.index).context(what)?
        };
        let mut b = Bridge {
            index: l.index,
            made: false,
            added: Vec::new(),
            gateways: Vec::new(),
        };
        for net in subnets {
            if let Some(a) = addrs.iter().find(|a| net.contains(a.addr)) {
                b.gateways.push(Cidr {
                    addr: a.addr,
                    prefix: net.prefix,
                });
            } else if l.alias.as_deref() == Some(linkmark::BRIDGE) {
                let gw = gateway_of(net);
                let r = host.add_addr(l.index, &gw);
                if let Err(e) = r {
                    b.undo(host);
                    return Err(e).context(|| format!("add address {gw} to {}", l.name));
                }
                b.added.push(gw);
                b.gateways.push(gw);
            } else {
                b.undo(host);
                return Err(Error::new(format!(
                    "bridge {} has no address in {net}: give it one, or let nsveth make the bridge",
                    l.name
                )));
            }
        }
        Ok(b)
    }

    /// Whether the bridge is still there.
    pub fn exists(&self, host: &mut Socket) -> bool {
        matches!(host.link_by_index(self.index), Ok(Some(l)) if l.kind.as_deref() == Some("bridge"))
    }

    /// After a failed `add`: delete the bridge if this `add` made it and it has no ports, and
    /// take back the addresses it gave an existing one.
    pub fn undo(self, host: &mut Socket) {
        if self.made && host.ports_of(self.index).is_ok_and(|p| p.is_empty()) {
            let _ = host.del_link(self.index);
        }
        for a in &self.added {
            let _ = host.request(&mut Msg::del_addr(self.index, a));
        }
    }
}

fn add_addrs(host: &mut Socket, index: u32, addrs: &[Cidr]) -> crate::netlink::NlResult<()> {
    for a in addrs {
        match host.add_addr(index, a) {
            Err(e) if e.errno != Errno::EEXIST => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

pub fn del_by_name(host: &mut Socket, name: &str) -> Result<()> {
    let l = host.link_by_name(name).context(|| format!("find {name}"))?;
    if let Some(l) = l {
        host.del_link(l.index)
            .context(|| format!("delete {name}"))?;
    }
    Ok(())
}

/// Delete bridge `name` if nsveth made it and no port is left (the caller holds its lock).
/// Whether it was deleted.
pub fn remove_if_unused(host: &mut Socket, name: &str) -> Result<bool> {
    let what = || format!("delete bridge {name}");
    let Some(l) = host.link_by_name(name).context(what)? else {
        return Ok(false);
    };
    let ours = l.kind.as_deref() == Some("bridge") && l.alias.as_deref() == Some(linkmark::BRIDGE);
    if !ours || !host.ports_of(l.index).context(what)?.is_empty() {
        return Ok(false);
    }
    match host.del_link(l.index) {
        Ok(()) => Ok(true),
        Err(e) if e.errno == Errno::ENODEV => Ok(false),
        Err(e) => Err(e).context(what),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_unicast_local_and_differ() {
        let a = address("nst0");
        assert_eq!(a[0] & 0x03, 0x02, "unicast, locally administered: {a:02x?}");
        assert_ne!(a, address("nst1"));
        let net = Cidr::parse("10.88.0.0/16").unwrap();
        assert_eq!(gateway_of(&net).to_string(), "10.88.0.1/16");
    }
}
