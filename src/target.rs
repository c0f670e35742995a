//! A running process whose namespaces, directories, environment, credentials or cgroups another
//! process takes over (nsenter's `--target`).
//!
//! The process is held as a [`ProcDir`]: a pidfd first, then its `/proc/PID` directory, then proof
//! that the pidfd's process is still alive, so the directory names the same process and every
//! later `/proc` read goes through it. `PID:INODE` (util-linux 2.42) also pins the pidfd itself:
//! its pidfs inode must be the given one, or the pid belongs to another process than the one the
//! caller meant. A zombie is refused: it has no namespaces left.

use std::ffi::OsString;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStringExt;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use nix::unistd::Pid;

use crate::cgroup::{cgroup_procs_path, parse_cgroup_file, parse_cgroup_mounts, SelfCgroup};
use crate::error::{Context, Error, Result};
use crate::procdir::{self, ProcDir, State};

/// Parse `--target`'s `PID[:INODE]`, with util-linux's message on failure.
pub fn parse_pid_spec(text: &str) -> Result<(Pid, Option<u64>)> {
    procdir::parse_pid(text)
        .ok()
        .filter(|(_, inode)| *inode != Some(0))
        .ok_or_else(|| Error::new(format!("failed to parse PID argument '{text}'")))
}

/// Hold process `pid` as a [`ProcDir`] (so it has a pidfd), refusing a reused pid when `inode`
/// is given, and a zombie.
pub fn open(pid: Pid, inode: Option<u64>) -> Result<ProcDir> {
    let proc = ProcDir::open(pid, inode)?;
    match proc.state()? {
        State::Running => Ok(proc),
        State::Zombie => Err(Error::new(format!(
            "PID {pid} is a zombie: it has no namespaces to enter"
        ))),
        State::Gone => Err(Error::sys(
            format!("cannot open process {pid}"),
            Errno::ESRCH,
        )),
    }
}

/// The environment of `proc`, `NAME=VALUE` entries in order (entries without `=` dropped).
pub fn environ(proc: &ProcDir) -> Result<Vec<(OsString, OsString)>> {
    Ok(parse_environ(&proc.read_bytes("environ")?))
}

/// Split a `/proc/PID/environ` image into names and values.
pub fn parse_environ(data: &[u8]) -> Vec<(OsString, OsString)> {
    data.split(|&b| b == 0)
        .filter_map(|entry| {
            let eq = entry.iter().position(|&b| b == b'=')?;
            if eq == 0 {
                return None;
            }
            Some((
                OsString::from_vec(entry[..eq].to_vec()),
                OsString::from_vec(entry[eq + 1..].to_vec()),
            ))
        })
        .collect()
}

/// Map `id` (as seen from our user namespace) through a `uid_map`/`gid_map` text read by us:
/// the id inside the namespace, if it is mapped.
pub fn map_into(map_text: &str, id: u32) -> Option<u32> {
    crate::idmap::parse_kernel_map(map_text)
        .iter()
        .find(|r| id >= r.outer && id - r.outer < r.count)
        .map(|r| r.inner + (id - r.outer))
}

/// An opened `cgroup.procs` of a cgroup to move into, written after the namespaces are joined
/// (the file keeps the credentials and cgroup namespace it was opened with).
pub struct CgroupJoin {
    pub path: String,
    fd: OwnedFd,
}

/// Open the `cgroup.procs` of every hierarchy (v2, and each mounted v1 hierarchy) in which
/// `proc` is in another cgroup than we are. Hierarchies that are not mounted are left alone; none
/// mounted at all is an error.
pub fn cgroup_joins(proc: &ProcDir) -> Result<Vec<CgroupJoin>> {
    let theirs = String::from_utf8_lossy(&proc.read_bytes("cgroup")?).into_owned();
    let ours = SelfCgroup::read()?;
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo")
        .context(|| "cannot read /proc/self/mountinfo")?;
    let mounts = parse_cgroup_mounts(&mountinfo);
    if mounts.is_empty() {
        return Err(Error::new("--join-cgroup: no cgroup filesystem is mounted"));
    }
    let mut joins = Vec::new();
    for line in parse_cgroup_file(&theirs) {
        if ours.contains(&line) {
            continue;
        }
        let Some(path) = cgroup_procs_path(&mounts, &line) else {
            continue;
        };
        let fd = nix::fcntl::open(
            path.as_str(),
            OFlag::O_WRONLY | OFlag::O_APPEND | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .context(|| format!("cannot open {path}"))?;
        joins.push(CgroupJoin { path, fd });
    }
    Ok(joins)
}

impl CgroupJoin {
    /// Move the calling process into this cgroup.
    pub fn join(&self) -> Result<()> {
        let me = std::process::id().to_string();
        nix::unistd::write(&self.fd, me.as_bytes())
            .context(|| format!("cannot join the cgroup of {}", self.path))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_specs() {
        assert_eq!(
            parse_pid_spec("123:4567").unwrap(),
            (Pid::from_raw(123), Some(4567))
        );
        for bad in ["", "x", "12x", "-1", "0", "1:", "1:x", "1:0", "99999999999"] {
            assert_eq!(
                parse_pid_spec(bad).unwrap_err().to_string(),
                format!("failed to parse PID argument '{bad}'")
            );
        }
    }

    #[test]
    fn environ_image() {
        let env = parse_environ(b"A=1\0B=x=y\0junk\0=nope\0C=\0");
        let got: Vec<(String, String)> = env
            .into_iter()
            .map(|(k, v)| (k.into_string().unwrap(), v.into_string().unwrap()))
            .collect();
        assert_eq!(
            got,
            [("A", "1"), ("B", "x=y"), ("C", "")].map(|(k, v)| (k.to_string(), v.to_string()))
        );
    }

    #[test]
    fn ids_map_into_a_namespace() {
        let map = "         0     100000      65536\n     65536       1000          1\n";
        assert_eq!(map_into(map, 100000), Some(0));
        assert_eq!(map_into(map, 100005), Some(5));
        assert_eq!(map_into(map, 1000), Some(65536));
        assert_eq!(map_into(map, 0), None);
        assert_eq!(map_into(map, 165536), None);
    }
}
