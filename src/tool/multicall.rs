//! The multicall `nstools` binary: one static file, the tools reached through symlinks (dispatch
//! on the name it was called by) or as `nstools TOOL ARGS`.

use std::ffi::OsString;
use std::path::Path;

use crate::caps;
use crate::cli::{self, Arg, Args, Flag, Group, Hint, Tool};
use crate::error::{Context, Error, Result};

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

/// shadow's names for nsidmap, which unprivileged users run expecting a privileged helper.
const SHADOW_NAMES: &[&str] = &["newuidmap", "newgidmap"];

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

/// The command line of the multicall binary: `nstools TOOL ARGS`, or its own options (a first
/// argument that starts with `-`).
pub static TOOL: Tool = Tool {
    name: "nstools",
    usage: &[
        "nstools <tool> [arguments...]",
        "<tool> [arguments...]   (through a symlink named after the tool)",
        "nstools --install [-s] <dir>",
    ],
    groups: &[Group::new(
        "Options:",
        &[
            Flag::new("list", "list the names it can be called by, one per line"),
            Flag::new(
                "install",
                "make a link named after each tool in <dir> (hard links; -s: symbolic)",
            ),
            Flag::new("symbolic", "with --install: symbolic links").short('s'),
        ],
    )],
    operands: &[Hint::Tool],
    permute: true,
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
    // `nstools TOOL ARGS`: the tool sees itself called by its own name; `nstools -…`: our options.
    let sub = args.get(1).map(|a| a.to_string_lossy().into_owned());
    match sub.as_deref() {
        Some("-h" | "--help") => cli::exit("nstools", cli::print(&usage()).map(|()| 0)),
        Some(opt) if opt.starts_with('-') && opt != "-" => cli::exit("nstools", options(args)),
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

/// The multicall binary's own options, from its table: `--list`, `--install [-s] DIR`, and
/// `--help`/`--version` (answered by the parser).
fn options(args: Vec<OsString>) -> Result<i32> {
    let (mut list, mut install, mut symbolic) = (false, false, false);
    let mut operands = Vec::new();
    let mut parsed = Args::new(&TOOL, args);
    while let Some(arg) = parsed.next()? {
        match arg {
            Arg::Flag("list", _) => list = true,
            Arg::Flag("install", _) => install = true,
            Arg::Flag("symbolic", _) => symbolic = true,
            Arg::Flag(name, _) => unreachable!("--{name} is in the table"),
            Arg::Operand(v) => operands.push(v),
        }
    }
    match (list, install, operands.as_slice()) {
        (true, true, _) => Err(Error::usage("--list and --install go alone")),
        (false, true, [dir]) => self::install(Path::new(dir), symbolic),
        (false, true, _) => Err(Error::usage("usage: nstools --install [-s] <dir>")),
        (_, false, _) if symbolic => Err(Error::usage("--symbolic goes with --install")),
        (_, false, [first, ..]) => Err(cli::unexpected(first)),
        (true, false, []) => {
            let list: String = TOOLS.iter().map(|(n, _)| format!("{n}\n")).collect();
            cli::print(&list).map(|()| 0)
        }
        (false, false, []) => Err(Error::usage("no tool given")),
    }
}

/// `nstools --install [-s] DIR`, as `busybox --install`: a link to this binary for every name it
/// can be called by. shadow's names only when this binary can do their job (setuid-root, or
/// `cap_setuid,cap_setgid`): unprivileged users run `newuidmap`/`newgidmap` (util-linux
/// `unshare --map-users`, rootless Podman), and a plain binary under those names, first in PATH,
/// would make every such call fail. A file that is not already ours is never replaced.
fn install(dir: &Path, symbolic: bool) -> Result<i32> {
    // A directory that is not there fails in one line, before any note about the links.
    let into = || format!("cannot install into {}", dir.display());
    if !std::fs::metadata(dir).context(into)?.is_dir() {
        return Err(Error::sys(into(), nix::errno::Errno::ENOTDIR));
    }
    let exe = std::fs::read_link("/proc/self/exe").context(|| "cannot find this binary")?;
    let meta = std::fs::metadata(&exe).context(|| format!("cannot stat {}", exe.display()))?;
    let privileged = caps::maps_ids(&exe, &meta);
    if !privileged {
        eprintln!(
            "nstools: no newuidmap/newgidmap links: {} is neither setuid-root nor has \
             cap_setuid,cap_setgid, and unprivileged users who run shadow's helpers would fail",
            exe.display()
        );
    }
    // A link in the binary's own directory names it relatively, so the tree can move.
    let same_dir = exe
        .parent()
        .zip(std::fs::canonicalize(dir).ok())
        .is_some_and(|(a, b)| a == b);
    let target = match exe.file_name() {
        Some(name) if symbolic && same_dir => Path::new(name).to_path_buf(),
        _ => exe.clone(),
    };
    for (name, _) in TOOLS {
        if !privileged && SHADOW_NAMES.contains(name) {
            continue;
        }
        let link = dir.join(name);
        if is_ours(&link, &meta) {
            continue;
        }
        if std::fs::symlink_metadata(&link).is_ok() {
            eprintln!("nstools: not replacing {}: it exists", link.display());
            continue;
        }
        let made = if symbolic {
            std::os::unix::fs::symlink(&target, &link)
        } else {
            std::fs::hard_link(&exe, &link)
        };
        if let Some(other) = elsewhere_in_path(name, dir) {
            eprintln!(
                "nstools: note: {} shadows {} wherever {} comes first in PATH",
                link.display(),
                other.display(),
                dir.display()
            );
        }
        made.map_err(|e| {
            let hint = if crate::error::errno_of(&e) == nix::errno::Errno::EXDEV {
                " (another file system: use -s)"
            } else {
                ""
            };
            Error::sys(
                format!("cannot link {} to {}{hint}", link.display(), exe.display()),
                crate::error::errno_of(&e),
            )
        })?;
    }
    Ok(0)
}

/// Whether `link` already leads to this binary (a hard link or a symbolic link to it).
fn is_ours(link: &Path, exe: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(link).is_ok_and(|m| m.dev() == exe.dev() && m.ino() == exe.ino())
}

/// The first executable called `name` in PATH outside `dir`: what a link there would shadow.
fn elsewhere_in_path(name: &str, dir: &Path) -> Option<std::path::PathBuf> {
    let dir = std::fs::canonicalize(dir).ok()?;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|d| std::fs::canonicalize(d).is_ok_and(|d| d != dir))
        .map(|d| d.join(name))
        .find(|p| nix::unistd::access(p, nix::unistd::AccessFlags::X_OK).is_ok())
}
