//! `nsidmap`: write the uid and gid maps of a user namespace from outside it; safe to install
//! setuid-root. Called as `newuidmap` or `newgidmap` it takes shadow's arguments instead
//! (`PID|fd:N INNER OUTER COUNT...`), so util-linux `unshare --map-users` uses it unchanged.
//!
//! Order of operations: clear the environment, parse, hold the target by descriptors, check
//! shadow's rules (unprivileged callers only; root is only validated), drop to the caller's uid
//! with nothing but the capabilities the writes need, check the target is still alive, then
//! write `uid_map`, `setgroups`, `gid_map` through the held `/proc/PID` directory.

use std::ffi::OsString;
use std::path::Path;

use nix::fcntl::OFlag;
use nix::unistd::{getgid, getuid, Pid};

use crate::caps;
use crate::cli::{self, Arg, Args, Flag, Group, Hint, Tool};
use crate::critical::{self, Section};
use crate::error::{Error, Result};
use crate::idmap::{self, Pending, Range, Setgroups};
use crate::procdir::{self, ProcDir, State};
use crate::subid::{self, c_ulong, Caller, Which};

const NAME: &str = "nsidmap";

/// The command line of nsidmap (as newuidmap and newgidmap it takes shadow's instead).
pub static TOOL: Tool = Tool {
    name: NAME,
    usage: &["nsidmap [options] <pid>[:<inode>]"],
    about: "\
Write the uid and gid maps of the user namespace of a process, from outside it.
Installed setuid-root, it lets users map the ranges /etc/subuid and /etc/subgid give them.
",
    groups: &[Group::new(
        "Options:",
        &[
            Flag::new("uid", "map count uids from outer to inner (repeatable)")
                .short('u')
                .value("<inner>:<outer>:<count>"),
            Flag::new("gid", "map count gids from outer to inner (repeatable)")
                .short('g')
                .value("<inner>:<outer>:<count>"),
            Flag::new(
                "auto",
                "map your /etc/subuid and /etc/subgid ranges,\nand your own uid and gid to 0",
            )
            .short('a'),
            Flag::new("map-root", "map your own uid and gid to 0").short('r'),
            Flag::new(
                "setgroups",
                "control the setgroups syscall in the namespace",
            )
            .value("allow|deny"),
            Flag::new("show", "print the maps of the process"),
        ],
    )],
    after: "\
Called as newuidmap or newgidmap, it takes shadow's arguments:
 newuidmap <pid>|fd:<fd> <uid> <loweruid> <count> [<uid> <loweruid> <count>]...

",
    operands: &[Hint::Pid],
    permute: true,
    ..Tool::EMPTY
};

/// The `/etc` the rules are read from.
const ETC: &str = "/etc";

/// What to do.
#[derive(Debug, Default)]
struct Request {
    /// The process: `PID` or `PID:INODE`.
    target: Option<(Pid, Option<u64>)>,
    uid: Vec<Range>,
    gid: Vec<Range>,
    auto: bool,
    map_root: bool,
    setgroups: Option<Setgroups>,
    show: bool,
}

pub fn main(args: impl IntoIterator<Item = OsString>) -> ! {
    caps::sanitize();
    let args: Vec<OsString> = args.into_iter().collect();
    let called = args
        .first()
        .and_then(|a| Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned());
    match called.as_deref() {
        Some("newuidmap") => exit("newuidmap", shadow("newuidmap", Which::Uid, args)),
        Some("newgidmap") => exit("newgidmap", shadow("newgidmap", Which::Gid, args)),
        _ => exit(NAME, run(args)),
    }
}

/// Leave as every tool does, with a bound on the message: whatever a caller gives a setuid
/// helper, it never gets more than a line's worth of it back.
fn exit(name: &str, result: Result<i32>) -> ! {
    cli::exit(name, result.map_err(|e| e.bounded(MESSAGE_MAX)))
}

/// The longest message `nsidmap` prints.
const MESSAGE_MAX: usize = 512;

fn run(args: Vec<OsString>) -> Result<i32> {
    execute(&parse(args)?)
}

fn parse(args: Vec<OsString>) -> Result<Request> {
    let mut req = Request::default();
    let mut args = Args::new(&TOOL, args);
    while let Some(arg) = args.next()? {
        match arg {
            Arg::Flag("uid", v) => req.uid.push(Range::parse(&v.string()?)?),
            Arg::Flag("gid", v) => req.gid.push(Range::parse(&v.string()?)?),
            Arg::Flag("auto", _) => req.auto = true,
            Arg::Flag("map-root", _) => req.map_root = true,
            Arg::Flag("setgroups", v) => req.setgroups = Some(Setgroups::parse(&v.string()?)?),
            Arg::Flag("show", _) => req.show = true,
            Arg::Flag(name, _) => unreachable!("--{name} is in the table"),
            Arg::Operand(v) if req.target.is_none() => {
                req.target = Some(procdir::parse_pid(&v.to_string_lossy())?);
            }
            Arg::Operand(v) => return Err(cli::unexpected(&v)),
        }
    }
    if req.target.is_none() {
        return Err(Error::usage("no process specified"));
    }
    let writes = req.auto
        || req.map_root
        || !req.uid.is_empty()
        || !req.gid.is_empty()
        || req.setgroups.is_some();
    if !writes && !req.show {
        return Err(Error::usage(
            "nothing to do: give --uid, --gid, --auto, --map-root, --setgroups or --show",
        ));
    }
    Ok(req)
}

/// newuidmap/newgidmap: shadow's syntax (numbers as C's `strtoul` reads them), shadow's checks
/// in shadow's order, and shadow 4.13's own words for every failure shadow reports (scripts and
/// shadow's tests read them). What stays ours: root writes any valid map without shadow's
/// per-user rules (as `nsidmap` does), a map the kernel would refuse is refused before anything
/// is written (in shadow's words for the kernel's answer), and what shadow lacks is worded as
/// `nsidmap` words it: `fd:N` and `PID:INODE` targets, zombies, unreadable files.
fn shadow(name: &'static str, which: Which, args: Vec<OsString>) -> Result<i32> {
    let w = which.name();
    let usage_line =
        format!("usage: {name} <pid> <{w}> <lower{w}> <count> [ <{w}> <lower{w}> <count> ] ... ");
    let usage = || say(usage_line.clone());
    let args: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match args.first().map(String::as_str) {
        Some("-h" | "--help") => return cli::print(&format!("{usage_line}\n")).map(|()| 0),
        Some("-V" | "--version") => return cli::version(name),
        _ => {}
    }
    let Some((target, rest)) = args.split_first() else {
        return Err(usage());
    };
    let target = match target.strip_prefix("fd:").filter(|n| !n.is_empty()) {
        Some(n) if procdir::is_number(n) => ProcDir::from_fd(n.parse().map_err(|_| usage())?)?,
        Some(_) => return Err(usage()),
        None if target.contains(':') => {
            let (pid, inode) = procdir::parse_pid(target).map_err(|_| usage())?;
            ProcDir::open(pid, inode)?
        }
        None => {
            let pid = c_pid(target).ok_or_else(usage)?;
            ProcDir::open(Pid::from_raw(pid), None).map_err(|_| {
                say(format!(
                    "{name}: Could not open proc directory for target {}",
                    pid as u32
                ))
            })?
        }
    };
    running(&target)?;
    let etc = Path::new(ETC);
    let (ruid, rgid) = (getuid().as_raw(), getgid().as_raw());
    let caller = if ruid == 0 {
        None
    } else {
        let c = Caller::find(etc, ruid, rgid)?
            .ok_or_else(|| say(format!("{name}: Cannot determine your user name.")))?;
        let (st_uid, st_gid) = target.owner().map_err(|_| {
            say(format!(
                "{name}: Could not stat directory for target {}",
                target.pid()
            ))
        })?;
        let grant = subid::grant_aux_group_subids(etc)?;
        if !c.gid_allowed(grant) || c.user.id != st_uid || rgid != st_gid {
            let what = match which {
                Which::Uid => "Target process",
                Which::Gid => "Target",
            };
            return Err(say(format!(
                "{name}: {what} {} is owned by a different user: uid:{ruid} pw_uid:{} \
                 st_uid:{st_uid}, gid:{rgid} pw_gid:{} st_gid:{st_gid}",
                target.pid(),
                c.user.id,
                c.user.gid
            )));
        }
        let lines = c.subids(etc, which)?;
        Some((c, lines))
    };

    // The ranges: whole triples, each number read and checked in turn.
    let (n, count) = (rest.len(), rest.len().div_ceil(3));
    if count * 3 > n {
        return Err(say(format!(
            "ranges: {count} argc: {n}\n{name}: Not enough arguments to form {count} mappings\n\
             {usage_line}"
        )));
    }
    let mut ranges = Vec::new();
    for t in rest.chunks(3) {
        let mut v = [0u64; 3];
        for (slot, text) in v.iter_mut().zip(t) {
            *slot = c_ulong(text).ok_or_else(usage)?;
        }
        let [upper, lower, count] = v;
        let max = u64::from(u32::MAX);
        if upper > max || lower > max || count > max || upper + count > max || lower + count > max {
            return Err(say(format!("{name}: subuid overflow detected.")));
        }
        ranges.push(Range::new(upper as u32, lower as u32, count as u32));
    }
    let mut from_file = false;
    if let Some((c, lines)) = &caller {
        for r in &ranges {
            if r.count > 0 && subid::covered(lines, r.outer, r.count) {
                from_file = true;
            } else if !(r.count == 1 && r.outer == c.own(which)) {
                let end = |s: u32| u64::from(s) + u64::from(r.count);
                return Err(say(format!(
                    "{name}: {w} range [{}-{}) -> [{}-{}) not allowed",
                    r.inner,
                    end(r.inner),
                    r.outer,
                    end(r.outer)
                )));
            }
        }
    }
    // What the kernel would refuse, refused before anything is written, in the words shadow
    // prints when the kernel refuses it.
    let file = which.map_file();
    if ranges.is_empty() || idmap::validate(&ranges).is_err() {
        return Err(say(format!(
            "{name}: write to {file} failed: Invalid argument"
        )));
    }
    let mut plan = Plan::default();
    match which {
        Which::Uid => plan.uid = Some(ranges),
        Which::Gid => {
            // CVE-2018-7169: only a subgid range lets the namespace keep setgroups.
            if caller.is_some() && !from_file {
                plan.setgroups = Some(Setgroups::Deny);
            }
            plan.gid = Some(ranges);
        }
    }
    if caller.is_some() {
        lock_down(ruid, &plan)?;
    }
    write(&target, &plan, Voice::Shadow(name))?;
    Ok(0)
}

/// Print `text` (shadow's words, some lines of which carry no tool name) as it is, and fail
/// with status 1 without another word.
fn say(text: String) -> Error {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{text}");
    Error::silent(1)
}

/// A pid as shadow's `get_pid` reads it: C's `strtoll` in base 10 (leading white space and a
/// sign allowed), up to the end, within `pid_t`.
fn c_pid(text: &str) -> Option<i32> {
    let t = text.trim_start_matches(|c: char| c == ' ' || ('\t'..='\r').contains(&c));
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if !procdir::is_number(digits) {
        return None;
    }
    let v: i64 = digits.parse().ok()?;
    i32::try_from(if neg { -v } else { v }).ok()
}

/// The maps to write, checked.
#[derive(Debug, Default)]
struct Plan {
    uid: Option<Vec<Range>>,
    setgroups: Option<Setgroups>,
    gid: Option<Vec<Range>>,
}

fn execute(req: &Request) -> Result<i32> {
    let etc = Path::new(ETC);
    let (ruid, rgid) = (getuid().as_raw(), getgid().as_raw());
    let privileged = ruid == 0;
    let target = match req.target {
        Some((pid, inode)) => ProcDir::open(pid, inode)?,
        None => return Err(Error::usage("no process specified")),
    };
    if writes(req) {
        running(&target)?;
    }
    let caller = if privileged {
        None
    } else {
        let grant = subid::grant_aux_group_subids(etc)?;
        let c = Caller::lookup(etc, ruid, rgid, grant)?;
        let (uid, gid) = target.owner()?;
        c.check_owner(target.label(), uid, gid)?;
        Some(c)
    };

    let mut plan = Plan {
        setgroups: req.setgroups,
        ..Plan::default()
    };
    for which in [Which::Uid, Which::Gid] {
        let own = match which {
            Which::Uid => ruid,
            Which::Gid => rgid,
        };
        let Some(ranges) = ranges_for(req, which, own, etc, caller.as_ref())? else {
            continue;
        };
        let file = format!("{}/{}", target.label(), which.map_file());
        subid::check_overflow(which, &ranges)?;
        idmap::validate(&ranges).map_err(|e| Error::new(format!("{file}: {e}")))?;
        if let Some(c) = &caller {
            let subid_file = which.subid_file(etc);
            let lines = c.subids(etc, which)?;
            let from_file = c.check_ranges(which, &subid_file, &lines, &ranges)?;
            if which == Which::Gid && !from_file {
                // CVE-2018-7169: only a subgid range lets the namespace keep setgroups.
                if req.setgroups == Some(Setgroups::Allow) {
                    return Err(Error::new(format!(
                        "--setgroups=allow refused: no range of {file} is from {}",
                        subid_file.display()
                    )));
                }
                plan.setgroups = Some(Setgroups::Deny);
            }
        }
        match which {
            Which::Uid => plan.uid = Some(ranges),
            Which::Gid => plan.gid = Some(ranges),
        }
    }

    if !privileged {
        lock_down(ruid, &plan)?;
    }
    write(&target, &plan, Voice::Ours)?;
    if req.show {
        show(&target)?;
    }
    Ok(0)
}

/// Become the unprivileged caller `ruid` with only the capabilities writing `plan` needs.
fn lock_down(ruid: u32, plan: &Plan) -> Result<()> {
    let mut keep = 0u64;
    if let Some(uid) = &plan.uid {
        keep |= 1 << caps::CAP_SETUID;
        if uid.iter().any(|r| r.outer == 0) {
            keep |= 1 << caps::CAP_SETFCAP;
        }
    }
    if plan.gid.is_some() {
        keep |= 1 << caps::CAP_SETGID;
    }
    caps::lockdown(ruid, keep)
}

/// The ranges of one map, from the request: `--uid`/`--gid`, the
/// `--auto` lines and the single `--map-root` mapping combined as util-linux does. `None`: this
/// map is not written.
fn ranges_for(
    req: &Request,
    which: Which,
    own: u32,
    etc: &Path,
    caller: Option<&Caller>,
) -> Result<Option<Vec<Range>>> {
    let explicit = match which {
        Which::Uid => &req.uid,
        Which::Gid => &req.gid,
    };
    let mut pending: Vec<Pending> = explicit.iter().map(|r| Pending::from(*r)).collect();
    if req.auto {
        let lines = match caller {
            Some(c) => c.subids(etc, which)?,
            None => {
                let me = crate::users::user_by_id(etc, getuid().as_raw())?.ok_or_else(|| {
                    Error::new(format!(
                        "cannot determine your user name: uid {} is not in {}/passwd",
                        getuid(),
                        etc.display()
                    ))
                })?;
                subid::subids(&which.subid_file(etc), &me.name, me.id)?
            }
        };
        if lines.is_empty() {
            return Err(Error::new(format!(
                "--auto: you have no line in {}",
                which.subid_file(etc).display()
            )));
        }
        // The lines one after the other from 0 inside; the single mapping then carves id 0.
        let mut next = 0u64;
        for l in lines {
            let inner = u32::try_from(next).map_err(|_| {
                Error::new(format!(
                    "--auto: the lines of {} add up past 2^32",
                    which.subid_file(etc).display()
                ))
            })?;
            pending.push(Pending {
                inner: Some(inner),
                outer: l.start,
                count: l.count,
            });
            next += u64::from(l.count);
        }
    }
    let single = (req.map_root || req.auto).then_some(0);
    if pending.is_empty() && single.is_none() {
        return Ok(None);
    }
    Ok(Some(idmap::with_single(&pending, own, single)))
}

/// How failures are worded: ours, or shadow's own words under its name.
#[derive(Clone, Copy)]
enum Voice {
    Ours,
    Shadow(&'static str),
}

/// Write the plan through the held directory: `uid_map`, `setgroups`, `gid_map`, each in one
/// write. `setgroups` is left alone when it already has the wanted value (it can only go from
/// allow to deny, and not once `gid_map` is written).
fn write(target: &ProcDir, plan: &Plan, voice: Voice) -> Result<()> {
    if plan.uid.is_none() && plan.gid.is_none() && plan.setgroups.is_none() {
        return Ok(());
    }
    // A map once written cannot be taken back: the signals that would end us wait until all
    // are written, and one that came before the first ends us before any is.
    let section = Section::enter()?;
    running(target)?;
    if let Some(sig) = section.interrupted()? {
        return Err(Error::new(format!(
            "interrupted by {}",
            critical::signal_name(sig)
        )));
    }
    if let Some(uid) = &plan.uid {
        write_map(target, "uid_map", &idmap::render(uid), voice)?;
    }
    if let Some(sg) = plan.setgroups {
        write_setgroups(target, sg, voice)?;
    }
    if let Some(gid) = &plan.gid {
        write_map(target, "gid_map", &idmap::render(gid), voice)?;
    }
    Ok(())
}

/// The errno of a failed step, as C's `strerror` words it.
fn strerror(e: &Error) -> &'static str {
    e.errno().map_or("Unknown error", |e| e.desc())
}

fn write_map(target: &ProcDir, file: &str, text: &str, voice: Voice) -> Result<()> {
    let Voice::Shadow(name) = voice else {
        return idmap::write_file(target, file, text);
    };
    let fd = target
        .open_at(file, OFlag::O_WRONLY | OFlag::O_NOCTTY)
        .map_err(|e| say(format!("{name}: open of {file} failed: {}", strerror(&e))))?;
    match nix::unistd::write(&fd, text.as_bytes()) {
        Ok(n) if n == text.len() => Ok(()),
        Ok(_) => Err(say(format!("{name}: write to {file} failed: short write"))),
        Err(e) => Err(say(format!("{name}: write to {file} failed: {}", e.desc()))),
    }
}

fn write_setgroups(target: &ProcDir, sg: Setgroups, voice: Voice) -> Result<()> {
    let Voice::Shadow(name) = voice else {
        if target.read("setgroups")?.trim() != sg.as_str() {
            idmap::write_file(target, "setgroups", sg.as_str())?;
        }
        return Ok(());
    };
    let open = |flags| {
        target.open_at("setgroups", flags).map_err(|e| {
            say(format!(
                "{name}: couldn't open process setgroups: {}",
                strerror(&e)
            ))
        })
    };
    let fd = match target.open_at("setgroups", OFlag::O_RDONLY) {
        // A kernel without setgroups (before 3.19): shadow warns and goes on.
        Err(e) if e.errno() == Some(nix::errno::Errno::ENOENT) => {
            let _ = say(format!(
                "{name}: kernel doesn't support setgroups restrictions"
            ));
            return Ok(());
        }
        _ => open(OFlag::O_RDONLY)?,
    };
    let mut now = [0u8; 64];
    let n = nix::unistd::read(&fd, &mut now)
        .map_err(|e| say(format!("{name}: failed to read setgroups: {}", e.desc())))?;
    let policy = format!("{}\n", sg.as_str());
    if now[..n].starts_with(policy.as_bytes()) {
        return Ok(());
    }
    let fd = open(OFlag::O_WRONLY)?;
    nix::unistd::write(&fd, policy.as_bytes())
        .map(drop)
        .map_err(|e| {
            say(format!(
                "{name}: failed to setgroups {policy} policy: {}",
                e.desc()
            ))
        })
}

/// Whether the request writes anything (rather than only showing the maps).
fn writes(req: &Request) -> bool {
    req.auto
        || req.map_root
        || !req.uid.is_empty()
        || !req.gid.is_empty()
        || req.setgroups.is_some()
}

/// Refuse a target that has ended: gone, or a zombie, whose maps the kernel would still let us
/// write into a user namespace other processes may share, although the target will never use
/// them (nsenter refuses zombies the same way).
fn running(target: &ProcDir) -> Result<()> {
    match target.state()? {
        State::Running => Ok(()),
        State::Zombie => Err(Error::new(format!(
            "target process {} is a zombie: it has exited, its maps are not written",
            target.pid()
        ))),
        State::Gone => Err(Error::sys(
            format!("target process {}", target.label()),
            nix::errno::Errno::ESRCH,
        )),
    }
}

/// `--show`: one `uid INNER:OUTER:COUNT` / `gid …` line per range, then `setgroups VALUE`.
fn show(target: &ProcDir) -> Result<()> {
    let mut out = String::new();
    for which in [Which::Uid, Which::Gid] {
        for r in idmap::parse_kernel_map(&target.read(which.map_file())?) {
            out.push_str(&format!("{} {r}\n", which.name()));
        }
    }
    out.push_str(&format!("setgroups {}\n", target.read("setgroups")?.trim()));
    cli::print(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(args: &[&str]) -> Result<Request> {
        let mut v: Vec<OsString> = vec!["nsidmap".into()];
        v.extend(args.iter().map(OsString::from));
        parse(v)
    }

    #[test]
    fn options() {
        let r = req(&["-u", "0:1000:1", "--gid=0:1000:1", "--map-r", "42:7"]).unwrap();
        assert_eq!(r.uid.len(), 1);
        assert_eq!(r.gid.len(), 1);
        assert!(r.map_root && !r.auto);
        assert!(matches!(r.target, Some((p, Some(7))) if p.as_raw() == 42));
        let e = req(&["42"]).unwrap_err();
        assert!(e.is_usage() && e.to_string().starts_with("nothing to do"));
        assert_eq!(
            req(&["-u", "0:1:x", "42"]).unwrap_err().to_string(),
            "invalid mapping '0:1:x'"
        );
        assert!(req(&["--show", "1", "2"]).unwrap_err().is_usage());
        assert!(req(&["--show"]).unwrap_err().is_usage());
    }

    #[test]
    fn numbers_as_c_reads_them() {
        for (text, want) in [
            ("1000", Some(1000)),
            ("  +1000", Some(1000)),
            ("\t0x3e8", Some(1000)),
            ("0X3E8", Some(1000)),
            ("01750", Some(1000)),
            ("0", Some(0)),
            ("-1", Some(u64::MAX)),
            ("18446744073709551615", Some(u64::MAX)),
            ("18446744073709551616", None),
            ("", None),
            (" ", None),
            ("0x", None),
            ("08", None),
            ("1x", None),
            ("10 ", None),
            ("--1", None),
        ] {
            assert_eq!(c_ulong(text), want, "{text:?}");
        }
        for (text, want) in [
            ("42", Some(42)),
            (" -7", Some(-7)),
            ("+0", Some(0)),
            ("2147483648", None),
            ("0x10", None),
            ("", None),
            ("4 2", None),
        ] {
            assert_eq!(c_pid(text), want, "{text:?}");
        }
    }

    #[test]
    fn every_option_of_the_table_is_parsed() {
        cli::each_flag(&TOOL, |argv| drop(parse(argv)));
    }

    #[test]
    fn auto_and_root_combine_like_unshare() {
        let r = Request {
            map_root: true,
            uid: vec![Range {
                inner: 0,
                outer: 100000,
                count: 10,
            }],
            ..Request::default()
        };
        let got = ranges_for(&r, Which::Uid, 1000, Path::new("/nonexistent"), None)
            .unwrap()
            .unwrap();
        assert_eq!(idmap::render(&got), "0 1000 1\n1 100000 9\n");
        assert!(ranges_for(&r, Which::Gid, 1000, Path::new("/x"), None)
            .unwrap()
            .is_some());
        // --auto: every line of the caller, one after the other inside, the caller carved at 0.
        let d = crate::testutil::TempDir::new("nsidmap-auto");
        std::fs::write(d.path().join("passwd"), "al:x:1000:1000::/:/bin/sh\n").unwrap();
        std::fs::write(
            d.path().join("subuid"),
            "al:100000:10\nbob:5:5\n1000:300000:5\n",
        )
        .unwrap();
        std::fs::write(d.path().join("subgid"), "bob:5:5\n").unwrap();
        let al = Caller::lookup(d.path(), 1000, 1000, false).unwrap();
        let auto = Request {
            auto: true,
            ..Request::default()
        };
        let got = ranges_for(&auto, Which::Uid, 1000, d.path(), Some(&al))
            .unwrap()
            .unwrap();
        assert_eq!(idmap::render(&got), "0 1000 1\n1 100000 9\n10 300000 5\n");
        let e = ranges_for(&auto, Which::Gid, 1000, d.path(), Some(&al)).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("--auto: you have no line in {}/subgid", d.path().display())
        );
        let none = Request::default();
        assert!(ranges_for(&none, Which::Gid, 1000, Path::new("/x"), None)
            .unwrap()
            .is_none());
    }
}

/// shadow's number parsing against the C library's own `strtoul`/`strtoll`, which shadow calls.
#[cfg(test)]
mod prop {
    use super::{c_pid, c_ulong};
    use proptest::prelude::*;

    /// shadow's `getulong`: `strtoul(s, &end, 0)`, refused when empty, not read to the end, or
    /// out of range.
    fn getulong(s: &str) -> Option<u64> {
        let c = std::ffi::CString::new(s).ok()?;
        let mut end: *mut libc::c_char = std::ptr::null_mut();
        // SAFETY: `c` is a NUL-terminated string that outlives the call; `end` is ours. errno
        // is read through the C library's own location, cleared first.
        unsafe {
            *libc::__errno_location() = 0;
            let v = libc::strtoul(c.as_ptr(), &mut end, 0);
            let erange = *libc::__errno_location() == libc::ERANGE;
            (!s.is_empty() && *end == 0 && !erange).then_some(v as u64)
        }
    }

    /// shadow's `get_pid`: `strtoll(s, &end, 10)` within `pid_t`.
    fn get_pid(s: &str) -> Option<i32> {
        let c = std::ffi::CString::new(s).ok()?;
        let mut end: *mut libc::c_char = std::ptr::null_mut();
        // SAFETY: as in `getulong`.
        unsafe {
            *libc::__errno_location() = 0;
            let v = libc::strtoll(c.as_ptr(), &mut end, 10);
            let erange = *libc::__errno_location() == libc::ERANGE;
            if s.is_empty() || *end != 0 || erange {
                return None;
            }
            i32::try_from(v).ok()
        }
    }

    fn numbers() -> impl Strategy<Value = String> {
        let chars: Vec<char> = " \t\n+-0123456789abcdefxXg".chars().collect();
        proptest::collection::vec(proptest::sample::select(chars), 0..24)
            .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn numbers_read_as_strtoul_reads_them(t in prop_oneof![numbers(), any::<u64>().prop_map(|n| n.to_string())]) {
            prop_assert_eq!(c_ulong(&t), getulong(&t), "{:?}", t);
        }

        #[test]
        fn pids_read_as_strtoll_reads_them(t in prop_oneof![numbers(), any::<i64>().prop_map(|n| n.to_string())]) {
            prop_assert_eq!(c_pid(&t), get_pid(&t), "{:?}", t);
        }
    }
}
