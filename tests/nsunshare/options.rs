//! Option parsing as util-linux's getopt does it, and bad input refused with one clear line.

use super::*;

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
