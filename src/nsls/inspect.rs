//! `nsls --inspect PID`: one process's whole picture, the container a script built step by step
//! seen from outside:
//!
//! - the `PID:INODE` form (its pidfd's inode) that `nsenter -t` and the other tools accept, so a
//!   script can come back to exactly this process later;
//! - each namespace's inode, and whether the caller shares it;
//! - the uid and gid maps and `setgroups` of its user namespace;
//! - the host and domain name of its UTS namespace (read there: entered and left again);
//! - its cgroups, with the memory, pids and cpu limits and what is used ([`crate::cgroup`]);
//! - its network interfaces with their addresses, and for a veth the name of its peer, looked up
//!   on the host side through `IFLA_LINK` and `IFLA_LINK_NETNSID` ([`crate::netlink`], a socket
//!   opened in its network namespace);
//! - its root directory (where `nspivot` put it), as a path of ours: its `/` mount in its
//!   mountinfo, matched by device and root against our own mounts.
//!
//! The process is held by pidfd ([`ProcDir`]) and every file of it is read through its
//! `/proc/PID` directory. What needs a privilege the caller lacks (entering its namespaces) is
//! shown as unavailable, with the reason; a process that does not exist is an error.

use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::MetadataExt;

use nix::fcntl::OFlag;
use nix::sched::CloneFlags;

use crate::cgroup::{self, Cgroupfs, Mode, SelfCgroup};
use crate::error::{Context, Error, Result};
use crate::json::Value as J;
use crate::netlink::{Link, Socket, IFF_UP};
use crate::ns::KINDS;
use crate::procdir::{self, ProcDir};

/// A part of the picture, or why it could not be read.
type Part<T> = std::result::Result<T, String>;

/// One line of a uid or gid map.
#[derive(Debug, PartialEq, Eq)]
pub struct MapLine {
    pub inside: u32,
    pub outside: u32,
    pub count: u32,
}

/// A namespace of the process.
#[derive(Debug)]
pub struct NsInfo {
    pub kind: &'static str,
    pub ino: u64,
    /// The caller is in the same one.
    pub shared: bool,
}

/// A cgroup controller's view of the process: its cgroup and the figures of interest.
#[derive(Debug)]
pub struct CgroupInfo {
    pub controller: &'static str,
    pub path: String,
    /// (name, value) pairs: `current`, `max`, `peak`, `usage_usec`, …
    pub figures: Vec<(&'static str, String)>,
}

/// A network interface of the process's namespace.
#[derive(Debug)]
pub struct Interface {
    pub index: u32,
    pub name: String,
    pub kind: Option<String>,
    pub up: bool,
    pub addresses: Vec<String>,
    /// For a veth: its peer's name and where it is (`host`, `inside`, or a netnsid).
    pub peer: Option<(String, String)>,
}

/// Everything `--inspect` shows.
#[derive(Debug)]
pub struct Picture {
    pub pid: i32,
    pub pidfd_inode: Option<u64>,
    pub command: String,
    pub namespaces: Vec<NsInfo>,
    pub uid_map: Part<Vec<MapLine>>,
    pub gid_map: Part<Vec<MapLine>>,
    pub setgroups: Part<String>,
    pub hostname: Part<(String, String)>,
    /// The cgroup2 path (the 0:: line), if any.
    pub cgroup: Option<String>,
    pub cgroups: Part<Vec<CgroupInfo>>,
    pub interfaces: Part<Vec<Interface>>,
    pub root: Part<String>,
}

/// Read the picture of `target` (`PID` or `PID:INODE`) and render it as text or JSON.
pub fn inspect(target: &str, json: bool) -> Result<String> {
    let pic = read(target)?;
    Ok(if json { to_json(&pic) } else { to_text(&pic) })
}

/// Read everything about process `target`.
pub fn read(target: &str) -> Result<Picture> {
    let (pid, inode) = procdir::parse_pid(target)?;
    let p = ProcDir::open(pid, inode)?;
    let pidfd_inode = p.pidfd_inode()?;
    let cmdline = p.read_bytes("cmdline")?;
    let mut command = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    command.truncate(command.trim_end().len());
    let namespaces = namespaces(&p)?;
    let pic = Picture {
        pid: pid.as_raw(),
        pidfd_inode,
        command,
        namespaces,
        uid_map: p.read("uid_map").map(|t| parse_map(&t)).map_err(reason),
        gid_map: p.read("gid_map").map(|t| parse_map(&t)).map_err(reason),
        setgroups: p
            .read("setgroups")
            .map(|t| t.trim().to_string())
            .map_err(reason),
        hostname: uts_names(&p),
        cgroup: p.read("cgroup").ok().and_then(|t| {
            cgroup::parse_cgroup_file(&t)
                .into_iter()
                .find(|l| l.hierarchy == "0")
                .map(|l| l.path)
        }),
        cgroups: cgroups(&p),
        interfaces: interfaces(&p),
        root: root(&p),
    };
    // Everything was read through the held directory; the process must still be the same.
    p.alive()?;
    Ok(pic)
}

fn reason(e: Error) -> String {
    e.to_string()
}

fn namespaces(p: &ProcDir) -> Result<Vec<NsInfo>> {
    let mut out = Vec::new();
    for k in &KINDS {
        let rel = format!("ns/{}", k.name);
        let st = match nix::sys::stat::fstatat(p.dir(), rel.as_str(), nix::fcntl::AtFlags::empty())
        {
            Ok(st) => st,
            Err(nix::errno::Errno::ENOENT) => continue,
            Err(e) => return Err(Error::sys(format!("cannot stat {}", p.path(&rel)), e)),
        };
        let own = std::fs::metadata(format!("/proc/self/ns/{}", k.name))
            .context(|| format!("cannot stat /proc/self/ns/{}", k.name))?;
        out.push(NsInfo {
            kind: k.name,
            ino: st.st_ino,
            shared: own.ino() == st.st_ino && own.dev() == st.st_dev,
        });
    }
    Ok(out)
}

/// The lines of a `uid_map` or `gid_map`.
pub fn parse_map(text: &str) -> Vec<MapLine> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace().map(|n| n.parse::<u32>());
            Some(MapLine {
                inside: f.next()?.ok()?,
                outside: f.next()?.ok()?,
                count: f.next()?.ok()?,
            })
        })
        .collect()
}

/// Run `f` in the namespace of kind `flag` behind `fd`, then come back to ours (opened first, so
/// we can always return). Single-threaded: only this thread moves.
fn within<T>(fd: BorrowedFd<'_>, name: &str, flag: CloneFlags, f: impl FnOnce() -> T) -> Part<T> {
    let own = format!("/proc/thread-self/ns/{name}");
    let kind = crate::ns::by_flag(flag).ok_or("unknown namespace kind")?;
    let own = crate::ns::open_ns_file(&own, kind).map_err(reason)?;
    nix::sched::setns(fd, flag)
        .map_err(|e| format!("cannot enter its {name} namespace: {}", e.desc()))?;
    let out = f();
    nix::sched::setns(own.as_fd(), flag)
        .map_err(|e| format!("cannot return to our {name} namespace: {}", e.desc()))?;
    Ok(out)
}

/// Host and domain name, read in the process's UTS namespace (`/proc/sys/kernel` answers for
/// the UTS namespace of the reader).
fn uts_names(p: &ProcDir) -> Part<(String, String)> {
    let fd = p.open_at("ns/uts", OFlag::O_RDONLY).map_err(reason)?;
    let read = |f: &str| -> Part<String> {
        let path = format!("/proc/sys/kernel/{f}");
        std::fs::read_to_string(&path)
            .map(|t| t.trim_end_matches('\n').to_string())
            .map_err(|e| format!("cannot read {path}: {}", crate::error::errno_of(&e).desc()))
    };
    within(fd.as_fd(), "uts", CloneFlags::CLONE_NEWUTS, || {
        Ok((read("hostname")?, read("domainname")?))
    })?
}

/// The controllers whose limits are shown, with the v1 hierarchies that hold their figures.
const CONTROLLERS: &[(&str, &[&str])] = &[
    ("memory", &["memory"]),
    ("pids", &["pids"]),
    ("cpu", &["cpu", "cpuacct"]),
];

/// The figures shown per controller: (name shown, key in [`cgroup::stat`]).
const FIGURES: &[(&str, &str)] = &[
    ("current", "memory.current"),
    ("max", "memory.max"),
    ("peak", "memory.peak"),
    ("current", "pids.current"),
    ("max", "pids.max"),
    ("usage_usec", "cpu.usage_usec"),
    ("user_usec", "cpu.user_usec"),
    ("system_usec", "cpu.system_usec"),
];

fn cgroups(p: &ProcDir) -> Part<Vec<CgroupInfo>> {
    let lines = cgroup::parse_cgroup_file(&p.read("cgroup").map_err(reason)?);
    let fs = Cgroupfs::open(
        std::path::Path::new(cgroup::DEFAULT_ROOT),
        SelfCgroup::read().map_err(reason)?,
    )
    .map_err(reason)?;
    let mut out = Vec::new();
    for (controller, hierarchies) in CONTROLLERS {
        let mut groups = Vec::new();
        let mut path = None;
        for h in *hierarchies {
            let line = match fs.mode {
                Mode::V2 => lines.iter().find(|l| l.hierarchy == "0"),
                Mode::V1 => lines.iter().find(|l| l.each_controller().any(|c| c == *h)),
            };
            let Some(line) = line else { continue };
            let only = match fs.mode {
                Mode::V2 => Vec::new(),
                Mode::V1 => vec![h.to_string()],
            };
            if let Ok(g) = fs.existing(&line.path, &only) {
                groups.extend(g);
                path.get_or_insert_with(|| line.path.clone());
            }
        }
        let Some(path) = path else { continue };
        let stat = cgroup::stat(&groups);
        let mut figures: Vec<(&'static str, String)> = FIGURES
            .iter()
            .filter(|(_, key)| key.split('.').next() == Some(controller))
            .filter_map(|(name, key)| {
                let v = stat.iter().find(|(k, _)| k == key)?;
                Some((*name, v.1.clone()))
            })
            .collect();
        if *controller == "cpu" {
            if let Some(max) = cgroup::cpu_max(&groups) {
                figures.push(("max", max));
            }
        }
        out.push(CgroupInfo {
            controller,
            path,
            figures,
        });
    }
    Ok(out)
}

/// The interfaces of the process's network namespace, with their addresses and veth peers.
fn interfaces(p: &ProcDir) -> Part<Vec<Interface>> {
    let netns = p.open_at("ns/net", OFlag::O_RDONLY).map_err(reason)?;
    let nl_err = |what: &str, e: crate::netlink::NlError| format!("{what}: {}", e.errno.desc());
    let mut inside = Socket::open_in(netns.as_fd()).map_err(reason)?;
    let links = inside
        .links()
        .map_err(|e| nl_err("cannot list its links", e))?;
    let addrs = inside
        .addresses()
        .map_err(|e| nl_err("cannot list its addresses", e))?;
    // The id its namespace gives ours: a peer whose IFLA_LINK_NETNSID is that one is ours.
    let ours =
        crate::ns::open_ns_file("/proc/thread-self/ns/net", crate::ns::NET).map_err(reason)?;
    let our_id = inside.nsid_of(ours.as_fd()).ok().flatten();
    let mut host: Option<Socket> = None;
    let mut out = Vec::new();
    for l in &links {
        let peer = peer_of(l, &mut inside, our_id, &mut host);
        out.push(Interface {
            index: l.index,
            name: l.name.clone(),
            kind: l.kind.clone(),
            up: l.flags & IFF_UP != 0,
            addresses: addrs
                .iter()
                .filter(|(i, _)| *i == l.index)
                .map(|(_, c)| c.to_string())
                .collect(),
            peer,
        });
    }
    Ok(out)
}

/// The name and place of a veth's peer: in the same namespace (`inside`), in ours (`host`),
/// or elsewhere (`netnsid N`, its name unknown to us).
fn peer_of(
    l: &Link,
    inside: &mut Socket,
    our_id: Option<i32>,
    host: &mut Option<Socket>,
) -> Option<(String, String)> {
    if l.kind.as_deref() != Some("veth") {
        return None;
    }
    let index = l.link?;
    match l.link_netnsid {
        None => {
            let peer = inside.link_by_index(index).ok()??;
            Some((peer.name, "inside".into()))
        }
        Some(id) if Some(id) == our_id => {
            if host.is_none() {
                *host = Socket::open().ok();
            }
            let peer = host.as_mut()?.link_by_index(index).ok()??;
            Some((peer.name, "host".into()))
        }
        Some(id) => Some((format!("#{index}"), format!("netnsid {id}"))),
    }
}

/// One line of mountinfo: device, root within the filesystem, mount point.
struct Mount {
    dev: String,
    root: String,
    point: String,
}

fn mounts(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split(' ');
            let dev = f.nth(2)?.to_string();
            let root = super::scan::unescape(f.next()?);
            let point = super::scan::unescape(f.next()?);
            Some(Mount { dev, root, point })
        })
        .collect()
}

/// The process's root as a path of ours: the last mount on its `/`, found among our mounts by
/// device, the one whose root holds it most closely.
fn root(p: &ProcDir) -> Part<String> {
    let theirs = mounts(&p.read("mountinfo").map_err(reason)?);
    let top = theirs
        .iter()
        .rev()
        .find(|m| m.point == "/")
        .ok_or("no mount on its /")?;
    let ours = std::fs::read_to_string("/proc/self/mountinfo")
        .map_err(|e| format!("cannot read /proc/self/mountinfo: {e}"))?;
    let ours = mounts(&ours);
    let within = |m: &Mount| -> Option<(usize, String)> {
        if m.dev != top.dev {
            return None;
        }
        let rest = if m.root == "/" {
            top.root.as_str()
        } else {
            let r = top.root.strip_prefix(m.root.as_str())?;
            if !(r.is_empty() || r.starts_with('/')) {
                return None;
            }
            r
        };
        let base = m.point.trim_end_matches('/');
        let path = match (base, rest.trim_start_matches('/')) {
            ("", "") => "/".to_string(),
            (b, "") => b.to_string(),
            (b, r) => format!("{b}/{r}"),
        };
        Some((m.root.len(), path))
    };
    ours.iter()
        .filter_map(within)
        .max_by_key(|(len, _)| *len)
        .map(|(_, path)| path)
        .ok_or_else(|| format!("{} of device {}, not mounted here", top.root, top.dev))
}

/// `PID:INODE` when the kernel gives pidfds inodes (6.9), else `PID`.
fn target_form(pic: &Picture) -> String {
    match pic.pidfd_inode {
        Some(ino) => format!("{}:{ino}", pic.pid),
        None => pic.pid.to_string(),
    }
}

fn to_text(pic: &Picture) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(2048);
    let unavailable = |why: &String| format!("unavailable ({why})");
    let _ = writeln!(s, "pid:         {}", pic.pid);
    let _ = writeln!(s, "target:      {}", target_form(pic));
    let _ = writeln!(s, "command:     {}", pic.command);
    s.push_str("namespaces:\n");
    for n in &pic.namespaces {
        let shared = if n.shared { "shared" } else { "own" };
        let _ = writeln!(s, "  {:<7} {:>10}  {shared}", n.kind, n.ino);
    }
    for (name, map) in [("uid_map", &pic.uid_map), ("gid_map", &pic.gid_map)] {
        match map {
            Ok(lines) if lines.is_empty() => {
                let _ = writeln!(s, "{name}:     (none)");
            }
            Ok(lines) => {
                for (i, l) in lines.iter().enumerate() {
                    let label = if i == 0 {
                        format!("{name}:")
                    } else {
                        String::new()
                    };
                    let _ = writeln!(s, "{label:<12} {} {} {}", l.inside, l.outside, l.count);
                }
            }
            Err(e) => {
                let _ = writeln!(s, "{name}:     {}", unavailable(e));
            }
        }
    }
    let part = |p: &Part<String>| p.clone().unwrap_or_else(|e| unavailable(&e));
    let _ = writeln!(s, "setgroups:   {}", part(&pic.setgroups));
    match &pic.hostname {
        Ok((host, domain)) => {
            let _ = writeln!(s, "hostname:    {host}");
            let _ = writeln!(s, "domainname:  {domain}");
        }
        Err(e) => {
            let _ = writeln!(s, "hostname:    {}", unavailable(e));
        }
    }
    let _ = writeln!(
        s,
        "cgroup:      {}",
        pic.cgroup.as_deref().unwrap_or("(no cgroup2 hierarchy)")
    );
    match &pic.cgroups {
        Ok(cgs) => {
            for c in cgs {
                let _ = write!(s, "  {:<7} {}", c.controller, c.path);
                for (k, v) in &c.figures {
                    let _ = write!(s, "  {k} {v}");
                }
                s.push('\n');
            }
        }
        Err(e) => {
            let _ = writeln!(s, "  {}", unavailable(e));
        }
    }
    match &pic.interfaces {
        Ok(ifs) => {
            s.push_str("interfaces:\n");
            for i in ifs {
                let state = if i.up { "up" } else { "down" };
                let _ = write!(s, "  {:<15} {state:<4}", i.name);
                for a in &i.addresses {
                    let _ = write!(s, " {a}");
                }
                if let Some((peer, place)) = &i.peer {
                    let _ = write!(s, "  veth peer {peer} ({place})");
                }
                s.push('\n');
            }
        }
        Err(e) => {
            let _ = writeln!(s, "interfaces:  {}", unavailable(e));
        }
    }
    let _ = writeln!(s, "root:        {}", part(&pic.root));
    s
}

/// A number as a bare JSON number, anything else (`max`, `max 100000`) as a string.
fn figure(v: &str) -> J {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        J::Raw(v.to_string())
    } else {
        J::Str(v.to_string())
    }
}

fn part<T>(p: &Part<T>, f: impl FnOnce(&T) -> J) -> J {
    p.as_ref().map_or(J::Null, f)
}

fn to_json(pic: &Picture) -> String {
    let map = |m: &Vec<MapLine>| {
        J::Arr(
            m.iter()
                .map(|l| {
                    J::obj(vec![
                        ("inside", J::Raw(l.inside.to_string())),
                        ("outside", J::Raw(l.outside.to_string())),
                        ("count", J::Raw(l.count.to_string())),
                    ])
                })
                .collect(),
        )
    };
    let v = J::obj(vec![
        ("pid", J::Raw(pic.pid.to_string())),
        ("target", J::Str(target_form(pic))),
        (
            "pidfd_inode",
            pic.pidfd_inode.map_or(J::Null, |i| J::Raw(i.to_string())),
        ),
        ("command", J::Str(pic.command.clone())),
        (
            "namespaces",
            J::Arr(
                pic.namespaces
                    .iter()
                    .map(|n| {
                        J::obj(vec![
                            ("type", J::Str(n.kind.into())),
                            ("ns", J::Raw(n.ino.to_string())),
                            ("shared", J::Raw(n.shared.to_string())),
                        ])
                    })
                    .collect(),
            ),
        ),
        ("uid_map", part(&pic.uid_map, map)),
        ("gid_map", part(&pic.gid_map, map)),
        ("setgroups", part(&pic.setgroups, |s| J::Str(s.clone()))),
        ("hostname", part(&pic.hostname, |(h, _)| J::Str(h.clone()))),
        (
            "domainname",
            part(&pic.hostname, |(_, d)| J::Str(d.clone())),
        ),
        ("cgroup", pic.cgroup.clone().map_or(J::Null, J::Str)),
        (
            "cgroups",
            part(&pic.cgroups, |cgs| {
                J::Arr(
                    cgs.iter()
                        .map(|c| {
                            let mut o = vec![
                                ("controller", J::Str(c.controller.into())),
                                ("path", J::Str(c.path.clone())),
                            ];
                            o.extend(c.figures.iter().map(|(k, v)| (*k, figure(v))));
                            J::obj(o)
                        })
                        .collect(),
                )
            }),
        ),
        (
            "interfaces",
            part(&pic.interfaces, |ifs| {
                J::Arr(
                    ifs.iter()
                        .map(|i| {
                            let (peer, place) = match &i.peer {
                                Some((p, w)) => (J::Str(p.clone()), J::Str(w.clone())),
                                None => (J::Null, J::Null),
                            };
                            J::obj(vec![
                                ("index", J::Raw(i.index.to_string())),
                                ("name", J::Str(i.name.clone())),
                                ("kind", i.kind.clone().map_or(J::Null, J::Str)),
                                ("up", J::Raw(i.up.to_string())),
                                (
                                    "addresses",
                                    J::Arr(i.addresses.iter().map(|a| J::Str(a.clone())).collect()),
                                ),
                                ("peer", peer),
                                ("peer_netns", place),
                            ])
                        })
                        .collect(),
                )
            }),
        ),
        ("root", part(&pic.root, |r| J::Str(r.clone()))),
    ]);
    v.pretty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_parse_per_line() {
        assert_eq!(
            parse_map("         0     100000      65536\n"),
            [MapLine {
                inside: 0,
                outside: 100000,
                count: 65536
            }]
        );
        assert!(parse_map("").is_empty());
    }
}
