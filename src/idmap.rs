//! uid/gid maps of user namespaces: ranges, their validation, and writing `uid_map`,
//! `setgroups`, `gid_map` of a process through an `O_PATH` fd of its `/proc/PID` directory (so a
//! reused pid is never written to). Who may map which ids (`/etc/subuid`, shadow's rules) is in
//! [`crate::subid`].

use std::fmt;
use std::os::fd::AsFd;

use nix::fcntl::{openat, OFlag};
use nix::sys::stat::Mode;
use nix::unistd::Pid;

use crate::error::{quoted, Context, Error, Result};
use crate::procdir::ProcDir;

/// The kernel's limit on lines in one map (since Linux 4.15).
pub const MAX_LINES: usize = 340;
/// The kernel refuses a map write of a page or more.
const MAX_BYTES: usize = 4095;

/// One line of a map: `count` ids from `outer` (outside) appear as `inner` (inside).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub inner: u32,
    pub outer: u32,
    pub count: u32,
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.inner, self.outer, self.count)
    }
}

fn span_contains(start: u32, count: u32, id: u32) -> bool {
    id >= start && u64::from(id) < u64::from(start) + u64::from(count)
}

fn spans_overlap(a: u32, b: u32, count_a: u32, count_b: u32) -> bool {
    let (a, b) = (u64::from(a), u64::from(b));
    a < b + u64::from(count_b) && b < a + u64::from(count_a)
}

impl Range {
    pub const fn new(inner: u32, outer: u32, count: u32) -> Range {
        Range {
            inner,
            outer,
            count,
        }
    }

    /// `INNER:OUTER:COUNT`, or util-linux's alternative `OUTER,INNER,COUNT`.
    pub fn parse(text: &str) -> Result<Range> {
        let bad = || Error::new(format!("invalid mapping {}", quoted(text)));
        let num = |s: &str| -> Result<u32> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            s.parse().map_err(|_| bad())
        };
        let (sep, swap) = if text.contains(':') {
            (':', false)
        } else {
            (',', true)
        };
        let parts: Vec<&str> = text.split(sep).collect();
        let [a, b, c] = parts.as_slice() else {
            return Err(bad());
        };
        let (a, b, count) = (num(a)?, num(b)?, num(c)?);
        let (inner, outer) = if swap { (b, a) } else { (a, b) };
        Ok(Range {
            inner,
            outer,
            count,
        })
    }

    /// Whether inner..inner+count and outer..outer+count stay below 4294967295, which is
    /// `(uid_t) -1`, an id the kernel never maps.
    fn fits(&self) -> bool {
        let end = |s: u32| u64::from(s) + u64::from(self.count) <= u64::from(u32::MAX);
        end(self.inner) && end(self.outer)
    }
}

/// Check what the kernel would refuse, before anything is written: empty ranges, ranges past
/// 2^32, overlapping ranges on either side, too many lines, a map too long for one write.
pub fn validate(ranges: &[Range]) -> Result<()> {
    if ranges.len() > MAX_LINES {
        return Err(Error::new(format!(
            "too many mappings: {} (the kernel accepts at most {MAX_LINES})",
            ranges.len()
        )));
    }
    for (i, r) in ranges.iter().enumerate() {
        if r.count == 0 {
            return Err(Error::new(format!("invalid mapping '{r}': count is zero")));
        }
        if !r.fits() {
            return Err(Error::new(format!(
                "invalid mapping '{r}': ids past 4294967294"
            )));
        }
        for other in &ranges[..i] {
            if spans_overlap(r.inner, other.inner, r.count, other.count) {
                return Err(Error::new(format!(
                    "mapping '{r}' overlaps '{other}' inside the namespace"
                )));
            }
            if spans_overlap(r.outer, other.outer, r.count, other.count) {
                return Err(Error::new(format!(
                    "mapping '{r}' overlaps '{other}' outside the namespace"
                )));
            }
        }
    }
    if render(ranges).len() > MAX_BYTES {
        return Err(Error::new(
            "mappings too large for the kernel's 4 KiB limit",
        ));
    }
    Ok(())
}

/// The map as the kernel reads it: one `inner outer count` line per range.
pub fn render(ranges: &[Range]) -> String {
    ranges
        .iter()
        .map(|r| format!("{} {} {}\n", r.inner, r.outer, r.count))
        .collect()
}

/// Parse a map as the kernel prints it (`/proc/PID/uid_map`).
pub fn parse_kernel_map(text: &str) -> Vec<Range> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace().map(|n| n.parse::<u32>());
            match (f.next(), f.next(), f.next()) {
                (Some(Ok(inner)), Some(Ok(outer)), Some(Ok(count))) => Some(Range {
                    inner,
                    outer,
                    count,
                }),
                _ => None,
            }
        })
        .collect()
}

/// A range whose inside start is not chosen yet (`--map-users=auto`: from 0, after the single
/// mapping of the caller is carved out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    pub inner: Option<u32>,
    pub outer: u32,
    pub count: u32,
}

impl From<Range> for Pending {
    fn from(r: Range) -> Pending {
        Pending {
            inner: Some(r.inner),
            outer: r.outer,
            count: r.count,
        }
    }
}

/// Combine ranges with one single-id mapping `inner -> outer` (util-linux `add_single_map_range`):
/// the single mapping comes first, and each range gives up the ids it shares with it, on either
/// side, so nothing overlaps. A range that shares one loses one id (its topmost) and is split
/// around the hole. Without a single mapping, ranges are only given their inside start (0 for
/// automatic ones).
pub fn with_single(ranges: &[Pending], outer: u32, inner: Option<u32>) -> Vec<Range> {
    let mut out = Vec::new();
    if let Some(inner) = inner {
        out.push(Range {
            inner,
            outer,
            count: 1,
        });
    }
    for p in ranges {
        let r = Range {
            inner: p.inner.unwrap_or(0),
            outer: p.outer,
            count: p.count,
        };
        let Some(inner) = inner else {
            out.push(r);
            continue;
        };
        let skip_outer = span_contains(r.outer, r.count, outer).then(|| outer - r.outer);
        let skip_inner = span_contains(r.inner, r.count, inner).then(|| inner - r.inner);
        let n = r.count - u32::from(skip_outer.is_some() || skip_inner.is_some());
        // The k-th id of each side is start + k, plus one once past that side's hole; the pairs
        // stay contiguous between the holes.
        let mut cuts = vec![0, n];
        cuts.extend(skip_outer);
        cuts.extend(skip_inner);
        cuts.sort_unstable();
        cuts.dedup();
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            if b > a {
                let shift = |hole: Option<u32>| u32::from(hole.is_some_and(|h| a >= h));
                out.push(Range {
                    inner: r.inner + a + shift(skip_inner),
                    outer: r.outer + a + shift(skip_outer),
                    count: b - a,
                });
            }
        }
    }
    out
}

/// `--setgroups` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setgroups {
    Allow,
    Deny,
}

impl Setgroups {
    pub fn parse(text: &str) -> Result<Setgroups> {
        match text {
            "allow" => Ok(Setgroups::Allow),
            "deny" => Ok(Setgroups::Deny),
            // One line without the Try line, as util-linux's errx().
            _ => Err(Error::new(format!(
                "unsupported --setgroups argument {}",
                quoted(text)
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Setgroups::Allow => "allow",
            Setgroups::Deny => "deny",
        }
    }
}

/// The maps to give a user namespace.
#[derive(Clone, Debug, Default)]
pub struct Maps {
    pub uid: Option<Vec<Range>>,
    pub setgroups: Option<Setgroups>,
    pub gid: Option<Vec<Range>>,
}

/// Write the maps of the held process `proc` in the order the kernel needs: `uid_map`,
/// `setgroups`, `gid_map`, each in a single write, through its `/proc/PID` directory (so never to
/// a process that reused the pid).
pub fn write_maps(proc: &ProcDir, maps: &Maps) -> Result<()> {
    if let Some(uid) = &maps.uid {
        write_file(proc, "uid_map", &render(uid))?;
    }
    if let Some(sg) = maps.setgroups {
        write_file(proc, "setgroups", sg.as_str())?;
    }
    if let Some(gid) = &maps.gid {
        write_file(proc, "gid_map", &render(gid))?;
    }
    Ok(())
}

/// Write `text` to `file` of the held process `proc` in one `write(2)`.
pub fn write_file(proc: &ProcDir, file: &str, text: &str) -> Result<()> {
    let path = || proc.path(file);
    let fd = openat(
        proc.dir(),
        file,
        OFlag::O_WRONLY | OFlag::O_CLOEXEC | OFlag::O_NOCTTY,
        Mode::empty(),
    )
    .context(|| format!("cannot open {}", path()))?;
    let n = nix::unistd::write(fd.as_fd(), text.as_bytes())
        .context(|| format!("write failed {}", path()))?;
    if n != text.len() {
        return Err(Error::new(format!("write failed {}: short write", path())));
    }
    Ok(())
}

/// Write maps as an unprivileged user, the way util-linux does: through the setuid helpers
/// `newuidmap` and `newgidmap` found in `PATH` (ours, called by those names, or shadow's). Each
/// helper's failure is an error; its own message is already on stderr.
pub fn write_maps_external(pid: Pid, uid: Option<&[Range]>, gid: Option<&[Range]>) -> Result<()> {
    for (helper, ranges) in [("newuidmap", uid), ("newgidmap", gid)] {
        let Some(ranges) = ranges else { continue };
        let mut argv: Vec<std::ffi::OsString> = vec![helper.into(), pid.to_string().into()];
        for r in ranges {
            argv.extend([r.inner, r.outer, r.count].map(|n| n.to_string().into()));
        }
        let status = match crate::process::fork()? {
            crate::process::Fork::Child => std::process::exit(crate::process::exec(&argv).code()),
            crate::process::Fork::Parent(child) => crate::process::wait(child)?,
        };
        match crate::process::status_code(status) {
            0 => {}
            crate::error::EXIT_NOT_FOUND => {
                return Err(Error::new(format!("{helper}: not found in PATH")))
            }
            crate::error::EXIT_CANNOT_EXEC => {
                return Err(Error::new(format!("cannot execute {helper}")))
            }
            code => return Err(Error::new(format!("{helper} failed with status {code}"))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(inner: u32, outer: u32, count: u32) -> Range {
        Range::new(inner, outer, count)
    }

    #[test]
    fn parse_both_forms() {
        assert_eq!(Range::parse("0:100000:65536").unwrap(), r(0, 100000, 65536));
        assert_eq!(Range::parse("100000,0,65536").unwrap(), r(0, 100000, 65536));
        for bad in [
            "",
            "1:2",
            "1:2:3:4",
            "a:1:1",
            "-1:0:1",
            "1:2:4294967296",
            "1,2:3",
        ] {
            assert_eq!(
                Range::parse(bad).unwrap_err().to_string(),
                format!("invalid mapping '{bad}'")
            );
        }
    }

    #[test]
    fn validation() {
        validate(&[r(0, 1000, 1), r(1, 100000, 65535)]).unwrap();
        assert!(validate(&[r(0, 1, 0)])
            .unwrap_err()
            .to_string()
            .contains("count is zero"));
        assert!(validate(&[r(0, 10, 10), r(5, 100, 10)])
            .unwrap_err()
            .to_string()
            .contains("inside"));
        assert!(validate(&[r(0, 10, 10), r(50, 15, 10)])
            .unwrap_err()
            .to_string()
            .contains("outside"));
        assert!(validate(&[r(u32::MAX, 0, 2)])
            .unwrap_err()
            .to_string()
            .contains("past"));
        validate(&[r(u32::MAX - 1, 0, 1)]).unwrap();
        assert!(validate(&[r(u32::MAX, 0, 1)]).is_err());
        let many: Vec<Range> = (0..341).map(|i| r(i, i, 1)).collect();
        assert!(validate(&many)
            .unwrap_err()
            .to_string()
            .contains("too many"));
        let long: Vec<Range> = (0..340)
            .map(|i| r(4_000_000_000 + i, 4_000_000_000 + i, 1))
            .collect();
        assert!(validate(&long).unwrap_err().to_string().contains("4 KiB"));
    }

    #[test]
    fn single_mapping_carves_auto_range() {
        // --map-auto with --map-root-user as uid 1000 owning 100000:65536.
        let auto = Pending {
            inner: None,
            outer: 100000,
            count: 65536,
        };
        assert_eq!(
            with_single(&[auto], 1000, Some(0)),
            vec![r(0, 1000, 1), r(1, 100000, 65535)]
        );
        // No single mapping: the range starts inside at 0, untouched.
        assert_eq!(with_single(&[auto], 1000, None), vec![r(0, 100000, 65536)]);
    }

    #[test]
    fn single_mapping_inside_both_sides_splits() {
        // Caller 1005 mapped to 3, over a range 0..10 -> 1000..1010.
        let got = with_single(&[r(0, 1000, 10).into()], 1005, Some(3));
        assert_eq!(
            got,
            vec![r(3, 1005, 1), r(0, 1000, 3), r(4, 1003, 2), r(6, 1006, 4)]
        );
        validate(&got).unwrap();
        // The union covers 9 ids of the range plus the single one.
        assert_eq!(got.iter().map(|r| r.count).sum::<u32>(), 10);
    }

    #[test]
    fn kernel_map_round_trip() {
        let m = vec![r(0, 1000, 1), r(1, 100000, 65535)];
        assert_eq!(parse_kernel_map(&render(&m)), m);
        assert_eq!(
            parse_kernel_map("         0       1000          1\n"),
            vec![r(0, 1000, 1)]
        );
    }
}
