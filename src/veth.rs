//! Connect a network namespace to ours with a veth pair: find the target namespace, then create
//! the pair (peer already inside), address both ends, bring the namespace's `lo` up and add routes
//! inside, and only then give the host end its name and bring it up. If any step fails, the pair
//! is deleted again (and a bridge we created for it), so nothing is ever left half-made; see
//! [`add`] for signals and `SIGKILL`, and [`crate::linkmark`] for how what we made is marked.

use std::os::fd::{AsFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sched::CloneFlags;
use nix::unistd::Pid;

use crate::critical::{self, Section};
use crate::error::{Context, Error, Result};
use crate::linkmark;
use crate::netlink::{self, Cidr, Msg, NlResult, Route, Socket, Veth};
use crate::ns;
use crate::procdir::{self, ProcDir, State};

/// Where named namespaces live (`ip netns add NAME`).
pub const NETNS_DIR: &str = "/run/netns";

/// A target as given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetSpec {
    /// `PID` or `PID:INODE` (the inode of its pidfd, as nsenter's and nsidmap's targets).
    Pid { pid: i32, ino: Option<u64> },
    /// A namespace file: `/proc/PID/ns/net` or a persisted (bind-mounted) one.
    Path(String),
    /// A name under [`NETNS_DIR`].
    Name(String),
}

impl TargetSpec {
    pub fn parse(s: &str) -> Option<TargetSpec> {
        match procdir::parse_pid(s) {
            Ok((pid, ino)) => {
                let pid = pid.as_raw();
                return Some(TargetSpec::Pid { pid, ino });
            }
            // All digits but out of range (`0`, too large): a pid still, and a bad one. Digits
            // and a colon are never a name, and a bad inode after one never a path.
            Err(_) if procdir::is_number(s) => return None,
            Err(_) => {}
        }
        if s.contains('/') {
            return Some(TargetSpec::Path(s.to_string()));
        }
        let ok = !s.is_empty() && s != "." && s != ".." && !s.contains(':');
        ok.then(|| TargetSpec::Name(s.to_string()))
    }
}

/// An open target: its network namespace, and for a process its pidfd and `/proc/PID`.
pub struct Target {
    pub netns: OwnedFd,
    pub proc: Option<ProcDir>,
    /// The namespace's inode.
    pub ino: u64,
    /// How messages name it: `netns 1234`, `netns /run/netns/blue`.
    pub shown: String,
}

fn net_kind() -> &'static ns::Kind {
    ns::by_flag(CloneFlags::CLONE_NEWNET).expect("net is in the table")
}

impl Target {
    /// Open the target. A process is held as a [`ProcDir`] (a pidfd first, then its
    /// `/proc/PID`); its namespace file is opened through that directory and then the process is
    /// checked not to have exited: the file belongs to the process the pidfd names, even if the
    /// pid is reused later. Nothing uses the pid afterwards.
    pub fn open(spec: &TargetSpec) -> Result<Target> {
        let (netns, proc) = match spec {
            TargetSpec::Pid { pid, ino } => {
                let proc = ProcDir::open(Pid::from_raw(*pid), *ino)?;
                let netns = open_net_at(&proc);
                // Not exited after the open: the file is that process's (the pidfd pins it, a
                // reused pid would be another process). An exited one, even a zombie whose pid
                // is still taken, has no namespaces left.
                check_running(&proc)?;
                (netns?, Some(proc))
            }
            TargetSpec::Path(p) => (ns::open_ns_file(p, net_kind())?, None),
            TargetSpec::Name(n) => {
                let path = format!("{NETNS_DIR}/{n}");
                (ns::open_ns_file(&path, net_kind())?, None)
            }
        };
        let st = nix::sys::stat::fstat(&netns).context(|| "cannot stat network namespace")?;
        let shown = match spec {
            TargetSpec::Pid { pid, .. } => format!("netns {pid}"),
            TargetSpec::Path(p) | TargetSpec::Name(p) => format!("netns {p}"),
        };
        // Our own namespace (`/proc/self/ns/net`, our pid, a file bound to it) would put both ends
        // here, and the routes meant for inside into our own table.
        let own = nix::sys::stat::stat("/proc/thread-self/ns/net")
            .context(|| "cannot stat /proc/thread-self/ns/net")?;
        if (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino) {
            return Err(Error::new(format!(
                "{shown} is nsveth's own network namespace (both ends would be on this host)"
            )));
        }
        let ino = st.st_ino;
        Ok(Target {
            netns,
            proc,
            ino,
            shown,
        })
    }

    /// The host end's name when none is given: `veth<pid>`, or `veth<inode>` for a namespace
    /// file (at most 4 + 10 bytes: nsfs inodes are 32-bit).
    pub fn default_host_name(&self) -> String {
        match &self.proc {
            Some(p) => format!("veth{}", p.pid()),
            None => format!("veth{}", self.ino),
        }
    }

    /// Fail if the target process has exited (the namespace we hold may outlive it, but its
    /// owner is gone: a network for nobody is not what was asked for).
    fn check_alive(&self) -> Result<()> {
        match &self.proc {
            Some(p) => check_running(p),
            None => Ok(()),
        }
    }
}

/// `/proc/PID/ns/net` of a held process, opened through its `/proc/PID` directory (the kernel's
/// own link: always a network namespace, so no kind to check).
fn open_net_at(proc: &ProcDir) -> Result<OwnedFd> {
    proc.open_at("ns/net", OFlag::O_RDONLY)
}

/// Fail if the process has exited (a zombie included: it has no namespaces left).
fn check_running(proc: &ProcDir) -> Result<()> {
    match proc.state()? {
        State::Running => Ok(()),
        State::Zombie | State::Gone => Err(Error::new(format!("process {} exited", proc.pid()))),
    }
}

/// What to build (validated).
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub host: String,
    pub peer: String,
    pub host_addrs: Vec<Cidr>,
    pub peer_addrs: Vec<Cidr>,
    /// Routes inside the namespace, default routes of `--gateway` first.
    pub routes: Vec<Route>,
    pub mtu: Option<u32>,
    pub peer_mac: Option<[u8; 6]>,
    pub bridge: Option<String>,
}

/// The default routes of `--gateway`: one per address family, via the first host address of
/// that family.
pub fn gateway_routes(host_addrs: &[Cidr]) -> Vec<Route> {
    let v4 = host_addrs.iter().find(|c| c.addr.is_ipv4());
    let v6 = host_addrs.iter().find(|c| c.addr.is_ipv6());
    [v4, v6]
        .into_iter()
        .flatten()
        .map(|c| Route {
            dst: Cidr::default_of(c.addr),
            via: Some(c.addr),
        })
        .collect()
}

/// Build what `plan` describes in `target`, or nothing at all.
///
/// Until its last step nothing here carries the names the caller chose: the pair is created with
/// its host end down, under a temporary name and marked unfinished (one datagram, see
/// [`linkmark`]), the peer already inside; both ends are configured; then one request renames
/// the host end and brings it up. Catchable signals wait meanwhile ([`Section`]); one that came
/// before the last step has everything undone first, and then ends the process.
///
/// `SIGKILL` can leave an unfinished pair (a *leftover*, deleted by the next `add` whose peer
/// name it holds in that namespace, or with the namespace) and, with `--bridge`, the bridge
/// made for it (marked, empty, and used by the next `add`), or that bridge still under its
/// temporary name (finished by the next `add` for it).
pub fn add(target: &Target, plan: &Plan) -> Result<()> {
    let section = Section::enter()?;
    let mut host = Socket::open()?;
    let mut inside = Socket::open_in(target.netns.as_fd())?;
    let created = || format!("create veth pair {}/{}", plan.host, plan.peer);
    if host.link_by_name(&plan.host).context(created)?.is_some() {
        return Err(Error::sys(created(), Errno::EEXIST));
    }
    let mut again = true;
    let (bridge, pair) = loop {
        let bridge = match &plan.bridge {
            Some(name) => Some(Bridge::find_or_make(&mut host, name)?),
            None => None,
        };
        let pair = make_pair(&mut host, &mut inside, target, plan, bridge.as_ref());
        match &bridge {
            // A bridge a concurrent add made can be deleted again by that add's undo before
            // our pair is in it: make it again, once.
            Some(b) if pair.is_err() && again && !b.exists(&mut host) => again = false,
            _ => break (bridge, pair),
        }
    };
    let result = pair.and_then(|pair| finish(&mut host, &mut inside, target, plan, pair, &section));
    if let (Err(_), Some(b)) = (&result, bridge) {
        b.undo(&mut host);
    }
    // Only now may a held signal end the process: everything is finished or undone.
    drop(section);
    result
}

/// The bridge the host end goes into.
struct Bridge {
    index: u32,
    /// Made by this `add`: deleted again if the `add` fails (and nothing else uses it by then).
    made: bool,
}

impl Bridge {
    /// The bridge `name`, created (up, marked) if missing. It is made under its temporary name
    /// and marked in one datagram, then renamed and brought up in one request: it appears
    /// finished or not at all. A temporary one already there (left by a killed `add`, or being
    /// made by a concurrent one) is the same bridge, and is finished instead.
    fn find_or_make(host: &mut Socket, name: &str) -> Result<Bridge> {
        let made = || format!("create bridge {name}");
        let tmp = linkmark::bridge_temp_name(name);
        // Each round ends with the bridge, or because another process changed it meanwhile.
        for _ in 0..5 {
            match host.link_by_name(name).context(|| format!("find {name}"))? {
                Some(l) if l.kind.as_deref() == Some("bridge") => {
                    let index = l.index;
                    return Ok(Bridge { index, made: false });
                }
                Some(_) => return Err(Error::new(format!("{name} is not a bridge"))),
                None => {}
            }
            let mut batch = [
                Msg::new_bridge(&tmp),
                Msg::set_alias_of(&tmp, linkmark::BRIDGE),
            ];
            let sent = host.send_all(&mut batch).context(made)?;
            match host.wait_all(sent) {
                Ok(()) => {}
                Err((0, e)) if e.errno == Errno::EEXIST => {} // there already: finish it
                Err((_, e)) => {
                    // Made but not marked, or made and its answer lost (a failed receive): do
                    // not leave it. (A concurrent add's, if it was not ours, is made again by
                    // that add, which finds its temporary name gone.)
                    let _ = del_by_name(host, &tmp);
                    return Err(e).context(made);
                }
            }
            let t = match host.link_by_name(&tmp) {
                Ok(Some(t)) => t,
                Ok(None) => continue, // renamed meanwhile by a concurrent add
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
            match host.request(&mut Msg::rename_up(t.index, name, None)) {
                Ok(()) => {
                    let index = t.index;
                    return Ok(Bridge { index, made: true });
                }
                // `name` appeared meanwhile: use it (the temporary bridge is not needed).
                Err(e) if e.errno == Errno::EEXIST => {
                    let _ = host.del_link(t.index);
                }
                // Renamed (or deleted) meanwhile by a concurrent add: look again.
                Err(e) if e.errno == Errno::ENODEV => {}
                Err(e) => {
                    let _ = host.del_link(t.index);
                    return Err(e).context(made);
                }
            }
        }
        Err(Error::sys(made(), Errno::EAGAIN))
    }

    /// Whether the bridge is still there.
    fn exists(&self, host: &mut Socket) -> bool {
        matches!(host.link_by_index(self.index), Ok(Some(l)) if l.kind.as_deref() == Some("bridge"))
    }

    /// After a failed `add`: delete the bridge if this `add` made it and it has no ports.
    fn undo(self, host: &mut Socket) {
        if self.made && host.ports_of(self.index).is_ok_and(|p| p.is_empty()) {
            let _ = host.del_link(self.index);
        }
    }
}

fn del_by_name(host: &mut Socket, name: &str) -> Result<()> {
    let l = host.link_by_name(name).context(|| format!("find {name}"))?;
    if let Some(l) = l {
        host.del_link(l.index)
            .context(|| format!("delete {name}"))?;
    }
    Ok(())
}

/// A pair made but not finished: its host end (under its temporary name) and its peer, by index.
struct Unfinished {
    host: u32,
    peer: u32,
}

/// Create the pair, its host end down under a temporary name and marked unfinished (one
/// datagram), the peer inside under its final name. If the peer's name is taken inside by a
/// leftover (see [`linkmark`]), that is deleted and the pair created again.
fn make_pair(
    host: &mut Socket,
    inside: &mut Socket,
    target: &Target,
    plan: &Plan,
    bridge: Option<&Bridge>,
) -> Result<Unfinished> {
    let created = || format!("create veth pair {}/{}", plan.host, plan.peer);
    let me = linkmark::Maker::me();
    let (tmp, mark) = (linkmark::temp_name(&me), me.mark());
    let veth = Veth {
        host: &tmp,
        peer: &plan.peer,
        peer_netns: target.netns.as_fd(),
        mtu: plan.mtu,
        peer_mac: plan.peer_mac,
        master: bridge.map(|b| b.index),
    };
    let mut cleared = false;
    loop {
        let mut batch = [Msg::new_veth(&veth), Msg::set_alias_of(&tmp, &mark)];
        let sent = host.send_all(&mut batch).context(created)?;
        match host.wait_all(sent) {
            Ok(()) => break,
            Err((0, e)) if e.errno == Errno::EEXIST && !cleared => {
                cleared = remove_leftover(host, inside, &plan.peer).context(created)?;
                if !cleared {
                    return Err(e).context(created);
                }
            }
            Err((0, e)) => {
                // Refused, or made and its answer lost (a failed receive): the temporary name
                // is this run's alone, so whatever has it is ours to delete.
                let _ = del_by_name(host, &tmp);
                return Err(e).context(created);
            }
            Err((_, e)) => {
                let _ = del_by_name(host, &tmp);
                return Err(e).context(|| format!("mark {tmp} as unfinished"));
            }
        }
    }
    let found = find_pair(host, inside, &tmp, &plan.peer);
    if found.is_err() {
        let _ = del_by_name(host, &tmp);
    }
    found.context(created)
}

/// The indexes of the pair just made.
fn find_pair(
    host: &mut Socket,
    inside: &mut Socket,
    tmp: &str,
    peer: &str,
) -> NlResult<Unfinished> {
    let l = host.link_by_name(tmp)?.ok_or(Errno::ENODEV)?;
    // A veth's IFLA_LINK is its peer's index, in the peer's namespace (an old kernel does not
    // say: ask inside).
    let peer = match l.link {
        Some(index) => index,
        None => inside.link_by_name(peer)?.ok_or(Errno::ENODEV)?.index,
    };
    Ok(Unfinished {
        host: l.index,
        peer,
    })
}

/// The peer's name is taken inside: if by a veth whose other end is a leftover here, delete that
/// pair. Whether one was deleted.
fn remove_leftover(host: &mut Socket, inside: &mut Socket, peer: &str) -> NlResult<bool> {
    let Some(p) = inside.link_by_name(peer)? else {
        return Ok(false);
    };
    let (Some(kind), Some(end), Some(nsid)) = (p.kind.as_deref(), p.link, p.link_netnsid) else {
        return Ok(false);
    };
    // Its other end is in our namespace if the namespace it names is ours.
    let Ok(own) = ns::open_ns_file("/proc/thread-self/ns/net", net_kind()) else {
        return Ok(false);
    };
    if kind != "veth" || inside.nsid_of(own.as_fd())? != Some(nsid) {
        return Ok(false);
    }
    let Some(e) = host.link_by_index(end)? else {
        return Ok(false);
    };
    if e.link != Some(p.index) || !linkmark::is_leftover(e.alias.as_deref()) {
        return Ok(false);
    }
    match host.del_link(end) {
        Ok(()) => Ok(true),
        Err(e) if e.errno == Errno::ENODEV => Ok(true), // gone meanwhile
        Err(e) => Err(e),
    }
}

/// Configure the pair, then (unless the target has exited or a signal came) give the host end its
/// name and bring it up; on any failure delete the pair.
fn finish(
    host: &mut Socket,
    inside: &mut Socket,
    target: &Target,
    plan: &Plan,
    pair: Unfinished,
    section: &Section,
) -> Result<()> {
    let r = configure(host, inside, target, plan, &pair)
        .and_then(|()| target.check_alive())
        .and_then(|()| match section.interrupted()? {
            Some(sig) => Err(Error::new(format!(
                "interrupted by {}",
                critical::signal_name(sig)
            ))),
            None => Ok(()),
        })
        .and_then(|()| {
            let mut last = Msg::rename_up(pair.host, &plan.host, Some(linkmark::VETH));
            host.request(&mut last)
                .context(|| format!("create veth pair {}/{}", plan.host, plan.peer))
        });
    if r.is_err() {
        // Deleting one end deletes both.
        let _ = host.del_link(pair.host);
    }
    r
}

/// Address both ends, bring up `lo` and the peer inside, add the routes inside.
fn configure(
    host: &mut Socket,
    inside: &mut Socket,
    target: &Target,
    plan: &Plan,
    pair: &Unfinished,
) -> Result<()> {
    // Nothing here depends on answers: send it all at once, one datagram per namespace, then
    // read the acknowledgements. The kernel handles each request in order; the first that
    // failed (in the order below) is reported.
    let mut here: Vec<Msg> = plan
        .host_addrs
        .iter()
        .map(|c| Msg::add_addr(pair.host, c))
        .collect();
    let peer = pair.peer;
    let mut there = vec![
        Msg::set_link(netlink::LOOPBACK_INDEX, true, None),
        Msg::set_link(peer, true, None),
    ];
    there.extend(plan.peer_addrs.iter().map(|c| Msg::add_addr(peer, c)));
    there.extend(plan.routes.iter().map(|r| Msg::add_route(r, peer)));
    let sent_here = host.send_all(&mut here).map_err(|e| (0, e));
    let sent_there = inside.send_all(&mut there).map_err(|e| (0, e));
    // Wait for both before judging, so the host socket has no answers left unread.
    let here_done = sent_here.and_then(|b| host.wait_all(b));
    let there_done = sent_there.and_then(|b| inside.wait_all(b));
    if let Err((at, e)) = here_done {
        let c = &plan.host_addrs[at.min(plan.host_addrs.len().saturating_sub(1))];
        return Err(e).context(|| format!("add address {c} to {}", plan.host));
    }
    if let Err((at, e)) = there_done {
        let (peer, ns) = (&plan.peer, &target.shown);
        let n = plan.peer_addrs.len();
        return Err(e).context(|| match at {
            0 => format!("bring up lo in {ns}"),
            1 => format!("bring up {peer} in {ns}"),
            i if i - 2 < n => format!("add address {} to {peer} in {ns}", plan.peer_addrs[i - 2]),
            i => format!("add route {} to {peer} in {ns}", plan.routes[i - 2 - n]),
        });
    }
    Ok(())
}

/// Delete the veth pair whose host end is `name`, or a bridge `nsveth add` made once it has no
/// ports left. Anything else is refused: a bridge without our mark existed before us.
pub fn del(name: &str) -> Result<()> {
    let mut host = Socket::open()?;
    let what = || format!("delete {name}");
    let l = host
        .link_by_name(name)
        .context(what)?
        .ok_or_else(|| Error::sys(what(), Errno::ENODEV))?;
    match l.kind.as_deref() {
        Some("veth") => {}
        Some("bridge") if l.alias.as_deref() == Some(linkmark::BRIDGE) => {
            let ports = host.ports_of(l.index).context(what)?;
            if !ports.is_empty() {
                let names: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
                return Err(Error::new(format!(
                    "cannot delete bridge {name}: it still has ports ({})",
                    names.join(", ")
                )));
            }
        }
        _ => {
            return Err(Error::new(format!(
                "{name} is not a veth link or a bridge made by nsveth"
            )))
        }
    }
    host.del_link(l.index).context(what)
}

/// One veth link of our namespace, with where its peer is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub index: u32,
    pub up: bool,
    pub master: Option<u32>,
    pub peer_index: Option<u32>,
    /// The id of the peer's namespace here (None: the peer is in our namespace).
    pub netnsid: Option<i32>,
    /// Its name under [`NETNS_DIR`], if it has one.
    pub netns: Option<String>,
}

/// The veth links of our namespace, each with its peer's namespace named as a target: its name
/// in [`NETNS_DIR`], else the pid of a process in it.
pub fn list() -> Result<Vec<Listed>> {
    let mut host = Socket::open()?;
    let links: Vec<_> = host
        .links()
        .context(|| "list links")?
        .into_iter()
        .filter(|l| l.kind.as_deref() == Some("veth"))
        .collect();
    let mut wanted: Vec<i32> = links.iter().filter_map(|l| l.link_netnsid).collect();
    let mut names: Vec<(i32, String)> = Vec::new();
    let mut find = |host: &mut Socket, path: &str, shown: &str, wanted: &mut Vec<i32>| {
        let Ok(fd) = ns::open_ns_file(path, net_kind()) else {
            return;
        };
        if let Ok(Some(id)) = host.nsid_of(fd.as_fd()) {
            if wanted.contains(&id) {
                wanted.retain(|w| *w != id);
                names.push((id, shown.to_string()));
            }
        }
    };
    if !wanted.is_empty() {
        if let Ok(dir) = std::fs::read_dir(NETNS_DIR) {
            for e in dir.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                find(
                    &mut host,
                    &format!("{NETNS_DIR}/{name}"),
                    &name,
                    &mut wanted,
                );
            }
        }
    }
    if !wanted.is_empty() {
        // Slower: the processes, one namespace (by inode) at a time, lowest pid first.
        let mut seen = Vec::new();
        let mut pids: Vec<u32> = std::fs::read_dir("/proc")
            .context(|| "cannot read /proc")?
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .collect();
        pids.sort_unstable();
        for pid in pids {
            if wanted.is_empty() {
                break;
            }
            let path = format!("/proc/{pid}/ns/net");
            let Ok(st) = nix::sys::stat::stat(path.as_str()) else {
                continue;
            };
            if !seen.contains(&st.st_ino) {
                seen.push(st.st_ino);
                find(&mut host, &path, &pid.to_string(), &mut wanted);
            }
        }
    }
    Ok(links
        .into_iter()
        .map(|l| Listed {
            netns: l
                .link_netnsid
                .and_then(|id| names.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone())),
            name: l.name,
            index: l.index,
            up: l.flags & netlink::IFF_UP != 0,
            master: l.master,
            peer_index: l.link,
            netnsid: l.link_netnsid,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            TargetSpec::parse("42"),
            Some(TargetSpec::Pid { pid: 42, ino: None })
        );
        assert_eq!(
            TargetSpec::parse("42:4026531840"),
            Some(TargetSpec::Pid {
                pid: 42,
                ino: Some(4026531840)
            })
        );
        assert_eq!(
            TargetSpec::parse("/proc/1/ns/net"),
            Some(TargetSpec::Path("/proc/1/ns/net".into()))
        );
        assert_eq!(
            TargetSpec::parse("blue"),
            Some(TargetSpec::Name("blue".into()))
        );
        for bad in ["", ".", "..", "0", "42:", "99999999999"] {
            assert_eq!(TargetSpec::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn target_syntax_edges() {
        let pid = |pid, ino| Some(TargetSpec::Pid { pid, ino });
        assert_eq!(TargetSpec::parse("007"), pid(7, None));
        assert_eq!(TargetSpec::parse("42:0"), pid(42, Some(0)));
        assert_eq!(TargetSpec::parse("-1"), Some(TargetSpec::Name("-1".into())));
        assert_eq!(
            TargetSpec::parse("0:/x"),
            Some(TargetSpec::Path("0:/x".into()))
        );
        for bad in ["00", "0:5", "42:x", "1:2:3", "1:99999999999999999999999"] {
            assert_eq!(TargetSpec::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn gateway_uses_first_address_of_each_family() {
        let addrs: Vec<Cidr> = ["10.0.0.1/24", "10.1.0.1/24", "fd00::1/64"]
            .iter()
            .map(|s| Cidr::parse(s).unwrap())
            .collect();
        let r: Vec<String> = gateway_routes(&addrs)
            .iter()
            .map(|r| r.to_string())
            .collect();
        assert_eq!(r, ["default via 10.0.0.1", "default via fd00::1"]);
        assert!(gateway_routes(&[]).is_empty());
    }
}
