//! `nspivot`: make a directory the root of the current (new) mount namespace, with fresh
//! `/proc`, `/sys` and `/dev`, then run a program in it. The layout is built by
//! [`crate::rootfs`]; this module parses options and checks them before anything is touched.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::cli;
use crate::critical::{self, Section};
use crate::error::{nonempty, Context, Error, Result};
use crate::ns;
use crate::process;
use crate::rootfs::{self, Bind, Layout};

const NAME: &str = "nspivot";

const HELP: &str = "\
Usage:
 nspivot [options] <newroot> [--] [<program> [<argument>...]]

Make <newroot> the root of the current mount namespace, with fresh /proc, /sys
and /dev, and run a program in it (default /bin/sh).
Must run in a new mount namespace (see nsunshare(1)).

Options:
 --no-proc                 do not mount a fresh /proc
 --no-sys                  do not mount /sys
 --no-dev                  do not build /dev
 --ro                      make the new root read-only (/dev, /proc, /tmp stay writable)
 --tmpfs <dir>             mount a tmpfs on <dir> in the new root (repeatable)
 --bind <src>:<dst>        bind-mount <src> on <dst> in the new root (repeatable)
 --ro-bind <src>:<dst>     bind-mount <src> on <dst> read-only (repeatable)
 --hostname <name>         set the hostname (needs a new UTS namespace)
 --wd <dir>                working directory in the new root (default /)

 -h, --help                display this help
 -V, --version             display version

For more details see nspivot(1).
";

const LONGS: &[&str] = &[
    "help", "version", "no-proc", "no-sys", "no-dev", "ro", "tmpfs", "bind", "ro-bind", "hostname",
    "wd",
];

struct Opts {
    root: PathBuf,
    layout: Layout,
    hostname: Option<String>,
    wd: Option<PathBuf>,
    program: Vec<OsString>,
}

pub fn main(args: impl IntoIterator<Item = OsString>) -> ! {
    cli::exit(NAME, run(args))
}

fn run(args: impl IntoIterator<Item = OsString>) -> Result<i32> {
    let Some(o) = parse(args)? else {
        return Ok(0);
    };
    nonempty(o.root.as_os_str(), "path for the new root")?;
    for t in &o.layout.tmpfs {
        nonempty(t.as_os_str(), "path for --tmpfs")?;
    }
    if let Some(wd) = &o.wd {
        nonempty(wd.as_os_str(), "path for --wd")?;
    }
    process::check_program(&o.program)?;
    let root = rootfs::validate(&o.root, &o.layout)?;
    if let Some(h) = &o.hostname {
        ns::check_uts_name("hostname", h)?;
        if !ns::is_new("uts")? {
            return Err(Error::new(
                "--hostname needs a new UTS namespace (run under nsunshare -u)",
            ));
        }
    }
    if !ns::is_new("mnt")? {
        return Err(Error::new(
            "refusing to pivot the original mount namespace (run under nsunshare -m)",
        ));
    }
    // Until the program is executed, the signals that would end us wait: one that came
    // meanwhile has the new root taken back first (before the switch and after it), so that
    // it is left as it was, or with the mount points of a program that runs.
    let section = Section::enter()?;
    let built = rootfs::build(&root, &o.layout)?;
    let wd = o.wd.unwrap_or_else(|| "/".into());
    let program = if o.program.is_empty() {
        vec!["/bin/sh".into()]
    } else {
        o.program
    };
    // Every failure from here leaves the new root as it was: the build is undone before the
    // switch, and after it too if the program cannot be executed.
    if let Err(e) = built.check_dir(&wd) {
        built.undo();
        return Err(e);
    }
    let old_hostname = match &o.hostname {
        Some(h) => match set_hostname(h) {
            Ok(old) => Some(old),
            Err(e) => {
                built.undo();
                return Err(e);
            }
        },
        None => None,
    };
    let pivoted = built.switch().inspect_err(|_| {
        if let Some(old) = &old_hostname {
            let _ = nix::unistd::sethostname(old);
        }
    })?;
    let e = match nix::unistd::chdir(&wd) {
        Ok(()) => match section.interrupted() {
            Ok(None) => {
                drop(section);
                process::exec(&program)
            }
            Ok(Some(sig)) => Error::new(format!("interrupted by {}", critical::signal_name(sig))),
            Err(e) => e,
        },
        Err(e) => Error::sys(format!("cannot change directory to {}", wd.display()), e),
    };
    pivoted.undo();
    Err(e)
}

/// Set the hostname (of the new UTS namespace, checked) and return the one it replaces.
fn set_hostname(name: &str) -> Result<OsString> {
    let old = nix::unistd::gethostname().context(|| "cannot read the hostname")?;
    nix::unistd::sethostname(name).context(|| format!("cannot set hostname to '{name}'"))?;
    Ok(old)
}

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Option<Opts>> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_iter(args);
    let mut layout = Layout::default();
    let (mut hostname, mut wd, mut root) = (None, None, None);
    let mut program = Vec::new();
    while let Some((arg, long)) = cli::next(&mut p, LONGS)? {
        match (arg, long) {
            (Short('h'), _) | (_, Some("help")) => return cli::help(HELP).map(|_| None),
            (Short('V'), _) | (_, Some("version")) => return cli::version(NAME).map(|_| None),
            (_, Some("no-proc")) => layout.proc = false,
            (_, Some("no-sys")) => layout.sys = false,
            (_, Some("no-dev")) => layout.dev = false,
            (_, Some("ro")) => layout.ro = true,
            (_, Some("tmpfs")) => layout.tmpfs.push(cli::value_os(&mut p)?.into()),
            (_, Some(which @ ("bind" | "ro-bind"))) => {
                let spec = cli::value(&mut p)?;
                layout.binds.push(Bind::parse(&spec, which == "ro-bind")?);
            }
            (_, Some("hostname")) => hostname = Some(cli::value(&mut p)?),
            (_, Some("wd")) => wd = Some(cli::value_os(&mut p)?.into()),
            (Value(v), _) if root.is_none() => {
                root = Some(PathBuf::from(v));
                // The program and its arguments are taken as they are, after an optional `--`.
                let mut rest: Vec<OsString> = p.raw_args()?.collect();
                if rest.first().is_some_and(|a| a == "--") {
                    rest.remove(0);
                }
                program = rest;
                break;
            }
            (arg, _) => return Err(cli::unknown(arg)),
        }
    }
    let root = root.ok_or_else(|| Error::usage("no new root given"))?;
    Ok(Some(Opts {
        root,
        layout,
        hostname,
        wd,
        program,
    }))
}
