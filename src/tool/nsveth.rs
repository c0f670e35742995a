//! `nsveth`: give a network namespace a network, a veth pair with one end on the host and the
//! other inside, addressed, up and routed, over our own rtnetlink client ([`crate::netlink`]).
//! Everything is validated before the kernel is touched; [`crate::veth::add`] undoes a pair
//! whose setup fails half-way.

use std::ffi::OsString;
use std::fmt::Write as _;

use crate::cli;
use crate::error::{Error, Result};
use crate::netlink::{self, Cidr, Route};
use crate::veth::{self, Listed, Plan, Target, TargetSpec};

const NAME: &str = "nsveth";

const HELP: &str = "\
Usage:
 nsveth add --netns=<target> [options]
 nsveth del <name>
 nsveth list [--json]

Connect a network namespace to this one with a veth pair.

Targets:
 <pid>[:<inode>]           the network namespace of a process (optionally checked)
 <path>                    a namespace file (/proc/<pid>/ns/net, a persisted one)
 <name>                    a namespace in /run/netns (ip netns add)

Options for add:
 -n, --netns <target>      the namespace to connect (required)
 --host <name>             host end name (default: veth<pid> or veth<inode>)
 --peer <name>             end inside the namespace (default: eth0)
 --host-addr <cidr>        address of the host end (repeatable)
 --peer-addr <cidr>        address of the end inside (repeatable)
 --gateway                 default route inside via the first host address
                             of each address family
 --route <dest>[,via=<gw>] route inside, <dest> a network or 'default' (repeatable)
 --mtu <n>                 MTU of both ends (68-65535)
 --peer-mac <mac>          Ethernet address of the end inside
 --bridge <name>           enslave the host end to this bridge, made if missing
 -j, --json                print what was made (add) or the links (list) as JSON

 -h, --help                display this help
 -V, --version             display version

For more details see nsveth(8).
";

const LONGS: &[&str] = &[
    "help",
    "version",
    "netns",
    "host",
    "peer",
    "host-addr",
    "peer-addr",
    "gateway",
    "route",
    "mtu",
    "peer-mac",
    "bridge",
    "json",
];

/// The command line, before validation.
#[derive(Default)]
struct Opts {
    command: Option<String>,
    operands: Vec<String>,
    netns: Option<String>,
    host: Option<String>,
    peer: Option<String>,
    host_addrs: Vec<String>,
    peer_addrs: Vec<String>,
    gateway: bool,
    routes: Vec<String>,
    mtu: Option<String>,
    peer_mac: Option<String>,
    bridge: Option<String>,
    json: bool,
}

pub fn main(args: impl IntoIterator<Item = OsString>) -> ! {
    cli::exit(NAME, run(args))
}

fn run(args: impl IntoIterator<Item = OsString>) -> Result<i32> {
    let o = match parse(args)? {
        Some(o) => o,
        None => return Ok(0),
    };
    match o.command.as_deref() {
        Some("add") => add(&o),
        Some("del") => match o.operands.as_slice() {
            [name] => {
                check_name(name)?;
                veth::del(name)?;
                Ok(0)
            }
            [] => Err(Error::usage("del: no link name given")),
            [_, extra, ..] => Err(Error::usage(format!("unexpected argument '{extra}'"))),
        },
        Some("list") => match o.operands.first() {
            None => list(o.json),
            Some(extra) => Err(Error::usage(format!("unexpected argument '{extra}'"))),
        },
        Some(other) => Err(Error::usage(format!("unknown command '{other}'"))),
        None => Err(Error::usage("no command given")),
    }
}

/// Parse the command line; `None` when `--help` or `--version` was answered.
fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Option<Opts>> {
    use lexopt::prelude::*;
    let mut o = Opts::default();
    let mut p = lexopt::Parser::from_iter(args);
    while let Some((arg, long)) = cli::next(&mut p, LONGS)? {
        match (arg, long) {
            (Short('h'), _) | (_, Some("help")) => return cli::help(HELP).map(|_| None),
            (Short('V'), _) | (_, Some("version")) => return cli::version(NAME).map(|_| None),
            (Short('n'), _) | (_, Some("netns")) => o.netns = Some(cli::value(&mut p)?),
            (_, Some("host")) => o.host = Some(cli::value(&mut p)?),
            (_, Some("peer")) => o.peer = Some(cli::value(&mut p)?),
            (_, Some("host-addr")) => o.host_addrs.push(cli::value(&mut p)?),
            (_, Some("peer-addr")) => o.peer_addrs.push(cli::value(&mut p)?),
            (_, Some("gateway")) => o.gateway = true,
            (_, Some("route")) => o.routes.push(cli::value(&mut p)?),
            (_, Some("mtu")) => o.mtu = Some(cli::value(&mut p)?),
            (_, Some("peer-mac")) => o.peer_mac = Some(cli::value(&mut p)?),
            (_, Some("bridge")) => o.bridge = Some(cli::value(&mut p)?),
            (Short('j'), _) | (_, Some("json")) => o.json = true,
            (Value(v), _) => {
                let v = v.into_string().map_err(|v| {
                    Error::usage(format!("invalid argument '{}'", v.to_string_lossy()))
                })?;
                match o.command {
                    None => o.command = Some(v),
                    Some(_) => o.operands.push(v),
                }
            }
            (arg, _) => return Err(cli::unknown(arg)),
        }
    }
    Ok(Some(o))
}

fn check_name(name: &str) -> Result<()> {
    if netlink::valid_ifname(name) {
        Ok(())
    } else {
        Err(Error::new(format!("invalid interface name: '{name}'")))
    }
}

fn cidr(s: &str) -> Result<Cidr> {
    Cidr::parse(s).ok_or_else(|| Error::new(format!("invalid address: '{s}'")))
}

/// Validate every option into a plan (the host name may still depend on the target).
fn plan(o: &Opts) -> Result<(TargetSpec, Plan)> {
    if let Some(extra) = o.operands.first() {
        return Err(Error::usage(format!("unexpected argument '{extra}'")));
    }
    let target = o
        .netns
        .as_deref()
        .ok_or_else(|| Error::usage("add: --netns is required"))?;
    let spec = TargetSpec::parse(target)
        .ok_or_else(|| Error::new(format!("invalid target: '{target}'")))?;
    let peer = o.peer.clone().unwrap_or_else(|| "eth0".into());
    for n in o.host.iter().chain([&peer]).chain(o.bridge.iter()) {
        check_name(n)?;
    }
    let host_addrs = o
        .host_addrs
        .iter()
        .map(|s| cidr(s))
        .collect::<Result<Vec<_>>>()?;
    let peer_addrs = o
        .peer_addrs
        .iter()
        .map(|s| cidr(s))
        .collect::<Result<Vec<_>>>()?;
    let mut routes = Vec::new();
    if o.gateway {
        routes = veth::gateway_routes(&host_addrs);
        if routes.is_empty() {
            return Err(Error::new("--gateway needs a --host-addr"));
        }
    }
    for r in &o.routes {
        routes.push(Route::parse(r).ok_or_else(|| Error::new(format!("invalid route: '{r}'")))?);
    }
    let mtu = match &o.mtu {
        None => None,
        Some(m) => Some(
            cli::number::<u32>(m, "invalid MTU")
                .ok()
                .filter(|n| (68..=65535).contains(n))
                .ok_or_else(|| Error::new(format!("invalid MTU (68-65535): '{m}'")))?,
        ),
    };
    let peer_mac = match &o.peer_mac {
        None => None,
        Some(m) => Some(
            netlink::parse_mac(m)
                .ok_or_else(|| Error::new(format!("invalid MAC address: '{m}'")))?,
        ),
    };
    let plan = Plan {
        host: o.host.clone().unwrap_or_default(),
        peer,
        host_addrs,
        peer_addrs,
        routes,
        mtu,
        peer_mac,
        bridge: o.bridge.clone(),
    };
    Ok((spec, plan))
}

fn add(o: &Opts) -> Result<i32> {
    let (spec, mut plan) = plan(o)?;
    let target = Target::open(&spec)?;
    if plan.host.is_empty() {
        plan.host = target.default_host_name();
    }
    veth::add(&target, &plan)?;
    if o.json {
        cli::print(&added_json(o.netns.as_deref().unwrap_or(""), &plan))?;
    }
    Ok(0)
}

fn js_list<T: ToString>(items: &[T]) -> String {
    let v: Vec<String> = items
        .iter()
        .map(|i| cli::json_string(&i.to_string()))
        .collect();
    format!("[{}]", v.join(","))
}

fn added_json(netns: &str, p: &Plan) -> String {
    format!(
        "{{\"host\":{},\"peer\":{},\"netns\":{},\"host_addrs\":{},\"peer_addrs\":{},\"routes\":{}}}\n",
        cli::json_string(&p.host),
        cli::json_string(&p.peer),
        cli::json_string(netns),
        js_list(&p.host_addrs),
        js_list(&p.peer_addrs),
        js_list(&p.routes),
    )
}

fn opt<T: ToString>(v: Option<T>, none: &str) -> String {
    v.map_or_else(|| none.to_string(), |v| v.to_string())
}

fn list(json: bool) -> Result<i32> {
    let links = veth::list()?;
    let mut out = String::new();
    if json {
        let items: Vec<String> = links.iter().map(listed_json).collect();
        let _ = writeln!(out, "[{}]", items.join(","));
    } else {
        let _ = writeln!(
            out,
            "{:<16} {:>6} {:<5} {:>10} {:>6} NETNS",
            "NAME", "INDEX", "STATE", "PEER-INDEX", "NSID"
        );
        for l in &links {
            let _ = writeln!(
                out,
                "{:<16} {:>6} {:<5} {:>10} {:>6} {}",
                l.name,
                l.index,
                if l.up { "up" } else { "down" },
                opt(l.peer_index, "-"),
                opt(l.netnsid, "-"),
                opt(l.netns.as_deref(), "-"),
            );
        }
    }
    cli::print(&out)?;
    Ok(0)
}

fn listed_json(l: &Listed) -> String {
    format!(
        "{{\"name\":{},\"index\":{},\"up\":{},\"peer_index\":{},\"netnsid\":{},\"netns\":{}}}",
        cli::json_string(&l.name),
        l.index,
        l.up,
        opt(l.peer_index, "null"),
        opt(l.netnsid, "null"),
        l.netns
            .as_deref()
            .map_or_else(|| "null".to_string(), cli::json_string),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(args: &[&str]) -> Opts {
        let mut v: Vec<OsString> = vec!["nsveth".into()];
        v.extend(args.iter().map(OsString::from));
        parse(v).unwrap().unwrap()
    }

    #[test]
    fn validation_rejects_before_touching_anything() {
        let e = |args: &[&str]| plan(&opts(args)).unwrap_err().to_string();
        assert_eq!(
            e(&["add", "-n", "1", "--host-addr=10.0.0.300/24"]),
            "invalid address: '10.0.0.300/24'"
        );
        assert_eq!(
            e(&["add", "-n", "1", "--host=0123456789abcdef"]),
            "invalid interface name: '0123456789abcdef'"
        );
        assert_eq!(
            e(&["add", "-n", "1", "--mtu=67"]),
            "invalid MTU (68-65535): '67'"
        );
        assert_eq!(
            e(&["add", "-n", "1", "--gateway"]),
            "--gateway needs a --host-addr"
        );
        assert_eq!(
            e(&["add", "-n", "1", "--route=10.1.0.1/16"]),
            "invalid route: '10.1.0.1/16'"
        );
        assert_eq!(
            e(&["add", "-n", "1", "--peer-mac=ff:ff:ff:ff:ff:ff"]),
            "invalid MAC address: 'ff:ff:ff:ff:ff:ff'"
        );
        assert_eq!(e(&["add"]), "add: --netns is required");
    }

    #[test]
    fn json_of_a_plan() {
        let (_, mut p) = plan(&opts(&[
            "add",
            "--netns=x",
            "--host-addr=10.0.0.1/24",
            "--peer-addr=10.0.0.2/24",
            "--gateway",
        ]))
        .unwrap();
        p.host = "veth1".into();
        assert_eq!(
            added_json("x", &p),
            "{\"host\":\"veth1\",\"peer\":\"eth0\",\"netns\":\"x\",\"host_addrs\":[\"10.0.0.1/24\"],\
             \"peer_addrs\":[\"10.0.0.2/24\"],\"routes\":[\"default via 10.0.0.1\"]}\n"
        );
    }
}
