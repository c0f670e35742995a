//! `nsmount-proc`: mount a fresh procfs in the current (new) mount namespace, then run a program;
//! util-linux `unshare --mount-proc` as its own exec-chained step.

use std::ffi::OsString;
use std::path::PathBuf;

use nix::errno::Errno;
use nix::mount::MsFlags;

use crate::cli::{self, Arg, Args, Flag, Group, Hint, Tool};
use crate::error::{Error, Result};
use crate::mount;
use crate::ns;
use crate::process;

const NAME: &str = "nsmount-proc";

const HIDEPID: &[&str] = &["0", "1", "2", "off", "noaccess", "invisible", "ptraceable"];

/// The command line of nsmount-proc.
pub static TOOL: Tool = Tool {
    name: NAME,
    usage: &["nsmount-proc [options] [--] [<program> [<argument>...]]"],
    about: "\
Mount a fresh proc filesystem in the current mount namespace and run a program
(default ${SHELL} or /bin/sh). Refuses to run in the original mount namespace.
",
    groups: &[Group::new(
        "Options:",
        &[
            Flag::new("dir", "mount point (default /proc)")
                .short('d')
                .value("<dir>")
                .hint(Hint::Dir),
            Flag::new("hidepid", "0|1|2|off|noaccess|invisible|ptraceable")
                .value("<mode>")
                .hint(Hint::List(HIDEPID)),
            Flag::new("subset", "only show a subset (pid)")
                .value("<subset>")
                .hint(Hint::List(&["pid"])),
            Flag::new("no-private", "do not make / recursively private first"),
            Flag::new(
                "force",
                "run even in what looks like the original mount namespace",
            ),
        ],
    )],
    operands: &[Hint::Program],
    ..Tool::EMPTY
};

struct Opts {
    dir: PathBuf,
    hidepid: Option<String>,
    subset: Option<String>,
    private: bool,
    force: bool,
    program: Vec<OsString>,
}

pub fn main(args: impl IntoIterator<Item = OsString>) -> ! {
    cli::exit(NAME, run(args))
}

fn run(args: impl IntoIterator<Item = OsString>) -> Result<i32> {
    let o = parse(args)?;
    crate::error::nonempty(o.dir.as_os_str(), "path for --dir")?;
    process::check_program(&o.program)?;
    if !o.force && !ns::is_new("mnt")? {
        return Err(Error::new(format!(
            "refusing to mount over {} in the original mount namespace \
             (run under nsunshare -m, or use --force)",
            o.dir.display()
        )));
    }
    if o.private {
        mount::set_root_propagation(MsFlags::MS_REC | MsFlags::MS_PRIVATE)?;
    }
    let data: Vec<String> = [("hidepid", &o.hidepid), ("subset", &o.subset)]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
        .collect();
    let data = (!data.is_empty()).then(|| data.join(","));
    if let Err(e) = mount::mount_proc(&o.dir, data.as_deref()) {
        return Err(match e.errno() {
            Some(Errno::EPERM) => Error::new(format!(
                "{e} (not in a new pid namespace owned by this user namespace, \
                 or the host's /proc is partly over-mounted)"
            )),
            _ => e,
        });
    }
    Err(process::exec_or_shell(&o.program))
}

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Opts> {
    let mut o = Opts {
        dir: "/proc".into(),
        hidepid: None,
        subset: None,
        private: true,
        force: false,
        program: Vec::new(),
    };
    let mut args = Args::new(&TOOL, args);
    while let Some(arg) = args.next()? {
        match arg {
            Arg::Flag("dir", v) => o.dir = v.path(),
            Arg::Flag("hidepid", v) => {
                let v = v.string()?;
                if !HIDEPID.contains(&v.as_str()) {
                    return Err(Error::usage(format!("unsupported hidepid mode: {v}")));
                }
                o.hidepid = Some(v);
            }
            Arg::Flag("subset", v) => {
                let v = v.string()?;
                if v != "pid" {
                    return Err(Error::usage(format!("unsupported subset: {v}")));
                }
                o.subset = Some(v);
            }
            Arg::Flag("no-private", _) => o.private = false,
            Arg::Flag("force", _) => o.force = true,
            Arg::Flag(name, _) => unreachable!("--{name} is in the table"),
            Arg::Operand(v) => o.program.push(v),
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_of_the_table_is_parsed() {
        cli::each_flag(&TOOL, |argv| drop(parse(argv)));
    }
}
