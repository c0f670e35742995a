//! The multicall binary: dispatch on the name it is called by and on `nstools TOOL`, and its
//! refusal to run anything but nsidmap with setuid privileges.

mod common;

use std::process::Command;

use common::TempDir;

#[test]
fn dispatches_on_its_name_and_on_its_first_argument() {
    let list = common::tool("nstools", ["--list"]);
    let tools: Vec<&str> = list.ok().lines().collect();
    for t in [
        "nsunshare",
        "nsenter",
        "nsmount-proc",
        "nspivot",
        "nsidmap",
        "nsveth",
        "nscgroup",
    ] {
        assert!(tools.contains(&t), "{t} missing from --list: {tools:?}");
        let r = common::tool("nstools", [t, "--version"]);
        assert_eq!(
            r.ok(),
            format!("{t} from nstools {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
    let dir = TempDir::new("multicall");
    let link = dir.join("nsunshare");
    std::os::unix::fs::symlink(common::bin("nstools"), &link).unwrap();
    let r = common::run(Command::new(&link).arg("--bogus"));
    assert_eq!(
        r.fails(1),
        "nsunshare: unrecognized option '--bogus'\nTry 'nsunshare --help' for more information."
    );
    let r = common::tool("nstools", ["nosuch"]);
    assert_eq!(
        r.fails(1),
        "nstools: unknown tool 'nosuch'\nTry 'nstools --help' for more information."
    );
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn installed_setuid_it_only_runs_nsidmap() {
    if !common::root() {
        return;
    }
    let (_dir, suid) = common::setuid_copy("nstools", "nstools");
    let etc = common::FakeEtc::new();
    let uid = 61000 + std::process::id() % 1000;
    etc.add_user(&format!("mc{uid}"), uid);
    let run_as = |argv: &[&str]| {
        let mut full = vec![suid.to_str().unwrap()];
        full.extend_from_slice(argv);
        common::run(&mut etc.command_as(uid, &full))
    };
    let r = run_as(&["nsenter", "-t", "1", "-m", "true"]);
    assert_eq!(
        r.fails(1),
        "nstools: refusing to run nsenter with setuid or file-capability privileges: only nsidmap \
         is safe to install that way"
    );
    let r = run_as(&["nsunshare", "-m", "true"]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.starts_with("nstools: refusing to run nsunshare"),
        "{}",
        r.stderr
    );
    // nsidmap runs (and refuses this caller's request on its own terms: shadow's usage line).
    let r = run_as(&["newuidmap"]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.starts_with("usage: newuidmap "), "{}", r.stderr);
    assert!(!r.stderr.contains("refusing to run"), "{}", r.stderr);
}

/// `nstools --install [-s] DIR`: a link per tool, shadow's names only for a privileged binary,
/// nothing that exists replaced, and a rerun that changes nothing.
#[test]
fn install_makes_a_link_per_tool() {
    let dir = TempDir::new("multicall-install");
    // A copy in the directory itself: symbolic links then name it relatively.
    let exe = dir.join("nstools");
    common::install(&common::bin("nstools"), &exe, 0o755);
    std::fs::write(dir.join("nsenter"), "not ours").unwrap();
    let run = |args: &[&str]| common::run(Command::new(&exe).args(args));
    let r = run(&["--install", "-s", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stderr.contains("no newuidmap/newgidmap links")
            && r.stderr
                .contains(&format!("not replacing {}", dir.join("nsenter").display())),
        "{}",
        r.stderr
    );
    let names: Vec<String> = run(&["--list"]).ok().lines().map(String::from).collect();
    for name in &names {
        let link = dir.join(name);
        match name.as_str() {
            "newuidmap" | "newgidmap" => assert!(!link.exists(), "{name}"),
            "nsenter" => assert_eq!(std::fs::read_to_string(&link).unwrap(), "not ours"),
            _ => {
                assert_eq!(std::fs::read_link(&link).unwrap().to_str(), Some("nstools"));
                let r = common::run(Command::new(&link).arg("--version"));
                assert_eq!(
                    r.ok(),
                    format!("{name} from nstools {}\n", env!("CARGO_PKG_VERSION"))
                );
            }
        }
    }
    // Again: everything is there already.
    let r = run(&["--install", "-s", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // Hard links elsewhere; with the binary setuid-root, shadow's names too.
    let hard = TempDir::new("multicall-install-hard");
    if nix::unistd::geteuid().is_root() {
        std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o4755))
            .unwrap();
    }
    let r = run(&["--install", hard.path().to_str().unwrap()]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let ino =
        |p: &std::path::Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
    for name in &names {
        let link = hard.join(name);
        let shadow = name == "newuidmap" || name == "newgidmap";
        if shadow && !nix::unistd::geteuid().is_root() {
            assert!(!link.exists());
        } else {
            assert_eq!(ino(&link), ino(&exe), "{name}");
        }
    }
    let r = run(&["--install"]);
    assert_eq!(
        r.fails(1),
        "nstools: usage: nstools --install [-s] <dir>\nTry 'nstools --help' for more information."
    );
}
