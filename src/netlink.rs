//! A small rtnetlink client: just what the tools need to make veth pairs, bridges, addresses and
//! routes, over a raw `AF_NETLINK` socket. The same messages, socket and replies carry
//! nf_tables requests ([`crate::nftables`]), on a `NETLINK_NETFILTER` socket. What the addresses,
//! routes and names it carries may look like is [`crate::addr`]'s business.
//!
//! Messages are built byte by byte (native endian, attributes aligned to 4 bytes, nested
//! attributes patched with their length when closed), so there is no `unsafe` here: the four
//! socket calls live in [`crate::sys`]. Every request carries a fresh sequence number and every
//! reply is checked against it; `NLMSG_ERROR` becomes an [`Errno`], with the kernel's extended
//! acknowledgement message (`NETLINK_EXT_ACK`, `NLMSGERR_ATTR_MSG`) when it sent one.
//!
//! A netlink socket stays bound to the network namespace it was *created* in, whatever the
//! process does afterwards. [`Socket::open_in`] uses that: it enters the target namespace with
//! `setns`, creates the socket, and returns to our own namespace through a saved fd, all on our
//! only thread.

// What only nsveth's CNI mode asks for (route metrics and scopes, deleting a route, a link's
// group and MAC) is unused in a build without it.
#![cfg_attr(not(feature = "cni"), allow(dead_code))]

use std::fmt;
use std::net::IpAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::sched::{setns, CloneFlags};

use crate::addr::{Cidr, Route};
use crate::error::{Context, Error, Result};
use crate::sys;

// <linux/netlink.h>
const NETLINK_ROUTE: i32 = 0;
pub const NETLINK_NETFILTER: i32 = 12;
const SOL_NETLINK: i32 = 270;
const NETLINK_CAP_ACK: i32 = 10;
const NETLINK_EXT_ACK: i32 = 11;
const NETLINK_GET_STRICT_CHK: i32 = 12;
const NLMSG_HDRLEN: usize = 16;
const NLMSG_NOOP: u16 = 1;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_MULTI: u16 = 0x2;
const NLM_F_ACK: u16 = 0x4;
pub const NLM_F_DUMP: u16 = 0x300;
pub const NLM_F_EXCL: u16 = 0x200;
pub const NLM_F_CREATE: u16 = 0x400;
pub const NLM_F_APPEND: u16 = 0x800;
/// On an `NLMSG_ERROR`: the request's payload was left out (`NETLINK_CAP_ACK`).
const NLM_F_CAPPED: u16 = 0x100;
/// On an `NLMSG_ERROR`: extended-ack attributes follow the request's header.
const NLM_F_ACK_TLVS: u16 = 0x200;
const NLMSGERR_ATTR_MSG: u16 = 1;
const NLA_F_NESTED: u16 = 0x8000;
const NLA_TYPE_MASK: u16 = 0x3fff;

// <linux/rtnetlink.h>
const RTM_NEWLINK: u16 = 16;
const RTM_DELLINK: u16 = 17;
const RTM_GETLINK: u16 = 18;
const RTM_SETLINK: u16 = 19;
const RTM_NEWADDR: u16 = 20;
const RTM_DELADDR: u16 = 21;
const RTM_GETADDR: u16 = 22;
const RTM_NEWROUTE: u16 = 24;
const RTM_DELROUTE: u16 = 25;
const RTM_GETROUTE: u16 = 26;
const RTM_NEWNSID: u16 = 88;
const RTM_GETNSID: u16 = 90;
const RT_TABLE_MAIN: u8 = 254;
const RTPROT_BOOT: u8 = 3;
pub const RT_SCOPE_UNIVERSE: u8 = 0;
pub const RT_SCOPE_LINK: u8 = 253;
pub const RT_SCOPE_HOST: u8 = 254;
const RT_SCOPE_NOWHERE: u8 = 255;
const RTN_UNICAST: u8 = 1;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const RTA_PRIORITY: u16 = 6;
const RTA_PREFSRC: u16 = 7;
const RTA_METRICS: u16 = 8;
const RTA_TABLE: u16 = 15;
const RTAX_MTU: u16 = 2;
const RTAX_ADVMSS: u16 = 8;
const NETNSA_NSID: u16 = 1;
const NETNSA_FD: u16 = 3;

// <linux/if_link.h>, <linux/veth.h>
const IFLA_ADDRESS: u16 = 1;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_LINK: u16 = 5;
const IFLA_MASTER: u16 = 10;
const IFLA_PROTINFO: u16 = 12;
const IFLA_LINKINFO: u16 = 18;
const IFLA_IFALIAS: u16 = 20;
const IFLA_GROUP: u16 = 27;
const IFLA_NET_NS_FD: u16 = 28;
const IFLA_LINK_NETNSID: u16 = 37;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const VETH_INFO_PEER: u16 = 1;
/// In `IFLA_PROTINFO` of an `AF_BRIDGE` request: the port's hairpin mode.
const IFLA_BRPORT_MODE: u16 = 4;
pub const IFF_UP: u32 = 0x1;

// <linux/if_addr.h>
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_BROADCAST: u16 = 4;
const IFA_FLAGS: u16 = 8;
/// Skip duplicate address detection: an IPv6 address is usable at once.
pub const IFA_F_NODAD: u32 = 0x02;

/// The loopback device has this index in every network namespace.
pub const LOOPBACK_INDEX: u32 = 1;

const fn align(n: usize) -> usize {
    (n + 3) & !3
}

/// A failed request: the errno the kernel answered with, and its extended-ack message if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NlError {
    pub errno: Errno,
    pub msg: Option<String>,
}

impl From<Errno> for NlError {
    fn from(errno: Errno) -> NlError {
        NlError { errno, msg: None }
    }
}

pub type NlResult<T> = std::result::Result<T, NlError>;

impl<T> Context<T> for NlResult<T> {
    fn context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| match e.msg {
            Some(m) => Error::sys_detail(what(), e.errno, &m),
            None => Error::sys(what(), e.errno),
        })
    }
}

/// One request being built: a netlink header, a fixed family header, then attributes.
pub struct Msg {
    buf: Vec<u8>,
}

/// An open nested attribute: its offset in the message, closed by [`Msg::end`].
#[must_use]
pub struct Nest(usize);

impl Msg {
    /// A request of type `ty` with `flags` (`NLM_F_REQUEST` is added) and its fixed header.
    pub fn new(ty: u16, flags: u16, header: &[u8]) -> Msg {
        let mut buf = Vec::with_capacity(256);
        buf.extend_from_slice(&[0; 4]); // length, set by `finish`
        buf.extend_from_slice(&ty.to_ne_bytes());
        buf.extend_from_slice(&(flags | NLM_F_REQUEST).to_ne_bytes());
        buf.extend_from_slice(&[0; 8]); // sequence number (set by `finish`), port id 0
        let mut m = Msg { buf };
        m.raw(header);
        m
    }

    fn pad(&mut self) {
        self.buf.resize(align(self.buf.len()), 0);
    }

    fn raw(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
        self.pad();
    }

    /// An attribute with `data` as its payload.
    pub fn attr(&mut self, ty: u16, data: &[u8]) -> &mut Msg {
        let len = (4 + data.len()) as u16;
        self.buf.extend_from_slice(&len.to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.raw(data);
        self
    }

    pub fn u32(&mut self, ty: u16, v: u32) -> &mut Msg {
        self.attr(ty, &v.to_ne_bytes())
    }

    /// A NUL-terminated string attribute.
    pub fn str(&mut self, ty: u16, s: &str) -> &mut Msg {
        let mut data = Vec::with_capacity(s.len() + 1);
        data.extend_from_slice(s.as_bytes());
        data.push(0);
        self.attr(ty, &data)
    }

    pub fn addr(&mut self, ty: u16, a: IpAddr) -> &mut Msg {
        match a {
            IpAddr::V4(v) => self.attr(ty, &v.octets()),
            IpAddr::V6(v) => self.attr(ty, &v.octets()),
        }
    }

    /// Open a nested attribute; everything added until [`Msg::end`] goes inside it.
    pub fn nest(&mut self, ty: u16) -> Nest {
        let at = self.buf.len();
        self.buf.extend_from_slice(&[0, 0]);
        self.buf
            .extend_from_slice(&(ty | NLA_F_NESTED).to_ne_bytes());
        Nest(at)
    }

    /// Bytes inside a nested attribute that are not attributes (the peer's `ifinfomsg`).
    pub fn nested_header(&mut self, header: &[u8]) -> &mut Msg {
        self.raw(header);
        self
    }

    pub fn end(&mut self, nest: Nest) {
        let len = (self.buf.len() - nest.0) as u16;
        self.buf[nest.0..nest.0 + 2].copy_from_slice(&len.to_ne_bytes());
    }

    /// Ask for an acknowledgement even on success.
    pub fn want_ack(&mut self) {
        let flags = ne_u16(&self.buf[6..]) | NLM_F_ACK;
        self.buf[6..8].copy_from_slice(&flags.to_ne_bytes());
    }

    /// Create a veth pair in one `RTM_NEWLINK`: the host end here (down), the peer directly in
    /// its namespace (`IFLA_NET_NS_FD` inside `VETH_INFO_PEER`). The peer stays down:
    /// the kernel configures it before the two ends know each other, and opening a veth without
    /// its peer fails with `ENOTCONN`; bring it up from a socket in its namespace.
    pub fn new_veth(v: &Veth<'_>) -> Msg {
        let flags = NLM_F_CREATE | NLM_F_EXCL;
        let mut m = Msg::new(RTM_NEWLINK, flags, &ifinfomsg(0, 0, 0));
        m.str(IFLA_IFNAME, v.host);
        if let Some(mtu) = v.mtu {
            m.u32(IFLA_MTU, mtu);
        }
        if let Some(master) = v.master {
            m.u32(IFLA_MASTER, master);
        }
        let info = m.nest(IFLA_LINKINFO);
        m.str(IFLA_INFO_KIND, "veth");
        let data = m.nest(IFLA_INFO_DATA);
        let peer = m.nest(VETH_INFO_PEER);
        m.nested_header(&ifinfomsg(0, 0, 0));
        m.str(IFLA_IFNAME, v.peer);
        m.u32(IFLA_NET_NS_FD, v.peer_netns.as_raw_fd() as u32);
        if let Some(mtu) = v.mtu {
            m.u32(IFLA_MTU, mtu);
        }
        if let Some(mac) = v.peer_mac {
            m.attr(IFLA_ADDRESS, &mac);
        }
        m.end(peer);
        m.end(data);
        m.end(info);
        m
    }

    /// Create a bridge, down, with its Ethernet address and its MTU if given.
    pub fn new_bridge(name: &str, mac: [u8; 6], mtu: Option<u32>) -> Msg {
        let flags = NLM_F_CREATE | NLM_F_EXCL;
        let mut m = Msg::new(RTM_NEWLINK, flags, &ifinfomsg(0, 0, 0));
        m.str(IFLA_IFNAME, name);
        m.attr(IFLA_ADDRESS, &mac);
        if let Some(mtu) = mtu {
            m.u32(IFLA_MTU, mtu);
        }
        let info = m.nest(IFLA_LINKINFO);
        m.str(IFLA_INFO_KIND, "bridge");
        m.end(info);
        m
    }

    /// Set the alias (`IFLA_IFALIAS`) of the link called `name`. Sent in one datagram right
    /// after the request that creates the link, it marks the link before anyone, a `SIGKILL`
    /// included, can come between.
    pub fn set_alias_of(name: &str, alias: &str) -> Msg {
        let mut m = Msg::new(RTM_SETLINK, 0, &ifinfomsg(0, 0, 0));
        m.str(IFLA_IFNAME, name);
        m.str(IFLA_IFALIAS, alias);
        m
    }

    /// Put a link in device group `group` (`ip link set group`), in the same request as others
    /// (a `RTM_SETLINK` built here or by the caller).
    pub fn set_group(&mut self, group: u32) -> &mut Msg {
        self.u32(IFLA_GROUP, group)
    }

    /// Rename link `index` to `name` and bring it up, setting its alias too if given: one request,
    /// so the name appears with the link up and marked, or not at all. A link is renamed only
    /// while down; the kernel renames first and changes the flags after.
    pub fn rename_up(index: u32, name: &str, alias: Option<&str>) -> Msg {
        let mut m = Msg::new(RTM_SETLINK, 0, &ifinfomsg(index, IFF_UP, IFF_UP));
        m.str(IFLA_IFNAME, name);
        if let Some(a) = alias {
            m.str(IFLA_IFALIAS, a);
        }
        m
    }

    /// Bring a link up (or down) and optionally enslave it (`RTM_SETLINK`, with `IFLA_MASTER`).
    pub fn set_link(index: u32, up: bool, master: Option<u32>) -> Msg {
        let flags = if up { IFF_UP } else { 0 };
        let mut m = Msg::new(RTM_SETLINK, 0, &ifinfomsg(index, flags, IFF_UP));
        if let Some(master) = master {
            m.u32(IFLA_MASTER, master);
        }
        m
    }

    /// Add an address to a link, with `IFA_F_NODAD` (usable at once, no duplicate detection).
    pub fn add_addr(index: u32, c: &Cidr) -> Msg {
        let flags = NLM_F_CREATE | NLM_F_EXCL;
        let mut m = Msg::new(RTM_NEWADDR, flags, &ifaddrmsg(c, IFA_F_NODAD as u8, index));
        m.addr(IFA_LOCAL, c.addr);
        m.addr(IFA_ADDRESS, c.addr);
        m.u32(IFA_FLAGS, IFA_F_NODAD);
        m
    }

    /// Remove an address from a link.
    pub fn del_addr(index: u32, c: &Cidr) -> Msg {
        let mut m = Msg::new(RTM_DELADDR, 0, &ifaddrmsg(c, 0, index));
        m.addr(IFA_LOCAL, c.addr);
        m
    }

    /// Add an address as [`Msg::add_addr`] does, and for IPv4 its network's broadcast address
    /// (as iproute2's `brd +` and the CNI reference plugins give it).
    pub fn add_addr_brd(index: u32, c: &Cidr) -> Msg {
        let mut m = Msg::add_addr(index, c);
        if let (IpAddr::V4(_), 0..=30) = (c.addr, c.prefix) {
            if let Some(brd) = c.network().nth(c.last_offset()) {
                m.addr(IFA_BROADCAST, brd);
            }
        }
        m
    }

    /// Turn on hairpin mode of the bridge port `index` (`bridge link set dev X hairpin on`):
    /// the bridge may send a frame back out of the port it came in by.
    pub fn set_hairpin(index: u32) -> Msg {
        let mut h = ifinfomsg(index, 0, 0);
        h[0] = libc::AF_BRIDGE as u8;
        let mut m = Msg::new(RTM_SETLINK, 0, &h);
        let info = m.nest(IFLA_PROTINFO);
        m.attr(IFLA_BRPORT_MODE, &[1]);
        m.end(info);
        m
    }

    /// Add a route out of link `oif`.
    pub fn add_route(r: &Route, oif: u32) -> Msg {
        let scope = match (r.via, r.dst.addr) {
            (Some(_), _) | (None, IpAddr::V6(_)) => RT_SCOPE_UNIVERSE,
            (None, IpAddr::V4(_)) => RT_SCOPE_LINK,
        };
        let flags = NLM_F_CREATE | NLM_F_EXCL;
        let mut m = Msg::new(RTM_NEWROUTE, flags, &rtmsg(&r.dst, scope));
        if r.dst.prefix > 0 {
            m.addr(RTA_DST, r.dst.addr);
        }
        if let Some(gw) = r.via {
            m.addr(RTA_GATEWAY, gw);
        }
        m.u32(RTA_OIF, oif);
        m
    }

    /// Delete the main table's route to `dst` out of link `oif`, whoever added it (any protocol,
    /// scope and type: `ip route del DST dev X`).
    pub fn del_route(dst: &Cidr, oif: u32) -> Msg {
        let mut h = rtmsg(dst, RT_SCOPE_NOWHERE);
        (h[5], h[7]) = (0, 0); // RTPROT_UNSPEC, RTN_UNSPEC
        let mut m = Msg::new(RTM_DELROUTE, 0, &h);
        if dst.prefix > 0 {
            m.addr(RTA_DST, dst.addr);
        }
        m.u32(RTA_OIF, oif);
        m
    }

    /// Add a route out of link `oif` with what [`RouteExtra`] asks beyond [`Msg::add_route`].
    pub fn add_route_with(r: &Route, oif: u32, x: &RouteExtra) -> Msg {
        let mut m = Msg::add_route(r, oif);
        if let Some(scope) = x.scope {
            m.buf[NLMSG_HDRLEN + 6] = scope;
        }
        if let Some(table) = x.table {
            m.buf[NLMSG_HDRLEN + 4] = u8::try_from(table).unwrap_or(0); // RT_TABLE_UNSPEC
            m.u32(RTA_TABLE, table);
        }
        if let Some(src) = x.src {
            m.addr(RTA_PREFSRC, src);
        }
        if let Some(p) = x.priority {
            m.u32(RTA_PRIORITY, p);
        }
        if x.mtu.is_some() || x.advmss.is_some() {
            let metrics = m.nest(RTA_METRICS);
            for (ty, v) in [(RTAX_MTU, x.mtu), (RTAX_ADVMSS, x.advmss)] {
                if let Some(v) = v {
                    m.u32(ty, v);
                }
            }
            m.end(metrics);
        }
        m
    }

    /// What follows the netlink header, as built so far (tests of other message families).
    #[cfg(test)]
    pub(crate) fn payload(&self) -> &[u8] {
        &self.buf[NLMSG_HDRLEN..]
    }

    /// The finished message with sequence number `seq`.
    fn finish(&mut self, seq: u32) -> &[u8] {
        let len = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        self.buf[8..12].copy_from_slice(&seq.to_ne_bytes());
        &self.buf
    }
}

/// `struct ifinfomsg`.
pub fn ifinfomsg(index: u32, flags: u32, change: u32) -> [u8; 16] {
    let mut h = [0u8; 16];
    h[0] = libc::AF_UNSPEC as u8;
    h[4..8].copy_from_slice(&index.to_ne_bytes());
    h[8..12].copy_from_slice(&flags.to_ne_bytes());
    h[12..16].copy_from_slice(&change.to_ne_bytes());
    h
}

fn family(a: IpAddr) -> u8 {
    match a {
        IpAddr::V4(_) => libc::AF_INET as u8,
        IpAddr::V6(_) => libc::AF_INET6 as u8,
    }
}

/// `struct ifaddrmsg`.
fn ifaddrmsg(c: &Cidr, flags: u8, index: u32) -> [u8; 8] {
    let mut h = [0u8; 8];
    h[0] = family(c.addr);
    h[1] = c.prefix;
    h[2] = flags;
    h[3] = RT_SCOPE_UNIVERSE;
    h[4..8].copy_from_slice(&index.to_ne_bytes());
    h
}

/// `struct rtmsg` for a unicast route in the main table.
fn rtmsg(dst: &Cidr, scope: u8) -> [u8; 12] {
    [
        family(dst.addr),
        dst.prefix,
        0,
        0,
        RT_TABLE_MAIN,
        RTPROT_BOOT,
        scope,
        RTN_UNICAST,
        0,
        0,
        0,
        0,
    ]
}

/// One message of a reply.
struct Reply<'a> {
    ty: u16,
    flags: u16,
    seq: u32,
    payload: &'a [u8],
}

fn ne_u16(b: &[u8]) -> u16 {
    u16::from_ne_bytes([b[0], b[1]])
}

fn ne_u32(b: &[u8]) -> u32 {
    u32::from_ne_bytes([b[0], b[1], b[2], b[3]])
}

/// Split a datagram into its messages; a malformed one is `EBADMSG`.
fn messages(mut buf: &[u8]) -> NlResult<Vec<Reply<'_>>> {
    let mut out = Vec::new();
    while buf.len() >= NLMSG_HDRLEN {
        let len = ne_u32(buf) as usize;
        if len < NLMSG_HDRLEN || len > buf.len() {
            return Err(Errno::EBADMSG.into());
        }
        out.push(Reply {
            ty: ne_u16(&buf[4..]),
            flags: ne_u16(&buf[6..]),
            seq: ne_u32(&buf[8..]),
            payload: &buf[NLMSG_HDRLEN..len],
        });
        buf = &buf[align(len).min(buf.len())..];
    }
    Ok(out)
}

/// The attributes in `buf`: (type without flags, payload).
pub fn attrs(mut buf: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        if buf.len() < 4 {
            return None;
        }
        let len = ne_u16(buf) as usize;
        if len < 4 || len > buf.len() {
            return None;
        }
        let item = (ne_u16(&buf[2..]) & NLA_TYPE_MASK, &buf[4..len]);
        buf = &buf[align(len).min(buf.len())..];
        Some(item)
    })
}

fn c_string(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// The errno of an `NLMSG_ERROR` payload (`None`: an acknowledgement), with the extended-ack
/// message.
fn parse_error(flags: u16, p: &[u8]) -> NlResult<Option<NlError>> {
    if p.len() < 4 + NLMSG_HDRLEN {
        return Err(Errno::EBADMSG.into());
    }
    let code = i32::from_ne_bytes([p[0], p[1], p[2], p[3]]);
    if code == 0 {
        return Ok(None);
    }
    let mut err = NlError {
        errno: Errno::from_raw(-code),
        msg: None,
    };
    if flags & NLM_F_ACK_TLVS != 0 {
        let request = if flags & NLM_F_CAPPED != 0 {
            NLMSG_HDRLEN
        } else {
            align(ne_u32(&p[4..]) as usize)
        };
        if let Some(tlvs) = p.get(4 + request..) {
            err.msg = attrs(tlvs)
                .find(|(t, _)| *t == NLMSGERR_ATTR_MSG)
                .map(|(_, m)| c_string(m))
                .filter(|m| !m.is_empty());
        }
    }
    Ok(Some(err))
}

/// A link as the kernel describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Link {
    pub index: u32,
    pub name: String,
    pub flags: u32,
    /// `IFLA_LINKINFO`/`IFLA_INFO_KIND`: `veth`, `bridge`, …
    pub kind: Option<String>,
    pub master: Option<u32>,
    /// `IFLA_LINK`: for a veth, the peer's index (in the peer's namespace).
    pub link: Option<u32>,
    /// `IFLA_LINK_NETNSID`: the id, in our namespace, of the namespace the peer is in.
    pub link_netnsid: Option<i32>,
    pub mtu: Option<u32>,
    /// `IFLA_IFALIAS` (`ip link set alias`), where nstools marks what it made.
    pub alias: Option<String>,
    /// `IFLA_ADDRESS`: an Ethernet link's hardware address.
    pub mac: Option<[u8; 6]>,
    /// `IFLA_GROUP` (`ip link set group`): 0 unless set.
    pub group: u32,
}

fn parse_link(p: &[u8]) -> Option<Link> {
    let mut l = Link {
        index: ne_u32(p.get(4..8)?),
        flags: ne_u32(p.get(8..12)?),
        ..Link::default()
    };
    for (ty, data) in attrs(p.get(16..)?) {
        let u32_of = |d: &[u8]| (d.len() >= 4).then(|| ne_u32(d));
        match ty {
            IFLA_IFNAME => l.name = c_string(data),
            IFLA_MTU => l.mtu = u32_of(data),
            IFLA_MASTER => l.master = u32_of(data),
            IFLA_LINK => l.link = u32_of(data),
            IFLA_LINK_NETNSID => l.link_netnsid = u32_of(data).map(|v| v as i32),
            IFLA_IFALIAS => l.alias = Some(c_string(data)).filter(|a| !a.is_empty()),
            IFLA_GROUP => l.group = u32_of(data).unwrap_or(0),
            IFLA_ADDRESS => l.mac = <[u8; 6]>::try_from(data).ok(),
            IFLA_LINKINFO => {
                l.kind = attrs(data)
                    .find(|(t, _)| *t == IFLA_INFO_KIND)
                    .map(|(_, k)| c_string(k));
            }
            _ => {}
        }
    }
    Some(l)
}

/// An address attribute's payload: 4 bytes IPv4, 16 bytes IPv6.
fn ip_of(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(b).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(b).ok()?)),
        _ => None,
    }
}

/// A route as the kernel describes it (what the overlap check needs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteEntry {
    pub dst: Cidr,
    pub gw: Option<IpAddr>,
    pub oif: Option<u32>,
    pub table: u32,
    pub unicast: bool,
}

fn parse_route(family: i32, p: &[u8]) -> Option<RouteEntry> {
    let any = if family == libc::AF_INET6 {
        IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
    };
    let mut r = RouteEntry {
        dst: Cidr {
            addr: any,
            prefix: p[1],
        },
        gw: None,
        oif: None,
        table: u32::from(p[4]),
        unicast: p[7] == RTN_UNICAST,
    };
    for (ty, data) in attrs(p.get(12..)?) {
        match ty {
            RTA_DST => r.dst.addr = ip_of(data)?,
            RTA_GATEWAY => r.gw = ip_of(data),
            RTA_OIF if data.len() >= 4 => r.oif = Some(ne_u32(data)),
            RTA_TABLE if data.len() >= 4 => r.table = ne_u32(data),
            _ => {}
        }
    }
    Some(r)
}

/// An `RTM_NEWADDR` payload (`ifaddrmsg`, then attributes): the link's index and the address.
fn parse_addr(p: &[u8]) -> Option<(u32, Cidr)> {
    let (family, prefix, index) = (*p.first()?, *p.get(1)?, ne_u32(p.get(4..8)?));
    let mut local = None;
    let mut address = None;
    for (ty, data) in attrs(p.get(8..)?) {
        let addr = match (i32::from(family), data.len()) {
            (libc::AF_INET, 4) => IpAddr::from(<[u8; 4]>::try_from(data).ok()?),
            (libc::AF_INET6, 16) => IpAddr::from(<[u8; 16]>::try_from(data).ok()?),
            _ => continue,
        };
        match ty {
            IFA_LOCAL => local = Some(addr),
            IFA_ADDRESS => address = Some(addr),
            _ => {}
        }
    }
    let addr = if family == libc::AF_INET as u8 {
        local.or(address)
    } else {
        address.or(local)
    };
    Some((
        index,
        Cidr {
            addr: addr?,
            prefix,
        },
    ))
}

/// What a route may carry beyond [`Route`] (a CNI result's route, the CNI `ptp` mode's own):
/// each `None` leaves the kernel's default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteExtra {
    /// `RT_SCOPE_*` (else link for an IPv4 route without gateway, universe otherwise).
    pub scope: Option<u8>,
    /// The preferred source address (`src` in `ip route`).
    pub src: Option<IpAddr>,
    /// The metric (`metric`), the table (else main), the path MTU and the MSS to advertise.
    pub priority: Option<u32>,
    pub table: Option<u32>,
    pub mtu: Option<u32>,
    pub advmss: Option<u32>,
}

/// What a veth pair is made of: the host end here, the peer already in `peer_netns`, both down.
pub struct Veth<'a> {
    pub host: &'a str,
    pub peer: &'a str,
    pub peer_netns: BorrowedFd<'a>,
    pub mtu: Option<u32>,
    pub peer_mac: Option<[u8; 6]>,
    /// Enslave the host end to this device (a bridge) as it is created.
    pub master: Option<u32>,
}

/// Requests sent by [`Socket::send_all`], whose acknowledgements are still to be read.
#[must_use]
pub struct Batch {
    first: u32,
    count: u32,
}

/// Whether reply sequence number `got` is from before request `want` (serial number order).
fn stale(got: u32, want: u32) -> bool {
    (want.wrapping_sub(got) as i32) > 0
}

fn out_of_sequence(got: u32, want: u32) -> NlError {
    NlError {
        errno: Errno::EPROTO,
        msg: Some(format!(
            "netlink reply out of sequence: {got} instead of {want}"
        )),
    }
}

/// A route-netlink socket in one network namespace.
pub struct Socket {
    fd: OwnedFd,
    seq: u32,
    buf: Vec<u8>,
}

impl Socket {
    /// A route-netlink socket in the calling thread's network namespace.
    pub fn open() -> Result<Socket> {
        Socket::open_protocol(NETLINK_ROUTE)
    }

    /// A netlink socket of `protocol` ([`NETLINK_NETFILTER`]) in the calling thread's network
    /// namespace.
    pub fn open_protocol(protocol: i32) -> Result<Socket> {
        let fd = sys::netlink_socket(protocol).context(|| "cannot open netlink socket")?;
        // Extended acks give the kernel's reason; capped acks keep error replies small. Both are
        // optional: an old kernel without them still works, with bare errnos.
        let _ = sys::setsockopt_int(fd.as_fd(), SOL_NETLINK, NETLINK_EXT_ACK, 1);
        let _ = sys::setsockopt_int(fd.as_fd(), SOL_NETLINK, NETLINK_CAP_ACK, 1);
        Ok(Socket {
            fd,
            seq: 0,
            buf: vec![0; 64 * 1024],
        })
    }

    /// A socket in the network namespace `netns`: enter it, open the socket, come back (through
    /// a saved fd of our own namespace). The socket keeps working in `netns` afterwards.
    pub fn open_in(netns: BorrowedFd<'_>) -> Result<Socket> {
        let own = crate::ns::open_ns_file("/proc/thread-self/ns/net", crate::ns::NET)?;
        setns(netns, CloneFlags::CLONE_NEWNET).context(|| "cannot enter network namespace")?;
        let sock = Socket::open();
        setns(own.as_fd(), CloneFlags::CLONE_NEWNET)
            .context(|| "cannot return to our network namespace")?;
        sock
    }

    fn send(&mut self, msg: &mut Msg) -> NlResult<u32> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let bytes = msg.finish(seq);
        let n = sys::send_netlink(self.fd.as_fd(), bytes)?;
        if n != bytes.len() {
            return Err(Errno::EMSGSIZE.into());
        }
        Ok(seq)
    }

    /// Receive the replies to request `seq`, handing each data message to `each`, until the
    /// acknowledgement (`want_ack`), the end of a dump, or the one answer of a `GET`.
    fn receive(
        &mut self,
        seq: u32,
        want_ack: bool,
        mut each: impl FnMut(u16, &[u8]),
    ) -> NlResult<()> {
        loop {
            let len = self.datagram()?;
            for m in messages(&self.buf[..len])? {
                if stale(m.seq, seq) {
                    continue; // a late answer to an earlier request we gave up on
                }
                if m.seq != seq {
                    return Err(out_of_sequence(m.seq, seq));
                }
                match m.ty {
                    NLMSG_ERROR => {
                        return match parse_error(m.flags, m.payload)? {
                            Some(e) => Err(e),
                            None => Ok(()),
                        }
                    }
                    NLMSG_DONE => {
                        let code = m.payload.get(..4).map_or(0, ne_u32) as i32;
                        if code < 0 {
                            return Err(Errno::from_raw(-code).into());
                        }
                        if !want_ack {
                            return Ok(());
                        }
                    }
                    NLMSG_NOOP => {}
                    ty => {
                        each(ty, m.payload);
                        if m.flags & NLM_F_MULTI == 0 && !want_ack {
                            return Ok(());
                        }
                    }
                }
            }
        }
    }

    /// Receive one datagram from the kernel into `self.buf`; its length.
    fn datagram(&mut self) -> NlResult<usize> {
        loop {
            let (len, sender) = match sys::recv_netlink(self.fd.as_fd(), &mut self.buf) {
                Err(Errno::EINTR) => continue,
                r => r?,
            };
            if len > self.buf.len() {
                return Err(Errno::EMSGSIZE.into());
            }
            if sender == 0 {
                return Ok(len);
            } // else not from the kernel: ignore it
        }
    }

    /// Send a request that changes something and wait for its acknowledgement.
    pub fn request(&mut self, msg: &mut Msg) -> NlResult<()> {
        msg.want_ack();
        let seq = self.send(msg)?;
        self.receive(seq, true, |_, _| {})
    }

    /// Send requests together in one datagram; the kernel handles them in order and
    /// acknowledges each. Collect the acknowledgements with [`Socket::wait_all`].
    pub fn send_all(&mut self, msgs: &mut [Msg]) -> NlResult<Batch> {
        let batch = Batch {
            first: self.seq.wrapping_add(1),
            count: msgs.len() as u32,
        };
        let mut bytes = Vec::new();
        for m in msgs {
            m.want_ack();
            self.seq = self.seq.wrapping_add(1);
            bytes.extend_from_slice(m.finish(self.seq));
        }
        if !bytes.is_empty() && sys::send_netlink(self.fd.as_fd(), &bytes)? != bytes.len() {
            return Err(Errno::EMSGSIZE.into());
        }
        Ok(batch)
    }

    /// Wait for every acknowledgement of `batch`. On failure: the position of the first request
    /// (in sending order) that failed, and why.
    pub fn wait_all(&mut self, batch: Batch) -> std::result::Result<(), (usize, NlError)> {
        let mut acked = 0;
        let mut failed: Option<(usize, NlError)> = None;
        while acked < batch.count {
            let len = self.datagram().map_err(|e| (0, e))?;
            for m in messages(&self.buf[..len]).map_err(|e| (0, e))? {
                if stale(m.seq, batch.first) {
                    continue;
                }
                let at = m.seq.wrapping_sub(batch.first);
                if at >= batch.count {
                    return Err((0, out_of_sequence(m.seq, batch.first)));
                }
                if m.ty != NLMSG_ERROR {
                    continue;
                }
                acked += 1;
                let at = at as usize;
                if let Some(e) = parse_error(m.flags, m.payload).map_err(|e| (at, e))? {
                    if failed.as_ref().is_none_or(|(i, _)| at < *i) {
                        failed = Some((at, e));
                    }
                }
            }
        }
        failed.map_or(Ok(()), Err)
    }

    /// Send `msgs` in one datagram as they are, the last one that wants it acknowledged, and
    /// wait for the first answer among them: an nf_tables batch, which the kernel applies as one
    /// transaction. It answers the errors of every request unasked, all before the
    /// acknowledgement of the last (or, when the commit itself fails, first, for the batch's
    /// first message); so the first answer tells. On failure: the position of the request that
    /// failed, and why. Answers after the first are left to be skipped as stale.
    pub fn exchange(&mut self, msgs: &mut [Msg]) -> std::result::Result<(), (usize, NlError)> {
        let first = self.seq.wrapping_add(1);
        let mut bytes = Vec::new();
        for m in msgs.iter_mut() {
            self.seq = self.seq.wrapping_add(1);
            bytes.extend_from_slice(m.finish(self.seq));
        }
        // A datagram larger than the socket's send buffer is refused (EMSGSIZE): make room
        // (SO_SNDBUFFORCE, as we have CAP_NET_ADMIN here; the kernel doubles the value).
        if bytes.len() > 64 * 1024 {
            let size = i32::try_from(bytes.len()).unwrap_or(i32::MAX);
            let _ = sys::setsockopt_int(
                self.fd.as_fd(),
                libc::SOL_SOCKET,
                libc::SO_SNDBUFFORCE,
                size,
            );
        }
        match sys::send_netlink(self.fd.as_fd(), &bytes) {
            Ok(n) if n == bytes.len() => {}
            Ok(_) => return Err((0, Errno::EMSGSIZE.into())),
            Err(e) => return Err((0, e.into())),
        }
        let count = msgs.len() as u32;
        loop {
            let len = self.datagram().map_err(|e| (0, e))?;
            for m in messages(&self.buf[..len]).map_err(|e| (0, e))? {
                let at = m.seq.wrapping_sub(first);
                if stale(m.seq, first) || m.ty != NLMSG_ERROR {
                    continue;
                }
                if at >= count {
                    return Err((0, out_of_sequence(m.seq, first)));
                }
                let at = at as usize;
                return match parse_error(m.flags, m.payload).map_err(|e| (at, e))? {
                    Some(e) => Err((at, e)),
                    None => Ok(()),
                };
            }
        }
    }

    /// Send a `GET` and collect the payloads of the answers (one, or all of a dump).
    pub fn query(&mut self, msg: &mut Msg) -> NlResult<Vec<(u16, Vec<u8>)>> {
        let seq = self.send(msg)?;
        let mut out = Vec::new();
        self.receive(seq, false, |ty, p| out.push((ty, p.to_vec())))?;
        Ok(out)
    }

    /// The link called `name`, or `None`.
    pub fn link_by_name(&mut self, name: &str) -> NlResult<Option<Link>> {
        let mut m = Msg::new(RTM_GETLINK, 0, &ifinfomsg(0, 0, 0));
        m.str(IFLA_IFNAME, name);
        self.one_link(&mut m)
    }

    /// The link with index `index`, or `None`.
    pub fn link_by_index(&mut self, index: u32) -> NlResult<Option<Link>> {
        self.one_link(&mut Msg::new(RTM_GETLINK, 0, &ifinfomsg(index, 0, 0)))
    }

    fn one_link(&mut self, m: &mut Msg) -> NlResult<Option<Link>> {
        match self.query(m) {
            Ok(replies) => Ok(replies
                .iter()
                .filter(|(t, _)| *t == RTM_NEWLINK)
                .find_map(|(_, p)| parse_link(p))),
            Err(e) if e.errno == Errno::ENODEV => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every link (`RTM_GETLINK` dump).
    pub fn links(&mut self) -> NlResult<Vec<Link>> {
        self.dump_links(&mut Msg::new(RTM_GETLINK, NLM_F_DUMP, &ifinfomsg(0, 0, 0)))
    }

    /// The links enslaved to `master` (a bridge's ports), filtered by the kernel.
    pub fn ports_of(&mut self, master: u32) -> NlResult<Vec<Link>> {
        let mut m = Msg::new(RTM_GETLINK, NLM_F_DUMP, &ifinfomsg(0, 0, 0));
        m.u32(IFLA_MASTER, master);
        let ports = self.dump_links(&mut m)?;
        // An old kernel ignores the filter: keep only the ports.
        Ok(ports
            .into_iter()
            .filter(|l| l.master == Some(master))
            .collect())
    }

    fn dump_links(&mut self, m: &mut Msg) -> NlResult<Vec<Link>> {
        let replies = self.query(m)?;
        Ok(replies
            .iter()
            .filter(|(t, _)| *t == RTM_NEWLINK)
            .filter_map(|(_, p)| parse_link(p))
            .collect())
    }

    /// Delete a link (for a veth: both ends).
    pub fn del_link(&mut self, index: u32) -> NlResult<()> {
        let mut m = Msg::new(RTM_DELLINK, 0, &ifinfomsg(index, 0, 0));
        self.request(&mut m)
    }

    /// Add an address to a link (`IFA_F_NODAD`).
    pub fn add_addr(&mut self, index: u32, c: &Cidr) -> NlResult<()> {
        self.request(&mut Msg::add_addr(index, c))
    }

    /// The addresses of link `index`. The kernel dumps only that link's when asked strictly
    /// (`NETLINK_GET_STRICT_CHK`, Linux 4.20), rather than every address of the host (a bridge's
    /// hundreds of ports each have one); an older one sends all, filtered here.
    pub fn addrs_of(&mut self, index: u32) -> NlResult<Vec<Cidr>> {
        let mut h = [0u8; 8];
        h[4..8].copy_from_slice(&index.to_ne_bytes());
        let mut m = Msg::new(RTM_GETADDR, NLM_F_DUMP, &h);
        let fd = self.fd.as_fd();
        let _ = sys::setsockopt_int(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
        let replies = self.query(&mut m);
        let fd = self.fd.as_fd();
        let _ = sys::setsockopt_int(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 0);
        Ok(replies?
            .iter()
            .filter(|(t, _)| *t == RTM_NEWADDR)
            .filter_map(|(_, p)| parse_addr(p))
            .filter_map(|(i, c)| (i == index).then_some(c))
            .collect())
    }

    /// The unicast routes of the main table of `family` (`libc::AF_INET`, `AF_INET6`).
    pub fn routes(&mut self, family: i32) -> NlResult<Vec<RouteEntry>> {
        let mut all = self.routes_of_all_tables(family)?;
        all.retain(|r| r.table == u32::from(RT_TABLE_MAIN));
        Ok(all)
    }

    /// The unicast routes of `family` in every table.
    pub fn routes_of_all_tables(&mut self, family: i32) -> NlResult<Vec<RouteEntry>> {
        let mut m = Msg::new(
            RTM_GETROUTE,
            NLM_F_DUMP,
            &[family as u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        );
        let replies = self.query(&mut m)?;
        Ok(replies
            .iter()
            .filter(|(t, p)| *t == RTM_NEWROUTE && p.len() >= 12)
            .filter_map(|(_, p)| parse_route(family, p))
            .filter(|r| r.unicast)
            .collect())
    }

    /// Every address of every link (`RTM_GETADDR` dump): the link's index and the address,
    /// `IFA_LOCAL` for IPv4 (the address itself on a point-to-point link), else `IFA_ADDRESS`.
    pub fn addresses(&mut self) -> NlResult<Vec<(u32, Cidr)>> {
        let mut m = Msg::new(RTM_GETADDR, NLM_F_DUMP, &[0u8; 8]);
        let replies = self.query(&mut m)?;
        Ok(replies
            .iter()
            .filter(|(t, _)| *t == RTM_NEWADDR)
            .filter_map(|(_, p)| parse_addr(p))
            .collect())
    }

    /// The id this namespace gives the network namespace `netns`, if it has one.
    pub fn nsid_of(&mut self, netns: BorrowedFd<'_>) -> NlResult<Option<i32>> {
        let mut m = Msg::new(RTM_GETNSID, 0, &[libc::AF_UNSPEC as u8, 0, 0, 0]);
        m.u32(NETNSA_FD, netns.as_raw_fd() as u32);
        let replies = self.query(&mut m)?;
        let id = replies
            .iter()
            .filter(|(t, _)| *t == RTM_NEWNSID)
            .flat_map(|(_, p)| attrs(p.get(4..).unwrap_or_default()))
            .find(|(t, _)| *t == NETNSA_NSID)
            .filter(|(_, d)| d.len() >= 4)
            .map(|(_, d)| ne_u32(d) as i32);
        Ok(id.filter(|id| *id >= 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_replies_prefer_the_local_ipv4_address() {
        // ifaddrmsg (AF_INET, /30, index 2), IFA_ADDRESS (the peer) then IFA_LOCAL.
        let mut p = vec![libc::AF_INET as u8, 30, 0, 0];
        p.extend_from_slice(&2u32.to_ne_bytes());
        for (ty, a) in [(IFA_ADDRESS, [10, 0, 0, 1]), (IFA_LOCAL, [10, 0, 0, 2])] {
            p.extend_from_slice(&8u16.to_ne_bytes());
            p.extend_from_slice(&ty.to_ne_bytes());
            p.extend_from_slice(&a);
        }
        let (index, c) = parse_addr(&p).unwrap();
        assert_eq!((index, c.to_string().as_str()), (2, "10.0.0.2/30"));
        let mut v6 = vec![libc::AF_INET6 as u8, 64, 0, 0];
        v6.extend_from_slice(&3u32.to_ne_bytes());
        v6.extend_from_slice(&20u16.to_ne_bytes());
        v6.extend_from_slice(&IFA_ADDRESS.to_ne_bytes());
        v6.extend_from_slice(&"fd00::1".parse::<std::net::Ipv6Addr>().unwrap().octets());
        assert_eq!(parse_addr(&v6).unwrap().1.to_string(), "fd00::1/64");
        assert!(parse_addr(&[2, 0]).is_none());
    }

    #[test]
    fn attributes_are_aligned_and_nests_sized() {
        let mut m = Msg::new(RTM_NEWLINK, NLM_F_CREATE, &ifinfomsg(7, IFF_UP, IFF_UP));
        m.str(IFLA_IFNAME, "ab"); // 4 + 3 bytes, padded to 8
        let n = m.nest(IFLA_LINKINFO);
        m.str(IFLA_INFO_KIND, "veth"); // 4 + 5, padded to 12
        m.end(n);
        let seq = 42;
        let b = m.finish(seq).to_vec();
        assert_eq!(b.len(), 16 + 16 + 8 + 4 + 12);
        assert_eq!(ne_u32(&b), b.len() as u32);
        assert_eq!(ne_u16(&b[4..]), RTM_NEWLINK);
        assert_eq!(ne_u16(&b[6..]), NLM_F_CREATE | NLM_F_REQUEST);
        assert_eq!(ne_u32(&b[8..]), 42);
        assert_eq!(ne_u32(&b[20..]), 7);
        let top: Vec<_> = attrs(&b[32..]).collect();
        assert_eq!(top.len(), 2);
        assert_eq!(top[0], (IFLA_IFNAME, &b"ab\0"[..]));
        assert_eq!(top[1].0, IFLA_LINKINFO);
        assert_eq!(ne_u16(&b[42..]), NLA_F_NESTED | IFLA_LINKINFO);
        assert_eq!(ne_u16(&b[40..]), 16);
        let inner: Vec<_> = attrs(top[1].1).collect();
        assert_eq!(inner, [(IFLA_INFO_KIND, &b"veth\0"[..])]);
    }

    #[test]
    fn cni_route_and_address_requests() {
        let net = Cidr::parse("10.9.0.0/24").unwrap();
        // A route of any protocol, scope and type, by destination and link.
        let mut m = Msg::del_route(&net, 3);
        let b = m.finish(1).to_vec();
        assert_eq!(ne_u16(&b[4..]), RTM_DELROUTE);
        assert_eq!(&b[16..24], &[2, 24, 0, 0, RT_TABLE_MAIN, 0, 255, 0]);
        let a: Vec<_> = attrs(&b[28..]).collect();
        assert_eq!(
            a,
            [
                (RTA_DST, &[10, 9, 0, 0][..]),
                (RTA_OIF, &3u32.to_ne_bytes()[..])
            ]
        );
        // Scope, source, metric and metrics.
        let r = Route {
            dst: net,
            via: None,
        };
        let x = RouteExtra {
            scope: Some(RT_SCOPE_LINK),
            src: Some("10.9.0.2".parse().unwrap()),
            priority: Some(77),
            mtu: Some(1300),
            ..RouteExtra::default()
        };
        let mut m = Msg::add_route_with(&r, 3, &x);
        let b = m.finish(1).to_vec();
        assert_eq!(b[16 + 6], RT_SCOPE_LINK);
        let a: Vec<_> = attrs(&b[28..]).collect();
        assert!(a.contains(&(RTA_PREFSRC, &[10, 9, 0, 2][..])));
        assert!(a.contains(&(RTA_PRIORITY, &77u32.to_ne_bytes()[..])));
        let metrics = a.iter().find(|(t, _)| *t == RTA_METRICS).unwrap().1;
        assert_eq!(
            attrs(metrics).collect::<Vec<_>>(),
            [(RTAX_MTU, &1300u32.to_ne_bytes()[..])]
        );
        // An IPv4 address with its broadcast, an IPv6 one and a /31 without.
        let mut m = Msg::add_addr_brd(3, &Cidr::parse("10.9.0.2/24").unwrap());
        let b = m.finish(1).to_vec();
        assert!(attrs(&b[24..]).any(|(t, d)| t == IFA_BROADCAST && d == [10, 9, 0, 255]));
        for c in ["fd00::2/64", "10.9.0.2/31"] {
            let mut m = Msg::add_addr_brd(3, &Cidr::parse(c).unwrap());
            let b = m.finish(1).to_vec();
            assert!(!attrs(&b[24..]).any(|(t, _)| t == IFA_BROADCAST), "{c}");
        }
        // A link's group, set and parsed back.
        let mut m = Msg::rename_up(7, "cni1", None);
        m.set_group(42);
        let b = m.finish(1).to_vec();
        assert_eq!(parse_link(&b[16..]).unwrap().group, 42);
    }

    #[test]
    fn renaming_and_marking_requests() {
        let mut m = Msg::rename_up(7, "veth1", Some("nstools:veth"));
        let b = m.finish(1).to_vec();
        assert_eq!(ne_u16(&b[4..]), RTM_SETLINK);
        // ifinfomsg: index 7, IFF_UP set and changed.
        assert_eq!(
            (ne_u32(&b[20..]), ne_u32(&b[24..]), ne_u32(&b[28..])),
            (7, 1, 1)
        );
        let a: Vec<_> = attrs(&b[32..]).collect();
        assert_eq!(
            a,
            [
                (IFLA_IFNAME, &b"veth1\0"[..]),
                (IFLA_IFALIAS, &b"nstools:veth\0"[..])
            ]
        );
        // By name (index 0), as the datagram that creates a link marks it.
        let mut m = Msg::set_alias_of("nst0", "x");
        let b = m.finish(2).to_vec();
        assert_eq!(ne_u32(&b[20..]), 0);
        // The alias read back from a link's description; an empty one is none.
        let alias_of = |alias: &str| {
            let mut m = Msg {
                buf: ifinfomsg(7, 0, 0).to_vec(),
            };
            m.str(IFLA_IFNAME, "veth1");
            m.str(IFLA_IFALIAS, alias);
            parse_link(&m.buf).unwrap().alias
        };
        assert_eq!(alias_of("nstools:veth").as_deref(), Some("nstools:veth"));
        assert_eq!(alias_of(""), None);
    }

    fn error_msg(code: i32, ext: Option<&str>) -> Vec<u8> {
        let mut p = code.to_ne_bytes().to_vec();
        let mut req = [0u8; 16];
        req[0..4].copy_from_slice(&40u32.to_ne_bytes()); // request was 40 bytes, capped
        p.extend_from_slice(&req);
        if let Some(s) = ext {
            let mut m = Msg { buf: Vec::new() };
            m.str(NLMSGERR_ATTR_MSG, s);
            p.extend_from_slice(&m.buf);
        }
        p
    }

    #[test]
    fn errors_map_to_errno_with_extack() {
        let flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
        let p = error_msg(-libc::EEXIST, Some("Address already assigned"));
        assert_eq!(
            parse_error(flags, &p).unwrap(),
            Some(NlError {
                errno: Errno::EEXIST,
                msg: Some("Address already assigned".into())
            })
        );
        let p = error_msg(-libc::ENODEV, None);
        assert_eq!(
            parse_error(NLM_F_CAPPED, &p).unwrap(),
            Some(Errno::ENODEV.into())
        );
        assert_eq!(parse_error(0, &error_msg(0, None)).unwrap(), None);
        assert!(parse_error(0, &[0; 8]).is_err());
    }

    #[test]
    fn messages_split_and_reject_bad_lengths() {
        let mut a = Msg::new(NLMSG_DONE, 0, &[0; 4]);
        let mut buf = a.finish(3).to_vec();
        buf.extend_from_slice(&buf.clone());
        let ms = messages(&buf).unwrap();
        assert_eq!(ms.len(), 2);
        assert_eq!(
            (ms[1].ty, ms[1].seq, ms[1].payload.len()),
            (NLMSG_DONE, 3, 4)
        );
        buf[0] = 200;
        assert!(messages(&buf).is_err());
    }

    #[test]
    fn stale_replies_are_told_from_future_ones() {
        assert!(stale(4, 5));
        assert!(!stale(5, 5));
        assert!(!stale(6, 5));
        assert!(stale(u32::MAX, 1), "sequence numbers wrap");
        let e = out_of_sequence(9, 5);
        assert_eq!(e.errno, Errno::EPROTO);
    }
}

/// Property tests of the reply parsers: any bytes are safe, and what we build reads back.
#[cfg(test)]
mod prop {
    use super::*;
    use proptest::prelude::*;

    /// A reply message as the kernel frames one: header, payload, padding.
    fn framed(ty: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&((NLMSG_HDRLEN + payload.len()) as u32).to_ne_bytes());
        b.extend_from_slice(&ty.to_ne_bytes());
        b.extend_from_slice(&flags.to_ne_bytes());
        b.extend_from_slice(&seq.to_ne_bytes());
        b.extend_from_slice(&0u32.to_ne_bytes());
        b.extend_from_slice(payload);
        b.resize(align(b.len()), 0);
        b
    }

    proptest! {
        #[test]
        fn replies_of_any_bytes_are_safe(bytes in proptest::collection::vec(any::<u8>(), 0..300), flags in any::<u16>()) {
            if let Ok(ms) = messages(&bytes) {
                for m in ms {
                    prop_assert!(m.payload.len() <= bytes.len());
                    let _ = parse_error(m.flags, m.payload);
                    let _ = parse_link(m.payload);
                }
            }
            let _ = parse_error(flags, &bytes);
            let _ = parse_link(&bytes);
        }

        #[test]
        fn messages_split_as_framed(parts in proptest::collection::vec(
            (any::<u16>(), any::<u16>(), any::<u32>(), proptest::collection::vec(any::<u8>(), 0..40)), 0..6)
        ) {
            let mut buf = Vec::new();
            for (ty, flags, seq, p) in &parts {
                buf.extend(framed(*ty, *flags, *seq, p));
            }
            let got = messages(&buf).unwrap();
            prop_assert_eq!(got.len(), parts.len());
            for (m, (ty, flags, seq, p)) in got.iter().zip(&parts) {
                prop_assert_eq!((m.ty, m.flags, m.seq, m.payload), (*ty, *flags, *seq, &p[..]));
            }
        }

        /// A link description built as the kernel sends one reads back field by field.
        #[test]
        fn links_read_back(
            index in any::<u32>(),
            flags in any::<u32>(),
            name in "[a-z0-9]{1,15}",
            mtu in proptest::option::of(any::<u32>()),
            master in proptest::option::of(any::<u32>()),
            alias in proptest::option::of("[ -~]{1,30}"),
            kind in proptest::option::of("[a-z]{1,8}"),
        ) {
            let mut m = Msg { buf: ifinfomsg(index, flags, 0).to_vec() };
            m.str(IFLA_IFNAME, &name);
            if let Some(v) = mtu {
                m.u32(IFLA_MTU, v);
            }
            if let Some(v) = master {
                m.u32(IFLA_MASTER, v);
            }
            if let Some(a) = &alias {
                m.str(IFLA_IFALIAS, a);
            }
            if let Some(k) = &kind {
                let n = m.nest(IFLA_LINKINFO);
                m.str(IFLA_INFO_KIND, k);
                m.end(n);
            }
            let l = parse_link(&m.buf).unwrap();
            prop_assert_eq!((l.index, l.flags, &l.name), (index, flags, &name));
            prop_assert_eq!((l.mtu, l.master), (mtu, master));
            prop_assert_eq!(l.alias, alias);
            prop_assert_eq!(l.kind, kind);
        }

        /// An error reply: its errno, and the extended ack's message when there is one.
        #[test]
        fn errors_read_back(code in 1i32..4096, ext in proptest::option::of("[ -~]{1,60}"), capped in proptest::bool::ANY) {
            let mut p = (-code).to_ne_bytes().to_vec();
            let request = framed(RTM_NEWLINK, 0, 1, &[0; 20]);
            if capped {
                p.extend_from_slice(&request[..NLMSG_HDRLEN]);
            } else {
                p.extend_from_slice(&request);
            }
            let mut flags = if capped { NLM_F_CAPPED } else { 0 };
            if let Some(s) = &ext {
                let mut m = Msg { buf: Vec::new() };
                m.str(NLMSGERR_ATTR_MSG, s);
                p.extend_from_slice(&m.buf);
                flags |= NLM_F_ACK_TLVS;
            }
            let e = parse_error(flags, &p).unwrap().unwrap();
            prop_assert_eq!(e.errno, Errno::from_raw(code));
            prop_assert_eq!(e.msg, ext);
        }
    }
}
