//! `nscgroup`: create cgroups with resource limits, run or move processes into them, watch,
//! freeze, kill and delete them, on cgroup v2 and v1 alike, by plain file I/O on cgroupfs.
//!
//! `exec --rm` keeps us outside the cgroup: a forked child moves itself in and executes the
//! program, while we wait (forwarding signals), then kill what is left and delete the cgroup.

use std::ffi::OsString;
use std::path::PathBuf;

use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;
use nix::unistd::{getpid, Pid};

use crate::cgroup::{self, Cgroupfs, Limits, Mode, SelfCgroup};
use crate::cli::{self, Arg, Args, Command, Flag, Group, Hint, Tool};
use crate::error::{Error, Result};
use crate::process::{self, Fork, Supervise};

const NAME: &str = "nscgroup";

/// The subcommands limits apply to.
const LIMITS: &[&str] = &["create", "set", "exec"];

/// The command line of nscgroup.
pub static TOOL: Tool = Tool {
    name: NAME,
    usage: &[
        "nscgroup create <path> [limits]",
        "nscgroup set <path> <limits>",
        "nscgroup attach <path> <pid>...",
        "nscgroup exec <path> [limits] [--rm] [--] <program> [<argument>...]",
        "nscgroup stat <path> [--json]",
        "nscgroup kill <path> [<signal>]",
        "nscgroup freeze|thaw <path>",
        "nscgroup delete <path> [--kill]",
        "nscgroup list [<path>]",
    ],
    about: "\
Manage control groups (v2 or v1) by their cgroupfs files. A relative <path> lives
under the caller's own cgroup; one starting with / is taken from the hierarchy root.
",
    groups: &[
        Group::new(
            "Limits:",
            &[
                Flag::new("memory", "memory limit (memory.max, memory.limit_in_bytes)")
                    .value("<size>")
                    .only(LIMITS),
                Flag::new(
                    "memory-high",
                    "memory throttling point (memory.high, v1 soft limit)",
                )
                .value("<size>")
                .only(LIMITS),
                Flag::new("swap", "swap limit (memory.swap.max; v1: memory plus swap)")
                    .value("<size>")
                    .only(LIMITS),
                Flag::new("pids", "maximum number of processes (pids.max)")
                    .value("<number>")
                    .only(LIMITS),
                Flag::new(
                    "cpus",
                    "CPU bandwidth in CPUs, e.g. 0.5 (cpu.max, cfs quota)",
                )
                .value("<number>")
                .only(LIMITS),
                Flag::new(
                    "cpu-weight",
                    "CPU weight 1-10000 (cpu.weight, v1 cpu.shares)",
                )
                .value("<number>")
                .only(LIMITS),
                Flag::new("cpuset", "CPUs to run on, e.g. 0-1 (cpuset.cpus)")
                    .value("<list>")
                    .only(LIMITS),
                Flag::new(
                    "io-max",
                    "I/O limits: rbps, wbps, riops, wiops (io.max, blkio)",
                )
                .value("<maj:min,key=value...>")
                .only(LIMITS),
                Flag::new("set", "write any other knob file")
                    .value("<file=value>")
                    .only(LIMITS),
            ],
        )
        .note("   Sizes take K, M, G, T suffixes; 'max' removes a limit.\n"),
        Group::new(
            "Options:",
            &[
                Flag::new(
                    "controllers",
                    "v1 hierarchies to use as well (comma-separated)",
                )
                .value("<list>")
                .hint(Hint::List(&[
                    "cpuset",
                    "cpu",
                    "cpuacct",
                    "blkio",
                    "io",
                    "memory",
                    "devices",
                    "freezer",
                    "net_cls",
                    "net_prio",
                    "perf_event",
                    "hugetlb",
                    "pids",
                    "rdma",
                    "misc",
                ])),
                Flag::new("root", "cgroupfs mount point (default /sys/fs/cgroup)")
                    .value("<dir>")
                    .hint(Hint::Dir),
                Flag::new(
                    "rm",
                    "exec: wait for the program, then kill what is left and delete",
                )
                .only(&["exec"]),
                Flag::new("kill", "delete: kill the processes first").only(&["delete"]),
                Flag::new("json", "stat: print one JSON object").only(&["stat"]),
            ],
        ),
    ],
    commands: &[
        Command::new("create", "create a cgroup with limits", &[Hint::Cgroup]),
        Command::new("set", "write limits to a cgroup", &[Hint::Cgroup]),
        Command::new(
            "attach",
            "move processes into a cgroup",
            &[Hint::Cgroup, Hint::Pid, Hint::More],
        ),
        Command::new(
            "exec",
            "run a program in a cgroup",
            &[Hint::Cgroup, Hint::Program],
        ),
        Command::new("stat", "print usage figures", &[Hint::Cgroup]),
        Command::new(
            "kill",
            "signal every process",
            &[Hint::Cgroup, Hint::Signal],
        ),
        Command::new("freeze", "freeze the processes", &[Hint::Cgroup]),
        Command::new("thaw", "thaw the processes", &[Hint::Cgroup]),
        Command::new("delete", "remove a cgroup", &[Hint::Cgroup]),
        Command::new("list", "list the cgroups below a path", &[Hint::Cgroup]),
    ],
    permute: true,
    ..Tool::EMPTY
};

#[derive(Default)]
struct Opts {
    command: String,
    operands: Vec<String>,
    limits: Limits,
    controllers: Vec<String>,
    root: Option<PathBuf>,
    rm: bool,
    kill: bool,
    json: bool,
    program: Vec<OsString>,
}

pub fn main(args: impl IntoIterator<Item = OsString>) -> ! {
    cli::exit(NAME, run(args))
}

fn run(args: impl IntoIterator<Item = OsString>) -> Result<i32> {
    let o = parse(args)?;
    let root = o
        .root
        .clone()
        .unwrap_or_else(|| cgroup::DEFAULT_ROOT.into());
    let fs = Cgroupfs::open(&root, SelfCgroup::read()?)?;
    let path = o.operands.first().map(String::as_str).unwrap_or(".");
    let only = &o.controllers;
    match o.command.as_str() {
        "create" => fs.apply(path, &o.limits, only, true).map(drop)?,
        "set" => fs.apply(path, &o.limits, only, false).map(drop)?,
        "attach" => {
            let pids = o.operands[1..]
                .iter()
                .map(|p| match cli::number::<i32>(p, "invalid pid") {
                    Ok(n) if n > 0 => Ok(Pid::from_raw(n)),
                    _ => Err(Error::new(format!("invalid pid: '{p}'"))),
                })
                .collect::<Result<Vec<Pid>>>()?;
            cgroup::attach(&fs.existing(path, only)?, &pids)?
        }
        "exec" => return exec(&fs, path, &o),
        "stat" => {
            let groups = fs.existing(path, only)?;
            let figures = cgroup::stat(&groups);
            cli::print(&cgroup::format_stat(path, &figures, o.json))?
        }
        "kill" => {
            let sig = match o.operands.get(1) {
                None => Signal::SIGTERM,
                Some(s) => {
                    cli::signal(s).ok_or_else(|| Error::new(format!("unknown signal: {s}")))?
                }
            };
            fs.kill(path, sig, only)?
        }
        "freeze" => cgroup::freeze(&fs, path, true)?,
        "thaw" => cgroup::freeze(&fs, path, false)?,
        "delete" => fs.delete(path, o.kill, only)?,
        "list" => {
            let list = cgroup::list(&fs.existing(path, only)?, path)?;
            cli::print(&list.iter().map(|l| format!("{l}\n")).collect::<String>())?
        }
        _ => unreachable!("commands are checked by parse"),
    }
    Ok(0)
}

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Opts> {
    let mut o = Opts::default();
    let mut args = Args::new(&TOOL, args);
    while let Some(arg) = args.next()? {
        let lim = &mut o.limits;
        match arg {
            Arg::Flag("memory", v) => {
                lim.memory = Some(cgroup::parse_size("memory", &v.string()?)?)
            }
            Arg::Flag("memory-high", v) => {
                lim.memory_high = Some(cgroup::parse_size("memory-high", &v.string()?)?)
            }
            Arg::Flag("swap", v) => lim.swap = Some(cgroup::parse_size("swap", &v.string()?)?),
            Arg::Flag("pids", v) => lim.pids = Some(cgroup::parse_count("pids", &v.string()?)?),
            Arg::Flag("cpus", v) => lim.cpus = Some(cgroup::parse_cpus(&v.string()?)?),
            Arg::Flag("cpu-weight", v) => {
                lim.cpu_weight = Some(cgroup::parse_weight(&v.string()?)?)
            }
            Arg::Flag("cpuset", v) => lim.cpuset = Some(cgroup::parse_cpuset(&v.string()?)?),
            Arg::Flag("io-max", v) => lim.io_max.push(cgroup::parse_io_max(&v.string()?)?),
            Arg::Flag("set", v) => lim.set.push(cgroup::parse_set(&v.string()?)?),
            Arg::Flag("controllers", v) => {
                for c in v.string()?.split(',').filter(|c| !c.is_empty()) {
                    if !c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                        return Err(Error::new(format!("invalid controller: '{c}'")));
                    }
                    o.controllers.push(c.to_string());
                }
            }
            Arg::Flag("root", v) => o.root = Some(v.path()),
            Arg::Flag("rm", _) => o.rm = true,
            Arg::Flag("kill", _) => o.kill = true,
            Arg::Flag("json", _) => o.json = true,
            Arg::Flag(name, _) => unreachable!("--{name} is in the table"),
            Arg::Operand(v) if o.command == "exec" && o.operands.len() == 1 => {
                o.program = vec![v];
                o.program.extend(args.rest()?);
                break;
            }
            Arg::Operand(v) => {
                let v = v.into_string().map_err(|v| {
                    Error::usage(format!("invalid argument '{}'", v.to_string_lossy()))
                })?;
                if o.command.is_empty() {
                    if TOOL.command(&v).is_none() {
                        return Err(Error::usage(format!("unknown command '{v}'")));
                    }
                    o.command = v;
                } else {
                    o.operands.push(v);
                }
            }
        }
    }
    check(&o, &args)?;
    Ok(o)
}

/// Each command takes its own operands and options.
fn check(o: &Opts, args: &Args) -> Result<()> {
    let cmd = o.command.as_str();
    if cmd.is_empty() {
        return Err(Error::usage("no command given"));
    }
    let n = o.operands.len();
    let operands_ok = match cmd {
        "list" => n <= 1,
        "attach" => n >= 2,
        "kill" => (1..=2).contains(&n),
        "exec" => n == 1 && !o.program.is_empty(),
        _ => n == 1,
    };
    if !operands_ok {
        let what = match (cmd, n) {
            (_, 0) if cmd != "list" => "no cgroup path given".to_string(),
            ("attach", 1) => "no pid given".to_string(),
            ("exec", 1) => "no program given".to_string(),
            _ => format!("unexpected argument '{}'", o.operands[n - 1]),
        };
        return Err(Error::usage(what));
    }
    args.check_command(cmd)?;
    if cmd == "set" && o.limits.is_empty() {
        return Err(Error::usage("set: no limit given"));
    }
    Ok(())
}

/// `exec PATH [--rm] PROGRAM`: create the cgroup if missing, then run the program in it.
fn exec(fs: &Cgroupfs, path: &str, o: &Opts) -> Result<i32> {
    // v1 without limits: join the hierarchies where PATH already exists.
    let create = !(fs.mode == Mode::V1 && o.limits.is_empty() && o.controllers.is_empty());
    let made = fs.apply(path, &o.limits, &o.controllers, create)?;
    if !o.rm {
        cgroup::attach(&made.groups, &[getpid()])?;
        let e = process::exec(&o.program);
        // Not run: go back where we were and take back what we made.
        cgroup::go_home(&made);
        return Err(e);
    }
    let mut blocked = process::forwardable();
    blocked.add(Signal::SIGCHLD);
    let old_mask = process::block(&blocked)?;
    let oom_before = cgroup::oom_kills(&made.groups).unwrap_or(0);
    let child = match process::fork() {
        Ok(Fork::Child) => {
            let e = match process::restore_mask(&old_mask)
                .and_then(|_| cgroup::attach(&made.groups, &[getpid()]))
            {
                Ok(()) => process::exec(&o.program),
                Err(e) => e,
            };
            cli::report(NAME, &e);
            std::process::exit(e.code());
        }
        Ok(Fork::Parent(child)) => child,
        Err(e) => {
            let _ = cleanup(&made, path);
            return Err(e);
        }
    };
    let status = process::supervise(
        child,
        Supervise {
            forward: true,
            follow_stops: false,
        },
    );
    let ooms = cgroup::oom_kills(&made.groups)
        .unwrap_or(0)
        .saturating_sub(oom_before);
    let cleaned = cleanup(&made, path);
    let status = status?;
    if ooms > 0 {
        let prog = o.program[0].to_string_lossy();
        eprintln!(
            "{NAME}: {prog}: out of memory: the OOM killer killed {ooms} process(es) in {path}"
        );
        if matches!(status, WaitStatus::Signaled(_, Signal::SIGKILL, _)) {
            cleaned?;
            return Ok(137);
        }
    }
    cleaned?;
    match status {
        WaitStatus::Signaled(_, sig, _) => process::reraise(sig),
        other => Ok(process::status_code(other)),
    }
}

/// Kill what is left, delete the cgroup, and the parents `exec` created for it.
fn cleanup(made: &cgroup::Made, path: &str) -> Result<()> {
    cgroup::delete(&made.groups, path, true)?;
    for dir in made.created.iter().rev() {
        let _ = std::fs::remove_dir(dir);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Opts> {
        parse(["nscgroup"].iter().chain(args).map(OsString::from))
    }

    #[test]
    fn every_option_of_the_table_is_parsed() {
        cli::each_flag(&TOOL, |argv| drop(parse(argv)));
    }

    #[test]
    fn options_apply_to_their_commands() {
        let o = parse_args(&["--memory=1M", "exec", "x", "--rm", "ls", "--json"]).unwrap();
        assert_eq!(o.program, ["ls", "--json"].map(OsString::from));
        let e = |args: &[&str]| parse_args(args).err().unwrap().to_string();
        assert_eq!(
            e(&["stat", "x", "--rm"]),
            "option '--rm' does not apply to stat"
        );
        assert_eq!(
            e(&["--pids=4", "list"]),
            "option '--pids' does not apply to list"
        );
        assert_eq!(e(&["bogus"]), "unknown command 'bogus'");
    }
}
