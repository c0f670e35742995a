//! Control groups by plain file I/O on cgroupfs, for both layouts:
//!
//! - **v2** (unified): one hierarchy at the root; controllers are enabled in the parents'
//!   `cgroup.subtree_control` from the root down.
//! - **v1** (or hybrid): one hierarchy per controller at `ROOT/<controller>`. Only the
//!   hierarchies the limits need (plus those named explicitly) are ever written.
//!
//! A cgroup path starting with `/` is taken from the hierarchy's root; a relative one lives under
//! the caller's own cgroup in that hierarchy (from `/proc/self/cgroup`), so a delegated subtree
//! or a supervised script stays inside it. No path may contain `..`.
//!
//! The root is injectable, so the file logic is unit-tested on fixture trees.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::Signal;
use nix::unistd::Pid;

use crate::cli;
use crate::error::{errno_of, Context, Error, Result};

/// Where cgroupfs is mounted unless told otherwise.
pub const DEFAULT_ROOT: &str = "/sys/fs/cgroup";

/// How long `delete --kill`, `freeze` and `thaw` wait for the kernel to settle.
const SETTLE: Duration = Duration::from_secs(10);

/// The layout of the cgroupfs under the root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    V2,
    V1,
}

/// v1 controllers we know the hierarchy directory of (`ROOT/<name>`).
const V1_CONTROLLERS: &[&str] = &[
    "cpuset",
    "cpu",
    "cpuacct",
    "blkio",
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
];

/// Controllers a knob file name may start with (`memory.max` → `memory`).
const KNOB_PREFIXES: &[&str] = &[
    "cgroup",
    "memory",
    "pids",
    "cpu",
    "cpuset",
    "cpuacct",
    "io",
    "blkio",
    "hugetlb",
    "rdma",
    "misc",
    "freezer",
    "devices",
    "net_cls",
    "net_prio",
    "perf_event",
];

/// A limit value: `None` is the kernel's "no limit" (`max`).
pub type Lim = Option<u64>;

/// One `--io-max` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IoMax {
    pub dev: (u32, u32),
    pub rbps: Option<Lim>,
    pub wbps: Option<Lim>,
    pub riops: Option<Lim>,
    pub wiops: Option<Lim>,
}

/// The limits asked for, already validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    pub memory: Option<Lim>,
    pub memory_high: Option<Lim>,
    pub swap: Option<Lim>,
    pub pids: Option<Lim>,
    /// CPU quota in microseconds per [`CPU_PERIOD`].
    pub cpus: Option<Lim>,
    pub cpu_weight: Option<u64>,
    pub cpuset: Option<String>,
    pub io_max: Vec<IoMax>,
    /// `--set=FILE=VALUE`, in order.
    pub set: Vec<(String, String)>,
}

/// The CPU bandwidth period we write with a quota, in microseconds (the kernel's default).
pub const CPU_PERIOD: u64 = 100_000;

// ---------------------------------------------------------------------------------------------
// Parsing of limit values (pure).

fn bad(opt: &str, text: &str) -> Error {
    Error::new(format!("invalid --{opt} value: '{text}'"))
}

/// A size in human units (`256M`, `1.5G`) or `max`.
pub fn parse_size(opt: &str, text: &str) -> Result<Lim> {
    if text == "max" {
        return Ok(None);
    }
    let ok = text.bytes().next().is_some_and(|b| b.is_ascii_digit());
    match cli::size(text) {
        Some(v) if ok => Ok(Some(v)),
        _ => Err(bad(opt, text)),
    }
}

/// A plain count or `max`.
pub fn parse_count(opt: &str, text: &str) -> Result<Lim> {
    if text == "max" {
        return Ok(None);
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(opt, text));
    }
    cli::number::<u64>(text, "")
        .map(Some)
        .map_err(|_| bad(opt, text))
}

/// `--cpus=0.5` as a quota in microseconds per [`CPU_PERIOD`], or `max`.
pub fn parse_cpus(text: &str) -> Result<Lim> {
    if text == "max" {
        return Ok(None);
    }
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty()
        || (text.contains('.') && frac.is_empty())
        || !digits(int)
        || !digits(frac)
        || frac.len() > 5
        || int.len() > 6
    {
        return Err(bad("cpus", text));
    }
    let whole: u64 = int.parse().map_err(|_| bad("cpus", text))?;
    let mut micro = 0u64;
    for (i, b) in frac.bytes().enumerate() {
        micro += u64::from(b - b'0') * 10u64.pow(4 - i as u32);
    }
    let quota = whole * CPU_PERIOD + micro;
    // The kernel refuses quotas under 1 ms.
    if quota < 1000 {
        return Err(bad("cpus", text));
    }
    Ok(Some(quota))
}

/// `--cpu-weight`: 1 to 10000, as cgroup v2's `cpu.weight`.
pub fn parse_weight(text: &str) -> Result<u64> {
    match parse_count("cpu-weight", text)? {
        Some(w @ 1..=10000) => Ok(w),
        _ => Err(bad("cpu-weight", text)),
    }
}

/// `--cpuset=0-1,3`: a CPU list.
pub fn parse_cpuset(text: &str) -> Result<String> {
    let ok = !text.is_empty()
        && text.split(',').all(|part| {
            let mut ends = part.splitn(2, '-');
            ends.all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
    if ok {
        Ok(text.to_string())
    } else {
        Err(bad("cpuset", text))
    }
}

/// `--io-max=MAJ:MIN,rbps=1M,wbps=max,riops=100,wiops=100`.
pub fn parse_io_max(text: &str) -> Result<IoMax> {
    let mut parts = text.split(',');
    let dev = parts.next().unwrap_or("");
    let dev = dev
        .split_once(':')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .filter(|_| dev.bytes().all(|b| b.is_ascii_digit() || b == b':'))
        .ok_or_else(|| bad("io-max", text))?;
    let mut io = IoMax {
        dev,
        ..IoMax::default()
    };
    for kv in parts {
        let (k, v) = kv.split_once('=').ok_or_else(|| bad("io-max", text))?;
        let slot = match k {
            "rbps" => &mut io.rbps,
            "wbps" => &mut io.wbps,
            "riops" => &mut io.riops,
            "wiops" => &mut io.wiops,
            _ => return Err(bad("io-max", text)),
        };
        let value = if k.ends_with("bps") {
            parse_size("io-max", v)
        } else {
            parse_count("io-max", v)
        };
        *slot = Some(value.map_err(|_| bad("io-max", text))?);
    }
    if io
        == (IoMax {
            dev,
            ..IoMax::default()
        })
    {
        return Err(bad("io-max", text));
    }
    Ok(io)
}

/// `--set=FILE=VALUE`: a knob file of a known controller, by plain name.
pub fn parse_set(text: &str) -> Result<(String, String)> {
    let (file, value) = text.split_once('=').ok_or_else(|| bad("set", text))?;
    let plain = file
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
    let known = file
        .split_once('.')
        .is_some_and(|(c, rest)| KNOB_PREFIXES.contains(&c) && !rest.is_empty());
    if !plain || !known || file == "cgroup.procs" || file == "tasks" {
        return Err(Error::new(format!("unknown knob '{file}'")));
    }
    Ok((file.to_string(), value.to_string()))
}

/// The controller a knob belongs to (`""` for `cgroup.*` core files).
fn knob_controller(file: &str) -> &str {
    match file.split_once('.').map_or(file, |(c, _)| c) {
        "cgroup" => "",
        c => c,
    }
}

// ---------------------------------------------------------------------------------------------
// Limits to files (pure).

/// One knob write: the controller whose hierarchy (v1) or whose enabling (v2) it needs, the file
/// name, and the exact content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    pub controller: String,
    pub file: String,
    pub value: String,
}

fn w(controller: &str, file: &str, value: String) -> Write {
    Write {
        controller: controller.into(),
        file: file.into(),
        value,
    }
}

fn v2(l: Lim) -> String {
    l.map_or("max".into(), |v| v.to_string())
}

fn v1(l: Lim) -> String {
    l.map_or("-1".into(), |v| v.to_string())
}

impl Limits {
    pub fn is_empty(&self) -> bool {
        *self == Limits::default()
    }

    /// The files to write, in order, for `mode`.
    pub fn writes(&self, mode: Mode) -> Result<Vec<Write>> {
        let mut out = Vec::new();
        match mode {
            Mode::V2 => {
                if let Some(v) = self.memory {
                    out.push(w("memory", "memory.max", v2(v)));
                }
                if let Some(v) = self.memory_high {
                    out.push(w("memory", "memory.high", v2(v)));
                }
                if let Some(v) = self.swap {
                    out.push(w("memory", "memory.swap.max", v2(v)));
                }
                if let Some(v) = self.pids {
                    out.push(w("pids", "pids.max", v2(v)));
                }
                if let Some(v) = self.cpus {
                    out.push(w("cpu", "cpu.max", format!("{} {CPU_PERIOD}", v2(v))));
                }
                if let Some(v) = self.cpu_weight {
                    out.push(w("cpu", "cpu.weight", v.to_string()));
                }
                if let Some(v) = &self.cpuset {
                    out.push(w("cpuset", "cpuset.cpus", v.clone()));
                }
                for io in &self.io_max {
                    let mut line = format!("{}:{}", io.dev.0, io.dev.1);
                    for (k, v) in [
                        ("rbps", io.rbps),
                        ("wbps", io.wbps),
                        ("riops", io.riops),
                        ("wiops", io.wiops),
                    ] {
                        if let Some(v) = v {
                            let _ = write!(line, " {k}={}", v2(v));
                        }
                    }
                    out.push(w("io", "io.max", line));
                }
            }
            Mode::V1 => {
                if let Some(v) = self.memory {
                    out.push(w("memory", "memory.limit_in_bytes", v1(v)));
                }
                if let Some(v) = self.memory_high {
                    out.push(w("memory", "memory.soft_limit_in_bytes", v1(v)));
                }
                if let Some(swap) = self.swap {
                    // v1 limits memory plus swap together.
                    let Some(mem) = self.memory else {
                        return Err(Error::usage(
                            "--swap needs --memory on cgroup v1 \
                             (memory.memsw.limit_in_bytes limits memory plus swap)",
                        ));
                    };
                    let total = match (mem, swap) {
                        (Some(m), Some(s)) => Some(m.checked_add(s).ok_or_else(|| {
                            Error::new("invalid --swap value: memory plus swap overflows")
                        })?),
                        _ => None,
                    };
                    out.push(w("memory", "memory.memsw.limit_in_bytes", v1(total)));
                }
                if let Some(v) = self.pids {
                    out.push(w("pids", "pids.max", v2(v)));
                }
                if let Some(v) = self.cpus {
                    out.push(w("cpu", "cpu.cfs_period_us", CPU_PERIOD.to_string()));
                    out.push(w("cpu", "cpu.cfs_quota_us", v1(v)));
                }
                if let Some(v) = self.cpu_weight {
                    // v2 weight 100 is v1's 1024 shares; the kernel's minimum is 2.
                    out.push(w("cpu", "cpu.shares", (v * 1024 / 100).max(2).to_string()));
                }
                if let Some(v) = &self.cpuset {
                    out.push(w("cpuset", "cpuset.cpus", v.clone()));
                }
                for io in &self.io_max {
                    for (f, v) in [
                        ("blkio.throttle.read_bps_device", io.rbps),
                        ("blkio.throttle.write_bps_device", io.wbps),
                        ("blkio.throttle.read_iops_device", io.riops),
                        ("blkio.throttle.write_iops_device", io.wiops),
                    ] {
                        if let Some(v) = v {
                            let (maj, min) = io.dev;
                            out.push(w("blkio", f, format!("{maj}:{min} {}", v.unwrap_or(0))));
                        }
                    }
                }
            }
        }
        for (file, value) in &self.set {
            out.push(w(knob_controller(file), file, value.clone()));
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Paths (pure).

/// The caller's cgroup per hierarchy, from the text of `/proc/self/cgroup`.
#[derive(Clone, Debug, Default)]
pub struct SelfCgroup {
    lines: Vec<CgroupLine>,
}

impl SelfCgroup {
    pub fn parse(text: &str) -> SelfCgroup {
        SelfCgroup {
            lines: parse_cgroup_file(text),
        }
    }

    pub fn read() -> Result<SelfCgroup> {
        let text = std::fs::read_to_string("/proc/self/cgroup")
            .context(|| "cannot read /proc/self/cgroup")?;
        Ok(SelfCgroup::parse(&text))
    }

    /// The path in the hierarchy of `controller` (`""`: the v2 hierarchy).
    pub fn path(&self, controller: &str) -> Option<&str> {
        self.lines
            .iter()
            .find(|l| {
                let mut c = l.each_controller();
                if controller.is_empty() {
                    c.next().is_none()
                } else {
                    c.any(|c| c == controller)
                }
            })
            .map(|l| l.path.as_str())
    }

    /// Whether the caller is in the cgroup `line` names, in that line's hierarchy.
    pub fn contains(&self, line: &CgroupLine) -> bool {
        self.lines.contains(line)
    }
}

/// One line of `/proc/PID/cgroup`: hierarchy id, controllers (empty for v2), path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CgroupLine {
    pub hierarchy: String,
    pub controllers: String,
    pub path: String,
}

impl CgroupLine {
    /// The controllers the line names (none for v2's; `name=systemd` for a named hierarchy).
    pub fn each_controller(&self) -> impl Iterator<Item = &str> {
        self.controllers.split(',').filter(|c| !c.is_empty())
    }
}

/// The lines of a `/proc/PID/cgroup` text (malformed lines skipped).
pub fn parse_cgroup_file(text: &str) -> Vec<CgroupLine> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, ':');
            Some(CgroupLine {
                hierarchy: f.next()?.to_string(),
                controllers: f.next()?.to_string(),
                path: f.next()?.to_string(),
            })
        })
        .collect()
}

/// A cgroup mount from mountinfo: its root within the hierarchy, mount point, and super
/// options (`rw,memory`, `rw,name=systemd`); `v2` for cgroup2.
#[derive(Debug, PartialEq, Eq)]
pub struct CgroupMount {
    pub root: String,
    pub point: String,
    pub v2: bool,
    pub options: Vec<String>,
}

/// Mountinfo escapes spaces, tabs, newlines and backslashes as octal.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn parse_cgroup_mounts(mountinfo: &str) -> Vec<CgroupMount> {
    mountinfo
        .lines()
        .filter_map(|l| {
            let (left, right) = l.split_once(" - ")?;
            let left: Vec<&str> = left.split(' ').collect();
            let mut right = right.split(' ');
            let fstype = right.next()?;
            let _source = right.next()?;
            let options = right.next()?;
            let v2 = match fstype {
                "cgroup2" => true,
                "cgroup" => false,
                _ => return None,
            };
            Some(CgroupMount {
                root: unescape(left.get(3)?),
                point: unescape(left.get(4)?),
                v2,
                options: options.split(',').map(str::to_string).collect(),
            })
        })
        .collect()
}

/// The `cgroup.procs` file (under a mount of `mounts`) of the cgroup `line` names, if the
/// hierarchy is mounted and the cgroup is below the mount's root.
pub fn cgroup_procs_path(mounts: &[CgroupMount], line: &CgroupLine) -> Option<String> {
    let v2 = line.hierarchy == "0" && line.controllers.is_empty();
    let wanted: Vec<&str> = line.each_controller().collect();
    let m = mounts
        .iter()
        .find(|m| m.v2 == v2 && (v2 || wanted.iter().all(|c| m.options.iter().any(|o| o == c))))?;
    let rel = if m.root == "/" {
        line.path.as_str()
    } else {
        let rest = line.path.strip_prefix(m.root.as_str())?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        rest
    };
    let rel = rel.trim_start_matches('/');
    let dir = m.point.trim_end_matches('/');
    Some(if rel.is_empty() {
        format!("{dir}/cgroup.procs")
    } else {
        format!("{dir}/{rel}/cgroup.procs")
    })
}

/// Resolve a user's cgroup PATH against the caller's own cgroup `own`: an absolute cgroup path
/// (`/a/b`, `/` for the root). `..` is refused anywhere.
pub fn resolve(path: &str, own: &str) -> Result<String> {
    check_path(path)?;
    let base = if path.starts_with('/') { "" } else { own };
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    parts.extend(path.split('/').filter(|p| !p.is_empty() && *p != "."));
    Ok(format!("/{}", parts.join("/")))
}

/// Refuse a PATH that could leave the root, before anything else happens.
pub fn check_path(path: &str) -> Result<()> {
    if path.is_empty() {
        return Err(Error::new("invalid cgroup path: empty"));
    }
    if path.split('/').any(|p| p == "..") {
        return Err(Error::new(format!(
            "invalid cgroup path '{path}': '..' is not allowed"
        )));
    }
    if path.contains('\n') {
        return Err(Error::new(format!("invalid cgroup path '{path}'")));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// File helpers.

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).context(|| format!("cannot read {}", path.display()))
}

/// One `write(2)` of `value` to an existing knob file (never created).
fn write_file(path: &Path, value: &str) -> Result<()> {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)
        .context(|| format!("cannot open {}", path.display()))?;
    f.write_all(value.as_bytes())
        .context(|| format!("cannot write '{value}' to {}", path.display()))
}

/// A `key value` line of a flat-keyed file (`memory.events`, `cgroup.events`, `cpu.stat`).
fn keyed(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok())?
    })
}

fn is_dir(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir())
}

// ---------------------------------------------------------------------------------------------
// Hierarchies and cgroups.

/// One mounted hierarchy.
#[derive(Clone, Debug)]
pub struct Hierarchy {
    /// The controller (v1) or `""` (v2).
    pub controller: String,
    /// The mount point.
    pub mount: PathBuf,
    /// The caller's own cgroup in it.
    pub own: String,
}

/// One cgroup in one hierarchy.
#[derive(Clone, Debug)]
pub struct Group {
    pub hier: Hierarchy,
    /// The path from the hierarchy's root (`/a/b`).
    pub path: String,
}

impl Group {
    pub fn dir(&self) -> PathBuf {
        self.at(&self.path)
    }

    fn at(&self, cgpath: &str) -> PathBuf {
        self.hier.mount.join(cgpath.trim_start_matches('/'))
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir().join(name)
    }

    pub fn exists(&self) -> bool {
        is_dir(&self.dir())
    }

    /// Every directory from the mount point down to this cgroup must be a real directory (no
    /// symlink leading out of the root); missing ones are fine.
    fn check_no_symlink(&self) -> Result<()> {
        let mut p = self.hier.mount.clone();
        for part in self.path.split('/').filter(|p| !p.is_empty()) {
            p.push(part);
            match std::fs::symlink_metadata(&p) {
                Ok(m) if m.file_type().is_symlink() || !m.is_dir() => {
                    return Err(Error::new(format!(
                        "invalid cgroup path '{}': {} is not a directory of the hierarchy",
                        self.path,
                        p.display()
                    )))
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        Ok(())
    }

    /// The processes of this cgroup and of every cgroup below it.
    pub fn procs(&self) -> Result<Vec<Pid>> {
        let mut out = Vec::new();
        for dir in self.subtree()? {
            let f = dir.join("cgroup.procs");
            let text = match std::fs::read_to_string(&f) {
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
                r => r.context(|| format!("cannot read {}", f.display()))?,
            };
            out.extend(
                text.lines()
                    .filter_map(|l| l.trim().parse().ok())
                    .map(Pid::from_raw),
            );
        }
        Ok(out)
    }

    /// This cgroup's directory and every directory below it, parents first.
    pub fn subtree(&self) -> Result<Vec<PathBuf>> {
        let mut out = vec![self.dir()];
        let mut i = 0;
        while i < out.len() {
            let dir = out[i].clone();
            i += 1;
            let entries = match std::fs::read_dir(&dir) {
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
                r => r.context(|| format!("cannot read {}", dir.display()))?,
            };
            let mut subs: Vec<PathBuf> = entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path())
                .collect();
            subs.sort();
            out.extend(subs);
        }
        Ok(out)
    }

    fn populated(&self) -> Result<bool> {
        if self.hier.controller.is_empty() {
            let f = self.file("cgroup.events");
            if let Ok(text) = std::fs::read_to_string(&f) {
                return Ok(keyed(&text, "populated").unwrap_or(0) != 0);
            }
        }
        Ok(!self.procs()?.is_empty())
    }
}

/// The cgroupfs as the caller sees it.
#[derive(Clone, Debug)]
pub struct Cgroupfs {
    pub root: PathBuf,
    pub mode: Mode,
    own: SelfCgroup,
}

impl Cgroupfs {
    /// Detect the layout under `root`: v2 when it holds `cgroup.controllers`, otherwise v1 (or
    /// hybrid) with a directory per controller.
    pub fn open(root: &Path, own: SelfCgroup) -> Result<Cgroupfs> {
        std::fs::metadata(root)
            .context(|| format!("cannot access cgroup root {}", root.display()))?;
        let mode = if root.join("cgroup.controllers").exists() {
            Mode::V2
        } else if V1_CONTROLLERS.iter().any(|c| is_dir_or_link(&root.join(c))) {
            Mode::V1
        } else {
            return Err(Error::new(format!(
                "{}: neither a cgroup2 mount nor a directory of cgroup v1 hierarchies",
                root.display()
            )));
        };
        Ok(Cgroupfs {
            root: root.to_path_buf(),
            mode,
            own,
        })
    }

    fn hierarchy(&self, controller: &str) -> Result<Hierarchy> {
        let (mount, key) = match self.mode {
            Mode::V2 => (self.root.clone(), ""),
            Mode::V1 => (self.root.join(controller), controller),
        };
        if self.mode == Mode::V1 && !is_dir_or_link(&mount) {
            return Err(Error::new(format!(
                "controller {controller} is not mounted at {}",
                mount.display()
            )));
        }
        let own = self.own.path(key).unwrap_or("/").to_string();
        Ok(Hierarchy {
            controller: key.to_string(),
            mount,
            own,
        })
    }

    /// The cgroup `path` in the hierarchy of `controller`.
    fn group(&self, controller: &str, path: &str) -> Result<Group> {
        let hier = self.hierarchy(controller)?;
        let path = resolve(path, &hier.own)?;
        let g = Group { hier, path };
        g.check_no_symlink()?;
        Ok(g)
    }

    /// The v1 controllers with a mounted hierarchy, each mount once.
    fn v1_mounted(&self) -> Vec<&'static str> {
        let mut seen = BTreeSet::new();
        V1_CONTROLLERS
            .iter()
            .copied()
            .filter(|c| {
                use std::os::unix::fs::MetadataExt;
                // `cpu` and `cpuacct` may be links to one `cpu,cpuacct` mount: keep it once.
                std::fs::metadata(self.root.join(c))
                    .is_ok_and(|m| m.is_dir() && seen.insert((m.dev(), m.ino())))
            })
            .collect()
    }

    /// The cgroups `path` names: the one v2 cgroup, or on v1 the ones that exist in the
    /// hierarchies of `only` (every mounted controller when empty). Fails when there is none.
    pub fn existing(&self, path: &str, only: &[String]) -> Result<Vec<Group>> {
        check_path(path)?;
        let groups: Vec<Group> = match self.mode {
            Mode::V2 => vec![self.group("", path)?],
            Mode::V1 => {
                let mut out = Vec::new();
                for c in self.v1_mounted() {
                    if only.is_empty() || only.iter().any(|o| o == c) {
                        out.push(self.group(c, path)?);
                    }
                }
                out
            }
        };
        let groups: Vec<Group> = groups.into_iter().filter(Group::exists).collect();
        if groups.is_empty() {
            return Err(Error::sys(format!("cgroup {path}"), Errno::ENOENT));
        }
        Ok(groups)
    }

    /// The cgroup in the one hierarchy of `controller` that must exist for `what`.
    fn existing_in(&self, path: &str, controller: &str, what: &str) -> Result<Group> {
        let g = self.group(controller, path)?;
        if !g.exists() {
            return Err(Error::new(format!(
                "cannot {what} {path}: {} does not exist",
                g.dir().display()
            )));
        }
        Ok(g)
    }
}

fn is_dir_or_link(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_dir())
}

// ---------------------------------------------------------------------------------------------
// Create and set.

/// A directory this run created, with its inode: a cgroup directory removed and made again by
/// someone else has another one, so clean-up never takes what it did not make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MadeDir {
    pub path: PathBuf,
    pub ino: u64,
}

impl MadeDir {
    /// Whether the directory is still the one this run made.
    pub fn is_ours(&self) -> bool {
        use std::os::unix::fs::MetadataExt;
        std::fs::symlink_metadata(&self.path).is_ok_and(|m| m.is_dir() && m.ino() == self.ino)
    }
}

/// Whether [`Cgroupfs::apply`] may or must create the cgroup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    /// The cgroup must exist (`set`).
    Never,
    /// Create it where missing, keep it where it exists (`create`, `exec`).
    IfMissing,
    /// It must not exist anywhere: this call makes it, so that a clean-up removes only what it
    /// made (`exec --rm`). A concurrent run that made it first makes this one fail.
    New,
}

/// What a failed operation must take back.
#[derive(Default)]
struct Undo {
    /// Knob files written, with what they held before.
    values: Vec<(PathBuf, String)>,
    dirs: Vec<MadeDir>,
    /// `(cgroup.subtree_control file, controllers we enabled in it)`.
    enabled: Vec<(PathBuf, Vec<String>)>,
}

impl Undo {
    fn rollback(self) {
        for (file, old) in self.values.iter().rev() {
            let _ = write_file(file, old.trim_end());
        }
        for d in self.dirs.iter().rev() {
            if d.is_ours() {
                let _ = std::fs::remove_dir(&d.path);
            }
        }
        for (file, ctrls) in self.enabled.iter().rev() {
            let off: Vec<String> = ctrls.iter().map(|c| format!("-{c}")).collect();
            let _ = write_file(file, &off.join(" "));
        }
    }
}

/// The cgroups a create/set/exec works on, with what it made.
pub struct Made {
    pub groups: Vec<Group>,
    /// Directories that did not exist before, parents first.
    pub created: Vec<MadeDir>,
}

impl Cgroupfs {
    /// The controllers `writes` and `extra` need, sorted, without duplicates.
    fn needed(writes: &[Write], extra: &[String]) -> Vec<String> {
        let mut set: BTreeSet<String> = writes
            .iter()
            .map(|w| w.controller.clone())
            .filter(|c| !c.is_empty())
            .collect();
        set.extend(extra.iter().cloned());
        set.into_iter().collect()
    }

    /// Create `path` as `create` says (parents too), enable what it needs, and write `limits`.
    /// Everything made is taken back on failure.
    pub fn apply(
        &self,
        path: &str,
        limits: &Limits,
        controllers: &[String],
        create: Create,
    ) -> Result<Made> {
        check_path(path)?;
        let writes = limits.writes(self.mode)?;
        let needed = Self::needed(&writes, controllers);
        let mut undo = Undo::default();
        match self.apply_inner(path, &writes, &needed, create, &mut undo) {
            Ok(groups) => Ok(Made {
                groups,
                created: undo.dirs,
            }),
            Err(e) => {
                undo.rollback();
                Err(e)
            }
        }
    }

    fn apply_inner(
        &self,
        path: &str,
        writes: &[Write],
        needed: &[String],
        create: Create,
        undo: &mut Undo,
    ) -> Result<Vec<Group>> {
        let groups = self.groups_for(path, needed, create)?;
        match create {
            Create::Never => {
                if let Some(g) = groups.iter().find(|g| !g.exists()) {
                    return Err(Error::sys(
                        format!("cgroup {path} ({})", g.dir().display()),
                        Errno::ENOENT,
                    ));
                }
            }
            Create::New => {
                if let Some(g) = groups.iter().find(|g| g.exists()) {
                    return Err(exists_already(path, g));
                }
            }
            Create::IfMissing => {}
        }
        if self.mode == Mode::V2 {
            self.check_available(&groups[0], needed)?;
        }
        for g in &groups {
            self.make(g, (create == Create::New).then_some(path), undo)?;
        }
        if self.mode == Mode::V2 {
            self.enable(&groups[0], needed, undo)?;
        }
        // Every file must exist before any is written.
        let target = |wr: &Write| -> &Group {
            match self.mode {
                Mode::V2 => &groups[0],
                Mode::V1 => groups
                    .iter()
                    .find(|g| g.hier.controller == wr.controller)
                    .unwrap_or(&groups[0]),
            }
        };
        for wr in writes {
            let g = target(wr);
            let f = g.file(&wr.file);
            if f.exists() {
                continue;
            }
            let why = if wr.file == "memory.memsw.limit_in_bytes" {
                "--swap needs swap accounting, which is off (boot with swapaccount=1)".to_string()
            } else if limits_knob(&wr.file) {
                format!("is the {} controller enabled?", wr.controller)
            } else {
                return Err(Error::new(format!(
                    "unknown knob '{}': no such file in {}",
                    wr.file,
                    g.dir().display()
                )));
            };
            return Err(Error::new(format!("{} does not exist: {why}", f.display())));
        }
        // What the files held, to put back if a write fails half way.
        for wr in writes {
            let f = target(wr).file(&wr.file);
            if let Ok(old) = std::fs::read_to_string(&f) {
                undo.values.push((f, old));
            }
        }
        let mut i = 0;
        while i < writes.len() {
            let wr = &writes[i];
            let r = write_file(&target(wr).file(&wr.file), &wr.value);
            // v1 refuses a memory limit above memory+swap: raise memsw first, then retry.
            if let (Err(e), Some(next)) = (&r, writes.get(i + 1)) {
                if e.errno() == Some(Errno::EINVAL)
                    && wr.file == "memory.limit_in_bytes"
                    && next.file == "memory.memsw.limit_in_bytes"
                {
                    write_file(&target(next).file(&next.file), &next.value)?;
                    write_file(&target(wr).file(&wr.file), &wr.value)?;
                    i += 2;
                    continue;
                }
            }
            r?;
            i += 1;
        }
        Ok(groups)
    }

    /// The cgroups of `path` that [`apply`](Self::apply) works on, computed without touching
    /// anything.
    pub fn groups_for(&self, path: &str, needed: &[String], create: Create) -> Result<Vec<Group>> {
        check_path(path)?;
        Ok(match self.mode {
            Mode::V2 => vec![self.group("", path)?],
            Mode::V1 if needed.is_empty() && create == Create::Never => self.existing(path, &[])?,
            Mode::V1 if needed.is_empty() => {
                return Err(Error::usage(format!(
                    "no controller to create {path} in: give a limit or --controllers"
                )))
            }
            Mode::V1 => needed
                .iter()
                .map(|c| self.group(c, path))
                .collect::<Result<_>>()?,
        })
    }

    /// The cgroups `apply(path, limits, controllers, create)` would work on.
    pub fn targets(
        &self,
        path: &str,
        limits: &Limits,
        controllers: &[String],
        create: Create,
    ) -> Result<Vec<Group>> {
        let writes = limits.writes(self.mode)?;
        self.groups_for(path, &Self::needed(&writes, controllers), create)
    }

    /// v2: every needed controller must be offered at the root.
    fn check_available(&self, g: &Group, needed: &[String]) -> Result<()> {
        if needed.is_empty() {
            return Ok(());
        }
        let f = g.hier.mount.join("cgroup.controllers");
        let have = read(&f)?;
        for c in needed {
            if !have.split_whitespace().any(|h| h == c) {
                return Err(Error::new(format!(
                    "controller {c} is not available in {}",
                    f.display()
                )));
            }
        }
        Ok(())
    }

    /// Make the cgroup's directory and its missing parents (with `fresh`, the user's path, the
    /// cgroup itself must be made by this call). On v1 cpuset, a new directory gets its parent's
    /// `cpuset.cpus` and `cpuset.mems`, without which no task can join it.
    fn make(&self, g: &Group, fresh: Option<&str>, undo: &mut Undo) -> Result<()> {
        use std::os::unix::fs::MetadataExt;
        let mut cg = String::new();
        for part in g.path.split('/').filter(|p| !p.is_empty()) {
            let parent = g.at(&cg);
            cg.push('/');
            cg.push_str(part);
            let dir = g.at(&cg);
            let leaf = cg == g.path;
            let fresh_leaf = fresh.filter(|_| leaf);
            if is_dir(&dir) && fresh_leaf.is_none() {
                continue;
            }
            let exists = |e: &std::io::Error| e.raw_os_error() == Some(libc::EEXIST);
            match (std::fs::create_dir(&dir), fresh_leaf) {
                (Err(e), Some(user_path)) if exists(&e) => {
                    return Err(exists_already(user_path, g))
                }
                (Err(e), None) if exists(&e) => continue,
                (r, _) => r.context(|| format!("cannot create {}", dir.display()))?,
            }
            let ino = std::fs::symlink_metadata(&dir)
                .context(|| format!("cannot stat {}", dir.display()))?
                .ino();
            undo.dirs.push(MadeDir {
                path: dir.clone(),
                ino,
            });
            if self.mode == Mode::V1 && g.hier.controller == "cpuset" {
                for f in ["cpuset.cpus", "cpuset.mems"] {
                    let v = read(&parent.join(f))?;
                    write_file(&dir.join(f), v.trim())?;
                }
            }
        }
        Ok(())
    }

    /// v2: enable `needed` in `cgroup.subtree_control` of every ancestor, root first.
    fn enable(&self, g: &Group, needed: &[String], undo: &mut Undo) -> Result<()> {
        if needed.is_empty() {
            return Ok(());
        }
        let mut cg = String::from("/");
        let parts: Vec<&str> = g.path.split('/').filter(|p| !p.is_empty()).collect();
        for part in parts {
            let f = g.at(&cg).join("cgroup.subtree_control");
            let on = read(&f)?;
            let missing: Vec<String> = needed
                .iter()
                .filter(|c| {
                    !on.split_whitespace()
                        .any(|h| h.trim_start_matches('+') == c.as_str())
                })
                .cloned()
                .collect();
            if !missing.is_empty() {
                let plus: Vec<String> = missing.iter().map(|c| format!("+{c}")).collect();
                if let Err(e) = write_file(&f, &plus.join(" ")) {
                    if e.errno() == Some(Errno::EBUSY) {
                        return Err(Error::new(format!(
                            "{e} (no internal processes: {} has processes of its own, \
                             so it cannot enable controllers for its children)",
                            g.at(&cg).display()
                        )));
                    }
                    return Err(e);
                }
                undo.enabled.push((f, missing));
            }
            if !cg.ends_with('/') {
                cg.push('/');
            }
            cg.push_str(part);
        }
        Ok(())
    }
}

/// `Create::New` found the cgroup made already (before us, or by a concurrent run).
fn exists_already(path: &str, g: &Group) -> Error {
    Error::new(format!(
        "cannot use --rm on {path}: {} exists already (--rm only removes a cgroup it creates)",
        g.dir().display()
    ))
}

/// Our own limit knobs (a missing one means a controller is off, not a typo).
fn limits_knob(file: &str) -> bool {
    [
        "memory.max",
        "memory.high",
        "memory.swap.max",
        "pids.max",
        "cpu.max",
        "cpu.weight",
        "cpuset.cpus",
        "io.max",
        "memory.limit_in_bytes",
        "memory.soft_limit_in_bytes",
        "cpu.cfs_period_us",
        "cpu.cfs_quota_us",
        "cpu.shares",
    ]
    .contains(&file)
        || file.starts_with("blkio.throttle.")
}

// ---------------------------------------------------------------------------------------------
// Processes: attach, kill, freeze, delete.

/// Refuse to act on a cgroup that holds the caller: its own cgroup, one of its ancestors, or a
/// hierarchy's root (`what` words the act: "kill", "delete", "use --rm on").
pub fn refuse_if_holds_caller(groups: &[Group], what: &str, path: &str) -> Result<()> {
    for g in groups {
        let own = &g.hier.own;
        let holds = g.path == "/" || *own == g.path || own.starts_with(&format!("{}/", g.path));
        if holds {
            return Err(Error::new(format!(
                "cannot {what} {path}: it contains the caller's own cgroup ({own})"
            )));
        }
    }
    Ok(())
}

/// Does `pid` exist (as a process we could name)?
fn pid_exists(pid: Pid) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Move `pids` into every cgroup of `groups` (all must exist already).
pub fn attach(groups: &[Group], pids: &[Pid]) -> Result<()> {
    for pid in pids {
        if !pid_exists(*pid) {
            return Err(Error::sys(format!("cannot attach {pid}"), Errno::ESRCH));
        }
    }
    for pid in pids {
        for g in groups {
            write_file(&g.file("cgroup.procs"), &pid.to_string())?;
        }
    }
    Ok(())
}

/// Move ourselves back to our own cgroup in every hierarchy of `made`, and remove the
/// directories it created (best effort: used on a failure path).
pub fn go_home(made: &Made) {
    let me = nix::unistd::getpid().to_string();
    for g in &made.groups {
        let home = g.at(&g.hier.own).join("cgroup.procs");
        let _ = write_file(&home, &me);
    }
    for d in made.created.iter().rev() {
        if d.is_ours() {
            let _ = std::fs::remove_dir(&d.path);
        }
    }
}

/// Take back what [`Cgroupfs::apply`] with [`Create::New`] made: kill what is left in each cgroup
/// it made (still the very directory, by inode) and delete it, then its parents that this call
/// created and that are empty now. A cgroup it did not make is never touched.
pub fn remove_made(made: &Made, path: &str) -> Result<()> {
    for g in &made.groups {
        let dir = g.dir();
        if made.created.iter().any(|d| d.path == dir && d.is_ours()) {
            delete(std::slice::from_ref(g), path, true)?;
        }
    }
    for d in made.created.iter().rev() {
        if d.is_ours() {
            let _ = std::fs::remove_dir(&d.path);
        }
    }
    Ok(())
}

/// Signal every process of the cgroups (and below), each through a pidfd.
pub fn signal_all(groups: &[Group], sig: Signal) -> Result<usize> {
    let mut seen = BTreeSet::new();
    for g in groups {
        for pid in g.procs()? {
            if !seen.insert(pid) {
                continue;
            }
            let Ok(fd) = crate::sys::pidfd_open(pid) else {
                continue;
            };
            match crate::sys::pidfd_send_signal(std::os::fd::AsFd::as_fd(&fd), sig as i32) {
                Ok(()) | Err(Errno::ESRCH) => {}
                Err(e) => return Err(Error::sys(format!("cannot signal {pid}"), e)),
            }
        }
    }
    Ok(seen.len())
}

/// Kill everything in the cgroups and wait until they are empty (bounded).
pub fn kill_all(groups: &[Group]) -> Result<()> {
    // v2: one write kills the whole subtree, frozen or not.
    for g in groups {
        let f = g.file("cgroup.kill");
        if g.hier.controller.is_empty() && f.exists() {
            write_file(&f, "1")?;
        }
    }
    // v1: a frozen task cannot die; thaw first.
    for g in groups.iter().filter(|g| g.hier.controller == "freezer") {
        for dir in g.subtree()? {
            let f = dir.join("freezer.state");
            if f.exists() {
                write_file(&f, "THAWED")?;
            }
        }
    }
    let start = Instant::now();
    loop {
        let mut busy = false;
        for g in groups {
            if g.populated()? {
                busy = true;
            }
        }
        if !busy {
            return Ok(());
        }
        if start.elapsed() > SETTLE {
            return Err(Error::new(format!(
                "cannot empty {}: processes remain after SIGKILL",
                groups[0].path
            )));
        }
        signal_all(groups, Signal::SIGKILL)?;
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Remove the cgroups, deepest directories first. Fails (changing nothing) when one holds the
/// caller (see [`refuse_if_holds_caller`]), or a process and `kill` is false. This is the one way
/// a cgroup is deleted.
pub fn delete(groups: &[Group], path: &str, kill: bool) -> Result<()> {
    refuse_if_holds_caller(groups, "delete", path)?;
    if kill {
        kill_all(groups)?;
    } else {
        for g in groups {
            let n = g.procs()?.len();
            if n > 0 {
                return Err(Error::new(format!(
                    "cannot delete {path}: {n} process(es) in {} (use --kill)",
                    g.dir().display()
                )));
            }
        }
    }
    for g in groups {
        for dir in g.subtree()?.iter().rev() {
            rmdir(dir)?;
        }
    }
    Ok(())
}

fn rmdir(dir: &Path) -> Result<()> {
    // A cgroup whose last task just exited can stay busy for a moment.
    let start = Instant::now();
    loop {
        match std::fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && start.elapsed() < SETTLE => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => {
                return Err(Error::sys(
                    format!("cannot remove {}", dir.display()),
                    errno_of(&e),
                ))
            }
        }
    }
}

/// Freeze (`true`) or thaw the cgroup and wait until the kernel says it is done (bounded).
pub fn freeze(fs: &Cgroupfs, path: &str, on: bool) -> Result<()> {
    let what = if on { "freeze" } else { "thaw" };
    let (file, value, done): (PathBuf, &str, Box<dyn Fn() -> bool>) = match fs.mode {
        Mode::V2 => {
            let g = fs.existing_in(path, "", what)?;
            if on {
                refuse_if_holds_caller(std::slice::from_ref(&g), what, path)?;
            }
            let events = g.file("cgroup.events");
            let want = u64::from(on);
            (
                g.file("cgroup.freeze"),
                if on { "1" } else { "0" },
                Box::new(move || {
                    std::fs::read_to_string(&events)
                        .is_ok_and(|t| keyed(&t, "frozen") == Some(want))
                }),
            )
        }
        Mode::V1 => {
            let g = fs.existing_in(path, "freezer", what)?;
            if on {
                refuse_if_holds_caller(std::slice::from_ref(&g), what, path)?;
            }
            let state = g.file("freezer.state");
            let want = if on { "FROZEN" } else { "THAWED" };
            let st = state.clone();
            (
                state,
                want,
                Box::new(move || std::fs::read_to_string(&st).is_ok_and(|t| t.trim() == want)),
            )
        }
    };
    write_file(&file, value)?;
    let start = Instant::now();
    while !done() {
        if start.elapsed() > SETTLE {
            return Err(Error::new(format!("cannot {what} {path}: timed out")));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(())
}

/// The OOM kills counted in the memory cgroup among `groups` (`None` without one).
pub fn oom_kills(groups: &[Group]) -> Option<u64> {
    for g in groups {
        let (file, key) = match g.hier.controller.as_str() {
            "" => ("memory.events", "oom_kill"),
            "memory" => ("memory.oom_control", "oom_kill"),
            _ => continue,
        };
        if let Ok(text) = std::fs::read_to_string(g.file(file)) {
            return keyed(&text, key);
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Stat and list.

/// Usage figures of a cgroup, each present when its file is.
pub fn stat(groups: &[Group]) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let num = |g: &Group, f: &str| -> Option<String> {
        let t = std::fs::read_to_string(g.file(f)).ok()?;
        let t = t.trim();
        // v1 "unlimited" is a huge page-aligned number.
        match t.parse::<u64>() {
            Ok(v) if v >= 0x7FFF_FFFF_FFFF_F000 => Some("max".into()),
            _ => Some(t.to_string()),
        }
    };
    let key = |g: &Group, f: &str, k: &str| -> Option<String> {
        let t = std::fs::read_to_string(g.file(f)).ok()?;
        keyed(&t, k).map(|v| v.to_string())
    };
    for g in groups {
        let mut add = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                if !out.iter().any(|(have, _)| *have == k) {
                    out.push((k, v));
                }
            }
        };
        match g.hier.controller.as_str() {
            "" => {
                add("memory.current", num(g, "memory.current"));
                add("memory.peak", num(g, "memory.peak"));
                add("memory.max", num(g, "memory.max"));
                add("memory.oom_kills", key(g, "memory.events", "oom_kill"));
                add("pids.current", num(g, "pids.current"));
                add("pids.max", num(g, "pids.max"));
                add("cpu.usage_usec", key(g, "cpu.stat", "usage_usec"));
                add("populated", key(g, "cgroup.events", "populated"));
                add("frozen", key(g, "cgroup.events", "frozen"));
            }
            "memory" => {
                add("memory.current", num(g, "memory.usage_in_bytes"));
                add("memory.peak", num(g, "memory.max_usage_in_bytes"));
                add("memory.max", num(g, "memory.limit_in_bytes"));
                add("memory.failcnt", num(g, "memory.failcnt"));
                add("memory.oom_kills", key(g, "memory.oom_control", "oom_kill"));
            }
            "pids" => {
                add("pids.current", num(g, "pids.current"));
                add("pids.max", num(g, "pids.max"));
            }
            "cpuacct" => {
                let ns = num(g, "cpuacct.usage").and_then(|v| v.parse::<u64>().ok());
                add("cpu.usage_usec", ns.map(|n| (n / 1000).to_string()));
            }
            "freezer" => {
                let st = num(g, "freezer.state");
                add("frozen", st.map(|s| u8::from(s == "FROZEN").to_string()));
            }
            _ => {}
        }
    }
    out
}

/// `key value` lines, or one JSON object (numbers as numbers, `max` as a string).
pub fn format_stat(path: &str, figures: &[(&str, String)], json: bool) -> String {
    if !json {
        return figures.iter().map(|(k, v)| format!("{k} {v}\n")).collect();
    }
    let mut s = format!("{{\"path\":{}", crate::cli::json_string(path));
    for (k, v) in figures {
        if v.parse::<u64>().is_ok() {
            let _ = write!(s, ",\"{k}\":{v}");
        } else {
            let _ = write!(s, ",\"{k}\":{}", crate::cli::json_string(v));
        }
    }
    s.push_str("}\n");
    s
}

/// The cgroups below `path`, as paths usable on our command line (`path/child/...`), sorted and
/// merged over the hierarchies.
pub fn list(groups: &[Group], path: &str) -> Result<Vec<String>> {
    let mut set = BTreeSet::new();
    for g in groups {
        let base = g.dir();
        for dir in g.subtree()?.into_iter().skip(1) {
            if let Ok(rel) = dir.strip_prefix(&base) {
                let rel = rel.to_string_lossy();
                set.insert(if path == "." {
                    rel.into_owned()
                } else {
                    format!("{}/{rel}", path.trim_end_matches('/'))
                });
            }
        }
    }
    Ok(set.into_iter().collect())
}

// ---------------------------------------------------------------------------------------------
// Commands that need the caller's own cgroup (the library side of the tool).

impl Cgroupfs {
    /// `kill PATH SIGNAL`: signal every process; `SIGKILL` on v2 uses `cgroup.kill`.
    pub fn kill(&self, path: &str, sig: Signal, only: &[String]) -> Result<()> {
        let groups = self.existing(path, only)?;
        refuse_if_holds_caller(&groups, "kill", path)?;
        if sig == Signal::SIGKILL && self.mode == Mode::V2 {
            let f = groups[0].file("cgroup.kill");
            if f.exists() {
                return write_file(&f, "1");
            }
        }
        signal_all(&groups, sig).map(drop)
    }

    /// `delete PATH [--kill]`.
    pub fn delete(&self, path: &str, kill: bool, only: &[String]) -> Result<()> {
        delete(&self.existing(path, only)?, path, kill)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;
    use std::fs;

    fn limits(f: impl FnOnce(&mut Limits)) -> Limits {
        let mut l = Limits::default();
        f(&mut l);
        l
    }

    #[test]
    fn values_parse_strictly() {
        assert_eq!(parse_size("memory", "256M").unwrap(), Some(256 << 20));
        assert_eq!(parse_size("memory", "max").unwrap(), None);
        assert_eq!(
            parse_size("memory", "12Q").unwrap_err().to_string(),
            "invalid --memory value: '12Q'"
        );
        assert!(parse_size("memory", "-1").is_err());
        assert!(parse_size("memory", " 1").is_err());
        assert_eq!(parse_count("pids", "64").unwrap(), Some(64));
        assert!(parse_count("pids", "+64").is_err());
        assert!(parse_count("pids", "6 4").is_err());
        assert_eq!(parse_cpus("0.5").unwrap(), Some(50_000));
        assert_eq!(parse_cpus("2").unwrap(), Some(200_000));
        assert_eq!(parse_cpus("1.25").unwrap(), Some(125_000));
        assert_eq!(parse_cpus("max").unwrap(), None);
        assert_eq!(
            parse_cpus("-1").unwrap_err().to_string(),
            "invalid --cpus value: '-1'"
        );
        for bad in ["0", "0.001", ".5", "1.", "1e3", "", "1.0000001"] {
            assert!(parse_cpus(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_weight("100").unwrap(), 100);
        assert!(parse_weight("0").is_err());
        assert!(parse_weight("10001").is_err());
        assert_eq!(parse_cpuset("0-1,3").unwrap(), "0-1,3");
        for bad in ["", "0-", "a", "0,,1", "1-2-3"] {
            assert!(parse_cpuset(bad).is_err(), "{bad}");
        }
        let io = parse_io_max("8:0,rbps=1M,wiops=max").unwrap();
        assert_eq!(io.dev, (8, 0));
        assert_eq!(io.rbps, Some(Some(1 << 20)));
        assert_eq!(io.wiops, Some(None));
        for bad in ["8:0", "8,rbps=1", "8:0,xbps=1", "8:0,rbps=1Q", "x:0,rbps=1"] {
            assert!(parse_io_max(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_set("memory.swappiness=10").unwrap(),
            ("memory.swappiness".into(), "10".into())
        );
        assert_eq!(
            parse_set("bogus.knob=1").unwrap_err().to_string(),
            "unknown knob 'bogus.knob'"
        );
        assert!(parse_set("../memory.max=1").is_err());
        assert!(parse_set("cgroup.procs=1").is_err());
        assert!(parse_set("memory=1").is_err());
    }

    #[test]
    fn paths_resolve_under_own_cgroup() {
        assert_eq!(resolve("x", "/a/b").unwrap(), "/a/b/x");
        assert_eq!(resolve("./x/y/", "/a").unwrap(), "/a/x/y");
        assert_eq!(resolve("x", "/").unwrap(), "/x");
        assert_eq!(resolve("/x", "/a").unwrap(), "/x");
        assert_eq!(resolve(".", "/a").unwrap(), "/a");
        assert_eq!(resolve("/", "/a").unwrap(), "/");
        assert_eq!(
            resolve("../x", "/a").unwrap_err().to_string(),
            "invalid cgroup path '../x': '..' is not allowed"
        );
        assert!(resolve("/../../etc", "/").is_err());
        assert!(resolve("a/../../b", "/").is_err());
        assert!(resolve("", "/").is_err());
    }

    #[test]
    fn cgroup_file_lines() {
        let lines = parse_cgroup_file("4:memory:/a:b\n0::/\nbad\n1:cpu,cpuacct:/c\n");
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].path, "/a:b");
        assert_eq!(lines[1].each_controller().count(), 0);
        let c: Vec<&str> = lines[2].each_controller().collect();
        assert_eq!(c, ["cpu", "cpuacct"]);
        let s = SelfCgroup::parse("4:memory:/a:b\n");
        assert!(s.contains(&lines[0]) && !s.contains(&lines[1]));
    }

    #[test]
    fn self_cgroup_per_hierarchy() {
        let s = SelfCgroup::parse(
            "9:name=systemd:/\n4:memory:/process_api/abc\n1:cpu,cpuacct:/c\n0::/u\n",
        );
        assert_eq!(s.path("memory"), Some("/process_api/abc"));
        assert_eq!(s.path("cpuacct"), Some("/c"));
        assert_eq!(s.path("cpu"), Some("/c"));
        assert_eq!(s.path(""), Some("/u"));
        assert_eq!(s.path("pids"), None);
    }

    #[test]
    fn v1_writes() {
        let l = limits(|l| {
            l.memory = Some(Some(32 << 20));
            l.swap = Some(Some(0));
            l.pids = Some(Some(20));
            l.cpus = Some(Some(50_000));
            l.cpu_weight = Some(100);
            l.cpuset = Some("0".into());
            l.io_max = vec![parse_io_max("8:0,rbps=1K,wiops=max").unwrap()];
            l.set = vec![("memory.swappiness".into(), "0".into())];
        });
        let got: Vec<(String, String, String)> = l
            .writes(Mode::V1)
            .unwrap()
            .into_iter()
            .map(|w| (w.controller, w.file, w.value))
            .collect();
        let want = [
            ("memory", "memory.limit_in_bytes", "33554432"),
            ("memory", "memory.memsw.limit_in_bytes", "33554432"),
            ("pids", "pids.max", "20"),
            ("cpu", "cpu.cfs_period_us", "100000"),
            ("cpu", "cpu.cfs_quota_us", "50000"),
            ("cpu", "cpu.shares", "1024"),
            ("cpuset", "cpuset.cpus", "0"),
            ("blkio", "blkio.throttle.read_bps_device", "8:0 1024"),
            ("blkio", "blkio.throttle.write_iops_device", "8:0 0"),
            ("memory", "memory.swappiness", "0"),
        ];
        let want: Vec<(String, String, String)> = want
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        assert_eq!(got, want);
        let swap_only = limits(|l| l.swap = Some(None));
        assert!(swap_only.writes(Mode::V1).unwrap_err().is_usage());
        let unlimited = limits(|l| {
            l.memory = Some(None);
            l.cpus = Some(None);
        });
        let got: Vec<String> = unlimited
            .writes(Mode::V1)
            .unwrap()
            .into_iter()
            .map(|w| format!("{}={}", w.file, w.value))
            .collect();
        assert_eq!(
            got,
            [
                "memory.limit_in_bytes=-1",
                "cpu.cfs_period_us=100000",
                "cpu.cfs_quota_us=-1"
            ]
        );
    }

    /// A v2 root as the kernel lays it out, with the knob files of `dirs` (cgroup paths).
    fn v2_fixture(dirs: &[&str]) -> TempDir {
        let t = TempDir::new("cgv2");
        let core = |d: &Path| {
            fs::write(d.join("cgroup.controllers"), "cpuset cpu io memory pids\n").unwrap();
            fs::write(d.join("cgroup.subtree_control"), "").unwrap();
            fs::write(d.join("cgroup.procs"), "").unwrap();
        };
        core(t.path());
        for d in dirs {
            let dir = t.path().join(d);
            fs::create_dir_all(&dir).unwrap();
            let mut up = dir.as_path();
            while up != t.path() {
                core(up);
                up = up.parent().unwrap();
            }
            for f in [
                "memory.max",
                "memory.high",
                "memory.swap.max",
                "pids.max",
                "cpu.max",
                "cpu.weight",
                "cpuset.cpus",
                "io.max",
                "memory.oom.group",
            ] {
                fs::write(dir.join(f), "untouched").unwrap();
            }
        }
        t
    }

    fn fs_v2(t: &TempDir, own: &str) -> Cgroupfs {
        let own = SelfCgroup::parse(&format!("0::{own}\n"));
        let fs = Cgroupfs::open(t.path(), own).unwrap();
        assert_eq!(fs.mode, Mode::V2);
        fs
    }

    /// Every regular file under `root` with its content, sorted by path.
    fn snapshot(root: &Path) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p.strip_prefix(root).unwrap().display().to_string();
                    out.push((rel, fs::read_to_string(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    /// Expected `(file, content)` pairs in the form `changed` returns.
    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn changed(before: &[(String, String)], after: &[(String, String)]) -> Vec<(String, String)> {
        after
            .iter()
            .filter(|a| !before.contains(a))
            .cloned()
            .collect()
    }

    #[test]
    fn v2_set_writes_exactly_these_files() {
        let t = v2_fixture(&["me/box"]);
        let fs = fs_v2(&t, "/me");
        let before = snapshot(t.path());
        let l = limits(|l| {
            l.memory = Some(Some(256 << 20));
            l.memory_high = Some(None);
            l.swap = Some(Some(0));
            l.pids = Some(Some(64));
            l.cpus = Some(Some(50_000));
            l.cpu_weight = Some(200);
            l.cpuset = Some("0-1".into());
            l.io_max = vec![parse_io_max("8:16,rbps=2M,wbps=max,riops=100").unwrap()];
            l.set = vec![("memory.oom.group".into(), "1".into())];
        });
        let made = fs.apply("box", &l, &[], Create::IfMissing).unwrap();
        assert!(made.created.is_empty());
        assert_eq!(made.groups[0].path, "/me/box");
        let got = changed(&before, &snapshot(t.path()));
        let want = [
            ("cgroup.subtree_control", "+cpu +cpuset +io +memory +pids"),
            ("me/box/cpu.max", "50000 100000"),
            ("me/box/cpu.weight", "200"),
            ("me/box/cpuset.cpus", "0-1"),
            ("me/box/io.max", "8:16 rbps=2097152 wbps=max riops=100"),
            ("me/box/memory.high", "max"),
            ("me/box/memory.max", "268435456"),
            ("me/box/memory.oom.group", "1"),
            ("me/box/memory.swap.max", "0"),
            ("me/box/pids.max", "64"),
            (
                "me/cgroup.subtree_control",
                "+cpu +cpuset +io +memory +pids",
            ),
        ];
        assert_eq!(got, owned(&want));
    }

    #[test]
    fn v2_enables_only_missing_controllers() {
        let t = v2_fixture(&["box"]);
        fs::write(t.path().join("cgroup.subtree_control"), "memory pids\n").unwrap();
        let fs = fs_v2(&t, "/");
        let before = snapshot(t.path());
        let l = limits(|l| {
            l.pids = Some(None);
            l.cpus = Some(None);
        });
        fs.apply("/box", &l, &[], Create::Never).unwrap();
        let got = changed(&before, &snapshot(t.path()));
        let want = [
            ("box/cpu.max", "max 100000"),
            ("box/pids.max", "max"),
            ("cgroup.subtree_control", "+cpu"),
        ];
        assert_eq!(got, owned(&want));
    }

    #[test]
    fn v2_failure_takes_everything_back() {
        // The fixture's new directory has no knob files (no kernel fills it): the write fails
        // after mkdir and enabling, and both are undone.
        let t = v2_fixture(&[]);
        fs::write(t.path().join("cgroup.subtree_control"), "io").unwrap();
        let fs = fs_v2(&t, "/");
        let before = snapshot(t.path());
        let l = limits(|l| l.memory = Some(Some(1 << 20)));
        let e = fs.apply("a", &l, &[], Create::IfMissing).err().unwrap();
        assert_eq!(
            e.to_string(),
            format!(
                "{}/a/memory.max does not exist: is the memory controller enabled?",
                t.path().display()
            )
        );
        assert!(!t.path().join("a").exists());
        let after = snapshot(t.path());
        assert_eq!(
            changed(&before, &after),
            [("cgroup.subtree_control".to_string(), "-memory".to_string())]
        );
    }

    #[test]
    fn v2_refuses_before_writing() {
        let t = v2_fixture(&["box"]);
        fs::write(t.path().join("cgroup.controllers"), "memory pids\n").unwrap();
        fs::write(t.path().join("cgroup.subtree_control"), "memory pids\n").unwrap();
        let fs = fs_v2(&t, "/");
        let before = snapshot(t.path());
        let l = limits(|l| l.cpus = Some(Some(1000)));
        let e = fs.apply("box", &l, &[], Create::IfMissing).err().unwrap();
        assert!(e
            .to_string()
            .starts_with("controller cpu is not available in "));
        let l = limits(|l| l.set = vec![("memory.bogus".into(), "1".into())]);
        let e = fs.apply("box", &l, &[], Create::IfMissing).err().unwrap();
        assert!(e
            .to_string()
            .starts_with("unknown knob 'memory.bogus': no such file"));
        let e = fs
            .apply("new", &Limits::default(), &[], Create::Never)
            .err()
            .unwrap();
        assert!(e.to_string().contains("No such file or directory"), "{e}");
        assert_eq!(snapshot(t.path()), before);
        assert!(!t.path().join("new").exists());
    }

    #[test]
    fn v2_failed_write_restores_earlier_ones() {
        let t = v2_fixture(&["box"]);
        fs::write(t.path().join("cgroup.subtree_control"), "memory pids\n").unwrap();
        // A directory where a knob should be: it exists, but cannot be written.
        fs::remove_file(t.path().join("box/pids.max")).unwrap();
        fs::create_dir(t.path().join("box/pids.max")).unwrap();
        let fs = fs_v2(&t, "/");
        let before = snapshot(t.path());
        let l = limits(|l| {
            l.memory = Some(Some(1 << 20));
            l.pids = Some(Some(3));
        });
        let e = fs.apply("box", &l, &[], Create::Never).err().unwrap();
        assert!(e.to_string().contains("pids.max: Is a directory"), "{e}");
        assert_eq!(snapshot(t.path()), before);
    }

    #[test]
    fn v2_symlink_escape_is_refused() {
        let t = v2_fixture(&[]);
        let outside = TempDir::new("cgout");
        std::os::unix::fs::symlink(outside.path(), t.path().join("link")).unwrap();
        let fs = fs_v2(&t, "/");
        let e = fs
            .apply("link/x", &Limits::default(), &[], Create::IfMissing)
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .contains("is not a directory of the hierarchy"),
            "{e}"
        );
        assert!(fs::read_dir(outside.path()).unwrap().next().is_none());
    }

    #[test]
    fn v1_touches_only_needed_hierarchies() {
        let t = TempDir::new("cgv1");
        for c in ["memory", "pids", "cpu", "freezer"] {
            fs::create_dir_all(t.path().join(c).join("me/box")).unwrap();
        }
        let own = SelfCgroup::parse("4:memory:/me\n3:pids:/me\n2:cpu:/me\n1:freezer:/me\n");
        let fs = Cgroupfs::open(t.path(), own).unwrap();
        assert_eq!(fs.mode, Mode::V1);
        let mem = t.path().join("memory/me/box");
        fs::write(mem.join("memory.limit_in_bytes"), "untouched").unwrap();
        fs::write(t.path().join("pids/me/box/pids.max"), "untouched").unwrap();
        let before = snapshot(t.path());
        // No swap accounting: refused before any write.
        let l = limits(|l| {
            l.memory = Some(Some(1 << 20));
            l.swap = Some(Some(0));
        });
        let e = fs.apply("box", &l, &[], Create::IfMissing).err().unwrap();
        assert_eq!(
            e.to_string(),
            format!(
                "{}/memory.memsw.limit_in_bytes does not exist: --swap needs swap accounting, \
                 which is off (boot with swapaccount=1)",
                mem.display()
            )
        );
        assert_eq!(snapshot(t.path()), before);
        fs::write(mem.join("memory.memsw.limit_in_bytes"), "untouched").unwrap();
        let before = snapshot(t.path());
        let made = fs.apply("box", &l, &[], Create::IfMissing).unwrap();
        let hiers: Vec<&str> = made
            .groups
            .iter()
            .map(|g| g.hier.controller.as_str())
            .collect();
        assert_eq!(hiers, ["memory"]);
        assert_eq!(
            changed(&before, &snapshot(t.path())),
            [
                (
                    "memory/me/box/memory.limit_in_bytes".into(),
                    "1048576".into()
                ),
                (
                    "memory/me/box/memory.memsw.limit_in_bytes".into(),
                    "1048576".into()
                ),
            ]
        );
        let l = limits(|l| l.pids = Some(Some(7)));
        let made = fs.apply("/me/box", &l, &[], Create::Never).unwrap();
        assert_eq!(made.groups.len(), 1);
        assert_eq!(
            fs::read_to_string(t.path().join("pids/me/box/pids.max")).unwrap(),
            "7"
        );
        let all = fs.existing("box", &[]).unwrap();
        let hiers: Vec<&str> = all.iter().map(|g| g.hier.controller.as_str()).collect();
        assert_eq!(hiers, ["cpu", "memory", "freezer", "pids"]);
        let only = fs.existing("box", &["pids".to_string()]).unwrap();
        assert_eq!(only.len(), 1);
    }

    #[test]
    fn v2_stat_list_and_delete() {
        let t = v2_fixture(&["box", "box/sub"]);
        let b = t.path().join("box");
        fs::write(b.join("memory.current"), "4096\n").unwrap();
        fs::write(
            b.join("memory.events"),
            "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n",
        )
        .unwrap();
        fs::write(b.join("cgroup.events"), "populated 0\nfrozen 0\n").unwrap();
        fs::write(b.join("memory.max"), "max\n").unwrap();
        let fs = fs_v2(&t, "/");
        let groups = fs.existing("box", &[]).unwrap();
        let figures = stat(&groups);
        assert_eq!(
            format_stat("box", &figures, false),
            "memory.current 4096\nmemory.max max\nmemory.oom_kills 1\npids.max untouched\n\
             populated 0\nfrozen 0\n"
        );
        assert!(format_stat("box", &figures[..3], true)
            .starts_with("{\"path\":\"box\",\"memory.current\":4096,\"memory.max\":\"max\","));
        assert_eq!(oom_kills(&groups), Some(1));
        assert_eq!(list(&groups, "box").unwrap(), ["box/sub"]);
        let root = fs.existing(".", &[]).unwrap();
        assert_eq!(list(&root, ".").unwrap(), ["box", "box/sub"]);
        assert!(fs.delete(".", true, &[]).is_err());
        fs::write(b.join("sub/cgroup.procs"), "12345\n").unwrap();
        let e = fs.delete("box", false, &[]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot delete box: 1 process(es) in "),
            "{e}"
        );
        assert!(b.join("sub").exists());
    }

    const MOUNTINFO: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
40 31 0:37 /sub /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified\\040dir rw,relatime - cgroup2 cgroup2 rw
";

    #[test]
    fn cgroup_procs_paths() {
        let mounts = parse_cgroup_mounts(MOUNTINFO);
        assert_eq!(mounts.len(), 4);
        let path = |l: &str| cgroup_procs_path(&mounts, &parse_cgroup_file(l)[0]);
        assert_eq!(
            path("4:memory:/a/b").as_deref(),
            Some("/sys/fs/cgroup/memory/a/b/cgroup.procs")
        );
        assert_eq!(
            path("2:cpu,cpuacct:/").as_deref(),
            Some("/sys/fs/cgroup/cpu,cpuacct/cgroup.procs")
        );
        assert_eq!(
            path("0::/x").as_deref(),
            Some("/sys/fs/cgroup/unified dir/x/cgroup.procs")
        );
        assert_eq!(
            path("9:name=systemd:/sub/c").as_deref(),
            Some("/sys/fs/cgroup/systemd/c/cgroup.procs")
        );
        assert_eq!(path("9:name=systemd:/other"), None);
        assert_eq!(path("9:name=systemd:/subx"), None);
        assert_eq!(path("7:blkio:/"), None);
    }
}
