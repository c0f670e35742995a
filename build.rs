//! Build-time facts for the test suite, so that a privileged test that cannot run here is
//! reported by the test harness as ignored, with its reason, instead of passing without running:
//! `nstools_unprivileged` when neither root nor under CI (tests marked with it are
//! `#[cfg_attr(nstools_unprivileged, ignore = "…")]`). Under CI nothing is ignored: a test that
//! needs root then fails. The binaries do not depend on it.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(nstools_unprivileged)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CI");
    // `sudo` and `su` change these: the build then reruns as the other user.
    println!("cargo::rerun-if-env-changed=USER");
    println!("cargo::rerun-if-env-changed=HOME");
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .unwrap_or("0");
    if euid != "0" && std::env::var_os("CI").is_none() {
        println!("cargo::rustc-cfg=nstools_unprivileged");
    }
}
