//! Namespaces made, and what shows them: inodes, hostname, IPC, network, /proc, time offsets, mount
//! propagation, binfmt_misc.

use super::*;

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
