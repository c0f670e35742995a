//! `nsveth`: give a network namespace a network, a veth pair with one end on the host and the
//! other inside, addressed, up and routed, over our own rtnetlink client ([`crate::netlink`]).
//! Everything is validated before the kernel is touched; [`crate::veth::add`] undoes a pair
//! whose setup fails half-way.

use std::ffi::OsString;
use std::fmt::Write as _;

use crate::cli::{self, Arg, Args, Command, Flag, Group, Hint, Tool};
use crate::error::{Error, Result};
use crate::netlink::{self, Cidr, Route};
use crate::veth::{self, Listed, Plan, Target, TargetSpec};

const NAME: &str = "nsveth";

const ADD: &[&str] = &["add"];

/// The command line of nsveth.
pub static TOOL: Tool = Tool {
    name: NAME,
    section: "8",
    usage: &[
        "nsveth add --netns=<target> [options]",
        "nsveth del <name>",
        "nsveth list [--json]",
    ],
    about: "\
Connect a network namespace to this one with a veth pair.

Targets:
 <pid>[:<inode>]           the network namespace of a process (optionally checked)
 <path>                    a namespace file (/proc/<pid>/ns/net, a persisted one)
 <name>                    a namespace in /run/netns (ip netns add)
",
    groups: &[Group::new(
        "Options for add:",
        &[
            Flag::new("netns", "the namespace to connect (required)")
                .short('n')
                .value("<target>")
                .hint(Hint::Netns)
                .only(ADD),
            Flag::new("host", "host end name (default: veth<pid> or veth<inode>)")
                .value("<name>")
                .only(ADD),
            Flag::new("peer", "end inside the namespace (default: eth0)")
                .value("<name>")
                .only(ADD),
            Flag::new("host-addr", "address of the host end (repeatable)")
                .value("<cidr>")
                .only(ADD),
            Flag::new("peer-addr", "address of the end inside (repeatable)")
                .value("<cidr>")
                .only(ADD),
            Flag::new(
                "gateway",
                "default route inside via the first host address\nof each address family",
            )
            .only(ADD),
            Flag::new(
                "route",
                "route inside, <dest> a network or 'default' (repeatable)",
            )
            .value("<dest>[,via=<gw>]")
            .only(ADD),
            Flag::new("mtu", "MTU of both ends (68-65535)")
                .value("<n>")
                .only(ADD),
            Flag::new("peer-mac", "Ethernet address of the end inside")
                .value("<mac>")
                .only(ADD),
            Flag::new(
                "bridge",
                "enslave the host end to this bridge, made if missing",
            )
            .value("<name>")
            .hint(Hint::Interface)
            .only(ADD),
            Flag::new(
                "json",
                "print what was made (add) or the links (list) as JSON",
            )
            .short('j')
            .only(&["add", "list"]),
        ],
    )],
    commands: &[
        Command::new("add", "connect a network namespace with a veth pair", &[]),
        Command::new(
            "del",
            "delete a veth pair by its host end",
            &[Hint::Interface],
        ),
        Command::new("list", "show the veth links", &[]),
    ],
    permute: true,
    ..Tool::EMPTY
};

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
    let o = parse(args)?;
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

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Opts> {
    let mut o = Opts::default();
    let mut args = Args::new(&TOOL, args);
    while let Some(arg) = args.next()? {
        match arg {
            Arg::Flag("netns", v) => o.netns = Some(v.string()?),
            Arg::Flag("host", v) => o.host = Some(v.string()?),
            Arg::Flag("peer", v) => o.peer = Some(v.string()?),
            Arg::Flag("host-addr", v) => o.host_addrs.push(v.string()?),
            Arg::Flag("peer-addr", v) => o.peer_addrs.push(v.string()?),
            Arg::Flag("gateway", _) => o.gateway = true,
            Arg::Flag("route", v) => o.routes.push(v.string()?),
            Arg::Flag("mtu", v) => o.mtu = Some(v.string()?),
            Arg::Flag("peer-mac", v) => o.peer_mac = Some(v.string()?),
            Arg::Flag("bridge", v) => o.bridge = Some(v.string()?),
            Arg::Flag("json", _) => o.json = true,
            Arg::Flag(name, _) => unreachable!("--{name} is in the table"),
            Arg::Operand(v) => {
                let v = v.into_string().map_err(|v| {
                    Error::usage(format!("invalid argument '{}'", v.to_string_lossy()))
                })?;
                match o.command {
                    None => o.command = Some(v),
                    Some(_) => o.operands.push(v),
                }
            }
        }
    }
    Ok(o)
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
        parse(v).unwrap()
    }

    #[test]
    fn every_option_of_the_table_is_parsed() {
        cli::each_flag(&TOOL, |argv| drop(parse(argv)));
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
