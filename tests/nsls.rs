//! nsls against util-linux `lsns` as the oracle, on the same machine state.
//!
//! The machine is shared (other test suites start and end processes all the time), so the
//! comparisons run inside a fresh pid and mount namespace with its own `/proc` and without the
//! host's namespace bind mounts: there only the processes this test starts exist, and both tools
//! list the same namespaces, process counts and pids. The installed lsns is util-linux 2.38;
//! the cases compared are those where 2.38 and 2.42 (the reference) print the same. What 2.38
//! cannot see (namespaces held only by an open file, a socket or a bind mount; filters; the 2.42
//! messages) is checked against what the test set up. On this kernel (6.18) `listns(2)` does
//! not exist, so held namespaces are found by the fallback: `/proc/*/fd` and mountinfo.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{Ran, TempDir};

/// Shell prelude of the private namespace: drop the namespace bind mounts inherited from the
/// host (in this private copy of its mounts), and a wait for a steady state.
const PRELUDE: &str = r#"
set -u
grep ' - nsfs ' /proc/self/mountinfo | cut -d' ' -f5 | while read -r m; do umount -l "$m" 2>/dev/null; done
# settled N: wait (up to 20 s) until N processes besides pid 1 run `sleep`, the others `unshare`.
settled() {
	t=0
	while [ "$t" -lt 2000 ]; do
		s=0
		o=0
		for d in /proc/[0-9]*; do
			[ "$d" = /proc/1 ] && continue
			read -r c <"$d/comm" 2>/dev/null || continue
			case $c in sleep) s=$((s + 1)) ;; unshare|nsenter|python3) ;; *) o=$((o + 1)) ;; esac
		done
		[ "$s" -eq "$1" ] && [ "$o" -eq 0 ] && return 0
		t=$((t + 1))
		sleep 0.01
	done
	echo "not settled: $s sleeps, $o others" >&2
	exit 1
}
"#;

/// Run `script` as pid 1 of a fresh pid and mount namespace with its own `/proc` (util-linux
/// unshare, so the setup does not depend on our tools), with `NSLS` and `DIR` set.
fn private_proc(dir: &TempDir, script: &str) -> Ran {
    let path = dir.join("inside.sh");
    std::fs::write(&path, format!("{PRELUDE}{script}")).unwrap();
    let mut c = Command::new("unshare");
    c.args([
        "--pid",
        "--fork",
        "--mount",
        "--mount-proc",
        "--propagation",
        "private",
        "sh",
    ])
    .arg(&path)
    .env("NSLS", common::bin("nsls"))
    .env("NSUNSHARE", common::bin("nsunshare"))
    .env("DIR", dir.path());
    let r = common::run_within(&mut c, Duration::from_secs(120));
    assert_eq!(
        r.code,
        Some(0),
        "the private namespace failed: {}",
        r.stderr
    );
    r
}

/// The processes of the comparisons: namespaces of every kind, a process tree, a user namespace
/// owning others, a pid namespace inside it. Their pids have five digits: lsns 2.38 sizes a
/// column whose widest cell is as wide as its header differently from 2.42.
const PROCESSES: &str = r#"
echo 20000 >/proc/sys/kernel/ns_last_pid
unshare --net sleep 1000 &
P=$!
unshare --uts --ipc sleep 1000 &
unshare --user --map-root-user sleep 1000 &
unshare --user --map-root-user --net --mount --pid --fork --mount-proc sh -c 'sleep 1000 & exec sleep 1000' &
unshare --cgroup sleep 1000 &
unshare --time --fork sleep 1000 &
sh -c 'sleep 1000 & exec sleep 1000' &
settled 9
N=$(stat -L -c %i /proc/$P/ns/net)
"#;

/// Cases run by both tools (as `sh` words, `$P` a pid, `$N` a namespace), where util-linux 2.38
/// and 2.42 agree: every output format, tree and column, and the errors they word alike.
const SHARED_CASES: &[&str] = &[
    "",
    "-l",
    "-r",
    "-J",
    "-u",
    "-T",
    "-T owner",
    "--tree=parent",
    "-Tprocess",
    "-J -T",
    "-r -T parent",
    "-l -o NS,TYPE,PATH,NPROCS,PID,PPID,COMMAND,UID,USER,PNS,ONS",
    "--output-all",
    "-J --output-all",
    "-r --output-all",
    "-o +PATH,PPID",
    "-t net",
    "-W -t net",
    "-t net -t cgroup -o NS,TYPE,NETNSID,NSFS,PID",
    "-J -t time",
    "-p $P",
    "-p $P -l -o NS,TYPE",
    "$N",
    "-l -o PID,PPID,COMMAND,USER $N",
    "-t foo",
    "-o NS,FOO,TYPE",
    "-p abc",
    "abc",
    "1",
    "-T=bad",
];

/// Cases run by nsls only (no single quote: they are quoted so), checked against its own
/// unfiltered listing.
const FILTER_CASES: &[(&str, &str)] = &[
    ("TYPE == \"net\"", "net"),
    ("TYPE eq \"cgroup\" || TYPE == \"time\"", "cgroup|time"),
    ("NPROCS > 1 && TYPE =~ \"^u\"", "u>1"),
    ("!(TYPE != \"pid\")", "pid"),
];

/// Run the cases in the private namespace: `out/lsns.I` and `out/nsls.I` (output, then
/// `rc=STATUS`), under `LC_ALL` as given per case.
fn run_cases(dir: &TempDir, extra: &str) {
    let mut script = String::from(PROCESSES);
    script.push_str("mkdir -p \"$DIR/out\"\ni=0\n");
    for locale in ["C.UTF-8", "C"] {
        for case in SHARED_CASES {
            // The ASCII tree of the C locale only for the tree cases.
            if locale == "C" && !case.contains('T') && !case.is_empty() {
                script.push_str("i=$((i + 1))\n");
                continue;
            }
            script.push_str(&format!(
                "i=$((i + 1))\n\
                 LC_ALL={locale} lsns {case} >\"$DIR/out/lsns.$i\" 2>&1; echo \"rc=$?\" >>\"$DIR/out/lsns.$i\"\n\
                 LC_ALL={locale} \"$NSLS\" {case} >\"$DIR/out/nsls.$i\" 2>&1; echo \"rc=$?\" >>\"$DIR/out/nsls.$i\"\n"
            ));
        }
    }
    script.push_str(extra);
    private_proc(dir, &script);
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn lists_what_lsns_lists_in_every_format() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("nsls-oracle");
    let mut extra =
        String::from("LC_ALL=C.UTF-8 \"$NSLS\" -r -o NS,TYPE,NPROCS >\"$DIR/out/all\"\n");
    for (i, (expr, _)) in FILTER_CASES.iter().enumerate() {
        extra.push_str(&format!(
            "LC_ALL=C.UTF-8 \"$NSLS\" -r -o NS,TYPE,NPROCS -Q '{expr}' >\"$DIR/out/filter.{i}\"\n"
        ));
    }
    run_cases(&dir, &extra);
    let out = dir.join("out");
    let mut i = 0;
    for locale in ["C.UTF-8", "C"] {
        for case in SHARED_CASES {
            i += 1;
            if locale == "C" && !case.contains('T') && !case.is_empty() {
                continue;
            }
            let theirs = read(&out.join(format!("lsns.{i}"))).replace("lsns: ", "TOOL: ");
            let ours = read(&out.join(format!("nsls.{i}"))).replace("nsls: ", "TOOL: ");
            assert_eq!(ours, theirs, "LC_ALL={locale} nsls {case}");
        }
    }
    // The default listing shows the namespaces made, with their processes.
    let default = read(&out.join("lsns.1"));
    for t in ["net", "uts", "ipc", "user", "mnt", "pid", "cgroup", "time"] {
        assert!(
            default
                .lines()
                .filter(|l| l.split_whitespace().nth(1) == Some(t))
                .count()
                >= 2,
            "{t}: {default}"
        );
    }
    assert!(default.contains("└─"), "no process tree: {default}");
    // Filters: exactly the lines of the unfiltered list that the expression accepts.
    let all = read(&out.join("all"));
    let (header, rows) = all.split_once('\n').unwrap();
    for (i, (expr, what)) in FILTER_CASES.iter().enumerate() {
        let want: String = rows
            .lines()
            .filter(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                let nprocs: u32 = f[2].parse().unwrap();
                match *what {
                    "u>1" => f[1].starts_with('u') && nprocs > 1,
                    w => w.split('|').any(|t| t == f[1]),
                }
            })
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(!want.is_empty(), "{expr} selects nothing");
        let got = read(&out.join(format!("filter.{i}")));
        assert_eq!(got, format!("{header}\n{want}"), "-Q '{expr}'");
    }
}

/// Namespaces no process is in, which util-linux 2.38 does not list: one held by an open file,
/// one by a socket, two bind-mounted (one by `nsunshare --net=FILE`), and a user namespace that
/// only owns one of those; and for the owner tree, a user namespace known only as the owner of
/// a process's network namespace.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn finds_namespaces_held_by_files_sockets_and_mounts() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("nsls-held");
    let script = r#"
ino() { stat -L -c %i "$1"; }
# held by an open file
unshare --net sleep 1000 & h=$!
settled 1
H=$(ino /proc/$h/ns/net)
sleep 1000 3</proc/$h/ns/net &
settled 2
kill $h; wait $h
# bind-mounted, owned by a user namespace nobody is in
unshare --user --map-root-user --net sleep 1000 & b=$!
settled 2
B=$(ino /proc/$b/ns/net); BU=$(ino /proc/$b/ns/user)
touch "$DIR/netfile"; mount --bind /proc/$b/ns/net "$DIR/netfile"
kill $b; wait $b
# made by nsunshare --net=FILE
touch "$DIR/netfile2"; "$NSUNSHARE" --net="$DIR/netfile2" true
F=$(ino "$DIR/netfile2")
# held by a socket
python3 -c '
import ctypes, os, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
home = os.open("/proc/self/ns/net", os.O_RDONLY)
assert libc.unshare(0x40000000) == 0
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print(os.stat("/proc/self/ns/net").st_ino, flush=True)
assert libc.setns(home, 0x40000000) == 0
time.sleep(1000)' >"$DIR/socket" &
while [ ! -s "$DIR/socket" ]; do sleep 0.01; done
S=$(cat "$DIR/socket")
# a process whose network namespace's owner has no process
unshare --user --map-root-user --net sleep 1000 & q=$!
settled 2
Q=$(ino /proc/$q/ns/net); QU=$(ino /proc/$q/ns/user)
nsenter --net=/proc/$q/ns/net sleep 1000 &
settled 3
kill $q; wait $q
settled 2
echo "$H $B $BU $F $S $Q $QU" >"$DIR/ids"
"$NSLS" -P -r -o NS,TYPE,NPROCS,NSFS,ONS >"$DIR/persistent"
"$NSLS" -r -o NS,TYPE,NPROCS >"$DIR/list"
"$NSLS" -T -r -o NS,TYPE,NPROCS >"$DIR/tree"
"$NSLS" -J -t net -o NS,NSFS >"$DIR/json"
lsns -r -o NS >"$DIR/lsns" 2>&1 || echo "lsns failed: $?" >>"$DIR/lsns"
"#;
    private_proc(&dir, script);
    let ids = read(&dir.join("ids"));
    let ids: Vec<&str> = ids.split_whitespace().collect();
    let [h, b, bu, f, s, q, qu] = ids[..] else {
        panic!("ids: {ids:?}")
    };
    let persistent = read(&dir.join("persistent"));
    let row = |text: &str, ns: &str| -> Option<Vec<String>> {
        text.lines()
            .map(|l| l.split(' ').map(str::to_string).collect::<Vec<_>>())
            .find(|f| f[0] == ns)
    };
    let netfile = dir
        .join("netfile")
        .display()
        .to_string()
        .replace(' ', "\\x20");
    let netfile2 = dir
        .join("netfile2")
        .display()
        .to_string()
        .replace(' ', "\\x20");
    let r = row(&persistent, h).unwrap_or_else(|| panic!("fd-held {h}: {persistent}"));
    assert_eq!(r[1..4], ["net", "0", ""]);
    let r = row(&persistent, b).unwrap_or_else(|| panic!("bind-mounted {b}: {persistent}"));
    assert_eq!(r[1..], ["net", "0", &netfile, bu]);
    let r = row(&persistent, bu).unwrap_or_else(|| panic!("owner {bu}: {persistent}"));
    assert_eq!(r[1..3], ["user", "0"]);
    let r = row(&persistent, f).unwrap_or_else(|| panic!("nsunshare's {f}: {persistent}"));
    assert_eq!(r[1..4], ["net", "0", &netfile2]);
    let r = row(&persistent, s).unwrap_or_else(|| panic!("socket's {s}: {persistent}"));
    assert_eq!(r[1..3], ["net", "0"]);
    // The namespaces with processes are not persistent; the ghost owner is only in the tree.
    assert!(row(&persistent, q).is_none(), "{persistent}");
    let list = read(&dir.join("list"));
    assert_eq!(row(&list, q).unwrap()[1..], ["net", "1"]);
    assert!(row(&list, qu).is_none(), "{list}");
    let tree = read(&dir.join("tree"));
    let ghost = tree
        .lines()
        .find(|l| l.contains(qu))
        .unwrap_or_else(|| panic!("owner tree without {qu}: {tree}"));
    assert!(ghost.ends_with(" user 0"), "{ghost}");
    let under = tree.lines().skip_while(|l| !l.contains(qu)).nth(1).unwrap();
    assert!(under.contains(&format!("{q} net 1")), "{tree}");
    // JSON: the bind mount, in a string.
    let json = read(&dir.join("json"));
    assert!(
        json.contains(&format!(
            "\"ns\": {b},\n         \"nsfs\": \"{}\"",
            dir.join("netfile").display()
        )),
        "{json}"
    );
    // util-linux 2.38 sees none of them (when it ran to its end: it gives up, silently, when a
    // process ends while it reads it).
    let lsns = read(&dir.join("lsns"));
    if !lsns.contains("lsns failed") {
        assert!(lsns.lines().any(|l| l == "4026531837"), "{lsns}");
        for ns in [h, b, bu, f, s] {
            assert!(!lsns.lines().any(|l| l == ns), "lsns 2.38 lists {ns}");
        }
    }
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn options_and_messages_of_lsns_2_42() {
    let nsls = |args: &[&str]| common::tool("nsls", args);
    for (args, msg) in [
        (&["-J", "-r"][..], "nsls: options --json and --raw cannot be combined"),
        (&["-r", "--json"], "nsls: options --raw and --json cannot be combined"),
        (&["-P", "-p", "1"], "nsls: options --persistent and --task cannot be combined"),
        (&["-l", "-T"], "nsls: options --list and --tree cannot be combined"),
        (&["-p", "0"], "nsls: invalid PID argument: '0': Numerical result out of range"),
        (&["-p", "1", "4026531836"], "nsls: --task is mutually exclusive with <namespace>"),
        (&["-t", "mnt", "-x"], "nsls: invalid option -- 'x'\nTry 'nsls --help' for more information."),
        (&["-Q", "NS =="], "nsls: failed to parse \"NS ==\": syntax error, unexpected end of file"),
        (
            &["-Q", "NS 5"],
            "nsls: failed to parse \"NS 5\": syntax error, unexpected NUMBER, expecting end of file",
        ),
        (
            &["-Q", "FOO == 1 || BAR"],
            "nsls: unknown column: FOO\nnsls: unknown column: BAR\nnsls: failed to initialize filter",
        ),
    ] {
        assert_eq!(nsls(args).fails(1), msg, "nsls {args:?}");
    }
    // Like lsns, an empty column name fails with nothing said.
    let r = nsls(&["-o", "NS,,TYPE"]);
    assert_eq!((r.code, r.stderr.as_str()), (Some(1), ""));
    // -H: the columns, their types and what they show.
    let cols = nsls(&["-H"]);
    let names: Vec<&str> = cols
        .ok()
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "NS", "TYPE", "PATH", "NPROCS", "PID", "PPID", "COMMAND", "UID", "USER", "NETNSID",
            "NSFS", "PNS", "ONS"
        ]
    );
    assert!(
        cols.stdout.starts_with("     NS <integer> "),
        "{}",
        cols.stdout
    );
    let json = nsls(&["-H", "-J"]);
    assert!(
        json.ok().starts_with("{\n   \"lsns-columns\": [\n      {\n         \"holder\": \"NS\",\n         \"type\": \"<integer>\",\n"),
        "{}",
        json.stdout
    );
    // The multicall binary knows it.
    let r = common::tool("nstools", ["nsls", "--version"]);
    assert_eq!(
        r.ok(),
        format!("nsls from nstools {}\n", env!("CARGO_PKG_VERSION"))
    );
}

/// A JSON value, parsed by the few lines below (the tests have no JSON library).
#[derive(Debug, PartialEq)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    fn parse(text: &str) -> J {
        let b = text.as_bytes();
        let mut at = 0;
        let v = J::value(b, &mut at);
        J::blank(b, &mut at);
        assert_eq!(at, b.len(), "trailing text after JSON: {text}");
        v
    }

    fn blank(b: &[u8], at: &mut usize) {
        while *at < b.len() && b[*at].is_ascii_whitespace() {
            *at += 1;
        }
    }

    fn value(b: &[u8], at: &mut usize) -> J {
        J::blank(b, at);
        match b[*at] {
            b'{' => {
                *at += 1;
                let mut items = Vec::new();
                loop {
                    J::blank(b, at);
                    if b[*at] == b'}' {
                        *at += 1;
                        return J::Obj(items);
                    }
                    let J::Str(k) = J::value(b, at) else {
                        panic!("key")
                    };
                    J::blank(b, at);
                    assert_eq!(b[*at], b':');
                    *at += 1;
                    items.push((k, J::value(b, at)));
                    J::blank(b, at);
                    if b[*at] == b',' {
                        *at += 1;
                    }
                }
            }
            b'[' => {
                *at += 1;
                let mut items = Vec::new();
                loop {
                    J::blank(b, at);
                    if b[*at] == b']' {
                        *at += 1;
                        return J::Arr(items);
                    }
                    items.push(J::value(b, at));
                    J::blank(b, at);
                    if b[*at] == b',' {
                        *at += 1;
                    }
                }
            }
            b'"' => {
                *at += 1;
                let mut s = Vec::new();
                while b[*at] != b'"' {
                    if b[*at] == b'\\' {
                        *at += 1;
                    }
                    s.push(b[*at]);
                    *at += 1;
                }
                *at += 1;
                J::Str(String::from_utf8(s).unwrap())
            }
            _ => {
                let start = *at;
                while *at < b.len() && !b",]}".contains(&b[*at]) && !b[*at].is_ascii_whitespace() {
                    *at += 1;
                }
                match std::str::from_utf8(&b[start..*at]).unwrap() {
                    "null" => J::Null,
                    "true" => J::Bool(true),
                    "false" => J::Bool(false),
                    n => J::Num(n.to_string()),
                }
            }
        }
    }

    fn get(&self, key: &str) -> &J {
        match self {
            J::Obj(items) => {
                &items
                    .iter()
                    .find(|(k, _)| k == key)
                    .unwrap_or_else(|| panic!("no {key} in {self:?}"))
                    .1
            }
            _ => panic!("{key} of a non-object {self:?}"),
        }
    }

    fn arr(&self) -> &[J] {
        match self {
            J::Arr(v) => v,
            _ => panic!("not an array: {self:?}"),
        }
    }

    fn str(&self) -> &str {
        match self {
            J::Str(s) => s,
            _ => panic!("not a string: {self:?}"),
        }
    }

    fn num(&self) -> u64 {
        match self {
            J::Num(n) => n.parse().unwrap(),
            _ => panic!("not a number: {self:?}"),
        }
    }
}

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// What the container reports about itself, then waits for the host's checks.
const INSIDE: &str = r#"
r=/results
hostname > $r/hostname.tmp && mv $r/hostname.tmp $r/hostname
ip -o -4 addr show dev eth0 > $r/addrs
cat /sys/class/net/eth0/ifindex > $r/ifindex
echo ready > $r/ready
read x < $r/go
"#;

/// Write a line to the fifo the container waits on, if it still reads it.
fn poke(fifo: &Path) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(fifo);
    if let Ok(mut f) = f {
        let _ = f.write_all(b"go\n");
    }
}

/// The running example script: on drop (a failed assertion too) the container is let go and
/// the script waited for, so that it removes what it made.
struct Container {
    script: common::Proc,
    go: std::path::PathBuf,
}

impl Drop for Container {
    fn drop(&mut self) {
        poke(&self.go);
        common::wait_for(Duration::from_secs(20), || {
            self.script.0.try_wait().ok().flatten().is_some()
        });
    }
}

/// The inode of the pidfd of `pid` (what `PID:INODE` names).
fn pidfd_inode(pid: u32) -> u64 {
    use std::os::fd::AsFd;
    let fd = nstools::testing::sys::pidfd_open(nix::unistd::Pid::from_raw(pid as i32)).unwrap();
    nix::sys::stat::fstat(fd.as_fd()).unwrap().st_ino
}

fn ns_ino(pid: &str, kind: &str) -> u64 {
    common::ns_inode(pid, kind)
}

/// `nsls --inspect` on the container examples/container.sh builds, every field compared with
/// what the script set up and what the container reports from inside.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn inspect_shows_the_container_container_sh_builds() {
    if !common::root() {
        return;
    }
    let dir = TempDir::new("nsls-inspect");
    let root = dir.join("rootfs");
    let r = common::run(
        Command::new("sh")
            .arg(examples().join("make-rootfs.sh"))
            .arg(&root),
    );
    assert_eq!(r.code, Some(0), "make-rootfs.sh: {}", r.stderr);
    let results = root.join("results");
    std::fs::create_dir_all(&results).unwrap();
    nix::unistd::mkfifo(
        &results.join("go"),
        nix::sys::stat::Mode::from_bits_truncate(0o666),
    )
    .unwrap();
    common::sh(&format!(
        "chmod 777 {0} && chmod 666 {0}/go",
        results.display()
    ));
    let pid_file = dir.join("init.pid");
    let bins = common::bin("nsls").parent().unwrap().display().to_string();
    let mut c = Command::new("sh");
    c.arg(examples().join("container.sh"))
        .arg(&root)
        .args(["/bin/sh", "-c", INSIDE])
        .env(
            "PATH",
            format!("{bins}:{}", std::env::var("PATH").unwrap_or_default()),
        )
        .env("NSTOOLS_PID_FILE", &pid_file);
    let mut ct = Container {
        script: common::Proc::spawn(&mut c),
        go: results.join("go"),
    };
    let up = common::wait_for(Duration::from_secs(30), || {
        results.join("ready").exists() || ct.script.0.try_wait().unwrap().is_some()
    });
    assert!(
        up && results.join("ready").exists(),
        "the container did not start"
    );
    let init: u32 = read(&pid_file).trim().parse().unwrap();
    let pid = init.to_string();

    let out = common::tool("nsls", ["--inspect", &pid, "--json"]);
    let j = J::parse(out.ok());
    let ino = pidfd_inode(init);
    assert_eq!(j.get("pid").num(), u64::from(init));
    assert_eq!(j.get("pidfd_inode").num(), ino);
    assert_eq!(j.get("target").str(), format!("{init}:{ino}"));
    assert!(
        j.get("command").str().starts_with("nsunshare "),
        "{:?}",
        j.get("command")
    );
    // Namespaces: all new but time (container.sh makes no time namespace).
    let nss = j.get("namespaces").arr();
    assert_eq!(nss.len(), 8);
    for n in nss {
        let kind = n.get("type").str();
        assert_eq!(n.get("ns").num(), ns_ino(&pid, kind), "{kind}");
        let shared = ns_ino(&pid, kind) == ns_ino("self", kind);
        assert_eq!(n.get("shared"), &J::Bool(shared), "{kind}");
        assert_eq!(shared, kind == "time", "{kind}");
    }
    // The maps nsidmap wrote.
    for map in ["uid_map", "gid_map"] {
        let lines = j.get(map).arr();
        assert_eq!(lines.len(), 1, "{map}");
        let l = &lines[0];
        assert_eq!(
            (
                l.get("inside").num(),
                l.get("outside").num(),
                l.get("count").num()
            ),
            (0, 100000, 65536)
        );
        let file = read(Path::new(&format!("/proc/{init}/{map}")));
        assert_eq!(
            file.split_whitespace().collect::<Vec<_>>(),
            ["0", "100000", "65536"]
        );
    }
    let setgroups = read(Path::new(&format!("/proc/{init}/setgroups")));
    assert_eq!(j.get("setgroups").str(), setgroups.trim());
    // The hostname nspivot set, as the container sees it.
    assert_eq!(j.get("hostname").str(), "box");
    assert_eq!(read(&results.join("hostname")).trim(), "box");
    assert_eq!(j.get("domainname").str(), "(none)");
    // The cgroup nscgroup made, with its limits.
    let cgroup = format!("nstools-demo-{}", ct.script.pid());
    assert!(
        j.get("cgroup").str().ends_with(&format!("/{cgroup}")),
        "{:?}",
        j.get("cgroup")
    );
    let cgs = j.get("cgroups").arr();
    let controller = |name: &str| {
        cgs.iter()
            .find(|c| c.get("controller").str() == name)
            .unwrap()
    };
    let pids = controller("pids");
    assert!(pids.get("path").str().ends_with(&format!("/{cgroup}")));
    assert_eq!(pids.get("max").num(), 20);
    assert!((1..=20).contains(&pids.get("current").num()));
    let memory = controller("memory");
    assert!(memory.get("path").str().ends_with(&format!("/{cgroup}")));
    assert_eq!(memory.get("max").num(), 64 << 20);
    assert!(memory.get("current").num() > 0);
    assert!(controller("cpu").get("usage_usec").num() > 0);
    // The interfaces, with the addresses the container reports and the veth's host end.
    let ifs = j.get("interfaces").arr();
    let iface = |name: &str| ifs.iter().find(|i| i.get("name").str() == name).unwrap();
    let lo = iface("lo");
    assert_eq!(lo.get("up"), &J::Bool(true));
    assert!(lo
        .get("addresses")
        .arr()
        .contains(&J::Str("127.0.0.1/8".into())));
    let eth0 = iface("eth0");
    assert_eq!(eth0.get("kind").str(), "veth");
    assert_eq!(eth0.get("up"), &J::Bool(true));
    assert_eq!(
        eth0.get("index").num(),
        read(&results.join("ifindex"))
            .trim()
            .parse::<u64>()
            .unwrap()
    );
    let reported: Vec<String> = read(&results.join("addrs"))
        .split_whitespace()
        .skip_while(|w| *w != "inet")
        .nth(1)
        .map(str::to_string)
        .into_iter()
        .collect();
    assert_eq!(reported.len(), 1, "{}", read(&results.join("addrs")));
    assert!(
        eth0.get("addresses")
            .arr()
            .contains(&J::Str(reported[0].clone())),
        "{eth0:?}"
    );
    assert_eq!(eth0.get("peer_netns").str(), "host");
    let peer = eth0.get("peer").str();
    let iflink = read(Path::new(&format!("/sys/class/net/{peer}/iflink")));
    assert_eq!(
        iflink.trim().parse::<u64>().unwrap(),
        eth0.get("index").num(),
        "{peer}"
    );
    // Its root: the rootfs nspivot made the root.
    let rootfs = std::fs::canonicalize(&root).unwrap();
    assert_eq!(j.get("root").str(), rootfs.display().to_string());

    // The text form says the same.
    let text = common::tool("nsls", ["--inspect", &format!("{init}:{ino}")]);
    let text = text.ok();
    for line in [
        format!("target:      {init}:{ino}\n"),
        "hostname:    box\n".to_string(),
        format!("root:        {}\n", rootfs.display()),
        "uid_map:     0 100000 65536\n".to_string(),
    ] {
        assert!(text.contains(&line), "{line:?} in {text}");
    }
    let eth0_line = text.lines().find(|l| l.starts_with("  eth0 ")).unwrap();
    assert!(
        eth0_line.contains(&reported[0])
            && eth0_line.ends_with(&format!("veth peer {peer} (host)")),
        "{eth0_line}"
    );
    // Another process behind the pid is refused.
    let wrong = common::tool("nsls", ["--inspect", &format!("{init}:{}", ino + 1)]);
    assert!(wrong
        .fails(1)
        .starts_with(&format!("nsls: process {init} is not {init}:{}", ino + 1)));

    // Let it end; then the process is gone (or its pid is another process's).
    poke(&results.join("go"));
    let status = ct.script.0.wait().unwrap();
    assert!(status.success(), "container.sh: {status:?}");
    let gone = common::tool("nsls", ["--inspect", &format!("{init}:{ino}")]);
    let msg = gone.fails(1);
    assert!(
        msg == format!("nsls: cannot open process {init}: No such process")
            || msg.starts_with(&format!("nsls: process {init} is not {init}:{ino}")),
        "{msg}"
    );
}
