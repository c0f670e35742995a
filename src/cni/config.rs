//! The network configuration a runtime hands the plugin: the keys of the reference `ptp` and
//! `bridge` plugins, checked before anything is touched. Keys this plugin does not know are
//! left alone (runtimes and other plugins of a list add their own); keys of the reference
//! plugins it does not implement are refused with code 2 when they ask for something.

use serde_json::{Map, Value};

use super::{code, CniError, CniResult};
use crate::addr;

/// How the container is connected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// As the reference `ptp`: a pair whose host end has the gateway addresses (/32, /128) and a
    /// host route to each container address; inside, routes via the gateway.
    Ptp,
    /// As the reference `bridge`: the host end a port of the bridge.
    Bridge(BridgeConf),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BridgeConf {
    pub name: String,
    pub is_gateway: bool,
    pub is_default_gateway: bool,
    pub hairpin: bool,
}

/// A network configuration, validated.
#[derive(Clone, Debug)]
pub struct NetConf {
    pub version: String,
    pub name: String,
    pub mode: Mode,
    pub mtu: Option<u32>,
    pub ip_masq: bool,
    /// The IPAM plugin's type (its file name in `CNI_PATH`).
    pub ipam: String,
    /// `dns` as given (copied into the result when it says anything).
    pub dns: Option<Map<String, Value>>,
    /// `prevResult` (`DEL`, `CHECK`).
    pub prev_result: Option<Value>,
}

/// The configuration's `cniVersion` (missing: 0.1.0, as the spec had no key then).
pub fn version_of(raw: &Value) -> CniResult<String> {
    match raw.get("cniVersion") {
        None => Ok("0.1.0".into()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(CniError::new(code::DECODE, "cniVersion is not a string")),
    }
}

fn invalid(key: &str, what: &str) -> CniError {
    CniError::new(
        code::INVALID_CONFIG,
        format!("invalid network configuration: '{key}' {what}"),
    )
}

fn unsupported(key: &str, why: &str) -> CniError {
    CniError::new(
        code::UNSUPPORTED_FIELD,
        format!("unsupported field '{key}': {why}"),
    )
}

fn boolean(o: &Map<String, Value>, key: &str) -> CniResult<bool> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid(key, "must be true or false")),
    }
}

fn string<'a>(o: &'a Map<String, Value>, key: &str) -> CniResult<Option<&'a str>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(key, "must be a string")),
    }
}

fn integer(o: &Map<String, Value>, key: &str) -> CniResult<Option<i64>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| invalid(key, "must be an integer")),
    }
}

/// Keys of the reference plugins nsveth does not implement: refused when set to anything but
/// their default (nothing asked, nothing to refuse).
const NOT_IMPLEMENTED: &[(&str, &str)] = &[
    ("vlan", "VLAN filtering on the bridge is not implemented"),
    ("vlanTrunk", "VLAN trunks are not implemented"),
    (
        "preserveDefaultVlan",
        "VLAN filtering on the bridge is not implemented",
    ),
    ("promiscMode", "promiscuous bridges are not implemented"),
    ("macspoofchk", "MAC spoof checking is not implemented"),
    (
        "enabledad",
        "addresses are added without duplicate address detection",
    ),
];

/// Keys of bridge mode only.
const BRIDGE_KEYS: &[&str] = &[
    "bridge",
    "isGateway",
    "isDefaultGateway",
    "hairpinMode",
    "forceAddress",
];

impl NetConf {
    pub fn parse(raw: &Value) -> CniResult<NetConf> {
        let o = raw.as_object().ok_or_else(|| {
            CniError::new(
                code::DECODE,
                "the network configuration is not a JSON object",
            )
        })?;
        let version = version_of(raw)?;
        let name = string(o, "name")?.unwrap_or_default().to_string();
        if name.is_empty() {
            return Err(invalid("name", "is missing"));
        }
        for (key, why) in NOT_IMPLEMENTED {
            let asked = match o.get(*key) {
                None | Some(Value::Null) | Some(Value::Bool(false)) => false,
                Some(Value::Number(n)) => n.as_i64() != Some(0),
                Some(Value::Array(a)) => !a.is_empty(),
                Some(_) => true,
            };
            if asked {
                return Err(unsupported(key, why));
            }
        }
        let bridge_mode = match string(o, "mode")? {
            Some("ptp") => false,
            Some("bridge") => true,
            None => o.contains_key("bridge"),
            Some(m) => return Err(invalid("mode", &format!("is '{m}', not 'ptp' or 'bridge'"))),
        };
        let mode = if bridge_mode {
            let name = string(o, "bridge")?.unwrap_or("cni0").to_string();
            if !addr::valid_ifname(&name) {
                return Err(invalid(
                    "bridge",
                    &format!("'{name}' is not an interface name"),
                ));
            }
            let is_default_gateway = boolean(o, "isDefaultGateway")?;
            boolean(o, "forceAddress")?;
            Mode::Bridge(BridgeConf {
                name,
                is_gateway: boolean(o, "isGateway")? || is_default_gateway,
                is_default_gateway,
                hairpin: boolean(o, "hairpinMode")?,
            })
        } else {
            if let Some(k) = BRIDGE_KEYS.iter().find(|k| o.contains_key(**k)) {
                return Err(unsupported(
                    k,
                    "a key of bridge mode (\"mode\": \"bridge\")",
                ));
            }
            Mode::Ptp
        };
        let mtu = match integer(o, "mtu")? {
            None | Some(0) => None,
            Some(m) if (68..=65535).contains(&m) => Some(m as u32),
            Some(m) => return Err(invalid("mtu", &format!("is {m}, not 68-65535"))),
        };
        let ipam = match o.get("ipam") {
            Some(Value::Object(i)) => string(i, "type")?.unwrap_or_default().to_string(),
            None | Some(Value::Null) => String::new(),
            Some(_) => return Err(invalid("ipam", "must be an object")),
        };
        if ipam.is_empty() {
            return Err(invalid("ipam", "names no plugin (ipam.type)"));
        }
        if ipam.contains('/') || ipam == "." || ipam == ".." {
            return Err(invalid("ipam.type", "must be a plugin's file name"));
        }
        let dns = match o.get("dns") {
            None | Some(Value::Null) => None,
            Some(Value::Object(d)) => Some(d.clone()).filter(|d| !d.is_empty()),
            Some(_) => return Err(invalid("dns", "must be an object")),
        };
        let prev_result = match o.get("prevResult") {
            None | Some(Value::Null) => None,
            Some(v @ Value::Object(_)) => Some(v.clone()),
            Some(_) => return Err(invalid("prevResult", "must be an object")),
        };
        Ok(NetConf {
            version,
            name,
            mode,
            mtu,
            ip_masq: boolean(o, "ipMasq")?,
            ipam,
            dns,
            prev_result,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> CniResult<NetConf> {
        NetConf::parse(&serde_json::from_str(s).unwrap())
    }

    #[test]
    fn modes_and_defaults() {
        let c = parse(
            r#"{"cniVersion":"1.0.0","name":"n","type":"nsveth","ipam":{"type":"host-local"}}"#,
        )
        .unwrap();
        assert_eq!(c.mode, Mode::Ptp);
        assert_eq!(c.ipam, "host-local");
        let c = parse(r#"{"cniVersion":"1.0.0","name":"n","type":"nsveth","bridge":"br9","isDefaultGateway":true,"ipam":{"type":"static"},"mtu":1400}"#).unwrap();
        let Mode::Bridge(b) = &c.mode else { panic!() };
        assert!(b.is_gateway && b.is_default_gateway && !b.hairpin);
        assert_eq!((b.name.as_str(), c.mtu), ("br9", Some(1400)));
        let c = parse(r#"{"cniVersion":"1.0.0","name":"n","type":"nsveth","mode":"bridge","ipam":{"type":"static"},"vlan":0,"runtimeConfig":{},"args":{}}"#).unwrap();
        let Mode::Bridge(b) = &c.mode else { panic!() };
        assert_eq!(b.name, "cni0");
    }

    #[test]
    fn refusals() {
        let e = |s: &str| parse(s).unwrap_err();
        let base = r#""cniVersion":"1.0.0","name":"n","type":"nsveth""#;
        assert_eq!(e(&format!("{{{base}}}")).code, 7);
        assert_eq!(e(&format!("{{{base},\"ipam\":{{}}}}")).code, 7);
        assert_eq!(
            e(&format!("{{{base},\"ipam\":{{\"type\":\"../x\"}}}}")).code,
            7
        );
        assert_eq!(
            e(&format!(
                "{{{base},\"mtu\":20,\"ipam\":{{\"type\":\"s\"}}}}"
            ))
            .code,
            7
        );
        assert_eq!(
            e(&format!(
                "{{{base},\"mode\":\"x\",\"ipam\":{{\"type\":\"s\"}}}}"
            ))
            .code,
            7
        );
        let u = e(&format!(
            "{{{base},\"mode\":\"ptp\",\"hairpinMode\":true,\"ipam\":{{\"type\":\"s\"}}}}"
        ));
        assert_eq!(u.code, 2);
        assert!(u.msg.contains("hairpinMode"));
        assert_eq!(
            e(&format!(
                "{{{base},\"bridge\":\"b\",\"promiscMode\":true,\"ipam\":{{\"type\":\"s\"}}}}"
            ))
            .code,
            2
        );
        assert_eq!(e("[]").code, 6);
    }
}
