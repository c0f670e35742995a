//! Which links nstools made, and which of them an `nsveth add` left unfinished: a mark in the
//! link's alias (`IFLA_IFALIAS`, what `ip link set NAME alias TEXT` sets and `ip link` shows), and
//! the temporary names links are made under before they get the names the caller chose.
//!
//! The marks:
//! - `nstools:veth`: the host end of a pair `nsveth add` finished.
//! - `nstools:bridge`: a bridge `nsveth add` created. A bridge without it existed before us (or
//!   was made by someone else) and is never deleted by nstools.
//! - `nstools:unfinished:PIDNS:PID:INODE`: the host end of a pair whose `add` has not finished:
//!   made by process PID of the pid namespace with inode PIDNS, whose pidfd has inode INODE (0
//!   before pidfs, Linux 6.9). The mark goes on in the same netlink datagram that creates the
//!   link, so no link of ours is ever unmarked, even after a `SIGKILL`.
//!
//! A *leftover* is a link with the unfinished mark whose maker has ended: it was killed before it
//! could finish or undo its work, and nobody will come back for it. [`is_leftover`] says so only
//! when it is sure: the maker's pid namespace is ours (or a pid there would mean another process)
//! and the pid is free, a zombie, or (on pidfs) held by a process with another pidfd inode. A link
//! whose maker still runs, or that we cannot judge, or that has no mark at all, is not one.
//!
//! Temporary names: the host end of an unfinished pair is `nst` and 12 base-36 digits of a hash
//! of its maker and the time, never a name the caller would choose; a bridge being made is `nsb` and 12 base-36 digits of a
//! hash (64-bit FNV-1a) of its final name, so that the next `add` for the same bridge finds, and
//! finishes, one a killed run left behind.

use std::os::fd::AsFd;

use nix::errno::Errno;
use nix::unistd::Pid;

use crate::procdir::{self, ProcDir, State};
use crate::sys;

/// The mark of the host end of a finished pair.
pub const VETH: &str = "nstools:veth";
/// The mark of a bridge nstools created.
pub const BRIDGE: &str = "nstools:bridge";
const UNFINISHED: &str = "nstools:unfinished:";

/// The process making a link, as its unfinished mark records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Maker {
    /// Inode of its pid namespace; 0 when unknown (then nobody judges the link).
    pidns: u64,
    pid: i32,
    /// Inode of its pidfd; 0 before pidfs.
    ino: u64,
}

/// The inode of our pid namespace, 0 when `/proc` cannot tell.
fn own_pidns() -> u64 {
    nix::sys::stat::stat("/proc/self/ns/pid").map_or(0, |s| s.st_ino)
}

impl Maker {
    /// This process. Whatever cannot be found out is recorded as 0, which only ever makes our
    /// links harder to judge as leftovers, never easier.
    pub fn me() -> Maker {
        let pid = Pid::this();
        let ino = sys::pidfd_open(pid)
            .ok()
            .and_then(|fd| procdir::pidfd_inode(fd.as_fd(), pid).ok().flatten())
            .unwrap_or(0);
        Maker {
            pidns: own_pidns(),
            pid: pid.as_raw(),
            ino,
        }
    }

    /// The unfinished mark: `nstools:unfinished:PIDNS:PID:INODE`.
    pub fn mark(&self) -> String {
        format!("{UNFINISHED}{}:{}:{}", self.pidns, self.pid, self.ino)
    }

    /// The maker recorded in an unfinished mark.
    pub fn parse(alias: &str) -> Option<Maker> {
        let mut f = alias.strip_prefix(UNFINISHED)?.split(':');
        let m = Maker {
            pidns: f.next()?.parse().ok()?,
            pid: f.next()?.parse().ok().filter(|p| *p > 0)?,
            ino: f.next()?.parse().ok()?,
        };
        f.next().is_none().then_some(m)
    }

    /// Whether the maker has surely ended (see the module's doc).
    pub fn has_ended(&self) -> bool {
        if self.pidns == 0 || self.pidns != own_pidns() {
            return false;
        }
        let proc = match ProcDir::open(Pid::from_raw(self.pid), None) {
            Ok(p) => p,
            Err(e) => return e.errno() == Some(Errno::ESRCH),
        };
        if self.ino != 0 && matches!(proc.pidfd_inode(), Ok(Some(i)) if i != self.ino) {
            return true; // the pid now belongs to another process
        }
        matches!(proc.state(), Ok(State::Zombie | State::Gone))
    }
}

/// Whether a link with this alias is a leftover of a killed `nsveth add`.
pub fn is_leftover(alias: Option<&str>) -> bool {
    alias.and_then(Maker::parse).is_some_and(|m| m.has_ended())
}

/// `n` as 12 base-36 digits (the low ones: `n` modulo 36^12, about 2^62).
fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = [0u8; 12];
    for d in out.iter_mut().rev() {
        *d = DIGITS[(n % 36) as usize];
        n /= 36;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// 64-bit FNV-1a of `bytes`.
pub(crate) fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A fresh temporary name for the host end of a pair `maker` makes: a hash of who it is (its
/// pidfd inode alone is unique for as long as the system runs) and of the time, so that it
/// differs from any other run's.
pub fn temp_name(maker: &Maker) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let who = [maker.pidns, maker.pid as u64, maker.ino, now];
    format!(
        "nst{}",
        base36(fnv1a(who.iter().flat_map(|v| v.to_ne_bytes())))
    )
}

/// The temporary name of bridge `name` while it is being made.
pub fn bridge_temp_name(name: &str) -> String {
    format!("nsb{}", base36(fnv1a(name.bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::valid_ifname;

    #[test]
    fn marks_round_trip() {
        let m = Maker {
            pidns: 4026531836,
            pid: 42,
            ino: 7001,
        };
        assert_eq!(m.mark(), "nstools:unfinished:4026531836:42:7001");
        assert_eq!(Maker::parse(&m.mark()), Some(m));
        for bad in [
            "",
            "nstools:veth",
            "nstools:bridge",
            "nstools:unfinished:",
            "nstools:unfinished:1:2",
            "nstools:unfinished:1:0:3",
            "nstools:unfinished:1:-2:3",
            "nstools:unfinished:1:2:3:4",
            "nstools:unfinished:x:2:3",
        ] {
            assert_eq!(Maker::parse(bad), None, "{bad}");
        }
        assert!(!is_leftover(None));
        assert!(!is_leftover(Some(VETH)));
    }

    #[test]
    fn temporary_names_are_valid_and_distinct() {
        let me = Maker::me();
        let (a, b) = (temp_name(&me), temp_name(&Maker { pid: 1, ..me }));
        assert!(
            valid_ifname(&a) && a.len() == 15 && a.starts_with("nst"),
            "{a}"
        );
        assert_ne!(a, b);
        let br = bridge_temp_name("br0");
        assert!(
            valid_ifname(&br) && br.len() == 15 && br.starts_with("nsb"),
            "{br}"
        );
        assert_eq!(br, bridge_temp_name("br0"));
        assert_ne!(br, bridge_temp_name("br1"));
        // FNV-1a of "a" is 0xaf63dc4c8601ec8c.
        assert_eq!(
            bridge_temp_name("a"),
            format!("nsb{}", base36(0xaf63dc4c8601ec8c))
        );
        assert_eq!(base36(35), "00000000000z");
    }

    #[test]
    fn makers_that_run_or_cannot_be_judged_have_not_ended() {
        let me = Maker::me();
        assert_eq!(me.pid, std::process::id() as i32);
        assert_ne!(me.pidns, 0);
        assert!(!me.has_ended());
        // Another pid namespace, or an unknown one: not ours to judge.
        assert!(!Maker { pidns: 1, ..me }.has_ended());
        assert!(!Maker { pidns: 0, ..me }.has_ended());
        // Our pid, another process's pidfd inode: the pid was reused, the maker is gone.
        if me.ino != 0 {
            assert!(Maker {
                ino: me.ino + 1,
                ..me
            }
            .has_ended());
        }
    }

    #[test]
    fn a_killed_maker_has_ended_zombie_or_reaped() {
        let mut child = std::process::Command::new("sleep")
            .arg("1000")
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let maker = Maker {
            pid,
            ino: ProcDir::open(Pid::from_raw(pid), None)
                .unwrap()
                .pidfd_inode()
                .unwrap()
                .unwrap_or(0),
            ..Maker::me()
        };
        assert!(!maker.has_ended());
        assert!(!is_leftover(Some(&maker.mark())));
        child.kill().unwrap();
        let zombie = || {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
                s.rsplit_once(')')
                    .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
            })
        };
        let t0 = std::time::Instant::now();
        while !zombie() {
            assert!(t0.elapsed().as_secs() < 10);
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(maker.has_ended(), "a zombie");
        assert!(is_leftover(Some(&maker.mark())));
        child.wait().unwrap();
        // Reaped: the pid is free, or taken again by a process with another pidfd inode (unless
        // there is no pidfs to tell them apart).
        assert!(maker.has_ended() || maker.ino == 0);
    }
}
