//! A panic in a process started by a raw `clone3` (`cgroup::Placement`, which nscgroup's
//! programs and nsunshare's init come from) ends that process with SIGABRT, never its parent.
//!
//! Such a child keeps the C library's cached thread id of its parent, and `abort(3)` signals that
//! id: without the panic hook `Placement` installs in the child, the panic below would end in
//! `abort()` and kill this test process instead. The panic is injected here, in a test binary of
//! its own, so that the tools carry no test-only code; it unwinds into an `extern "C"` boundary,
//! so that it ends in `abort()` as it does in the release tools (`panic = "abort"`).
//!
//! No harness: the test forks, which must not happen in a threaded test harness.

mod common;

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};

use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitStatus};
use nstools::testing::cgroup::{self, Cgroupfs, Create, Limits, Placement, SelfCgroup};
use nstools::testing::process::Fork;

const TEST: &str = "clone3_panic_ends_the_child_not_its_parent";

fn main() {
    let Some(layout) = common::cgroups(common::CgroupNeed::V2(&[])) else {
        return;
    };
    // The cgroup2 hierarchy alone, wherever it is mounted.
    let fs = Cgroupfs::open(&layout.v2.unwrap(), SelfCgroup::read().unwrap()).unwrap();
    let name = common::unique("nscg-panic-");
    let made = fs
        .apply(&name, &Limits::default(), &[], Create::New)
        .unwrap();
    let placement = Placement::new(&made.groups).unwrap();
    // The child's stderr: a pipe, read once it has ended.
    let (rx, tx) = nix::unistd::pipe().unwrap();
    // SAFETY: dup of our own stderr, owned by the new OwnedFd alone.
    let saved = unsafe { OwnedFd::from_raw_fd(libc::dup(2)) };
    nix::unistd::dup2_stderr(&tx).unwrap();
    let child = match placement.fork().unwrap() {
        Fork::Child => injected_panic(),
        Fork::Parent(child) => child,
    };
    nix::unistd::dup2_stderr(&saved).unwrap();
    drop(tx);
    let status = waitpid(child, None).unwrap();
    let mut said = String::new();
    std::fs::File::from(rx).read_to_string(&mut said).unwrap();
    let inside = placement.started_inside();
    cgroup::remove_made(&made, &name).unwrap();
    assert!(
        inside,
        "{TEST}: the child was not started by clone3 (a fork has no stale id)"
    );
    assert!(
        matches!(status, WaitStatus::Signaled(_, Signal::SIGABRT, _)),
        "{TEST}: the child ended with {status:?}; it said: {said}"
    );
    assert!(
        said.contains("injected panic"),
        "{TEST}: the child said: {said}"
    );
    // Still here: the parent was not signalled.
    println!("test {TEST} ... ok");
}

extern "C" fn injected_panic() -> ! {
    panic!("injected panic")
}
