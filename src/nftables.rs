//! A small nf_tables client: a table of our own with NAT base chains and rules made of a handful
//! of expressions, sent as one batch, which the kernel applies as one transaction (all of it or
//! nothing); and the rules read back. No `nft` or `iptables` binary is needed.
//!
//! nf_tables speaks netlink (`NETLINK_NETFILTER`, subsystem `NFNL_SUBSYS_NFTABLES`): every
//! message starts with a `struct nfgenmsg` (address family, version, resource id), its integers
//! are big-endian, and changes go between a `BATCH_BEGIN` and a `BATCH_END` message. Building
//! messages, the socket and reading replies are [`crate::netlink`]'s.
//!
//! A rule is a list of [`Expr`]s, each loading into or comparing register 1 (16 bytes, enough
//! for an IPv6 address), as `nft` compiles `ip saddr 10.0.0.0/8`: a payload load, a mask, a
//! compare. The rule's comment goes in its user data the way `nft` keeps it, so
//! `nft list table ip nstools` shows it.

use std::fmt::{self, Write as _};
use std::net::IpAddr;

use nix::errno::Errno;

use crate::error::{Context, Error, Result};
use crate::netlink::{
    attrs, Msg, NlResult, Socket, NETLINK_NETFILTER, NLM_F_APPEND, NLM_F_CREATE, NLM_F_DUMP,
};

// <linux/netfilter/nfnetlink.h>, <linux/netfilter/nf_tables.h>
const NFNL_SUBSYS_NFTABLES: u16 = 10;
const NFNL_MSG_BATCH_BEGIN: u16 = 0x10;
const NFNL_MSG_BATCH_END: u16 = 0x11;
const NFT_MSG_NEWTABLE: u16 = 0;
const NFT_MSG_GETTABLE: u16 = 1;
const NFT_MSG_DELTABLE: u16 = 2;
const NFT_MSG_NEWCHAIN: u16 = 3;
const NFT_MSG_NEWRULE: u16 = 6;
const NFT_MSG_GETRULE: u16 = 7;
const NFTA_TABLE_NAME: u16 = 1;
const NFTA_TABLE_HANDLE: u16 = 4;
const NFTA_CHAIN_TABLE: u16 = 1;
const NFTA_CHAIN_NAME: u16 = 3;
const NFTA_CHAIN_HOOK: u16 = 4;
const NFTA_CHAIN_TYPE: u16 = 7;
const NFTA_HOOK_HOOKNUM: u16 = 1;
const NFTA_HOOK_PRIORITY: u16 = 2;
const NFTA_RULE_TABLE: u16 = 1;
const NFTA_RULE_CHAIN: u16 = 2;
const NFTA_RULE_HANDLE: u16 = 3;
const NFTA_RULE_EXPRESSIONS: u16 = 4;
const NFTA_RULE_USERDATA: u16 = 7;
const NFTA_LIST_ELEM: u16 = 1;
const NFTA_EXPR_NAME: u16 = 1;
const NFTA_EXPR_DATA: u16 = 2;
const NFTA_DATA_VALUE: u16 = 1;
/// The first 16-byte register (`NFT_REG_1`); `NFT_REG_2` follows.
const REG1: u32 = 1;
const REG2: u32 = 2;
// Attributes of the expressions, all numbered from 1 in the same order for what we use:
// payload: DREG BASE OFFSET LEN; cmp: SREG OP DATA; bitwise: SREG DREG LEN MASK XOR;
// meta: DREG KEY; fib: DREG RESULT FLAGS; ct: DREG KEY; immediate: DREG DATA;
// nat: TYPE FAMILY REG_ADDR_MIN REG_ADDR_MAX REG_PROTO_MIN.
const NFT_META_L4PROTO: u32 = 16;
const NFT_FIB_RESULT_ADDRTYPE: u32 = 3;
const NFTA_FIB_F_DADDR: u32 = 1 << 1;
const NFT_CT_STATUS: u32 = 2;
const NFT_NAT_DNAT: u32 = 1;
/// `RTN_LOCAL`: what `fib daddr type` gives for an address of this host.
const RTN_LOCAL: u32 = 2;
/// `IPS_DST_NAT`, a bit of the conntrack status: the connection's destination was rewritten.
pub const IPS_DST_NAT: u32 = 1 << 5;
/// The user-data type of a rule's comment (libnftnl's `NFTNL_UDATA_RULE_COMMENT`).
const UDATA_COMMENT: u8 = 0;

/// The netfilter hooks of our chains and their priorities (`srcnat` 100, `dstnat` -100).
const PREROUTING: (u32, i32) = (0, -100);
const OUTPUT: (u32, i32) = (3, -100);
const POSTROUTING: (u32, i32) = (4, 100);

/// An address family of tables: `ip` or `ip6`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Ip,
    Ip6,
}

impl Family {
    pub fn of(a: IpAddr) -> Family {
        if a.is_ipv4() {
            Family::Ip
        } else {
            Family::Ip6
        }
    }

    /// Its name in `nft`'s syntax.
    pub fn name(self) -> &'static str {
        match self {
            Family::Ip => "ip",
            Family::Ip6 => "ip6",
        }
    }

    /// `NFPROTO_IPV4`, `NFPROTO_IPV6`.
    fn proto(self) -> u8 {
        match self {
            Family::Ip => 2,
            Family::Ip6 => 10,
        }
    }

    fn addr_len(self) -> u32 {
        match self {
            Family::Ip => 4,
            Family::Ip6 => 16,
        }
    }

    /// Where the source address is in the network header (the destination follows).
    fn saddr_offset(self) -> u32 {
        match self {
            Family::Ip => 12,
            Family::Ip6 => 8,
        }
    }
}

/// A base chain of our table: all of type `nat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chain {
    Prerouting,
    Output,
    Postrouting,
}

impl Chain {
    pub fn name(self) -> &'static str {
        match self {
            Chain::Prerouting => "prerouting",
            Chain::Output => "output",
            Chain::Postrouting => "postrouting",
        }
    }

    fn hook(self) -> (u32, i32) {
        match self {
            Chain::Prerouting => PREROUTING,
            Chain::Output => OUTPUT,
            Chain::Postrouting => POSTROUTING,
        }
    }
}

/// A header a payload expression loads from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// `NFT_PAYLOAD_NETWORK_HEADER`
    Network = 1,
    /// `NFT_PAYLOAD_TRANSPORT_HEADER`
    Transport = 2,
}

/// One expression of a rule (the few our rules need), over register 1 unless it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// Load `len` bytes at `offset` of a header.
    Payload { base: Base, offset: u32, len: u32 },
    /// AND with a mask of the loaded length.
    Mask(Vec<u8>),
    /// Compare, equal or not (the rule stops here when it does not hold).
    Cmp { eq: bool, data: Vec<u8> },
    /// Load the transport protocol (`meta l4proto`).
    L4Proto,
    /// Load the route type of the destination address (`fib daddr type`).
    FibDaddrType,
    /// Load the connection's status bits (`ct status`).
    CtStatus,
    /// Load a constant into register `reg`.
    Immediate { reg: u32, data: Vec<u8> },
    /// Destination NAT to the address in register 1 and the port in register 2.
    Dnat,
    /// Source NAT to the address of the interface the packet leaves by.
    Masquerade,
    /// An expression this client does not build, by name (read back only).
    Other(String),
}

/// A rule of our table: its chain, expressions and comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub chain: Chain,
    pub exprs: Vec<Expr>,
    pub comment: String,
}

/// The expressions that match a network: `ip saddr 10.0.0.0/8` (or `daddr`, or `!=`).
pub fn match_net(family: Family, dst: bool, net: &crate::addr::Cidr, eq: bool) -> Vec<Expr> {
    let len = family.addr_len();
    let offset = family.saddr_offset() + if dst { len } else { 0 };
    let mut v = vec![Expr::Payload {
        base: Base::Network,
        offset,
        len,
    }];
    let width = len * 8;
    if u32::from(net.prefix) < width {
        let mut mask = vec![0u8; len as usize];
        for (i, b) in mask.iter_mut().enumerate() {
            let bits = u32::from(net.prefix).saturating_sub(i as u32 * 8).min(8);
            *b = (0xff00u16 >> bits) as u8;
        }
        v.push(Expr::Mask(mask));
    }
    v.push(Expr::Cmp {
        eq,
        data: octets(net.network().addr),
    });
    v
}

/// The expressions that match `proto dport PORT` (`tcp dport 8080`).
pub fn match_dport(proto: u8, port: u16) -> Vec<Expr> {
    vec![
        Expr::L4Proto,
        Expr::Cmp {
            eq: true,
            data: vec![proto],
        },
        Expr::Payload {
            base: Base::Transport,
            offset: 2,
            len: 2,
        },
        Expr::Cmp {
            eq: true,
            data: port.to_be_bytes().to_vec(),
        },
    ]
}

/// The expressions that match a destination address of this host (`fib daddr type local`).
pub fn match_local_daddr() -> Vec<Expr> {
    vec![
        Expr::FibDaddrType,
        Expr::Cmp {
            eq: true,
            data: RTN_LOCAL.to_ne_bytes().to_vec(),
        },
    ]
}

/// The expressions that match connections whose destination was rewritten (`ct status dnat`).
pub fn match_dnatted() -> Vec<Expr> {
    vec![
        Expr::CtStatus,
        Expr::Mask(IPS_DST_NAT.to_ne_bytes().to_vec()),
        Expr::Cmp {
            eq: false,
            data: vec![0; 4],
        },
    ]
}

/// The expressions of `dnat to ADDR:PORT`.
pub fn dnat_to(addr: IpAddr, port: u16) -> Vec<Expr> {
    vec![
        Expr::Immediate {
            reg: REG1,
            data: octets(addr),
        },
        Expr::Immediate {
            reg: REG2,
            data: port.to_be_bytes().to_vec(),
        },
        Expr::Dnat,
    ]
}

fn octets(a: IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(v) => v.octets().to_vec(),
        IpAddr::V6(v) => v.octets().to_vec(),
    }
}

/// `struct nfgenmsg`: family, version 0, resource id (big-endian).
fn nfgenmsg(family: u8, res_id: u16) -> [u8; 4] {
    let r = res_id.to_be_bytes();
    [family, 0, r[0], r[1]]
}

/// A message of the nf_tables subsystem.
fn msg(ty: u16, flags: u16, family: Family) -> Msg {
    Msg::new(
        NFNL_SUBSYS_NFTABLES << 8 | ty,
        flags,
        &nfgenmsg(family.proto(), 0),
    )
}

fn be32(m: &mut Msg, ty: u16, v: u32) {
    m.attr(ty, &v.to_be_bytes());
}

/// A data attribute: a nest holding the value.
fn data(m: &mut Msg, ty: u16, value: &[u8]) {
    let n = m.nest(ty);
    m.attr(NFTA_DATA_VALUE, value);
    m.end(n);
}

/// One expression, as an element of a rule's list.
fn put_expr(m: &mut Msg, family: Family, e: &Expr) {
    let elem = m.nest(NFTA_LIST_ELEM);
    let name = match e {
        Expr::Payload { .. } => "payload",
        Expr::Mask(_) => "bitwise",
        Expr::Cmp { .. } => "cmp",
        Expr::L4Proto => "meta",
        Expr::FibDaddrType => "fib",
        Expr::CtStatus => "ct",
        Expr::Immediate { .. } => "immediate",
        Expr::Dnat => "nat",
        Expr::Masquerade => "masq",
        Expr::Other(n) => n,
    };
    m.str(NFTA_EXPR_NAME, name);
    let d = m.nest(NFTA_EXPR_DATA);
    match e {
        Expr::Payload { base, offset, len } => {
            for (i, v) in [REG1, *base as u32, *offset, *len].into_iter().enumerate() {
                be32(m, i as u16 + 1, v);
            }
        }
        Expr::Mask(mask) => {
            be32(m, 1, REG1);
            be32(m, 2, REG1);
            be32(m, 3, mask.len() as u32);
            data(m, 4, mask);
            data(m, 5, &vec![0; mask.len()]);
        }
        Expr::Cmp { eq, data: d } => {
            be32(m, 1, REG1);
            be32(m, 2, if *eq { 0 } else { 1 });
            data(m, 3, d);
        }
        Expr::L4Proto => {
            be32(m, 1, REG1);
            be32(m, 2, NFT_META_L4PROTO);
        }
        Expr::FibDaddrType => {
            be32(m, 1, REG1);
            be32(m, 2, NFT_FIB_RESULT_ADDRTYPE);
            be32(m, 3, NFTA_FIB_F_DADDR);
        }
        Expr::CtStatus => {
            be32(m, 1, REG1);
            be32(m, 2, NFT_CT_STATUS);
        }
        Expr::Immediate { reg, data: d } => {
            be32(m, 1, *reg);
            data(m, 2, d);
        }
        Expr::Dnat => {
            be32(m, 1, NFT_NAT_DNAT);
            be32(m, 2, u32::from(family.proto()));
            be32(m, 3, REG1);
            be32(m, 5, REG2);
        }
        Expr::Masquerade | Expr::Other(_) => {}
    }
    m.end(d);
    m.end(elem);
}

/// A table of ours, in one address family.
pub struct Table {
    pub family: Family,
    pub name: &'static str,
}

impl Table {
    fn with_name(&self, ty: u16, flags: u16) -> Msg {
        let mut m = msg(ty, flags, self.family);
        m.str(NFTA_TABLE_NAME, self.name);
        m
    }

    /// Replace the table with one holding `rules` (no table at all when there are none), in one
    /// transaction: packets meet the old rules or the new ones, never a mix. Chains are made as
    /// the rules need them. Creating the table first makes the deletion valid when it is absent.
    pub fn replace(&self, sock: &mut Socket, rules: &[Rule]) -> Result<()> {
        let what = || format!("cannot set up table {} {}", self.family.name(), self.name);
        let batch = |ty| Msg::new(ty, 0, &nfgenmsg(0, NFNL_SUBSYS_NFTABLES));
        let mut msgs = vec![
            batch(NFNL_MSG_BATCH_BEGIN),
            self.with_name(NFT_MSG_NEWTABLE, NLM_F_CREATE),
            self.with_name(NFT_MSG_DELTABLE, 0),
        ];
        if !rules.is_empty() {
            msgs.push(self.with_name(NFT_MSG_NEWTABLE, NLM_F_CREATE));
            let used = |c: &Chain| rules.iter().any(|r| r.chain == *c);
            for c in [Chain::Prerouting, Chain::Output, Chain::Postrouting]
                .iter()
                .filter(|c| used(c))
            {
                let mut m = msg(NFT_MSG_NEWCHAIN, NLM_F_CREATE, self.family);
                m.str(NFTA_CHAIN_TABLE, self.name);
                m.str(NFTA_CHAIN_NAME, c.name());
                let hook = m.nest(NFTA_CHAIN_HOOK);
                be32(&mut m, NFTA_HOOK_HOOKNUM, c.hook().0);
                be32(&mut m, NFTA_HOOK_PRIORITY, c.hook().1 as u32);
                m.end(hook);
                m.str(NFTA_CHAIN_TYPE, "nat");
                msgs.push(m);
            }
            for r in rules {
                let mut m = msg(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, self.family);
                m.str(NFTA_RULE_TABLE, self.name);
                m.str(NFTA_RULE_CHAIN, r.chain.name());
                let list = m.nest(NFTA_RULE_EXPRESSIONS);
                for e in &r.exprs {
                    put_expr(&mut m, self.family, e);
                }
                m.end(list);
                let mut udata = vec![UDATA_COMMENT, r.comment.len() as u8 + 1];
                udata.extend_from_slice(r.comment.as_bytes());
                udata.push(0);
                m.attr(NFTA_RULE_USERDATA, &udata);
                msgs.push(m);
            }
        }
        // Only the last request is acknowledged (see `Socket::exchange`).
        let last = msgs.len() - 1;
        msgs[last].want_ack();
        msgs.push(batch(NFNL_MSG_BATCH_END));
        sock.exchange(&mut msgs).map_err(|(_, e)| e).context(what)
    }

    /// The table's handle, if it exists (a table made again gets a new one).
    pub fn handle(&self, sock: &mut Socket) -> NlResult<Option<u64>> {
        match sock.query(&mut self.with_name(NFT_MSG_GETTABLE, 0)) {
            Ok(replies) => Ok(replies
                .iter()
                .flat_map(|(_, p)| attrs(p.get(4..).unwrap_or_default()))
                .find(|(t, d)| *t == NFTA_TABLE_HANDLE && d.len() == 8)
                .map(|(_, d)| u64::from_be_bytes(d.try_into().unwrap_or_default()))),
            Err(e) if e.errno == nix::errno::Errno::ENOENT => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The rules of the table as the kernel has them (none when there is no table).
    pub fn rules(&self, sock: &mut Socket) -> NlResult<Vec<ListedRule>> {
        let mut m = msg(NFT_MSG_GETRULE, NLM_F_DUMP, self.family);
        m.str(NFTA_RULE_TABLE, self.name);
        let replies = match sock.query(&mut m) {
            Ok(r) => r,
            Err(e) if e.errno == nix::errno::Errno::ENOENT => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        Ok(replies
            .iter()
            .filter(|(t, _)| *t == NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWRULE)
            .filter_map(|(_, p)| parse_rule(self.family, p.get(4..)?))
            .collect())
    }
}

/// A socket for nf_tables in the calling thread's network namespace. A kernel without
/// nfnetlink (built without it, or its module not loaded and no modprobe to load it) answers
/// EPROTONOSUPPORT, said here in words; the errno stays for callers that can do without.
pub fn socket() -> Result<Socket> {
    Socket::open_protocol(NETLINK_NETFILTER).map_err(|e| match e.errno() {
        Some(Errno::EPROTONOSUPPORT) => Error::sys(
            "cannot talk to nf_tables: this kernel has no nfnetlink (load the nf_tables module)",
            Errno::EPROTONOSUPPORT,
        ),
        _ => e,
    })
}

/// A rule read back: its chain (by name, as any chain may hold it), handle, comment and
/// expressions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedRule {
    pub family: Family,
    pub chain: String,
    pub handle: u64,
    pub comment: String,
    pub exprs: Vec<Expr>,
}

fn be32_of(d: &[u8]) -> u32 {
    d.get(..4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// The value of a data attribute (a nest holding `NFTA_DATA_VALUE`).
fn value_of(d: &[u8]) -> Vec<u8> {
    attrs(d)
        .find(|(t, _)| *t == NFTA_DATA_VALUE)
        .map_or_else(Vec::new, |(_, v)| v.to_vec())
}

fn parse_rule(family: Family, p: &[u8]) -> Option<ListedRule> {
    let mut r = ListedRule {
        family,
        chain: String::new(),
        handle: 0,
        comment: String::new(),
        exprs: Vec::new(),
    };
    for (ty, d) in attrs(p) {
        match ty {
            NFTA_RULE_CHAIN => r.chain = String::from_utf8_lossy(d).trim_end_matches('\0').into(),
            NFTA_RULE_HANDLE if d.len() == 8 => r.handle = u64::from_be_bytes(d.try_into().ok()?),
            NFTA_RULE_USERDATA => {
                // Type-length-value items; the comment's value ends with its NUL.
                let mut u = d;
                while let [t, len, rest @ ..] = u {
                    let v = rest.get(..usize::from(*len))?;
                    if *t == UDATA_COMMENT {
                        r.comment = String::from_utf8_lossy(v).trim_end_matches('\0').into();
                    }
                    u = &rest[usize::from(*len)..];
                }
            }
            NFTA_RULE_EXPRESSIONS => {
                for (_, e) in attrs(d) {
                    r.exprs.push(parse_expr(e));
                }
            }
            _ => {}
        }
    }
    Some(r)
}

fn parse_expr(e: &[u8]) -> Expr {
    let mut name = String::new();
    let mut a: Vec<(u16, &[u8])> = Vec::new();
    for (ty, d) in attrs(e) {
        match ty {
            NFTA_EXPR_NAME => name = String::from_utf8_lossy(d).trim_end_matches('\0').into(),
            NFTA_EXPR_DATA => a = attrs(d).collect(),
            _ => {}
        }
    }
    let get = |ty: u16| a.iter().find(|(t, _)| *t == ty).map(|(_, d)| *d);
    let num = |ty: u16| get(ty).map_or(0, be32_of);
    match name.as_str() {
        "payload" if num(1) == REG1 => Expr::Payload {
            base: if num(2) == Base::Transport as u32 {
                Base::Transport
            } else {
                Base::Network
            },
            offset: num(3),
            len: num(4),
        },
        "bitwise" if get(5).is_some_and(|x| value_of(x).iter().all(|b| *b == 0)) => {
            Expr::Mask(get(4).map(value_of).unwrap_or_default())
        }
        "cmp" if num(2) <= 1 => Expr::Cmp {
            eq: num(2) == 0,
            data: get(3).map(value_of).unwrap_or_default(),
        },
        "meta" if num(2) == NFT_META_L4PROTO => Expr::L4Proto,
        "fib" if num(2) == NFT_FIB_RESULT_ADDRTYPE && num(3) == NFTA_FIB_F_DADDR => {
            Expr::FibDaddrType
        }
        "ct" if num(2) == NFT_CT_STATUS => Expr::CtStatus,
        "immediate" if get(2).is_some() => Expr::Immediate {
            reg: num(1),
            data: get(2).map(value_of).unwrap_or_default(),
        },
        "nat" if num(1) == NFT_NAT_DNAT && num(3) == REG1 && num(5) == REG2 => Expr::Dnat,
        "masq" => Expr::Masquerade,
        _ => Expr::Other(name),
    }
}

/// An address of `family` from its bytes.
fn addr_of(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(b).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(b).ok()?)),
        _ => None,
    }
}

/// A prefix length from a mask (`None`: not a prefix).
fn prefix_of(mask: &[u8]) -> Option<u32> {
    let bits: u32 = mask.iter().map(|b| b.count_ones()).sum();
    let ok = mask
        .iter()
        .enumerate()
        .all(|(i, b)| *b == (0xff00u16 >> bits.saturating_sub(i as u32 * 8).min(8)) as u8);
    ok.then_some(bits)
}

/// The rule in `nft`'s syntax, for the expressions we build (others in brackets):
/// `ip saddr 10.88.0.0/16 ip daddr != 10.88.0.0/16 masquerade`.
impl fmt::Display for ListedRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&render(self.family, &self.exprs))
    }
}

/// Render expressions in `nft`'s syntax (see [`ListedRule`]'s `Display`).
pub fn render(family: Family, exprs: &[Expr]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    let (fam, len) = (family.name(), family.addr_len());
    let mut l4 = None; // the protocol a `meta l4proto` compare set, for `tcp dport`
    let mut dnat: (Option<IpAddr>, Option<u16>) = (None, None);
    while i < exprs.len() {
        let next = exprs.get(i + 1);
        let after = exprs.get(i + 2);
        let op = |eq: bool| if eq { "" } else { "!= " };
        match (&exprs[i], next, after) {
            (
                Expr::Payload {
                    base: Base::Network,
                    offset,
                    len: l,
                },
                Some(Expr::Mask(m)),
                Some(Expr::Cmp { eq, data }),
            ) if *l == len => {
                let which = if *offset == family.saddr_offset() {
                    "saddr"
                } else {
                    "daddr"
                };
                let a = addr_of(data).map_or_else(|| "?".into(), |a| a.to_string());
                let p = prefix_of(m).map_or_else(|| "?".into(), |p| p.to_string());
                out.push(format!("{fam} {which} {}{a}/{p}", op(*eq)));
                i += 3;
            }
            (
                Expr::Payload {
                    base: Base::Network,
                    offset,
                    len: l,
                },
                Some(Expr::Cmp { eq, data }),
                _,
            ) if *l == len => {
                let which = if *offset == family.saddr_offset() {
                    "saddr"
                } else {
                    "daddr"
                };
                let a = addr_of(data).map_or_else(|| "?".into(), |a| a.to_string());
                out.push(format!("{fam} {which} {}{a}", op(*eq)));
                i += 2;
            }
            (Expr::L4Proto, Some(Expr::Cmp { eq: true, data }), _) if data.len() == 1 => {
                l4 = Some(data[0]);
                i += 2;
            }
            (
                Expr::Payload {
                    base: Base::Transport,
                    offset: 2,
                    len: 2,
                },
                Some(Expr::Cmp { eq, data }),
                _,
            ) if data.len() == 2 => {
                let proto = match l4 {
                    Some(6) => "tcp",
                    Some(17) => "udp",
                    _ => "th",
                };
                out.push(format!(
                    "{proto} dport {}{}",
                    op(*eq),
                    u16::from_be_bytes([data[0], data[1]])
                ));
                l4 = None;
                i += 2;
            }
            (Expr::FibDaddrType, Some(Expr::Cmp { eq, data }), _) => {
                let t = if data == &RTN_LOCAL.to_ne_bytes() {
                    "local"
                } else {
                    "?"
                };
                out.push(format!("fib daddr type {}{t}", op(*eq)));
                i += 2;
            }
            (Expr::CtStatus, Some(Expr::Mask(m)), Some(Expr::Cmp { eq: false, data }))
                if m == &IPS_DST_NAT.to_ne_bytes() && data.iter().all(|b| *b == 0) =>
            {
                out.push("ct status dnat".into());
                i += 3;
            }
            (Expr::Immediate { reg: REG1, data }, _, _) => {
                dnat.0 = addr_of(data);
                i += 1;
            }
            (Expr::Immediate { reg: REG2, data }, _, _) if data.len() == 2 => {
                dnat.1 = Some(u16::from_be_bytes([data[0], data[1]]));
                i += 1;
            }
            (Expr::Dnat, _, _) => {
                let mut s = String::from("dnat to ");
                match dnat.0 {
                    Some(IpAddr::V6(a)) if dnat.1.is_some() => {
                        let _ = write!(s, "[{a}]");
                    }
                    Some(a) => {
                        let _ = write!(s, "{a}");
                    }
                    None => s.push('?'),
                }
                if let Some(p) = dnat.1 {
                    let _ = write!(s, ":{p}");
                }
                out.push(s);
                i += 1;
            }
            (Expr::Masquerade, _, _) => {
                out.push("masquerade".into());
                i += 1;
            }
            (e, _, _) => {
                out.push(match e {
                    Expr::Other(n) => format!("[{n}]"),
                    _ => "[?]".into(),
                });
                i += 1;
            }
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::Cidr;

    fn cidr(s: &str) -> Cidr {
        Cidr::parse(s).unwrap()
    }

    /// Every expression built here is read back as itself, and renders as `nft` writes it.
    #[test]
    fn expressions_round_trip_and_render() {
        let net = cidr("10.88.0.0/16");
        let mut exprs = match_net(Family::Ip, false, &net, true);
        exprs.extend(match_net(Family::Ip, true, &net, false));
        exprs.push(Expr::Masquerade);
        assert_eq!(
            render(Family::Ip, &exprs),
            "ip saddr 10.88.0.0/16 ip daddr != 10.88.0.0/16 masquerade"
        );
        assert_eq!(exprs[1], Expr::Mask(vec![255, 255, 0, 0]));
        let mut dn = match_local_daddr();
        dn.extend(match_dport(6, 8080));
        dn.extend(dnat_to("10.88.0.2".parse().unwrap(), 80));
        assert_eq!(
            render(Family::Ip, &dn),
            "fib daddr type local tcp dport 8080 dnat to 10.88.0.2:80"
        );
        let mut six = match_net(Family::Ip6, true, &cidr("fd00::1/128"), true);
        six.extend(match_dport(17, 53));
        six.extend(dnat_to("fd00::2".parse().unwrap(), 5353));
        assert_eq!(
            render(Family::Ip6, &six),
            "ip6 daddr fd00::1 udp dport 53 dnat to [fd00::2]:5353"
        );
        let mut hp = match_dnatted();
        hp.extend(match_net(Family::Ip6, false, &cidr("fd00::/64"), true));
        hp.push(Expr::Masquerade);
        assert_eq!(
            render(Family::Ip6, &hp),
            "ct status dnat ip6 saddr fd00::/64 masquerade"
        );
        assert_eq!(
            match_net(Family::Ip, false, &cidr("10.0.0.0/12"), true)[1],
            Expr::Mask(vec![255, 240, 0, 0])
        );
        assert_eq!(prefix_of(&[255, 240, 0, 0]), Some(12));
        assert_eq!(prefix_of(&[255, 0, 255, 0]), None);
        // Built into a rule message and parsed back from its attributes.
        for (family, exprs) in [
            (Family::Ip, exprs),
            (Family::Ip, dn),
            (Family::Ip6, six),
            (Family::Ip6, hp),
        ] {
            let mut m = msg(NFT_MSG_NEWRULE, 0, family);
            let list = m.nest(NFTA_RULE_EXPRESSIONS);
            for e in &exprs {
                put_expr(&mut m, family, e);
            }
            m.end(list);
            let body = m.payload();
            let r = parse_rule(family, &body[4..]).unwrap();
            assert_eq!(r.exprs, exprs);
        }
    }

    #[test]
    fn comments_are_read_from_user_data() {
        let mut m = msg(NFT_MSG_NEWRULE, 0, Family::Ip);
        m.str(NFTA_RULE_CHAIN, "postrouting");
        m.attr(NFTA_RULE_HANDLE, &7u64.to_be_bytes());
        m.attr(
            NFTA_RULE_USERDATA,
            &[9, 1, 0, UDATA_COMMENT, 4, b'a', b'b', b'c', 0],
        );
        let body = m.payload();
        let r = parse_rule(Family::Ip, &body[4..]).unwrap();
        assert_eq!(
            (r.chain.as_str(), r.handle, r.comment.as_str()),
            ("postrouting", 7, "abc")
        );
    }
}
