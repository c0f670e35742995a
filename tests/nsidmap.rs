//! nsidmap: as root (maps written directly, only validated) and as test users through a
//! setuid-root copy (shadow's rules), also under shadow's names newuidmap/newgidmap, driven by
//! util-linux `unshare --map-users` and by our nsunshare. Maps are read back from
//! `/proc/PID/uid_map` of a target process in a new user namespace.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{FakeEtc, Proc, Ran, TempDir};

fn setgroups(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/setgroups"))
        .unwrap()
        .trim()
        .to_string()
}

/// Both maps of `pid` are still empty.
#[track_caller]
fn untouched(pid: u32) {
    assert_eq!(common::map_file(pid, "uid_map"), "", "uid_map was written");
    assert_eq!(common::map_file(pid, "gid_map"), "", "gid_map was written");
}

fn user_ns(pid: &str) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/{pid}/ns/user"))
        .ok()
        .map(|m| m.ino())
}

/// Wait until `p` runs in a user namespace of its own.
fn settled(p: Proc) -> Proc {
    let me = user_ns("self");
    let pid = p.pid().to_string();
    assert!(
        common::wait_for(Duration::from_secs(10), || {
            user_ns(&pid).is_some_and(|n| Some(n) != me)
        }),
        "target never entered its user namespace"
    );
    p
}

/// A target owned by root: `sleep` in a new user namespace.
fn root_target() -> Proc {
    settled(Proc::spawn(
        Command::new("unshare").args(["-U", "sleep", "1000"]),
    ))
}

/// A target owned by the test user `uid`.
fn user_target(etc: &FakeEtc, uid: u32) -> Proc {
    settled(Proc::spawn(
        &mut etc.command_as(uid, &["unshare", "-U", "sleep", "1000"]),
    ))
}

/// A private /etc with users `uids` (named `t<uid>`), each given subordinate ids: by name in
/// subuid, by uid in subgid, 65536 of them from [`sub`]`(uid)`, apart from each other's.
fn fake_etc(uids: &[u32]) -> FakeEtc {
    let etc = FakeEtc::new();
    for &u in uids {
        etc.add_user(&format!("t{u}"), u);
        etc.add_subuid(&format!("t{u}:{}:65536", sub(u)));
        etc.add_subgid(&format!("{u}:{}:65536", sub(u)));
    }
    etc
}

fn sub(uid: u32) -> u32 {
    (uid - 62000) * 100_000 + 1_000_000
}

/// The setuid-root copy, and a `newgidmap` beside a `newuidmap` one.
fn helpers() -> (TempDir, PathBuf) {
    let (dir, path) = common::setuid_copy("nsidmap", "newuidmap");
    std::os::unix::fs::symlink("newuidmap", dir.join("newgidmap")).unwrap();
    std::os::unix::fs::symlink("newuidmap", dir.join("nsidmap")).unwrap();
    let _ = path;
    let p = dir.path().to_path_buf();
    (dir, p)
}

/// Run `tool` of the setuid copy in `dir` as `uid` with `args`, with the private `/etc`.
fn run_copy_as(etc: &FakeEtc, uid: u32, dir: &Path, tool: &str, args: &[String]) -> Ran {
    let mut argv = vec![dir.join(tool).display().to_string()];
    argv.extend(args.iter().cloned());
    common::run(&mut etc.command_as(uid, &argv))
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|a| a.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// As root: written directly, validated only.

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn root_writes_any_valid_maps() {
    if !common::root() {
        return;
    }
    let t = root_target();
    let pid = t.pid().to_string();
    let r = common::tool(
        "nsidmap",
        [
            "-u",
            "0:100000:65536",
            "--uid=70000:5000:10",
            "-g",
            "0:100000:1000",
            "--setgroups=deny",
            "--show",
            &pid,
        ],
    );
    assert_eq!(
        r.ok(),
        "uid 0:100000:65536\nuid 70000:5000:10\ngid 0:100000:1000\nsetgroups deny\n"
    );
    assert_eq!(
        common::map_file(t.pid(), "uid_map"),
        "0 100000 65536\n70000 5000 10\n"
    );
    assert_eq!(common::map_file(t.pid(), "gid_map"), "0 100000 1000\n");
    assert_eq!(setgroups(t.pid()), "deny");
    // Maps are written once: a second write is the kernel's refusal, exit 1.
    let r = common::tool("nsidmap", ["-u", "0:0:1", &pid]);
    assert_eq!(
        r.fails(1),
        format!("nsidmap: write failed /proc/{pid}/uid_map: Operation not permitted")
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn root_map_root_and_show_only() {
    if !common::root() {
        return;
    }
    let t = root_target();
    let pid = t.pid().to_string();
    assert_eq!(
        common::tool("nsidmap", ["--show", &pid]).ok(),
        "setgroups allow\n"
    );
    common::tool("nsidmap", ["-r", &pid]).ok();
    assert_eq!(common::map_file(t.pid(), "uid_map"), "0 0 1\n");
    assert_eq!(common::map_file(t.pid(), "gid_map"), "0 0 1\n");
    // Root keeps setgroups as it is unless asked.
    assert_eq!(setgroups(t.pid()), "allow");
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn root_refuses_invalid_ranges() {
    if !common::root() {
        return;
    }
    let t = root_target();
    let pid = t.pid().to_string();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["-u", "0:100000:10", "-u", "10:100005:10"],
            format!(
                "nsidmap: /proc/{pid}/uid_map: mapping '10:100005:10' overlaps '0:100000:10' outside the namespace"
            ),
        ),
        (
            vec!["-g", "0:100000:10", "-g", "5:200000:10"],
            format!(
                "nsidmap: /proc/{pid}/gid_map: mapping '5:200000:10' overlaps '0:100000:10' inside the namespace"
            ),
        ),
        (
            vec!["-u", "0:4294967290:10"],
            "nsidmap: uid range [0-10) -> [4294967290-4294967300) not allowed: ids past 4294967294"
                .to_string(),
        ),
        (
            vec!["-u", "4294967290:0:6"],
            "nsidmap: uid range [4294967290-4294967296) -> [0-6) not allowed: ids past 4294967294"
                .to_string(),
        ),
        (
            vec!["-u", "0:100000:0"],
            format!("nsidmap: /proc/{pid}/uid_map: invalid mapping '0:100000:0': count is zero"),
        ),
        (vec!["-u", "0:1x:1"], "nsidmap: invalid mapping '0:1x:1'".to_string()),
        (
            vec!["-u", "0:4294967296:1"],
            "nsidmap: invalid mapping '0:4294967296:1'".to_string(),
        ),
        (vec!["-u", "-1:0:1"], "nsidmap: invalid mapping '-1:0:1'".to_string()),
    ];
    for (args, want) in cases {
        let mut argv = args.clone();
        argv.push(&pid);
        let r = common::tool("nsidmap", &argv);
        assert_eq!(r.code, Some(1), "{args:?}: {}", r.stderr);
        assert_eq!(r.fails(1), want, "{args:?}");
    }
    // 341 lines: more than the kernel takes.
    let mut many = Vec::new();
    for i in 0..341 {
        many.push("-u".to_string());
        many.push(format!("{i}:{}:1", 100000 + i));
    }
    many.push(pid.clone());
    let r = common::tool("nsidmap", &many);
    assert_eq!(
        r.fails(1),
        format!(
            "nsidmap: /proc/{pid}/uid_map: too many mappings: 341 (the kernel accepts at most 340)"
        )
    );
    untouched(t.pid());
}

#[test]
fn bad_targets_and_usage() {
    // Needs no privilege: every case fails before any write.
    let mut gone = Command::new("true").spawn().unwrap();
    let dead = gone.id().to_string();
    gone.wait().unwrap();
    let r = common::tool("nsidmap", ["-r", &dead]);
    assert_eq!(
        r.fails(1),
        format!("nsidmap: cannot open process {dead}: No such process")
    );
    let me = std::process::id().to_string();
    let r = common::tool("nsidmap", ["--show", &format!("{me}:1")]);
    assert!(
        r.fails(1).starts_with(&format!(
            "nsidmap: process {me} is not {me}:1 (its pidfd inode is "
        )),
        "{}",
        r.stderr
    );
    for (args, want) in [
        (vec!["-r"], "nsidmap: no process specified"),
        (vec!["1x"], "nsidmap: invalid process '1x'"),
        (
            vec!["--bogus", "1"],
            "nsidmap: unrecognized option '--bogus'",
        ),
        (
            vec!["--setgroups=maybe", "1"],
            "nsidmap: unsupported --setgroups argument 'maybe'",
        ),
    ] {
        let r = common::tool("nsidmap", &args);
        let err = r.fails(1);
        assert_eq!(err.lines().next().unwrap(), want, "{args:?}");
    }
    let r = common::tool("nsidmap", ["--bogus", "1"]);
    assert_eq!(
        r.stderr,
        "nsidmap: unrecognized option '--bogus'\nTry 'nsidmap --help' for more information.\n"
    );
    assert!(common::tool("nsidmap", ["--help"])
        .ok()
        .starts_with("Usage:\n nsidmap [options]"));
    assert_eq!(
        common::tool("nsidmap", ["-V"]).ok(),
        format!("nsidmap from nstools {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn root_through_shadow_names_and_multicall() {
    if !common::root() {
        return;
    }
    let t = root_target();
    let pid = t.pid().to_string();
    let dir = TempDir::new("names");
    let nstools = common::bin("nstools");
    std::os::unix::fs::symlink(&nstools, dir.join("newgidmap")).unwrap();
    // `nstools newuidmap ARGS` and a symlink named newgidmap to the multicall binary.
    let r = common::run(Command::new(&nstools).args([
        "newuidmap",
        &pid,
        "0",
        "1000",
        "1",
        "1",
        "200000",
        "10",
    ]));
    r.ok();
    let r = common::run(Command::new(dir.join("newgidmap")).args([&pid, "0", "1000", "1"]));
    r.ok();
    assert_eq!(
        common::map_file(t.pid(), "uid_map"),
        "0 1000 1\n1 200000 10\n"
    );
    assert_eq!(common::map_file(t.pid(), "gid_map"), "0 1000 1\n");
    // shadow's syntax errors, in shadow's words (the usage line has no tool name in front and a
    // blank at its end), exit 1.
    let newgidmap = |args: &[&str]| common::run(Command::new(dir.join("newgidmap")).args(args));
    let usage =
        "usage: newgidmap <pid> <gid> <lowergid> <count> [ <gid> <lowergid> <count> ] ... \n";
    for args in [
        vec![],
        vec!["1x"],
        vec!["fd:x", "0", "0", "1"],
        vec![pid.as_str(), "0", "1x", "1"],
        vec![pid.as_str(), "0", "", "1"],
    ] {
        let r = newgidmap(&args);
        assert_eq!((r.code, r.stderr.as_str()), (Some(1), usage), "{args:?}");
    }
    let r = newgidmap(&[&pid, "0", "1"]);
    assert_eq!(
        (r.code, r.stderr),
        (
            Some(1),
            format!(
                "ranges: 1 argc: 2\nnewgidmap: Not enough arguments to form 1 mappings\n{usage}"
            )
        )
    );
    for (args, want) in [
        (vec!["0", "1", "4294967296"], "subuid overflow detected."),
        (vec!["0", "4294967295", "1"], "subuid overflow detected."),
        (vec!["0", "-1", "1"], "subuid overflow detected."),
        (vec![], "write to gid_map failed: Invalid argument"),
        (
            vec!["0", "5", "1", "0", "6", "1"],
            "write to gid_map failed: Invalid argument",
        ),
        (
            vec!["0", "5", "1"],
            "write to gid_map failed: Operation not permitted",
        ),
    ] {
        let r = newgidmap(&[&[pid.as_str()][..], &args].concat());
        assert_eq!(r.fails(1), format!("newgidmap: {want}"), "{args:?}");
    }
    let r = newgidmap(&["99999999", "0", "5", "1"]);
    assert_eq!(
        r.fails(1),
        "newgidmap: Could not open proc directory for target 99999999"
    );
    // Numbers as C reads them: hexadecimal, octal, blanks and signs.
    let t = root_target();
    let r = common::run(Command::new(dir.join("newgidmap")).args([
        &format!(" {}", t.pid()),
        "0",
        "0x3e8",
        "+1",
        "1",
        " 01750",
        "0",
    ]));
    assert_eq!(
        r.fails(1),
        "newgidmap: write to gid_map failed: Invalid argument"
    );
    common::run(Command::new(dir.join("newgidmap")).args([
        &format!("+{}", t.pid()),
        "0",
        "0x3e8",
        "+1",
        "1",
        " 01751",
        "2",
    ]))
    .ok();
    assert_eq!(common::map_file(t.pid(), "gid_map"), "0 1000 1\n1 1001 2\n");
}

// ---------------------------------------------------------------------------------------------
// Unprivileged, through a setuid-root copy.

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn user_maps_own_and_subordinate_ranges() {
    if !common::root() {
        return;
    }
    let u = 62001;
    let etc = fake_etc(&[u]);
    let (_guard, dir) = helpers();
    let t = user_target(&etc, u);
    let pid = t.pid().to_string();
    let r = run_copy_as(
        &etc,
        u,
        &dir,
        "nsidmap",
        &s(&[
            "-u",
            &format!("0:{u}:1"),
            "-u",
            &format!("1:{}:65536", sub(u)),
            "-g",
            &format!("0:{}:100", sub(u) + 10),
            &pid,
        ]),
    );
    r.ok();
    assert_eq!(r.stderr, "");
    assert_eq!(
        common::map_file(t.pid(), "uid_map"),
        format!("0 {u} 1\n1 {} 65536\n", sub(u))
    );
    assert_eq!(
        common::map_file(t.pid(), "gid_map"),
        format!("0 {} 100\n", sub(u) + 10)
    );
    // A subgid range was mapped: setgroups stays allowed.
    assert_eq!(setgroups(t.pid()), "allow");
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn user_auto_and_map_root() {
    if !common::root() {
        return;
    }
    let u = 62002;
    let etc = fake_etc(&[u]);
    let (_guard, dir) = helpers();
    let t = user_target(&etc, u);
    run_copy_as(
        &etc,
        u,
        &dir,
        "nsidmap",
        &s(&["--auto", &t.pid().to_string()]),
    )
    .ok();
    let want = format!("0 {u} 1\n1 {} 65535\n", sub(u));
    assert_eq!(common::map_file(t.pid(), "uid_map"), want);
    assert_eq!(common::map_file(t.pid(), "gid_map"), want);
    assert_eq!(setgroups(t.pid()), "allow");

    // --map-root alone: the own ids, and setgroups denied (CVE-2018-7169).
    let t = user_target(&etc, u);
    let r = run_copy_as(
        &etc,
        u,
        &dir,
        "nsidmap",
        &s(&["-r", "--show", &t.pid().to_string()]),
    );
    assert_eq!(
        r.ok(),
        format!("uid 0:{u}:1\ngid 0:{u}:1\nsetgroups deny\n")
    );
    assert_eq!(setgroups(t.pid()), "deny");
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn user_forbidden_cases_leave_maps_empty() {
    if !common::root() {
        return;
    }
    let (u, other) = (62003, 62004);
    let etc = fake_etc(&[u, other]);
    let (_guard, dir) = helpers();
    let t = user_target(&etc, u);
    let pid = t.pid().to_string();
    let subuid = "/etc/subuid";
    let outside = |tool: &str, which: &str, range: &str, file: &str, own: u32| {
        format!(
            "{tool}: {which} range {range} not allowed: not within the lines of 't{u}' in {file} nor your own {which} {own}"
        )
    };
    let sub_u = sub(u);
    let cases: Vec<(Vec<String>, String)> = vec![
        // Outside the subuid lines; one past their end; someone else's lines.
        (
            s(&["-u", "0:500:1"]),
            outside("nsidmap", "uid", "[0-1) -> [500-501)", subuid, u),
        ),
        (
            s(&["-u", &format!("0:{sub_u}:65537")]),
            outside(
                "nsidmap",
                "uid",
                &format!("[0-65537) -> [{sub_u}-{})", sub_u + 65537),
                subuid,
                u,
            ),
        ),
        (
            s(&["-g", &format!("0:{}:1", sub(other))]),
            outside(
                "nsidmap",
                "gid",
                &format!("[0-1) -> [{}-{})", sub(other), sub(other) + 1),
                "/etc/subgid",
                u,
            ),
        ),
        // The own uid, but more than one.
        (
            s(&["-u", &format!("0:{u}:2")]),
            outside("nsidmap", "uid", &format!("[0-2) -> [{u}-{})", u + 2), subuid, u),
        ),
        // Overlapping ranges, each allowed alone.
        (
            s(&["-u", &format!("0:{sub_u}:10"), "-u", &format!("10:{}:10", sub_u + 5)]),
            format!(
                "nsidmap: /proc/{pid}/uid_map: mapping '10:{}:10' overlaps '0:{sub_u}:10' outside the namespace",
                sub_u + 5
            ),
        ),
        // Overflow, malformed numbers.
        (
            s(&["-u", "0:4294967295:1"]),
            "nsidmap: uid range [0-1) -> [4294967295-4294967296) not allowed: ids past 4294967294"
                .into(),
        ),
        (
            s(&["-u", "0:99999999999:1"]),
            "nsidmap: invalid mapping '0:99999999999:1'".into(),
        ),
        (s(&["-g", "0:1e3:1"]), "nsidmap: invalid mapping '0:1e3:1'".into()),
        // setgroups may only stay allowed with a subgid range.
        (
            s(&["-g", &format!("0:{u}:1"), "--setgroups=allow"]),
            format!("nsidmap: --setgroups=allow refused: no range of /proc/{pid}/gid_map is from /etc/subgid"),
        ),
        // Under shadow's names.
    ];
    for (mut args, want) in cases {
        args.push(pid.clone());
        let r = run_copy_as(&etc, u, &dir, "nsidmap", &args);
        assert_eq!(r.code, Some(1), "{args:?}: {}", r.stderr);
        assert_eq!(r.fails(1), want, "{args:?}");
    }
    // Under shadow's names, in shadow's words.
    let r = run_copy_as(&etc, u, &dir, "newuidmap", &s(&[&pid, "0", "500", "1"]));
    assert_eq!(
        r.fails(1),
        "newuidmap: uid range [0-1) -> [500-501) not allowed"
    );
    let r = run_copy_as(&etc, u, &dir, "newgidmap", &s(&[&pid, "0", "0", "1"]));
    assert_eq!(
        r.fails(1),
        "newgidmap: gid range [0-1) -> [0-1) not allowed"
    );
    untouched(t.pid());
    assert_eq!(setgroups(t.pid()), "allow");

    // A target owned by another user, even with ranges that are the caller's.
    let theirs = user_target(&etc, other);
    let tp = theirs.pid().to_string();
    let r = run_copy_as(
        &etc,
        u,
        &dir,
        "nsidmap",
        &s(&["-u", &format!("0:{u}:1"), &tp]),
    );
    assert_eq!(
        r.fails(1),
        format!(
            "nsidmap: target process /proc/{tp} is owned by {other}:{other}, not by you ({u}:{u})"
        )
    );
    let r = run_copy_as(
        &etc,
        u,
        &dir,
        "newuidmap",
        &s(&[&tp, "0", &u.to_string(), "1"]),
    );
    assert_eq!(
        r.fails(1),
        format!(
            "newuidmap: Target process {tp} is owned by a different user: uid:{u} pw_uid:{u} \
             st_uid:{other}, gid:{u} pw_gid:{u} st_gid:{other}"
        )
    );
    // Root's own processes too.
    let roots = root_target();
    let rp = roots.pid().to_string();
    let r = run_copy_as(
        &etc,
        u,
        &dir,
        "nsidmap",
        &s(&["-u", &format!("0:{u}:1"), &rp]),
    );
    assert_eq!(
        r.fails(1),
        format!("nsidmap: target process /proc/{rp} is owned by 0:0, not by you ({u}:{u})")
    );
    untouched(theirs.pid());
    untouched(roots.pid());

    // A target that exited.
    let gone = user_target(&etc, u);
    let gp = gone.pid().to_string();
    drop(gone);
    let r = run_copy_as(&etc, u, &dir, "nsidmap", &s(&["-r", &gp]));
    assert_eq!(
        r.fails(1),
        format!("nsidmap: cannot open process {gp}: No such process")
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn user_not_in_passwd_or_wrong_gid() {
    if !common::root() {
        return;
    }
    let u = 62005;
    let etc = fake_etc(&[u]);
    let (_guard, dir) = helpers();
    let t = user_target(&etc, u);
    let pid = t.pid().to_string();
    // A uid without a passwd entry.
    let stranger = 62999;
    let r = run_copy_as(&etc, stranger, &dir, "nsidmap", &s(&["-r", &pid]));
    assert_eq!(
        r.fails(1),
        format!("nsidmap: cannot determine your user name: uid {stranger} is not in /etc/passwd")
    );
    // The right uid with another real gid.
    let mut argv = vec![
        "setpriv".to_string(),
        format!("--reuid={u}"),
        "--regid=0".into(),
        "--clear-groups".into(),
        "--".into(),
    ];
    argv.push(dir.join("nsidmap").display().to_string());
    argv.extend(s(&["-r", &pid]));
    let r = common::run(&mut etc.command(&argv));
    assert_eq!(
        r.fails(1),
        format!("nsidmap: your real gid 0 is not the gid {u} of user 't{u}' in /etc/passwd")
    );
    untouched(t.pid());
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn user_shadow_syntax_and_fd_target() {
    if !common::root() {
        return;
    }
    let u = 62006;
    let etc = fake_etc(&[u]);
    let (_guard, dir) = helpers();
    let t = user_target(&etc, u);
    let pid = t.pid().to_string();
    let script = format!(
        "exec 3</proc/{pid} && {d}/newuidmap fd:3 0 {u} 1 1 {sub} 1000 && {d}/newgidmap fd:3 0 {u} 1",
        d = dir.display(),
        sub = sub(u)
    );
    let r = common::run(&mut etc.command_as(u, &["sh", "-c", &script]));
    r.ok();
    assert_eq!(
        common::map_file(t.pid(), "uid_map"),
        format!("0 {u} 1\n1 {} 1000\n", sub(u))
    );
    assert_eq!(common::map_file(t.pid(), "gid_map"), format!("0 {u} 1\n"));
    // newgidmap mapped only the own gid: setgroups denied, as shadow does.
    assert_eq!(setgroups(t.pid()), "deny");
    // fd:N that is not a /proc/PID directory.
    let r = common::run(&mut etc.command_as(
        u,
        &[
            "sh",
            "-c",
            &format!(
                "exec 3</etc/passwd && {}/newuidmap fd:3 0 {u} 1",
                dir.display()
            ),
        ],
    ));
    assert_eq!(
        r.fails(1),
        "newuidmap: fd 3 is not a /proc/PID directory: it is /etc/passwd"
    );
}

/// util-linux's real `unshare`, unprivileged, finds our setuid copy first in PATH under shadow's
/// names.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn util_linux_unshare_uses_our_newuidmap() {
    if !common::root() {
        return;
    }
    let u = 62007;
    let etc = fake_etc(&[u]);
    let (_guard, dir) = helpers();
    let path = format!("PATH={}:/usr/sbin:/usr/bin:/sbin:/bin", dir.display());
    let sub_u = sub(u);
    let argv = [
        "env".to_string(),
        path.clone(),
        "unshare".into(),
        format!("--map-users={sub_u},0,65536"),
        format!("--map-groups={sub_u},0,65536"),
        "sh".into(),
        "-c".into(),
        "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u".into(),
    ];
    let r = common::run(&mut etc.command_as(u, &argv));
    let out = common::map_lines(r.ok());
    let line = format!("0 {sub_u} 65536");
    // The user's own uid is not mapped: it shows as the overflow uid.
    assert_eq!(out, [line.as_str(), line.as_str(), "allow", "65534"]);
    // A range outside the user's lines is refused by our helper (its message), and unshare fails.
    let argv = [
        "env".to_string(),
        path,
        "unshare".into(),
        format!("--map-users={},0,1", sub_u + 65536),
        "true".into(),
    ];
    let r = common::run(&mut etc.command_as(u, &argv));
    assert_ne!(r.code, Some(0));
    assert!(
        r.stderr.contains(&format!(
            "newuidmap: uid range [0-1) -> [{}-{}) not allowed\n",
            sub_u + 65536,
            sub_u + 65537
        )),
        "{}",
        r.stderr
    );
}

/// Our nsunshare, unprivileged, calls newuidmap/newgidmap from PATH: here our setuid copy.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn nsunshare_uses_our_newuidmap() {
    if !common::root() {
        return;
    }
    let u = 62008;
    let etc = fake_etc(&[u]);
    let (_guard, dir) = helpers();
    let sub_u = sub(u);
    let argv = [
        "env".to_string(),
        format!("PATH={}:/usr/sbin:/usr/bin:/sbin:/bin", dir.display()),
        common::bin("nsunshare").display().to_string(),
        format!("--map-users=0:{sub_u}:65536"),
        format!("--map-groups=0:{sub_u}:65536"),
        "--setgroups=deny".into(),
        "sh".into(),
        "-c".into(),
        "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups".into(),
    ];
    let r = common::run(&mut etc.command_as(u, &argv));
    let out = common::map_lines(r.ok());
    let line = format!("0 {sub_u} 65536");
    assert_eq!(out, [line.as_str(), line.as_str(), "deny"]);
    // The README's rootless example: the subordinate ranges, and the user as root.
    let argv = [
        "env".to_string(),
        format!("PATH={}:/usr/sbin:/usr/bin:/sbin:/bin", dir.display()),
        common::bin("nsunshare").display().to_string(),
        "--map-auto".into(),
        "--map-root-user".into(),
        "sh".into(),
        "-c".into(),
        "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u".into(),
    ];
    let r = common::run(&mut etc.command_as(u, &argv));
    let out = common::map_lines(r.ok());
    let (own, rest) = (format!("0 {u} 1"), format!("1 {sub_u} 65535"));
    assert_eq!(out, [&own, &rest, &own, &rest, "allow", "0"]);
}

/// Installed with file capabilities instead of setuid-root: the same rules, the same result.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn user_through_file_capabilities() {
    if !common::root() {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let u = 62009;
    let etc = fake_etc(&[u]);
    let dir = TempDir::new("fcaps");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    common::install(&common::bin("nsidmap"), &dir.join("nsidmap"), 0o755);
    let r = common::run(
        Command::new("setcap")
            .args(["cap_setuid,cap_setgid+ep"])
            .arg(dir.join("nsidmap")),
    );
    r.ok();
    let t = user_target(&etc, u);
    let pid = t.pid().to_string();
    let r = run_copy_as(&etc, u, dir.path(), "nsidmap", &s(&["-u", "0:500:1", &pid]));
    assert_eq!(
        r.fails(1),
        format!(
            "nsidmap: uid range [0-1) -> [500-501) not allowed: not within the lines of 't{u}' in /etc/subuid nor your own uid {u}"
        )
    );
    untouched(t.pid());
    run_copy_as(&etc, u, dir.path(), "nsidmap", &s(&["--auto", &pid])).ok();
    let want = format!("0 {u} 1\n1 {} 65535\n", sub(u));
    assert_eq!(common::map_file(t.pid(), "uid_map"), want);
    assert_eq!(common::map_file(t.pid(), "gid_map"), want);
}

/// shadow's own helpers (installed by the `uidmap` package, Debian's shadow 4.13), or skip
/// (fail under CI) when they are missing.
fn shadow_helpers(test: &str) -> Option<&'static Path> {
    let shadow = Path::new("/usr/bin");
    if shadow.join("newuidmap").exists() {
        return Some(shadow);
    }
    if std::env::var_os("CI").is_some() {
        panic!("{test}: shadow's newuidmap is not installed, and CI is set");
    }
    eprintln!("SKIPPED {test}: /usr/bin/newuidmap not installed");
    None
}

/// One run of `tool ARGS` (`PID` in ARGS is the target) as the user `uid` with real gid `gid`,
/// on a fresh target of `owner` (uid and gid): exit status, stderr with the target's pid
/// written `PID`, the map written and `setgroups`.
fn side(
    etc: &FakeEtc,
    dir: &Path,
    (uid, gid): (u32, u32),
    owner: (u32, u32),
    tool: &str,
    args: &[String],
) -> (Option<i32>, String, String, String) {
    let as_ids = |(u, g): (u32, u32), argv: &[String]| {
        let mut full = vec![
            "setpriv".to_string(),
            format!("--reuid={u}"),
            format!("--regid={g}"),
            "--clear-groups".into(),
            "--".into(),
        ];
        full.extend(argv.iter().cloned());
        etc.command(&full)
    };
    let t = settled(Proc::spawn(&mut as_ids(
        owner,
        &s(&["unshare", "-U", "sleep", "1000"]),
    )));
    let pid = t.pid().to_string();
    let mut argv = vec![dir.join(tool).display().to_string()];
    argv.extend(args.iter().map(|a| a.replace("PID", &pid)));
    let r = common::run(&mut as_ids((uid, gid), &argv));
    let file = if tool == "newuidmap" {
        "uid_map"
    } else {
        "gid_map"
    };
    let stderr = r.stderr.replace(&format!(" {pid} "), " PID ");
    (
        r.code,
        stderr,
        common::map_file(t.pid(), file),
        setgroups(t.pid()),
    )
}

/// Under shadow's names, shadow's behaviour and words: the same exit status, the same stderr
/// byte for byte, the same map and `setgroups`, run side by side with shadow's own setuid
/// helpers on the same cases (each on a fresh target).
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn same_outcome_and_words_as_shadow() {
    if !common::root() {
        return;
    }
    let Some(shadow) = shadow_helpers("same_outcome_and_words_as_shadow") else {
        return;
    };
    let (u, other, stranger) = (62010, 62011, 62998);
    let etc = fake_etc(&[u, other]);
    // A line that runs past 2^32-1: its valid part is granted.
    etc.add_subuid(&format!("t{u}:4294967000:1000"));
    let (_guard, ours) = helpers();
    let (sub_u, us) = (sub(u).to_string(), u.to_string());
    let sub_5 = (sub(u) + 5).to_string();
    let me = (u, u);
    // (tool, args, caller, target owner, whether the state after a refusal is the same: ours
    // refuses a map the kernel would refuse before writing setgroups, shadow writes it first).
    type Case<'a> = (&'a str, Vec<&'a str>, (u32, u32), (u32, u32), bool);
    let cases: Vec<Case> = vec![
        ("newuidmap", vec!["PID", "0", &us, "1"], me, me, true),
        (
            "newuidmap",
            vec!["PID", "0", &us, "1", "1", &sub_u, "65536"],
            me,
            me,
            true,
        ),
        ("newuidmap", vec!["PID", "0", "500", "1"], me, me, true),
        ("newuidmap", vec!["PID", "0", &sub_u, "65537"], me, me, true),
        ("newuidmap", vec!["PID", "0", &sub_u, "0"], me, me, true),
        ("newuidmap", vec!["PID", "0", &us, "2"], me, me, true),
        (
            "newuidmap",
            vec!["PID", "0", "4294967295", "1"],
            me,
            me,
            true,
        ),
        ("newuidmap", vec!["PID", "0", "-1", "1"], me, me, true),
        (
            "newuidmap",
            vec!["PID", "0", "4294967000", "295"],
            me,
            me,
            true,
        ),
        (
            "newuidmap",
            vec!["PID", "0", "4294967000", "296"],
            me,
            me,
            true,
        ),
        ("newuidmap", vec!["PID", "0", "1x", "1"], me, me, true),
        ("newuidmap", vec!["PID", " 0", "0x3e8", "+1"], me, me, true),
        ("newuidmap", vec!["PID", "0", &us], me, me, true),
        ("newuidmap", vec!["PID", "0", &us, "1", "5"], me, me, true),
        ("newuidmap", vec!["PID"], me, me, true),
        (
            "newuidmap",
            vec!["PID", "0", &sub_u, "10", "5", &sub_5, "10"],
            me,
            me,
            true,
        ),
        ("newuidmap", vec![], me, me, true),
        ("newuidmap", vec!["1x", "0", &us, "1"], me, me, true),
        ("newuidmap", vec!["99999999", "0", &us, "1"], me, me, true),
        (
            "newuidmap",
            vec!["PID", "0", &us, "1"],
            me,
            (other, other),
            true,
        ),
        ("newuidmap", vec!["PID", "0", &us, "1"], me, (0, 0), true),
        (
            "newuidmap",
            vec!["PID", "0", &us, "1"],
            (u, other),
            (u, other),
            true,
        ),
        (
            "newuidmap",
            vec!["PID", "0", &us, "1"],
            (stranger, stranger),
            (stranger, stranger),
            true,
        ),
        ("newgidmap", vec!["PID", "0", &us, "1"], me, me, true),
        ("newgidmap", vec!["PID", "0", &sub_u, "10"], me, me, true),
        (
            "newgidmap",
            vec!["PID", "0", &us, "1", "1", &sub_u, "10"],
            me,
            me,
            true,
        ),
        ("newgidmap", vec!["PID", "0", "0", "1"], me, me, true),
        (
            "newgidmap",
            vec!["PID", "0", &us, "1"],
            me,
            (other, other),
            true,
        ),
        (
            "newgidmap",
            vec!["PID", "0", &us, "1"],
            (u, other),
            (u, other),
            true,
        ),
        (
            "newgidmap",
            vec!["PID", "0", "4294967295", "1"],
            me,
            me,
            true,
        ),
        (
            "newgidmap",
            vec!["PID", "0", &us, "1", "1", &us, "1"],
            me,
            me,
            false,
        ),
        ("newgidmap", vec!["PID"], me, me, false),
    ];
    for (tool, args, caller, owner, same_state) in &cases {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let theirs = side(&etc, shadow, *caller, *owner, tool, &args);
        let mine = side(&etc, &ours, *caller, *owner, tool, &args);
        let what = format!("{tool} {args:?} as {caller:?} on {owner:?}: shadow, then ours");
        if *same_state {
            assert_eq!(theirs, mine, "{what}");
        } else {
            assert_eq!((&theirs.0, &theirs.1), (&mine.0, &mine.1), "{what}");
            assert_eq!(mine.3, "allow", "{what}: ours wrote setgroups");
        }
    }
}

/// `GRANT_AUX_GROUP_SUBIDS` in `/etc/login.defs` lets a caller whose real gid is another than
/// its passwd gid (after `newgrp` or `sg`) map, as shadow does: side by side with shadow, and
/// through `nsidmap` itself.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn grant_aux_group_subids_as_shadow() {
    if !common::root() {
        return;
    }
    let Some(shadow) = shadow_helpers("grant_aux_group_subids_as_shadow") else {
        return;
    };
    let (u, aux) = (62012, 62013);
    let etc = fake_etc(&[u, aux]);
    let (_guard, ours) = helpers();
    let us = u.to_string();
    let auxs = aux.to_string();
    let sub_u = sub(u).to_string();
    let sg = (u, aux);
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("newuidmap", vec!["PID", "0", &us, "1"]),
        ("newuidmap", vec!["PID", "0", &us, "1", "1", &sub_u, "10"]),
        ("newgidmap", vec!["PID", "0", &auxs, "1"]),
        ("newgidmap", vec!["PID", "0", &us, "1"]),
        ("newgidmap", vec!["PID", "0", &auxs, "1", "1", &sub_u, "10"]),
    ];
    let defs = etc.path().join("login.defs");
    let original = std::fs::read_to_string(&defs).unwrap();
    for setting in [
        "",
        "GRANT_AUX_GROUP_SUBIDS no\n",
        "GRANT_AUX_GROUP_SUBIDS \"Yes\"\n",
    ] {
        std::fs::write(&defs, format!("{original}{setting}")).unwrap();
        for (tool, args) in &cases {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            let theirs = side(&etc, shadow, sg, sg, tool, &args);
            let mine = side(&etc, &ours, sg, sg, tool, &args);
            assert_eq!(
                theirs, mine,
                "{setting:?} {tool} {args:?}: shadow, then ours"
            );
            if setting.contains("Yes") && args.len() == 4 && args[2] != us {
                assert_eq!(mine.0, Some(0), "{setting:?} {tool} {args:?}");
            }
        }
        // nsidmap: the same rule.
        let granted = setting.contains("Yes");
        let r = side(
            &etc,
            &ours,
            sg,
            sg,
            "nsidmap",
            &s(&["-u", &format!("0:{u}:1"), "PID"]),
        );
        assert_eq!(
            r.0,
            Some(if granted { 0 } else { 1 }),
            "{setting:?}: {}",
            r.1
        );
        if !granted {
            assert_eq!(
                r.1,
                format!(
                    "nsidmap: your real gid {aux} is not the gid {u} of user 't{u}' in /etc/passwd\n"
                )
            );
        }
    }
}

/// A zombie target (ended, not reaped): its user namespace may still be shared by others, and
/// the kernel would take the map; refused as nsenter refuses it, by pid and by `fd:N`, while
/// `--show` still reads it.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn zombie_targets_are_refused() {
    if !common::root() {
        return;
    }
    let mut t = root_target();
    let pid = t.pid();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let state = || {
        let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        s.rsplit_once(')')
            .and_then(|(_, r)| r.trim_start().chars().next())
    };
    assert!(common::wait_for(Duration::from_secs(5), || state() == Some('Z')));
    let p = pid.to_string();
    let want = |tool: &str| {
        format!("{tool}: target process {pid} is a zombie: it has exited, its maps are not written")
    };
    assert_eq!(
        common::tool("nsidmap", ["-r", &p]).fails(1),
        want("nsidmap")
    );
    assert_eq!(
        common::tool("nsidmap", ["--setgroups=deny", &p]).fails(1),
        want("nsidmap")
    );
    let dir = TempDir::new("zombie");
    let newuidmap = dir.join("newuidmap");
    std::os::unix::fs::symlink(common::bin("nsidmap"), &newuidmap).unwrap();
    let r = common::run(Command::new(&newuidmap).args([&p, "0", "0", "1"]));
    assert_eq!(r.fails(1), want("newuidmap"));
    let r = common::run(
        Command::new("sh")
            .arg("-c")
            .arg(format!("exec 3</proc/{p} && exec \"$0\" fd:3 0 0 1"))
            .arg(&newuidmap),
    );
    assert_eq!(r.fails(1), want("newuidmap"));
    assert_eq!(
        common::tool("nsidmap", ["--show", &p]).ok(),
        "setgroups allow\n"
    );
    assert_eq!(state(), Some('Z'));
    untouched(pid);
    assert_eq!(setgroups(pid), "allow");
    t.0.wait().unwrap();
}

/// A huge argument is not echoed back whole: the messages that quote what they refuse cut it
/// (with its length), and no message of the setuid helper runs past a line's worth.
#[test]
fn huge_arguments_are_not_echoed_whole() {
    let big = "1".repeat(100_000);
    let cut = format!("'{}...' (100000 bytes)", "1".repeat(64));
    for (args, want) in [
        (vec![big.clone()], format!("nsidmap: invalid process {cut}")),
        (
            vec!["-u".into(), big.clone(), "1".into()],
            format!("nsidmap: invalid mapping {cut}"),
        ),
        (
            vec![format!("--setgroups={big}"), "1".into()],
            format!("nsidmap: unsupported --setgroups argument {cut}"),
        ),
    ] {
        assert_eq!(common::tool("nsidmap", &args).fails(1), want);
    }
    for args in [vec![format!("--{big}")], vec!["1".into(), big.clone()]] {
        let r = common::tool("nsidmap", &args);
        assert_eq!(r.code, Some(1));
        assert!(r.stderr.len() < 700, "{} bytes", r.stderr.len());
        let first = r.stderr.lines().next().unwrap();
        assert!(first.ends_with("1..."), "{first}");
    }
}

/// Out of memory (a small data rlimit, arguments larger than it): a message with the tool's
/// name and status 1, as util-linux's allocation helpers, rather than Rust's nameless abort.
#[test]
fn out_of_memory_names_the_tool() {
    let big = "1".repeat(100_000);
    let dir = TempDir::new("oom");
    let newuidmap = dir.join("newuidmap");
    std::os::unix::fs::symlink(common::bin("nsidmap"), &newuidmap).unwrap();
    for (prog, name) in [
        (common::bin("nsidmap"), "nsidmap"),
        (newuidmap, "newuidmap"),
    ] {
        let r = common::run(
            Command::new("prlimit")
                .arg("--data=400000")
                .arg(&prog)
                .args(std::iter::repeat_n(&big, 6)),
        );
        assert_eq!((r.code, r.signal), (Some(1), None), "{name}: {}", r.stderr);
        let line = r.stderr.trim_end();
        assert!(
            line.starts_with(&format!("{name}: cannot allocate "))
                && line.ends_with(" bytes")
                && !line.contains('\n'),
            "{name}: {line:?}"
        );
    }
}

/// Empty values are named as such, quoted, never printed as nothing.
#[test]
fn empty_arguments_are_quoted() {
    for (args, want) in [
        (&[""][..], "nsidmap: invalid process ''"),
        (&["-u", "", "1"], "nsidmap: invalid mapping ''"),
        (
            &["--setgroups=", "1"],
            "nsidmap: unsupported --setgroups argument ''",
        ),
    ] {
        assert_eq!(common::tool("nsidmap", args).fails(1), want, "{args:?}");
    }
}
