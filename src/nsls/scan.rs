//! Finding the namespaces and the processes in them, as util-linux 2.42's lsns does, with fewer
//! system calls.
//!
//! Sources, in the order lsns reads them:
//! 1. every process in `/proc`: its owner, and the namespace of each kind wanted
//!    (`/proc/PID/ns/*`, one `readlink` each); its parent only later, for the processes shown;
//! 2. each process's open files (`/proc/PID/fd`): a namespace file it holds, and the network
//!    namespace of each socket (`pidfd_getfd` + `SIOCGSKNS`), which may be one no process is in;
//! 3. namespace files bind-mounted anywhere (`nsfs` in `/proc/self/mountinfo`).
//!
//! On Linux 6.19 and later `listns(2)` names every living namespace instead of 2 (held files) and
//! 3; sockets are still read, a socket keeping its network namespace without making it "active".
//!
//! A namespace found through a file (2, 3) brings its owner and, for user and pid namespaces, its
//! parent along (nsfs `NS_GET_USERNS`, `NS_GET_PARENT`), up the chain, as lsns does; a namespace
//! found through a process is only opened when its parent, owner or network id is wanted, once
//! however many processes share it (lsns opens every namespace file of every process).

use std::collections::BTreeMap;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::{openat, OFlag};
use nix::sys::stat::{fstat, fstatat, Mode};
use nix::unistd::Pid;

use crate::error::{Context, Result};
use crate::netlink::Socket;
use crate::ns::KINDS;
use crate::sys;

/// What a listing needs beyond the namespaces and their processes.
#[derive(Clone, Copy, Debug)]
pub struct Want {
    /// The kinds to list, by their index in [`KINDS`].
    pub kinds: [bool; 8],
    /// Parent and owner of every namespace (PNS, ONS, the owner and parent trees).
    pub related: bool,
    /// The network namespace ids (NETNSID), through this netlink socket's namespace.
    pub netnsid: bool,
    /// Namespaces only known as the parent or owner of a listed one (the owner and parent
    /// trees show them).
    pub ghosts: bool,
}

/// The id the caller's network namespace gives a network namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Netnsid {
    /// Not asked for, not a network namespace, or the kernel did not say.
    Unknown,
    Unassigned,
    Id(i32),
}

/// A process, as `/proc` shows it.
#[derive(Clone, Debug)]
pub struct Proc {
    pub pid: i32,
    /// The owner of `/proc/PID`.
    pub uid: u32,
    /// The inode of its namespace of each kind (0: none seen).
    pub ns: [u64; 8],
}

/// A namespace.
#[derive(Clone, Debug)]
pub struct Ns {
    /// Its inode (the NS column).
    pub ino: u64,
    /// Its kind, as an index in [`KINDS`].
    pub kind: usize,
    /// The parent's inode (user and pid namespaces), 0 when none or not known.
    pub parent: u64,
    /// The owning user namespace's inode, 0 when none or not known.
    pub owner: u64,
    pub netnsid: Netnsid,
    /// For a user namespace found through a file: the uid that created it.
    pub owner_uid: u32,
    /// Its processes, as indices into [`Scan::procs`], in `/proc` order.
    pub procs: Vec<usize>,
    /// Found through a file, with its owner and parent up the chain (see [`Scan::add_held`]).
    chained: bool,
    /// Parent, owner and netnsid have been read.
    described: bool,
}

/// A namespace file bind-mounted somewhere (a line of mountinfo with type `nsfs`).
#[derive(Clone, Debug)]
pub struct NsfsMount {
    /// `net:[4026532258]`, as mountinfo's root field says.
    pub root: String,
    /// Where it is mounted.
    pub target: String,
}

/// Everything found.
pub struct Scan {
    pub procs: Vec<Proc>,
    /// Sorted by inode once the scan is done.
    pub ns: Vec<Ns>,
    index: BTreeMap<u64, usize>,
    want: Want,
    netlink: Option<Socket>,
    /// Socket inodes whose network namespace is known (the value unused: one map type for
    /// every map keeps the binary smaller).
    sockets: BTreeMap<u64, usize>,
    /// The network namespace cookies of the sockets read (`SO_NETNS_COOKIE`).
    cookies: BTreeMap<u64, usize>,
    /// `/proc`, kept for reading parents later.
    proc_dir: Option<OwnedFd>,
    /// Parent pids read so far.
    ppids: std::cell::RefCell<Vec<Option<i32>>>,
}

/// How far a namespace found through a file goes up its chain: while reading the processes it
/// stops at namespaces already chained; afterwards at any namespace already known (lsns adds
/// processes' namespaces between the two).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Files,
    Late,
}

/// The nsfs bind mounts in `mountinfo`, in order.
pub fn nsfs_mounts(mountinfo: &str) -> Vec<NsfsMount> {
    mountinfo
        .lines()
        .filter_map(|l| {
            let (left, right) = l.split_once(" - ")?;
            if right.split(' ').next()? != "nsfs" {
                return None;
            }
            let mut f = left.split(' ');
            let root = unescape(f.nth(3)?);
            let target = unescape(f.next()?);
            Some(NsfsMount { root, target })
        })
        .collect()
}

/// Mountinfo's octal escapes (`\040` for a space) undone.
pub(super) fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match octal {
            Some(d) if b[i] == b'\\' => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            _ => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `TYPE:[INODE]`, the name of an nsfs file (a mount's root, an fd's link): kind and inode.
fn parse_nsfs_name(name: &[u8]) -> Option<(usize, u64)> {
    let open = name.iter().position(|&b| b == b'[')?;
    let kind = name.get(..open)?.strip_suffix(b":")?;
    let ino = std::str::from_utf8(name.get(open + 1..)?.strip_suffix(b"]")?).ok()?;
    let k = KINDS.iter().position(|k| k.name.as_bytes() == kind)?;
    Some((k, ino.parse().ok()?))
}

/// The inode of an open file.
fn inode(fd: BorrowedFd<'_>) -> Option<u64> {
    fstat(fd).ok().map(|st| st.st_ino)
}

/// `PID (COMM) S PPID …`: the parent pid, after the last `)` of the command name.
fn parse_ppid(stat: &[u8]) -> Option<i32> {
    let close = stat.iter().rposition(|&b| b == b')')?;
    let rest = std::str::from_utf8(&stat[close + 1..]).ok()?;
    rest.split_ascii_whitespace().nth(1)?.parse().ok()
}

/// The walk through `/proc`: its directory, a path buffer and reusable read buffers.
struct Walker<'a> {
    proc_dir: BorrowedFd<'a>,
    path: PathBuf,
    link: Vec<u8>,
    dents: Vec<u8>,
    /// The size of `/proc/PID/fd` is the number of open files (Linux 6.2).
    fd_counts: bool,
    /// The previous process read, and its open files.
    prev_pid: i32,
    prev_fds: Vec<u32>,
}

/// A path below `/proc`, rebuilt in place for each system call.
struct PathBuf(Vec<u8>);

impl PathBuf {
    /// `PID` followed by the parts of `rest`, NUL-terminated.
    fn at(&mut self, pid: i32, rest: &[&[u8]]) -> &std::ffi::CStr {
        self.0.clear();
        let mut digits = [0u8; 10];
        let mut at = digits.len();
        let mut n = pid.unsigned_abs();
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.0.extend_from_slice(&digits[at..]);
        for part in rest {
            self.0.extend_from_slice(part);
        }
        self.0.push(0);
        std::ffi::CStr::from_bytes_with_nul(&self.0).unwrap_or_default()
    }
}

/// Read a small `/proc` file below `dir` into `buf` (one `read`: procfs answers a read of a
/// file this small whole); its length.
fn read_small(dir: BorrowedFd<'_>, rel: &std::ffi::CStr, buf: &mut [u8]) -> Option<usize> {
    let fd = openat(dir, rel, OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty()).ok()?;
    loop {
        match nix::unistd::read(&fd, buf) {
            Err(Errno::EINTR) => {}
            r => return r.ok(),
        }
    }
}

impl Scan {
    /// Find the namespaces of the kinds `want` names, the processes in them, and (unless
    /// `listns(2)` names them) those held by open files and bind mounts.
    pub fn run(want: Want, mounts: &[NsfsMount]) -> Result<Scan> {
        let netlink = if want.netnsid {
            Socket::open().ok()
        } else {
            None
        };
        let mut s = Scan {
            procs: Vec::new(),
            ns: Vec::new(),
            index: BTreeMap::new(),
            want,
            netlink,
            sockets: Default::default(),
            cookies: Default::default(),
            proc_dir: None,
            ppids: Default::default(),
        };
        let listed = s.listns();
        let proc_dir = nix::fcntl::open(
            "/proc",
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .context(|| "cannot open /proc")?;
        let mut pids = Vec::new();
        for e in std::fs::read_dir("/proc")
            .context(|| "cannot read /proc")?
            .flatten()
        {
            if let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) {
                pids.push(pid);
            }
        }
        // We hold at least standard input, output and error and /proc: a size of 0 means a
        // kernel that does not count.
        let fd_counts = fstatat(&proc_dir, "self/fd", nix::fcntl::AtFlags::empty())
            .is_ok_and(|st| st.st_size > 0);
        let mut w = Walker {
            proc_dir: proc_dir.as_fd(),
            path: PathBuf(Vec::with_capacity(64)),
            link: vec![0; 256],
            dents: vec![0; 4096],
            fd_counts,
            prev_pid: 0,
            prev_fds: Vec::new(),
        };
        s.procs.reserve(pids.len());
        s.ns.reserve(pids.len() + 64);
        for pid in pids {
            s.read_process(&mut w, pid, listed.is_some());
        }
        s.ppids = std::cell::RefCell::new(vec![None; s.procs.len()]);
        s.proc_dir = Some(proc_dir);
        match listed {
            Some(ids) => s.read_listed(&ids),
            None => s.read_mounts(mounts),
        }
        if want.ghosts {
            s.read_ghosts();
        }
        // In inode order (the index is: no sort needed).
        let mut old: Vec<Option<Ns>> = std::mem::take(&mut s.ns).into_iter().map(Some).collect();
        let order: Vec<usize> = s.index.values().copied().collect();
        s.ns = order.iter().filter_map(|&i| old[i].take()).collect();
        for (i, n) in s.ns.iter().enumerate() {
            s.index.insert(n.ino, i);
        }
        Ok(s)
    }

    /// The namespace with inode `ino`.
    pub fn get(&self, ino: u64) -> Option<usize> {
        self.index.get(&ino).copied()
    }

    /// The ids `listns(2)` gives for the kinds wanted, or `None` when the kernel has no
    /// `listns` (before 6.19).
    fn listns(&self) -> Option<Vec<u64>> {
        let types = KINDS
            .iter()
            .zip(self.want.kinds)
            .filter(|(_, w)| *w)
            .fold(0u32, |acc, (k, _)| acc | k.flag.bits() as u32);
        let mut out = Vec::new();
        let mut page = [0u64; 256];
        let mut after = 0;
        loop {
            let n = sys::listns(after, types, &mut page).ok()?;
            out.extend_from_slice(&page[..n]);
            match page[..n].last() {
                Some(&last) if n == page.len() => after = last,
                _ => return Some(out),
            }
        }
    }

    /// Open each listed namespace by its id (an nsfs file handle) and add those no process
    /// showed.
    fn read_listed(&mut self, ids: &[u64]) {
        let Ok(nsfs) = nix::fcntl::open(
            "/proc/self/ns/user",
            OFlag::O_RDONLY | OFlag::O_CLOEXEC,
            Mode::empty(),
        ) else {
            return;
        };
        let Ok(handle_type) = sys::nsfs_handle_type(nsfs.as_fd()) else {
            return;
        };
        for &id in ids {
            let Ok(fd) = sys::open_ns_by_id(nsfs.as_fd(), handle_type, id, 0) else {
                continue;
            };
            if let Some(ino) = inode(fd.as_fd()) {
                if !self.index.contains_key(&ino) {
                    self.add_held(fd, ino, Stage::Late);
                }
            }
        }
    }

    /// One process: its owner, its namespaces, then its open files. Paths are relative to
    /// `/proc`, built in place: a namespace costs one `readlink` (lsns: a `stat`, an `open`,
    /// two `ioctl`s, an `fstat` and two `close`s), and the owner comes with the number of open
    /// files, from one `stat` of `/proc/PID/fd`. The parent is read later, and only for the
    /// processes shown ([`Scan::ppid`]).
    fn read_process(&mut self, w: &mut Walker<'_>, pid: i32, listed: bool) {
        let proc_dir = w.proc_dir;
        // The owner of /proc/PID/fd is the owner of /proc/PID (the effective uid, or root for
        // a process that is not dumpable); its size, the number of open files (Linux 6.2).
        let Ok(fd_dir) = fstatat(
            proc_dir,
            w.path.at(pid, &[b"/fd"]),
            nix::fcntl::AtFlags::empty(),
        ) else {
            return;
        };
        let idx = self.procs.len();
        let mut p = Proc {
            pid,
            uid: fd_dir.st_uid,
            ns: [0; 8],
        };
        for (k, kind) in KINDS.iter().enumerate() {
            if !self.want.kinds[k] {
                continue;
            }
            let rel: [&[u8]; 2] = [b"/ns/", kind.name.as_bytes()];
            let Ok(n) = sys::readlinkat(proc_dir, w.path.at(pid, &rel), &mut w.link) else {
                continue;
            };
            let Some((_, ino)) = parse_nsfs_name(&w.link[..n]) else {
                continue;
            };
            p.ns[k] = ino;
            let at = match self.index.get(&ino) {
                Some(&at) => at,
                None => self.insert(ino, k),
            };
            if !self.ns[at].described && (self.want.related || self.want.netnsid) {
                let flags = OFlag::O_RDONLY | OFlag::O_CLOEXEC;
                if let Ok(fd) = openat(proc_dir, w.path.at(pid, &rel), flags, Mode::empty()) {
                    if inode(fd.as_fd()) == Some(ino) {
                        self.describe(at, fd.as_fd());
                    }
                }
            }
            self.ns[at].procs.push(idx);
        }
        self.procs.push(p);
        let open_files = usize::try_from(fd_dir.st_size).unwrap_or(0);
        // A kernel thread holds no files; before Linux 6.2 the size says nothing.
        if open_files > 0 || !w.fd_counts {
            self.read_files(w, pid, open_files, listed);
        }
    }

    /// The open files of process `pid`, `count` of them if the kernel counts (else 0). Their
    /// numbers are tried from 0 up while they are contiguous, as most processes' are, the link
    /// read for the number being the one that classifies it; after a few gaps the rest are
    /// listed from `/proc/PID/fd`.
    fn read_files(&mut self, w: &mut Walker<'_>, pid: i32, count: usize, listed: bool) {
        let mut pidfd: Option<OwnedFd> = None;
        let mut seen = std::mem::take(&mut w.prev_fds);
        let mut fds = Vec::new();
        let (mut next, mut found, mut gaps) = (0u32, 0, 0);
        if w.fd_counts {
            while found < count && gaps < 2 {
                match self.read_file(w, pid, next, listed, &mut pidfd, &seen) {
                    Ok(()) => {
                        found += 1;
                        fds.push(next);
                    }
                    Err(Errno::ENOENT) => gaps += 1,
                    Err(_) => break,
                }
                next += 1;
            }
        }
        if !w.fd_counts || (found < count && gaps >= 2) {
            for fd in Self::list_fds(w, pid) {
                if fd >= next
                    && self
                        .read_file(w, pid, fd, listed, &mut pidfd, &seen)
                        .is_ok()
                {
                    fds.push(fd);
                }
            }
        }
        seen.clear();
        w.prev_fds = fds;
        w.prev_pid = pid;
    }

    /// The numbers in `/proc/PID/fd`.
    fn list_fds(w: &mut Walker<'_>, pid: i32) -> Vec<u32> {
        let mut fds = Vec::new();
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let Ok(dir) = openat(w.proc_dir, w.path.at(pid, &[b"/fd"]), flags, Mode::empty()) else {
            return fds;
        };
        loop {
            let Ok(n) = sys::getdents64(dir.as_fd(), &mut w.dents) else {
                return fds;
            };
            let mut at = 0;
            while at + 19 < n {
                let reclen = usize::from(u16::from_ne_bytes([w.dents[at + 16], w.dents[at + 17]]));
                let name = &w.dents[at + 19..(at + reclen).min(n)];
                let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
                if let Some(fd) = std::str::from_utf8(name).ok().and_then(|t| t.parse().ok()) {
                    fds.push(fd);
                }
                at += reclen.max(1);
            }
            // procfs fills the buffer until an entry does not fit: room left means the end.
            if n == 0 || n + 64 < w.dents.len() {
                return fds;
            }
        }
    }

    /// One open file of process `pid`: a namespace file, or a socket and its network
    /// namespace, is added with its chain; anything else is passed over.
    fn read_file(
        &mut self,
        w: &mut Walker<'_>,
        pid: i32,
        fd: u32,
        listed: bool,
        pidfd: &mut Option<OwnedFd>,
        prev_fds: &[u32],
    ) -> nix::Result<()> {
        // The same open file as the previous process's (a fork's inheritance, as siblings in
        // /proc order often share): it was classified then.
        if prev_fds.contains(&fd) && sys::same_file(w.prev_pid, fd, pid, fd) == Ok(true) {
            return Ok(());
        }
        let num = fd.to_string();
        let rel: [&[u8]; 2] = [b"/fd/", num.as_bytes()];
        let n = sys::readlinkat(w.proc_dir, w.path.at(pid, &rel), &mut w.link)?;
        let link = &w.link[..n];
        if let Some(sock) = link
            .strip_prefix(b"socket:[")
            .and_then(|r| r.strip_suffix(b"]"))
            .and_then(|r| std::str::from_utf8(r).ok()?.parse::<u64>().ok())
        {
            if !self.want.kinds[crate::ns::NET_INDEX] || self.sockets.insert(sock, 0).is_some() {
                return Ok(());
            }
            if pidfd.is_none() {
                *pidfd = sys::pidfd_open(Pid::from_raw(pid)).ok();
            }
            let Some(pfd) = pidfd.as_ref() else {
                return Ok(());
            };
            let Ok(sock) = sys::pidfd_getfd(pfd.as_fd(), fd as i32) else {
                return Ok(());
            };
            // Sockets of a network namespace already seen are passed over by its cookie, one
            // system call instead of opening the namespace.
            if let Ok(c) = sys::socket_netns_cookie(sock.as_fd()) {
                if self.cookies.insert(c, 0).is_some() {
                    return Ok(());
                }
            }
            if let Ok(netns) = sys::socket_netns(sock.as_fd()) {
                if let Some(ino) = inode(netns.as_fd()) {
                    if !self.chained(ino) {
                        self.add_held(netns, ino, Stage::Files);
                    }
                }
            }
            return Ok(());
        }
        if listed {
            return Ok(());
        }
        let Some((k, ino)) = parse_nsfs_name(link) else {
            return Ok(());
        };
        if !self.want.kinds[k] || self.chained(ino) {
            return Ok(());
        }
        let flags = OFlag::O_RDONLY | OFlag::O_CLOEXEC;
        if let Ok(nsfd) = openat(w.proc_dir, w.path.at(pid, &rel), flags, Mode::empty()) {
            self.add_held(nsfd, ino, Stage::Files);
        }
        Ok(())
    }

    /// The parent pid of process `p`, read from `/proc/PID/stat` the first time it is asked
    /// for (0 when it cannot be read).
    pub fn ppid(&self, p: usize) -> i32 {
        let mut cache = self.ppids.borrow_mut();
        if let Some(v) = cache[p] {
            return v;
        }
        let mut buf = [0u8; 512];
        let mut path = PathBuf(Vec::with_capacity(32));
        let v = self
            .proc_dir
            .as_ref()
            .and_then(|d| read_small(d.as_fd(), path.at(self.procs[p].pid, &[b"/stat"]), &mut buf))
            .and_then(|n| parse_ppid(&buf[..n]))
            .unwrap_or(0);
        cache[p] = Some(v);
        v
    }

    /// A new namespace of kind `k`, not yet described; its index.
    fn insert(&mut self, ino: u64, k: usize) -> usize {
        let at = self.ns.len();
        self.ns.push(Ns {
            ino,
            kind: k,
            parent: 0,
            owner: 0,
            netnsid: Netnsid::Unknown,
            owner_uid: 0,
            procs: Vec::new(),
            chained: false,
            described: false,
        });
        self.index.insert(ino, at);
        at
    }

    /// Read parent, owner and network id of namespace `at` through `fd`, as far as wanted.
    fn describe(&mut self, at: usize, fd: BorrowedFd<'_>) {
        let kind = self.ns[at].kind;
        let n = &mut self.ns[at];
        n.described = true;
        if KINDS[kind].name == "user" || KINDS[kind].name == "pid" {
            n.parent = sys::ns_get_parent(fd)
                .ok()
                .and_then(|p| inode(p.as_fd()))
                .unwrap_or(0);
        }
        n.owner = sys::ns_get_userns(fd)
            .ok()
            .and_then(|o| inode(o.as_fd()))
            .unwrap_or(0);
        if KINDS[kind].name == "net" {
            if let Some(sock) = &mut self.netlink {
                self.ns[at].netnsid = match sock.nsid_of(fd) {
                    Ok(Some(id)) => Netnsid::Id(id),
                    Ok(None) => Netnsid::Unassigned,
                    Err(_) => Netnsid::Unknown,
                };
            }
        }
    }

    fn chained(&self, ino: u64) -> bool {
        self.index.get(&ino).is_some_and(|&i| self.ns[i].chained)
    }

    /// The namespaces bind-mounted somewhere, unless already known.
    fn read_mounts(&mut self, mounts: &[NsfsMount]) {
        for m in mounts {
            let Some((_, ino)) = parse_nsfs_name(m.root.as_bytes()) else {
                continue;
            };
            if self.index.contains_key(&ino) {
                continue;
            }
            if let Ok(fd) = nix::fcntl::open(
                m.target.as_str(),
                OFlag::O_RDONLY | OFlag::O_CLOEXEC,
                Mode::empty(),
            ) {
                self.add_held(fd, ino, Stage::Late);
            }
        }
    }

    /// Add the namespace behind `fd` (inode `ino`), found through a file, with its parent and
    /// owner up the chain; each link stops at a namespace `stage` counts as known.
    fn add_held(&mut self, fd: OwnedFd, ino: u64, stage: Stage) -> Option<usize> {
        let t = sys::ns_get_nstype(fd.as_fd()).ok()?;
        let k = KINDS.iter().position(|k| k.flag.bits() == t)?;
        if !self.want.kinds[k] {
            return None;
        }
        let at = match self.index.get(&ino) {
            Some(&at) => at,
            None => {
                let at = self.insert(ino, k);
                self.ns[at].owner_uid = sys::ns_get_owner_uid(fd.as_fd()).unwrap_or(0);
                at
            }
        };
        self.ns[at].chained = true;
        if !self.ns[at].described {
            self.describe(at, fd.as_fd());
        }
        let known = |s: &Scan, i: u64| match stage {
            Stage::Files => s.chained(i),
            Stage::Late => s.index.contains_key(&i),
        };
        let (parent, owner) = (self.ns[at].parent, self.ns[at].owner);
        if parent != 0 && parent != ino && !known(self, parent) {
            if let Ok(pfd) = sys::ns_get_parent(fd.as_fd()) {
                if inode(pfd.as_fd()) == Some(parent) {
                    self.add_held(pfd, parent, stage);
                }
            }
        }
        if owner != 0 && !known(self, owner) {
            if let Ok(ofd) = sys::ns_get_userns(fd.as_fd()) {
                if inode(ofd.as_fd()) == Some(owner) {
                    self.add_held(ofd, owner, stage);
                }
            }
        }
        Some(at)
    }

    /// For the owner and parent trees: the parents and owners no process or file showed,
    /// read through a process of the namespace they are related to.
    fn read_ghosts(&mut self) {
        for i in 0..self.ns.len() {
            let n = &self.ns[i];
            let Some(&first) = n.procs.iter().min_by_key(|&&p| self.procs[p].pid) else {
                continue;
            };
            let (kind, parent, owner) = (n.kind, n.parent, n.owner);
            let rel = format!("/proc/{}/ns/{}", self.procs[first].pid, KINDS[kind].name);
            for (id, is_parent) in [(parent, true), (owner, false)] {
                if id == 0 || self.index.contains_key(&id) {
                    continue;
                }
                let Ok(fd) = nix::fcntl::open(
                    rel.as_str(),
                    OFlag::O_RDONLY | OFlag::O_CLOEXEC,
                    Mode::empty(),
                ) else {
                    continue;
                };
                let related = if is_parent {
                    sys::ns_get_parent(fd.as_fd())
                } else {
                    sys::ns_get_userns(fd.as_fd())
                };
                if let Ok(r) = related {
                    if inode(r.as_fd()) == Some(id) {
                        self.add_held(r, id, Stage::Late);
                    }
                }
            }
        }
    }

    /// The process with the lowest pid in namespace `n` (lsns's PID column).
    pub fn first_proc(&self, n: usize) -> Option<usize> {
        self.ns[n]
            .procs
            .iter()
            .copied()
            .min_by_key(|&p| self.procs[p].pid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nsfs_names_and_mounts() {
        assert_eq!(
            parse_nsfs_name(b"net:[4026532258]").map(|(_, i)| i),
            Some(4026532258)
        );
        let user = KINDS.iter().position(|k| k.name == "user").unwrap();
        assert_eq!(parse_nsfs_name(b"user:[1]"), Some((user, 1)));
        assert_eq!(parse_nsfs_name(b"socket:[12]"), None);
        assert_eq!(parse_nsfs_name(b"/net:[1]"), None);
        assert_eq!(parse_nsfs_name(b"net:[x]"), None);
        let mi = "36 25 0:4 net:[4026532258] /run/netns/a\\040b rw shared:5 - nsfs nsfs rw\n\
                  37 25 0:4 / /tmp rw - tmpfs tmpfs rw\n";
        let m = nsfs_mounts(mi);
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].root.as_str(), m[0].target.as_str()),
            ("net:[4026532258]", "/run/netns/a b")
        );
    }

    #[test]
    fn parent_pid_after_the_command_name() {
        assert_eq!(
            parse_ppid(b"42 (a) b) S 7 42 42 0 -1 4194560 96 0"),
            Some(7)
        );
        assert_eq!(parse_ppid(b"42 (x"), None);
    }
}
