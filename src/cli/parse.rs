//! The getopt-compatible parser every tool uses, driven by its [`Tool`] table (lexopt underneath):
//! long options by any unambiguous prefix, bundled short options, values attached or following
//! (even one starting with `-`, as `--boottime -200`), `--`, and util-linux's messages.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use super::flags::{Flag, Takes, Tool, STANDARD};
use crate::error::{Error, Result};

/// One parsed argument.
#[derive(Debug)]
pub enum Arg {
    /// An option of the table, by its long name, with its value.
    Flag(&'static str, Value),
    /// An operand (a non-option argument, or anything after `--`).
    Operand(OsString),
}

/// The value of an option, present as its [`Takes`] says: always for [`Takes::Value`], never
/// for [`Takes::Nothing`], when given for the optional kinds.
#[derive(Debug)]
pub struct Value(Option<OsString>);

impl Value {
    /// The value as an OS string (paths, commands).
    pub fn os(self) -> OsString {
        self.0.unwrap_or_default()
    }

    /// The value as a path.
    pub fn path(self) -> PathBuf {
        self.os().into()
    }

    /// The value as UTF-8 text.
    pub fn string(self) -> Result<String> {
        self.os().into_string().map_err(|v| {
            Error::usage(format!(
                "invalid UTF-8 in argument '{}'",
                v.to_string_lossy()
            ))
        })
    }

    /// An optional value: `None` when not given.
    pub fn optional(self) -> Option<OsString> {
        self.0
    }
}

/// The command line of a tool, read one [`Arg`] at a time:
/// `while let Some(arg) = args.next()? { match arg { Arg::Flag("fork", _) => …, … } }`.
///
/// `--help` and `--version` are answered here: `next` prints them and returns
/// [`Error::silent`]`(0)`, so the tool leaves with status 0 through its usual error path.
pub struct Args {
    tool: &'static Tool,
    p: lexopt::Parser,
    /// The options given, in order, for [`Args::check_command`].
    given: Vec<&'static Flag>,
    /// An operand ended the options ([`Tool::permute`] false): the rest are operands.
    ended: bool,
}

impl Args {
    /// `args` as the program received them, its name first.
    pub fn new(tool: &'static Tool, args: impl IntoIterator<Item = OsString>) -> Args {
        Args {
            tool,
            p: lexopt::Parser::from_iter(args),
            given: Vec::new(),
            ended: false,
        }
    }

    /// The next option or operand; `None` at the end. (Not an `Iterator`: it fails, as lexopt's.)
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Arg>> {
        if self.ended {
            return Ok(self.p.raw_args()?.next().map(Arg::Operand));
        }
        let Some(arg) = self.p.next()? else {
            return Ok(None);
        };
        let (flag, given) = match arg {
            lexopt::Arg::Value(v) => {
                self.ended = !self.tool.permute;
                return Ok(Some(Arg::Operand(v)));
            }
            lexopt::Arg::Short(c) => match find(self.tool, &|f| f.short == Some(c)) {
                Some(f) => (f, None),
                None => return Err(Error::usage(format!("invalid option -- '{c}'"))),
            },
            // What was given is the name or a prefix of it (see `resolve`): its length is enough.
            lexopt::Arg::Long(l) => (resolve(self.tool, l)?, Some(l.len())),
        };
        let long = given.is_some();
        let value = match flag.takes {
            // `--fork=x` is refused here, before the option does anything (lexopt would only
            // see the value when asked for the next argument), naming it as given, as getopt.
            Takes::Nothing if long => match self.p.optional_value() {
                Some(_) => {
                    return Err(Error::usage(format!(
                        "option '--{}' doesn't allow an argument",
                        &flag.long[..given.unwrap_or(flag.long.len())]
                    )))
                }
                None => None,
            },
            Takes::Nothing => None,
            Takes::Value => Some(self.p.value()?),
            Takes::Optional => self.p.optional_value(),
            Takes::OptionalLong if long => self.p.optional_value(),
            Takes::OptionalLong => None,
        };
        if std::ptr::eq(flag, &STANDARD[0]) {
            super::print(&super::help::text(self.tool))?;
            return Err(Error::silent(0));
        }
        if std::ptr::eq(flag, &STANDARD[1]) {
            super::version(self.tool.name)?;
            return Err(Error::silent(0));
        }
        self.given.push(flag);
        Ok(Some(Arg::Flag(flag.long, Value(value))))
    }

    /// The arguments after the last one read, untouched (a program and its own options).
    pub fn rest(&mut self) -> Result<Vec<OsString>> {
        Ok(self.p.raw_args()?.collect())
    }

    /// The rule of the table: every option given applies to `command`
    /// (`option '--rm' does not apply to stat`).
    pub fn check_command(&self, command: &str) -> Result<()> {
        match self.given.iter().find(|f| !f.applies_to(command)) {
            Some(f) => Err(Error::usage(format!(
                "option '--{}' does not apply to {command}",
                f.long
            ))),
            None => Ok(()),
        }
    }
}

/// The first option of `tool` for which `pred` holds, `--help` and `--version` first (as
/// util-linux's option tables).
fn find(tool: &'static Tool, pred: &dyn Fn(&Flag) -> bool) -> Option<&'static Flag> {
    STANDARD.iter().chain(tool.flags()).find(|f| pred(f))
}

/// Resolve a long option as `getopt_long` does: an exact name, or an unambiguous prefix.
fn resolve(tool: &'static Tool, given: &str) -> Result<&'static Flag> {
    if let Some(f) = find(tool, &|f| f.long == given) {
        return Ok(f);
    }
    let matches: Vec<&'static Flag> = STANDARD
        .iter()
        .chain(tool.flags())
        .filter(|f| !given.is_empty() && f.long.starts_with(given))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::usage(format!("unrecognized option '--{given}'"))),
        many => {
            let list: Vec<String> = many.iter().map(|f| format!("'--{}'", f.long)).collect();
            Err(Error::usage(format!(
                "option '--{given}' is ambiguous; possibilities: {}",
                list.join(" ")
            )))
        }
    }
}

/// The error for an operand a tool has no place for.
pub fn unexpected(operand: &OsStr) -> Error {
    Error::usage(format!(
        "unexpected argument '{}'",
        operand.to_string_lossy()
    ))
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

/// For a tool's unit tests: hand `parse` a command line with each option of the table (and a
/// value `1` when it takes one), after the first subcommand it applies to; `parse` must not
/// panic, which it does when the table has an option its `match` forgot.
#[cfg(test)]
pub fn each_flag(tool: &'static Tool, mut parse: impl FnMut(Vec<OsString>)) {
    for f in tool.flags() {
        let mut argv: Vec<OsString> = vec![tool.name.into()];
        if let Some(c) = tool.commands.iter().find(|c| f.applies_to(c.name)) {
            argv.push(c.name.into());
        }
        argv.push(match f.takes {
            Takes::Value => format!("--{}=1", f.long).into(),
            _ => format!("--{}", f.long).into(),
        });
        parse(argv);
    }
}

#[cfg(test)]
mod tests {
    use super::super::flags::{Group, Hint};
    use super::*;

    const T: Tool = Tool {
        name: "t",
        groups: &[Group::new(
            "Options:",
            &[
                Flag::new("mount", "").short('m').optional_long("<file>"),
                Flag::new("mount-proc", "").optional_long("<dir>"),
                Flag::new("map-user", "").value("<uid>"),
                Flag::new("map-users", "").value("<map>"),
                Flag::new("net", "").short('n').optional("<file>"),
                Flag::new("root", "")
                    .short('R')
                    .value("<dir>")
                    .hint(Hint::Dir),
                Flag::new("fork", "").short('f'),
                Flag::new("rm", "").only(&["exec"]),
            ],
        )],
        ..Tool::EMPTY
    };

    static P: Tool = Tool { permute: true, ..T };

    fn parse(tool: &'static Tool, argv: &[&str]) -> Result<Vec<String>> {
        let mut args = Args::new(tool, ["t"].iter().chain(argv).map(OsString::from));
        let mut out = Vec::new();
        while let Some(a) = args.next()? {
            out.push(match a {
                Arg::Flag(n, v) => match v.optional() {
                    Some(v) => format!("{n}={}", v.to_string_lossy()),
                    None => n.to_string(),
                },
                Arg::Operand(o) => format!("[{}]", o.to_string_lossy()),
            });
        }
        Ok(out)
    }

    fn err(tool: &'static Tool, argv: &[&str]) -> String {
        let e = parse(tool, argv).unwrap_err();
        assert!(e.is_usage(), "{e}");
        e.to_string()
    }

    #[test]
    fn long_prefixes_resolve_like_getopt() {
        assert_eq!(parse(&T, &["--mount"]).unwrap(), ["mount"]);
        assert_eq!(parse(&T, &["--mount-p"]).unwrap(), ["mount-proc"]);
        assert_eq!(parse(&T, &["--ne=x"]).unwrap(), ["net=x"]);
        assert_eq!(parse(&T, &["--map-user", "0"]).unwrap(), ["map-user=0"]);
        assert_eq!(
            err(&T, &["--map"]),
            "option '--map' is ambiguous; possibilities: '--map-user' '--map-users'"
        );
        assert_eq!(err(&T, &["--bogus"]), "unrecognized option '--bogus'");
        assert_eq!(err(&T, &["-x"]), "invalid option -- 'x'");
    }

    #[test]
    fn values_by_kind() {
        // Optional long values: `-m` never takes one, `--mount` only attached.
        assert_eq!(parse(&T, &["-mf"]).unwrap(), ["mount", "fork"]);
        assert_eq!(parse(&T, &["--mount=/x"]).unwrap(), ["mount=/x"]);
        assert_eq!(parse(&T, &["--mount", "-f"]).unwrap(), ["mount", "fork"]);
        // Optional attached values, as getopt's `n::`.
        assert_eq!(parse(&T, &["-nf"]).unwrap(), ["net=f"]);
        assert_eq!(parse(&T, &["-n=/x"]).unwrap(), ["net=/x"]);
        assert_eq!(parse(&T, &["-n", "-f"]).unwrap(), ["net", "fork"]);
        // Required values: attached or the next argument, even one with a dash.
        assert_eq!(parse(&T, &["-fR/x"]).unwrap(), ["fork", "root=/x"]);
        assert_eq!(parse(&T, &["-R", "-200"]).unwrap(), ["root=-200"]);
        assert_eq!(parse(&T, &["--root", "-f"]).unwrap(), ["root=-f"]);
        assert_eq!(err(&T, &["--root"]), "option '--root' requires an argument");
        assert_eq!(err(&T, &["-R"]), "option requires an argument -- 'R'");
        assert_eq!(
            err(&T, &["--fork=x"]),
            "option '--fork' doesn't allow an argument"
        );
    }

    #[test]
    fn operands_end_the_options_unless_the_tool_permutes() {
        assert_eq!(
            parse(&T, &["-f", "ls", "-l", "--", "x"]).unwrap(),
            ["fork", "[ls]", "[-l]", "[--]", "[x]"]
        );
        assert_eq!(parse(&T, &["--", "-f", "x"]).unwrap(), ["[-f]", "[x]"]);
        assert_eq!(
            parse(&P, &["a", "-f", "b", "--", "-f"]).unwrap(),
            ["[a]", "fork", "[b]", "[-f]"]
        );
    }

    #[test]
    fn options_apply_to_their_commands() {
        let mut args = Args::new(&P, ["t", "--rm", "-f"].map(OsString::from));
        while args.next().unwrap().is_some() {}
        assert!(args.check_command("exec").is_ok());
        let e = args.check_command("stat").unwrap_err();
        assert!(e.is_usage());
        assert_eq!(e.to_string(), "option '--rm' does not apply to stat");
    }
}
