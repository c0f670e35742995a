//! The command line of every tool, declared once: a flag table ([`Tool`]) from which come the
//! parser ([`Args`], getopt-compatible, util-linux's messages), `--help` ([`help`]), `--version`,
//! the rule that an option applies to some subcommands only ([`Args::check_command`]), and the
//! man pages' SYNOPSIS and OPTIONS and the bash, zsh and fish completions ([`gen`], run by
//! `tests/docs.rs`, never by a binary). Also here: the `main` wrapper that prints errors once and
//! exits, and strict number, size and signal parsing.
//!
//! # A tool's table and parser
//!
//! ```
//! use std::ffi::OsString;
//! // Inside the crate these are `crate::cli::…` and `crate::error::Result`.
//! use nstools::testing::cli::{Arg, Args, Flag, Group, Hint, Tool};
//! use nstools::testing::error::Result;
//!
//! pub static TOOL: Tool = Tool {
//!     name: "nsdemo",
//!     usage: &["nsdemo [options] <pid>"],
//!     about: "Show what the table gives.\n",
//!     groups: &[Group::new(
//!         "Options:",
//!         &[
//!             Flag::new("json", "print JSON").short('J'),
//!             Flag::new("type", "only namespaces of this type")
//!                 .short('t')
//!                 .value("<type>")
//!                 .hint(Hint::List(&["mnt", "net", "pid"])),
//!             Flag::new("tree", "show a tree").short('T').optional("<rel>"),
//!         ],
//!     )],
//!     operands: &[Hint::Pid],
//!     permute: true,
//!     ..Tool::EMPTY
//! };
//!
//! #[derive(Default)]
//! struct Opts { json: bool, types: Vec<String>, tree: Option<Option<OsString>>, pid: Option<OsString> }
//!
//! fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Opts> {
//!     let mut o = Opts::default();
//!     let mut args = Args::new(&TOOL, args);
//!     while let Some(arg) = args.next()? {
//!         match arg {
//!             Arg::Flag("json", _) => o.json = true,
//!             Arg::Flag("type", v) => o.types.push(v.string()?),
//!             Arg::Flag("tree", v) => o.tree = Some(v.optional()),
//!             Arg::Flag(name, _) => unreachable!("--{name} is in the table"),
//!             Arg::Operand(v) if o.pid.is_none() => o.pid = Some(v),
//!             Arg::Operand(v) => return Err(nstools::testing::cli::unexpected(&v)),
//!         }
//!     }
//!     Ok(o)
//! }
//!
//! let o = parse(["nsdemo", "-Jt", "net", "--tr=x", "42"].map(OsString::from)).unwrap();
//! assert!(o.json && o.types == ["net"] && o.pid.is_some());
//! // `--help` and `--version` are answered by the parser: it prints them, and its error of
//! // status 0 (`Error::silent(0)`) ends the tool through `cli::exit` like any other.
//! let e = parse(["nsdemo", "--jso=1"].map(OsString::from)).err().unwrap();
//! assert_eq!(e.to_string(), "option '--jso' doesn't allow an argument");
//! ```
//!
//! The tool's `main` is `cli::exit(NAME, run(args))`, and `run` starts with `let o = parse(args)?`.
//!
//! **Adding an option** is one [`Flag`] in the table (its names, [`flags::Takes`], value name, help
//! line, [`Hint`], [`Flag::only`] subcommands, in the group `--help` shows it under), one arm of
//! the `match` that acts on it, and a test; then `NSTOOLS_BLESS=1 cargo test --test docs` writes
//! its man page line (with the help line as text, to be written properly by hand) and its
//! completions. Each tool's unit test `each_flag` fails when the `match` misses an option.
//!
//! **A new tool** is its `static TOOL: Tool` and `parse` as above in `src/tool/`, an entry in
//! [`crate::tool::TABLES`] (and the multicall's list), a man page with the two kinds of
//! generated regions (`.\" BEGIN GENERATED SYNOPSIS` and `.\" BEGIN GENERATED OPTIONS`, each
//! closed by `.\" END GENERATED …`: see [`gen::man`]), and the bless command above for the rest.
//! Subcommand tools list their [`Command`]s and call [`Args::check_command`] once the subcommand
//! is known; tools whose options stop at the first operand (util-linux's `+`) leave
//! [`Tool::permute`] false and get every later argument as an operand, untouched.

use std::io::Write;

use nix::sys::signal::Signal;

use crate::error::{Error, Result, EXIT_FAILURE};

mod flags;
pub mod gen;
pub mod help;
mod parse;

pub use flags::{Command, Flag, Group, Hint, Tool};
#[cfg(test)]
pub use parse::each_flag;
pub use parse::{unexpected, Arg, Args};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The entry point of a tool binary: a C `main` that hands argv to the tool's `main`.
///
/// Binaries declare `#![cfg_attr(not(test), no_main)]` and call this macro (under `cargo test`
/// the test harness keeps its own `main`). Skipping Rust's runtime start-up (stack
/// guard discovery through `/proc/self/maps`, an alternate signal stack, SIGPIPE ignored, a poll
/// of the standard descriptors) saves a tenth of the start-up time of a tool, and nothing of it
/// is needed: the tools are single-threaded, abort on panic, and leave the signal dispositions
/// they were given (an ignored SIGPIPE included) to the programs they run, as util-linux does.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[cfg(not(test))]
        #[no_mangle]
        extern "C" fn main(argc: i32, argv: *const *const ::std::ffi::c_char) -> i32 {
            // SAFETY: these are the C runtime's own arguments to `main`.
            $main(unsafe { $crate::args_from_c(argc, argv) })
        }
    };
}

/// Leave with the status of a tool's `result`: the exit status on success; an error is printed
/// as `name: message` (plus a `Try` line for usage errors) and exits with the error's status.
pub fn exit(name: &str, result: Result<i32>) -> ! {
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            report(name, &e);
            e.code()
        }
    };
    if let Err(e) = std::io::stdout().flush() {
        eprintln!("{name}: write error: {}", crate::error::errno_of(&e).desc());
        std::process::exit(EXIT_FAILURE);
    }
    std::process::exit(code)
}

/// Print an error the way every tool does.
pub fn report(name: &str, e: &Error) {
    if e.is_silent() {
        return;
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{name}: {e}");
    if e.is_usage() {
        let _ = writeln!(err, "Try '{name} --help' for more information.");
    }
}

/// Write `text` to stdout (help, version, reports), turning a write failure into an error rather
/// than a panic.
pub fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| {
            Error::new(format!(
                "write error: {}",
                crate::error::errno_of(&e).desc()
            ))
        })
}

/// `--version` output, util-linux style.
pub fn version(name: &str) -> Result<i32> {
    print(&format!("{name} from nstools {VERSION}\n"))?;
    Ok(0)
}

/// A decimal number in full, as util-linux's `strtoul_or_err`: blanks before it (as `strtoul`
/// skips them) but nothing after, `what: 'text'` on failure. Unlike util-linux, a negative or
/// too large number is refused, not wrapped round.
pub fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T> {
    let t = text.trim_start();
    let ok = !t.is_empty()
        && t.bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_digit() || (i == 0 && (b == b'-' || b == b'+')));
    match t.parse::<T>() {
        Ok(v) if ok => Ok(v),
        _ => Err(Error::new(format!("{what}: '{text}'"))),
    }
}

/// A size with an optional binary or decimal suffix, read as util-linux's `strtosize` reads it:
/// `512`, `64K`, `256M`, `1.5G`, `2GiB` (powers of 1024), `2GB` (powers of 1000). The number is
/// C's `strtoumax` in base 0 (blanks and `+` before it, hexadecimal after `0x`, octal after `0`),
/// never negative; the unit a letter of `KMGTPEZY` in either case, then nothing, `iB` or `B`
/// (`b` too); a decimal fraction only before a unit (`1.5K`, and `7.K` is 7K). Fractions are
/// exact, rounded down (util-linux 2.38 is off in some, as 1.7K for 2048).
pub fn size(text: &str) -> Option<u64> {
    let t = text.trim_start_matches(|c: char| c == ' ' || ('\t'..='\r').contains(&c));
    if t.starts_with('-') {
        return None;
    }
    let (int, rest) = strtoumax_prefix(t)?;
    if rest.is_empty() {
        return Some(int);
    }
    // `.DIGITS` then a unit: the fraction (util-linux reads it only when a unit follows).
    let (frac, unit) = match rest.strip_prefix('.') {
        Some(after) if !after.is_empty() => {
            let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            (&after[..digits], &after[digits..])
        }
        Some(_) => return None,
        None => ("", rest),
    };
    let mut u = unit.chars();
    let letter = u.next()?;
    let exp = "KMGTPEZY".find(letter.to_ascii_uppercase())? as u32 + 1;
    let base: u64 = match u.as_str() {
        "" | "iB" | "ib" => 1024,
        "B" | "b" => 1000,
        _ => return None,
    };
    let mult = base.checked_pow(exp)?;
    let mut value = int.checked_mul(mult)?;
    if !frac.is_empty() {
        let digits = frac.len().min(18);
        let f: u128 = frac[..digits].parse().ok()?;
        let scale = 10u128.pow(digits as u32);
        value = value.checked_add((f * u128::from(mult) / scale) as u64)?;
    }
    Some(value)
}

/// The number at the start of `t` as C's `strtoumax(t, &end, 0)` reads it (after any blanks,
/// which the caller skipped): an optional `+`, then hexadecimal after `0x`, octal after `0`, or
/// decimal; with what follows it. `None` without digits or when it does not fit.
fn strtoumax_prefix(t: &str) -> Option<(u64, &str)> {
    let t = t.strip_prefix('+').unwrap_or(t);
    let hex = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .filter(|h| h.starts_with(|c: char| c.is_ascii_hexdigit()));
    let (radix, body) = match hex {
        Some(h) => (16, h),
        None if t.starts_with('0') => (8, t),
        None => (10, t),
    };
    let len = body.len() - body.trim_start_matches(|c: char| c.is_digit(radix)).len();
    if len == 0 {
        return None;
    }
    let v = u64::from_str_radix(&body[..len], radix).ok()?;
    Some((v, &body[len..]))
}

/// A signal number by name or number, real-time signals included as util-linux spells them:
/// `KILL`, `SIGKILL`, `9`, `RTMIN`, `RTMIN+1`, `SIGRTMAX-2`.
pub fn signal_number(text: &str) -> Option<i32> {
    let (min, max) = crate::sys::rt_signal_range();
    let upper = text.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    // `RTMIN+n` counts up from SIGRTMIN, `RTMAX-n` down from SIGRTMAX.
    let offset = |rest: &str, sign: char| -> Option<i32> {
        match rest {
            "" => Some(0),
            _ => rest.strip_prefix(sign)?.parse().ok(),
        }
    };
    let in_range = |n: i32| Some(n).filter(|n| (min..=max).contains(n));
    if let Some(rest) = name.strip_prefix("RTMIN") {
        return in_range(min + offset(rest, '+')?);
    }
    if let Some(rest) = name.strip_prefix("RTMAX") {
        return in_range(max - offset(rest, '-')?);
    }
    match text.parse::<i32>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        _ => signal(text).map(|s| s as i32),
    }
}

/// A signal by name (`KILL`, `SIGKILL`, `kill`) or number (`9`).
pub fn signal(text: &str) -> Option<Signal> {
    if let Ok(n) = text.parse::<i32>() {
        return Signal::try_from(n).ok();
    }
    let upper = text.to_ascii_uppercase();
    let full = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    full.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_strict() {
        assert_eq!(number::<u32>("1000", "failed to parse uid").unwrap(), 1000);
        assert_eq!(number::<i64>("-5", "x").unwrap(), -5);
        assert_eq!(
            number::<u32>("10x", "failed to parse uid")
                .unwrap_err()
                .to_string(),
            "failed to parse uid: '10x'"
        );
        assert!(number::<u32>("", "x").is_err());
        assert!(number::<u32>("4294967296", "x").is_err());
        assert!(number::<u32>("0x10", "x").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(size("512"), Some(512));
        assert_eq!(size("64K"), Some(65536));
        assert_eq!(size("256M"), Some(256 << 20));
        assert_eq!(size("2GiB"), Some(2 << 30));
        assert_eq!(size("2GB"), Some(2_000_000_000));
        assert_eq!(size("1.5G"), Some(3 << 29));
        assert_eq!(size("12Q"), None);
        assert_eq!(size("-1"), None);
        assert_eq!(size(""), None);
        assert_eq!(size("1.5"), None);
        assert_eq!(size("99999999999E"), None);
        // As util-linux: octal and hexadecimal, `+` and blanks before, `7.K`, `kib`, `kB`.
        assert_eq!(size("010K"), Some(8 << 10));
        assert_eq!(size("0x10K"), Some(16 << 10));
        assert_eq!(size(" +5k"), Some(5 << 10));
        assert_eq!(size("7.K"), Some(7 << 10));
        assert_eq!(size("5kib"), Some(5 << 10));
        assert_eq!(size("5kB"), Some(5000));
        for bad in ["7.", ".5K", "5K ", "5KIB", "5 K", "1Z", "08"] {
            assert_eq!(size(bad), None, "{bad}");
        }
    }

    #[test]
    fn signal_numbers_with_real_time_ones() {
        let (min, max) = crate::sys::rt_signal_range();
        assert_eq!(signal_number("KILL"), Some(9));
        assert_eq!(signal_number("RTMIN"), Some(min));
        assert_eq!(signal_number("SIGRTMIN+1"), Some(min + 1));
        assert_eq!(signal_number("rtmax-2"), Some(max - 2));
        assert_eq!(signal_number(&min.to_string()), Some(min));
        assert_eq!(signal_number("RTMIN-1"), None);
        assert_eq!(signal_number("RTMAX+1"), None);
        assert_eq!(signal_number("RTMIN+99"), None);
        assert_eq!(signal_number("NOPE"), None);
    }

    #[test]
    fn signals() {
        assert_eq!(signal("KILL"), Some(Signal::SIGKILL));
        assert_eq!(signal("sigterm"), Some(Signal::SIGTERM));
        assert_eq!(signal("15"), Some(Signal::SIGTERM));
        assert_eq!(signal("NOPE"), None);
        assert_eq!(signal("0"), None);
    }
}
