//! What a limit is: the values `nscgroup` accepts (sizes, counts, CPU quotas, CPU lists, I/O
//! limits, raw knob writes), parsed strictly and validated before anything is touched. Which file
//! each limit writes is said by [`super::v1`] and [`super::v2`], one place per layout.

use crate::cli;
use crate::error::{Error, Result};

/// A limit's value: a number, or the kernel's "no limit" (written `max` on v2, `-1` on v1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Max,
    Value(u64),
}

/// One `--io-max` entry: a device and the limits given for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IoMax {
    pub dev: (u32, u32),
    pub rbps: Option<Limit>,
    pub wbps: Option<Limit>,
    pub riops: Option<Limit>,
    pub wiops: Option<Limit>,
}

/// The limits asked for, already validated. `None` leaves a knob alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    pub memory: Option<Limit>,
    pub memory_high: Option<Limit>,
    pub swap: Option<Limit>,
    pub pids: Option<Limit>,
    /// CPU quota in microseconds per [`CPU_PERIOD`].
    pub cpus: Option<Limit>,
    pub cpu_weight: Option<u64>,
    pub cpuset: Option<String>,
    pub io_max: Vec<IoMax>,
    /// Whether the OOM killer takes the whole cgroup at once (v2 `memory.oom.group`).
    pub oom_group: Option<bool>,
    /// `--set=FILE=VALUE`, in order.
    pub set: Vec<(String, String)>,
}

impl Limits {
    pub fn is_empty(&self) -> bool {
        *self == Limits::default()
    }
}

/// The CPU bandwidth period we write with a quota, in microseconds (the kernel's default).
pub const CPU_PERIOD: u64 = 100_000;

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

/// One knob write: the controller whose hierarchy (v1) or whose enabling (v2) it needs, the file
/// name, and the exact content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnobWrite {
    pub controller: String,
    pub file: String,
    pub value: String,
}

impl KnobWrite {
    pub fn new(controller: &str, file: &str, value: String) -> KnobWrite {
        KnobWrite {
            controller: controller.into(),
            file: file.into(),
            value,
        }
    }
}

/// The `--set` writes, the same on both layouts (the controller is the file's prefix).
pub fn raw_writes(limits: &Limits) -> impl Iterator<Item = KnobWrite> + '_ {
    limits
        .set
        .iter()
        .map(|(file, value)| KnobWrite::new(knob_controller(file), file, value.clone()))
}

fn bad(opt: &str, text: &str) -> Error {
    Error::new(format!("invalid --{opt} value: '{text}'"))
}

/// A size in human units (`256M`, `1.5G`) or `max`.
pub fn parse_size(opt: &str, text: &str) -> Result<Limit> {
    if text == "max" {
        return Ok(Limit::Max);
    }
    let ok = text.bytes().next().is_some_and(|b| b.is_ascii_digit());
    match cli::size(text) {
        Some(v) if ok => Ok(Limit::Value(v)),
        _ => Err(bad(opt, text)),
    }
}

/// A plain count or `max`.
pub fn parse_count(opt: &str, text: &str) -> Result<Limit> {
    if text == "max" {
        return Ok(Limit::Max);
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(opt, text));
    }
    cli::number::<u64>(text, "")
        .map(Limit::Value)
        .map_err(|_| bad(opt, text))
}

/// `--cpus=0.5` as a quota in microseconds per [`CPU_PERIOD`], or `max`.
pub fn parse_cpus(text: &str) -> Result<Limit> {
    if text == "max" {
        return Ok(Limit::Max);
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
    Ok(Limit::Value(quota))
}

/// `--cpu-weight`: 1 to 10000, as cgroup v2's `cpu.weight`.
pub fn parse_weight(text: &str) -> Result<u64> {
    match parse_count("cpu-weight", text)? {
        Limit::Value(w @ 1..=10000) => Ok(w),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_strictly() {
        use Limit::{Max, Value};
        assert_eq!(parse_size("memory", "256M").unwrap(), Value(256 << 20));
        assert_eq!(parse_size("memory", "max").unwrap(), Max);
        assert_eq!(
            parse_size("memory", "12Q").unwrap_err().to_string(),
            "invalid --memory value: '12Q'"
        );
        assert!(parse_size("memory", "-1").is_err());
        assert!(parse_size("memory", " 1").is_err());
        assert_eq!(parse_count("pids", "64").unwrap(), Value(64));
        assert!(parse_count("pids", "+64").is_err());
        assert!(parse_count("pids", "6 4").is_err());
        assert_eq!(parse_cpus("0.5").unwrap(), Value(50_000));
        assert_eq!(parse_cpus("2").unwrap(), Value(200_000));
        assert_eq!(parse_cpus("1.25").unwrap(), Value(125_000));
        assert_eq!(parse_cpus("max").unwrap(), Max);
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
        assert_eq!(io.rbps, Some(Value(1 << 20)));
        assert_eq!(io.wiops, Some(Max));
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
}
