//! lsns's columns: their names, widths, alignment and JSON types (one table), the `-o` list
//! syntax, and the value of each column for a namespace and the process shown for it.

use std::cell::RefCell;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use nix::fcntl::{openat, OFlag};
use nix::sys::stat::Mode;

use super::scan::{Netnsid, NsfsMount, Scan};
use super::table::Json;
use crate::error::{Error, Result};
use crate::ns::KINDS;

/// A column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    Ns,
    Type,
    Path,
    Nprocs,
    Pid,
    Ppid,
    Command,
    Uid,
    User,
    Netnsid,
    Nsfs,
    Pns,
    Ons,
}

/// What lsns says about a column.
pub struct Info {
    pub col: Col,
    pub name: &'static str,
    /// Width hint.
    pub whint: usize,
    pub right: bool,
    pub trunc: bool,
    /// Multi-line (NSFS: one mount point per line).
    pub wrap: bool,
    pub json: Json,
    pub help: &'static str,
}

const fn info(
    col: Col,
    name: &'static str,
    whint: usize,
    right: bool,
    json: Json,
    help: &'static str,
) -> Info {
    Info {
        col,
        name,
        whint,
        right,
        trunc: false,
        wrap: false,
        json,
        help,
    }
}

/// Every column, in lsns's order (`--output-all`, `-H`).
pub static COLUMNS: [Info; 13] = [
    info(
        Col::Ns,
        "NS",
        10,
        true,
        Json::Number,
        "namespace inode number, its identifier",
    ),
    info(Col::Type, "TYPE", 5, false, Json::String, "namespace type"),
    info(
        Col::Path,
        "PATH",
        0,
        false,
        Json::String,
        "namespace file of the shown process",
    ),
    info(
        Col::Nprocs,
        "NPROCS",
        5,
        true,
        Json::Number,
        "how many processes are in it",
    ),
    info(
        Col::Pid,
        "PID",
        5,
        true,
        Json::Number,
        "lowest process id in it",
    ),
    info(
        Col::Ppid,
        "PPID",
        5,
        true,
        Json::Number,
        "parent process id of PID",
    ),
    Info {
        trunc: true,
        ..info(
            Col::Command,
            "COMMAND",
            0,
            false,
            Json::String,
            "command line of PID",
        )
    },
    info(Col::Uid, "UID", 0, true, Json::Number, "user id of PID"),
    info(
        Col::User,
        "USER",
        0,
        false,
        Json::String,
        "user name of PID",
    ),
    info(
        Col::Netnsid,
        "NETNSID",
        0,
        true,
        Json::String,
        "id the network stack gives the namespace",
    ),
    Info {
        wrap: true,
        ..info(
            Col::Nsfs,
            "NSFS",
            0,
            false,
            Json::String,
            "where the namespace file is bind-mounted",
        )
    },
    info(
        Col::Pns,
        "PNS",
        10,
        true,
        Json::Number,
        "inode of the parent namespace",
    ),
    info(
        Col::Ons,
        "ONS",
        10,
        true,
        Json::Number,
        "inode of the owner namespace",
    ),
];

impl Col {
    pub fn info(self) -> &'static Info {
        COLUMNS
            .iter()
            .find(|i| i.col == self)
            .expect("every column is in the table")
    }
}

/// The column named `name`, any case.
pub fn by_name(name: &str) -> Option<Col> {
    COLUMNS
        .iter()
        .find(|i| i.name.eq_ignore_ascii_case(name))
        .map(|i| i.col)
}

/// Most columns an `-o` list may hold (lsns's array of twice the columns).
pub const MAX_COLUMNS: usize = 2 * COLUMNS.len();

/// Apply an `-o` list to `cols`: `A,B` replaces them, `+A,B` appends. Errors as lsns's: an
/// unknown name is reported with the rest of the list (`unknown column: FOO,NS`); an empty name
/// or too many columns fail with nothing said (lsns exits 1 silently then).
pub fn apply_list(list: &str, cols: &mut Vec<Col>) -> Result<()> {
    let (add, list) = match list.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, list),
    };
    if list.is_empty() {
        return Err(Error::silent(1));
    }
    let mut out = if add { cols.clone() } else { Vec::new() };
    let mut rest = list;
    loop {
        if out.len() >= MAX_COLUMNS {
            return Err(Error::silent(1));
        }
        // lsns ends a name at a comma, except the last character, which always ends it.
        let end = match rest.find(',') {
            Some(i) if i + 1 < rest.len() => i,
            _ => rest.len(),
        };
        let name = &rest[..end];
        if name.is_empty() {
            return Err(Error::silent(1));
        }
        match by_name(name) {
            Some(c) => out.push(c),
            None => return Err(Error::new(format!("unknown column: {rest}"))),
        }
        if end == rest.len() {
            break;
        }
        rest = &rest[end + 1..];
    }
    *cols = out;
    Ok(())
}

/// What cell values are read from, beyond the scan.
pub struct Sources<'a> {
    pub scan: &'a Scan,
    pub mounts: &'a [NsfsMount],
    /// NSFS separates mount points with a comma instead of a newline (`--nowrap`).
    pub nowrap: bool,
    /// User names by uid, read once each.
    pub users: RefCell<Vec<(u32, String)>>,
    /// Command lines by process, read once each (a process shows in a line per namespace).
    pub commands: RefCell<Vec<Option<Option<Vec<u8>>>>>,
    /// `/proc`, opened once.
    pub proc_dir: Option<OwnedFd>,
}

impl Sources<'_> {
    /// The user name of `uid` from `/etc/passwd`, or the number.
    fn user(&self, uid: u32) -> String {
        if let Some((_, n)) = self.users.borrow().iter().find(|(u, _)| *u == uid) {
            return n.clone();
        }
        let name = crate::users::user_by_id(std::path::Path::new("/etc"), uid)
            .ok()
            .flatten()
            .map(|e| e.name)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| uid.to_string());
        self.users.borrow_mut().push((uid, name.clone()));
        name
    }

    fn command(&self, p: usize) -> Option<Vec<u8>> {
        let dir = self.proc_dir.as_ref()?.as_fd();
        let mut cache = self.commands.borrow_mut();
        if cache.len() <= p {
            cache.resize(self.scan.procs.len().max(p + 1), None);
        }
        cache[p]
            .get_or_insert_with(|| command(dir, self.scan.procs[p].pid))
            .clone()
    }

    /// The value of `col` for namespace `ns` shown with process `proc` (`None`: empty).
    pub fn value(&self, col: Col, ns: usize, proc: Option<usize>) -> Option<Vec<u8>> {
        let n = &self.scan.ns[ns];
        let p = proc.map(|p| &self.scan.procs[p]);
        let num = |v: u64| Some(v.to_string().into_bytes());
        match col {
            Col::Ns => num(n.ino),
            Col::Type => Some(KINDS[n.kind].name.as_bytes().to_vec()),
            Col::Path => {
                p.map(|p| format!("/proc/{}/ns/{}", p.pid, KINDS[n.kind].name).into_bytes())
            }
            Col::Nprocs => num(n.procs.len() as u64),
            Col::Pid => p.map(|p| p.pid.to_string().into_bytes()),
            Col::Ppid => proc.map(|p| self.scan.ppid(p).to_string().into_bytes()),
            Col::Command => proc.and_then(|p| self.command(p)),
            // lsns prints the uid as a signed number.
            Col::Uid => Some(
                (p.map_or(n.owner_uid, |p| p.uid) as i32)
                    .to_string()
                    .into_bytes(),
            ),
            Col::User => Some(self.user(p.map_or(n.owner_uid, |p| p.uid)).into_bytes()),
            Col::Netnsid => match (KINDS[n.kind].name, n.netnsid) {
                ("net", Netnsid::Id(id)) => Some(id.to_string().into_bytes()),
                ("net", Netnsid::Unassigned) => Some(b"unassigned".to_vec()),
                _ => None,
            },
            Col::Nsfs => self.nsfs(n.kind, n.ino),
            Col::Pns => num(n.parent),
            Col::Ons => num(n.owner),
        }
    }

    /// The mount points of namespace `ino`, each once, in mountinfo's order.
    fn nsfs(&self, kind: usize, ino: u64) -> Option<Vec<u8>> {
        let root = format!("{}:[{ino}]", KINDS[kind].name);
        let sep = if self.nowrap { ',' } else { '\n' };
        let mut targets: Vec<&str> = Vec::new();
        for m in self.mounts.iter().filter(|m| m.root == root) {
            if !targets.contains(&m.target.as_str()) {
                targets.push(&m.target);
            }
        }
        if targets.is_empty() {
            return None;
        }
        Some(targets.join(&sep.to_string()).into_bytes())
    }
}

/// A process's command line, its arguments separated by spaces, or its command name when the
/// command line is empty (a kernel thread), as lsns reads them: at most 8191 bytes, the last
/// byte read (the terminating NUL, or the newline of `comm`) dropped.
pub fn command(proc_dir: BorrowedFd<'_>, pid: i32) -> Option<Vec<u8>> {
    read_proc_text(proc_dir, pid, "cmdline").or_else(|| read_proc_text(proc_dir, pid, "comm"))
}

/// One read of up to 8192 bytes (what lsns reads; procfs answers it whole), into a buffer on
/// the stack: a large allocation per line would cost the allocator an mmap and a munmap.
fn read_proc_text(proc_dir: BorrowedFd<'_>, pid: i32, file: &str) -> Option<Vec<u8>> {
    let flags = OFlag::O_RDONLY | OFlag::O_CLOEXEC;
    let fd = openat(
        proc_dir,
        format!("{pid}/{file}").as_str(),
        flags,
        Mode::empty(),
    )
    .ok()?;
    let mut buf = [0u8; 8192];
    let n = loop {
        match nix::unistd::read(&fd, &mut buf) {
            Err(nix::errno::Errno::EINTR) => {}
            r => break r.ok()?,
        }
    };
    if n == 0 {
        return None;
    }
    let mut text = buf[..n - 1].to_vec();
    for b in &mut text {
        if *b == 0 {
            *b = b' ';
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(cols: &[Col]) -> Vec<&'static str> {
        cols.iter().map(|c| c.info().name).collect()
    }

    #[test]
    fn output_lists_as_lsns_reads_them() {
        let mut cols = vec![Col::Ns, Col::Type];
        apply_list("+path,Pid", &mut cols).unwrap();
        assert_eq!(names(&cols), ["NS", "TYPE", "PATH", "PID"]);
        apply_list("NS", &mut cols).unwrap();
        assert_eq!(names(&cols), ["NS"]);
        let e = apply_list("FOO,NS", &mut cols).unwrap_err();
        assert_eq!(e.to_string(), "unknown column: FOO,NS");
        assert_eq!(
            apply_list("NS,", &mut cols).unwrap_err().to_string(),
            "unknown column: NS,"
        );
        assert!(apply_list("NS,,TYPE", &mut cols).unwrap_err().is_silent());
        assert!(apply_list("", &mut cols).unwrap_err().is_silent());
        let many = vec!["NS"; MAX_COLUMNS + 1].join(",");
        assert!(apply_list(&many, &mut cols).unwrap_err().is_silent());
        assert_eq!(names(&cols), ["NS"]);
    }

    #[test]
    fn own_command_line() {
        let me = std::process::id() as i32;
        let proc_dir = nix::fcntl::open("/proc", OFlag::O_RDONLY, Mode::empty()).unwrap();
        let cmd = command(proc_dir.as_fd(), me).unwrap();
        assert!(!cmd.contains(&0) && !cmd.ends_with(b" "));
    }
}
