//! One error type for every tool: a message that names the operation and the object, and the exit
//! status it maps to. Errors are printed once, by [`crate::cli::exit`], as `tool: message`.

use std::fmt::{self, Display};
use std::io;

use nix::errno::Errno;

/// Exit status of our own failures (util-linux `EXIT_FAILURE`).
pub const EXIT_FAILURE: i32 = 1;
/// Exit status when the program was found but could not be executed.
pub const EXIT_CANNOT_EXEC: i32 = 126;
/// Exit status when the program was not found.
pub const EXIT_NOT_FOUND: i32 = 127;

#[derive(Debug)]
pub struct Error {
    msg: String,
    code: i32,
    usage: bool,
    /// Already reported (by a helper process): exit with `code` and print nothing.
    silent: bool,
    errno: Option<Errno>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Our own failure, exit status 1.
    pub fn new(msg: impl Into<String>) -> Self {
        Error {
            msg: msg.into(),
            code: EXIT_FAILURE,
            usage: false,
            silent: false,
            errno: None,
        }
    }

    /// A usage error: printed with a `Try 'tool --help'` line, exit status 1.
    pub fn usage(msg: impl Into<String>) -> Self {
        Error {
            usage: true,
            ..Error::new(msg)
        }
    }

    /// A failure someone else already reported: exit with `code`, print nothing.
    pub fn silent(code: i32) -> Self {
        Error {
            silent: true,
            ..Error::new("").with_code(code)
        }
    }

    pub fn is_silent(&self) -> bool {
        self.silent
    }

    /// A failed system call: `what: strerror`.
    pub fn sys(what: impl Display, errno: Errno) -> Self {
        Error {
            errno: Some(errno),
            ..Error::new(format!("{what}: {}", errno.desc()))
        }
    }

    /// Same error, another exit status.
    pub fn with_code(mut self, code: i32) -> Self {
        self.code = code;
        self
    }

    pub fn code(&self) -> i32 {
        self.code
    }

    pub fn is_usage(&self) -> bool {
        self.usage
    }

    /// The errno behind this error, if it came from a system call.
    pub fn errno(&self) -> Option<Errno> {
        self.errno
    }

    pub fn message(&self) -> &str {
        &self.msg
    }

    /// The same error with its message cut to about `max` bytes (at a character boundary,
    /// `...` added): a last bound on what a setuid tool prints of what it was given.
    pub fn bounded(mut self, max: usize) -> Error {
        if self.msg.len() > max {
            let end = (0..=max)
                .rev()
                .find(|&i| self.msg.is_char_boundary(i))
                .unwrap_or(0);
            self.msg.truncate(end);
            self.msg.push_str("...");
        }
        self
    }
}

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Error {}

/// Longest text a message echoes in full (see [`quoted`]).
const ECHO_MAX: usize = 64;

/// `text`, quoted for a message that echoes what was given: in full when short, otherwise cut
/// at a character boundary with its length added (`'1111...' (100000 bytes)`), so a tool never
/// repeats a huge argument whole.
pub fn quoted(text: &str) -> String {
    if text.len() <= ECHO_MAX {
        return format!("'{text}'");
    }
    let end = (0..=ECHO_MAX)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    format!("'{}...' ({} bytes)", &text[..end], text.len())
}

/// Refuse an empty value: `what` names it (`path for --root`, `program name`), and the message
/// says so (`empty path for --root`) where a system call's own error would print the value as
/// nothing at all (`mount  failed`).
pub fn nonempty(value: &std::ffi::OsStr, what: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::new(format!("empty {what}")));
    }
    Ok(())
}

/// The errno of an `io::Error`, so it prints as util-linux does ("No such file or directory",
/// without Rust's "(os error 2)").
pub fn errno_of(e: &io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}

/// Attach the operation and object to a system error: `.context(|| format!("open {path}"))`.
pub trait Context<T> {
    fn context<D: Display>(self, what: impl FnOnce() -> D) -> Result<T>;
}

impl<T> Context<T> for nix::Result<T> {
    fn context<D: Display>(self, what: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| Error::sys(what(), e))
    }
}

impl<T> Context<T> for io::Result<T> {
    fn context<D: Display>(self, what: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| match e.raw_os_error() {
            Some(_) => Error::sys(what(), errno_of(&e)),
            None => Error::new(format!("{}: {e}", what())),
        })
    }
}

impl Error {
    /// A failed system call with the kernel's own explanation (a netlink extended ack):
    /// `what: strerror (detail)`.
    pub fn sys_detail(what: impl Display, errno: Errno, detail: &str) -> Self {
        Error {
            errno: Some(errno),
            ..Error::new(format!("{what}: {} ({detail})", errno.desc()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sys_error_reads_like_util_linux() {
        let e: Result<()> = Err(Errno::ENOENT).context(|| "cannot open /x");
        let e = e.unwrap_err();
        assert_eq!(e.to_string(), "cannot open /x: No such file or directory");
        assert_eq!(e.code(), 1);
        assert_eq!(e.errno(), Some(Errno::ENOENT));
    }

    #[test]
    fn long_echoes_are_cut() {
        assert_eq!(quoted("1x"), "'1x'");
        let long = "é".repeat(50_000);
        let q = quoted(&long);
        assert_eq!(q, format!("'{}...' (100000 bytes)", "é".repeat(32)));
        let e = Error::usage("x".repeat(1000)).with_code(3).bounded(10);
        assert_eq!(
            (e.to_string(), e.code(), e.is_usage()),
            ("x".repeat(10) + "...", 3, true)
        );
        assert_eq!(Error::new("short").bounded(10).to_string(), "short");
    }

    #[test]
    fn io_error_has_no_os_error_suffix() {
        let e: Result<()> = Err(io::Error::from_raw_os_error(libc::EACCES)).context(|| "open f");
        assert_eq!(e.unwrap_err().to_string(), "open f: Permission denied");
    }
}
