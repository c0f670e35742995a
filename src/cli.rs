//! Command-line helpers shared by every tool: the `main` wrapper that prints errors once and
//! exits, getopt-compatible option names and messages on top of lexopt, `--help`/`--version`,
//! and strict number, size and signal parsing.

use std::ffi::OsString;
use std::io::Write;

use nix::sys::signal::Signal;

use crate::error::{Error, Result, EXIT_FAILURE};

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
            $main(unsafe { $crate::sys::args_from_c(argc, argv) })
        }
    };
}

/// Run a tool's body and leave with its status. `body` returns the exit status on success; an
/// error is printed as `name: message` (plus a `Try` line for usage errors) and exits with the
/// error's status.
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

/// `--help` output.
pub fn help(text: &str) -> Result<i32> {
    print(text)?;
    Ok(0)
}

/// Resolve a long option as `getopt_long` does: an exact name, or an unambiguous prefix of one of
/// `names`.
pub fn long(given: &str, names: &[&'static str]) -> Result<&'static str> {
    if let Some(n) = names.iter().find(|n| **n == given) {
        return Ok(n);
    }
    let matches: Vec<&'static str> = names
        .iter()
        .copied()
        .filter(|n| !given.is_empty() && n.starts_with(given))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::usage(format!("unrecognized option '--{given}'"))),
        many => {
            let list: Vec<String> = many.iter().map(|m| format!("'--{m}'")).collect();
            Err(Error::usage(format!(
                "option '--{given}' is ambiguous; possibilities: {}",
                list.join(" ")
            )))
        }
    }
}

/// The next command-line argument, with a long option resolved to its full name among `names`
/// (see [`long`]): `while let Some((arg, long)) = cli::next(&mut p, LONGS)? { match (arg, long)`.
pub fn next<'a>(
    p: &'a mut lexopt::Parser,
    names: &[&'static str],
) -> Result<Option<(lexopt::Arg<'a>, Option<&'static str>)>> {
    let Some(arg) = p.next()? else {
        return Ok(None);
    };
    let resolved = match &arg {
        lexopt::Arg::Long(l) => Some(long(l, names)?),
        _ => None,
    };
    Ok(Some((arg, resolved)))
}

/// `text` as a JSON string literal (for the tools' `--json` output).
pub fn json_string(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The error getopt gives for an option it does not know.
pub fn unknown(arg: lexopt::Arg<'_>) -> Error {
    match arg {
        lexopt::Arg::Short(c) => Error::usage(format!("invalid option -- '{c}'")),
        lexopt::Arg::Long(l) => Error::usage(format!("unrecognized option '--{l}'")),
        lexopt::Arg::Value(v) => {
            Error::usage(format!("unexpected argument '{}'", v.to_string_lossy()))
        }
    }
}

impl From<lexopt::Error> for Error {
    fn from(e: lexopt::Error) -> Error {
        use lexopt::Error as L;
        let msg = match e {
            L::MissingValue { option: Some(o) } if o.starts_with("--") => {
                format!("option '{o}' requires an argument")
            }
            L::MissingValue { option: Some(o) } => {
                format!(
                    "option requires an argument -- '{}'",
                    o.trim_start_matches('-')
                )
            }
            L::MissingValue { option: None } => "missing argument".into(),
            L::UnexpectedOption(o) if o.starts_with("--") => format!("unrecognized option '{o}'"),
            L::UnexpectedOption(o) => format!("invalid option -- '{}'", o.trim_start_matches('-')),
            L::UnexpectedArgument(v) => format!("unexpected argument '{}'", v.to_string_lossy()),
            L::UnexpectedValue { option, .. } => {
                format!("option '{option}' doesn't allow an argument")
            }
            L::NonUnicodeValue(v) => format!("invalid UTF-8 in argument '{}'", v.to_string_lossy()),
            L::ParsingFailed { value, error } => format!("{error}: '{value}'"),
            L::Custom(e) => e.to_string(),
        };
        Error::usage(msg)
    }
}

/// A required option value as a UTF-8 string.
pub fn value(p: &mut lexopt::Parser) -> Result<String> {
    use lexopt::ValueExt;
    Ok(p.value()?.string()?)
}

/// A required option value kept as an OS string (paths, commands).
pub fn value_os(p: &mut lexopt::Parser) -> Result<OsString> {
    Ok(p.value()?)
}

/// The optional `=VALUE` of a long option (`--mount=FILE`). Short options never take one here,
/// as in util-linux unshare, so `-mu` stays two flags.
pub fn optional_long(p: &mut lexopt::Parser) -> Result<Option<OsString>> {
    Ok(p.optional_value())
}

/// The operands after the first non-option: the program and its own arguments, untouched.
pub fn rest(first: OsString, p: &mut lexopt::Parser) -> Result<Vec<OsString>> {
    let mut argv = vec![first];
    argv.extend(p.raw_args()?);
    Ok(argv)
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
    fn long_prefixes_resolve_like_getopt() {
        let names = ["mount", "mount-proc", "map-user", "map-users", "net"];
        assert_eq!(long("mount", &names).unwrap(), "mount");
        assert_eq!(long("mount-p", &names).unwrap(), "mount-proc");
        assert_eq!(long("ne", &names).unwrap(), "net");
        assert_eq!(long("map-user", &names).unwrap(), "map-user");
        let e = long("map", &names).unwrap_err();
        assert!(e.is_usage());
        assert_eq!(
            e.to_string(),
            "option '--map' is ambiguous; possibilities: '--map-user' '--map-users'"
        );
        assert_eq!(
            long("bogus", &names).unwrap_err().to_string(),
            "unrecognized option '--bogus'"
        );
    }

    #[test]
    fn json_strings() {
        assert_eq!(json_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
    }

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
