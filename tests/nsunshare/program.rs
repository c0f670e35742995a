//! The program and its process: exit statuses, signals, --kill-child, ids, root and working
//! directory, environment, capabilities, --init.

use super::*;

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
