//! `nsveth`: give a network namespace a network, a veth pair with one end on the host and the
//! other inside, addressed, up and routed, over our own rtnetlink client ([`crate::netlink`]);
//! on a bridge, with addresses leased from a subnet, outbound NAT and published ports
//! ([`crate::leasing`]). Everything is validated before the kernel is touched;
//! [`crate::veth::add`] undoes a pair whose setup fails half-way.

use std::ffi::OsString;
use std::fmt::Write as _;

use crate::addr::{self, Cidr, Route};
use crate::cli::{self, Arg, Args, Command, Flag, Group, Hint, Tool};
use crate::error::{Error, Result};
use crate::json::Value;
use crate::lease::{self, Publish};
use crate::nftables::ListedRule;
use crate::veth::{self, Listed, NetTarget, Plan, TargetSpec};

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
        "nsveth gc",
        "nsveth cni",
    ],
    about: "\
Connect a network namespace to this one with a veth pair, on a bridge if asked,
with addresses leased from a subnet, outbound NAT and published ports.

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
            Flag::new(
                "host-addr",
                "address of the host end (repeatable); auto: leased\nfrom --subnet (a pair without bridge)",
            )
            .value("<cidr>|auto")
            .only(ADD),
            Flag::new(
                "peer-addr",
                "address of the end inside (repeatable); auto: leased\nfrom each --subnet",
            )
            .value("<cidr>|auto")
            .only(ADD),
            Flag::new(
                "gateway",
                "default route inside via the bridge's gateway, or the\nfirst host address of each address family",
            )
            .only(ADD),
            Flag::new(
                "route",
                "route inside, <dest> a network or 'default' (repeatable)",
            )
            .value("<dest>[,via=<gw>]")
            .only(ADD),
            Flag::new("mtu", "MTU of both ends and of a bridge made (68-65535)")
                .value("<n>")
                .only(ADD),
            Flag::new("peer-mac", "Ethernet address of the end inside")
                .value("<mac>")
                .only(ADD),
            Flag::new(
                "bridge",
                "enslave the host end to this bridge, made if missing\n(with the gateway address of each --subnet)",
            )
            .value("<name>")
            .hint(Hint::Interface)
            .only(ADD),
            Flag::new("hairpin", "the bridge may send a container's frames back to it")
                .only(ADD),
            Flag::new(
                "subnet",
                "lease addresses from this network (one per address\nfamily), recorded in /run/nstools",
            )
            .value("<cidr>")
            .only(ADD),
            Flag::new("masquerade", "outbound NAT for the subnets (nf_tables)").only(ADD),
            Flag::new(
                "publish",
                "forward a port of this host to the end inside\n(repeatable)",
            )
            .value("[<hostaddr>:]<hostport>:<port>[/tcp|/udp]")
            .only(ADD),
            Flag::new(
                "json",
                "print what was made (add), or the links, leases\nand NAT rules (list) as JSON",
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
        Command::new("list", "show the veth links, leases and NAT rules", &[]),
        Command::new(
            "gc",
            "reclaim leases, NAT rules and bridges nothing uses",
            &[],
        ),
        Command::new(
            "cni",
            "run as a CNI plugin (CNI_* variables, config on stdin)",
            &[],
        ),
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
    hairpin: bool,
    subnets: Vec<String>,
    masquerade: bool,
    publish: Vec<String>,
    json: bool,
}

pub fn main(args: impl IntoIterator<Item = OsString>) -> ! {
    let args: Vec<OsString> = args.into_iter().collect();
    // How runtimes execute a CNI plugin: no arguments, the command in the environment.
    if args.len() <= 1 && std::env::var_os("CNI_COMMAND").is_some() {
        cni();
    }
    cli::exit(NAME, run(args))
}

/// CNI mode ([`crate::cni`]); without the `cni` feature, the spec's error object saying so.
fn cni() -> ! {
    #[cfg(feature = "cni")]
    crate::cni::main();
    #[cfg(not(feature = "cni"))]
    {
        println!("{{\"cniVersion\":\"1.1.0\",\"code\":50,\"msg\":\"nsveth was built without CNI support (the cni feature)\"}}");
        eprintln!("{NAME}: built without CNI support (the cni feature)");
        std::process::exit(1)
    }
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
        Some("cni") => match o.operands.first() {
            None => cni(),
            Some(extra) => Err(Error::usage(format!("unexpected argument '{extra}'"))),
        },
        Some("gc") => match o.operands.first() {
            None => veth::gc().map(|()| 0),
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
            Arg::Flag("hairpin", _) => o.hairpin = true,
            Arg::Flag("subnet", v) => o.subnets.push(v.string()?),
            Arg::Flag("masquerade", _) => o.masquerade = true,
            Arg::Flag("publish", v) => o.publish.push(v.string()?),
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
    // The table's rule; an unknown command is reported as such, later.
    if let Some(command) = o.command.as_deref().filter(|c| TOOL.command(c).is_some()) {
        args.check_command(command)?;
    }
    Ok(o)
}

fn check_name(name: &str) -> Result<()> {
    if addr::valid_ifname(name) {
        Ok(())
    } else {
        Err(Error::new(format!("invalid interface name: '{name}'")))
    }
}

fn cidr(s: &str) -> Result<Cidr> {
    Cidr::parse(s).ok_or_else(|| Error::new(format!("invalid address: '{s}'")))
}

/// The addresses of a repeatable option, and whether `auto` was among them.
fn addrs(given: &[String]) -> Result<(Vec<Cidr>, bool)> {
    let auto = given.iter().any(|s| s == "auto");
    let addrs = given
        .iter()
        .filter(|s| *s != "auto")
        .map(|s| cidr(s))
        .collect::<Result<Vec<_>>>()?;
    Ok((addrs, auto))
}

/// The subnets of `--subnet`: networks, one per address family, with room for a gateway and a
/// container (or a pair's block of four).
fn subnets(given: &[String]) -> Result<Vec<Cidr>> {
    let mut nets: Vec<Cidr> = Vec::new();
    for s in given {
        let net = Cidr::parse(s)
            .filter(Cidr::is_network)
            .ok_or_else(|| Error::new(format!("invalid subnet: '{s}'")))?;
        let max = lease::max_prefix(&net);
        if net.prefix > max {
            return Err(Error::new(format!(
                "subnet {net} is too small: the prefix may be /{max} at most"
            )));
        }
        if nets.iter().any(|n| n.addr.is_ipv4() == net.addr.is_ipv4()) {
            return Err(Error::new(format!(
                "--subnet {net}: one subnet per address family"
            )));
        }
        nets.push(net);
    }
    Ok(nets)
}

/// The ports of `--publish`, each for a family one of `nets` has, none twice.
fn publishes(given: &[String], nets: &[Cidr]) -> Result<Vec<Publish>> {
    let mut out: Vec<Publish> = Vec::new();
    for s in given {
        let p = Publish::parse(s)
            .ok_or_else(|| Error::new(format!("invalid port to publish: '{s}'")))?;
        if let Some(a) = p.host_addr {
            if a.is_loopback() {
                return Err(Error::new(format!(
                    "--publish {s}: a loopback address cannot be forwarded to a container"
                )));
            }
            if !nets.iter().any(|n| n.addr.is_ipv4() == a.is_ipv4()) {
                return Err(Error::new(format!(
                    "--publish {s}: no --subnet of the address family of {a}"
                )));
            }
        }
        if let Some(q) = out.iter().find(|q| q.clashes(&p)) {
            return Err(Error::new(format!(
                "--publish {s}: the host port is published twice (also by {q})"
            )));
        }
        out.push(p);
    }
    Ok(out)
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
    let (host_addrs, host_auto) = addrs(&o.host_addrs)?;
    let (peer_addrs, peer_auto) = addrs(&o.peer_addrs)?;
    let subnets = subnets(&o.subnets)?;
    let publish = publishes(&o.publish, &subnets)?;
    let bridge = o.bridge.clone();
    let needs_subnet = [
        (peer_auto, "--peer-addr=auto"),
        (host_auto, "--host-addr=auto"),
        (o.masquerade, "--masquerade"),
        (!publish.is_empty(), "--publish"),
    ];
    if let Some((_, what)) = needs_subnet
        .iter()
        .find(|(used, _)| *used && subnets.is_empty())
    {
        return Err(Error::new(format!("{what} needs --subnet")));
    }
    if !subnets.is_empty() && !peer_auto {
        return Err(Error::new("--subnet needs --peer-addr=auto"));
    }
    if host_auto && bridge.is_some() {
        return Err(Error::new(
            "--host-addr=auto is for a pair without --bridge (on a bridge, the host's address is the gateway's)",
        ));
    }
    if o.hairpin && bridge.is_none() {
        return Err(Error::new("--hairpin needs --bridge"));
    }
    let via_bridge = bridge.is_some() && !subnets.is_empty();
    if o.gateway && host_addrs.is_empty() && !host_auto && !via_bridge {
        return Err(Error::new(
            "--gateway needs a --host-addr, or --bridge with --subnet",
        ));
    }
    let routes = o
        .routes
        .iter()
        .map(|r| Route::parse(r).ok_or_else(|| Error::new(format!("invalid route: '{r}'"))))
        .collect::<Result<Vec<_>>>()?;
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
            addr::parse_mac(m).ok_or_else(|| Error::new(format!("invalid MAC address: '{m}'")))?,
        ),
    };
    let plan = Plan {
        host: o.host.clone().unwrap_or_default(),
        peer,
        host_addrs,
        peer_addrs,
        gateway: o.gateway,
        routes,
        mtu,
        peer_mac,
        bridge,
        hairpin: o.hairpin,
        subnets,
        masquerade: o.masquerade,
        publish,
    };
    Ok((spec, plan))
}

fn add(o: &Opts) -> Result<i32> {
    let (spec, mut plan) = plan(o)?;
    let target = NetTarget::open(&spec)?;
    if plan.host.is_empty() {
        plan.host = target.default_host_name();
    }
    veth::add(&target, &mut plan)?;
    if o.json {
        cli::print(&added_json(o.netns.as_deref().unwrap_or(""), &plan))?;
    }
    Ok(0)
}

fn added_json(netns: &str, p: &Plan) -> String {
    Value::obj([
        ("host", Value::str(&p.host)),
        ("peer", Value::str(&p.peer)),
        ("netns", Value::str(netns)),
        ("host_addrs", Value::strs(&p.host_addrs)),
        ("peer_addrs", Value::strs(&p.peer_addrs)),
        ("routes", Value::strs(&p.routes)),
    ])
    .line()
}

fn opt<T: ToString>(v: Option<T>, none: &str) -> String {
    v.map_or_else(|| none.to_string(), |v| v.to_string())
}

/// What `list` shows: the links, the leases with the state of their link, our NAT rules.
fn list(json: bool) -> Result<i32> {
    let links = veth::list()?;
    let leases = veth::leases(&links)?;
    let rules = veth::nat_rules()?;
    let mut out = String::new();
    if json {
        let all = Value::obj([
            ("links", Value::Arr(links.iter().map(listed_json).collect())),
            (
                "leases",
                Value::Arr(leases.iter().map(lease_json).collect()),
            ),
            ("nat", Value::Arr(rules.iter().map(rule_json).collect())),
        ]);
        out.push_str(&all.line());
        cli::print(&out)?;
        return Ok(0);
    }
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
    if !leases.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<24} {:<20} {:<16} {:<5} NAT",
            "ADDRESS", "SUBNET", "LINK", "STATE"
        );
        for l in &leases {
            let mut nat: Vec<String> = l.lease.publish.iter().map(|p| p.to_string()).collect();
            if l.lease.masquerade {
                nat.insert(0, "masquerade".into());
            }
            let _ = writeln!(
                out,
                "{:<24} {:<20} {:<16} {:<5} {}",
                l.lease.addr.to_string(),
                l.subnet.to_string(),
                l.lease.link,
                l.state,
                if nat.is_empty() {
                    "-".into()
                } else {
                    nat.join(" ")
                },
            );
        }
    }
    if !rules.is_empty() {
        let _ = writeln!(out, "\n{:<12} {:<12} RULE", "TABLE", "CHAIN");
        for r in &rules {
            let table = format!("{} {}", r.family.name(), crate::nat::TABLE);
            let _ = writeln!(out, "{table:<12} {:<12} {r}", r.chain);
        }
    }
    cli::print(&out)?;
    Ok(0)
}

fn listed_json(l: &Listed) -> Value {
    Value::obj([
        ("name", Value::str(&l.name)),
        ("index", Value::raw(l.index)),
        ("up", Value::raw(l.up)),
        ("master", Value::opt(l.master, Value::raw)),
        ("peer_index", Value::opt(l.peer_index, Value::raw)),
        ("netnsid", Value::opt(l.netnsid, Value::raw)),
        ("netns", Value::opt(l.netns.as_deref(), Value::str)),
    ])
}

fn lease_json(l: &veth::ListedLease) -> Value {
    let bridge = match &l.mode {
        lease::Mode::Bridge(b) => Value::str(b),
        lease::Mode::Pair => Value::Null,
    };
    Value::obj([
        ("subnet", Value::str(l.subnet)),
        ("addr", Value::str(l.lease.addr)),
        ("host_addr", Value::opt(l.lease.host, Value::str)),
        ("link", Value::str(&l.lease.link)),
        ("index", Value::raw(l.lease.index)),
        ("bridge", bridge),
        ("masquerade", Value::raw(l.lease.masquerade)),
        ("publish", Value::strs(&l.lease.publish)),
        ("state", Value::str(l.state)),
    ])
}

fn rule_json(r: &ListedRule) -> Value {
    Value::obj([
        ("family", Value::str(r.family.name())),
        ("table", Value::str(crate::nat::TABLE)),
        ("chain", Value::str(&r.chain)),
        ("handle", Value::raw(r.handle)),
        ("rule", Value::str(r)),
        ("comment", Value::str(&r.comment)),
    ])
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
            "--gateway needs a --host-addr, or --bridge with --subnet"
        );
        assert_eq!(
            e(&[
                "add",
                "-n",
                "1",
                "--gateway",
                "--bridge=b",
                "--host-addr=auto"
            ]),
            "--host-addr=auto needs --subnet"
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
        for (args, msg) in [
            (&["--subnet=10.88.0.1/16"][..], "invalid subnet: '10.88.0.1/16'"),
            (&["--subnet=10.88.0.0/31"], "subnet 10.88.0.0/31 is too small: the prefix may be /30 at most"),
            (&["--subnet=fd00::/127"], "subnet fd00::/127 is too small: the prefix may be /126 at most"),
            (&["--subnet=10.88.0.0/16", "--subnet=10.89.0.0/16"], "--subnet 10.89.0.0/16: one subnet per address family"),
            (&["--subnet=10.88.0.0/16"], "--subnet needs --peer-addr=auto"),
            (&["--peer-addr=auto"], "--peer-addr=auto needs --subnet"),
            (&["--masquerade"], "--masquerade needs --subnet"),
            (&["--publish=80:80"], "--publish needs --subnet"),
            (&["--hairpin"], "--hairpin needs --bridge"),
            (
                &["--subnet=10.88.0.0/16", "--peer-addr=auto", "--host-addr=auto", "--bridge=b"],
                "--host-addr=auto is for a pair without --bridge (on a bridge, the host's address is the gateway's)",
            ),
            (&["--subnet=10.88.0.0/16", "--peer-addr=auto", "--publish=80"], "invalid port to publish: '80'"),
            (
                &["--subnet=10.88.0.0/16", "--peer-addr=auto", "--publish=[fd00::1]:80:80"],
                "--publish [fd00::1]:80:80: no --subnet of the address family of fd00::1",
            ),
            (
                &["--subnet=10.88.0.0/16", "--peer-addr=auto", "--publish=127.0.0.1:80:80"],
                "--publish 127.0.0.1:80:80: a loopback address cannot be forwarded to a container",
            ),
            (
                &["--subnet=10.88.0.0/16", "--peer-addr=auto", "--publish=80:80", "--publish=10.0.0.1:80:81"],
                "--publish 10.0.0.1:80:81: the host port is published twice (also by 80:80/tcp)",
            ),
        ] {
            let mut a = vec!["add", "-n", "1"];
            a.extend(args);
            assert_eq!(e(&a), msg, "{args:?}");
        }
        let (_, p) = plan(&opts(&[
            "add",
            "-n",
            "1",
            "--bridge=b",
            "--subnet=10.88.0.0/16",
            "--subnet=fd00:88::/64",
            "--peer-addr=auto",
            "--masquerade",
            "--publish=8080:80",
            "--hairpin",
            "--gateway",
        ]))
        .unwrap();
        assert_eq!(p.subnets.len(), 2);
        assert!(p.masquerade && p.hairpin && p.gateway && p.peer_addrs.is_empty());
        assert_eq!(p.publish[0].to_string(), "8080:80/tcp");
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
        p.route_through(&[]).unwrap();
        assert_eq!(
            added_json("x", &p),
            "{\"host\":\"veth1\",\"peer\":\"eth0\",\"netns\":\"x\",\"host_addrs\":[\"10.0.0.1/24\"],\
             \"peer_addrs\":[\"10.0.0.2/24\"],\"routes\":[\"default via 10.0.0.1\"]}\n"
        );
    }
}
