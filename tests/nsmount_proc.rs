//! nsmount-proc against the real kernel, always inside a new mount namespace made by nsunshare
//! (except for the refusals); the mounts are read back with util-linux findmnt and /proc files.

mod common;

use std::process::Command;

use common::TempDir;

/// `nsunshare FLAGS -- nsmount-proc ARGS...`
fn in_ns(flags: &str, args: &[&str]) -> common::Ran {
    let mut c = common::cmd("nsunshare");
    c.arg(flags)
        .arg("--")
        .arg(common::bin("nsmount-proc"))
        .args(args);
    common::run(&mut c)
}

const SHOW: &str = r#"echo "pid=$$"
echo "procs=$(ls /proc | grep -c '^[0-9]')"
echo "comm=$(cat /proc/1/comm)"
findmnt -n -o FSTYPE,OPTIONS --mountpoint /proc | tail -n 1"#;

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn mounts_a_fresh_proc_in_a_new_namespace() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("mproc");
    let before = common::host_mounts(dir.path());
    for flags in ["-mpf", "-Urmpf"] {
        let r = in_ns(flags, &["--", "sh", "-c", SHOW]);
        assert_eq!(r.stderr, "", "{flags}");
        let out: Vec<&str> = r.ok().lines().collect();
        assert_eq!(out[0], "pid=1");
        let procs: u32 = out[1].strip_prefix("procs=").unwrap().parse().unwrap();
        assert!(procs < 10, "{flags}: /proc shows {procs} processes");
        assert_eq!(out[2], "comm=sh");
        assert!(out[3].starts_with("proc "), "{}", out[3]);
        for opt in ["nosuid", "nodev", "noexec"] {
            assert!(out[3].contains(opt), "{flags}: {} lacks {opt}", out[3]);
        }
        assert_eq!(
            common::host_mounts(dir.path()),
            before,
            "{flags}: the host's mounts changed"
        );
    }
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn hidepid_subset_and_dir() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("mproc-opts");
    let before = common::host_mounts(dir.path());
    let d = dir.path().to_str().unwrap();
    let script = r#"findmnt -n -o OPTIONS --mountpoint "$0"; test -e "$0/sys" || echo no-sys;
        test -e "$0/1" && echo has-1; readlink /proc/self/ns/mnt"#;
    let r = in_ns(
        "-Urmpf",
        &[
            "--hidepid=invisible",
            "--subset=pid",
            "--dir",
            d,
            "sh",
            "-c",
            script,
            d,
        ],
    );
    assert_eq!(r.stderr, "");
    let out: Vec<&str> = r.ok().lines().collect();
    assert!(out[0].contains("hidepid=invisible"), "{}", out[0]);
    assert!(out[0].contains("subset=pid"), "{}", out[0]);
    assert_eq!(out[1..3], ["no-sys", "has-1"]);
    // The host's /proc is still the one this test process sees.
    assert_ne!(
        out[3],
        std::fs::read_link("/proc/self/ns/mnt")
            .unwrap()
            .to_str()
            .unwrap()
    );
    assert_eq!(common::host_mounts(dir.path()), before);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn no_private_keeps_propagation() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("mproc-prop");
    let d = dir.path().to_str().unwrap();
    // util-linux unshare makes the namespace with shared propagation; a private one would show no
    // `shared:` tag on /.
    let script = r#"grep -c ' / / .*shared:' /proc/self/mountinfo || true"#;
    for (extra, want) in [(None, "0\n"), (Some("--no-private"), "1\n")] {
        let mut c = Command::new("unshare");
        c.args(["-mpf", "--propagation", "shared", "--"])
            .arg(common::bin("nsmount-proc"));
        c.args(extra).args(["--dir", d, "sh", "-c", script]);
        let r = common::run(&mut c);
        assert_eq!(r.stderr, "");
        assert_eq!(r.ok(), want, "{extra:?}");
    }
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn refuses_the_original_mount_namespace() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("mproc-orig");
    let d = dir.path().to_str().unwrap();
    let before = common::host_mounts(dir.path());
    let trace = dir.join("trace");
    let mut c = Command::new("strace");
    c.args(["-f", "-qq", "-e", "trace=mount,mount_setattr,umount2", "-o"])
        .arg(&trace);
    c.arg(common::bin("nsmount-proc")).args(["--", "true"]);
    let r = common::run(&mut c);
    assert_eq!(
        r.fails(1),
        "nsmount-proc: refusing to mount over /proc in the original mount namespace \
         (run under nsunshare -m, or use --force)"
    );
    assert_eq!(std::fs::read_to_string(&trace).unwrap(), "");
    let r = common::tool("nsmount-proc", ["--dir", d, "true"]);
    assert_eq!(
        r.fails(1),
        format!(
            "nsmount-proc: refusing to mount over {d} in the original mount namespace \
             (run under nsunshare -m, or use --force)"
        )
    );
    assert_eq!(common::host_mounts(dir.path()), before);
    // --force overrides; --no-private keeps the host's propagation, and the mount is on a
    // directory of ours (detached by the guard).
    let r = common::tool(
        "nsmount-proc",
        ["--force", "--no-private", "--dir", d, "true"],
    );
    assert_eq!(r.stderr, "");
    r.ok();
    assert!(common::host_mounts(dir.path())
        .iter()
        .any(|l| l.contains(&format!(" {d} "))));
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn a_new_pid_namespace_alone_is_refused() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("mproc-pid");
    let before = common::host_mounts(dir.path());
    let mut c = Command::new("unshare");
    c.args(["-pf", "--"])
        .arg(common::bin("nsmount-proc"))
        .arg("true");
    let r = common::run(&mut c);
    assert_eq!(
        r.fails(1),
        "nsmount-proc: refusing to mount over /proc in the original mount namespace \
         (run under nsunshare -m, or use --force)"
    );
    assert_eq!(common::host_mounts(dir.path()), before);
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn explains_a_refused_mount() {
    if !common::root() {
        return;
    }
    // A user namespace without its own pid namespace: the kernel refuses the procfs.
    let r = in_ns("-Urm", &["true"]);
    assert_eq!(
        r.fails(1),
        "nsmount-proc: mount /proc failed: Operation not permitted (not in a new pid namespace \
         owned by this user namespace, or the host's /proc is partly over-mounted)"
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn runs_the_shell_by_default() {
    if !common::root() {
        return;
    }
    // The shell says its pid and the pid `/proc/self` shows it: both 1 when it runs as the
    // namespace's first process over the /proc nsmount-proc mounted.
    let dir = TempDir::new("shell");
    let shell = dir.join("shell");
    std::fs::write(
        &shell,
        "#!/bin/sh\nread pid rest < /proc/self/stat\necho \"$$ $pid\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&shell, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut c = common::cmd("nsunshare");
    c.args(["-mpf", "--"])
        .arg(common::bin("nsmount-proc"))
        .env("SHELL", &shell);
    assert_eq!(common::run(&mut c).ok(), "1 1\n");
}

#[test]
fn usage_errors() {
    let try_line = "Try 'nsmount-proc --help' for more information.";
    for (args, line) in [
        (
            &["--hidepid=3"][..],
            "nsmount-proc: unsupported hidepid mode: 3",
        ),
        (
            &["--subset", "all"][..],
            "nsmount-proc: unsupported subset: all",
        ),
        (
            &["--bogus"][..],
            "nsmount-proc: unrecognized option '--bogus'",
        ),
        (
            &["--dir"][..],
            "nsmount-proc: option '--dir' requires an argument",
        ),
    ] {
        let r = common::tool("nsmount-proc", args);
        assert_eq!(r.fails(1), format!("{line}\n{try_line}"));
    }
    assert!(common::tool("nsmount-proc", ["-h"])
        .ok()
        .starts_with("Usage:\n nsmount-proc "));
}

/// The caller's ignored SIGPIPE reaches the program, as util-linux tools leave it.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn ignored_sigpipe_is_kept_across_exec() {
    if !common::root() {
        return;
    }
    let mut c = common::cmd("nsunshare");
    c.args(["-mpf", "--"])
        .arg(common::bin("nsmount-proc"))
        .args(["grep", "SigIgn", "/proc/self/status"]);
    let r = common::run(common::ignoring(&mut c, nix::sys::signal::Signal::SIGPIPE));
    let mask = r.ok().trim().rsplit('\t').next().unwrap().to_string();
    let mask = u64::from_str_radix(&mask, 16).unwrap();
    assert_eq!(mask & 1 << 12, 1 << 12, "SIGPIPE was reset: {}", r.stdout);
}

/// Empty values say so (not `mount  failed`), before anything is mounted.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn empty_arguments_get_clear_messages() {
    if !common::root() {
        return;
    }
    let r = in_ns("-m", &["-d", "", "true"]);
    assert_eq!(r.fails(1), "nsmount-proc: empty path for --dir");
    let r = in_ns("-m", &["--", ""]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (Some(127), "nsmount-proc: empty program name\n")
    );
}
