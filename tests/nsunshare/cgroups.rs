//! --into-cgroup: the program starts inside a cgroup, before its cgroup namespace is made.

use super::*;

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
