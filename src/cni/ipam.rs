//! The IPAM plugin a configuration names (`ipam.type`, e.g. Debian's `host-local` or
//! `static`): found in `CNI_PATH`, executed with our environment (`CNI_COMMAND` set to the
//! command) and the configuration on stdin, unchanged, as the spec asks; its answer parsed.

use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::result::{self, IpamResult};
use super::{code, CniError, CniResult, Env};

/// The plugin's path: the first `CNI_PATH` directory holding an executable file of that name.
pub fn find(env: &Env, plugin: &str) -> CniResult<String> {
    let dirs = env.path.as_deref().unwrap_or("");
    for dir in dirs.split(':').filter(|d| !d.is_empty()) {
        let p = format!("{dir}/{plugin}");
        if nix::unistd::access(p.as_str(), nix::unistd::AccessFlags::X_OK).is_ok()
            && std::fs::metadata(&p).is_ok_and(|m| m.is_file())
        {
            return Ok(p);
        }
    }
    Err(CniError::new(
        code::INTERNAL,
        format!(
            "failed to find plugin \"{plugin}\" in path [{}]",
            dirs.replace(':', " ")
        ),
    ))
}

/// Run the plugin for `command` with `stdin`; its stdout on success. An error object it prints
/// is passed on as it is (code, message, details).
fn exec(env: &Env, plugin: &str, command: &str, stdin: &[u8]) -> CniResult<Vec<u8>> {
    let path = find(env, plugin)?;
    // The configuration goes through a socket rather than a pipe: a plugin that exits without
    // reading it is then an `EPIPE` for us, never a `SIGPIPE` (nsveth keeps that signal's default).
    let io = |e: std::io::Error| CniError::new(code::INTERNAL, format!("cannot run {path}: {e}"));
    let (ours, theirs) = UnixStream::pair().map_err(io)?;
    let child = Command::new(&path)
        .env("CNI_COMMAND", command)
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| CniError::new(code::INTERNAL, format!("cannot execute {path}: {e}")))?;
    // A plugin that does not read its stdin: its exit status says what failed.
    let mut sent = 0;
    while sent < stdin.len() {
        match crate::sys::send_nosignal(ours.as_fd(), &stdin[sent..]) {
            Ok(n) => sent += n,
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => break,
        }
    }
    let _ = ours.shutdown(std::net::Shutdown::Write);
    let out = child
        .wait_with_output()
        .map_err(|e| CniError::new(code::INTERNAL, format!("cannot wait for {path}: {e}")))?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    let parsed: Option<Value> = serde_json::from_slice(&out.stdout).ok();
    match parsed
        .as_ref()
        .and_then(|v| Some((v, v.get("code")?.as_u64()?)))
    {
        Some((v, c)) => Err(CniError {
            code: u32::try_from(c).unwrap_or(code::INTERNAL),
            msg: v["msg"].as_str().unwrap_or("").to_string(),
            details: v["details"].as_str().unwrap_or("").to_string(),
        }),
        None => Err(CniError::new(
            code::INTERNAL,
            format!(
                "IPAM plugin {plugin} {command} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stdout).trim()
            ),
        )),
    }
}

/// `ADD`: the addresses, routes and DNS settings the plugin gives.
pub fn add(env: &Env, plugin: &str, stdin: &[u8]) -> CniResult<IpamResult> {
    let out = exec(env, plugin, "ADD", stdin)?;
    let v: Value = serde_json::from_slice(&out).map_err(|e| {
        CniError::new(
            code::DECODE,
            format!("cannot decode the result of IPAM plugin {plugin}: {e}"),
        )
    })?;
    result::parse_ipam(&v)
}

/// `DEL`: give the addresses back.
pub fn del(env: &Env, plugin: &str, stdin: &[u8]) -> CniResult<()> {
    exec(env, plugin, "DEL", stdin).map(drop)
}

/// `CHECK`.
pub fn check(env: &Env, plugin: &str, stdin: &[u8]) -> CniResult<()> {
    exec(env, plugin, "CHECK", stdin).map(drop)
}
