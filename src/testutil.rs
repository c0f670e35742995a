//! Helpers for unit tests.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A temporary directory, unique to this process and call, removed on drop (after detaching
/// anything mounted below it). The integration tests share it (`tests/common`).
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("nstools-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    #[allow(dead_code)] // by the integration tests
    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let prefix = self.0.to_string_lossy().into_owned();
        let mut mounts: Vec<String> = std::fs::read_to_string("/proc/self/mounts")
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
            .filter(|m| m.starts_with(&prefix))
            .collect();
        mounts.sort_by_key(|m| std::cmp::Reverse(m.len()));
        for m in mounts {
            let _ = nix::mount::umount2(m.as_str(), nix::mount::MntFlags::MNT_DETACH);
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// For a unit test that changes the whole process (ids, capabilities): `true` in a test process
/// of its own, where the test (named `name`, in the caller's module) is then the only one to run;
/// `false` in the ordinary harness, after running that process and asserting it passed. Needs
/// root: skips elsewhere with the reason printed, and fails when `CI` is set.
#[track_caller]
pub fn alone(name: &str) -> bool {
    const ALONE: &str = "NSTOOLS_TEST_ALONE";
    if std::env::var_os(ALONE).is_some() {
        return true;
    }
    if !nix::unistd::geteuid().is_root() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name}: needs root, and CI is set: privileged tests must run"
        );
        eprintln!("SKIPPED {name}: needs root (set CI to make this a failure)");
        return false;
    }
    // The caller's module path, without the crate's name, as the harness names tests.
    let file = std::panic::Location::caller().file();
    let module = file
        .trim_start_matches("src/")
        .trim_end_matches(".rs")
        .trim_end_matches("/mod")
        .replace('/', "::");
    let test = format!("{module}::tests::{name}");
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test.as_str(), "--exact", "--test-threads=1"])
        .env(ALONE, "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{test} alone failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "{test} did not run alone:\n{text}"
    );
    false
}
