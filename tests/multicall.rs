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
fn installed_setuid_it_only_runs_nsidmap() {
    if !common::root("installed_setuid_it_only_runs_nsidmap") {
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
