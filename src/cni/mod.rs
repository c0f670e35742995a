//! nsveth as a CNI plugin (the Container Network Interface spec 1.1.0): a runtime (Podman,
//! containerd, CRI-O, Nomad) executes the plugin with `CNI_COMMAND` and the other `CNI_*`
//! variables set and the network configuration on stdin; the plugin answers with a result or an
//! error object on stdout, logs on stderr.
//!
//! This module is the protocol: the environment, the versions, the error codes, and the
//! dispatch of `VERSION`, `ADD`, `DEL`, `CHECK`, `STATUS` and `GC`. The configuration is read in
//! [`config`], addresses come from the IPAM plugin the configuration names ([`ipam`]), the
//! results are shaped per version in [`result`], and the links are made and removed in
//! [`attach`], over the same pair-making and NAT code as `nsveth add`.

pub mod attach;
pub mod config;
pub mod ipam;
pub mod result;

use std::ffi::OsString;

use serde_json::{json, Value};

use crate::addr;
use config::NetConf;

/// The versions of the spec this plugin speaks, oldest first.
pub const SUPPORTED: &[&str] = &["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];
/// The newest of them: what `VERSION` and errors before a version is known say.
pub const LATEST: &str = "1.1.0";

/// The spec's error codes (well-known ones; 999 is the reference plugins' "internal").
pub mod code {
    pub const INCOMPATIBLE_VERSION: u32 = 1;
    pub const UNSUPPORTED_FIELD: u32 = 2;
    pub const INVALID_ENV: u32 = 4;
    pub const IO: u32 = 5;
    pub const DECODE: u32 = 6;
    pub const INVALID_CONFIG: u32 = 7;
    pub const NOT_AVAILABLE: u32 = 50;
    pub const INTERNAL: u32 = 999;
}

/// An error as the spec's error object says it: a code, a message and details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CniError {
    pub code: u32,
    pub msg: String,
    pub details: String,
}

impl CniError {
    pub fn new(code: u32, msg: impl Into<String>) -> CniError {
        CniError {
            code,
            msg: msg.into(),
            details: String::new(),
        }
    }

    /// The error object, in `version` (`cniVersion` is in every error since 0.3.0).
    pub fn to_json(&self, version: &str) -> Value {
        let mut v = json!({"cniVersion": version, "code": self.code, "msg": self.msg});
        if !self.details.is_empty() {
            v["details"] = Value::from(self.details.as_str());
        }
        v
    }
}

impl From<crate::error::Error> for CniError {
    /// A failure of our own (the kernel, the store): "internal", with its message.
    fn from(e: crate::error::Error) -> CniError {
        CniError::new(code::INTERNAL, e.message())
    }
}

pub type CniResult<T> = std::result::Result<T, CniError>;

/// The commands of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Add,
    Del,
    Check,
    Status,
    Gc,
    Version,
}

impl Command {
    fn parse(s: &str) -> Option<Command> {
        Some(match s {
            "ADD" => Command::Add,
            "DEL" => Command::Del,
            "CHECK" => Command::Check,
            "STATUS" => Command::Status,
            "GC" => Command::Gc,
            "VERSION" => Command::Version,
            _ => return None,
        })
    }

    /// The variables the command needs besides `CNI_COMMAND` (the spec's table).
    fn required(self) -> &'static [&'static str] {
        match self {
            Command::Add | Command::Check => {
                &["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"]
            }
            Command::Del => &["CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"],
            Command::Status | Command::Gc => &["CNI_PATH"],
            Command::Version => &[],
        }
    }
}

/// The `CNI_*` environment.
#[derive(Clone, Debug, Default)]
pub struct Env {
    pub command: Option<String>,
    pub container_id: Option<String>,
    pub netns: Option<String>,
    pub ifname: Option<String>,
    pub args: Option<String>,
    pub path: Option<String>,
}

impl Env {
    /// From the process's environment (a variable that is not UTF-8 counts as set and invalid).
    pub fn from_process() -> Env {
        let get = |k: &str| {
            std::env::var_os(k)
                .map(|v: OsString| v.into_string().unwrap_or_else(|_| "\u{fffd}".into()))
        };
        Env {
            command: get("CNI_COMMAND"),
            container_id: get("CNI_CONTAINERID"),
            netns: get("CNI_NETNS"),
            ifname: get("CNI_IFNAME"),
            args: get("CNI_ARGS"),
            path: get("CNI_PATH"),
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        match name {
            "CNI_CONTAINERID" => self.container_id.as_deref(),
            "CNI_NETNS" => self.netns.as_deref(),
            "CNI_IFNAME" => self.ifname.as_deref(),
            "CNI_PATH" => self.path.as_deref(),
            _ => None,
        }
        .filter(|v| !v.is_empty())
    }
}

/// What the plugin prints on stdout and exits with.
#[derive(Debug)]
pub struct Outcome {
    pub stdout: String,
    pub status: i32,
    /// A line for stderr, on failure.
    pub log: Option<String>,
}

/// Run one CNI command: `env` and the configuration on `stdin` in, the output and exit status
/// out.
pub fn run(env: &Env, stdin: &[u8]) -> Outcome {
    // The version to answer in: the configuration's, once it is known and supported.
    let mut version = LATEST.to_string();
    match dispatch(env, stdin, &mut version) {
        Ok(out) => Outcome {
            stdout: out.map(|v| format!("{v}\n")).unwrap_or_default(),
            status: 0,
            log: None,
        },
        Err(e) => {
            let cmd = env.command.as_deref().unwrap_or("");
            let log = match e.details.as_str() {
                "" => format!("CNI {cmd}: {}", e.msg),
                d => format!("CNI {cmd}: {}: {d}", e.msg),
            };
            Outcome {
                stdout: format!("{}\n", e.to_json(&version)),
                status: 1,
                log: Some(log),
            }
        }
    }
}

fn dispatch(env: &Env, stdin: &[u8], version: &mut String) -> CniResult<Option<Value>> {
    let cmd = match env.command.as_deref() {
        None | Some("") => {
            return Err(CniError::new(
                code::INVALID_ENV,
                "required env variables [CNI_COMMAND] missing",
            ))
        }
        Some(c) => Command::parse(c)
            .ok_or_else(|| CniError::new(code::INVALID_ENV, format!("unknown CNI_COMMAND: {c}")))?,
    };
    if cmd == Command::Version {
        // Validates nothing else: runtimes send dummy variables with it.
        return Ok(Some(
            json!({"cniVersion": LATEST, "supportedVersions": SUPPORTED}),
        ));
    }
    let missing: Vec<&str> = cmd
        .required()
        .iter()
        .copied()
        .filter(|k| env.get(k).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(CniError::new(
            code::INVALID_ENV,
            format!("required env variables [{}] missing", missing.join(",")),
        ));
    }
    check_env(env, cmd)?;
    let raw: Value = serde_json::from_slice(stdin).map_err(|e| {
        CniError::new(
            code::DECODE,
            format!("cannot decode the network configuration: {e}"),
        )
    })?;
    let v = config::version_of(&raw)?;
    if !SUPPORTED.contains(&v.as_str()) {
        return Err(CniError::new(
            code::INCOMPATIBLE_VERSION,
            format!(
                "incompatible CNI versions: config is \"{v}\", plugin supports [{}]",
                SUPPORTED.join(" ")
            ),
        ));
    }
    *version = v;
    let needs = |cmd: Command, since: &str| -> CniResult<()> {
        if result::older(version, since) {
            return Err(CniError::new(
                code::INCOMPATIBLE_VERSION,
                format!("{cmd:?} needs cniVersion {since} or later, the config has {version}"),
            ));
        }
        Ok(())
    };
    let conf = NetConf::parse(&raw)?;
    match cmd {
        Command::Add => attach::add(env, &conf, stdin).map(Some),
        Command::Del => attach::del(env, &conf, stdin).map(|()| None),
        Command::Check => {
            needs(cmd, "0.4.0")?;
            attach::check(env, &conf, stdin).map(|()| None)
        }
        Command::Status => {
            needs(cmd, "1.1.0")?;
            attach::status(env, &conf).map(|()| None)
        }
        Command::Gc => {
            needs(cmd, "1.1.0")?;
            attach::gc(&conf, &raw).map(|()| None)
        }
        Command::Version => unreachable!("answered above"),
    }
}

/// The variables' values: an interface name the kernel takes, a container id of the spec's
/// characters, and `CNI_ARGS` as `KEY=VALUE` pairs (any keys: `IgnoreUnknown`, Kubernetes'
/// `K8S_POD_*`, Nomad's and others are accepted and not used).
fn check_env(env: &Env, cmd: Command) -> CniResult<()> {
    if let Some(name) = env.ifname.as_deref().filter(|_| cmd != Command::Gc) {
        if !addr::valid_ifname(name) {
            return Err(CniError::new(
                code::INVALID_ENV,
                format!("invalid CNI_IFNAME: '{name}'"),
            ));
        }
    }
    if let Some(id) = env.container_id.as_deref() {
        let ok = id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if !ok && cmd != Command::Status && cmd != Command::Gc {
            return Err(CniError::new(
                code::INVALID_ENV,
                format!("invalid CNI_CONTAINERID: '{id}'"),
            ));
        }
    }
    if let Some(args) = env.args.as_deref() {
        parse_args(args)?;
    }
    Ok(())
}

/// `CNI_ARGS`: `KEY=VALUE` pairs separated by `;` (an empty pair is skipped).
pub fn parse_args(s: &str) -> CniResult<Vec<(&str, &str)>> {
    s.split(';')
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| {
                    CniError::new(code::INVALID_ENV, format!("invalid CNI_ARGS pair '{p}'"))
                })
        })
        .collect()
}

/// `nsveth` run by a runtime (`CNI_COMMAND` set, no arguments) or as `nsveth cni`: read the
/// configuration from stdin, run, print, exit.
pub fn main() -> ! {
    use std::io::{Read, Write};
    let env = Env::from_process();
    let mut stdin = Vec::new();
    let read = std::io::stdin().read_to_end(&mut stdin).map(drop);
    let out = match read {
        Ok(()) => run(&env, &stdin),
        Err(e) => Outcome {
            stdout: format!(
                "{}\n",
                CniError::new(
                    code::IO,
                    format!("cannot read the network configuration: {e}")
                )
                .to_json(LATEST)
            ),
            status: 1,
            log: Some(format!("cannot read stdin: {e}")),
        },
    };
    if let Some(log) = &out.log {
        eprintln!("nsveth: {log}");
    }
    let mut o = std::io::stdout().lock();
    let status = match o.write_all(out.stdout.as_bytes()).and_then(|()| o.flush()) {
        Ok(()) => out.status,
        Err(_) => 1,
    };
    std::process::exit(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(cmd: &str) -> Env {
        Env {
            command: Some(cmd.into()),
            container_id: Some("c1".into()),
            netns: Some("/run/netns/x".into()),
            ifname: Some("eth0".into()),
            args: None,
            path: Some("/usr/lib/cni".into()),
        }
    }

    fn code_of(o: &Outcome) -> u64 {
        let v: Value = serde_json::from_str(&o.stdout).unwrap();
        v["code"].as_u64().unwrap()
    }

    #[test]
    fn version_validates_nothing() {
        let o = run(
            &Env {
                command: Some("VERSION".into()),
                ..Env::default()
            },
            b"",
        );
        assert_eq!(o.status, 0);
        let v: Value = serde_json::from_str(&o.stdout).unwrap();
        assert_eq!(v["supportedVersions"].as_array().unwrap().len(), 5);
    }

    #[test]
    fn errors_carry_the_spec_codes() {
        let mut e = env("ADD");
        e.netns = None;
        e.path = Some(String::new());
        let o = run(&e, b"{}");
        assert_eq!(code_of(&o), 4);
        assert!(o.stdout.contains("[CNI_NETNS,CNI_PATH]"), "{}", o.stdout);
        assert_eq!(code_of(&run(&env("ADD"), b"{nope")), 6);
        let old = br#"{"cniVersion":"0.2.0","name":"n","type":"nsveth","ipam":{"type":"static"}}"#;
        assert_eq!(code_of(&run(&env("ADD"), old)), 1);
        let bad = br#"{"cniVersion":"1.0.0","name":"n","type":"nsveth","mtu":"x","ipam":{"type":"static"}}"#;
        assert_eq!(code_of(&run(&env("ADD"), bad)), 7);
        let unsupported = br#"{"cniVersion":"1.0.0","name":"n","type":"nsveth","mode":"bridge","vlan":5,"ipam":{"type":"static"}}"#;
        let o = run(&env("ADD"), unsupported);
        assert_eq!(code_of(&o), 2);
        assert!(o.stdout.contains("vlan"));
        let mut e = env("ADD");
        e.ifname = Some("a/b".into());
        assert_eq!(code_of(&run(&e, b"{}")), 4);
        let status =
            br#"{"cniVersion":"1.0.0","name":"n","type":"nsveth","ipam":{"type":"static"}}"#;
        assert_eq!(code_of(&run(&env("STATUS"), status)), 1);
    }

    #[test]
    fn args_are_tolerated() {
        let a = parse_args(
            "IgnoreUnknown=1;K8S_POD_NAME=web;K8S_POD_NAMESPACE=default;NOMAD_ALLOC_ID=x;;",
        )
        .unwrap();
        assert_eq!(a.len(), 4);
        assert_eq!(parse_args("novalue").unwrap_err().code, 4);
        assert_eq!(parse_args("=x").unwrap_err().code, 4);
    }
}
