//! `nsls`: list namespaces; a drop-in for util-linux 2.42 `lsns(8)` (options, columns, output,
//! messages and exit statuses), plus `--inspect PID`, one process's whole picture.
//!
//! Order of work, as lsns's: options are read and checked in order, each error ending the run at
//! once (an unknown type, tree or filter syntax; two options that exclude each other); then the
//! columns (`-o` applied last, after the defaults); the filter's columns are resolved; only then
//! are `/proc` and the mounts read ([`crate::nsls::scan`]) and the table printed.

use std::ffi::OsString;

use crate::cli::{self, Arg, Args, Flag, Group, Hint, Tool};
use crate::error::{Context, Error, Result};
use crate::ns::KINDS;
use crate::nsls::columns::{self, Col, Sources, COLUMNS};
use crate::nsls::filter::Filter;
use crate::nsls::listing::{Listing, Tree, UnknownColumns};
use crate::nsls::scan::{self, Scan, Want};
use crate::nsls::table::{self, Column, Format, JsonStyle, Output, Table};
use crate::nsls::{inspect, text};

const NAME: &str = "nsls";

const KIND_NAMES: &[&str] = &["mnt", "net", "ipc", "user", "pid", "uts", "cgroup", "time"];

/// The command line of nsls.
pub static TOOL: Tool = Tool {
    name: NAME,
    section: "8",
    usage: &[
        "nsls [options] [<namespace>]",
        "nsls --inspect <pid>[:<inode>] [--json]",
    ],
    about: "List the namespaces of the system, or the processes of one namespace;\n\
            or show everything about one process's container.\n",
    groups: &[
        Group::new(
            "Options:",
            &[
                Flag::new("json", "print JSON").short('J'),
                Flag::new("list", "print a list, not a tree").short('l'),
                Flag::new("noheadings", "leave out the header line").short('n'),
                Flag::new(
                    "output",
                    "the columns to print (+<list> adds to the default)",
                )
                .short('o')
                .value("<list>"),
                Flag::new("output-all", "print every column"),
                Flag::new("persistent", "only namespaces no process is in").short('P'),
                Flag::new("task", "only the namespaces of this process")
                    .short('p')
                    .value("<pid>")
                    .hint(Hint::Pid),
                Flag::new("filter", "only the lines this expression accepts")
                    .short('Q')
                    .value("<expr>"),
                Flag::new("raw", "print the raw format").short('r'),
                Flag::new("notruncate", "never cut text to fit the terminal").short('u'),
                Flag::new("nowrap", "keep every cell on one line").short('W'),
                Flag::new("type", "only namespaces of this type (repeatable)")
                    .short('t')
                    .value("<type>")
                    .hint(Hint::List(KIND_NAMES)),
                Flag::new("tree", "draw a tree of processes, owners or parents")
                    .short('T')
                    .optional("process|owner|parent"),
            ],
        ),
        Group::new(
            "",
            &[
                Flag::new("list-columns", "list the columns -o takes").short('H'),
                Flag::new(
                    "inspect",
                    "show one process's namespaces, ids, hostname, cgroup,\n\
                     interfaces and root",
                )
                .value("<pid>[:<inode>]")
                .hint(Hint::Pid),
            ],
        ),
    ],
    operands: &[Hint::None],
    permute: true,
    ..Tool::EMPTY
};

/// Options that exclude each other, as lsns's (by short name; the message uses long names).
const EXCLUSIVE: &[(&str, &str)] = &[("json", "raw"), ("persistent", "task"), ("list", "tree")];

#[derive(Default)]
struct Opts {
    json: bool,
    raw: bool,
    list: bool,
    noheadings: bool,
    notruncate: bool,
    nowrap: bool,
    persistent: bool,
    output: Option<String>,
    output_all: bool,
    task: Option<i32>,
    types: [bool; 8],
    net_type: bool,
    tree: Option<Tree>,
    filter: Option<Filter>,
    list_columns: bool,
    inspect: Option<String>,
    namespace: Option<String>,
    /// Options given, for the exclusions.
    given: Vec<&'static str>,
}

pub fn main(args: impl IntoIterator<Item = OsString>) -> ! {
    cli::exit(NAME, run(args))
}

/// A number as util-linux's `strtoimax`-based parsers read it: leading blanks and a sign
/// allowed, digits to the end. `Err(true)` when out of range, `Err(false)` when not a number.
fn strtoi(text: &str) -> std::result::Result<i128, bool> {
    let t = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(false);
    }
    let v: i128 = digits.parse().map_err(|_| true)?;
    let v = if neg { -v } else { v };
    if !(i64::MIN as i128..=i64::MAX as i128).contains(&v) {
        return Err(true);
    }
    Ok(v)
}

fn range_error(what: &str, text: &str) -> Error {
    Error::new(format!("{what}: '{text}': Numerical result out of range"))
}

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Opts> {
    let mut o = Opts::default();
    let mut args = Args::new(&TOOL, args);
    while let Some(arg) = args.next()? {
        let (name, v) = match arg {
            Arg::Flag(name, v) => (name, v),
            Arg::Operand(v) => {
                // lsns reads the first operand and ignores the rest.
                if o.namespace.is_none() {
                    o.namespace = Some(v.to_string_lossy().into_owned());
                }
                continue;
            }
        };
        for (a, b) in EXCLUSIVE {
            let other = if name == *a {
                b
            } else if name == *b {
                a
            } else {
                continue;
            };
            if o.given.contains(other) {
                return Err(Error::new(format!(
                    "options --{other} and --{name} cannot be combined"
                )));
            }
        }
        o.given.push(name);
        match name {
            "json" => o.json = true,
            "list" => o.list = true,
            "noheadings" => o.noheadings = true,
            "output" => o.output = Some(v.string()?),
            "output-all" => o.output_all = true,
            "persistent" => o.persistent = true,
            "task" => {
                let text = v.string()?;
                const WHAT: &str = "invalid PID argument";
                o.task = Some(match strtoi(&text) {
                    Ok(n) if (1..=i32::MAX as i128).contains(&n) => n as i32,
                    Ok(_) | Err(true) => return Err(range_error(WHAT, &text)),
                    Err(false) => return Err(Error::new(format!("{WHAT}: '{text}'"))),
                });
            }
            "filter" => {
                let text = v.string()?;
                o.filter = Some(
                    Filter::parse(&text, text::utf8_locale())
                        .map_err(|m| Error::new(format!("failed to parse \"{text}\": {m}")))?,
                );
            }
            "raw" => {
                o.raw = true;
                o.nowrap = true;
            }
            "notruncate" => o.notruncate = true,
            "nowrap" => o.nowrap = true,
            "type" => {
                let text = v.string()?;
                let Some(k) = KINDS.iter().position(|k| k.name == text) else {
                    return Err(Error::new(format!("unknown namespace type: {text}")));
                };
                o.types[k] = true;
                o.net_type |= text == "net";
            }
            "tree" => {
                let rel = v.optional().map(|r| r.to_string_lossy().into_owned());
                let rel = rel.as_deref().map(|r| r.strip_prefix('=').unwrap_or(r));
                o.tree = Some(match rel {
                    None | Some("owner") => Tree::Owner,
                    Some("parent") => Tree::Parent,
                    Some("process") => Tree::Process,
                    Some(other) => {
                        return Err(Error::new(format!("unknown tree type: {other}")));
                    }
                });
            }
            "list-columns" => o.list_columns = true,
            "inspect" => o.inspect = Some(v.string()?),
            _ => unreachable!("--{name} is in the table"),
        }
    }
    Ok(o)
}

/// Where output goes: the terminal's width when it is one (else `COLUMNS`, else 80).
fn output() -> Output {
    use std::os::fd::AsFd;
    let stdout = std::io::stdout();
    let terminal = nix::unistd::isatty(stdout.as_fd())
        .unwrap_or(false)
        .then(|| {
            crate::sys::terminal_width(stdout.as_fd())
                .or_else(|| {
                    std::env::var("COLUMNS")
                        .ok()
                        .and_then(|c| c.trim().parse().ok())
                        .filter(|&c| c > 0)
                })
                .unwrap_or(80)
        });
    Output {
        terminal,
        utf8: text::utf8_locale(),
        json: JsonStyle::from_env(),
    }
}

fn format(o: &Opts) -> Format {
    if o.json {
        Format::Json
    } else if o.raw {
        Format::Raw
    } else {
        Format::Human
    }
}

/// `-H`: the columns, their types and what they show.
fn list_columns(o: &Opts) -> Table {
    let col = |name, right| Column {
        name,
        whint: 0,
        right,
        trunc: false,
        tree: false,
        hidden: false,
        wrapnl: false,
        json: table::Json::String,
    };
    let cols = vec![
        col("HOLDER", true),
        col("TYPE", false),
        col("DESCRIPTION", false),
    ];
    let mut t = Table::new("lsns-columns", cols, format(o));
    t.noheadings = true;
    for i in &COLUMNS {
        let ty: &[u8] = match i.json {
            table::Json::Number => b"<integer>",
            table::Json::String => b"<string>",
        };
        t.add_line(
            None,
            vec![
                Some(i.name.as_bytes().to_vec()),
                Some(ty.to_vec()),
                Some(i.help.as_bytes().to_vec()),
            ],
        );
    }
    t
}

fn write(out: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out)
        .and_then(|_| stdout.flush())
        .context(|| "write error")
}

fn run(args: impl IntoIterator<Item = OsString>) -> Result<i32> {
    let mut o = parse(args)?;
    if let Some(target) = &o.inspect {
        if let Some(other) = o.given.iter().find(|g| !matches!(**g, "inspect" | "json")) {
            return Err(Error::new(format!(
                "options --inspect and --{other} cannot be combined"
            )));
        }
        if let Some(ns) = &o.namespace {
            return Err(cli::unexpected(std::ffi::OsStr::new(ns)));
        }
        let text = inspect::inspect(target, o.json)?;
        write(text.as_bytes())?;
        return Ok(0);
    }
    let out = output();
    if o.list_columns {
        let mut buf = Vec::new();
        list_columns(&o).print(&out, &mut buf);
        write(&buf)?;
        return Ok(0);
    }
    if !o.types.iter().any(|&t| t) {
        o.types = [true; 8];
    }
    let mut cols: Vec<Col> = Vec::new();
    if o.output_all {
        cols = COLUMNS.iter().map(|i| i.col).collect();
    }
    let mut tree = o.tree;
    let mut namespace = None;
    if let Some(text) = &o.namespace {
        if o.task.is_some() {
            return Err(Error::new("--task is mutually exclusive with <namespace>"));
        }
        const WHAT: &str = "invalid namespace argument";
        namespace = Some(match strtoi(text) {
            Ok(n) if n >= 0 => n as u64,
            Ok(_) | Err(true) => return Err(range_error(WHAT, text)),
            Err(false) => return Err(Error::new(format!("{WHAT}: '{text}'"))),
        });
        if tree.is_none() && !o.list {
            tree = Some(Tree::Process);
        }
        if cols.is_empty() {
            cols = vec![Col::Pid, Col::Ppid, Col::User, Col::Command];
        }
    }
    if cols.is_empty() {
        cols = vec![Col::Ns, Col::Type, Col::Nprocs, Col::Pid, Col::User];
        if o.net_type {
            cols.extend([Col::Netnsid, Col::Nsfs]);
        }
        cols.push(Col::Command);
        if tree.is_none() && !o.list {
            tree = Some(Tree::Process);
        }
    }
    if let Some(list) = &o.output {
        columns::apply_list(list, &mut cols)?;
    }
    let listing = Listing {
        columns: cols,
        tree: tree.unwrap_or(Tree::None),
        format: format(&o),
        noheadings: o.noheadings,
        notruncate: o.notruncate,
        nowrap: o.nowrap,
        task: o.task,
        persistent: o.persistent,
        filter: o.filter.take(),
    };
    let columns = listing.columns().map_err(|UnknownColumns(names)| {
        for n in names {
            cli::report(NAME, &Error::new(format!("unknown column: {n}")));
        }
        Error::new("failed to initialize filter")
    })?;
    if columns.cols.len() > columns::MAX_COLUMNS {
        return Err(Error::new(format!(
            "too many columns specified, the limit is {} columns",
            columns::MAX_COLUMNS - 1
        )));
    }
    let uses = |c: Col| columns.cols.contains(&c);
    let owner_tree = matches!(listing.tree, Tree::Owner | Tree::Parent);
    let want = Want {
        kinds: o.types,
        related: owner_tree || uses(Col::Pns) || uses(Col::Ons),
        netnsid: uses(Col::Netnsid),
        ghosts: owner_tree,
    };
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo")
        .context(|| "failed to parse /proc/self/mountinfo")?;
    let mounts = scan::nsfs_mounts(&mountinfo);
    let found = Scan::run(want, &mounts)?;
    let src = Sources {
        scan: &found,
        mounts: &mounts,
        nowrap: o.nowrap,
        users: Default::default(),
        commands: Default::default(),
        proc_dir: nix::fcntl::open(
            "/proc",
            nix::fcntl::OFlag::O_RDONLY
                | nix::fcntl::OFlag::O_DIRECTORY
                | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
        .ok(),
    };
    let table = match namespace.filter(|&n| n != 0) {
        Some(id) => {
            let n = found
                .get(id)
                .ok_or_else(|| Error::new(format!("not found namespace: {id}")))?;
            listing.processes(&src, &columns, n)?
        }
        None => listing.namespaces(&src, &columns)?,
    };
    let mut buf = Vec::with_capacity(64 * 1024);
    table.print(&out, &mut buf);
    write(&buf)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn try_parse(argv: &[&str]) -> Result<Opts> {
        parse(
            std::iter::once("nsls")
                .chain(argv.iter().copied())
                .map(OsString::from),
        )
    }

    #[test]
    fn every_flag_has_an_arm() {
        cli::each_flag(&TOOL, |argv| {
            let _ = parse(argv);
        });
    }

    #[test]
    fn exclusive_options_and_values() {
        let e = |argv: &[&str]| try_parse(argv).err().unwrap().to_string();
        assert_eq!(
            e(&["-J", "-r"]),
            "options --json and --raw cannot be combined"
        );
        assert_eq!(
            e(&["-r", "-J"]),
            "options --raw and --json cannot be combined"
        );
        assert_eq!(
            e(&["-p", "1", "-P"]),
            "options --task and --persistent cannot be combined"
        );
        assert_eq!(
            e(&["-l", "-T"]),
            "options --list and --tree cannot be combined"
        );
        assert_eq!(e(&["-t", "foo"]), "unknown namespace type: foo");
        assert_eq!(e(&["-Tbad"]), "unknown tree type: bad");
        assert_eq!(e(&["-p", "abc"]), "invalid PID argument: 'abc'");
        assert_eq!(
            e(&["-p", "0"]),
            "invalid PID argument: '0': Numerical result out of range"
        );
        assert_eq!(
            e(&["-Q", "NS 5"]),
            "failed to parse \"NS 5\": syntax error, unexpected NUMBER, expecting end of file"
        );
        let o = try_parse(&["-T=parent", "-t", "net", "--tree", "4026531840", "x"]).unwrap();
        assert_eq!(o.tree, Some(Tree::Owner));
        assert!(o.net_type && o.namespace.as_deref() == Some("4026531840"));
        assert_eq!(try_parse(&["-p", " +42"]).unwrap().task, Some(42));
    }
}
