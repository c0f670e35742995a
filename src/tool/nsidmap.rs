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

use nix::unistd::{getgid, getuid, Pid};

use crate::cli::{self, Arg, Args, Flag, Group, Hint, Tool};
use crate::error::{Error, Result};
use crate::idmap::{self, Pending, Range, Setgroups};
use crate::procdir::{self, ProcDir};
use crate::subid::{self, Caller, Which};

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

/// Which process.
#[derive(Clone, Copy, Debug)]
enum Target {
    Pid(Pid, Option<u64>),
    Fd(u32),
}

/// What to do.
#[derive(Debug, Default)]
struct Request {
    target: Option<Target>,
    uid: Vec<Range>,
    gid: Vec<Range>,
    auto: bool,
    map_root: bool,
    setgroups: Option<Setgroups>,
    show: bool,
    /// Called as newuidmap/newgidmap: the ranges exactly as given (no --auto, no carving).
    shadow: bool,
}

pub fn main(args: impl IntoIterator<Item = OsString>) -> ! {
    subid::sanitize();
    let args: Vec<OsString> = args.into_iter().collect();
    let called = args
        .first()
        .and_then(|a| Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned());
    match called.as_deref() {
        Some(name @ "newuidmap") => cli::exit(name, shadow(name, Which::Uid, args)),
        Some(name @ "newgidmap") => cli::exit(name, shadow(name, Which::Gid, args)),
        _ => cli::exit(NAME, run(args)),
    }
}

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
                let (pid, inode) = procdir::parse_pid(&v.to_string_lossy())?;
                req.target = Some(Target::Pid(pid, inode));
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

/// newuidmap/newgidmap: `PID|fd:N INNER OUTER COUNT [INNER OUTER COUNT]...`, every failure
/// exit status 1, as shadow.
fn shadow(name: &str, which: Which, args: Vec<OsString>) -> Result<i32> {
    let usage = || {
        Error::new(format!(
            "usage: {name} <pid>|fd:<fd> <{w}> <lower{w}> <count> [<{w}> <lower{w}> <count>]...",
            w = which.name()
        ))
    };
    let args: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_str().map(str::to_string).ok_or_else(usage))
        .collect::<Result<_>>()?;
    match args.first().map(String::as_str) {
        Some("-h" | "--help") => return cli::print(&format!("{}\n", usage())).map(|()| 0),
        Some("-V" | "--version") => return cli::version(name),
        _ => {}
    }
    let Some((target, rest)) = args.split_first() else {
        return Err(usage());
    };
    let target = match target.strip_prefix("fd:").filter(|n| !n.is_empty()) {
        Some(n) => Target::Fd(
            n.parse()
                .ok()
                .filter(|_| procdir::is_number(n))
                .ok_or_else(usage)?,
        ),
        None => {
            let (pid, inode) = procdir::parse_pid(target)?;
            Target::Pid(pid, inode)
        }
    };
    if rest.is_empty() || rest.len() % 3 != 0 {
        return Err(usage());
    }
    let mut ranges = Vec::new();
    for t in rest.chunks(3) {
        let mut n = [0u32; 3];
        for (slot, text) in n.iter_mut().zip(t) {
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::new(format!("invalid number '{text}'")));
            }
            *slot = text.parse().map_err(|_| {
                Error::new(format!(
                    "{} range {} {} {} not allowed: ids past 4294967294",
                    which.name(),
                    t[0],
                    t[1],
                    t[2]
                ))
            })?;
        }
        ranges.push(Range {
            inner: n[0],
            outer: n[1],
            count: n[2],
        });
    }
    let mut req = Request {
        target: Some(target),
        shadow: true,
        ..Request::default()
    };
    match which {
        Which::Uid => req.uid = ranges,
        Which::Gid => req.gid = ranges,
    }
    execute(&req)
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
        Some(Target::Pid(pid, inode)) => ProcDir::open(pid, inode)?,
        Some(Target::Fd(fd)) => ProcDir::from_fd(fd)?,
        None => return Err(Error::usage("no process specified")),
    };
    let caller = if privileged {
        None
    } else {
        let c = Caller::lookup(etc, ruid, rgid)?;
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
        let mut keep = 0u64;
        if let Some(uid) = &plan.uid {
            keep |= 1 << subid::CAP_SETUID;
            if uid.iter().any(|r| r.outer == 0) {
                keep |= 1 << subid::CAP_SETFCAP;
            }
        }
        if plan.gid.is_some() {
            keep |= 1 << subid::CAP_SETGID;
        }
        subid::lockdown(ruid, keep)?;
    }
    write(&target, &plan)?;
    if req.show {
        show(&target)?;
    }
    Ok(0)
}

/// The ranges of one map, from the request: shadow's exact ranges, or `--uid`/`--gid`, the
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
    if req.shadow {
        return Ok((!explicit.is_empty()).then(|| explicit.clone()));
    }
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
                idmap::subids(&which.subid_file(etc), &me.name, me.id)?
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

/// Write the plan through the held directory: `uid_map`, `setgroups`, `gid_map`, each in one
/// write. `setgroups` is left alone when it already has the wanted value (it can only go from
/// allow to deny, and not once `gid_map` is written).
fn write(target: &ProcDir, plan: &Plan) -> Result<()> {
    if plan.uid.is_none() && plan.gid.is_none() && plan.setgroups.is_none() {
        return Ok(());
    }
    target.alive()?;
    let (dir, label) = (target.dir(), target.label());
    if let Some(uid) = &plan.uid {
        idmap::write_file(dir, label, "uid_map", &idmap::render(uid))?;
    }
    if let Some(sg) = plan.setgroups {
        if target.read("setgroups")?.trim() != sg.as_str() {
            idmap::write_file(dir, label, "setgroups", sg.as_str())?;
        }
    }
    if let Some(gid) = &plan.gid {
        idmap::write_file(dir, label, "gid_map", &idmap::render(gid))?;
    }
    Ok(())
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
        assert!(matches!(r.target, Some(Target::Pid(p, Some(7))) if p.as_raw() == 42));
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
        let al = Caller::lookup(d.path(), 1000, 1000).unwrap();
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
