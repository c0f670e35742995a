//! `nscgroup`: create cgroups with resource limits, run or move processes into them, watch,
//! freeze, kill and delete them, on cgroup v2 and v1 alike, by plain file I/O on cgroupfs.
//!
//! `exec` keeps us outside the cgroup: the program's process is created inside its cgroup2
//! cgroup (and moves itself into the v1 ones) while we wait, forwarding signals; with `--rm` we
//! then kill what is left and delete the cgroup.

use std::ffi::OsString;
use std::path::PathBuf;

use nix::errno::Errno;
use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;
use nix::unistd::{getpid, Pid};

use crate::cgroup::{self, Cgroupfs, Create, Limits, SelfCgroup};
use crate::cli::{self, Arg, Args, Command, Flag, Group, Hint, Tool};
use crate::critical::{self, Section};
use crate::error::{Error, Result};
use crate::process::{self, Fork, Supervise, Supervisor};

const NAME: &str = "nscgroup";

/// `exec` forwards every signal it can to its program.
const FORWARD: Supervise = Supervise {
    forward: true,
    follow_stops: false,
};

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
                Flag::new(
                    "oom-group",
                    "on OOM, kill the whole cgroup at once (memory.oom.group, v2)",
                )
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
                .hint(Hint::List(cgroup::V1_CONTROLLERS)),
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
        "create" => apply_held(&fs, path, &o.limits, only, Create::IfMissing)?,
        "set" => apply_held(&fs, path, &o.limits, only, Create::Never)?,
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
        "delete" => {
            // What is removed cannot come back: signals wait until the delete is over, so it
            // is finished (or failed) before one ends us.
            let section = Section::enter()?;
            fs.delete(path, o.kill, only)?;
            drop(section);
        }
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
            Arg::Flag("oom-group", _) => lim.oom_group = Some(true),
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

/// `create` and `set`: the signals that would end us wait while the cgroup is made and its
/// limits written ([`Section`]); one that came meanwhile has everything taken back (as a failed
/// step has) and then ends us. So the cgroup is made with all its limits, or not at all.
fn apply_held(
    fs: &Cgroupfs,
    path: &str,
    limits: &Limits,
    only: &[String],
    create: Create,
) -> Result<()> {
    let section = Section::enter()?;
    let interrupted = || match section.interrupted()? {
        Some(sig) => Err(Error::new(format!(
            "interrupted by {}",
            critical::signal_name(sig)
        ))),
        None => Ok(()),
    };
    let applied = fs.apply_unless(path, limits, only, create, interrupted);
    drop(section);
    applied.map(drop)
}

/// `exec PATH PROGRAM`: create the cgroup if missing and run the program in it. In a cgroup2
/// hierarchy the program's process is created inside ([`cgroup::Placement::clone_inside`]) and
/// we wait for it outside, forwarding signals, and end as it ends; v1 hierarchies it moves
/// into itself. Where that cannot be (no cgroup2 hierarchy, or a kernel without
/// `CLONE_INTO_CGROUP`), we move ourselves into every hierarchy and execute the program in our
/// own place. A program that could not be executed takes back the directories the run made.
fn exec(fs: &Cgroupfs, path: &str, o: &Opts) -> Result<i32> {
    if o.rm {
        return exec_rm(fs, path, o);
    }
    let made = fs.apply(path, &o.limits, &o.controllers, Create::IfMissing)?;
    let placement = match cgroup::Placement::new(&made.groups) {
        Ok(p) => p,
        Err(e) => {
            cgroup::remove_created(&made);
            return Err(e);
        }
    };
    let supervisor = Supervisor::block(FORWARD, &[])?;
    // Closed unread when the program is executed; a status when it could not be.
    let (failed, tell) = process::Gate::new()?.split();
    let oom_before = cgroup::oom_kills(&made.groups).unwrap_or(0);
    let child = match placement.clone_inside() {
        Ok(Some(Fork::Child)) => {
            drop(failed);
            let e = match placement.join_rest().and_then(|_| supervisor.unblock()) {
                Ok(()) => process::exec(&o.program),
                Err(e) => e,
            };
            cli::report(NAME, &e);
            let _ = tell.send(e.code() as u32);
            std::process::exit(e.code());
        }
        Ok(Some(Fork::Parent(child))) => child,
        Ok(None) => {
            // No process can be created inside: we move in ourselves and become the program.
            drop((failed, tell));
            let e = match supervisor.unblock().and_then(|_| placement.enter()) {
                Ok(()) => process::exec(&o.program),
                Err(e) => e,
            };
            cgroup::move_back_and_remove(&made);
            return Err(e);
        }
        Err(e) => {
            cgroup::remove_created(&made);
            return Err(e);
        }
    };
    drop(tell);
    let status = supervisor.wait(child);
    if failed.recv().is_some() {
        // It said why; nothing ran in what we made.
        cgroup::remove_created(&made);
    }
    let status = status?;
    let ooms = cgroup::oom_kills(&made.groups)
        .unwrap_or(0)
        .saturating_sub(oom_before);
    report_ooms(ooms, path, &o.program[0]);
    finish(status, ooms)
}

/// OOM kills in the program's cgroup while it ran, said on stderr.
fn report_ooms(ooms: u64, path: &str, prog: &std::ffi::OsStr) {
    if ooms > 0 {
        let prog = prog.to_string_lossy();
        eprintln!(
            "{NAME}: {prog}: out of memory: the OOM killer killed {ooms} process(es) in {path}"
        );
    }
}

/// How `exec` ends once its program has: with the program's status, or dying of its signal;
/// 137 when the OOM killer (`ooms` kills in its cgroup) killed it.
fn finish(status: WaitStatus, ooms: u64) -> Result<i32> {
    match status {
        WaitStatus::Signaled(_, Signal::SIGKILL, _) if ooms > 0 => Ok(137),
        WaitStatus::Signaled(_, sig, _) => process::reraise(sig),
        other => Ok(process::status_code(other)),
    }
}

/// `exec --rm PATH PROGRAM`: make the cgroup (it must not exist: `--rm` removes only what this
/// run made), start the program in it (inside from its first instruction on cgroup2, see
/// [`cgroup::Placement`]) and wait outside, forwarding signals; then kill what is left and
/// delete the cgroup. The program dies with us, and a watcher process removes the cgroup if we
/// are killed before we could ([`cgroup::RemovalWatch`]).
fn exec_rm(fs: &Cgroupfs, path: &str, o: &Opts) -> Result<i32> {
    // Before anything runs: the clean-up kills everything in the cgroup, so it must not hold us.
    let targets = fs.targets(path, &o.limits, &o.controllers, Create::New)?;
    cgroup::refuse_if_holds_caller(&targets, "use --rm on", path)?;
    // Blocked from here on: nothing but SIGKILL ends us between making the cgroup and watching.
    let supervisor = Supervisor::block(FORWARD, &[])?;
    let made = fs.apply(path, &o.limits, &o.controllers, Create::New)?;
    let watch = match cgroup::RemovalWatch::start(NAME, &made, path) {
        Ok(watch) => watch,
        Err(e) => {
            let _ = cgroup::remove_made(&made, path);
            return Err(e);
        }
    };
    let clean_up = |watch: cgroup::RemovalWatch| {
        let cleaned = cgroup::remove_made(&made, path);
        // A clean-up that failed is tried again by the watcher once we are gone.
        if cleaned.is_ok() {
            watch.release();
        }
        cleaned
    };
    let placement = match cgroup::Placement::new(&made.groups) {
        Ok(p) => p,
        Err(e) => {
            let _ = clean_up(watch);
            return Err(e);
        }
    };
    let oom_before = cgroup::oom_kills(&made.groups).unwrap_or(0);
    let parent = getpid();
    let child = match placement.fork() {
        Ok(Fork::Child) => {
            let started = die_with(parent)
                .and_then(|_| placement.join_rest())
                .and_then(|_| supervisor.unblock());
            let e = match started {
                Ok(()) => process::exec(&o.program),
                Err(e) => e,
            };
            cli::report(NAME, &e);
            std::process::exit(e.code());
        }
        Ok(Fork::Parent(child)) => child,
        Err(e) => {
            let _ = clean_up(watch);
            return Err(e);
        }
    };
    let status = supervisor.wait(child);
    // Counted before the clean-up, which removes the cgroup with its counters.
    let ooms_now = cgroup::oom_kills(&made.groups);
    let cleaned = clean_up(watch);
    let prog = o.program[0].to_string_lossy();
    let status = status.map_err(|e| match e.errno() {
        // Only when someone else reaped it (SIGCHLD is reset before the fork, so not the kernel).
        Some(Errno::ECHILD) => {
            Error::sys(format!("cannot get the status of {prog}"), Errno::ECHILD)
        }
        _ => e,
    })?;
    let ooms = ooms_now.unwrap_or(0).saturating_sub(oom_before);
    report_ooms(ooms, path, &o.program[0]);
    cleaned?;
    finish(status, ooms)
}

/// In the program's process, before it runs: die (SIGKILL) when the supervising `parent` dies,
/// so that killing the supervisor does not leave the program running. The request only counts
/// if the parent was still there when it was made, so check that after making it; if it is
/// gone, leave quietly (its watcher removes the cgroup).
fn die_with(parent: Pid) -> Result<()> {
    crate::sys::set_pdeathsig(Signal::SIGKILL as i32)
        .map_err(|e| Error::sys("cannot tie the program to nscgroup (PR_SET_PDEATHSIG)", e))?;
    if nix::unistd::getppid() != parent {
        return Err(Error::silent(crate::error::EXIT_FAILURE));
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
