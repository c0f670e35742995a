//! The namespace table: everything the tools know about the eight namespace kinds lives here, and
//! options only select entries of it.
//!
//! Order rule: the table is in util-linux's order (`namespace_files[]`), user namespace first.
//! When *joining*, the user namespace goes first if entering it raises our privilege (we are not
//! privileged in the target's other namespaces until we are in their owning user namespace), and
//! last if it lowers it (an unprivileged caller must use its capabilities in the current user
//! namespace before giving them up). The mount namespace comes after pid so that `/proc` lookups
//! of the target still work while joining, and time comes last because it only applies to
//! children (`time_for_children`), like pid.

use std::fs::File;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::MetadataExt;

use nix::fcntl::{open, OFlag};
use nix::sched::CloneFlags;
use nix::sys::stat::Mode;
use nix::unistd::Pid;

use crate::error::{Context, Error, Result};

#[derive(Debug, PartialEq, Eq)]
pub struct Kind {
    /// The name under `/proc/PID/ns/` and in `lsns` output: `mnt`, `uts`, …
    pub name: &'static str,
    /// The util-linux long option: `--mount`, `--uts`, …
    pub long: &'static str,
    /// The util-linux short option.
    pub short: char,
    pub flag: CloneFlags,
    /// The `/proc/PID/ns/` file that names the namespace a *new* process would get: differs from
    /// `name` for pid and time, which a process only enters through its children.
    pub for_children: &'static str,
}

macro_rules! kind {
    ($name:literal, $long:literal, $short:literal, $flag:ident, $children:literal) => {
        Kind {
            name: $name,
            long: $long,
            short: $short,
            flag: CloneFlags::$flag,
            for_children: $children,
        }
    };
}

/// All namespace kinds, in util-linux order (see the module comment for the order rule).
pub static KINDS: [Kind; 8] = [
    kind!("user", "user", 'U', CLONE_NEWUSER, "user"),
    kind!("cgroup", "cgroup", 'C', CLONE_NEWCGROUP, "cgroup"),
    kind!("ipc", "ipc", 'i', CLONE_NEWIPC, "ipc"),
    kind!("uts", "uts", 'u', CLONE_NEWUTS, "uts"),
    kind!("net", "net", 'n', CLONE_NEWNET, "net"),
    kind!("pid", "pid", 'p', CLONE_NEWPID, "pid_for_children"),
    kind!("mnt", "mount", 'm', CLONE_NEWNS, "mnt"),
    // nix has no CLONE_NEWTIME constant (it overlaps CSIGNAL in clone(2)); build it from libc.
    Kind {
        name: "time",
        long: "time",
        short: 'T',
        flag: CloneFlags::from_bits_retain(libc::CLONE_NEWTIME),
        for_children: "time_for_children",
    },
];

/// The user namespace's entry (the first of [`KINDS`]).
pub static USER: &Kind = &KINDS[0];
/// Where the network namespace's entry is in [`KINDS`].
pub const NET_INDEX: usize = 4;
/// The network namespace's entry.
pub static NET: &Kind = &KINDS[NET_INDEX];

/// The entry for a short option letter.
#[cfg(test)]
fn by_short(c: char) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.short == c)
}

/// The entry for a long option name.
pub fn by_long(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.long == name)
}

/// The entry for a `CLONE_NEW*` flag.
pub fn by_flag(flag: CloneFlags) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.flag == flag)
}

/// The union of the flags of `kinds`.
#[cfg(test)]
fn flags<'a>(kinds: impl IntoIterator<Item = &'a Kind>) -> CloneFlags {
    kinds
        .into_iter()
        .fold(CloneFlags::empty(), |acc, k| acc | k.flag)
}

/// Identity of a namespace: device and inode of its nsfs file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Id {
    pub dev: u64,
    pub ino: u64,
}

/// The identity of the namespace of `kind` that process `pid` (None: ourselves) is in.
pub fn id_of(pid: Option<Pid>, kind: &Kind) -> Result<Id> {
    let path = proc_ns_path(pid, kind.name);
    let md = std::fs::metadata(&path).context(|| format!("cannot stat {path}"))?;
    Ok(Id {
        dev: md.dev(),
        ino: md.ino(),
    })
}

/// `/proc/self/ns/NAME` or `/proc/PID/ns/NAME`.
pub fn proc_ns_path(pid: Option<Pid>, file: &str) -> String {
    match pid {
        Some(p) => format!("/proc/{p}/ns/{file}"),
        None => format!("/proc/self/ns/{file}"),
    }
}

/// Open a namespace file (`O_RDONLY | O_CLOEXEC`) and check that it is a namespace of `kind`.
pub fn open_ns_file(path: &str, kind: &Kind) -> Result<OwnedFd> {
    let fd = open(path, OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty())
        .context(|| format!("cannot open {path}"))?;
    match crate::sys::ns_get_nstype(fd.as_fd()) {
        Ok(t) if t == kind.flag.bits() => Ok(fd),
        Ok(t) => {
            let other = by_flag(CloneFlags::from_bits_retain(t)).map_or("unknown", |k| k.name);
            Err(Error::new(format!(
                "{path} is a {other} namespace, not a {} namespace",
                kind.name
            )))
        }
        Err(nix::errno::Errno::ENOTTY | nix::errno::Errno::EINVAL) => {
            Err(Error::new(format!("{path} is not a namespace file")))
        }
        Err(e) => Err(Error::sys(format!("cannot inspect {path}"), e)),
    }
}

/// Whether the caller is in a namespace of type `name` (`mnt`, `uts`, …) other than the one it
/// was started from: true when `/proc/1` (the init the mounted `/proc` shows) is in another one,
/// or, when `/proc/1` is unreadable, when the nearest readable ancestor is. False when nothing
/// shows a difference, so callers refuse rather than touch the original namespace. When `/proc`
/// already shows a pid namespace whose init we are, someone mounted it for a new pid namespace,
/// which only makes sense in a new mount namespace: that counts as a new mount namespace (and
/// proves nothing about the others).
pub fn is_new(name: &str) -> Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let id = |pid: &str| -> std::io::Result<(u64, u64)> {
        let md = std::fs::metadata(format!("/proc/{pid}/ns/{name}"))?;
        Ok((md.dev(), md.ino()))
    };
    let ours = id("self").context(|| format!("cannot stat /proc/self/ns/{name}"))?;
    let me = std::fs::read_link("/proc/self").context(|| "cannot read /proc/self")?;
    if me.as_os_str() == "1" {
        return Ok(name == "mnt");
    }
    if let Ok(init) = id("1") {
        return Ok(init != ours);
    }
    // Pids as the mounted /proc sees them (getppid() is 0 for the init of a new pid namespace).
    let mut pid = parent_of("self").unwrap_or(0);
    while pid > 1 {
        match id(&pid.to_string()) {
            Ok(theirs) if theirs != ours => return Ok(true),
            Ok(_) => {}
            // An ancestor we may not inspect lives in an ancestor user namespace; a namespace
            // owned by our own, non-initial user namespace was made after it, so it is new.
            Err(e) if e.raw_os_error() == Some(libc::EACCES) => return owned_by_own_userns(name),
            Err(_) => {}
        }
        pid = match parent_of(&pid.to_string()) {
            Some(p) => p,
            None => break,
        };
    }
    Ok(false)
}

/// Whether the namespace `name` of the caller is owned by the caller's user namespace, and that
/// is not the initial one.
fn owned_by_own_userns(name: &str) -> Result<bool> {
    use std::os::unix::fs::MetadataExt;
    /// `PROC_USER_INIT_INO`: the inode of the initial user namespace.
    const USER_INIT_INO: u64 = 0xEFFF_FFFD;
    let path = format!("/proc/self/ns/{name}");
    let fd = open(
        path.as_str(),
        OFlag::O_RDONLY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .context(|| format!("cannot open {path}"))?;
    let owner = crate::sys::ns_get_userns(fd.as_fd())
        .context(|| format!("cannot get the owner of {path}"))?;
    let owner = File::from(owner)
        .metadata()
        .context(|| format!("cannot stat the owner of {path}"))?;
    let mine =
        std::fs::metadata("/proc/self/ns/user").context(|| "cannot stat /proc/self/ns/user")?;
    Ok(owner.ino() == mine.ino() && owner.dev() == mine.dev() && mine.ino() != USER_INIT_INO)
}

/// The parent pid of `pid`, from `/proc/PID/stat` (after the last `)` of the command name).
fn parent_of(pid: &str) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Check a host or domain name before setting it: the kernel takes 1 to 64 bytes
/// (`__NEW_UTS_LEN`). `what` is "hostname" or "domainname".
pub fn check_uts_name(what: &str, name: &str) -> Result<()> {
    match name.len() {
        0 => Err(Error::new(format!("{what} is empty"))),
        65.. => Err(Error::new(format!("{what} is longer than 64 bytes"))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete_and_unique() {
        let all = flags(KINDS.iter());
        for k in &KINDS {
            assert_eq!(by_short(k.short), Some(k));
            assert_eq!(by_long(k.long), Some(k));
            assert_eq!(by_flag(k.flag), Some(k));
        }
        assert_eq!(all.bits().count_ones(), 8);
        assert_eq!(KINDS[0].name, "user", "the user namespace must come first");
        assert_eq!((USER.name, NET.name), ("user", "net"));
    }

    #[test]
    fn uts_names_are_1_to_64_bytes() {
        check_uts_name("hostname", "box").unwrap();
        check_uts_name("hostname", &"a".repeat(64)).unwrap();
        let long = check_uts_name("hostname", &"a".repeat(65)).unwrap_err();
        assert_eq!(long.to_string(), "hostname is longer than 64 bytes");
        let empty = check_uts_name("domainname", "").unwrap_err();
        assert_eq!(empty.to_string(), "domainname is empty");
    }

    #[test]
    fn time_flag_is_clone_newtime() {
        assert_eq!(by_short('T').unwrap().flag.bits(), 0x80);
    }

    #[test]
    fn own_namespaces_have_ids() {
        use std::os::unix::fs::MetadataExt;
        let mut seen = Vec::new();
        for k in &KINDS {
            let path = proc_ns_path(None, k.name);
            let Ok(md) = std::fs::metadata(&path) else {
                continue;
            };
            let id = id_of(None, k).unwrap();
            // The nsfs file's identity, the same through our pid, and one per namespace.
            assert_eq!((id.dev, id.ino), (md.dev(), md.ino()), "{path}");
            assert_eq!(id_of(Some(Pid::this()), k).unwrap(), id, "{path}");
            assert!(
                !seen.contains(&id),
                "{path} shares an inode with another namespace"
            );
            seen.push(id);
        }
        assert!(seen.len() >= 7, "{seen:?}");
    }
}
