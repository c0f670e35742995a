//! nspivot against the real kernel: a busybox root filesystem built per test, entered through
//! `nsunshare -mpf` (and `-Urmpf`), every effect checked from inside with busybox and from
//! outside with the host's /proc/self/mountinfo.

mod common;

use std::path::Path;
use std::process::Command;

use common::TempDir;

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `nsunshare FLAGS -- nspivot ARGS...`
fn pivot(flags: &str, args: &[&str]) -> common::Ran {
    let mut c = common::cmd("nsunshare");
    c.arg(flags)
        .arg("--")
        .arg(common::bin("nspivot"))
        .args(args);
    common::run(&mut c)
}

/// What the checks below print, one `key=value` per line, read back as a map.
fn report(out: &str) -> std::collections::HashMap<String, String> {
    out.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Checks run inside the new root: the view, the escape attempts, /proc, /dev and a pty.
const CHECKS: &str = r#"
echo "root=$(ls / | tr '\n' ' ')"
echo "pid=$$"
echo "procs=$(ls /proc | grep '^[0-9]' | wc -l)"
echo "pid1=$(head -c 7 /proc/1/cmdline)"
esc=no
for p in "/$1" "/../$1" "/../../$1" "/proc/1/root/../$1" "/proc/self/root/../../$1" "$2/$1"; do
  [ -e "$p" ] && esc="$p"
done
cd /../..; [ -e "$1" ] && esc=cd
echo "escaped=$esc"
echo "up=$(ls /proc/1/root/.. | tr '\n' ' ')"
echo hi > /dev/null && echo "null=$(wc -c < /dev/null)"
echo "zero=$(head -c 4 /dev/zero | wc -c)"
echo "urandom=$(head -c 8 /dev/urandom | wc -c)"
exec 3<>/dev/ptmx && echo "pts=$(ls /dev/pts | tr '\n' ' ')"
echo "links=$(for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done | tr "\n" " ")"
touch /dev/shm/x && echo shm=ok
echo "devnull=$(grep -c ' /dev/null ' /proc/self/mountinfo)"
"#;

fn check_view(flags: &str, test: &str) -> std::collections::HashMap<String, String> {
    let dir = TempDir::new(test);
    let root = common::busybox_rootfs(&dir, &["proc", "sys", "dev", "tmp"]);
    let marker = common::unique("marker");
    std::fs::write(dir.join(&marker), "host").unwrap();
    let before = common::host_mounts(dir.path());
    let old = dir.path().to_str().unwrap();
    let r = pivot(
        flags,
        &[
            root.to_str().unwrap(),
            "--",
            "/bin/sh",
            "-c",
            CHECKS,
            "sh",
            &marker,
            old,
        ],
    );
    assert_eq!(r.stderr, "");
    let got = report(r.ok());
    assert_eq!(
        common::host_mounts(dir.path()),
        before,
        "the host's mount table changed"
    );
    assert_eq!(got["root"], "bin dev proc sys tmp ");
    assert_eq!(got["pid"], "1");
    assert_eq!(got["pid1"], "/bin/sh");
    let procs: u32 = got["procs"].trim().parse().unwrap();
    assert!(procs < 10, "/proc shows {procs} processes");
    assert_eq!(got["escaped"], "no");
    assert_eq!(got["up"], "bin dev proc sys tmp ");
    assert_eq!(got["null"].trim(), "0");
    assert_eq!(got["zero"].trim(), "4");
    assert_eq!(got["urandom"].trim(), "8");
    assert_eq!(got["pts"], "0 ptmx ");
    assert_eq!(
        got["links"],
        "/proc/self/fd /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2 pts/ptmx "
    );
    assert_eq!(got["shm"], "ok");
    // The rootfs is left with only what it had.
    assert_eq!(listing(&root), ["bin", "dev", "proc", "sys", "tmp"]);
    got
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn pivots_into_a_busybox_root() {
    if !common::root() {
        return;
    }
    let got = check_view("-mpf", "pivot");
    assert_eq!(
        got["devnull"], "0",
        "device nodes are made with mknod as root"
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn pivots_in_a_user_namespace_with_bound_devices() {
    if !common::root() {
        return;
    }
    let got = check_view("-Urmpf", "pivot-user");
    assert_eq!(
        got["devnull"], "1",
        "device nodes are bind-mounted in a user namespace"
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn read_only_root_with_tmpfs_and_binds() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("pivot-ro");
    let root = common::busybox_rootfs(&dir, &[]);
    let data = dir.join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("f"), "data\n").unwrap();
    let conf = dir.join("conf");
    std::fs::write(&conf, "conf\n").unwrap();
    let before = common::host_mounts(dir.path());
    let script = r#"
touch /x 2>/dev/null && echo rootfs=rw || echo rootfs=ro
touch /tmp/x && echo tmp=rw
touch /dev/x && echo dev=rw
touch /dev/shm/x && echo shm=rw
echo "data=$(cat /srv/data/f)"
echo new > /srv/data/new && echo data=rw
echo "conf=$(cat /etc/app/conf)"
echo no 2>/dev/null > /etc/app/conf && echo conf=rw || echo conf=ro
echo "wd=$(pwd)"
"#;
    let bind = format!("--bind={}:/srv/data", data.display());
    let ro_bind = format!("--ro-bind={}:/etc/app/conf", conf.display());
    let r = pivot(
        "-mpf",
        &[
            "--ro",
            "--tmpfs=/tmp",
            &bind,
            &ro_bind,
            "--wd=/srv",
            root.to_str().unwrap(),
            "/bin/sh",
            "-c",
            script,
        ],
    );
    assert_eq!(r.stderr, "");
    let out: Vec<&str> = r.ok().lines().collect();
    assert_eq!(
        out,
        [
            "rootfs=ro",
            "tmp=rw",
            "dev=rw",
            "shm=rw",
            "data=data",
            "data=rw",
            "conf=conf",
            "conf=ro",
            "wd=/srv",
        ]
    );
    assert_eq!(std::fs::read_to_string(data.join("new")).unwrap(), "new\n");
    assert_eq!(std::fs::read_to_string(&conf).unwrap(), "conf\n");
    assert_eq!(common::host_mounts(dir.path()), before);
    // Missing mount points were created in the rootfs (and stay, like the mounts' targets).
    assert_eq!(
        listing(&root),
        ["bin", "dev", "etc", "proc", "srv", "sys", "tmp"]
    );
    assert!(root.join("etc/app/conf").is_file());
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn options_skip_mounts_and_set_the_hostname() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("pivot-opts");
    let root = common::busybox_rootfs(&dir, &["proc", "sys", "dev"]);
    let r = pivot(
        "-mupf",
        &[
            "--no-proc",
            "--no-sys",
            "--no-dev",
            "--hostname=box",
            root.to_str().unwrap(),
            "--",
            "/bin/sh",
            "-c",
            "hostname; for d in /proc /sys /dev; do echo $d=$(ls -A $d | wc -l); done",
        ],
    );
    assert_eq!(r.stderr, "");
    assert_eq!(r.ok(), "box\n/proc=0\n/sys=0\n/dev=0\n");
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn chains_after_nsmount_proc() {
    if !common::root() {
        return;
    }
    // nspivot then runs as pid 1 with /proc already showing the new pid namespace.
    let dir = TempDir::new("pivot-chain");
    let root = common::busybox_rootfs(&dir, &[]);
    let mut c = common::cmd("nsunshare");
    c.args(["-mpf", "--"])
        .arg(common::bin("nsmount-proc"))
        .arg("--");
    c.arg(common::bin("nspivot")).arg(&root);
    c.args(["/bin/sh", "-c", "echo $$; ls /"]);
    let r = common::run(&mut c);
    assert_eq!(r.stderr, "");
    assert_eq!(r.ok(), "1\nbin\ndev\nproc\nsys\n");
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn rootless_with_every_namespace() {
    if !common::root() {
        return;
    }
    // As nobody: fresh sysfs and mqueue (own network and IPC namespaces), bound device nodes.
    let dir = TempDir::new("pivot-rootless");
    let root = common::busybox_rootfs(&dir, &[]);
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    std::fs::set_permissions(&root, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let script = r#"hostname; id -u
for m in /proc /sys /dev/mqueue /dev/null; do
  grep " $m " /proc/self/mountinfo | sed 's/.* - \([^ ]*\) .*/\1/'
done
exec 3<>/dev/ptmx && ls /dev/pts | tr '\n' ' '"#;
    let mut c = common::as_user(65534);
    c.arg(common::bin("nsunshare")).args(["-UrmuinpfC", "--"]);
    c.arg(common::bin("nspivot"))
        .arg("--hostname=box")
        .arg(&root);
    c.args(["/bin/sh", "-c", script]);
    let r = common::run(&mut c);
    assert_eq!(r.stderr, "");
    assert_eq!(r.ok(), "box\n0\nproc\nsysfs\nmqueue\ndevtmpfs\n0 ptmx ");
}

/// Runs `nspivot ARGS` in a new mount namespace and asserts the one-line failure, with the
/// rootfs and the host's mounts as they were.
#[track_caller]
fn fails(dir: &TempDir, root: &Path, flags: &str, args: &[&str], line: &str) {
    let before = common::host_mounts(dir.path());
    let before_root = listing(root);
    let r = if flags.is_empty() {
        common::tool("nspivot", args)
    } else {
        pivot(flags, args)
    };
    assert_eq!(r.fails(1), line);
    assert_eq!(r.stdout, "");
    assert_eq!(common::host_mounts(dir.path()), before);
    assert_eq!(listing(root), before_root);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn bad_input_fails_in_one_line_and_leaves_everything() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("pivot-bad");
    let root = common::busybox_rootfs(&dir, &[]);
    let r = root.to_str().unwrap();
    let missing = dir.join("missing");
    let m = missing.to_str().unwrap();
    std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
    let file = root.join("bin/busybox");
    let f = file.to_str().unwrap();
    fails(
        &dir,
        &root,
        "-mpf",
        &[m, "/bin/true"],
        &format!("nspivot: cannot access new root {m}: No such file or directory"),
    );
    fails(
        &dir,
        &root,
        "-mpf",
        &[f, "/bin/true"],
        &format!("nspivot: new root {f}: Not a directory"),
    );
    fails(
        &dir,
        &root,
        "-mpf",
        &[&format!("--bind={m}:/x"), r, "/bin/true"],
        &format!("nspivot: cannot access bind source {m}: No such file or directory"),
    );
    fails(
        &dir,
        &root,
        "-mpf",
        &["--hostname=box", r, "/bin/true"],
        "nspivot: --hostname needs a new UTS namespace (run under nsunshare -u)",
    );
    // A failure half-way: /proc, /sys and /dev were made and mounted, then undone.
    fails(
        &dir,
        &root,
        "-mpf",
        &["--tmpfs=/bin/sh/x", r, "/bin/true"],
        &format!(
            "nspivot: mount tmpfs on /bin/sh/x: cannot access {r}/bin/busybox/x: Not a directory"
        ),
    );
    fails(
        &dir,
        &root,
        "-mpf",
        &["--bind=/etc:/loop/x", r, "/bin/true"],
        "nspivot: bind /etc on /loop/x: cannot resolve /loop/x in the new root: \
         Too many symbolic links encountered",
    );
    // Empty values say so (not `cannot access new root :`), before anything is made.
    for (args, what) in [
        (vec!["", "/bin/true"], "path for the new root"),
        (vec!["--tmpfs=", r, "/bin/true"], "path for --tmpfs"),
        (vec!["--wd=", r, "/bin/true"], "path for --wd"),
    ] {
        fails(
            &dir,
            &root,
            "-mpf",
            &args,
            &format!("nspivot: empty {what}"),
        );
    }
    let before = listing(&root);
    let r = pivot("-mpf", &[r, ""]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (Some(127), "nspivot: empty program name\n")
    );
    assert_eq!(listing(&root), before);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn refuses_the_original_mount_namespace_before_any_mount() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("pivot-orig");
    let root = common::busybox_rootfs(&dir, &[]);
    let before = common::host_mounts(dir.path());
    let trace = dir.join("trace");
    let mut c = Command::new("strace");
    c.args([
        "-f",
        "-qq",
        "-e",
        "trace=mount,mkdir,mkdirat,pivot_root,umount2,mount_setattr",
    ]);
    c.arg("-o")
        .arg(&trace)
        .arg(common::bin("nspivot"))
        .arg(&root)
        .arg("/bin/true");
    let r = common::run(&mut c);
    assert_eq!(
        r.fails(1),
        "nspivot: refusing to pivot the original mount namespace (run under nsunshare -m)"
    );
    let calls = std::fs::read_to_string(&trace).unwrap();
    assert!(
        !calls.lines().any(|l| !l.contains("exited with")),
        "{calls}"
    );
    assert_eq!(common::host_mounts(dir.path()), before);
    assert_eq!(listing(&root), ["bin"]);
}

#[test]
fn rootfs_helper_is_idempotent_and_links_stay_inside() {
    // No privilege needed: the test's own rootfs builder.
    let dir = TempDir::new("pivot-helper");
    let a = common::busybox_rootfs(&dir, &["tmp"]);
    let b = common::busybox_rootfs(&dir, &["tmp"]);
    assert_eq!(a, b);
    assert!(a
        .join("bin/sh")
        .symlink_metadata()
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn usage_errors() {
    let r = common::tool("nspivot", Vec::<&str>::new());
    assert_eq!(
        r.fails(1),
        "nspivot: no new root given\nTry 'nspivot --help' for more information."
    );
    let r = common::tool("nspivot", ["--bind=/x", "/"]);
    assert_eq!(
        r.fails(1),
        "nspivot: invalid bind specification '/x' (expected SRC:DST)\n\
         Try 'nspivot --help' for more information."
    );
    let r = common::tool("nspivot", ["--bogus", "/"]);
    assert_eq!(
        r.fails(1),
        "nspivot: unrecognized option '--bogus'\nTry 'nspivot --help' for more information."
    );
    let r = common::tool("nspivot", ["--tmpfs"]);
    assert_eq!(
        r.fails(1),
        "nspivot: option '--tmpfs' requires an argument\n\
         Try 'nspivot --help' for more information."
    );
    assert!(common::tool("nspivot", ["--help"])
        .ok()
        .starts_with("Usage:\n nspivot "));
}

/// The caller's ignored SIGPIPE reaches the program in the new root (as util-linux tools leave
/// it), through nsunshare and nspivot.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn ignored_sigpipe_is_kept_across_exec() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("sigpipe");
    let root = common::busybox_rootfs(&dir, &["proc", "sys", "dev"]);
    let mut c = common::cmd("nsunshare");
    c.args(["-mpf", "--"])
        .arg(common::bin("nspivot"))
        .arg(&root)
        .args(["grep", "SigIgn", "/proc/self/status"]);
    let r = common::run(common::ignoring(&mut c, nix::sys::signal::Signal::SIGPIPE));
    let mask = r.ok().trim().rsplit('\t').next().unwrap().to_string();
    let mask = u64::from_str_radix(&mask, 16).unwrap();
    assert_eq!(mask & 1 << 12, 1 << 12, "SIGPIPE was reset: {}", r.stdout);
    assert_eq!(listing(&root), ["bin", "dev", "proc", "sys"]);
}

/// A failure once the new root is built (a bad --wd, checked before the switch) or once it is
/// switched to (a program that cannot be executed) leaves the rootfs and the host's mounts as
/// they were: no mount point made for --tmpfs or --bind stays behind.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn failures_after_the_build_leave_the_rootfs_as_it_was() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("pivot-late");
    let root = common::busybox_rootfs(&dir, &[]);
    let r = root.to_str().unwrap();
    let opts = ["--tmpfs=/x", "--bind=/etc/hostname:/a/newfile", "--ro"];
    let with = |extra: &[&str], program: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = opts.iter().map(|a| a.to_string()).collect();
        args.extend(extra.iter().map(|a| a.to_string()));
        args.push(r.to_string());
        args.extend(program.iter().map(|a| a.to_string()));
        args
    };
    let before = listing(&root);
    let mounts = common::host_mounts(dir.path());
    for (args, code, line) in [
        (
            with(&["--wd=/nope"], &["/bin/true"]),
            1,
            "nspivot: cannot change directory to /nope: No such file or directory".to_string(),
        ),
        (
            with(&["--wd=/a/newfile"], &["/bin/true"]),
            1,
            "nspivot: cannot change directory to /a/newfile: Not a directory".into(),
        ),
        (
            with(&["--wd=/x/y"], &["/bin/true"]),
            1,
            "nspivot: cannot change directory to /x/y: No such file or directory".into(),
        ),
        (
            with(&[], &["/no/such/program"]),
            127,
            "nspivot: failed to execute /no/such/program: No such file or directory".into(),
        ),
        (
            with(&[], &["/proc"]),
            126,
            "nspivot: failed to execute /proc: Permission denied".into(),
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        for flags in ["-mpf", "-Urmpf"] {
            let out = pivot(flags, &args);
            assert_eq!(out.fails(code), line, "{flags} {args:?}");
            assert_eq!(
                listing(&root),
                before,
                "{flags} {args:?}: the rootfs changed"
            );
            assert_eq!(common::host_mounts(dir.path()), mounts, "{flags} {args:?}");
        }
    }
    // A --wd that only the new root's mounts provide is found before the switch.
    let args = with(&["--wd=/x"], &["/bin/pwd"]);
    let out = pivot("-mpf", &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.ok(), "/x\n");
    // Once the program has run, the mount points made for it stay (empty, reused next time):
    // nothing of nspivot outlives the container to remove them (see rootfs.rs and nspivot(1)).
    assert_eq!(
        listing(&root),
        ["a", "bin", "dev", "proc", "sys", "tmp", "x"]
    );
    assert_eq!(std::fs::metadata(root.join("a/newfile")).unwrap().len(), 0);
    let args = with(&[], &["/bin/true"]);
    let again = pivot("-mpf", &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(again.code, Some(0), "{}", again.stderr);
}

/// A new root the container's root cannot reach (a directory above it, owned by the host's
/// root, is not searchable by uid 100000): the error names that directory, the uid on the host
/// and the fix, and nothing is touched.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn unsearchable_new_root_names_the_directory_and_the_uid() {
    if !common::root() {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("pivot-perm");
    let locked = dir.join("locked");
    std::fs::create_dir(&locked).unwrap();
    let root = locked.join("rootfs");
    std::fs::create_dir(&root).unwrap();
    let mode =
        |p: &Path, m: u32| std::fs::set_permissions(p, PermissionsExt::from_mode(m)).unwrap();
    mode(dir.path(), 0o711);
    mode(&locked, 0o700);
    let before = common::host_mounts(dir.path());
    let run = || {
        let mut c = common::cmd("nsunshare");
        c.args([
            "--user",
            "--map-users=0:100000:65536",
            "--map-groups=0:100000:65536",
            "--setuid=0",
            "--setgid=0",
            "-mpf",
            "--",
        ])
        .arg(common::bin("nspivot"))
        .arg(&root)
        .arg("/bin/true");
        common::run(&mut c)
    };
    let r = run();
    assert_eq!(
        r.fails(1),
        format!(
            "nspivot: cannot access new root {}: Permission denied ({} is not searchable by the \
             container's root, uid 100000 on the host: chmod o+x each directory above the new \
             root)",
            root.display(),
            locked.display()
        )
    );
    // The directory above it, this time.
    mode(&locked, 0o711);
    mode(dir.path(), 0o700);
    let r = run();
    assert!(
        r.fails(1).ends_with(&format!(
            "({} is not searchable by the container's root, uid 100000 on the host: chmod o+x \
             each directory above the new root)",
            dir.path().display()
        )),
        "{}",
        r.stderr
    );
    assert_eq!(common::host_mounts(dir.path()), before);
    assert!(listing(&root).is_empty());
    // Without a user namespace, the same cause is named with the plain uid.
    let mut c = common::as_user(65534);
    c.arg(common::bin("nspivot")).arg(&root);
    let r = common::run(&mut c);
    assert_eq!(
        r.fails(1),
        format!(
            "nspivot: cannot access new root {}: Permission denied ({} is not searchable by uid \
             65534: chmod o+x each directory above the new root)",
            root.display(),
            dir.path().display()
        )
    );
}
