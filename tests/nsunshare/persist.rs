//! What outlives the command: persisted namespace files, the pid file, setup commands, and the
//! helper that undoes them when the program never runs.

use super::*;

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
