//! `make install` / `make uninstall` into a DESTDIR, as a packager runs them: the tree holds each
//! tool with its man page and three completions, names shared with util-linux and shadow only
//! when asked for, and uninstall removes exactly what install made.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Ran, TempDir};

/// `make VARS… TARGET` at the top of the project, with the binaries this test run built.
fn make(dest: &Path, target: &str, vars: &[&str]) -> Ran {
    let built = common::bin("nstools");
    let mut c = Command::new("make");
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--no-print-directory")
        .arg(format!("DESTDIR={}", dest.display()))
        .arg("PREFIX=/usr")
        .arg(format!("BUILT={}", built.parent().unwrap().display()))
        .args(vars)
        .arg(target);
    common::run(&mut c)
}

/// Every file under `dir`, relative, sorted; symbolic links shown with their target.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(top: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(top).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.file_type().is_symlink() {
                out.push(format!(
                    "{rel} -> {}",
                    std::fs::read_link(&p).unwrap().display()
                ));
            } else if meta.is_dir() {
                walk(top, &p, out);
            } else {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The files `make install` gives one tool.
fn files_of(tool: &str) -> Vec<String> {
    let section = nstools::tool::TABLES
        .iter()
        .find(|t| t.name == tool)
        .map_or("1", |t| t.section);
    vec![
        format!("usr/bin/{tool}"),
        format!("usr/share/bash-completion/completions/{tool}"),
        format!("usr/share/fish/vendor_completions.d/{tool}.fish"),
        format!("usr/share/man/man{section}/{tool}.{section}"),
        format!("usr/share/zsh/site-functions/_{tool}"),
    ]
}

/// The tools, as the source tree has them.
fn tools() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin");
    let mut t: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    t.sort();
    t
}

fn expected(with: &[&str]) -> Vec<String> {
    let mut want: Vec<String> = tools()
        .iter()
        .filter(|t| *t != "nsenter" || with.contains(&"nsenter"))
        .flat_map(|t| files_of(t))
        .collect();
    for extra in with.iter().filter(|w| **w != "nsenter") {
        want.push(format!("usr/bin/{extra} -> nsidmap"));
    }
    want.sort();
    want
}

#[test]
fn install_leaves_shared_names_alone_and_uninstall_removes_all() {
    let dest = TempDir::new("install");
    let r = make(dest.path(), "install", &[]);
    r.ok();
    assert_eq!(tree(dest.path()), expected(&[]));
    // It says what it left out, since it would shadow util-linux's nsenter in PATH.
    if std::process::Command::new("sh")
        .args(["-c", "command -v nsenter"])
        .output()
        .unwrap()
        .status
        .success()
    {
        assert!(r.stderr.contains("not installing nsenter"), "{}", r.stderr);
    }
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dest.path().join("usr/bin/nsidmap"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o7777, 0o755, "nsidmap is not setuid unless asked");
    make(dest.path(), "uninstall", &[]).ok();
    assert_eq!(tree(dest.path()), Vec::<String>::new());
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn shared_names_when_asked_for() {
    let dest = TempDir::new("install");
    if !common::root() {
        return; // SETUID=1 chowns to root
    }
    make(
        dest.path(),
        "install",
        &["NSENTER=1", "SETUID=1", "SHADOW_NAMES=1"],
    )
    .ok();
    assert_eq!(
        tree(dest.path()),
        expected(&["nsenter", "newgidmap", "newuidmap"])
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dest.path().join("usr/bin/nsidmap"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o7777, 0o4755);
    make(dest.path(), "uninstall", &[]).ok();
    assert_eq!(tree(dest.path()), Vec::<String>::new());
}

#[test]
fn shadow_names_need_a_privileged_nsidmap() {
    let dest = TempDir::new("install");
    let r = make(dest.path(), "install", &["SHADOW_NAMES=1"]);
    assert_ne!(r.code, Some(0));
    assert!(
        r.stderr
            .contains("SHADOW_NAMES=1 needs SETUID=1 or SETCAP=1"),
        "{}",
        r.stderr
    );
    assert_eq!(tree(dest.path()), Vec::<String>::new(), "nothing installed");
}
