//! Address syntax, checked before anything reaches the kernel: networks and addresses with a
//! prefix ([`Cidr`]) and the arithmetic on them that leases and routes need, routes
//! (`DEST[,via=GW]`), Ethernet addresses and interface names.

use std::fmt;
use std::net::IpAddr;

/// The longest interface name (`IFNAMSIZ - 1`).
pub const IFNAME_MAX: usize = 15;

/// An address with its prefix length: `10.0.0.1/24`, `fd00::1/64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// `ADDR/PREFIX`, or a bare address (a host route: /32 or /128).
    pub fn parse(s: &str) -> Option<Cidr> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse().ok().filter(|n| *n <= max)?
            }
            Some(_) => return None,
        };
        Some(Cidr { addr, prefix })
    }

    /// The default route of this address's family.
    pub fn default_of(a: IpAddr) -> Cidr {
        let addr = match a {
            IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
        };
        Cidr { addr, prefix: 0 }
    }

    /// Whether the bits after the prefix are all zero (a network, as a route needs).
    pub fn is_network(&self) -> bool {
        self.network().addr == self.addr
    }

    /// The number of bits of an address of this family: 32 or 128.
    pub fn width(&self) -> u8 {
        if self.addr.is_ipv4() {
            32
        } else {
            128
        }
    }

    /// The mask of the host part, as a number of this family.
    fn host_mask(&self) -> u128 {
        let host = u32::from(self.width() - self.prefix.min(self.width()));
        1u128.checked_shl(host).map_or(u128::MAX, |n| n - 1)
    }

    /// The network this address is in: `10.1.2.3/16` is in `10.1.0.0/16`.
    pub fn network(&self) -> Cidr {
        Cidr {
            addr: ip_from(self.addr, ip_bits(self.addr) & !self.host_mask()),
            prefix: self.prefix,
        }
    }

    /// Whether `a` is in this network.
    pub fn contains(&self, a: IpAddr) -> bool {
        a.is_ipv4() == self.addr.is_ipv4()
            && ip_bits(a) & !self.host_mask() == ip_bits(self.addr) & !self.host_mask()
    }

    /// Whether the two networks share an address (one contains the other).
    pub fn overlaps(&self, o: &Cidr) -> bool {
        self.contains(o.addr) || o.contains(self.addr)
    }

    /// How many addresses the network has after its first (`u128::MAX` for `::/0`).
    pub fn last_offset(&self) -> u128 {
        self.host_mask()
    }

    /// The address `n` after the network's first, if it is in the network.
    pub fn nth(&self, n: u128) -> Option<IpAddr> {
        (n <= self.host_mask()).then(|| ip_from(self.addr, ip_bits(self.network().addr) + n))
    }

    /// How far `a` is from the network's first address.
    pub fn offset_of(&self, a: IpAddr) -> u128 {
        ip_bits(a).wrapping_sub(ip_bits(self.network().addr))
    }
}

/// An address as a number (IPv4 in the low 32 bits).
fn ip_bits(a: IpAddr) -> u128 {
    match a {
        IpAddr::V4(v) => u128::from(u32::from(v)),
        IpAddr::V6(v) => u128::from(v),
    }
}

/// The address of `like`'s family numbered `n`.
fn ip_from(like: IpAddr, n: u128) -> IpAddr {
    match like {
        IpAddr::V4(_) => IpAddr::V4((n as u32).into()),
        IpAddr::V6(_) => IpAddr::V6(n.into()),
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// A route: a destination network and an optional gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub dst: Cidr,
    pub via: Option<IpAddr>,
}

impl Route {
    /// `DEST[,via=GW]`, DEST a network in CIDR form or `default` (then GW decides the family).
    pub fn parse(s: &str) -> Option<Route> {
        let (dst, via) = match s.split_once(',') {
            Some((d, rest)) => (d, Some(rest.strip_prefix("via=")?.parse::<IpAddr>().ok()?)),
            None => (s, None),
        };
        let dst = match dst {
            "default" => Cidr::default_of(via?),
            d => Cidr::parse(d).filter(Cidr::is_network)?,
        };
        if via.is_some_and(|v| v.is_ipv4() != dst.addr.is_ipv4()) {
            return None;
        }
        Some(Route { dst, via })
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dst.prefix == 0 {
            f.write_str("default")?;
        } else {
            write!(f, "{}", self.dst)?;
        }
        match self.via {
            Some(v) => write!(f, " via {v}"),
            None => Ok(()),
        }
    }
}
/// Check an interface name as the kernel would (`dev_valid_name`), before asking it.
pub fn valid_ifname(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= IFNAME_MAX
        && name != "."
        && name != ".."
        && !name
            .bytes()
            .any(|b| b == b'/' || b == b':' || b.is_ascii_whitespace() || b == 0)
}

/// A unicast Ethernet address `aa:bb:cc:dd:ee:ff` (not multicast, not all zero).
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = s.split(':');
    for b in &mut mac {
        let p = parts.next()?;
        if p.len() != 2 {
            return None;
        }
        *b = u8::from_str_radix(p, 16).ok()?;
    }
    let unicast = mac[0] & 1 == 0 && mac != [0; 6];
    (parts.next().is_none() && unicast).then_some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_and_routes() {
        let c = Cidr::parse("10.0.0.1/24").unwrap();
        assert_eq!((c.to_string(), c.prefix), ("10.0.0.1/24".into(), 24));
        assert_eq!(Cidr::parse("fd00::1").unwrap().prefix, 128);
        for bad in [
            "10.0.0.1/33",
            "10.0.0/24",
            "10.0.0.1/",
            "10.0.0.1/+4",
            "x",
            "::1/129",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
        let r = Route::parse("default,via=10.0.0.1").unwrap();
        assert_eq!(r.to_string(), "default via 10.0.0.1");
        assert_eq!(r.dst, Cidr::parse("0.0.0.0/0").unwrap());
        let r = Route::parse("fd01::/64,via=fd00::1").unwrap();
        assert_eq!(r.to_string(), "fd01::/64 via fd00::1");
        assert_eq!(
            Route::parse("10.1.0.0/16").unwrap().to_string(),
            "10.1.0.0/16"
        );
        for bad in [
            "10.1.0.1/16",
            "default",
            "10.1.0.0/16,via=fd00::1",
            "10.1.0.0/16,gw=1.2.3.4",
        ] {
            assert_eq!(Route::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn network_arithmetic() {
        let c = |s| Cidr::parse(s).unwrap();
        assert_eq!(c("10.1.2.3/16").network(), c("10.1.0.0/16"));
        assert!(c("10.1.0.0/16").is_network() && !c("10.1.0.1/16").is_network());
        assert!(c("0.0.0.0/0").is_network() && c("::/0").is_network());
        assert!(c("10.1.0.0/16").contains("10.1.255.255".parse().unwrap()));
        assert!(!c("10.1.0.0/16").contains("10.2.0.0".parse().unwrap()));
        assert!(!c("10.1.0.0/16").contains("::a01:0".parse().unwrap()));
        assert!(c("10.0.0.0/8").overlaps(&c("10.1.0.0/16")));
        assert!(c("10.1.0.0/16").overlaps(&c("10.0.0.0/8")));
        assert!(!c("10.1.0.0/16").overlaps(&c("10.2.0.0/16")));
        assert_eq!(c("10.1.0.0/30").last_offset(), 3);
        assert_eq!(c("::/0").last_offset(), u128::MAX);
        assert_eq!(c("0.0.0.0/0").last_offset(), u32::MAX as u128);
        assert_eq!(c("10.1.0.0/30").nth(2), Some("10.1.0.2".parse().unwrap()));
        assert_eq!(c("10.1.0.0/30").nth(4), None);
        assert_eq!(c("fd00::/64").nth(1), Some("fd00::1".parse().unwrap()));
        assert_eq!(c("10.1.0.0/24").offset_of("10.1.0.9".parse().unwrap()), 9);
    }

    #[test]
    fn names_and_macs() {
        assert!(valid_ifname("veth123456789ab"));
        for bad in ["", ".", "..", "a/b", "a b", "a:b", "veth123456789abc"] {
            assert!(!valid_ifname(bad), "{bad}");
        }
        assert_eq!(parse_mac("02:00:00:00:00:01"), Some([2, 0, 0, 0, 0, 1]));
        for bad in [
            "01:00:00:00:00:01",
            "00:00:00:00:00:00",
            "02:00:00:00:00",
            "2:0:0:0:0:1",
        ] {
            assert_eq!(parse_mac(bad), None, "{bad}");
        }
    }
}
