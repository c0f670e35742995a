//! Who may map which ids: the subordinate id files (`/etc/subuid`, `/etc/subgid`) as shadow reads
//! them, and shadow's rules for `newuidmap`/`newgidmap`, applied when an unprivileged user writes
//! the maps of a user namespace through a setuid-root (or file-capability) helper. Every file is read from an injectable `/etc` directory, without NSS,
//! so the rules are unit-tested on fixtures and a static binary behaves like a dynamic one.
//!
//! The rules (shadow 4.13):
//! - the caller's real uid has a passwd entry, and the caller's real gid is that entry's gid,
//!   unless `/etc/login.defs` sets `GRANT_AUX_GROUP_SUBIDS` (then any real gid will do, e.g.
//!   after `newgrp` or `sg`);
//! - the target process (its `/proc/PID` directory) belongs to the caller's uid and real gid;
//! - every range is non-empty and lies within the caller's lines of `/etc/subuid`
//!   (`/etc/subgid`), named by user name or uid, possibly spanning adjacent lines; or it is
//!   exactly the caller's own id (its passwd uid, its real gid) with count 1;
//! - for gid maps (CVE-2018-7169), `setgroups` is set to `deny` unless some range came from
//!   `/etc/subgid`: a user who maps only their own gid must not be able to drop groups.

use std::path::{Path, PathBuf};

use crate::error::{Context, Error, Result};
use crate::idmap::{self, Pending, Range};
use crate::users::{self, Entry};

/// Which map: uids or gids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Uid,
    Gid,
}

impl Which {
    /// The map file in `/proc/PID`.
    pub fn map_file(self) -> &'static str {
        match self {
            Which::Uid => "uid_map",
            Which::Gid => "gid_map",
        }
    }

    /// `uid` or `gid`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Which::Uid => "uid",
            Which::Gid => "gid",
        }
    }

    /// The subordinate id file below `etc`.
    pub fn subid_file(self, etc: &Path) -> PathBuf {
        etc.join(match self {
            Which::Uid => "subuid",
            Which::Gid => "subgid",
        })
    }
}

/// The unprivileged caller: its real ids and its passwd entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub ruid: u32,
    pub rgid: u32,
    pub user: Entry,
}

impl Caller {
    /// The caller by real uid in `etc/passwd`, if it has an entry there (no rule checked).
    pub fn find(etc: &Path, ruid: u32, rgid: u32) -> Result<Option<Caller>> {
        let user = users::user_by_id(etc, ruid)?;
        Ok(user.map(|user| Caller { ruid, rgid, user }))
    }

    /// Whether the caller's real gid is acceptable: its passwd gid, or any with
    /// `GRANT_AUX_GROUP_SUBIDS` (`grant_aux`).
    pub fn gid_allowed(&self, grant_aux: bool) -> bool {
        grant_aux || self.user.gid == self.rgid
    }

    /// Look up the caller by real uid in `etc/passwd` and require its real gid to be the entry's
    /// (unless `grant_aux`: see [`grant_aux_group_subids`]).
    pub fn lookup(etc: &Path, ruid: u32, rgid: u32, grant_aux: bool) -> Result<Caller> {
        let passwd = etc.join("passwd");
        let caller = Caller::find(etc, ruid, rgid)?.ok_or_else(|| {
            Error::new(format!(
                "cannot determine your user name: uid {ruid} is not in {}",
                passwd.display()
            ))
        })?;
        let user = &caller.user;
        if !caller.gid_allowed(grant_aux) {
            return Err(Error::new(format!(
                "your real gid {rgid} is not the gid {} of user '{}' in {}",
                user.gid,
                user.name,
                passwd.display()
            )));
        }
        Ok(caller)
    }

    /// The caller's own id of this kind (newuidmap: the passwd uid; newgidmap: the real gid).
    pub fn own(&self, which: Which) -> u32 {
        match which {
            Which::Uid => self.user.id,
            Which::Gid => self.rgid,
        }
    }

    /// The target (owner `uid`:`gid` of its `/proc/PID`) must be the caller's.
    pub fn check_owner(&self, label: &str, uid: u32, gid: u32) -> Result<()> {
        if uid != self.user.id || gid != self.rgid {
            return Err(Error::new(format!(
                "target process {label} is owned by {uid}:{gid}, not by you ({}:{})",
                self.user.id, self.rgid
            )));
        }
        Ok(())
    }

    /// The caller's lines of the subordinate id file for `which`.
    pub fn subids(&self, etc: &Path, which: Which) -> Result<Vec<SubId>> {
        subids(&which.subid_file(etc), &self.user.name, self.user.id)
    }

    /// Check every range against the caller's `lines` (from `file`) and own id. Returns whether
    /// some range was granted by the file (for gid maps: whether `setgroups` may stay allowed).
    pub fn check_ranges(
        &self,
        which: Which,
        file: &Path,
        lines: &[SubId],
        ranges: &[Range],
    ) -> Result<bool> {
        let mut from_file = false;
        for r in ranges {
            if r.count > 0 && covered(lines, r.outer, r.count) {
                from_file = true;
            } else if !(r.count == 1 && r.outer == self.own(which)) {
                return Err(Error::new(format!(
                    "{} range {} not allowed: not within the lines of '{}' in {} nor your own {} {}",
                    which.name(),
                    shown(r),
                    self.user.name,
                    file.display(),
                    which.name(),
                    self.own(which),
                )));
            }
        }
        Ok(from_file)
    }
}

/// A range as shadow shows it: `[inner-end) -> [outer-end)`.
pub fn shown(r: &Range) -> String {
    let end = |s: u32| u64::from(s) + u64::from(r.count);
    format!(
        "[{}-{}) -> [{}-{})",
        r.inner,
        end(r.inner),
        r.outer,
        end(r.outer)
    )
}

/// Whether `start .. start+count` lies within the union of `lines` (a range may span lines that
/// touch, as shadow allows).
pub fn covered(lines: &[SubId], start: u32, count: u32) -> bool {
    let end = u64::from(start) + u64::from(count);
    let mut at = u64::from(start);
    while at < end {
        let next = lines
            .iter()
            .map(|l| (u64::from(l.start), u64::from(l.start) + u64::from(l.count)))
            .filter(|(s, e)| *s <= at && at < *e)
            .map(|(_, e)| e)
            .max();
        match next {
            Some(e) => at = e,
            None => return false,
        }
    }
    true
}

/// The kernel refuses the id 4294967295 (`(u32)-1`) on either side, and so does shadow
/// ("subuid overflow"): every range must end at or below it.
pub fn check_overflow(which: Which, ranges: &[Range]) -> Result<()> {
    for r in ranges {
        let end = |s: u32| u64::from(s) + u64::from(r.count);
        if end(r.inner) > u64::from(u32::MAX) || end(r.outer) > u64::from(u32::MAX) {
            return Err(Error::new(format!(
                "{} range {} not allowed: ids past 4294967294",
                which.name(),
                shown(r)
            )));
        }
    }
    Ok(())
}

/// Whether `etc/login.defs` sets `GRANT_AUX_GROUP_SUBIDS` (no file: it does not).
pub fn grant_aux_group_subids(etc: &Path) -> Result<bool> {
    let path = etc.join("login.defs");
    match std::fs::read(&path) {
        Ok(bytes) => Ok(login_defs_flag(
            &String::from_utf8_lossy(&bytes),
            "GRANT_AUX_GROUP_SUBIDS",
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).context(|| format!("cannot read {}", path.display())),
    }
}

/// A boolean of a `login.defs` text, read as shadow's `getdef_bool` reads it: a line is a name
/// and a value separated by blanks (`#` starts a comment line); the value skips leading blanks
/// and quotes and ends at the next quote; the last line naming it wins; it is true when it is
/// `yes` in any case.
pub fn login_defs_flag(text: &str, name: &str) -> bool {
    let blank = |c: char| c == ' ' || c == '\t';
    let mut value = None;
    for line in text.lines() {
        let line = line.trim_end_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
        let line = line.trim_start_matches(blank);
        if line.starts_with('#') {
            continue;
        }
        let Some((key, rest)) = line.split_once(blank) else {
            continue;
        };
        if key == name {
            let v = rest.trim_start_matches(|c| blank(c) || c == '"');
            value = Some(v.split('"').next().unwrap_or(""));
        }
    }
    value.is_some_and(|v| v.eq_ignore_ascii_case("yes"))
}

/// One line of `/etc/subuid` or `/etc/subgid` that belongs to a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubId {
    pub start: u32,
    pub count: u32,
}

/// The lines of a subordinate id file (`name_or_uid:start:count`) that belong to the user
/// `name` / `uid`, in file order. Malformed lines are skipped, as shadow does.
pub fn subids(path: &Path, name: &str, uid: u32) -> Result<Vec<SubId>> {
    let text =
        std::fs::read_to_string(path).context(|| format!("could not open '{}'", path.display()))?;
    Ok(parse_subids(&text, name, uid))
}

/// The ids of a line that a map can use: shadow reads start and count as 64-bit numbers and
/// takes the line's last id as `start + count - 1`, so a line that runs past 4294967294 (the
/// last id a map may hold) still grants its ids up to that one, a line starting above it grants
/// none, and so does one whose last id wraps past 2^64.
fn usable(start: u64, count: u64) -> Option<SubId> {
    start.checked_add(count.checked_sub(1)?)?;
    let start = u32::try_from(start).ok().filter(|s| *s < u32::MAX)?;
    let count = count.min(u64::from(u32::MAX - start)) as u32;
    (count > 0).then_some(SubId { start, count })
}

/// The lines of a subordinate id file that belong to `name`/`uid`, read as shadow 4.13 reads
/// them (`subordinate_parse`, `find_range`): the first three `:`-separated fields, none empty
/// (more are ignored); the owner the user's name or, exactly, their uid in decimal; start and
/// count as `strtoul` reads them in base 0 (blanks and a sign before, hexadecimal after `0x`,
/// octal after `0`), nothing after them.
pub fn parse_subids(text: &str, name: &str, uid: u32) -> Vec<SubId> {
    let uid = uid.to_string();
    // Lines end at `\n` alone, as shadow's do (a `\r` stays, and spoils the count).
    text.split('\n')
        .filter_map(|line| {
            let mut f = line.split(':');
            let (owner, start, count) = (f.next()?, f.next()?, f.next()?);
            if owner.is_empty() || start.is_empty() || count.is_empty() {
                return None;
            }
            if owner != name && owner != uid {
                return None;
            }
            usable(c_ulong(start)?, c_ulong(count)?)
        })
        .collect()
}

/// A number as shadow's `getulong` reads it, C's `strtoul` in base 0: leading white space, a
/// sign, then hexadecimal after `0x`, octal after `0`, or decimal, up to the end; `-` negates
/// modulo 2^64 as C does. `None` for an empty, partial or out-of-range number.
pub fn c_ulong(text: &str) -> Option<u64> {
    let t = text.trim_start_matches(|c: char| c == ' ' || ('\t'..='\r').contains(&c));
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let hex = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .filter(|h| h.starts_with(|c: char| c.is_ascii_hexdigit()));
    let (radix, digits) = match hex {
        Some(h) => (16, h),
        None if t.len() > 1 && t.starts_with('0') => (8, &t[1..]),
        None => (10, t),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = u64::from_str_radix(digits, radix).ok()?;
    Some(if neg { v.wrapping_neg() } else { v })
}

/// The ranges of one `--map-users`/`--map-groups` value (util-linux unshare): `auto` (the
/// caller's first line of the subordinate id file below `etc`), `subids` (the same, mapped to
/// itself), `all` (every id of our own namespace, mapped to itself) or `INNER:OUTER:COUNT`.
pub fn map_ranges(spec: &str, which: Which, euid: u32, etc: &Path) -> Result<Vec<Pending>> {
    match spec {
        "auto" | "subids" => {
            let identity = spec == "subids";
            let me = users::user_by_id(etc, euid)?
                .ok_or_else(|| Error::new(format!("you (user {euid}) don't exist.")))?;
            let file = which.subid_file(etc);
            let first = subids(&file, &me.name, me.id)?
                .into_iter()
                .next()
                .ok_or_else(|| {
                    Error::new(format!(
                        "no line matching user \"{}\" in {}",
                        me.name,
                        file.display()
                    ))
                })?;
            Ok(vec![Pending {
                inner: identity.then_some(first.start),
                outer: first.start,
                count: first.count,
            }])
        }
        "all" => {
            let proc_map = format!("/proc/self/{}", which.map_file());
            let text = std::fs::read_to_string(&proc_map)
                .context(|| format!("could not open '{proc_map}'"))?;
            Ok(idmap::parse_kernel_map(&text)
                .into_iter()
                .map(|r| Pending {
                    inner: Some(r.inner),
                    outer: r.inner,
                    count: r.count,
                })
                .collect())
        }
        _ => Ok(vec![Range::parse(spec)?.into()]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    fn r(inner: u32, outer: u32, count: u32) -> Range {
        Range::new(inner, outer, count)
    }

    fn etc() -> TempDir {
        let d = TempDir::new("subid");
        std::fs::write(
            d.path().join("passwd"),
            "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/:/bin/sh\nbob:x:1001:1001::/:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(
            d.path().join("subuid"),
            "alice:100000:65536\n1000:300000:10\n1000:300010:10\nbob:200000:65536\n",
        )
        .unwrap();
        std::fs::write(d.path().join("subgid"), "alice:100000:65536\n").unwrap();
        d
    }

    #[test]
    fn caller_must_match_passwd() {
        let d = etc();
        let alice = Caller::lookup(d.path(), 1000, 1000, false).unwrap();
        assert_eq!(alice.user.name, "alice");
        let e = Caller::lookup(d.path(), 4242, 4242, false)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("cannot determine your user name: uid 4242"),
            "{e}"
        );
        let e = Caller::lookup(d.path(), 1000, 0, false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("real gid 0 is not the gid 1000 of user 'alice'"),
            "{e}"
        );
    }

    #[test]
    fn aux_group_granted_by_login_defs() {
        let d = etc();
        let e = Caller::lookup(d.path(), 1000, 50, false).unwrap_err();
        assert!(
            e.to_string().contains("real gid 50 is not the gid 1000"),
            "{e}"
        );
        let alice = Caller::lookup(d.path(), 1000, 50, true).unwrap();
        assert_eq!(alice.own(Which::Gid), 50);
        assert!(!grant_aux_group_subids(d.path()).unwrap());
        std::fs::write(d.path().join("login.defs"), "GRANT_AUX_GROUP_SUBIDS yes\n").unwrap();
        assert!(grant_aux_group_subids(d.path()).unwrap());
    }

    #[test]
    fn login_defs_read_as_shadow_does() {
        let f = |text: &str| login_defs_flag(text, "GRANT_AUX_GROUP_SUBIDS");
        assert!(f("GRANT_AUX_GROUP_SUBIDS yes"));
        assert!(f("  GRANT_AUX_GROUP_SUBIDS\t \"YeS\"  \r\n"));
        assert!(f("GRANT_AUX_GROUP_SUBIDS no\nGRANT_AUX_GROUP_SUBIDS yes\n"));
        assert!(!f(
            "GRANT_AUX_GROUP_SUBIDS yes\nGRANT_AUX_GROUP_SUBIDS no\n"
        ));
        assert!(!f("# GRANT_AUX_GROUP_SUBIDS yes\n"));
        assert!(!f("GRANT_AUX_GROUP_SUBIDS\n"));
        assert!(!f("GRANT_AUX_GROUP_SUBIDS yes please\n"));
        assert!(!f("GRANT_AUX_GROUP_SUBIDS=yes\n"));
        assert!(!f("GRANT_AUX_GROUP_SUBIDSX yes\n"));
        assert!(!f(""));
    }

    #[test]
    fn owner_check() {
        let d = etc();
        let alice = Caller::lookup(d.path(), 1000, 1000, false).unwrap();
        alice.check_owner("/proc/1", 1000, 1000).unwrap();
        let e = alice.check_owner("/proc/1", 1001, 1000).unwrap_err();
        assert_eq!(
            e.to_string(),
            "target process /proc/1 is owned by 1001:1000, not by you (1000:1000)"
        );
        assert!(alice.check_owner("/proc/1", 1000, 0).is_err());
    }

    #[test]
    fn ranges_by_name_uid_and_own_id() {
        let d = etc();
        let alice = Caller::lookup(d.path(), 1000, 1000, false).unwrap();
        let file = Which::Uid.subid_file(d.path());
        let lines = alice.subids(d.path(), Which::Uid).unwrap();
        let ok = |rs: &[Range]| alice.check_ranges(Which::Uid, &file, &lines, rs);
        // By name, by uid, spanning two adjacent lines, and the own uid alone.
        assert!(ok(&[r(0, 100000, 65536)]).unwrap());
        assert!(ok(&[r(0, 300005, 10)]).unwrap());
        assert!(!ok(&[r(0, 1000, 1)]).unwrap());
        assert!(ok(&[r(0, 1000, 1), r(1, 100000, 65535)]).unwrap());
        // Outside, one past the end, bob's, empty, own uid with count 2.
        for bad in [
            r(0, 165536, 1),
            r(0, 100000, 65537),
            r(0, 200000, 1),
            r(0, 100000, 0),
            r(0, 1000, 2),
        ] {
            let e = ok(&[bad]).unwrap_err().to_string();
            assert!(e.starts_with(&format!("uid range {} not allowed", shown(&bad))));
            assert!(
                e.contains(&format!("of 'alice' in {}", file.display())),
                "{e}"
            );
        }
        assert_eq!(shown(&r(0, 100000, 65536)), "[0-65536) -> [100000-165536)");
    }

    #[test]
    fn own_gid_is_the_real_gid_and_setgroups_rule() {
        let d = etc();
        let alice = Caller::lookup(d.path(), 1000, 1000, false).unwrap();
        let file = Which::Gid.subid_file(d.path());
        let lines = alice.subids(d.path(), Which::Gid).unwrap();
        // Only the own gid: allowed, but setgroups must be denied.
        assert!(!alice
            .check_ranges(Which::Gid, &file, &lines, &[r(0, 1000, 1)])
            .unwrap());
        assert!(alice
            .check_ranges(Which::Gid, &file, &lines, &[r(1, 100000, 10)])
            .unwrap());
        // bob has no subgid line at all.
        let bob = Caller::lookup(d.path(), 1001, 1001, false).unwrap();
        let none = bob.subids(d.path(), Which::Gid).unwrap();
        assert!(bob
            .check_ranges(Which::Gid, &file, &none, &[r(0, 100000, 1)])
            .is_err());
    }

    #[test]
    fn coverage() {
        let l = |start, count| SubId { start, count };
        let lines = [l(10, 10), l(20, 5), l(30, 5)];
        assert!(covered(&lines, 10, 15));
        assert!(covered(&lines, 24, 1));
        assert!(!covered(&lines, 24, 2));
        assert!(!covered(&lines, 9, 2));
        assert!(covered(&[l(u32::MAX - 1, 1)], u32::MAX - 1, 1));
    }

    #[test]
    fn overflow() {
        check_overflow(Which::Uid, &[r(0, u32::MAX - 1, 1)]).unwrap();
        let e = check_overflow(Which::Uid, &[r(u32::MAX, 0, 1)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "uid range [4294967295-4294967296) -> [0-1) not allowed: ids past 4294967294"
        );
        assert!(check_overflow(Which::Gid, &[r(0, 4294967290, 10)]).is_err());
    }

    #[test]
    fn subid_lines() {
        let text = "alice:100000:65536\n1000:200000:10\nbob:300000:5\nbad\nalice:x:1\nalice:4294967295:2\n";
        assert_eq!(
            parse_subids(text, "alice", 1000),
            vec![
                SubId {
                    start: 100000,
                    count: 65536
                },
                SubId {
                    start: 200000,
                    count: 10
                }
            ]
        );
        assert!(parse_subids(text, "carol", 7).is_empty());
        // Lines running past the last mappable id grant what lies below it, as in shadow.
        let past = "a:4294967290:100\na:4294967294:1\na:4294967295:1\na:0:99999999999\na:5000000000:1\na:1:18446744073709551616\na:+1:1\n";
        let got: Vec<(u32, u32)> = parse_subids(past, "a", 1)
            .iter()
            .map(|l| (l.start, l.count))
            .collect();
        assert_eq!(
            got,
            [(4294967290, 5), (4294967294, 1), (0, 4294967295), (1, 1)]
        );
    }

    /// `--map-users`/`--map-groups` values: the caller's first line, mapped from 0 (`auto`) or
    /// to itself (`subids`), or a range as given.
    #[test]
    fn map_ranges_from_the_subid_files() {
        let d = etc();
        let p = |inner, outer, count| Pending {
            inner,
            outer,
            count,
        };
        let auto = map_ranges("auto", Which::Uid, 1000, d.path()).unwrap();
        assert_eq!(auto, [p(None, 100000, 65536)]);
        let same = map_ranges("subids", Which::Gid, 1000, d.path()).unwrap();
        assert_eq!(same, [p(Some(100000), 100000, 65536)]);
        let given = map_ranges("0:5000:10", Which::Uid, 1000, d.path()).unwrap();
        assert_eq!(given, [p(Some(0), 5000, 10)]);
        let e = map_ranges("auto", Which::Gid, 1001, d.path()).unwrap_err();
        let want = format!(
            "no line matching user \"bob\" in {}/subgid",
            d.path().display()
        );
        assert_eq!(e.to_string(), want);
        let e = map_ranges("auto", Which::Uid, 4242, d.path()).unwrap_err();
        assert_eq!(e.to_string(), "you (user 4242) don't exist.");
    }
}
