//! A critical section: work that must be finished or undone, which catchable signals wait for.
//!
//! [`Section::enter`] blocks every signal whose default action ends the process, except the
//! synchronous faults (`SIGSEGV` and kin concern our own code, and the kernel ends a process that
//! blocks them anyway). [`Section::interrupted`] tells, at a point where the work can still be
//! undone, whether such a signal has arrived meanwhile, so the caller undoes instead of finishing.
//! Dropping the section restores the caller's mask, and a held signal then has its ordinary
//! effect: the process ends, its work finished or undone, never half-made. `SIGKILL` cannot wait;
//! what it may leave is the caller's to make harmless.
//!
//! A signal the caller ignores stays ignored: held, it is discarded when unblocked, and it is never
//! an interruption. Which signals are pending is one `sigpending(2)`; only when one is, the
//! ignored ones are read from `/proc/thread-self/status` (`SigIgn`, beside `SigPnd` for the thread
//! and `ShdPnd` for the process), as the kernel holds them.

use nix::sys::signal::{SigSet, SigmaskHow, Signal};

use crate::error::{Context, Result};
use crate::sys;

/// Signals that do not end a process by default (ignored or stopping), those that cannot be
/// blocked, and the synchronous faults: never held, never an interruption.
const NOT_HELD: [Signal; 15] = {
    use Signal::*;
    [
        SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGCHLD, SIGCONT,
        SIGURG, SIGWINCH, SIGTSTP, SIGTTIN, SIGTTOU,
    ]
};

/// The held signals as a `/proc/PID/status` mask (bit N-1 for signal N, 64 signals).
fn held_mask() -> u64 {
    NOT_HELD
        .iter()
        .fold(u64::MAX, |m, s| m & !(1u64 << (*s as i32 - 1)))
}

/// Signals are held until this is dropped.
#[must_use]
pub struct Section {
    old: SigSet,
}

impl Section {
    /// Hold every signal that would end the process, until the section is dropped.
    pub fn enter() -> Result<Section> {
        let mut set = SigSet::all();
        for s in NOT_HELD {
            set.remove(s);
        }
        let old = set
            .thread_swap_mask(SigmaskHow::SIG_BLOCK)
            .context(|| "cannot block signals")?;
        Ok(Section { old })
    }

    /// The lowest held signal that has arrived and is not ignored, if any: the process is asked
    /// to end and will once the section is dropped.
    pub fn interrupted(&self) -> Result<Option<i32>> {
        let pending = sys::pending_signals().context(|| "sigpending failed")?;
        if pending & held_mask() == 0 {
            return Ok(None);
        }
        let status = std::fs::read_to_string("/proc/thread-self/status")
            .context(|| "cannot read /proc/thread-self/status")?;
        Ok(interrupting(&status, held_mask()))
    }
}

impl Drop for Section {
    fn drop(&mut self) {
        let _ = self.old.thread_set_mask();
    }
}

/// The lowest signal of `held` that a `/proc/PID/status` image shows pending (for the thread or
/// the process) and not ignored.
fn interrupting(status: &str, held: u64) -> Option<i32> {
    let mask = |field: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
            .unwrap_or(0)
    };
    let hit = (mask("SigPnd:") | mask("ShdPnd:")) & !mask("SigIgn:") & held;
    (hit != 0).then(|| hit.trailing_zeros() as i32 + 1)
}

/// A signal's name for messages: `SIGTERM`, or `signal 40` for a real-time one.
pub fn signal_name(sig: i32) -> String {
    Signal::try_from(sig).map_or_else(|_| format!("signal {sig}"), |s| s.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_signals_from_status() {
        let held = held_mask();
        let img = |pnd: &str, shd: &str, ign: &str| {
            format!("Name:\tx\nSigQ:\t0/1\nSigPnd:\t{pnd}\nShdPnd:\t{shd}\nSigBlk:\tfffffffe7ffbfeff\nSigIgn:\t{ign}\nSigCgt:\t0\n")
        };
        let z = "0000000000000000";
        assert_eq!(interrupting(&img(z, z, z), held), None);
        // SIGTERM (15) sent to the process.
        assert_eq!(interrupting(&img(z, "0000000000004000", z), held), Some(15));
        // SIGINT (2) to the thread and SIGTERM to the process: the lower first.
        assert_eq!(
            interrupting(&img("0000000000000002", "0000000000004000", z), held),
            Some(2)
        );
        // An ignored SIGTERM is no interruption, nor a SIGCHLD (17) or SIGWINCH (28).
        assert_eq!(
            interrupting(&img(z, "0000000000004000", "0000000000004000"), held),
            None
        );
        assert_eq!(interrupting(&img(z, "0000000008010000", z), held), None);
        // A real-time signal (40) ends a process by default.
        assert_eq!(interrupting(&img(z, "0000008000000000", z), held), Some(40));
        assert_eq!(signal_name(15), "SIGTERM");
        assert_eq!(signal_name(40), "signal 40");
    }

    /// Only this thread's mask and a signal sent to this thread (raise) are involved, and the
    /// signal is taken back with sigwait before the mask is restored.
    #[test]
    fn a_held_signal_is_seen_and_waits() {
        let section = Section::enter().unwrap();
        assert_eq!(section.interrupted().unwrap(), None);
        nix::sys::signal::raise(Signal::SIGUSR2).unwrap();
        assert_eq!(section.interrupted().unwrap(), Some(Signal::SIGUSR2 as i32));
        let mut set = SigSet::empty();
        set.add(Signal::SIGUSR2);
        assert_eq!(set.wait().unwrap(), Signal::SIGUSR2);
        assert_eq!(section.interrupted().unwrap(), None);
        drop(section);
    }
}

#[cfg(test)]
mod prop {
    use proptest::prelude::*;

    proptest! {
        /// Any status image: a signal that is pending, not ignored and held, or none.
        #[test]
        fn status_images(pnd in any::<u64>(), shd in any::<u64>(), ign in any::<u64>(), junk in any::<String>()) {
            let img = format!("SigPnd:\t{pnd:016x}\nShdPnd:\t{shd:016x}\nSigIgn:\t{ign:016x}\n");
            let held = super::held_mask();
            let want = (pnd | shd) & !ign & held;
            let got = super::interrupting(&img, held);
            prop_assert_eq!(got, (want != 0).then(|| want.trailing_zeros() as i32 + 1));
            let _ = super::interrupting(&junk, held);
        }
    }
}
