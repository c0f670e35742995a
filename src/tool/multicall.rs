//! The multicall `nstools` binary: one static file, the tools reached through symlinks (dispatch
//! on the name it was called by) or as `nstools TOOL ARGS`.

use std::ffi::OsString;
use std::path::Path;

use crate::cli::{self, Flag, Group, Hint, Tool};
use crate::error::Error;

type Main = fn(std::vec::IntoIter<OsString>) -> !;

/// Every tool, by the name it is called by.
const TOOLS: &[(&str, Main)] = &[
    ("nsunshare", |a| super::nsunshare::main(a)),
    ("nsmount-proc", |a| super::nsmount_proc::main(a)),
    ("nspivot", |a| super::nspivot::main(a)),
    ("nsidmap", |a| super::nsidmap::main(a)),
    // shadow's names: nsidmap takes their syntax when called by them.
    ("newuidmap", |a| super::nsidmap::main(a)),
    ("newgidmap", |a| super::nsidmap::main(a)),
    ("nscgroup", |a| super::nscgroup::main(a)),
    ("nsveth", |a| super::nsveth::main(a)),
    ("nsenter", |a| super::nsenter::main(a)),
    ("nsls", |a| super::nsls::main(a)),
];

/// The tools written to run with more privilege than their caller. The multicall binary may be
/// installed setuid-root (or with file capabilities) to serve as newuidmap/newgidmap; every
/// other tool would then hand any user root's power, so it refuses to run that way.
const SETUID_SAFE: &[&str] = &["nsidmap", "newuidmap", "newgidmap"];

fn find(name: &str) -> Option<Main> {
    let main = TOOLS.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)?;
    if crate::sys::at_secure() && !SETUID_SAFE.contains(&name) {
        let e = Error::new(format!(
            "refusing to run {name} with setuid or file-capability privileges: only nsidmap is \
             safe to install that way"
        ));
        cli::exit("nstools", Err(e));
    }
    Some(main)
}

/// The command line of the multicall binary: `nstools TOOL ARGS`, or one of these options as
/// its only argument (matched exactly: anything else names a tool).
pub static TOOL: Tool = Tool {
    name: "nstools",
    usage: &[
        "nstools <tool> [arguments...]",
        "<tool> [arguments...]   (through a symlink named after the tool)",
    ],
    groups: &[Group::new(
        "Options:",
        &[Flag::new("list", "list the tools, one per line")],
    )],
    operands: &[Hint::Tool],
    ..Tool::EMPTY
};

/// `--help`: the usage, the tools, the options.
fn usage() -> String {
    let mut s = String::with_capacity(4096);
    cli::help::usage(&TOOL, &mut s);
    s.push_str("\nTools:\n");
    for (name, _) in TOOLS {
        s.push_str(&format!(" {name}\n"));
    }
    s.push('\n');
    cli::help::options(&TOOL, &mut s);
    s.push_str("\nFor more details see nstools(1).\n");
    s
}

pub fn main(args: impl IntoIterator<Item = OsString>) -> ! {
    let mut args: Vec<OsString> = args.into_iter().collect();
    let called = args.first().map(|a| {
        Path::new(a)
            .file_name()
            .unwrap_or(a.as_os_str())
            .to_string_lossy()
            .into_owned()
    });
    if let Some(main) = called.as_deref().and_then(find) {
        main(args.into_iter());
    }
    // `nstools TOOL ARGS`: the tool sees itself called by its own name.
    let sub = args.get(1).map(|a| a.to_string_lossy().into_owned());
    match sub.as_deref() {
        Some("-h" | "--help") => cli::exit("nstools", cli::print(&usage()).map(|()| 0)),
        Some("-V" | "--version") => cli::exit("nstools", cli::version("nstools")),
        Some("--list") => {
            let list: String = TOOLS.iter().map(|(n, _)| format!("{n}\n")).collect();
            cli::exit("nstools", cli::print(&list).map(|_| 0))
        }
        Some(name) => match find(name) {
            Some(main) => {
                args.remove(0);
                main(args.into_iter())
            }
            None => cli::exit(
                "nstools",
                Err(Error::usage(format!("unknown tool '{name}'"))),
            ),
        },
        None => cli::exit("nstools", Err(Error::usage("no tool given"))),
    }
}
