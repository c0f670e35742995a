//! `nsmount-proc`: mount a fresh procfs in the current (new) mount namespace, then run a program;
//! util-linux `unshare --mount-proc` as its own exec-chained step.

use std::ffi::OsString;
use std::path::PathBuf;

use nix::errno::Errno;
use nix::mount::MsFlags;

use crate::cli;
use crate::error::{Error, Result};
use crate::mount;
use crate::ns;
use crate::process;

const NAME: &str = "nsmount-proc";

const HELP: &str = "\
Usage:
 nsmount-proc [options] [--] [<program> [<argument>...]]

Mount a fresh proc filesystem in the current mount namespace and run a program
(default ${SHELL} or /bin/sh). Refuses to run in the original mount namespace.

Options:
 -d, --dir <dir>           mount point (default /proc)
 --hidepid <mode>          0|1|2|off|noaccess|invisible|ptraceable
 --subset <subset>         only show a subset (pid)
 --no-private              do not make / recursively private first
 --force                   run even in what looks like the original mount namespace

 -h, --help                display this help
 -V, --version             display version

For more details see nsmount-proc(1).
";

const LONGS: &[&str] = &[
    "help",
    "version",
    "dir",
    "hidepid",
    "subset",
    "no-private",
    "force",
];

const HIDEPID: &[&str] = &["0", "1", "2", "off", "noaccess", "invisible", "ptraceable"];

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
    let Some(o) = parse(args)? else {
        return Ok(0);
    };
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

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Option<Opts>> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_iter(args);
    let mut o = Opts {
        dir: "/proc".into(),
        hidepid: None,
        subset: None,
        private: true,
        force: false,
        program: Vec::new(),
    };
    while let Some((arg, long)) = cli::next(&mut p, LONGS)? {
        match (arg, long) {
            (Short('h'), _) | (_, Some("help")) => return cli::help(HELP).map(|_| None),
            (Short('V'), _) | (_, Some("version")) => return cli::version(NAME).map(|_| None),
            (Short('d'), _) | (_, Some("dir")) => o.dir = cli::value_os(&mut p)?.into(),
            (_, Some("hidepid")) => {
                let v = cli::value(&mut p)?;
                if !HIDEPID.contains(&v.as_str()) {
                    return Err(Error::usage(format!("unsupported hidepid mode: {v}")));
                }
                o.hidepid = Some(v);
            }
            (_, Some("subset")) => {
                let v = cli::value(&mut p)?;
                if v != "pid" {
                    return Err(Error::usage(format!("unsupported subset: {v}")));
                }
                o.subset = Some(v);
            }
            (_, Some("no-private")) => o.private = false,
            (_, Some("force")) => o.force = true,
            (Value(v), _) => {
                o.program = cli::rest(v, &mut p)?;
                break;
            }
            (arg, _) => return Err(cli::unknown(arg)),
        }
    }
    Ok(Some(o))
}
