//! Capabilities and setuid hygiene, in one place: the capability numbers the tools name, what a
//! setuid helper does first ([`sanitize`]) and before it writes ([`lockdown`]), what an init
//! keeps ([`keep_only`]), `--keep-caps` ([`permitted_to_ambient`]), and whether a binary is
//! privileged enough to serve as shadow's helpers ([`maps_ids`]). The raw `capget`, `capset` and
//! `prctl` calls are in [`crate::sys`].

use std::path::Path;

use nix::unistd::{geteuid, setresuid, Uid};

use crate::error::{Context, Result};
use crate::sys::{self, Caps};

/// Capability numbers (`linux/capability.h`).
pub const CAP_KILL: u32 = 5;
pub const CAP_SETGID: u32 = 6;
pub const CAP_SETUID: u32 = 7;
pub const CAP_SETFCAP: u32 = 31;

/// The start of a setuid helper: trust nothing inherited. The environment is cleared (no
/// locale, `PATH` or `IFS` reaches anything), and descriptors 0, 1 and 2 are made to exist, so a
/// file we open later can never become "stderr" and receive our messages.
pub fn sanitize() {
    sys::clearenv();
    use std::os::fd::{AsRawFd, IntoRawFd};
    let null = || {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")
    };
    while let Ok(f) = null() {
        if f.as_raw_fd() > 2 {
            break;
        }
        // It filled a closed standard descriptor: keep it open for good.
        let _ = f.into_raw_fd();
    }
}

/// Before writing as an unprivileged caller: become the caller (real, effective and saved uid,
/// so no root uid is left to return to) and keep only the capabilities in `keep` (a mask of
/// `1 << CAP_*`) among those permitted. The kernel then checks the writes against the caller's
/// uid, which owns the target namespace, plus `CAP_SETUID`/`CAP_SETGID` in the parent namespace.
pub fn lockdown(ruid: u32, keep: u64) -> Result<()> {
    let permitted = sys::capget().context(|| "capget failed")?.permitted;
    let uid = Uid::from_raw(ruid);
    if geteuid() != uid {
        sys::set_keepcaps(true).context(|| "cannot keep capabilities")?;
        setresuid(uid, uid, uid).context(|| format!("cannot set uid {ruid}"))?;
        sys::set_keepcaps(false).context(|| "cannot clear keep-capabilities")?;
    }
    let caps = Caps {
        effective: keep & permitted,
        permitted: keep & permitted,
        inheritable: 0,
    };
    sys::capset(caps).context(|| "could not set capabilities")
}

/// Keep only the capabilities in `keep` (a mask of `1 << CAP_*`), effective and permitted, none
/// inheritable.
pub fn keep_only(keep: u64) -> Result<()> {
    sys::capset(Caps {
        effective: keep,
        permitted: keep,
        inheritable: 0,
    })
    .context(|| "capset failed")
}

/// `--keep-caps`: make the permitted capabilities inheritable and ambient, so that they survive
/// `execve` as a non-root user (in a user namespace we created or joined).
pub fn permitted_to_ambient() -> Result<()> {
    let mut caps = sys::capget().context(|| "capget failed")?;
    caps.inheritable = caps.permitted;
    sys::capset(caps).context(|| "capset failed")?;
    for cap in 0..64 {
        if caps.permitted & (1 << cap) != 0 && sys::cap_exists(cap) {
            sys::ambient_raise(cap).context(|| format!("cannot raise ambient capability {cap}"))?;
        }
    }
    Ok(())
}

/// Whether the binary `exe` (with metadata `meta`) may write other users' id maps, as shadow's
/// `newuidmap`/`newgidmap` do: setuid root, or the file capabilities CAP_SETUID and CAP_SETGID.
pub fn maps_ids(exe: &Path, meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let setuid_root = meta.uid() == 0 && meta.mode() & libc::S_ISUID != 0;
    let both = 1 << CAP_SETUID | 1 << CAP_SETGID;
    setuid_root || sys::file_caps(exe).is_ok_and(|c| c & both == both)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As root, lockdown leaves no root uid and only the kept capability. The change is
    /// process-wide, and forking inside the threaded test harness is unsound (see
    /// [`sys::fork`]), so the test runs again, alone, in a test process of its own.
    #[test]
    fn lockdown_keeps_only_what_is_asked() {
        if crate::testutil::alone("lockdown_keeps_only_what_is_asked") {
            lockdown(65534, 1 << CAP_SETUID).unwrap();
            let r = nix::unistd::getresuid().unwrap();
            let ids = [r.real, r.effective, r.saved].map(Uid::as_raw);
            assert_eq!(ids, [65534; 3]);
            let c = sys::capget().unwrap();
            let one = 1 << CAP_SETUID;
            assert_eq!((c.effective, c.permitted, c.inheritable), (one, one, 0));
        }
    }
}
