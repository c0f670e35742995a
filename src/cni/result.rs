//! Results: what an IPAM plugin answers (any supported version), and what nsveth answers,
//! shaped for the configuration's version (0.3.x and 0.4.0 name each address's IP version,
//! 1.0.0 does not, 1.1.0 routes may carry a metric, MTU, MSS, table and scope).

use std::net::IpAddr;

use serde_json::{json, Map, Value};

use super::{code, CniError, CniResult};
use crate::addr::Cidr;
use crate::netlink::RouteExtra;

/// An address of the result: `address` (with its prefix), its `gateway`, and the index of its
/// interface in the result's `interfaces`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ip {
    pub addr: Cidr,
    pub gateway: Option<IpAddr>,
    pub interface: Option<usize>,
}

/// A route of the result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteConf {
    pub dst: Cidr,
    pub gw: Option<IpAddr>,
    pub extra: RouteExtra,
}

/// What IPAM gave.
#[derive(Clone, Debug, Default)]
pub struct IpamResult {
    pub ips: Vec<Ip>,
    pub routes: Vec<RouteConf>,
    pub dns: Option<Map<String, Value>>,
}

/// An interface of the result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub mac: Option<[u8; 6]>,
    pub sandbox: Option<String>,
}

/// Whether version `a` is older than `b` (both of the form `X.Y.Z`).
pub fn older(a: &str, b: &str) -> bool {
    let n = |v: &str| -> Vec<u32> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    n(a) < n(b)
}

fn bad(what: impl std::fmt::Display) -> CniError {
    CniError::new(code::DECODE, format!("cannot decode the result: {what}"))
}

fn ip_of(v: &Value, what: &str) -> CniResult<Option<IpAddr>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => s
            .parse()
            .map(Some)
            .map_err(|_| bad(format!("{what} '{s}'"))),
        _ => Err(bad(format!("{what} is not a string"))),
    }
}

fn cidr_of(v: &Value, what: &str) -> CniResult<Cidr> {
    let s = v
        .as_str()
        .ok_or_else(|| bad(format!("{what} is missing")))?;
    Cidr::parse(s).ok_or_else(|| bad(format!("{what} '{s}'")))
}

fn u32_of(v: &Value, what: &str) -> CniResult<Option<u32>> {
    match v {
        Value::Null => Ok(None),
        v => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| bad(format!("{what} is not a number"))),
    }
}

/// The `ips`, `routes` and `dns` of a result of any supported version (a `prevResult`, an IPAM
/// plugin's answer).
pub fn parse_ipam(v: &Value) -> CniResult<IpamResult> {
    let mut r = IpamResult::default();
    for ip in v["ips"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        r.ips.push(Ip {
            addr: cidr_of(&ip["address"], "ips.address")?,
            gateway: ip_of(&ip["gateway"], "ips.gateway")?,
            interface: ip["interface"].as_u64().map(|i| i as usize),
        });
    }
    for rt in v["routes"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let dst = cidr_of(&rt["dst"], "routes.dst")?;
        let scope = u32_of(&rt["scope"], "routes.scope")?;
        r.routes.push(RouteConf {
            dst: dst.network(),
            gw: ip_of(&rt["gw"], "routes.gw")?,
            extra: RouteExtra {
                scope: scope.map(|s| s.min(255) as u8),
                src: None,
                priority: u32_of(&rt["priority"], "routes.priority")?,
                table: u32_of(&rt["table"], "routes.table")?,
                mtu: u32_of(&rt["mtu"], "routes.mtu")?,
                advmss: u32_of(&rt["advmss"], "routes.advmss")?,
            },
        });
    }
    r.dns = v["dns"].as_object().cloned().filter(|d| !d.is_empty());
    Ok(r)
}

/// A MAC address as results write it.
pub fn mac_string(m: &[u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The result of `ADD`, in `version`.
pub fn to_json(
    version: &str,
    interfaces: &[Interface],
    ips: &[Ip],
    routes: &[RouteConf],
    dns: Option<&Map<String, Value>>,
) -> Value {
    let old = older(version, "1.0.0");
    let ifs: Vec<Value> = interfaces
        .iter()
        .map(|i| {
            let mut o = json!({"name": i.name});
            if let Some(m) = &i.mac {
                o["mac"] = mac_string(m).into();
            }
            if let Some(s) = &i.sandbox {
                o["sandbox"] = s.as_str().into();
            }
            o
        })
        .collect();
    let ips: Vec<Value> = ips
        .iter()
        .map(|ip| {
            let mut o = json!({"address": ip.addr.to_string()});
            if old {
                o["version"] = if ip.addr.addr.is_ipv4() { "4" } else { "6" }.into();
            }
            if let Some(g) = ip.gateway {
                o["gateway"] = g.to_string().into();
            }
            if let Some(i) = ip.interface {
                o["interface"] = i.into();
            }
            o
        })
        .collect();
    let new = !older(version, "1.1.0");
    let routes: Vec<Value> = routes
        .iter()
        .map(|r| {
            let mut o = json!({"dst": r.dst.to_string()});
            if let Some(g) = r.gw {
                o["gw"] = g.to_string().into();
            }
            if new {
                let x = &r.extra;
                for (k, v) in [
                    ("mtu", x.mtu),
                    ("advmss", x.advmss),
                    ("priority", x.priority),
                    ("table", x.table),
                    ("scope", x.scope.map(u32::from)),
                ] {
                    if let Some(v) = v {
                        o[k] = v.into();
                    }
                }
            }
            o
        })
        .collect();
    let mut out = json!({"cniVersion": version, "interfaces": ifs, "ips": ips, "dns": {}});
    if !routes.is_empty() {
        out["routes"] = routes.into();
    }
    if let Some(d) = dns {
        out["dns"] = Value::Object(d.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare() {
        assert!(older("0.3.1", "0.4.0") && older("0.4.0", "1.0.0") && !older("1.1.0", "1.0.0"));
        assert!(!older("1.0.0", "1.0.0"));
    }

    #[test]
    fn results_are_shaped_per_version() {
        let ipam: Value = serde_json::from_str(
            r#"{"cniVersion":"1.1.0","ips":[{"address":"10.9.0.2/24","gateway":"10.9.0.1"}],
                "routes":[{"dst":"0.0.0.0/0","priority":5}],"dns":{}}"#,
        )
        .unwrap();
        let r = parse_ipam(&ipam).unwrap();
        let ifs = [Interface {
            name: "eth0".into(),
            mac: Some([2, 0, 0, 0, 0, 1]),
            sandbox: Some("/run/netns/x".into()),
        }];
        let ips = [Ip {
            interface: Some(0),
            ..r.ips[0].clone()
        }];
        let v = to_json("0.4.0", &ifs, &ips, &r.routes, None);
        assert_eq!(v["ips"][0]["version"], "4");
        assert_eq!(v["interfaces"][0]["mac"], "02:00:00:00:00:01");
        assert!(v["routes"][0].get("priority").is_none());
        let v = to_json("1.1.0", &ifs, &ips, &r.routes, None);
        assert!(v["ips"][0].get("version").is_none());
        assert_eq!(v["routes"][0]["priority"], 5);
        assert_eq!(v["dns"], json!({}));
        assert_eq!(
            parse_ipam(&json!({"ips":[{"address":"x"}]}))
                .unwrap_err()
                .code,
            6
        );
    }
}
