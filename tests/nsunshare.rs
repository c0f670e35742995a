//! Black-box tests of `nsunshare` against the real kernel: every effect is checked from outside
//! (the test's own namespaces, util-linux `nsenter`/`ipcs`/`setpriv`, iproute2) or from the
//! /proc files of the program it ran.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{cmd, run, tool, FakeEtc, Proc, Ran, TempDir};

const T: &str = "nsunshare";
const TRY: &str = "Try 'nsunshare --help' for more information.";

/// `nsunshare ARGS... -- sh -c SCRIPT`.
fn nssh(args: &[&str], script: &str) -> Ran {
    run(cmd(T).args(args).args(["--", "sh", "-c", script]))
}

/// Assert a usage error: exactly the message line and the Try line, exit 1.
#[track_caller]
fn usage_error(args: &[&str], msg: &str) {
    let r = tool(T, args);
    assert_eq!(r.code, Some(1), "{args:?}: {}", r.stderr);
    assert_eq!(r.stderr, format!("nsunshare: {msg}\n{TRY}\n"), "{args:?}");
    assert_eq!(r.stdout, "");
}

/// Assert a plain error: exactly one line, exit 1, nothing on stdout.
#[track_caller]
fn one_line_error(args: &[&str], msg: &str) {
    let r = tool(T, args);
    assert_eq!(r.code, Some(1), "{args:?}: {}", r.stderr);
    assert_eq!(r.stderr, format!("nsunshare: {msg}\n"), "{args:?}");
    assert_eq!(r.stdout, "");
}

/// Lines split into whitespace-separated words (for /proc maps printed with padding).
fn words(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

const NS_FILES: &[&str] = &[
    "cgroup",
    "ipc",
    "mnt",
    "net",
    "pid",
    "pid_for_children",
    "time",
    "time_for_children",
    "user",
    "uts",
];

/// The namespace inodes of a program run by `nsunshare ARGS`, as `stat -L` sees them from
/// inside (None where the file cannot be followed, e.g. `pid_for_children` before its init).
fn inodes_inside(args: &[&str]) -> BTreeMap<String, Option<u64>> {
    // One process only: with -p and no --fork, the first child would be the new namespace's
    // init, and no process could be forked there after it exits.
    let files: Vec<String> = NS_FILES
        .iter()
        .map(|f| format!("/proc/self/ns/{f}"))
        .collect();
    let r = run(cmd(T)
        .args(args)
        .args(["--", "stat", "-L", "-c", "%n %i"])
        .args(&files));
    let got: BTreeMap<String, u64> = r
        .stdout
        .lines()
        .map(|l| {
            let (name, ino) = l.split_once(' ').unwrap();
            (
                name.trim_start_matches("/proc/self/ns/").to_string(),
                ino.parse().unwrap(),
            )
        })
        .collect();
    // stat fails only for files it cannot follow, and says so.
    let missing = NS_FILES.len() - got.len();
    assert_eq!(r.stderr.lines().count(), missing, "{args:?}: {}", r.stderr);
    assert_eq!(
        r.code,
        Some(if missing == 0 { 0 } else { 1 }),
        "{args:?}: {}",
        r.stderr
    );
    NS_FILES
        .iter()
        .map(|f| (f.to_string(), got.get(*f).copied()))
        .collect()
}

/// The namespace files whose inode differs from the test process's own.
fn changed(args: &[&str]) -> Vec<String> {
    inodes_inside(args)
        .into_iter()
        .filter(|(name, ino)| *ino != Some(common::ns_inode("self", name)))
        .map(|(name, _)| name)
        .collect()
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn namespace_inodes_differ_for_exactly_the_kinds_asked() {
    if !common::root() {
        return;
    }
    let cases: &[(&[&str], &[&str])] = &[
        (&[], &[]),
        (&["-m"], &["mnt"]),
        (&["-u"], &["uts"]),
        (&["-i"], &["ipc"]),
        (&["-n"], &["net"]),
        (&["-U"], &["user"]),
        (&["-C"], &["cgroup"]),
        // The caller stays in its pid namespace; the first child is the init of the new one.
        (&["-p"], &["pid_for_children"]),
        (&["-p", "-f"], &["pid", "pid_for_children"]),
        // exec() moves the caller into its time_for_children namespace.
        (&["-T"], &["time", "time_for_children"]),
        (&["--mount"], &["mnt"]),
        (&["--uts", "--ipc", "--net"], &["ipc", "net", "uts"]),
        (
            &["--cgroup", "--time"],
            &["cgroup", "time", "time_for_children"],
        ),
        (&["-Cmnuif"], &["cgroup", "ipc", "mnt", "net", "uts"]),
        (&["-Urpf"], &["pid", "pid_for_children", "user"]),
        (&["-mUuinpCTf"], NS_FILES),
    ];
    for (args, want) in cases {
        assert_eq!(changed(args), *want, "nsunshare {args:?}");
    }
}

fn outside_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap()
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn hostname_set_inside_is_invisible_outside() {
    if !common::root() {
        return;
    }
    let before = outside_hostname();
    let name = common::unique("nsut");
    let r = nssh(&["-u"], &format!("hostname {name} && hostname"));
    assert_eq!(r.ok(), format!("{name}\n"));
    assert_eq!(outside_hostname(), before);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn hostname_and_domainname_options() {
    if !common::root() {
        return;
    }
    let before = outside_hostname();
    let domain_before = std::fs::read_to_string("/proc/sys/kernel/domainname").unwrap();
    let r = nssh(
        &[
            "-u",
            "--hostname=inside.example",
            "--domainname",
            "nis.example",
        ],
        "hostname; cat /proc/sys/kernel/domainname",
    );
    assert_eq!(r.ok(), "inside.example\nnis.example\n");
    // With --fork the names belong to the namespace, so the child sees them too.
    let r = nssh(&["-uf", "--hostname", "forked"], "hostname");
    assert_eq!(r.ok(), "forked\n");
    assert_eq!(outside_hostname(), before);
    assert_eq!(
        std::fs::read_to_string("/proc/sys/kernel/domainname").unwrap(),
        domain_before
    );
}

/// The keys of the SysV message queues `ipcs -q` lists.
fn queue_keys(ipcs: &str) -> Vec<String> {
    ipcs.lines()
        .filter(|l| l.starts_with("0x"))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn message_queue_made_inside_is_invisible_outside() {
    if !common::root() {
        return;
    }
    // The queue dies with the namespace when the program exits; nothing to clean up outside.
    let r = nssh(&["-i"], "ipcmk -Q >/dev/null && ipcs -q");
    let inside = queue_keys(r.ok());
    assert_eq!(inside.len(), 1, "one queue inside: {}", r.stdout);
    let outside = queue_keys(&common::sh("ipcs -q"));
    assert!(
        !outside.contains(&inside[0]),
        "queue {} visible outside",
        inside[0]
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn new_net_namespace_has_only_a_down_lo() {
    if !common::root() {
        return;
    }
    let r = tool(T, ["-n", "ip", "-o", "link", "show"]);
    let out = r.ok();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(lines[0].starts_with("1: lo: <LOOPBACK>"), "{out}");
    assert!(lines[0].contains(" state DOWN "), "{out}");
    let r = tool(T, ["-n", "ip", "-o", "addr", "show"]);
    assert_eq!(r.ok(), "", "no addresses in a new netns");
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn fork_pid_mount_proc_sees_only_our_processes() {
    if !common::root() {
        return;
    }
    let r = nssh(
        &["--fork", "--pid", "--mount-proc"],
        "echo $$; ps -e -o pid=,comm=",
    );
    assert_eq!(words(r.ok()), [vec!["1"], vec!["1", "sh"], vec!["2", "ps"]]);
    // The numeric directories of the new /proc are exactly those two processes.
    let r = nssh(
        &["-fp", "--mount-proc"],
        "for d in /proc/[0-9]*; do echo ${d#/proc/}; done",
    );
    assert_eq!(r.ok(), "1\n");
    // The machine's /proc is untouched: our own pid is still there.
    assert!(Path::new(&format!("/proc/{}", std::process::id())).exists());
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn mount_proc_at_a_custom_dir() {
    if !common::root() {
        return;
    }
    let d = TempDir::new("proc");
    let dir = d.join("p");
    std::fs::create_dir(&dir).unwrap();
    let arg = format!("--mount-proc={}", dir.display());
    let r = run(cmd(T)
        .args(["-fp", &arg, "--", "cat"])
        .arg(dir.join("1/comm")));
    assert_eq!(r.ok(), "cat\n");
    // Mounted only in the new mount namespace.
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mounts.contains(&*dir.to_string_lossy()));
}

/// uid_map, gid_map and setgroups of a program run by `nsunshare ARGS`.
fn maps(args: &[&str]) -> (Vec<String>, Vec<String>, String) {
    let r = nssh(
        args,
        "cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; \
         cat /proc/self/setgroups",
    );
    split_maps(r.ok())
}

fn split_maps(out: &str) -> (Vec<String>, Vec<String>, String) {
    let parts: Vec<&str> = out.split("--\n").collect();
    assert_eq!(parts.len(), 3, "{out}");
    (
        common::map_lines(parts[0]),
        common::map_lines(parts[1]),
        parts[2].trim().to_string(),
    )
}

fn v(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| s.to_string()).collect()
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn id_maps_as_root() {
    if !common::root() {
        return;
    }
    let full = ["0 0 4294967295"];
    // (arguments, uid_map, gid_map, setgroups)
    type Case<'a> = (&'a [&'a str], &'a [&'a str], &'a [&'a str], &'a str);
    let cases: &[Case] = &[
        (&["-r"], &["0 0 1"], &["0 0 1"], "deny"),
        (&["--map-root-user"], &["0 0 1"], &["0 0 1"], "deny"),
        (&["-c"], &["0 0 1"], &["0 0 1"], "deny"),
        (&["--map-user=1000"], &["1000 0 1"], &[], "allow"),
        (&["--map-group=1000"], &[], &["1000 0 1"], "deny"),
        (
            &["--map-user", "1000", "--map-group", "2000"],
            &["1000 0 1"],
            &["2000 0 1"],
            "deny",
        ),
        (
            &["--map-users=0:100000:65536", "--map-groups=0:100000:65536"],
            &["0 100000 65536"],
            &["0 100000 65536"],
            "allow",
        ),
        // util-linux's alternative OUTER,INNER,COUNT form.
        (
            &["--map-users=100000,0,10", "--map-groups=100000,0,10"],
            &["0 100000 10"],
            &["0 100000 10"],
            "allow",
        ),
        // Repeated ranges, in the order given.
        (
            &[
                "--map-users=0:100000:10",
                "--map-users=10:200000:5",
                "--map-groups=0:300000:1",
            ],
            &["0 100000 10", "10 200000 5"],
            &["0 300000 1"],
            "allow",
        ),
        // A range next to the single mapping: the single one comes first.
        (
            &["-r", "--map-users=1:100000:10", "--map-groups=1:100000:10"],
            &["0 0 1", "1 100000 10"],
            &["0 0 1", "1 100000 10"],
            "allow",
        ),
        (
            &["--map-users=all", "--map-groups=all"],
            &full,
            &full,
            "allow",
        ),
        (
            &[
                "--setgroups=deny",
                "--map-users=0:100000:10",
                "--map-groups=0:100000:10",
            ],
            &["0 100000 10"],
            &["0 100000 10"],
            "deny",
        ),
        (&["-U", "--setgroups=deny"], &[], &[], "deny"),
        (
            &["-r", "--setgroups", "deny"],
            &["0 0 1"],
            &["0 0 1"],
            "deny",
        ),
    ];
    for (args, uid, gid, setgroups) in cases {
        let got = maps(args);
        assert_eq!(
            got,
            (v(uid), v(gid), setgroups.to_string()),
            "nsunshare {args:?}"
        );
    }
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn map_user_and_group_by_name() {
    if !common::root() {
        return;
    }
    let etc = FakeEtc::new();
    let name = common::unique("nsu");
    etc.add_user(&name, 23001);
    let user = format!("--map-user={name}");
    let group = format!("--map-group={name}");
    let r = run(&mut etc.command(&[
        common::bin(T).to_str().unwrap(),
        &user,
        &group,
        "--",
        "sh",
        "-c",
        "cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; \
         cat /proc/self/setgroups",
    ]));
    assert_eq!(
        split_maps(r.ok()),
        (v(&["23001 0 1"]), v(&["23001 0 1"]), "deny".to_string())
    );
}

/// `nsunshare ARGS` as the unprivileged user `uid` of `etc`, printing its maps.
fn maps_as(etc: &FakeEtc, uid: u32, args: &[&str]) -> Ran {
    let mut argv: Vec<String> = vec![common::bin(T).to_string_lossy().into_owned()];
    argv.extend(args.iter().map(|s| s.to_string()));
    argv.extend(
        [
            "--",
            "sh",
            "-c",
            "cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; \
             cat /proc/self/setgroups",
        ]
        .map(String::from),
    );
    run(&mut etc.command_as(uid, &argv))
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn id_maps_unprivileged() {
    if !common::root() {
        return;
    }
    let etc = FakeEtc::new();
    let name = common::unique("nsu");
    let uid = 23002;
    etc.add_user(&name, uid);
    etc.add_subuid(&format!("{name}:300000:65536"));
    etc.add_subgid(&format!("{name}:400000:65536"));
    let me = format!("{uid} {uid} 1");
    let as_root = format!("0 {uid} 1");
    type Case<'a> = (Vec<&'a str>, Vec<String>, Vec<String>, &'a str);
    let cases: Vec<Case> = vec![
        (vec!["-r"], v(&[&as_root]), v(&[&as_root]), "deny"),
        (vec!["-c"], v(&[&me]), v(&[&me]), "deny"),
        (
            vec!["--map-user=7", "--map-group=8"],
            v(&[&format!("7 {uid} 1")]),
            v(&[&format!("8 {uid} 1")]),
            "deny",
        ),
        // Ranges go through newuidmap/newgidmap and /etc/subuid, /etc/subgid.
        (
            vec!["-r", "--map-users=1:300000:10", "--map-groups=1:400000:10"],
            v(&[&as_root, "1 300000 10"]),
            v(&[&as_root, "1 400000 10"]),
            "allow",
        ),
        (
            vec!["-r", "--map-auto"],
            v(&[&as_root, "1 300000 65535"]),
            v(&[&as_root, "1 400000 65535"]),
            "allow",
        ),
        // One side a range (newgidmap), the other a single id written by the process itself.
        (
            vec!["-r", "--map-groups=1:400000:10"],
            v(&[&as_root]),
            v(&[&as_root, "1 400000 10"]),
            "allow",
        ),
        (
            vec!["-rf", "--map-users=1:300000:10"],
            v(&[&as_root, "1 300000 10"]),
            v(&[&as_root]),
            "deny",
        ),
        (
            vec!["--map-subids"],
            v(&["300000 300000 65536"]),
            v(&["400000 400000 65536"]),
            "allow",
        ),
    ];
    for (args, want_uid, want_gid, sg) in cases {
        let r = maps_as(&etc, uid, &args);
        assert_eq!(
            split_maps(r.ok()),
            (want_uid, want_gid, sg.to_string()),
            "{args:?}"
        );
    }
    // A range the user does not own: newuidmap refuses, and so do we, loudly.
    let r = maps_as(&etc, uid, &["-r", "--map-users=1:900000:10"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.starts_with("newuidmap: "), "{}", r.stderr);
    assert!(
        r.stderr
            .ends_with("nsunshare: newuidmap failed with status 1\n"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");
    // Without a user namespace, nothing may be unshared.
    let r = run(&mut etc.command_as(uid, &[common::bin(T).to_str().unwrap(), "-n", "true"]));
    assert_eq!(
        r.stderr,
        "nsunshare: unshare failed: Operation not permitted\n"
    );
    assert_eq!(r.code, Some(1));
}

/// Guard: unmount (with util-linux `umount`) and remove persisted namespace files.
struct Persisted(Vec<std::path::PathBuf>);

impl Persisted {
    fn release(&mut self) {
        for f in self.0.drain(..) {
            let r = run(Command::new("umount").arg(&f));
            assert_eq!(r.code, Some(0), "umount {}: {}", f.display(), r.stderr);
            std::fs::remove_file(&f).unwrap();
        }
    }
}

impl Drop for Persisted {
    fn drop(&mut self) {
        for f in &self.0 {
            let _ = nix::mount::umount2(f, nix::mount::MntFlags::MNT_DETACH);
            let _ = std::fs::remove_file(f);
        }
    }
}

fn file_inode(p: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).unwrap().ino()
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn persisted_namespaces_are_joinable_with_nsenter() {
    if !common::root() {
        return;
    }
    let d = TempDir::new("persist");
    let kinds = ["mnt", "uts", "ipc", "net", "pid", "cgroup", "time"];
    let longs = ["mount", "uts", "ipc", "net", "pid", "cgroup", "time"];
    let mut files = Persisted(kinds.iter().map(|k| d.join(k)).collect());
    let mut args: Vec<String> = longs
        .iter()
        .zip(&files.0)
        .map(|(l, f)| format!("--{l}={}", f.display()))
        .collect();
    args.push("--fork".into());
    let host = common::unique("persist");
    let mut script = format!(
        "hostname {host} && ip addr add 192.0.2.7/32 dev lo && ipcmk -Q >/dev/null && \
         mount -t tmpfs nsut-persist /mnt"
    );
    for k in kinds {
        script.push_str(&format!(" && stat -L -c '{k} %i' /proc/self/ns/{k}"));
    }
    let r = run(cmd(T).args(&args).args(["--", "sh", "-c", &script]));
    let inside: BTreeMap<String, u64> = r
        .ok()
        .lines()
        .map(|l| {
            let (k, i) = l.split_once(' ').unwrap();
            (k.to_string(), i.parse().unwrap())
        })
        .collect();
    for (k, f) in kinds.iter().zip(&files.0) {
        assert_eq!(file_inode(f), inside[*k], "{k} file is the namespace");
        assert_ne!(inside[*k], common::ns_inode("self", k), "{k} is new");
    }
    // Joined by a client we did not write, after the program has exited.
    let nsenter = |opt: &str, file: &Path, argv: &[&str]| {
        let r = run(Command::new("nsenter")
            .arg(format!("--{opt}={}", file.display()))
            .args(argv));
        r.ok().to_string()
    };
    let out = nsenter(
        "net",
        &d.join("net"),
        &["ip", "-o", "addr", "show", "dev", "lo"],
    );
    assert!(out.contains(" 192.0.2.7/32 "), "{out}");
    assert_eq!(
        nsenter("uts", &d.join("uts"), &["hostname"]),
        format!("{host}\n")
    );
    assert_eq!(
        queue_keys(&nsenter("ipc", &d.join("ipc"), &["ipcs", "-q"])).len(),
        1
    );
    let out = nsenter(
        "mount",
        &d.join("mnt"),
        &["grep", "nsut-persist", "/proc/self/mountinfo"],
    );
    assert!(out.contains(" /mnt "), "{out}");
    // Outside: none of it.
    assert_ne!(outside_hostname().trim(), host);
    let r = run(Command::new("ip").args(["-o", "addr", "show", "dev", "lo"]));
    assert!(!r.ok().contains(" 192.0.2.7/32 "), "address leaked outside");
    files.release();
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn persisted_user_namespace_and_owner() {
    if !common::root() {
        return;
    }
    let d = TempDir::new("owner");
    let mut files = Persisted(vec![d.join("user")]);
    let user = format!("--user={}", files.0[0].display());
    // Owned by uid 23003: that user may enter it, another may not.
    let r = nssh(
        &[&user, "--owner=23003:23003", "-r"],
        "cat /proc/self/uid_map; stat -L -c %i /proc/self/ns/user",
    );
    let out = r.ok();
    let lines = common::map_lines(out);
    assert_eq!(lines[0], "0 0 1");
    assert_eq!(lines[1], file_inode(&files.0[0]).to_string());
    let enter_as = |uid: u32| {
        run(common::as_user(uid).args([
            "nsenter".into(),
            format!("--user={}", files.0[0].display()),
            "true".into(),
        ]))
    };
    let r = enter_as(23003);
    assert_eq!(r.code, Some(0), "owner cannot enter: {}", r.stderr);
    let r = enter_as(23004);
    assert_eq!(r.code, Some(1), "non-owner entered");
    assert!(r.stderr.contains("Operation not permitted"), "{}", r.stderr);
    files.release();
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn persist_failure_undoes_everything() {
    if !common::root() {
        return;
    }
    let d = TempDir::new("undo");
    std::fs::create_dir(d.join("dir")).unwrap();
    // The uts file is bound first; binding the net namespace over a directory then fails.
    let uts = format!("--uts={}", d.join("uts").display());
    let net = format!("--net={}", d.join("dir").display());
    let r = tool(T, [&uts, &net, "true"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("nsunshare: ") && r.stderr.contains(&*d.join("dir").to_string_lossy()),
        "{}",
        r.stderr
    );
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mounts.contains(&*d.path().to_string_lossy()), "{mounts}");
    let left: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["dir"]);
    // With --fork too; and the program never runs with half of its setup.
    let marker = d.join("marker");
    let r = run(cmd(T).args(["-f", &uts, &net, "touch"]).arg(&marker));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    let left: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["dir"]);
    // A pid namespace has no file to persist before its first process (as in util-linux).
    let pid = format!("--pid={}", d.join("pid").display());
    let r = run(cmd(T).args([&uts, &pid, "touch"]).arg(&marker));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.starts_with("nsunshare: mount /proc/")
            && r.stderr.ends_with(&format!(
                "/ns/pid_for_children on {} failed: No such file or directory\n",
                d.join("pid").display()
            )),
        "{}",
        r.stderr
    );
    let left: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["dir"]);
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mounts.contains(&*d.path().to_string_lossy()), "{mounts}");
}

/// Whether `file` is a mount point in our mount namespace.
fn mounted(file: &Path) -> bool {
    let m = format!(" {} ", file.display());
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .any(|l| l.contains(&m))
}

/// Whether a process of `pid` still runs (a zombie, or nothing, does not).
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(") ")
            .is_some_and(|(_, r)| !r.starts_with('Z'))
    })
}

/// nsunshare persisting a network namespace, with a pid file and a setup command that records
/// its shell's pid and then sleeps, killed in the middle of that setup command in the ways
/// `kill` names: its helper stops the setup command (its whole process group) and undoes the
/// bind and the pid file, since the program never ran.
fn interrupted_setup(mode: &[&str], kill: impl Fn(i32, i32)) {
    let d = TempDir::new("interrupted");
    let (net, pid_file) = (d.join("net"), d.join("pid"));
    let (setup_pid, done, ran) = (d.join("setup.pid"), d.join("setup.done"), d.join("ran"));
    let setup = format!(
        "echo $$ > {0}.tmp && mv {0}.tmp {0}; sleep 2; touch {1}",
        setup_pid.display(),
        done.display()
    );
    let mut c = cmd(T);
    c.args(mode)
        .arg(format!("--net={}", net.display()))
        .arg(format!("--pid-file={}", pid_file.display()))
        .args(["--setup", &setup, "touch"])
        .arg(&ran)
        .stderr(Stdio::null());
    std::os::unix::process::CommandExt::process_group(&mut c, 0);
    let mut p = Proc::spawn(&mut c);
    assert!(
        common::wait_for(Duration::from_secs(10), || setup_pid.exists()),
        "{mode:?}: the setup command did not start"
    );
    assert!(
        mounted(&net) && pid_file.exists(),
        "{mode:?}: nothing to undo yet"
    );
    let sh: i32 = std::fs::read_to_string(&setup_pid)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let ns_pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    kill(p.pid() as i32, ns_pid);
    let _ = p.0.wait();
    assert!(
        common::wait_for(Duration::from_secs(10), || !mounted(&net) && !net.exists()),
        "{mode:?}: the namespace stayed bound at {}",
        net.display()
    );
    assert!(!pid_file.exists(), "{mode:?}: the pid file stayed");
    assert!(
        common::wait_for(Duration::from_secs(5), || !alive(sh)),
        "{mode:?}: the setup command outlived the abort"
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(!done.exists(), "{mode:?}: the setup command finished");
    assert!(!ran.exists(), "{mode:?}: the program ran");
}

/// The helper does not outlive a killed nsunshare with its work in place: kill -9 of nsunshare
/// (with and without --fork), of the process waiting to run the program, and a Ctrl-C to the
/// whole process group all leave nothing.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn helper_undoes_its_work_when_the_program_never_runs() {
    if !common::root() {
        return;
    }
    use nix::sys::signal::{kill, killpg, Signal};
    let pid = nix::unistd::Pid::from_raw;
    let sigkill_us = |us: i32, _| kill(pid(us), Signal::SIGKILL).unwrap();
    interrupted_setup(&["-f"], sigkill_us);
    interrupted_setup(&[], sigkill_us);
    interrupted_setup(&["-fp", "--init", "--kill-child"], sigkill_us);
    interrupted_setup(&["-f"], |_, child| {
        kill(pid(child), Signal::SIGKILL).unwrap()
    });
    for mode in [&["-f"][..], &[]] {
        interrupted_setup(mode, |us, _| killpg(pid(us), Signal::SIGINT).unwrap());
        interrupted_setup(mode, |us, _| killpg(pid(us), Signal::SIGTERM).unwrap());
    }
}

/// Failures after the helper's work, before the program runs, undo it too: a bad working
/// directory, a program that cannot be executed (with --fork, --init, or neither). A program
/// that ran keeps it.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn helper_work_goes_when_the_program_cannot_run() {
    if !common::root() {
        return;
    }
    let d = TempDir::new("noprogram");
    let net = d.join("net");
    let pid_file = d.join("pid");
    let persist = [
        format!("--net={}", net.display()),
        format!("--pid-file={}", pid_file.display()),
        "--setup=true".to_string(),
    ];
    for (mode, program, code) in [
        (&[][..], &["--wd=/nonexistent", "true"][..], 1),
        (&["-f"], &["--wd=/nonexistent", "true"], 1),
        (&[], &["nstools-no-such-program"], 127),
        (&["-f"], &["nstools-no-such-program"], 127),
        (&["-fp", "--init"], &["nstools-no-such-program"], 127),
        (&["-f"], &["/etc"], 126),
    ] {
        let r = run(cmd(T).args(mode).args(&persist).args(program));
        assert_eq!(r.code, Some(code), "{mode:?} {program:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(
            !mounted(&net) && !net.exists(),
            "{mode:?} {program:?}: bound"
        );
        assert!(!pid_file.exists(), "{mode:?} {program:?}: pid file");
    }
    for mode in [&[][..], &["-f"], &["-fp", "--init"]] {
        let r = run(cmd(T).args(mode).args(&persist).arg("true"));
        r.ok();
        assert!(
            mounted(&net),
            "{mode:?}: a program that ran keeps its namespace"
        );
        let _ = nix::mount::umount2(&net, nix::mount::MntFlags::MNT_DETACH);
        std::fs::remove_file(&net).unwrap();
    }
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn time_offsets() {
    if !common::root() {
        return;
    }
    let r = tool(
        T,
        [
            "-T",
            "--monotonic=100",
            "--boottime",
            // Negative, as a separate argument; small, because the kernel refuses an offset
            // that puts boottime before zero (ERANGE) and CI machines are freshly booted.
            "-1",
            "cat",
            "/proc/self/timens_offsets",
        ],
    );
    assert_eq!(
        words(r.ok()),
        [vec!["monotonic", "100", "0"], vec!["boottime", "-1", "0"]]
    );
    let r = tool(
        T,
        [
            "-Tf",
            "--boottime=86400",
            "cat",
            "/proc/self/timens_offsets",
        ],
    );
    assert_eq!(
        words(r.ok()),
        [vec!["monotonic", "0", "0"], vec!["boottime", "86400", "0"]]
    );
    // The clock itself: uptime inside is a day ahead of ours.
    let uptime = |s: &str| -> f64 { s.split_whitespace().next().unwrap().parse().unwrap() };
    let before = uptime(&std::fs::read_to_string("/proc/uptime").unwrap());
    let r = tool(T, ["-T", "--boottime=86400", "cat", "/proc/uptime"]);
    let inside = uptime(r.ok());
    let after = uptime(&std::fs::read_to_string("/proc/uptime").unwrap());
    assert!(
        inside >= before + 86400.0 && inside <= after + 86400.0,
        "{before} {inside} {after}"
    );
}

/// The optional fields (`shared:N`, `master:N`) of the mount at `/` in a mountinfo text.
fn root_tags(mountinfo: &str) -> Vec<String> {
    let line = mountinfo
        .lines()
        .find(|l| l.split_whitespace().nth(4) == Some("/"))
        .unwrap();
    line.split_whitespace()
        .skip(6)
        .take_while(|w| *w != "-")
        .map(|w| w.split(':').next().unwrap().to_string())
        .collect()
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn mount_propagation() {
    if !common::root() {
        return;
    }
    // Start from a shared root (util-linux unshare), so each setting is visible. The shell stays
    // (no exec) so that namespace, and the peers of our mounts, live on.
    let inside = |args: &[&str]| {
        let r = run(Command::new("unshare")
            .args(["-m", "--propagation", "shared", "--", "sh", "-c"])
            .arg(r#""$0" "$@"; s=$?; exit $s"#)
            .arg(common::bin(T))
            .args(args)
            .args(["cat", "/proc/self/mountinfo"]));
        r.ok().to_string()
    };
    let cases: &[(&[&str], &[&str])] = &[
        (&["-m"], &[]),
        (&["-m", "--propagation=private"], &[]),
        (&["-m", "--propagation", "shared"], &["shared"]),
        (&["-m", "--propagation=slave"], &["master"]),
        (&["-m", "--propagation=unchanged"], &["shared"]),
    ];
    for (args, want) in cases {
        let text = inside(args);
        assert_eq!(root_tags(&text), *want, "{args:?}");
        if args.len() == 1 || args[1].ends_with("private") {
            // Recursive: no mount is shared or a slave.
            assert!(
                !text.contains(" shared:") && !text.contains(" master:"),
                "{args:?}: {text}"
            );
        }
    }
    // A mount made inside the new namespace stays there.
    let d = TempDir::new("mnt");
    let r = nssh(
        &["-m"],
        &format!(
            "mount -t tmpfs nsut {0} && grep -c {0} /proc/self/mountinfo",
            d.path().display()
        ),
    );
    assert_eq!(r.ok(), "1\n");
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mounts.contains(&*d.path().to_string_lossy()));
    // util-linux prints one line for a bad value, without the Try line.
    one_line_error(
        &["-m", "--propagation=bogus"],
        "unsupported propagation mode: bogus",
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn exit_statuses() {
    let shell = |script: &str| {
        let r = run(Command::new("sh").arg("-c").arg(script).arg(common::bin(T)));
        r.ok().to_string()
    };
    assert_eq!(shell(r#""$0" sh -c 'exit 7'; echo $?"#), "7\n");
    assert_eq!(shell(r#""$0" true; echo $?"#), "0\n");
    // A signal: the shell sees 128+n, with and without --fork (re-raised on ourselves).
    assert_eq!(shell(r#""$0" sh -c 'kill -TERM $$'; echo $?"#), "143\n");
    if !common::root() {
        return;
    }
    assert_eq!(shell(r#""$0" -f sh -c 'exit 7'; echo $?"#), "7\n");
    assert_eq!(shell(r#""$0" -f sh -c 'kill -TERM $$'; echo $?"#), "143\n");
    assert_eq!(shell(r#""$0" -f sh -c 'kill -USR1 $$'; echo $?"#), "138\n");
    assert_eq!(shell(r#""$0" -f sh -c 'kill -KILL $$'; echo $?"#), "137\n");
    assert_eq!(
        shell(r#""$0" -fp --mount-proc sh -c 'exit 42'; echo $?"#),
        "42\n"
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn exec_failures_are_126_and_127() {
    let d = TempDir::new("exec");
    let file = d.join("not-executable");
    std::fs::write(&file, "#!/bin/sh\n").unwrap();
    let r = run(cmd(T).arg(&file));
    assert_eq!(r.code, Some(126));
    assert_eq!(
        r.stderr,
        format!(
            "nsunshare: failed to execute {}: Permission denied\n",
            file.display()
        )
    );
    let missing = d.join("missing");
    let r = run(cmd(T).arg(&missing));
    assert_eq!(r.code, Some(127));
    assert_eq!(
        r.stderr,
        format!(
            "nsunshare: failed to execute {}: No such file or directory\n",
            missing.display()
        )
    );
    // A PATH we can search (an unreadable directory in PATH makes it EACCES, 126, as in execvp).
    let r = run(cmd(T)
        .env("PATH", "/usr/bin:/bin")
        .arg("nstools-no-such-program"));
    assert_eq!(r.code, Some(127));
    assert_eq!(
        r.stderr,
        "nsunshare: failed to execute nstools-no-such-program: No such file or directory\n"
    );
    if !common::root() {
        return;
    }
    let r = run(cmd(T).arg("-f").arg(&file));
    assert_eq!(r.code, Some(126), "{}", r.stderr);
    let r = run(cmd(T).args(["-fp", "--mount-proc"]).arg(&missing));
    assert_eq!(r.code, Some(127), "{}", r.stderr);
}

/// A process the test started indirectly (the program run by nsunshare), killed on drop if it is
/// still that program.
struct Orphan(i32, &'static str);

impl Orphan {
    fn running(&self) -> bool {
        // Gone, or a zombie waiting for whoever adopted it.
        match std::fs::read_to_string(format!("/proc/{}/stat", self.0)) {
            Ok(stat) => {
                let state = stat.rsplit_once(") ").map(|(_, r)| r.chars().next());
                state != Some(Some('Z'))
            }
            Err(_) => false,
        }
    }
}

impl Drop for Orphan {
    fn drop(&mut self) {
        let comm = std::fs::read_to_string(format!("/proc/{}/comm", self.0)).unwrap_or_default();
        if comm.trim() == self.1 {
            let pid = nix::unistd::Pid::from_raw(self.0);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
    }
}

/// Start `nsunshare ARGS -- sh -c 'echo $$ > FILE; exec sleep 60'`, return it and the program.
fn start_sleeper(args: &[&str], d: &TempDir) -> (Proc, Orphan) {
    let pidfile = d.join(&common::unique("pid"));
    let p = Proc::spawn(
        cmd(T)
            .args(args)
            .args([
                "--",
                "sh",
                "-c",
                r#"echo $$ > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 60"#,
            ])
            .arg(&pidfile),
    );
    assert!(
        common::wait_for(Duration::from_secs(10), || pidfile.exists()),
        "program did not start"
    );
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let o = Orphan(pid, "sleep");
    assert!(common::wait_for(Duration::from_secs(5), || {
        std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c == "sleep\n")
    }));
    (p, o)
}

#[test]
fn kill_child_kills_the_child_when_nsunshare_is_killed() {
    let d = TempDir::new("kill");
    let (mut p, child) = start_sleeper(&["--kill-child"], &d);
    assert!(child.running());
    p.0.kill().unwrap(); // SIGKILL, to the nsunshare we started
    p.0.wait().unwrap();
    assert!(
        common::wait_for(Duration::from_secs(5), || !child.running()),
        "child {} survived",
        child.0
    );
    // With another signal.
    let (mut p, child) = start_sleeper(&["--kill-child=SIGTERM"], &d);
    p.0.kill().unwrap();
    p.0.wait().unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || !child.running()));
    // A real-time signal, spelled as util-linux accepts it.
    let (mut p, child) = start_sleeper(&["--kill-child=RTMIN+1"], &d);
    p.0.kill().unwrap();
    p.0.wait().unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || !child.running()));
    // Without --kill-child the child outlives us (and the guard ends it).
    let (mut p, child) = start_sleeper(&["--fork"], &d);
    p.0.kill().unwrap();
    p.0.wait().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(child.running(), "control: a plain --fork child survives");
    one_line_error(&["--kill-child=SIGNOPE", "true"], "unknown signal: SIGNOPE");
}

#[test]
fn forward_signals() {
    let d = TempDir::new("fwd");
    let log = d.join("log");
    let script = r#"trap 'echo USR1 >> "$0"' USR1; trap 'echo HUP >> "$0"' HUP;
        trap 'echo USR2 >> "$0"' USR2; trap 'echo INT >> "$0"' INT; trap 'echo ALRM >> "$0"' ALRM;
        trap 'echo TERM >> "$0"; exit 3' TERM; echo ready >> "$0";
        while :; do sleep 0.05; done"#;
    let mut p = Proc::spawn(
        cmd(T)
            .args([
                "--forward-signals",
                "--kill-child",
                "--",
                "sh",
                "-c",
                script,
            ])
            .arg(&log)
            .stdout(Stdio::null()),
    );
    let has = |what: &str| {
        common::wait_for(Duration::from_secs(10), || {
            std::fs::read_to_string(&log).is_ok_and(|t| t.lines().any(|l| l == what))
        })
    };
    assert!(has("ready"));
    let pid = nix::unistd::Pid::from_raw(p.pid() as i32);
    use nix::sys::signal::{kill, Signal};
    kill(pid, Signal::SIGUSR1).unwrap();
    assert!(has("USR1"), "USR1 not forwarded");
    kill(pid, Signal::SIGHUP).unwrap();
    assert!(has("HUP"), "HUP not forwarded");
    for (sig, name) in [
        (Signal::SIGUSR2, "USR2"),
        (Signal::SIGINT, "INT"),
        (Signal::SIGALRM, "ALRM"),
    ] {
        kill(pid, sig).unwrap();
        assert!(has(name), "{name} not forwarded");
    }
    kill(pid, Signal::SIGTERM).unwrap();
    assert!(has("TERM"), "TERM not forwarded");
    let status = p.0.wait().unwrap();
    assert_eq!(status.code(), Some(3));
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "ready\nUSR1\nHUP\nUSR2\nINT\nALRM\nTERM\n"
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn setuid_and_setgid() {
    if !common::root() {
        return;
    }
    let r = tool(
        T,
        [
            "-S",
            "23005",
            "-G",
            "23006",
            "grep",
            "-E",
            "^(Uid|Gid|Groups)",
            "/proc/self/status",
        ],
    );
    assert_eq!(
        words(r.ok()),
        [
            vec!["Uid:", "23005", "23005", "23005", "23005"],
            vec!["Gid:", "23006", "23006", "23006", "23006"],
            vec!["Groups:"],
        ]
    );
    // Inside a user namespace, as a mapped id.
    let r = nssh(
        &[
            "--setuid=1000",
            "--setgid=1000",
            "--map-users=0:100000:65536",
            "--map-groups=0:100000:65536",
        ],
        "id -u; id -g; id -G",
    );
    assert_eq!(r.ok(), "1000\n1000\n1000\n");
    // Like util-linux: number errors are one line, without the Try line.
    one_line_error(&["-S", "x", "true"], "failed to parse uid: 'x'");
    one_line_error(&["-G", "1x", "true"], "failed to parse gid: '1x'");
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn root_and_working_directory() {
    if !common::root() {
        return;
    }
    let r = tool(T, ["-w", "/usr/share", "pwd"]);
    assert_eq!(r.ok(), "/usr/share\n");
    let r = tool(T, ["--wd=/", "pwd"]);
    assert_eq!(r.ok(), "/\n");
    // A new root made of /usr only, bound in a private mount namespace of util-linux unshare.
    let d = TempDir::new("root");
    std::fs::create_dir(d.join("usr")).unwrap();
    for l in ["bin", "lib", "lib64", "sbin"] {
        std::os::unix::fs::symlink(format!("usr/{l}"), d.join(l)).unwrap();
    }
    std::fs::write(d.join("nsut-marker"), "").unwrap();
    let in_root = |args: &[&str]| {
        run(Command::new("unshare")
            .args(["-m", "--propagation", "private", "--", "sh", "-c"])
            .arg(r#"mount --bind /usr "$0/usr" && exec "$@""#)
            .arg(d.path())
            .arg(common::bin(T))
            .args(args))
    };
    let root = d.path().to_str().unwrap();
    let r = in_root(&["-R", root, "sh", "-c", "pwd; ls /"]);
    assert_eq!(r.ok(), "/\nbin\nlib\nlib64\nnsut-marker\nsbin\nusr\n");
    let r = in_root(&["--root", root, "-w", "/usr", "pwd"]);
    assert_eq!(r.ok(), "/usr\n");
    let r = tool(T, ["-w", "/nonexistent-nstools", "true"]);
    assert_eq!(
        r.stderr,
        "nsunshare: cannot change directory to /nonexistent-nstools: No such file or directory\n"
    );
    assert_eq!(r.code, Some(1));
    let r = tool(T, ["-R", "/nonexistent-nstools", "true"]);
    assert_eq!(
        r.stderr,
        "nsunshare: cannot change root directory to '/nonexistent-nstools': \
         No such file or directory\n"
    );
    assert_eq!(r.code, Some(1));
}

#[test]
fn clear_and_whitelist_env() {
    let env = |args: &[&str]| {
        run(cmd(T)
            .env_clear()
            .env("FOO", "1")
            .env("BAR", "2")
            .env("PATH", "/usr/bin:/bin")
            .args(args)
            .arg("/usr/bin/env"))
    };
    assert_eq!(env(&["--clear-env"]).ok(), "");
    let r = env(&["--whitelist-env=FOO,PATH,UNSET"]);
    let mut lines: Vec<&str> = r.ok().lines().collect();
    lines.sort();
    assert_eq!(lines, ["FOO=1", "PATH=/usr/bin:/bin"]);
    let r = env(&["--whitelist-env", "BAR", "--whitelist-env", "FOO"]);
    let mut lines: Vec<&str> = r.ok().lines().collect();
    lines.sort();
    assert_eq!(lines, ["BAR=2", "FOO=1"]);
    let r = env(&[]);
    assert_eq!(r.ok().lines().count(), 3);
    // With a cleared environment a program is still found on the default path.
    let r = run(cmd(T).env("FOO", "1").args(["--clear-env", "env"]));
    assert_eq!(r.ok(), "");
}

/// The capability sets of the program, from /proc/self/status.
fn caps(args: &[&str]) -> BTreeMap<String, String> {
    let r = nssh(args, "grep -E '^(Cap(Prm|Eff|Amb)|Uid):' /proc/self/status");
    r.ok()
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.to_string(), v.trim().to_string())
        })
        .collect()
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn keep_caps_makes_capabilities_ambient() {
    if !common::root() {
        return;
    }
    let last: u32 = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let all = format!("{:016x}", (1u64 << (last + 1)) - 1);
    let none = "0000000000000000".to_string();
    let c = caps(&["--map-user=1000", "--map-group=1000", "--keep-caps"]);
    assert_eq!(c["Uid"].split_whitespace().next(), Some("1000"));
    assert_eq!(
        (&c["CapPrm"], &c["CapEff"], &c["CapAmb"]),
        (&all, &all, &all)
    );
    let c = caps(&["--map-user=1000", "--map-group=1000"]);
    assert_eq!(
        (&c["CapPrm"], &c["CapEff"], &c["CapAmb"]),
        (&none, &none, &none)
    );
    // As an unprivileged user too.
    let etc = FakeEtc::new();
    let name = common::unique("nsu");
    etc.add_user(&name, 23007);
    let r = run(&mut etc.command_as(
        23007,
        &[
            common::bin(T).to_str().unwrap(),
            "-c",
            "--keep-caps",
            "grep",
            "^CapAmb:",
            "/proc/self/status",
        ],
    ));
    assert_eq!(words(r.ok()), [vec!["CapAmb:".to_string(), all]]);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn getopt_style_parsing() {
    // Parsing stops at the first operand: the program's own options are left alone.
    assert_eq!(tool(T, ["echo", "-n", "-r", "--fork"]).ok(), "-r --fork");
    assert_eq!(tool(T, ["--", "echo", "-U", "--help"]).ok(), "-U --help\n");
    // No program: $SHELL, else /bin/sh, started as a login shell like util-linux does.
    let shell = |set: Option<&str>| {
        let mut c = cmd(T);
        match set {
            Some(s) => c.env("SHELL", s),
            None => c.env_remove("SHELL"),
        };
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"echo \"$0\"\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(shell(Some("/bin/bash")), "-bash\n");
    assert_eq!(shell(None), "-sh\n");
    // --help, --version and their prefixes.
    let help = tool(T, ["--he"]);
    assert!(help.ok().starts_with("Usage:\n nsunshare [options]"));
    assert_eq!(tool(T, ["-h"]).ok(), help.stdout);
    assert!(tool(T, ["-V"]).ok().starts_with("nsunshare from nstools "));
    assert!(tool(T, ["--vers"])
        .ok()
        .starts_with("nsunshare from nstools "));
    // Unique prefixes of long options.
    usage_error(
        &["--mo", "true"],
        "option '--mo' is ambiguous; possibilities: '--mount' '--mount-proc' \
         '--mount-binfmt' '--monotonic'",
    );
    // An exact name wins over the longer names it is a prefix of.
    usage_error(
        &["--pi", "true"],
        "option '--pi' is ambiguous; possibilities: '--pid' '--pid-file'",
    );
    usage_error(&["--setuid"], "option '--setuid' requires an argument");
    usage_error(&["-S"], "option requires an argument -- 'S'");
    usage_error(
        &["--fo", "true"],
        "option '--fo' is ambiguous; possibilities: '--fork' '--forward-signals'",
    );
    usage_error(
        &["--fork=yes", "true"],
        "option '--fork' doesn't allow an argument",
    );
    if !common::root() {
        return;
    }
    // Bundled short flags.
    let r = nssh(
        &["-Urpf", "--mount-proc"],
        "echo $$; cat /proc/self/uid_map",
    );
    assert_eq!(words(r.ok()), [vec!["1"], vec!["0", "0", "1"]]);
    let r = nssh(
        &["--map-ro", "--fork", "--mount-p", "--pid"],
        "echo $$; cat /proc/self/uid_map",
    );
    assert_eq!(words(r.ok()), [vec!["1"], vec!["0", "0", "1"]]);
    // A short namespace flag never takes a file: -mu is two flags.
    assert_eq!(changed(&["-mu"]), ["mnt", "uts"]);
    // Later options still count after a namespace file.
    assert_eq!(changed(&["--net", "-u"]), ["net", "uts"]);
}

#[test]
fn bad_input_gets_one_clear_line() {
    usage_error(&["--bogus"], "unrecognized option '--bogus'");
    usage_error(&["-x", "true"], "invalid option -- 'x'");
    usage_error(&["-rx", "true"], "invalid option -- 'x'");
    one_line_error(
        &["--setgroups=maybe", "true"],
        "unsupported --setgroups argument 'maybe'",
    );
    let excl = "options --setgroups=allow and --map-group are mutually exclusive";
    one_line_error(&["--setgroups=allow", "--map-group=0", "true"], excl);
    one_line_error(&["-r", "--setgroups", "allow", "true"], excl);
    one_line_error(&["-c", "--setgroups=allow", "true"], excl);
    one_line_error(&["--map-users=0:1", "true"], "invalid mapping '0:1'");
    one_line_error(&["--map-users=0:1:x", "true"], "invalid mapping '0:1:x'");
    one_line_error(&["--map-groups=a:b:c", "true"], "invalid mapping 'a:b:c'");
    one_line_error(&["--map-users=-1:0:1", "true"], "invalid mapping '-1:0:1'");
    one_line_error(
        &["--map-users=0:1:2:3", "true"],
        "invalid mapping '0:1:2:3'",
    );
    one_line_error(
        &["--map-users=0:100000:0", "true"],
        "invalid mapping '0:100000:0': count is zero",
    );
    one_line_error(
        &["--map-users=4294967295:0:2", "true"],
        "invalid mapping '4294967295:0:2': ids past 4294967294",
    );
    // 4294967295 is (uid_t) -1, which the kernel never maps.
    one_line_error(
        &["--map-users=0:4294967295:1", "true"],
        "invalid mapping '0:4294967295:1': ids past 4294967294",
    );
    one_line_error(
        &["--map-users=0:100000:10", "--map-users=5:200000:10", "true"],
        "mapping '5:200000:10' overlaps '0:100000:10' inside the namespace",
    );
    one_line_error(
        &[
            "--map-groups=0:100000:10",
            "--map-groups=20:100009:10",
            "true",
        ],
        "mapping '20:100009:10' overlaps '0:100000:10' outside the namespace",
    );
    one_line_error(
        &["--map-user=nstools-no-such-user", "true"],
        "unknown user 'nstools-no-such-user'",
    );
    one_line_error(
        &["--map-group=nstools-no-such-group", "true"],
        "unknown group 'nstools-no-such-group'",
    );
    one_line_error(&["--owner=1", "true"], "failed to parse owner: '1'");
    one_line_error(&["--owner=a:b", "true"], "failed to parse owner: 'a:b'");
    let time = "options --monotonic and --boottime require unsharing of a time namespace (-T)";
    one_line_error(&["--monotonic=5", "true"], time);
    one_line_error(&["-n", "--boottime=5", "true"], time);
    one_line_error(
        &["-T", "--monotonic=5s", "true"],
        "failed to parse monotonic offset: '5s'",
    );
    let uts = "options --hostname and --domainname require unsharing of a UTS namespace (-u)";
    one_line_error(&["--hostname=x", "true"], uts);
    one_line_error(&["-n", "--domainname=x", "true"], uts);
    one_line_error(
        &["-u", &format!("--hostname={}", "h".repeat(65)), "true"],
        "hostname is longer than 64 bytes",
    );
    // A persist target in a missing directory: refused before anything is made.
    let d = TempDir::new("bad");
    for opt in ["net", "uts", "pid", "mount", "user"] {
        let target = d.join("missing").join(opt);
        let arg = format!("--{opt}={}", target.display());
        let kind = if opt == "mount" { "mnt" } else { opt };
        one_line_error(
            &[&arg, "true"],
            &format!(
                "cannot persist the {kind} namespace at {}: directory {} does not exist",
                target.display(),
                d.join("missing").display()
            ),
        );
    }
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mounts.contains(&*d.path().to_string_lossy()));
}

/// Empty values are refused before anything is done, each saying what is empty, where the
/// system call's own error would print them as nothing (`mount  failed`).
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn empty_arguments_get_clear_messages() {
    if !common::root() {
        return;
    }
    for (args, what) in [
        (&["--net=", "true"][..], "path for --net"),
        (&["--mount=", "true"], "path for --mount"),
        (&["--mount-proc=", "true"], "path for --mount-proc"),
        (&["--mount-binfmt=", "true"], "path for --mount-binfmt"),
        (&["--root=", "true"], "path for --root"),
        (&["-w", "", "true"], "path for --wd"),
        (&["--pid-file=", "-f", "true"], "path for --pid-file"),
        (&["-l", "", "true"], "binfmt definition for --load-interp"),
    ] {
        one_line_error(args, &format!("empty {what}"));
    }
    for args in [
        &[""][..],
        &["-f", ""],
        &["-fp", "--setup", "touch /nonexistent/x", ""],
    ] {
        let r = tool(T, args);
        assert_eq!(
            (r.code, r.stderr.as_str()),
            (Some(127), "nsunshare: empty program name\n"),
            "{args:?}"
        );
    }
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn mount_proc_never_leaks_out_through_shared_propagation() {
    if !common::root() {
        return;
    }
    // Outside (a shared root made by util-linux unshare), /proc is mounted once before and after.
    for prop in ["shared", "slave", "unchanged", "private"] {
        let script = format!(
            r#"grep -c ' /proc ' /proc/self/mountinfo; "$0" -fp --mount-proc --propagation={prop} \
               grep -c ' /proc ' /proc/self/mountinfo; grep -c ' /proc ' /proc/self/mountinfo"#
        );
        let r = run(Command::new("unshare")
            .args(["-m", "--propagation", "shared", "--", "sh", "-c", &script])
            .arg(common::bin(T)));
        // Inside: the old /proc and the new one over it.
        assert_eq!(r.ok(), "1\n2\n1\n", "--propagation={prop}");
    }
}

/// A caller that ignores SIGCHLD (Python, daemons): every wait still works (the supervising
/// parent, the helper and its setup commands, the init), and the program sees the dispositions
/// util-linux gives it (SIGCHLD reset to default, with or without --fork).
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn inherited_ignored_sigchld_does_not_break_waiting() {
    if !common::root() {
        return;
    }
    let d = TempDir::new("sigchld");
    let pid_file = d.join("pid");
    let pid_file_arg = format!("--pid-file={}", pid_file.display());
    let probe = "grep SigIgn /proc/self/status; exit 7";
    let ignoring = |c: &mut Command| run(common::sigchld_ignored(c));
    // Cross-checked with util-linux where it has the options.
    for args in [
        &["-f"][..],
        &["-fp"],
        &["-fp", "--mount-proc"],
        &["--kill-child"],
        &["-U"],
        &[],
    ] {
        let ours = ignoring(cmd(T).args(args).args(["sh", "-c", probe]));
        let util = ignoring(Command::new("unshare").args(args).args(["sh", "-c", probe]));
        assert_eq!(ours.code, Some(7), "{args:?}: {}", ours.stderr);
        assert_eq!(
            (ours.code, &ours.stdout, &ours.stderr),
            (util.code, &util.stdout, &util.stderr),
            "{args:?}: ours, then util-linux"
        );
    }
    // Our own helper: setup commands, a pid file, maps from outside, an init.
    let sigign = ignoring(cmd(T).args(["-f", "sh", "-c", probe])).stdout;
    for args in [
        &["-f", "--setup", "true"][..],
        &["--setup", "sleep 0.1"],
        &["-fp", "--setup", "true", &pid_file_arg],
        &["-fp", "--init", "--setup", "true"],
        &["-fp", "--init", "--kill-child"],
        &["-f", "-r", "--map-users=1:100000:10"],
        &["-r", "--map-users=1:100000:10"],
    ] {
        let r = ignoring(cmd(T).args(args).args(["sh", "-c", probe]));
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (Some(7), sigign.as_str(), ""),
            "{args:?}"
        );
    }
    assert!(
        common::wait_for(Duration::from_secs(5), || !pid_file.exists()),
        "the pid file outlived its process"
    );
}

/// A caller's ignored SIGPIPE reaches the program, as util-linux leaves it (a shell pipeline's
/// writer that ignores EPIPE stays so under nsunshare).
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn ignored_sigpipe_is_kept_across_exec() {
    if !common::root() {
        return;
    }
    use nix::sys::signal::Signal;
    let probe = "grep SigIgn /proc/self/status";
    for args in [&[][..], &["-f"], &["-fp"], &["-U", "-r"]] {
        let ours = run(common::ignoring(
            cmd(T).args(args).args(["sh", "-c", probe]),
            Signal::SIGPIPE,
        ));
        let util = run(common::ignoring(
            Command::new("unshare").args(args).args(["sh", "-c", probe]),
            Signal::SIGPIPE,
        ));
        assert_eq!(ours.ok(), util.ok(), "{args:?}: ours, then util-linux");
        let mask = u64::from_str_radix(ours.stdout.trim().rsplit('\t').next().unwrap(), 16);
        assert_eq!(
            mask.unwrap() & 1 << (13 - 1),
            1 << 12,
            "{args:?}: {}",
            ours.stdout
        );
    }
    // And with our own helper and init.
    let r = run(common::ignoring(
        cmd(T).args(["-fp", "--init", "--setup", "true", "sh", "-c", probe]),
        Signal::SIGPIPE,
    ));
    let mask = u64::from_str_radix(r.ok().trim().rsplit('\t').next().unwrap(), 16).unwrap();
    assert_eq!(mask & 1 << 12, 1 << 12, "{}", r.stdout);
}

#[test]
fn fork_without_forwarding_is_a_patient_parent() {
    let d = TempDir::new("patient");
    let (mut p, child) = start_sleeper(&["--fork"], &d);
    let pid = nix::unistd::Pid::from_raw(p.pid() as i32);
    use nix::sys::signal::{kill, Signal};
    // Like util-linux: INT and TERM are blocked in the parent, which keeps waiting.
    kill(pid, Signal::SIGTERM).unwrap();
    kill(pid, Signal::SIGINT).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        p.0.try_wait().unwrap().is_none(),
        "nsunshare left its child"
    );
    assert!(child.running());
    // The child's death by a signal is re-raised on ourselves.
    kill(nix::unistd::Pid::from_raw(child.0), Signal::SIGKILL).unwrap();
    let status = p.0.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(9));
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn mount_binfmt_and_load_interp() {
    if !common::root() {
        return;
    }
    let r = tool(
        T,
        ["-rpf", "--mount-binfmt", "ls", "/proc/sys/fs/binfmt_misc"],
    );
    assert_eq!(r.ok(), "register\nstatus\n");
    // A file with the extension .nsut is run by /bin/cat, which prints it.
    let d = TempDir::new("binfmt");
    let file = d.join("hello.nsut");
    let staged = d.join("hello.txt");
    std::fs::write(&staged, "hello from binfmt\n").unwrap();
    common::install(&staged, &file, 0o755);
    let r = run(cmd(T)
        .args(["-rpf", "--load-interp", ":nsut:E::nsut::/bin/cat:", "--"])
        .arg(&file));
    assert_eq!(r.ok(), "hello from binfmt\n");
    // Not registered outside.
    let e = Command::new(&file).output().unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ENOEXEC));
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn unprivileged_user_gets_a_full_sandbox() {
    if !common::root() {
        return;
    }
    let etc = FakeEtc::new();
    let name = common::unique("nsu");
    etc.add_user(&name, 23008);
    let r = run(&mut etc.command_as(
        23008,
        &[
            common::bin(T).to_str().unwrap(),
            "-Urpf",
            "--mount-proc",
            "-un",
            "--hostname=sandbox",
            "--",
            "sh",
            "-c",
            "ps -e -o pid=,comm=; echo $$; hostname; id -u; ip -o link show | wc -l",
        ],
    ));
    assert_eq!(
        words(r.ok()),
        [
            vec!["1", "sh"],
            vec!["2", "ps"],
            vec!["1"],
            vec!["sandbox"],
            vec!["0"],
            vec!["1"],
        ]
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn setup_commands_run_outside_before_the_program() {
    if !common::root() {
        return;
    }
    let d = TempDir::new("setup");
    let log = d.join("log");
    let log_s = log.to_str().unwrap();
    let net = |pid: &str| format!("$(stat -L -c %i /proc/{pid}/ns/net)");
    let setup1 = format!(
        "echo \"setup1 $NS_PID {} {}\" >> {log_s}",
        net("self"),
        net("$NS_PID")
    );
    let setup2 = format!("echo setup2 >> {log_s}");
    let program = format!("echo \"program $$ {}\" >> {log_s}", net("self"));
    let outside = common::ns_inode("self", "net").to_string();
    for extra in [&[][..], &["-f"], &["-fp"]] {
        let _ = std::fs::remove_file(&log);
        let mut args = vec!["-n", "--setup", &setup1, "--setup", &setup2];
        args.extend(extra);
        let r = nssh(&args, &program);
        assert_eq!(r.ok(), "");
        let lines = words(&std::fs::read_to_string(&log).unwrap());
        assert_eq!(lines.len(), 3, "{lines:?}");
        let (s1, s2, p) = (&lines[0], &lines[1], &lines[2]);
        assert_eq!(
            (s1[0].as_str(), s2[0].as_str(), p[0].as_str()),
            ("setup1", "setup2", "program")
        );
        // The setup command runs in our namespaces and sees the program's through NS_PID.
        assert_eq!(s1[2], outside, "setup runs outside");
        assert_eq!(s1[3], p[2], "NS_PID is the process in the new namespaces");
        assert_ne!(p[2], outside);
        // NS_PID is the program's pid, as seen from outside.
        if extra == ["-fp"] {
            assert_eq!(p[1], "1");
            assert_ne!(s1[1], "1");
        } else {
            assert_eq!(s1[1], p[1]);
        }
    }
    // A failing setup stops everything before the program runs, and undoes what was made.
    let marker = d.join("marker");
    let uts = format!("--uts={}", d.join("uts").display());
    for (setup, status) in [("exit 3", 3), ("kill -TERM $$", 143)] {
        for fork in [&[][..], &["-f"][..]] {
            let r = run(cmd(T)
                .args(fork)
                .args([
                    &uts, "--setup", "true", "--setup", setup, "--setup", "echo no",
                ])
                .arg("touch")
                .arg(&marker));
            assert_eq!(r.code, Some(1), "{}", r.stderr);
            assert_eq!(
                r.stderr,
                format!("nsunshare: setup command failed with status {status}\n")
            );
            assert_eq!(r.stdout, "");
            assert!(!marker.exists());
            assert!(!d.join("uts").exists(), "the uts file was left behind");
        }
    }
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn pid_file_names_the_process_and_goes_with_it() {
    if !common::root() {
        return;
    }
    let d = TempDir::new("pidfile");
    let file = d.join("box.pid");
    let arg = format!("--pid-file={}", file.display());
    // Without a pid namespace the program can check the pid itself.
    for fork in [false, true] {
        let mut args = vec!["-n", &arg];
        if fork {
            args.push("-f");
        }
        let r = run(cmd(T)
            .args(&args)
            .args(["--", "sh", "-c", r#"cat "$0"; echo $$"#])
            .arg(&file));
        let out = words(r.ok());
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[0], out[1], "the pid file names the program");
        assert!(
            common::wait_for(Duration::from_secs(5), || !file.exists()),
            "pid file left behind"
        );
    }
    // In a new pid namespace it is the pid seen from outside, here while the program runs.
    let mut p =
        Proc::spawn(cmd(T).args(["-fp", "--mount-proc", "--kill-child", &arg, "sleep", "60"]));
    assert!(common::wait_for(Duration::from_secs(5), || file.exists()));
    let pid = std::fs::read_to_string(&file).unwrap();
    let pid = pid.trim();
    // Written before the program starts, so it may not be sleep yet.
    assert!(common::wait_for(Duration::from_secs(5), || {
        std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c == "sleep\n")
    }));
    let ppid = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let ppid = ppid
        .rsplit_once(") ")
        .unwrap()
        .1
        .split(' ')
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(ppid, p.pid().to_string(), "the forked child of nsunshare");
    assert_ne!(
        common::ns_inode(pid, "pid"),
        common::ns_inode("self", "pid")
    );
    // With nsunshare, --kill-child ends the program, and the pid file goes with it.
    p.0.kill().unwrap();
    p.0.wait().unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || !file.exists()));
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists() || {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            stat.contains(") Z ")
        }
    );
    let missing = d.join("missing/box.pid");
    one_line_error(
        &[&format!("--pid-file={}", missing.display()), "true"],
        &format!(
            "cannot write the pid file {}: directory {} does not exist",
            missing.display(),
            d.join("missing").display()
        ),
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn init_runs_the_program_as_pid_2() {
    if !common::root() {
        return;
    }
    let r = nssh(
        &["-fp", "--init", "--mount-proc"],
        "echo $$; ps -e -o pid=,ppid=,comm=",
    );
    assert_eq!(
        words(r.ok()),
        [
            vec!["2"],
            vec!["1", "0", "nsunshare"],
            vec!["2", "1", "sh"],
            vec!["3", "2", "ps"],
        ]
    );
    let shell = |script: &str| {
        let r = run(Command::new("sh").arg("-c").arg(script).arg(common::bin(T)));
        r.ok().to_string()
    };
    assert_eq!(shell(r#""$0" -fp --init sh -c 'exit 9'; echo $?"#), "9\n");
    // Unlike pid 1, the program can be killed by its own signal; the init reports 128+n.
    assert_eq!(
        shell(r#""$0" -fp --init sh -c 'kill -TERM $$'; echo $?"#),
        "143\n"
    );
    // Orphans are reaped: no zombie is left once they exit.
    let r = nssh(
        &["-fp", "--init", "--mount-proc"],
        "(sleep 0.1 &); sleep 0.5; ps -e -o stat=,comm= | grep -c '^Z' || true",
    );
    assert_eq!(r.ok(), "0\n");
    // Signals reach the program through nsunshare and the init.
    let d = TempDir::new("init");
    let log = d.join("log");
    let script = r#"trap 'echo USR1 >> "$0"' USR1; trap 'echo TERM >> "$0"; exit 4' TERM;
        echo ready >> "$0"; while :; do sleep 0.05; done"#;
    let mut p = Proc::spawn(
        cmd(T)
            .args([
                "-fp",
                "--init",
                "--forward-signals",
                "--kill-child",
                "--",
                "sh",
                "-c",
                script,
            ])
            .arg(&log),
    );
    let has = |what: &str| {
        common::wait_for(Duration::from_secs(10), || {
            std::fs::read_to_string(&log).is_ok_and(|t| t.lines().any(|l| l == what))
        })
    };
    assert!(has("ready"));
    let pid = nix::unistd::Pid::from_raw(p.pid() as i32);
    use nix::sys::signal::{kill, Signal};
    kill(pid, Signal::SIGUSR1).unwrap();
    assert!(has("USR1"));
    kill(pid, Signal::SIGTERM).unwrap();
    assert!(has("TERM"));
    assert_eq!(p.0.wait().unwrap().code(), Some(4));
    for args in [
        &["--init", "true"][..],
        &["-p", "--init", "true"],
        &["-f", "--init", "true"],
    ] {
        one_line_error(args, "option --init requires --fork and --pid");
    }
}

#[test]
fn pid_file_lives_as_long_as_the_process_it_names() {
    let d = TempDir::new("pidfile-orphan");
    let file = d.join("box.pid");
    let arg = format!("--pid-file={}", file.display());
    // nsunshare dies, its child (without --kill-child) goes on: the pid file still names it.
    let (mut p, child) = start_sleeper(&["--fork", &arg], &d);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("{}\n", child.0)
    );
    p.0.kill().unwrap();
    p.0.wait().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.running());
    assert!(file.exists(), "pid file removed while its process runs");
    drop(child);
    assert!(
        common::wait_for(Duration::from_secs(5), || !file.exists()),
        "pid file left behind"
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn multicall_binary_runs_nsunshare() {
    // `nstools nsunshare ARGS` and a link named nsunshare behave as the tool itself.
    let d = TempDir::new("multicall");
    let link = d.join("nsunshare");
    std::os::unix::fs::symlink(common::bin("nstools"), &link).unwrap();
    for mut c in [cmd("nstools"), Command::new(&link)] {
        if c.get_program() == common::bin("nstools") {
            c.arg("nsunshare");
        }
        let r = run(c.args(["--bogus"]));
        assert_eq!(r.code, Some(1));
        assert_eq!(
            r.stderr,
            format!("nsunshare: unrecognized option '--bogus'\n{TRY}\n")
        );
    }
    if !common::root() {
        return;
    }
    let r = run(cmd("nstools").args(["nsunshare", "-r", "cat", "/proc/self/uid_map"]));
    assert_eq!(common::map_lines(r.ok()), ["0 0 1"]);
    let r = run(Command::new(&link).args(["-fp", "--mount-proc", "sh", "-c", "echo $$"]));
    assert_eq!(r.ok(), "1\n");
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn persisted_pid_namespace_is_joinable_while_its_init_lives() {
    if !common::root() {
        return;
    }
    let d = TempDir::new("persist-pid");
    let mut files = Persisted(vec![d.join("pid")]);
    let arg = format!("--pid={}", files.0[0].display());
    let mut p = Proc::spawn(cmd(T).args(["--kill-child", &arg, "sleep", "60"]));
    let path = files.0[0].to_string_lossy().into_owned();
    assert!(common::wait_for(Duration::from_secs(5), || {
        std::fs::read_to_string("/proc/self/mountinfo").is_ok_and(|m| m.contains(&path))
    }));
    // nsenter forks into it: the second process of the namespace, after our sleep.
    let r = run(Command::new("nsenter")
        .arg(format!("--pid={path}"))
        .args(["sh", "-c", "echo $$"]));
    assert_eq!(r.ok(), "2\n");
    p.0.kill().unwrap();
    p.0.wait().unwrap();
    // Its init gone, the namespace takes no new process, though the file still names it.
    assert!(common::wait_for(Duration::from_secs(5), || {
        let r = run(Command::new("nsenter")
            .arg(format!("--pid={path}"))
            .arg("true"));
        r.code != Some(0)
    }));
    files.release();
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn init_keeps_only_cap_kill_and_cannot_be_inspected_by_the_container() {
    if !common::root() {
        return;
    }
    // The container's root (uid 0 inside, 100000 outside) against an init that kept host root's
    // credentials: only CAP_KILL, not dumpable, and signals still reach the program.
    let args = [
        "-Upf",
        "--mount-proc",
        "--map-users=0:100000:65536",
        "--map-groups=0:100000:65536",
        "-S",
        "0",
        "-G",
        "0",
        "--init",
    ];
    let script = "grep CapEff /proc/1/status; cat /proc/1/environ >/dev/null 2>&1 || echo sealed; \
                  kill -USR1 $$";
    let r = nssh(&args, script);
    assert_eq!(r.code, Some(128 + 10), "{}", r.stderr);
    assert_eq!(r.stdout, "CapEff:\t0000000000000020\nsealed\n");
}

/// A cgroup made with `nscgroup create` for `--into-cgroup` (a relative path: under the test's
/// own cgroups), deleted with whatever is left in it on drop.
struct Cgroup(String);

impl Cgroup {
    fn new(tag: &str, limits: &[&str]) -> Cgroup {
        let name = common::unique(&format!("nsu-{tag}-"));
        let mut args = vec!["create", name.as_str()];
        args.extend(limits);
        tool("nscgroup", &args).ok();
        Cgroup(name)
    }

    /// Its directory in the hierarchy of `controller` (`""`: the cgroup2 one).
    fn dir(&self, controller: &str) -> std::path::PathBuf {
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
        let own = own
            .lines()
            .find_map(|l| {
                let mut f = l.splitn(3, ':');
                let (_, ctrls, path) = (f.next()?, f.next()?, f.next()?);
                (ctrls == controller || ctrls.split(',').any(|c| c == controller))
                    .then(|| path.to_string())
            })
            .unwrap();
        let mount = match controller {
            "" => common::CgroupLayout::read().v2.unwrap(),
            c => Path::new("/sys/fs/cgroup").join(c),
        };
        mount.join(own.trim_start_matches('/')).join(&self.0)
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        let _ = tool("nscgroup", ["delete", "--kill", &self.0]);
    }
}

/// The script a program runs to report, from the kernel's side, the cgroups it is in: its
/// /proc/self/cgroup, then `in-pids`, `in-cgroup2` for each cgroup.procs of `cg` that lists it.
fn cgroup_probe(cg: &Cgroup) -> String {
    format!(
        "cat /proc/self/cgroup; grep -qx $$ {0}/cgroup.procs && echo in-pids; \
         grep -qx $$ {1}/cgroup.procs && echo in-cgroup2; true",
        cg.dir("pids").display(),
        cg.dir("").display()
    )
}

/// A successful write of `0` (the writer itself) to a cgroup.procs, in an strace log.
fn is_move(line: &str) -> bool {
    line.contains(" write(") && line.contains("\"0\", 1)") && line.ends_with("= 1")
}

/// `--into-cgroup` with `--fork`: the child is created inside the cgroup2 cgroup by clone3
/// (never moved there), moves itself into the v1 ones before anything else, and only then makes
/// the cgroup namespace, so that it sees its own cgroup as the root on every line.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn into_cgroup_starts_the_child_inside_before_its_cgroup_namespace() {
    if common::cgroups(common::CgroupNeed::Hybrid(&["pids"])).is_none() {
        return;
    }
    let cg = Cgroup::new("into", &["--pids=50"]);
    let into = format!("--into-cgroup={}", cg.0);
    let probe = cgroup_probe(&cg);
    let d = TempDir::new("into");
    let log = d.join("strace");
    let traced = |inject: Option<&str>, args: &[&str]| {
        let mut c = Command::new("strace");
        c.args(["-f", "-qq", "-e", "trace=clone3,write,unshare", "-o"])
            .arg(&log);
        if let Some(errno) = inject {
            c.arg(format!("--inject=clone3:error={errno}"));
        }
        let r = run(c
            .arg(common::bin(T))
            .args(args)
            .args(["--", "sh", "-c", &probe]));
        (r, std::fs::read_to_string(&log).unwrap())
    };
    let every_line_root = |out: &str| {
        let lines: Vec<&str> = out.lines().filter(|l| l.contains(':')).collect();
        assert!(lines.contains(&"0::/"), "{out}");
        assert!(lines.iter().all(|l| l.ends_with(":/")), "{out}");
    };

    let (r, log) = traced(None, &["-C", "--fork", &into]);
    let out = r.ok();
    every_line_root(out);
    assert!(out.ends_with("in-pids\nin-cgroup2\n"), "{out}");
    // Ours unshares no cgroup namespace; the child is cloned into the cgroup, moves into pids
    // alone (one write of "0"), then unshares it.
    let line = |what: &str| log.lines().position(|l| l.contains(what));
    let clone = line("clone3({flags=CLONE_INTO_CGROUP,").expect(&log);
    assert!(!log.lines().nth(clone).unwrap().contains("= -1"), "{log}");
    let moves: Vec<usize> = log
        .lines()
        .enumerate()
        .filter(|(_, l)| is_move(l))
        .map(|(i, _)| i)
        .collect();
    let newcgroup: Vec<usize> = log
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("unshare(") && l.contains("CLONE_NEWCGROUP"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(moves.len(), 1, "{log}");
    assert_eq!(newcgroup.len(), 1, "{log}");
    assert!(clone < moves[0] && moves[0] < newcgroup[0], "{log}");
    assert_eq!(
        log.lines().nth(newcgroup[0]).unwrap().split(' ').next(),
        log.lines().nth(moves[0]).unwrap().split(' ').next(),
        "not the child: {log}"
    );

    // Without clone3, or without the flag: a fork, then a move into both.
    for errno in ["ENOSYS", "E2BIG", "EINVAL"] {
        let (r, log) = traced(Some(errno), &["-C", "--fork", &into]);
        let out = r.ok();
        every_line_root(out);
        assert!(out.ends_with("in-pids\nin-cgroup2\n"), "{errno}: {out}");
        let moves = log.lines().filter(|l| is_move(l)).count();
        assert_eq!(moves, 2, "{errno}: {log}");
    }

    // Without --fork the program runs in our place: we move in, then unshare.
    let (r, log) = traced(None, &["-C", &into]);
    let out = r.ok();
    every_line_root(out);
    assert!(out.ends_with("in-pids\nin-cgroup2\n"), "{out}");
    let first_move = log.lines().position(is_move).expect(&log);
    let unshared = line("CLONE_NEWCGROUP").expect(&log);
    assert!(first_move < unshared, "{log}");
    assert!(!log.contains("clone3("), "{log}");

    // Without -C, the full paths: the cgroup, in every hierarchy it exists in.
    let r = nssh(&["--fork", &into], &probe);
    let out = r.ok();
    assert!(out.ends_with("in-pids\nin-cgroup2\n"), "{out}");
    for l in out
        .lines()
        .filter(|l| l.contains(":pids:") || l.starts_with("0::"))
    {
        assert!(l.ends_with(&format!("/{}", cg.0)), "{out}");
    }
}

/// With a helper, the child is in its cgroup and namespace before the helper works: a setup
/// command sees NS_PID in the cgroup, and `--cgroup=FILE` persists the child's namespace.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn into_cgroup_before_the_helper_and_bad_paths() {
    if common::cgroups(common::CgroupNeed::Hybrid(&["pids"])).is_none() {
        return;
    }
    let cg = Cgroup::new("helper", &["--pids=50"]);
    let into = format!("--into-cgroup={}", cg.0);
    let d = TempDir::new("into-helper");
    let file = d.join("cgroupns");
    let seen = d.join("seen");
    let setup = format!(
        "grep -qx $NS_PID {}/cgroup.procs && readlink /proc/$NS_PID/ns/cgroup > {}",
        cg.dir("").display(),
        seen.display()
    );
    let r = nssh(
        &[
            &format!("--cgroup={}", file.display()),
            "--fork",
            &into,
            "--setup",
            &setup,
        ],
        "readlink /proc/self/ns/cgroup; cat /proc/self/cgroup",
    );
    let out = r.ok().to_string();
    let ns = out.lines().next().unwrap();
    assert_eq!(std::fs::read_to_string(&seen).unwrap().trim(), ns);
    assert_ne!(
        ns,
        format!("cgroup:[{}]", common::ns_inode("self", "cgroup"))
    );
    assert_eq!(ns, format!("cgroup:[{}]", file_inode(&file)));
    assert!(out.lines().skip(1).all(|l| l.ends_with(":/")), "{out}");
    nix::mount::umount2(&file, nix::mount::MntFlags::MNT_DETACH).unwrap();

    // The child cannot move into a v1 cgroup (a failure strace injects): it says why, and
    // neither the helper's work nor the program happens.
    let marker = d.join("ran");
    let pid_file = d.join("pid");
    let procs = cg.dir("pids").join("cgroup.procs");
    for helper in [true, false] {
        let mut c = Command::new("strace");
        c.args([
            "-f",
            "-qq",
            "-e",
            "trace=write",
            "--inject=write:error=EACCES",
            "-P",
        ])
        .arg(&procs)
        .args(["-o", "/dev/null"])
        .arg(common::bin(T))
        .args(["-C", "--fork", &into]);
        if helper {
            c.arg(format!("--pid-file={}", pid_file.display()))
                .args(["--setup", &format!("touch {}", marker.display())]);
        }
        let r = run(c.arg("touch").arg(&marker));
        assert_eq!(
            r.fails(1),
            format!(
                "nsunshare: cannot move into {}: Permission denied",
                cg.dir("pids").display()
            ),
            "helper: {helper}"
        );
        assert!(!marker.exists() && !pid_file.exists(), "helper: {helper}");
    }

    // A cgroup that does not exist: said before anything runs, nothing made.
    let missing = common::unique("nsu-missing-");
    let r = run(cmd(T)
        .args(["-C", "--fork", &format!("--into-cgroup={missing}")])
        .args(["touch"])
        .arg(&marker));
    let msg = r.fails(1);
    assert!(
        msg.starts_with(&format!("nsunshare: cgroup {missing} (")),
        "{msg}"
    );
    assert!(
        msg.ends_with(&format!(
            "): No such file or directory (make it first: nscgroup create {missing})"
        )),
        "{msg}"
    );
    assert!(!marker.exists());
    one_line_error(
        &["--into-cgroup=../x", "true"],
        "invalid cgroup path '../x': '..' is not allowed",
    );
    one_line_error(&["--into-cgroup=", "true"], "invalid cgroup path: empty");
}

/// The kernel clears the parent-death signal when ids change: `--kill-child` still kills the
/// program (or the init, and with it the namespace) after --setuid/--setgid.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn kill_child_outlives_a_change_of_ids() {
    if !common::root() {
        return;
    }
    let children = |pid: u32| -> Vec<i32> {
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
            .unwrap_or_default()
            .split_whitespace()
            .map(|p| p.parse().unwrap())
            .collect()
    };
    let comm = |pid: i32| std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    for extra in [&[][..], &["-p", "--init"]] {
        let mut p = Proc::spawn(
            cmd(T)
                .args(["--fork", "--kill-child", "--setuid=23005", "--setgid=23006"])
                .args(extra)
                .args(["--", "sleep", "60"])
                .stdout(Stdio::null()),
        );
        let mut sleeper = None;
        common::wait_for(Duration::from_secs(10), || {
            let c = children(p.pid());
            let program = match (extra.is_empty(), c.first()) {
                (true, Some(c)) => Some(*c),
                (false, Some(init)) => children(*init as u32).first().copied(),
                _ => None,
            };
            sleeper = program.filter(|pid| comm(*pid) == "sleep\n");
            sleeper.is_some()
        });
        let program = Orphan(sleeper.expect("the program did not start"), "sleep");
        let status = std::fs::read_to_string(format!("/proc/{}/status", program.0)).unwrap();
        assert!(status.contains("Uid:\t23005\t"), "{status}");
        p.0.kill().unwrap();
        p.0.wait().unwrap();
        assert!(
            common::wait_for(Duration::from_secs(5), || !program.running()),
            "{extra:?}: the program survived"
        );
    }
}

/// With `--init`, the init takes the ids the program is given (once mapped), keeps CAP_KILL
/// alone, still forwards signals, and the program (root of its user namespace, the init's own
/// uid) can neither read its /proc files nor ptrace it.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn init_takes_the_programs_ids() {
    if !common::root() {
        return;
    }
    let d = TempDir::new("init-ids");
    let log = d.join("log");
    std::fs::File::create(&log).unwrap();
    std::os::unix::fs::chown(&log, Some(200000), Some(200000)).unwrap();
    common::sh(&format!("chmod 755 {}", d.path().display()));
    let script = r#"trap 'echo USR1 >> "$0"' USR1; trap 'echo TERM >> "$0"; exit 4' TERM;
        { set -- $(ls -ldn /proc/1/); echo "owner=$3"; grep -E '^(Uid|Gid|Groups):' /proc/1/status
          cat /proc/1/environ >/dev/null 2>&1 && echo environ=readable || echo environ=denied
          echo ready; } >> "$0"; while :; do sleep 0.05; done"#;
    let mut p = Proc::spawn(
        cmd(T)
            .args([
                "--user",
                "--map-users=0:200000:65536",
                "--map-groups=0:200000:65536",
                "-fp",
                "--mount-proc",
                "--init",
                "--forward-signals",
                "--kill-child",
                "--setuid=0",
                "--setgid=0",
                "--",
                "sh",
                "-c",
                script,
            ])
            .arg(&log),
    );
    let has = |what: &str| {
        common::wait_for(Duration::from_secs(10), || {
            std::fs::read_to_string(&log).is_ok_and(|t| t.lines().any(|l| l == what))
        })
    };
    assert!(has("ready"), "{}", std::fs::read_to_string(&log).unwrap());
    let inside = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        words(&inside),
        [
            vec!["owner=0"],
            vec!["Uid:", "0", "0", "0", "0"],
            vec!["Gid:", "0", "0", "0", "0"],
            vec!["Groups:"],
            vec!["environ=denied"],
            vec!["ready"],
        ]
    );
    let init = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", p.pid())).unwrap();
    let init = init.trim();
    let status = std::fs::read_to_string(format!("/proc/{init}/status")).unwrap();
    let field = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap()
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(field("Uid:"), ["200000"; 4]);
    assert_eq!(field("Gid:"), ["200000"; 4]);
    assert_eq!(field("CapEff:"), ["0000000000000020"]);
    assert_eq!(field("CapPrm:"), ["0000000000000020"]);
    let program = std::fs::read_to_string(format!("/proc/{init}/task/{init}/children")).unwrap();
    let trace = run(Command::new("nsenter").args([
        "-t",
        program.trim(),
        "--user",
        "--",
        "timeout",
        "5",
        "strace",
        "-qq",
        "-e",
        "trace=none",
        "-p",
        init,
    ]));
    assert!(
        trace.stderr.contains(&format!(
            "attach: ptrace(PTRACE_SEIZE, {init}): Operation not permitted"
        )),
        "{:?} {}",
        trace.code,
        trace.stderr
    );
    let pid = nix::unistd::Pid::from_raw(p.pid() as i32);
    use nix::sys::signal::{kill, Signal};
    kill(pid, Signal::SIGUSR1).unwrap();
    assert!(has("USR1"));
    kill(pid, Signal::SIGTERM).unwrap();
    assert!(has("TERM"));
    assert_eq!(p.0.wait().unwrap().code(), Some(4));
}
