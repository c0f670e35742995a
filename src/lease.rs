//! The lease store: which addresses of which subnet `nsveth add` gave to which link, kept as
//! small text files in one directory (`/run/nstools`, or `$NSTOOLS_RUN_DIR`), so that the next
//! `add` picks another address and the last `del` knows it was the last.
//!
//! One file per subnet (`net-10.88.0.0-16`) holds its leases, one a line. A file is only ever
//! written by a process holding its lock ([`Store::lock`]: `flock` on `NAME.lock` beside it), and
//! written whole: to `NAME.tmp`, then renamed over `NAME`. So a reader sees the old file or the
//! new one, and a process killed at any moment leaves the last complete one. Lock files are
//! removed when released (a waiter that got the lock of a removed file tries again), and the
//! directory when it is empty: after the last lease is gone, nothing of it is left.
//!
//! Leases whose link no longer exists (its namespace died, or an `add` was killed before it
//! could undo its work) are *stale*; [`Subnet::leases`] keeps them until the caller, which can
//! ask the kernel, reclaims them.
//!
//! The store belongs to the network namespace nsveth runs in (the host's). `$NSTOOLS_RUN_DIR`
//! gives another one (tests, or nsveth run in another namespace playing a host); it is ignored
//! when the process runs with privileges its caller does not have (`AT_SECURE`).

use std::fmt;
use std::fs::File;
use std::io::Write as _;
use std::net::IpAddr;
use std::os::fd::AsFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;

use nix::errno::Errno;

use crate::addr::Cidr;
use crate::error::{errno_of, Context, Error, Result};

/// Where the store is unless `$NSTOOLS_RUN_DIR` says otherwise.
pub const RUN_DIR: &str = "/run/nstools";
/// The variable naming another store (see the module's doc).
pub const RUN_DIR_VAR: &str = "NSTOOLS_RUN_DIR";

/// The directory of the lease store.
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// The store: `$NSTOOLS_RUN_DIR` if set (and we run without added privileges), else
    /// [`RUN_DIR`]. Nothing is created before it is needed.
    pub fn open() -> Store {
        let dir = std::env::var_os(RUN_DIR_VAR)
            .filter(|d| !d.is_empty() && !crate::sys::at_secure())
            .map_or_else(|| PathBuf::from(RUN_DIR), PathBuf::from);
        Store { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Create the directory (mode 0700: a lock file anyone could open, anyone could hold).
    fn make_dir(&self) -> Result<()> {
        match std::fs::DirBuilder::new().mode(0o700).create(&self.dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(Error::sys(
                format!("cannot create {}", self.dir.display()),
                errno_of(&e),
            )),
        }
    }

    /// Take the lock `NAME.lock`, waiting for its holder.
    pub fn lock(&self, name: &str) -> Result<Lock> {
        let path = self.path(&format!("{name}.lock"));
        let what = || format!("cannot lock {}", path.display());
        loop {
            self.make_dir()?;
            let file = match std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&path)
            {
                Ok(f) => f,
                // The directory was removed meanwhile by a process that emptied it: again.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::sys(what(), errno_of(&e))),
            };
            match crate::sys::flock_exclusive(file.as_fd()) {
                Ok(()) => {}
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(Error::sys(what(), e)),
            }
            // The holder before us may have removed the file as it let go: then ours is the lock
            // of a file nobody else will ever look at, and the real one is (or will be) another.
            let held = nix::sys::stat::fstat(file.as_fd()).context(what)?;
            match nix::sys::stat::stat(&path) {
                Ok(st) if (st.st_dev, st.st_ino) == (held.st_dev, held.st_ino) => {
                    return Ok(Lock { _held: file, path })
                }
                Ok(_) | Err(Errno::ENOENT) => continue,
                Err(e) => return Err(Error::sys(what(), e)),
            }
        }
    }

    /// The lock of bridge `name` (made, given ports, removed).
    pub fn lock_bridge(&self, name: &str) -> Result<Lock> {
        self.lock(&format!("bridge-{name}"))
    }

    /// The lock of the leases of `net`.
    pub fn lock_subnet(&self, net: &Cidr) -> Result<Lock> {
        self.lock(&subnet_file(net))
    }

    /// The lock of the NAT rules and the forwarding sysctls.
    pub fn lock_nat(&self) -> Result<Lock> {
        self.lock("nat")
    }

    /// The contents of file `name`, if it exists.
    pub fn read(&self, name: &str) -> Result<Option<String>> {
        let path = self.path(name);
        match std::fs::read_to_string(&path) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::sys(
                format!("cannot read {}", path.display()),
                errno_of(&e),
            )),
        }
    }

    /// Replace file `name` with `text`, whole (the caller holds its lock).
    pub fn write(&self, name: &str, text: &str) -> Result<()> {
        self.make_dir()?;
        let (tmp, path) = (self.path(&format!("{name}.tmp")), self.path(name));
        let what = || format!("cannot write {}", path.display());
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&tmp)
            .map_err(|e| Error::sys(what(), errno_of(&e)))?;
        f.write_all(text.as_bytes())
            .map_err(|e| Error::sys(what(), errno_of(&e)))?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::sys(what(), errno_of(&e))
        })
    }

    /// Remove file `name` (and a temporary one a killed writer left), if there.
    pub fn remove(&self, name: &str) -> Result<()> {
        for n in [format!("{name}.tmp"), name.to_string()] {
            let path = self.path(&n);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(Error::sys(
                        format!("cannot remove {}", path.display()),
                        errno_of(&e),
                    ))
                }
            }
        }
        Ok(())
    }

    /// Remove the directory if nothing is left in it.
    pub fn tidy(&self) {
        let _ = std::fs::remove_dir(&self.dir);
    }

    /// The leases of `net` (`None`: no lease file, the subnet is not in use).
    pub fn subnet(&self, net: &Cidr) -> Result<Option<Subnet>> {
        let name = subnet_file(net);
        match self.read(&name)? {
            Some(text) => Subnet::parse(&text).map(Some).ok_or_else(|| {
                Error::new(format!("corrupt lease file {}", self.path(&name).display()))
            }),
            None => Ok(None),
        }
    }

    /// Write the leases of a subnet (the caller holds its lock); without leases, its file goes.
    pub fn save(&self, s: &Subnet) -> Result<()> {
        let name = subnet_file(&s.net);
        if s.leases.is_empty() {
            self.remove(&name)
        } else {
            self.write(&name, &s.to_string())
        }
    }

    /// Every subnet with leases, each file as it was when read.
    pub fn subnets(&self) -> Result<Vec<Subnet>> {
        self.subnets_except(&[])
    }

    /// Every subnet with leases but those of `skip`.
    pub fn subnets_except(&self, skip: &[Cidr]) -> Result<Vec<Subnet>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(Error::sys(
                    format!("cannot read {}", self.dir.display()),
                    errno_of(&e),
                ))
            }
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| is_lease_file(n) && !skip.iter().any(|s| subnet_file(s) == *n))
            .collect();
        sort(&mut names);
        let mut out = Vec::new();
        for n in names {
            let Some(text) = self.read(&n)? else {
                continue; // removed meanwhile
            };
            let s = Subnet::parse(&text).ok_or_else(|| {
                Error::new(format!("corrupt lease file {}", self.path(&n).display()))
            })?;
            out.push(s);
        }
        Ok(out)
    }

    /// Remove the temporary files of writers that were killed, each under the lock of the file
    /// it was for (a subnet's, or NAT's for the others).
    pub fn clear_temporary(&self) -> Result<()> {
        let Ok(d) = std::fs::read_dir(&self.dir) else {
            return Ok(());
        };
        let names: Vec<String> = d
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        for n in names {
            let base = n.trim_end_matches(".tmp");
            let _lock = self.lock(if base.starts_with("net-") {
                base
            } else {
                "nat"
            })?;
            let _ = std::fs::remove_file(self.path(&n));
        }
        Ok(())
    }

    /// The names of the lock files in the store (for garbage collection).
    pub fn lock_names(&self) -> Vec<String> {
        let Ok(d) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        d.flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|n| n.strip_suffix(".lock").map(str::to_string))
            .collect()
    }
}

/// Sort a few names (a hand-written insertion sort: the standard library's sorts are large, and
/// a store holds a handful of subnets).
pub fn sort(names: &mut [String]) {
    for i in 1..names.len() {
        let mut j = i;
        while j > 0 && names[j - 1] > names[j] {
            names.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// Whether `n` is a lease file (not its lock, nor a temporary one).
fn is_lease_file(n: &str) -> bool {
    n.starts_with("net-") && !n.ends_with(".lock") && !n.ends_with(".tmp")
}

/// The name of the lease file of `net`: `net-10.88.0.0-16`, `net-fd00::-64`.
pub fn subnet_file(net: &Cidr) -> String {
    format!("net-{}-{}", net.addr, net.prefix)
}

/// A lock of the store, released (and its file removed) on drop.
pub struct Lock {
    /// Locked until closed, after `drop` below.
    _held: File,
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held: a process waiting for it sees the file gone and starts over.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// How the addresses of a subnet are used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Containers on bridge NAME: one address each; the bridge has the gateway's.
    Bridge(String),
    /// Point-to-point pairs: a block of four addresses each (/30, or /126), the host end the
    /// first after the block's start, the peer the second.
    Pair,
}

/// A transport protocol of a published port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }

    /// Its IP protocol number.
    pub fn number(self) -> u8 {
        match self {
            Proto::Tcp => libc::IPPROTO_TCP as u8,
            Proto::Udp => libc::IPPROTO_UDP as u8,
        }
    }
}

/// A published port: `[HOSTADDR:]HOSTPORT:PORT[/tcp|/udp]`, traffic to the host's HOSTPORT
/// (on HOSTADDR only, if given) forwarded to the container's PORT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Publish {
    pub host_addr: Option<IpAddr>,
    pub host_port: u16,
    pub port: u16,
    pub proto: Proto,
}

impl Publish {
    /// Parse the option's value. An IPv6 HOSTADDR is written in brackets: `[::1]:8080:80`.
    pub fn parse(s: &str) -> Option<Publish> {
        let (spec, proto) = match s.rsplit_once('/') {
            Some((spec, "tcp")) => (spec, Proto::Tcp),
            Some((spec, "udp")) => (spec, Proto::Udp),
            Some(_) => return None,
            None => (s, Proto::Tcp),
        };
        let (host_addr, ports) = if let Some(rest) = spec.strip_prefix('[') {
            let (a, ports) = rest.split_once("]:")?;
            (Some(IpAddr::V6(a.parse().ok()?)), ports)
        } else {
            match spec.matches(':').count() {
                1 => (None, spec),
                2 => {
                    let (a, ports) = spec.split_once(':')?;
                    (Some(IpAddr::V4(a.parse().ok()?)), ports)
                }
                _ => return None,
            }
        };
        let (h, c) = ports.split_once(':')?;
        let port = |p: &str| -> Option<u16> {
            let ok = !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
            ok.then(|| p.parse().ok()).flatten().filter(|n| *n > 0)
        };
        let unspecified = host_addr.is_some_and(|a| a.is_unspecified());
        Some(Publish {
            host_addr: host_addr.filter(|_| !unspecified),
            host_port: port(h)?,
            port: port(c)?,
            proto,
        })
    }

    /// Whether both take the same port of the host (same protocol and port, addresses that
    /// meet: one of them any address, or the same).
    pub fn clashes(&self, o: &Publish) -> bool {
        self.proto == o.proto
            && self.host_port == o.host_port
            && match (self.host_addr, o.host_addr) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }

    /// Whether it applies to a container address of this family.
    pub fn fits(&self, addr: IpAddr) -> bool {
        self.host_addr.is_none_or(|h| h.is_ipv4() == addr.is_ipv4())
    }
}

impl fmt::Display for Publish {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.host_addr {
            Some(IpAddr::V6(a)) => write!(f, "[{a}]:")?,
            Some(a) => write!(f, "{a}:")?,
            None => {}
        }
        write!(f, "{}:{}/{}", self.host_port, self.port, self.proto.name())
    }
}

/// One address given to one link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The address of the end inside.
    pub addr: IpAddr,
    /// The host end's address ([`Mode::Pair`] only).
    pub host: Option<IpAddr>,
    /// The host end, by name and index (the index decides: a link keeps it when renamed, and
    /// the kernel does not hand it out again soon).
    pub link: String,
    pub index: u32,
    /// Outbound NAT for the subnet, as long as one lease asks for it.
    pub masquerade: bool,
    pub publish: Vec<Publish>,
}

/// The leases of one subnet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subnet {
    /// The network (its host bits zero).
    pub net: Cidr,
    pub mode: Mode,
    /// The last address handed out: the next search starts after it, so an address just
    /// released is not given again at once.
    pub last: Option<IpAddr>,
    pub leases: Vec<Lease>,
}

/// The longest prefix a subnet may have: room for the gateway and one container (or one
/// pair's block of four).
pub fn max_prefix(net: &Cidr) -> u8 {
    net.width() - 2
}

impl Subnet {
    pub fn new(net: Cidr, mode: Mode) -> Subnet {
        Subnet {
            net,
            mode,
            last: None,
            leases: Vec::new(),
        }
    }

    /// Whether the subnet has outbound NAT (one of its leases asks for it).
    pub fn masquerade(&self) -> bool {
        self.leases.iter().any(|l| l.masquerade)
    }

    /// The offsets from the network's start that leases may use, as (first, step, last): every
    /// address but the network's own (and the IPv4 broadcast) on a bridge, the peer of each
    /// block of four for pairs.
    fn slots(&self) -> (u128, u128, u128) {
        let end = self.net.last_offset();
        match self.mode {
            Mode::Bridge(_) if self.net.addr.is_ipv4() => (1, 1, end - 1),
            Mode::Bridge(_) => (1, 1, end),
            Mode::Pair => (2, 4, end - 1),
        }
    }

    /// Pick the next free address after the last one handed out (wrapping around), not among
    /// the leases nor in `taken` (the gateway's). Returns the address of the end inside and,
    /// for pairs, of the host end; `None` when the subnet is full.
    pub fn allocate(&mut self, taken: &[IpAddr]) -> Option<(IpAddr, Option<IpAddr>)> {
        let (first, step, last) = self.slots();
        if last < first {
            return None;
        }
        let slots = (last - first) / step + 1;
        let slot_of = |a: IpAddr| {
            let off = self.net.offset_of(a);
            (off >= first && off <= last).then(|| (off - first) / step)
        };
        let start = self
            .last
            .filter(|a| self.net.contains(*a))
            .and_then(slot_of)
            .map_or(0, |s| (s + 1) % slots);
        // Among the `n + 1` slots from `start` one is free when `n` are used (if the subnet has
        // that many): mark those taken in that window, the first unmarked is the one.
        let addrs = self
            .leases
            .iter()
            .map(|l| l.addr)
            .chain(taken.iter().copied());
        let window = ((self.leases.len() + taken.len() + 1) as u128).min(slots) as usize;
        let mut busy = vec![false; window];
        for a in addrs.filter(|a| self.net.contains(*a)) {
            // For pairs an address anywhere in a block takes the block.
            let slot = if step == 1 {
                slot_of(a)
            } else {
                Some(self.net.offset_of(a) / step)
            };
            if let Some(s) = slot.filter(|s| *s < slots) {
                let at = (s + slots - start) % slots;
                if at < window as u128 {
                    busy[at as usize] = true;
                }
            }
        }
        let slot = (start + busy.iter().position(|b| !b)? as u128) % slots;
        let addr = self.net.nth(first + slot * step)?;
        self.last = Some(addr);
        let host = match self.mode {
            Mode::Pair => Some(self.net.nth(first + slot * step - 1)?),
            Mode::Bridge(_) => None,
        };
        Some((addr, host))
    }

    /// The text of its lease file.
    fn parse(text: &str) -> Option<Subnet> {
        let mut lines = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty());
        let mut head = lines.next()?.split(' ');
        if head.next()? != "subnet" {
            return None;
        }
        let net = Cidr::parse(head.next()?).filter(Cidr::is_network)?;
        let mode = match head.next()? {
            "pair" => Mode::Pair,
            b => Mode::Bridge(b.strip_prefix("bridge=")?.to_string()),
        };
        let mut s = Subnet::new(net, mode);
        for line in lines {
            let mut w = line.split(' ');
            match w.next()? {
                "last" => s.last = Some(w.next()?.parse().ok()?),
                "lease" => s.leases.push(parse_lease(&mut w)?),
                _ => return None,
            }
            if w.next().is_some() {
                return None;
            }
        }
        Some(s)
    }
}

/// `ADDR [host=ADDR] link=NAME index=N [masquerade] [publish=P,P…]`, the words after `lease`.
fn parse_lease<'a>(w: &mut impl Iterator<Item = &'a str>) -> Option<Lease> {
    let mut l = Lease {
        addr: w.next()?.parse().ok()?,
        host: None,
        link: String::new(),
        index: 0,
        masquerade: false,
        publish: Vec::new(),
    };
    for word in w.by_ref() {
        match word.split_once('=') {
            Some(("host", a)) => l.host = Some(a.parse().ok()?),
            Some(("link", n)) => l.link = n.to_string(),
            Some(("index", i)) => l.index = i.parse().ok()?,
            Some(("publish", ps)) => {
                for p in ps.split(',') {
                    l.publish.push(Publish::parse(p)?);
                }
            }
            None if word == "masquerade" => l.masquerade = true,
            _ => return None,
        }
    }
    (!l.link.is_empty() && l.index != 0).then_some(l)
}

impl fmt::Display for Subnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "# leases of nsveth(8), one a line")?;
        match &self.mode {
            Mode::Bridge(b) => writeln!(f, "subnet {} bridge={b}", self.net)?,
            Mode::Pair => writeln!(f, "subnet {} pair", self.net)?,
        }
        if let Some(a) = self.last {
            writeln!(f, "last {a}")?;
        }
        for l in &self.leases {
            write!(f, "lease {}", l.addr)?;
            if let Some(h) = l.host {
                write!(f, " host={h}")?;
            }
            write!(f, " link={} index={}", l.link, l.index)?;
            if l.masquerade {
                f.write_str(" masquerade")?;
            }
            for (i, p) in l.publish.iter().enumerate() {
                write!(f, "{}{p}", if i == 0 { " publish=" } else { "," })?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(s: &str) -> Cidr {
        Cidr::parse(s).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn lease(addr: &str, index: u32) -> Lease {
        Lease {
            addr: ip(addr),
            host: None,
            link: format!("veth{index}"),
            index,
            masquerade: false,
            publish: Vec::new(),
        }
    }

    #[test]
    fn published_ports() {
        let p = |s| Publish::parse(s).map(|p| p.to_string());
        assert_eq!(p("8080:80").as_deref(), Some("8080:80/tcp"));
        assert_eq!(p("53:5353/udp").as_deref(), Some("53:5353/udp"));
        assert_eq!(
            p("10.0.0.1:8080:80/tcp").as_deref(),
            Some("10.0.0.1:8080:80/tcp")
        );
        assert_eq!(
            p("[fd00::1]:443:8443").as_deref(),
            Some("[fd00::1]:443:8443/tcp")
        );
        assert_eq!(p("0.0.0.0:8080:80").as_deref(), Some("8080:80/tcp"));
        for bad in [
            "",
            "80",
            "0:80",
            "80:0",
            "65536:80",
            "80:80/sctp",
            "x:80:80",
            "::1:80:80",
            "[10.0.0.1]:80:80",
            "1:2:3:4",
            "+80:80",
            "80:80/",
            "[fd00::1]80:80",
        ] {
            assert_eq!(Publish::parse(bad), None, "{bad}");
        }
        let a = Publish::parse("8080:80").unwrap();
        let b = Publish::parse("10.0.0.1:8080:90").unwrap();
        let c = Publish::parse("10.0.0.2:8080:90").unwrap();
        assert!(a.clashes(&b) && b.clashes(&a) && !b.clashes(&c));
        assert!(!a.clashes(&Publish::parse("8080:80/udp").unwrap()));
        assert!(b.fits(ip("10.88.0.2")) && !b.fits(ip("fd00::2")) && a.fits(ip("fd00::2")));
    }

    #[test]
    fn bridge_allocation_goes_round_and_skips_what_is_taken() {
        let mut s = Subnet::new(cidr("10.88.0.0/29"), Mode::Bridge("br".into()));
        let gw = [ip("10.88.0.1")];
        let mut got = Vec::new();
        while let Some((a, host)) = s.allocate(&gw) {
            assert_eq!(host, None);
            got.push(a.to_string());
            s.leases.push(lease(&a.to_string(), got.len() as u32));
        }
        // .0 is the network, .1 the gateway, .7 the broadcast.
        assert_eq!(
            got,
            [
                "10.88.0.2",
                "10.88.0.3",
                "10.88.0.4",
                "10.88.0.5",
                "10.88.0.6"
            ]
        );
        // Released addresses come back only after the others: the search goes on from the last.
        s.leases
            .retain(|l| l.addr != ip("10.88.0.3") && l.addr != ip("10.88.0.5"));
        assert_eq!(s.allocate(&gw).unwrap().0, ip("10.88.0.3"));
        s.leases.push(lease("10.88.0.3", 9));
        assert_eq!(s.allocate(&gw).unwrap().0, ip("10.88.0.5"));
        // IPv6: no broadcast, the last address is used too.
        let mut s = Subnet::new(cidr("fd00::/126"), Mode::Bridge("br".into()));
        let gw = [ip("fd00::1")];
        let a = s.allocate(&gw).unwrap().0;
        s.leases.push(lease(&a.to_string(), 1));
        let b = s.allocate(&gw).unwrap().0;
        s.leases.push(lease(&b.to_string(), 2));
        assert_eq!((a, b), (ip("fd00::2"), ip("fd00::3")));
        assert_eq!(s.allocate(&gw), None);
        // A huge subnet is not scanned: the search stops at the first free address.
        let mut s = Subnet::new(cidr("fd00::/64"), Mode::Bridge("br".into()));
        s.last = Some(ip("fd00::ffff:ffff:ffff:ffff"));
        assert_eq!(s.allocate(&[ip("fd00::1")]).unwrap().0, ip("fd00::2"));
    }

    #[test]
    fn pairs_take_blocks_of_four() {
        let mut s = Subnet::new(cidr("10.89.0.0/28"), Mode::Pair);
        let mut got = Vec::new();
        while let Some((a, host)) = s.allocate(&[]) {
            got.push(format!("{}-{a}", host.unwrap()));
            let mut l = lease(&a.to_string(), got.len() as u32);
            l.host = host;
            s.leases.push(l);
        }
        assert_eq!(
            got,
            [
                "10.89.0.1-10.89.0.2",
                "10.89.0.5-10.89.0.6",
                "10.89.0.9-10.89.0.10",
                "10.89.0.13-10.89.0.14"
            ]
        );
        // An address taken anywhere in a block takes the block.
        let mut s = Subnet::new(cidr("10.89.0.0/29"), Mode::Pair);
        assert_eq!(s.allocate(&[ip("10.89.0.3")]).unwrap().0, ip("10.89.0.6"));
        assert_eq!(
            Subnet::new(cidr("10.89.0.0/30"), Mode::Pair)
                .allocate(&[])
                .unwrap()
                .0,
            ip("10.89.0.2")
        );
        assert_eq!(max_prefix(&cidr("10.0.0.0/8")), 30);
        assert_eq!(max_prefix(&cidr("fd00::/8")), 126);
    }

    #[test]
    fn lease_files_round_trip_and_reject_garbage() {
        let mut s = Subnet::new(cidr("10.88.0.0/16"), Mode::Bridge("nst0".into()));
        s.last = Some(ip("10.88.0.3"));
        s.leases.push(Lease {
            masquerade: true,
            publish: vec![
                Publish::parse("8080:80").unwrap(),
                Publish::parse("[fd00::1]:53:53/udp").unwrap(),
            ],
            ..lease("10.88.0.2", 57)
        });
        s.leases.push(lease("10.88.0.3", 58));
        let text = s.to_string();
        assert_eq!(
            text,
            "# leases of nsveth(8), one a line\nsubnet 10.88.0.0/16 bridge=nst0\nlast 10.88.0.3\n\
             lease 10.88.0.2 link=veth57 index=57 masquerade publish=8080:80/tcp,[fd00::1]:53:53/udp\n\
             lease 10.88.0.3 link=veth58 index=58\n"
        );
        assert_eq!(Subnet::parse(&text), Some(s));
        let mut p = Subnet::new(cidr("fd00::/64"), Mode::Pair);
        p.leases.push(Lease {
            host: Some(ip("fd00::1")),
            ..lease("fd00::2", 3)
        });
        assert_eq!(Subnet::parse(&p.to_string()), Some(p));
        for bad in [
            "",
            "subnet 10.88.0.1/16 pair",
            "subnet 10.88.0.0/16 nat",
            "subnet 10.88.0.0/16 pair\nlease 10.88.0.2 link=x",
            "subnet 10.88.0.0/16 pair\nlease 10.88.0.2 index=3",
            "subnet 10.88.0.0/16 pair\nlease 10.88.0.2 link=x index=3 bogus",
            "subnet 10.88.0.0/16 pair\nlast x",
            "subnet 10.88.0.0/16 pair\nwhat",
        ] {
            assert_eq!(Subnet::parse(bad), None, "{bad:?}");
        }
    }
}
