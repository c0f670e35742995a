//! `nspivot`: make a directory the root of the current (new) mount namespace, with fresh
//! `/proc`, `/sys` and `/dev`, then run a program in it. The layout is built by
//! [`crate::rootfs`]; this module parses options and checks them before anything is touched.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::cli::{self, Arg, Args, Flag, Group, Hint, Tool};
use crate::critical::{self, Section};
use crate::error::{nonempty, Context, Error, Result};
use crate::ns;
use crate::process;
use crate::rootfs::{self, Bind, Layout};

const NAME: &str = "nspivot";

/// The command line of nspivot.
pub static TOOL: Tool = Tool {
    name: NAME,
    usage: &["nspivot [options] <newroot> [--] [<program> [<argument>...]]"],
    about: "\
Make <newroot> the root of the current mount namespace, with fresh /proc, /sys
and /dev, and run a program in it (default /bin/sh).
Must run in a new mount namespace (see nsunshare(1)).
",
    groups: &[Group::new(
        "Options:",
        &[
            Flag::new("no-proc", "do not mount a fresh /proc"),
            Flag::new("no-sys", "do not mount /sys"),
            Flag::new("no-dev", "do not build /dev"),
            Flag::new(
                "ro",
                "make the new root read-only (/dev, /proc, /tmp stay writable)",
            ),
            Flag::new(
                "tmpfs",
                "mount a tmpfs on <dir> in the new root (repeatable)",
            )
            .value("<dir>"),
            Flag::new(
                "bind",
                "bind-mount <src> on <dst> in the new root (repeatable)",
            )
            .value("<src>:<dst>")
            .hint(Hint::File),
            Flag::new(
                "ro-bind",
                "bind-mount <src> on <dst> read-only (repeatable)",
            )
            .value("<src>:<dst>")
            .hint(Hint::File),
            Flag::new("hostname", "set the hostname (needs a new UTS namespace)").value("<name>"),
            Flag::new("wd", "working directory in the new root (default /)").value("<dir>"),
        ],
    )],
    operands: &[Hint::Dir, Hint::Program],
    ..Tool::EMPTY
};

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
    let o = parse(args)?;
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

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Opts> {
    let mut layout = Layout::default();
    let (mut hostname, mut wd) = (None, None);
    let mut operands = Vec::new();
    let mut args = Args::new(&TOOL, args);
    while let Some(arg) = args.next()? {
        match arg {
            Arg::Flag("no-proc", _) => layout.proc = false,
            Arg::Flag("no-sys", _) => layout.sys = false,
            Arg::Flag("no-dev", _) => layout.dev = false,
            Arg::Flag("ro", _) => layout.ro = true,
            Arg::Flag("tmpfs", v) => layout.tmpfs.push(v.path()),
            Arg::Flag(which @ ("bind" | "ro-bind"), v) => {
                layout
                    .binds
                    .push(Bind::parse(&v.string()?, which == "ro-bind")?);
            }
            Arg::Flag("hostname", v) => hostname = Some(v.string()?),
            Arg::Flag("wd", v) => wd = Some(v.path()),
            Arg::Flag(name, _) => unreachable!("--{name} is in the table"),
            Arg::Operand(v) => operands.push(v),
        }
    }
    let mut operands = operands.into_iter();
    let root = operands
        .next()
        .ok_or_else(|| Error::usage("no new root given"))?;
    // The program and its arguments are taken as they are, after an optional `--`.
    let mut program: Vec<OsString> = operands.collect();
    if program.first().is_some_and(|a| a == "--") {
        program.remove(0);
    }
    Ok(Opts {
        root: root.into(),
        layout,
        hostname,
        wd,
        program,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_of_the_table_is_parsed() {
        cli::each_flag(&TOOL, |argv| drop(parse(argv)));
    }
}
