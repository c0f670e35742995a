//! The bad-input matrix: every option of every tool given a bad value (or one where it does not
//! apply, or a value it does not take), and the tools' other misuses, each row the exit status
//! and the message it must give, in one line (a usage error adds util-linux's `Try` line).
//! Around the whole matrix, a snapshot of what the rows could have touched (links, routes,
//! cgroups, mounts, /run/netns entries, files and processes carrying this test's token or below
//! its directory): bad input changes nothing.
//!
//! Every option in every tool's flag table (`nstools::tool::TABLES`) must have a row, so an
//! option added without one fails `every_option_has_a_row`.

mod common;
#[path = "faults/harness.rs"]
mod harness;

use std::process::Command;

/// One row: the tool, its arguments (`{D}`: this test's directory, `{T}`: its token), the exit
/// status, and the start of the message after `tool: `.
type Row = (&'static str, &'static [&'static str], i32, &'static str);

const TRY: i32 = 1;

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // nsunshare
    ("nsunshare", &["--mount="], 1, "empty path for --mount"),
    ("nsunshare", &["--mount={D}/no/f", "true"], 1, "cannot persist the mnt namespace at {D}/no/f: directory {D}/no does not exist"),
    ("nsunshare", &["-m", "--uts={D}/no/f", "true"], 1, "cannot persist the uts namespace at {D}/no/f"),
    ("nsunshare", &["-u", "--ipc={D}/no/f", "true"], 1, "cannot persist the ipc namespace at {D}/no/f"),
    ("nsunshare", &["-i", "--net={D}/no/f", "true"], 1, "cannot persist the net namespace at {D}/no/f"),
    ("nsunshare", &["-n", "--pid={D}/no/f", "true"], 1, "cannot persist the pid namespace at {D}/no/f"),
    ("nsunshare", &["-p", "--user={D}/no/f", "true"], 1, "cannot persist the user namespace at {D}/no/f"),
    ("nsunshare", &["-U", "--cgroup={D}/no/f", "true"], 1, "cannot persist the cgroup namespace at {D}/no/f"),
    ("nsunshare", &["-C", "-T", "--time={D}/no/f", "true"], 1, "cannot persist the time namespace at {D}/no/f"),
    ("nsunshare", &["-mx"], TRY, "invalid option -- 'x'"),
    ("nsunshare", &["--mount-proc=", "true"], 1, "empty path for --mount-proc"),
    ("nsunshare", &["--mount-binfmt=", "true"], 1, "empty path for --mount-binfmt"),
    ("nsunshare", &["--load-interp"], TRY, "option '--load-interp' requires an argument"),
    ("nsunshare", &["-l", "", "true"], 1, "empty binfmt definition for --load-interp"),
    ("nsunshare", &["--propagation=bogus", "true"], 1, "unsupported propagation mode: bogus"),
    ("nsunshare", &["--root=", "true"], 1, "empty path for --root"),
    ("nsunshare", &["-R", "{D}/nonexistent", "true"], 1, "cannot change root directory to '{D}/nonexistent': No such file or directory"),
    ("nsunshare", &["--wd=", "true"], 1, "empty path for --wd"),
    ("nsunshare", &["-w", "{D}/nonexistent", "true"], 1, "cannot change directory to {D}/nonexistent: No such file or directory"),
    ("nsunshare", &["--fork=x", "true"], TRY, "option '--fork' doesn't allow an argument"),
    ("nsunshare", &["-f", "--kill-child=NOPE", "true"], 1, "unknown signal: NOPE"),
    ("nsunshare", &["--forward-signals=1", "true"], TRY, "option '--forward-signals' doesn't allow an argument"),
    ("nsunshare", &["--setgroups=maybe", "true"], 1, "unsupported --setgroups argument 'maybe'"),
    ("nsunshare", &["--keep-caps=x", "true"], TRY, "option '--keep-caps' doesn't allow an argument"),
    ("nsunshare", &["--keep=x", "true"], TRY, "option '--keep' doesn't allow an argument"),
    ("nsunshare", &["-S", "x", "true"], 1, "failed to parse uid: 'x'"),
    ("nsunshare", &["--setuid=1 ", "true"], 1, "failed to parse uid: '1 '"),
    ("nsunshare", &["--setgid=x", "true"], 1, "failed to parse gid: 'x'"),
    ("nsunshare", &["--map-user=nosuchuser{T}", "true"], 1, "unknown user 'nosuchuser{T}'"),
    ("nsunshare", &["--map-users=1:2", "true"], 1, "invalid mapping '1:2'"),
    ("nsunshare", &["--map-group=nosuchgroup{T}", "true"], 1, "unknown group 'nosuchgroup{T}'"),
    ("nsunshare", &["--map-groups=a:b:c", "true"], 1, "invalid mapping 'a:b:c'"),
    ("nsunshare", &["--map-root-user=x", "true"], TRY, "option '--map-root-user' doesn't allow an argument"),
    ("nsunshare", &["--map-current-user=x", "true"], TRY, "option '--map-current-user' doesn't allow an argument"),
    ("nsunshare", &["-c=x", "true"], TRY, "option '-c' doesn't allow an argument"),
    ("nsunshare", &["--map-auto=x", "true"], TRY, "option '--map-auto' doesn't allow an argument"),
    ("nsunshare", &["--map-subids=x", "true"], TRY, "option '--map-subids' doesn't allow an argument"),
    ("nsunshare", &["--owner=1", "true"], 1, "failed to parse owner: '1'"),
    ("nsunshare", &["-T", "--monotonic=x", "true"], 1, "failed to parse monotonic offset: 'x'"),
    ("nsunshare", &["--boottime=5", "true"], 1, "options --monotonic and --boottime require unsharing of a time namespace (-T)"),
    ("nsunshare", &["--clear-env=1", "true"], TRY, "option '--clear-env' doesn't allow an argument"),
    ("nsunshare", &["--whitelist-env"], TRY, "option '--whitelist-env' requires an argument"),
    ("nsunshare", &["--setup"], TRY, "option '--setup' requires an argument"),
    ("nsunshare", &["--pid-file={D}/no/pid", "true"], 1, "cannot write the pid file {D}/no/pid: directory {D}/no does not exist"),
    ("nsunshare", &["--init", "true"], 1, "option --init requires --fork and --pid"),
    ("nsunshare", &["--into-cgroup=../c{T}", "true"], 1, "invalid cgroup path '../c{T}': '..' is not allowed"),
    ("nsunshare", &["--hostname=h{T}", "true"], 1, "options --hostname and --domainname require unsharing of a UTS namespace (-u)"),
    ("nsunshare", &["-u", "--domainname=", "true"], 1, "domainname is empty"),
    ("nsunshare", &["--help=x"], TRY, "option '--help' doesn't allow an argument"),
    ("nsunshare", &["--version=x"], TRY, "option '--version' doesn't allow an argument"),
    ("nsunshare", &["--bogus"], TRY, "unrecognized option '--bogus'"),
    ("nsunshare", &["--map"], TRY, "option '--map' is ambiguous; possibilities:"),
    ("nsunshare", &[""], 127, "empty program name"),
    // nsenter
    ("nsenter", &["--all=x"], TRY, "option '--all' doesn't allow an argument"),
    ("nsenter", &["-t", "x", "true"], 1, "failed to parse PID argument 'x'"),
    ("nsenter", &["--target=0", "true"], 1, "failed to parse PID argument '0'"),
    ("nsenter", &["--mount={D}/nofile", "true"], 1, "cannot open {D}/nofile: No such file or directory"),
    ("nsenter", &["--uts=:x", "true"], 1, "failed to parse nsid: x"),
    ("nsenter", &["--ipc={D}/nofile", "true"], 1, "cannot open {D}/nofile: No such file or directory"),
    ("nsenter", &["--net={D}/nofile", "true"], 1, "cannot open {D}/nofile: No such file or directory"),
    ("nsenter", &["--netns=nonexistent{T}", "true"], 1, "cannot open /run/netns/nonexistent{T}: No such file or directory"),
    ("nsenter", &["-N", "x", "true"], 1, "failed to parse file descriptor: 'x'"),
    ("nsenter", &["--net-socket=3", "true"], 1, "no target PID specified"),
    ("nsenter", &["--pid={D}/nofile", "true"], 1, "cannot open {D}/nofile: No such file or directory"),
    ("nsenter", &["--cgroup={D}/nofile", "true"], 1, "cannot open {D}/nofile: No such file or directory"),
    ("nsenter", &["--user={D}/nofile", "true"], 1, "cannot open {D}/nofile: No such file or directory"),
    ("nsenter", &["--user-parent=x", "true"], TRY, "option '--user-parent' doesn't allow an argument"),
    ("nsenter", &["--time={D}/nofile", "true"], 1, "cannot open {D}/nofile: No such file or directory"),
    ("nsenter", &["-S", "x", "true"], 1, "failed to parse uid: 'x'"),
    ("nsenter", &["--setgid=x", "true"], 1, "failed to parse gid: 'x'"),
    ("nsenter", &["--preserve-credentials=x", "true"], TRY, "option '--preserve-credentials' doesn't allow an argument"),
    ("nsenter", &["--keep-caps=x", "true"], TRY, "option '--keep-caps' doesn't allow an argument"),
    ("nsenter", &["--root={D}/nonexistent", "true"], 1, "cannot open {D}/nonexistent: No such file or directory"),
    ("nsenter", &["--wd={D}/nonexistent", "true"], 1, "cannot open {D}/nonexistent: No such file or directory"),
    ("nsenter", &["--wdns={D}/nonexistent", "true"], 1, "cannot open {D}/nonexistent: No such file or directory"),
    ("nsenter", &["--env=x", "true"], TRY, "option '--env' doesn't allow an argument"),
    ("nsenter", &["--no-fork=x", "true"], TRY, "option '--no-fork' doesn't allow an argument"),
    ("nsenter", &["--join-cgroup", "true"], 1, "neither filename nor target pid supplied for cgroup"),
    ("nsenter", &["--follow-context", "true"], 1, "--follow-context: SELinux is not enabled on this system"),
    ("nsenter", &["-m", "true"], 1, "no target PID specified"),
    ("nsenter", &["--bogus"], TRY, "unrecognized option '--bogus'"),
    // nsmount-proc
    ("nsmount-proc", &["-d", ""], 1, "empty path for --dir"),
    ("nsmount-proc", &["--dir"], TRY, "option '--dir' requires an argument"),
    ("nsmount-proc", &["--hidepid=bogus"], 1, "unsupported hidepid mode: bogus"),
    ("nsmount-proc", &["--subset=bogus"], 1, "unsupported subset: bogus"),
    ("nsmount-proc", &["--no-private=x"], TRY, "option '--no-private' doesn't allow an argument"),
    ("nsmount-proc", &["--force=x"], TRY, "option '--force' doesn't allow an argument"),
    ("nsmount-proc", &["true"], 1, "refusing to mount over /proc in the original mount namespace"),
    // nsidmap
    ("nsidmap", &["-u", "1:2", "1"], 1, "invalid mapping '1:2'"),
    ("nsidmap", &["--gid=x", "1"], 1, "invalid mapping 'x'"),
    ("nsidmap", &["--auto=x", "1"], TRY, "option '--auto' doesn't allow an argument"),
    ("nsidmap", &["--map-root=x", "1"], TRY, "option '--map-root' doesn't allow an argument"),
    ("nsidmap", &["-r=x", "1"], TRY, "option '-r' doesn't allow an argument"),
    ("nsidmap", &["--setgroups=maybe", "1"], 1, "unsupported --setgroups argument 'maybe'"),
    ("nsidmap", &["--show=x", "1"], TRY, "option '--show' doesn't allow an argument"),
    ("nsidmap", &["--uid=0:0:1"], TRY, "no process specified"),
    ("nsidmap", &["-u", "0:0:1", "x"], 1, "invalid process 'x'"),
    ("nsidmap", &["-u", "0:0:1", "999999999"], 1, "cannot open process 999999999: No such process"),
    ("nsidmap", &["1"], TRY, "nothing to do: give --uid, --gid, --auto, --map-root, --setgroups or --show"),
    // nsveth
    ("nsveth", &["add"], TRY, "add: --netns is required"),
    ("nsveth", &["add", "--netns=0"], 1, "invalid target: '0'"),
    ("nsveth", &["add", "-n", "1", "--host=h{T}toolongname"], 1, "invalid interface name: 'h{T}toolongname'"),
    ("nsveth", &["add", "-n", "1", "--peer=a/b"], 1, "invalid interface name: 'a/b'"),
    ("nsveth", &["add", "-n", "1", "--host-addr=1.2.3"], 1, "invalid address: '1.2.3'"),
    ("nsveth", &["add", "-n", "1", "--peer-addr=x"], 1, "invalid address: 'x'"),
    ("nsveth", &["add", "-n", "1", "--gateway"], 1, "--gateway needs a --host-addr"),
    ("nsveth", &["add", "-n", "1", "--route=1.2.3.4/8"], 1, "invalid route: '1.2.3.4/8'"),
    ("nsveth", &["add", "-n", "1", "--route=1.2.3.4/0"], 1, "invalid route: '1.2.3.4/0'"),
    ("nsveth", &["add", "-n", "1", "--mtu=67"], 1, "invalid MTU (68-65535): '67'"),
    ("nsveth", &["add", "-n", "1", "--peer-mac=ff:ff:ff:ff:ff:ff"], 1, "invalid MAC address: 'ff:ff:ff:ff:ff:ff'"),
    ("nsveth", &["add", "-n", "1", "--bridge=a:b"], 1, "invalid interface name: 'a:b'"),
    ("nsveth", &["add", "-n", "1", "--hairpin"], 1, "--hairpin needs --bridge"),
    ("nsveth", &["add", "-n", "1", "--subnet=10.0.0.1/8", "--peer-addr=auto"], 1, "invalid subnet: '10.0.0.1/8'"),
    ("nsveth", &["add", "-n", "1", "--subnet=10.0.0.0/31", "--peer-addr=auto"], 1, "subnet 10.0.0.0/31 is too small"),
    ("nsveth", &["add", "-n", "1", "--peer-addr=auto"], 1, "--peer-addr=auto needs --subnet"),
    ("nsveth", &["add", "-n", "1", "--masquerade"], 1, "--masquerade needs --subnet"),
    ("nsveth", &["add", "-n", "1", "--subnet=10.0.0.0/8", "--peer-addr=auto", "--publish=80"], 1, "invalid port to publish: '80'"),
    ("nsveth", &["gc", "extra"], TRY, "unexpected argument 'extra'"),
    ("nsveth", &["add", "-n", "/proc/self/ns/net", "--host=h{T}"], 1, "netns /proc/self/ns/net is nsveth's own network namespace"),
    ("nsveth", &["list", "--json=x"], TRY, "option '--json' doesn't allow an argument"),
    ("nsveth", &["list", "extra"], TRY, "unexpected argument 'extra'"),
    ("nsveth", &["del"], TRY, "del: no link name given"),
    ("nsveth", &["del", "x{T}a", "x{T}b"], TRY, "unexpected argument 'x{T}b'"),
    ("nsveth", &["del", "no{T}"], 1, "delete no{T}: No such device"),
    ("nsveth", &["list", "--gateway"], TRY, "option '--gateway' does not apply to list"),
    ("nsveth", &["del", "x{T}", "--bridge=b{T}"], TRY, "option '--bridge' does not apply to del"),
    ("nsveth", &["gc", "--json"], TRY, "option '--json' does not apply to gc"),
    ("nsveth", &["bogus"], TRY, "unknown command 'bogus'"),
    ("nsveth", &[], TRY, "no command given"),
    // nscgroup
    ("nscgroup", &["create", "c{T}", "--memory=12Q"], 1, "invalid --memory value: '12Q'"),
    ("nscgroup", &["create", "c{T}", "--memory-high=x"], 1, "invalid --memory-high value: 'x'"),
    ("nscgroup", &["create", "c{T}", "--swap=x"], 1, "invalid --swap value: 'x'"),
    ("nscgroup", &["create", "c{T}", "--pids=-1"], 1, "invalid --pids value: '-1'"),
    ("nscgroup", &["create", "c{T}", "--cpus=0"], 1, "invalid --cpus value: '0'"),
    ("nscgroup", &["create", "c{T}", "--cpu-weight=0"], 1, "invalid --cpu-weight value: '0'"),
    ("nscgroup", &["create", "c{T}", "--cpuset=a"], 1, "invalid --cpuset value: 'a'"),
    ("nscgroup", &["create", "c{T}", "--io-max=8:0"], 1, "invalid --io-max value: '8:0'"),
    ("nscgroup", &["create", "c{T}", "--oom-group=x"], TRY, "option '--oom-group' doesn't allow an argument"),
    ("nscgroup", &["create", "c{T}", "--set=bogus.knob=1"], 1, "unknown knob 'bogus.knob'"),
    ("nscgroup", &["create", "c{T}", "--controllers=BAD!"], 1, "invalid controller: 'BAD!'"),
    ("nscgroup", &["create", "c{T}", "--root={D}/nonexistent"], 1, "cannot access cgroup root {D}/nonexistent: No such file or directory"),
    ("nscgroup", &["create", "c{T}", "--rm"], TRY, "option '--rm' does not apply to create"),
    ("nscgroup", &["create", "c{T}", "--kill"], TRY, "option '--kill' does not apply to create"),
    ("nscgroup", &["create", "c{T}", "--json"], TRY, "option '--json' does not apply to create"),
    ("nscgroup", &[], TRY, "no command given"),
    ("nscgroup", &["bogus"], TRY, "unknown command 'bogus'"),
    ("nscgroup", &["create"], TRY, "no cgroup path given"),
    ("nscgroup", &["create", "../c{T}"], 1, "invalid cgroup path '../c{T}': '..' is not allowed"),
    ("nscgroup", &["attach", "c{T}"], TRY, "no pid given"),
    ("nscgroup", &["attach", "c{T}", "0"], 1, "invalid pid: '0'"),
    ("nscgroup", &["kill", "c{T}", "NOPE"], 1, "unknown signal: NOPE"),
    ("nscgroup", &["exec", "c{T}"], TRY, "no program given"),
    ("nscgroup", &["exec", "--rm", ".", "true"], 1, "cannot use --rm on .: it contains the caller's own cgroup"),
    ("nscgroup", &["delete", "c{T}"], 1, "cgroup c{T} ("),
    ("nscgroup", &["set", "c{T}"], TRY, "set: no limit given"),
    // nspivot
    ("nspivot", &["--no-proc=x", "{D}"], TRY, "option '--no-proc' doesn't allow an argument"),
    ("nspivot", &["--no-sys=x", "{D}"], TRY, "option '--no-sys' doesn't allow an argument"),
    ("nspivot", &["--no-dev=x", "{D}"], TRY, "option '--no-dev' doesn't allow an argument"),
    ("nspivot", &["--ro=x", "{D}"], TRY, "option '--ro' doesn't allow an argument"),
    ("nspivot", &["--tmpfs=", "{D}"], 1, "empty path for --tmpfs"),
    ("nspivot", &["--bind=nocolon", "{D}"], TRY, "invalid bind specification 'nocolon' (expected SRC:DST)"),
    ("nspivot", &["--ro-bind=:x", "{D}"], TRY, "invalid bind specification ':x' (expected SRC:DST)"),
    ("nspivot", &["--bind={D}/nonexistent:/x", "{D}"], 1, "cannot access bind source {D}/nonexistent: No such file or directory"),
    ("nspivot", &["--hostname=", "{D}"], 1, "hostname is empty"),
    ("nspivot", &["--wd=", "{D}"], 1, "empty path for --wd"),
    ("nspivot", &[], TRY, "no new root given"),
    ("nspivot", &["{D}/nonexistent"], 1, "cannot access new root {D}/nonexistent: No such file or directory"),
    ("nspivot", &["{D}"], 1, "refusing to pivot the original mount namespace (run under nsunshare -m)"),
    // nsls
    ("nsls", &["--json=x"], TRY, "option '--json' doesn't allow an argument"),
    ("nsls", &["-r", "-J"], 1, "options --raw and --json cannot be combined"),
    ("nsls", &["-l", "-T"], 1, "options --list and --tree cannot be combined"),
    ("nsls", &["-n", "-o", "NS,FOO"], 1, "unknown column: FOO"),
    ("nsls", &["--output-all=x"], TRY, "option '--output-all' doesn't allow an argument"),
    ("nsls", &["-P", "-p", "1"], 1, "options --persistent and --task cannot be combined"),
    ("nsls", &["-p", "0"], 1, "invalid PID argument: '0': Numerical result out of range"),
    ("nsls", &["-Q", "NS =="], 1, "failed to parse \"NS ==\": syntax error, unexpected end of file"),
    ("nsls", &["-u", "-t", "foo"], 1, "unknown namespace type: foo"),
    ("nsls", &["-W", "--tree=bad"], 1, "unknown tree type: bad"),
    ("nsls", &["--list-columns=x"], TRY, "option '--list-columns' doesn't allow an argument"),
    ("nsls", &["--inspect", "x"], 1, "invalid process 'x'"),
    ("nsls", &["--inspect", "1", "-l"], 1, "options --inspect and --list cannot be combined"),
    ("nsls", &["12x"], 1, "invalid namespace argument: '12x'"),
    ("nsls", &["-p", "1", "1"], 1, "--task is mutually exclusive with <namespace>"),
    // nstools (the multicall binary)
    ("nstools", &["bogus{T}"], TRY, "unknown tool 'bogus{T}'"),
    ("nstools", &[], TRY, "no tool given"),
    ("nstools", &["--install"], TRY, "usage: nstools --install [-s] <dir>"),
    ("nstools", &["--install", "-s", "{D}/no/dir"], 1, "cannot install into {D}/no/dir: No such file or directory"),
    ("nstools", &["--install", "{D}/file"], 1, "cannot install into {D}/file: Not a directory"),
    ("nstools", &["--list=x"], TRY, "option '--list' doesn't allow an argument"),
    ("nstools", &["--symbolic"], TRY, "--symbolic goes with --install"),
    ("nstools", &["--bogus"], TRY, "unrecognized option '--bogus'"),
    ("nstools", &["--list", "x"], TRY, "unexpected argument"),
    ("nstools", &["--install", "{D}/a", "{D}/b"], TRY, "usage: nstools --install [-s] <dir>"),
];

/// A row's text with its placeholders filled in.
fn fill(s: &str, dir: &str, token: &str) -> String {
    s.replace("{D}", dir).replace("{T}", token)
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn bad_input_gets_one_clear_line_and_changes_nothing() {
    if !common::root() {
        return;
    }
    let dir = common::TempDir::new("badinput");
    let d = dir.path().to_string_lossy().into_owned();
    let token = common::unique("bi");
    let watch = harness::Watch {
        names: vec![token.clone()],
        dirs: vec![dir.path().to_path_buf()],
        tokens: vec![token.clone()],
        ..harness::Watch::default()
    };
    std::fs::write(dir.join("file"), "").unwrap();
    let before = watch.snapshot();
    let mut wrong = Vec::new();
    for (tool, args, code, message) in ROWS {
        let args: Vec<String> = args.iter().map(|a| fill(a, &d, &token)).collect();
        let message = fill(message, &d, &token);
        let r = common::run(
            Command::new(common::bin(tool))
                .args(&args)
                .env(harness::TOKEN_VAR, &token),
        );
        let want = format!("{tool}: {message}");
        let lines: Vec<&str> = r.stderr.lines().collect();
        let try_line = format!("Try '{tool} --help' for more information.");
        let ok = r.code == Some(*code)
            && r.stdout.is_empty()
            && lines.first().is_some_and(|l| l.starts_with(&want))
            && match lines.len() {
                1 => true,
                2 => lines[1] == try_line,
                _ => false,
            };
        if !ok {
            wrong.push(format!(
                "{tool} {args:?}: want {code} {want:?}, got {:?} {:?} (stdout {:?})",
                r.code, r.stderr, r.stdout
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} rows wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(watch.snapshot(), before, "bad input changed the host");
}

/// Whether `arg` names `flag` of a table: `--long`, `--long=…`, `-s`, `-s…` (attached value or
/// a cluster starting with it).
fn names(arg: &str, long: &str, short: Option<char>) -> bool {
    if let Some(rest) = arg.strip_prefix("--") {
        return rest == long || rest.starts_with(&format!("{long}="));
    }
    match (arg.strip_prefix('-'), short) {
        (Some(rest), Some(c)) => rest.starts_with(c),
        _ => false,
    }
}

/// Every option of every tool's table has a row: a new option without a bad-input row fails
/// here.
#[test]
fn every_option_has_a_row() {
    let mut missing = Vec::new();
    for table in nstools::tool::TABLES {
        for flag in table.flags() {
            let covered = ROWS.iter().any(|(tool, args, _, _)| {
                *tool == table.name && args.iter().any(|a| names(a, flag.long, flag.short))
            });
            if !covered {
                missing.push(format!("{} --{}", table.name, flag.long));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "options without a bad-input row: {missing:?}"
    );
}
