//! Property tests of every parser that reads outside input through the library's public API:
//! command-line values (sizes, numbers, signals, id ranges, CIDRs, routes, MACs, interface names,
//! targets, bind specifications, cgroup limits), files (`/etc/subuid`, `/etc/passwd`,
//! `/etc/group`, `/etc/login.defs`, `/proc/PID/cgroup`, mountinfo, `uid_map`, `environ`) and
//! netlink attributes. Each parser takes arbitrary text without panicking; where a printer
//! exists, what it prints parses back to the same value; and what it accepts is described by a
//! property independent of its code. Comparisons with the reference tools (util-linux, shadow,
//! iproute2, the kernel) are in `tests/proptest_reference.rs`; the parsers private to a module
//! are tested inside it.

use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::ffi::OsStringExt;

use proptest::prelude::*;

use nstools::testing::addr::{self, Cidr, Route};
use nstools::testing::cgroup::{self, Limit};
use nstools::testing::idmap::{self, Range};
use nstools::testing::netlink;
use nstools::testing::subid;

/// Any text, control characters and all (arbitrary `String`s, not only printable ones).
fn text() -> impl Strategy<Value = String> {
    any::<String>()
}

/// Text made of the characters a parser of `alphabet` cares about, more often than random text
/// would hit them.
fn text_of(alphabet: &'static str, max: usize) -> impl Strategy<Value = String> {
    let chars: Vec<char> = alphabet.chars().collect();
    proptest::collection::vec(proptest::sample::select(chars), 0..=max)
        .prop_map(|v| v.into_iter().collect())
}

// ---------------------------------------------------------------------------------------------
// Sizes and numbers

const SUFFIXES: &[(&str, u64, u32)] = &[
    ("", 1, 0),
    ("K", 1024, 1),
    ("M", 1024, 2),
    ("G", 1024, 3),
    ("T", 1024, 4),
    ("P", 1024, 5),
    ("E", 1024, 6),
    ("k", 1024, 1),
    ("m", 1024, 2),
    ("KiB", 1024, 1),
    ("MiB", 1024, 2),
    ("GiB", 1024, 3),
    ("KB", 1000, 1),
    ("MB", 1000, 2),
    ("GB", 1000, 3),
    ("TB", 1000, 4),
];

proptest! {
    #[test]
    fn sizes_never_panic(t in text()) {
        let _ = nstools::testing::cli::size(&t);
    }

    #[test]
    fn sizes_of_grammar_text_never_panic(t in text_of("0123456789.KMGTPEZYkmgiB -+x", 24)) {
        let _ = nstools::testing::cli::size(&t);
        let _ = cgroup::parse_size("memory", &t);
    }

    /// An integer with a suffix is the integer times the suffix's power, or nothing when that
    /// does not fit in 64 bits.
    #[test]
    fn sizes_with_suffixes(n in any::<u64>(), s in proptest::sample::select(SUFFIXES)) {
        let (suffix, base, exp) = s;
        let want = base.checked_pow(exp).and_then(|m| n.checked_mul(m));
        prop_assert_eq!(nstools::testing::cli::size(&format!("{n}{suffix}")), want);
    }

    /// A decimal fraction with a suffix: the exact value, rounded down.
    #[test]
    fn sizes_with_fractions(
        int in 0u64..1_000_000,
        frac in "[0-9]{1,9}",
        s in proptest::sample::select(&SUFFIXES[1..]),
    ) {
        let (suffix, base, exp) = s;
        let mult = u128::from(base.pow(exp));
        let scale = 10u128.pow(frac.len() as u32);
        let exact = (u128::from(int) * scale + frac.parse::<u128>().unwrap()) * mult / scale;
        let want = u64::try_from(exact).ok();
        prop_assert_eq!(nstools::testing::cli::size(&format!("{int}.{frac}{suffix}")), want);
        // Without a suffix a fraction of a byte means nothing.
        prop_assert_eq!(nstools::testing::cli::size(&format!("{int}.{frac}")), None);
    }

    /// cgroup sizes are the same numbers, with `max`, and must start with a digit.
    #[test]
    fn cgroup_sizes_follow_cli_sizes(t in text_of("0123456789.KMGkmiB x", 12)) {
        match cgroup::parse_size("memory", &t) {
            Ok(Limit::Max) => prop_assert_eq!(t, "max"),
            Ok(Limit::Value(v)) => {
                prop_assert!(t.starts_with(|c: char| c.is_ascii_digit()));
                prop_assert_eq!(nstools::testing::cli::size(&t), Some(v));
            }
            Err(e) => prop_assert_eq!(e.to_string(), format!("invalid --memory value: '{t}'")),
        }
    }

    /// A number is an optional sign and decimal digits, blanks before allowed, that fits.
    #[test]
    fn numbers_are_decimal_and_whole(t in text_of("0123456789+- x\t", 12)) {
        let u = nstools::testing::cli::number::<u32>(&t, "what");
        let s = t.trim_start();
        let digits = s.strip_prefix('+').unwrap_or(s);
        let want = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse::<u32>().ok())
            .flatten();
        prop_assert_eq!(u.as_ref().ok().copied(), want);
        if let Err(e) = u {
            prop_assert_eq!(e.to_string(), format!("what: '{t}'"));
        }
    }

    #[test]
    fn numbers_round_trip(n in any::<i64>()) {
        prop_assert_eq!(nstools::testing::cli::number::<i64>(&n.to_string(), "x").unwrap(), n);
    }

    #[test]
    fn cgroup_counts_cpus_weights_and_lists(
        t in text_of("0123456789.,-max", 10),
        whole in 0u64..1_000_000,
        frac in "[0-9]{0,5}",
    ) {
        let _ = cgroup::parse_count("pids", &t);
        let _ = cgroup::parse_cpus(&t);
        let _ = cgroup::parse_weight(&t);
        let _ = cgroup::parse_cpuset(&t);
        // CPUs: microseconds per 100 ms period, at least one millisecond.
        let text = if frac.is_empty() { whole.to_string() } else { format!("{whole}.{frac}") };
        let micro = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<5}").parse::<u64>().unwrap()
        };
        let quota = whole * cgroup::CPU_PERIOD + micro;
        let got = cgroup::parse_cpus(&text).ok();
        prop_assert_eq!(got, (quota >= 1000).then_some(Limit::Value(quota)));
    }

    #[test]
    fn cgroup_weights(w in 0u64..20_000) {
        let got = cgroup::parse_weight(&w.to_string()).ok();
        prop_assert_eq!(got, (1..=10000).contains(&w).then_some(w));
    }

    /// A CPU list of numbers and ranges is kept as given; anything else is refused.
    #[test]
    fn cpu_lists(parts in proptest::collection::vec((0u32..64, proptest::option::of(0u32..64)), 1..5)) {
        let list: Vec<String> = parts
            .iter()
            .map(|(a, b)| match b {
                Some(b) => format!("{a}-{b}"),
                None => a.to_string(),
            })
            .collect();
        let text = list.join(",");
        prop_assert_eq!(cgroup::parse_cpuset(&text).unwrap(), text.clone());
        let doubled = format!("{text},,1");
        prop_assert!(cgroup::parse_cpuset(&doubled).is_err());
    }

    /// `--io-max`: a device and at least one known key; each value as its key's kind reads it.
    #[test]
    fn io_max(
        maj in any::<u32>(),
        min in any::<u32>(),
        rbps in proptest::option::of(any::<u32>()),
        wiops in proptest::option::of(any::<u32>()),
        t in text_of("0123456789:,=rwbpsiomax", 20),
    ) {
        let _ = cgroup::parse_io_max(&t);
        let mut text = format!("{maj}:{min}");
        if let Some(r) = rbps {
            text.push_str(&format!(",rbps={r}K"));
        }
        if let Some(w) = wiops {
            text.push_str(&format!(",wiops={w}"));
        }
        let got = cgroup::parse_io_max(&text);
        if rbps.is_none() && wiops.is_none() {
            prop_assert!(got.is_err());
        } else {
            let io = got.unwrap();
            prop_assert_eq!(io.dev, (maj, min));
            prop_assert_eq!(io.rbps, rbps.map(|r| Limit::Value(u64::from(r) * 1024)));
            prop_assert_eq!(io.wiops, wiops.map(|w| Limit::Value(u64::from(w))));
        }
    }

    /// `--set`: a plain file name of a known controller, never one that moves processes.
    #[test]
    fn knob_writes(file in "[a-z_.]{1,20}", value in "[ -~]{0,10}", t in text()) {
        let _ = cgroup::parse_set(&t);
        let spec = format!("{file}={value}");
        match cgroup::parse_set(&spec) {
            Ok((f, v)) => {
                prop_assert_eq!(&f, &file);
                prop_assert_eq!(v, value);
                prop_assert!(f.contains('.') && f != "cgroup.procs" && f != "tasks");
            }
            Err(e) => prop_assert_eq!(e.to_string(), format!("unknown knob '{file}'")),
        }
    }

    #[test]
    fn signal_numbers_round_trip(n in 1i32..=64) {
        let (min, max) = nstools::testing::sys::rt_signal_range();
        let valid = nix::sys::signal::Signal::try_from(n).is_ok() || (min..=max).contains(&n);
        prop_assert_eq!(nstools::testing::cli::signal_number(&n.to_string()), valid.then_some(n));
        if (min..=max).contains(&n) {
            let up = format!("RTMIN+{}", n - min);
            let down = format!("sigrtmax-{}", max - n);
            prop_assert_eq!(nstools::testing::cli::signal_number(&up), Some(n));
            prop_assert_eq!(nstools::testing::cli::signal_number(&down), Some(n));
        }
    }

    #[test]
    fn signals_never_panic(t in text(), g in text_of("SIGRTMINAX+-0123456789kilterm", 12)) {
        let _ = nstools::testing::cli::signal_number(&t);
        let _ = nstools::testing::cli::signal(&t);
        let _ = nstools::testing::cli::signal_number(&g);
    }
}

#[test]
fn signal_names_round_trip() {
    for sig in nix::sys::signal::Signal::iterator() {
        let name = sig.as_str();
        for spelling in [
            name.to_string(),
            name.to_ascii_lowercase(),
            name.trim_start_matches("SIG").to_string(),
        ] {
            assert_eq!(
                nstools::testing::cli::signal_number(&spelling),
                Some(sig as i32),
                "{spelling}"
            );
            assert_eq!(
                nstools::testing::cli::signal(&spelling),
                Some(sig),
                "{spelling}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Id ranges, maps, /etc/subuid, /etc/login.defs

fn range() -> impl Strategy<Value = Range> {
    (any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(i, o, c)| Range::new(i, o, c))
}

/// Ranges the kernel takes: non-empty, below 2^32-1 on both sides.
fn small_range() -> impl Strategy<Value = Range> {
    (0u32..200_000, 0u32..200_000, 1u32..70_000).prop_map(|(i, o, c)| Range::new(i, o, c))
}

/// Whether `ranges` meet the kernel's rules, checked the slow way.
fn kernel_would_take(ranges: &[Range]) -> bool {
    let overlap = |a: u32, b: u32, ca: u32, cb: u32| {
        let (a, b) = (u64::from(a), u64::from(b));
        a < b + u64::from(cb) && b < a + u64::from(ca)
    };
    let fits = |s: u32, c: u32| u64::from(s) + u64::from(c) <= u64::from(u32::MAX);
    ranges.len() <= idmap::MAX_LINES
        && idmap::render(ranges).len() < 4096
        && ranges.iter().enumerate().all(|(i, r)| {
            r.count > 0
                && fits(r.inner, r.count)
                && fits(r.outer, r.count)
                && ranges[..i].iter().all(|o| {
                    !overlap(r.inner, o.inner, r.count, o.count)
                        && !overlap(r.outer, o.outer, r.count, o.count)
                })
        })
}

proptest! {
    #[test]
    fn id_ranges_round_trip(r in range()) {
        prop_assert_eq!(Range::parse(&r.to_string()).unwrap(), r);
        // util-linux's other spelling: OUTER,INNER,COUNT.
        let alt = format!("{},{},{}", r.outer, r.inner, r.count);
        prop_assert_eq!(Range::parse(&alt).unwrap(), r);
    }

    #[test]
    fn id_ranges_are_three_decimal_numbers(t in text_of("0123456789:,+- x", 20)) {
        let got = Range::parse(&t);
        let sep = if t.contains(':') { ':' } else { ',' };
        let parts: Vec<&str> = t.split(sep).collect();
        let numbers = parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u32>().is_ok());
        prop_assert_eq!(got.is_ok(), numbers, "{:?}", t);
        if let Err(e) = got {
            prop_assert!(e.to_string().starts_with("invalid mapping '"));
        }
    }

    #[test]
    fn id_ranges_never_panic(t in text()) {
        let _ = Range::parse(&t);
        let _ = idmap::parse_kernel_map(&t);
        let _ = idmap::Setgroups::parse(&t);
    }

    /// What the kernel prints (padded columns) and what we write read back the same.
    #[test]
    fn kernel_maps_round_trip(rs in proptest::collection::vec(range(), 0..20)) {
        prop_assert_eq!(idmap::parse_kernel_map(&idmap::render(&rs)), rs.clone());
        let padded: String = rs
            .iter()
            .map(|r| format!("{:>10} {:>10} {:>10}\n", r.inner, r.outer, r.count))
            .collect();
        prop_assert_eq!(idmap::parse_kernel_map(&padded), rs);
    }

    /// Validation accepts exactly what the kernel's rules allow.
    #[test]
    fn validation_is_the_kernels_rules(rs in proptest::collection::vec(
        prop_oneof![small_range(), range()], 0..6)
    ) {
        prop_assert_eq!(idmap::validate(&rs).is_ok(), kernel_would_take(&rs), "{:?}", rs);
    }

    /// The single mapping of the caller carved out of a range: nothing overlaps, one id is
    /// given up where they share one, and every other pair lies in the range on both sides.
    #[test]
    fn single_mapping_carves_a_valid_map(r in small_range(), outer in 0u32..300_000, inner in 0u32..300_000) {
        let out = idmap::with_single(&[r.into()], outer, Some(inner));
        prop_assert!(idmap::validate(&out).is_ok(), "{:?} -> {:?}", r, out);
        prop_assert_eq!(out[0], Range::new(inner, outer, 1));
        let shares = (r.outer..r.outer.saturating_add(r.count)).contains(&outer)
            || (r.inner..r.inner.saturating_add(r.count)).contains(&inner);
        let total: u64 = out[1..].iter().map(|x| u64::from(x.count)).sum();
        prop_assert_eq!(total, u64::from(r.count) - u64::from(shares));
        for x in &out[1..] {
            prop_assert!(x.inner >= r.inner && x.inner + x.count <= r.inner + r.count);
            prop_assert!(x.outer >= r.outer && x.outer + x.count <= r.outer + r.count);
        }
    }
}

/// An /etc/subuid line: an owner (the user's name, uid, another's, or junk) and fields that are
/// numbers of any size and spelling (octal, hexadecimal, signed, blanks before or after), or
/// junk, and maybe a field more.
pub fn subid_line() -> impl Strategy<Value = String> {
    let owner = prop_oneof![
        Just("alice".to_string()),
        Just("1000".to_string()),
        Just("01000".to_string()),
        Just("+1000".to_string()),
        Just(" alice".to_string()),
        Just("bob".to_string()),
        Just(String::new()),
        "[a-z0-9#]{0,4}",
    ];
    let number = prop_oneof![
        (0u64..200_000).prop_map(|n| n.to_string()),
        any::<u32>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (0u64..100_000).prop_map(|n| format!("0{n:o}")),
        any::<u32>().prop_map(|n| format!("0x{n:x}")),
        (0u64..100).prop_map(|n| format!("-{n}")),
        (0u64..100).prop_map(|n| format!("+{n}")),
        (0u64..100).prop_map(|n| format!(" {n}")),
        (0u64..100).prop_map(|n| format!("{n} ")),
        Just("99999999999999999999".to_string()),
        "[0-9+-x ]{0,6}",
    ];
    let extra = prop_oneof![
        Just(String::new()),
        Just(":x".to_string()),
        Just(":".to_string())
    ];
    (owner, number.clone(), number, extra).prop_map(|(o, s, c, x)| format!("{o}:{s}:{c}{x}"))
}

/// What shadow 4.13 grants of one line to `name`/`uid`, from its C code's own steps: fields by
/// `strsep`, numbers by `strtoul(.., 0)` read to their end, the owner by name or the uid
/// printed with `%lu`, and the ids `start ..= start + count - 1` in 64-bit arithmetic, cut at
/// 4294967294 (the last id a map may hold).
pub fn shadow_grant(line: &str, name: &str, uid: u32) -> Option<subid::SubId> {
    let f: Vec<&str> = line.split(':').collect();
    if f.len() < 3 || f[..3].iter().any(|x| x.is_empty()) {
        return None;
    }
    if f[0] != name && f[0] != uid.to_string() {
        return None;
    }
    let strtoul = |s: &str| -> Option<u64> {
        let c = std::ffi::CString::new(s).ok()?;
        let mut end: *mut libc::c_char = std::ptr::null_mut();
        // SAFETY: `c` is NUL-terminated and outlives the call; errno is the C library's.
        unsafe {
            *libc::__errno_location() = 0;
            let v = libc::strtoul(c.as_ptr(), &mut end, 0);
            (*end == 0 && *libc::__errno_location() != libc::ERANGE).then_some(v as u64)
        }
    };
    let (start, count) = (strtoul(f[1])?, strtoul(f[2])?);
    let last = start.checked_add(count.checked_sub(1)?)?;
    let last = last.min(u64::from(u32::MAX) - 1);
    (start <= last).then(|| subid::SubId {
        start: start as u32,
        count: (last - start + 1) as u32,
    })
}

proptest! {
    /// Each line of alice's (uid 1000) grants what shadow grants of it, in file order.
    #[test]
    fn subid_lines(lines in proptest::collection::vec(subid_line(), 0..8)) {
        let text = lines.join("\n");
        let got = subid::parse_subids(&text, "alice", 1000);
        let want: Vec<subid::SubId> = lines.iter().filter_map(|l| shadow_grant(l, "alice", 1000)).collect();
        prop_assert_eq!(got, want, "{:?}", lines);
    }

    #[test]
    fn subid_files_never_panic(t in text(), name in text(), uid in any::<u32>()) {
        let _ = subid::parse_subids(&t, &name, uid);
    }

    /// A range is covered by subordinate lines exactly when each of its ids is in one.
    #[test]
    fn coverage_is_per_id(
        lines in proptest::collection::vec((0u32..60, 0u32..20), 0..5),
        start in 0u32..80,
        count in 0u32..30,
    ) {
        let subs: Vec<subid::SubId> = lines
            .iter()
            .map(|(s, c)| subid::SubId { start: *s, count: *c })
            .collect();
        let each = (start..start + count).all(|id| subs.iter().any(|l| id >= l.start && id - l.start < l.count));
        prop_assert_eq!(nstools::testing::subid::covered(&subs, start, count), each);
    }

    /// login.defs: the last line naming the flag decides, `yes` in any case (quoted or not)
    /// is true; comment lines and other names do not count.
    #[test]
    fn login_defs_flags(
        before in proptest::collection::vec("[ -~]{0,30}", 0..5),
        value in prop_oneof![Just("yes"), Just("YES"), Just("\"yes\""), Just("no"), Just("y"), Just("")],
        blanks in "[ \t]{1,3}",
        after_comment in proptest::bool::ANY,
    ) {
        let mut text = before.join("\n");
        text.push_str(&format!("\nGRANT_AUX_GROUP_SUBIDS{blanks}{value}\n"));
        if after_comment {
            text.push_str("# GRANT_AUX_GROUP_SUBIDS no\nOTHER no\n");
        }
        let want = value.trim_matches('"').eq_ignore_ascii_case("yes");
        prop_assert_eq!(nstools::testing::subid::login_defs_flag(&text, "GRANT_AUX_GROUP_SUBIDS"), want);
    }

    #[test]
    fn login_defs_never_panic(t in text()) {
        let _ = nstools::testing::subid::login_defs_flag(&t, "GRANT_AUX_GROUP_SUBIDS");
    }
}

// ---------------------------------------------------------------------------------------------
// /etc/passwd and /etc/group

/// A passwd entry: name, uid, gid.
fn entry() -> impl Strategy<Value = (String, u32, u32)> {
    ("[a-z_][a-z0-9_-]{0,10}", any::<u32>(), any::<u32>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every well-formed entry is found by name and by id (the first of an id wins), among
    /// comments, blank and broken lines; numeric names are ids.
    #[test]
    fn passwd_and_group_lookups(
        entries in proptest::collection::vec(entry(), 1..6),
        junk in proptest::collection::vec("[ -~]{0,20}", 0..4),
    ) {
        let dir = tempdir("passwd");
        let mut passwd = String::new();
        let mut group = String::new();
        for (j, (name, uid, gid)) in entries.iter().enumerate() {
            if let Some(l) = junk.get(j) {
                passwd.push_str(&format!("#{l}\n{l}\n"));
                group.push_str(&format!("#{l}\n"));
            }
            passwd.push_str(&format!("{name}:x:{uid}:{gid}:gecos:/home:/bin/sh\n"));
            group.push_str(&format!("{name}:x:{gid}:a,b\n"));
        }
        std::fs::write(dir.join("passwd"), &passwd).unwrap();
        std::fs::write(dir.join("group"), &group).unwrap();
        for (name, uid, gid) in &entries {
            let first_named = entries.iter().find(|e| &e.0 == name).unwrap();
            let u = nstools::testing::users::user_by_name(&dir, name).unwrap().unwrap();
            prop_assert_eq!((u.id, u.gid), (first_named.1, first_named.2));
            prop_assert_eq!(nstools::testing::users::uid(&dir, name).unwrap(), first_named.1);
            prop_assert_eq!(nstools::testing::users::gid(&dir, name).unwrap(), first_named.2);
            let first_id = entries.iter().find(|e| e.1 == *uid).unwrap();
            let by_id = nstools::testing::users::user_by_id(&dir, *uid).unwrap().unwrap();
            prop_assert_eq!(&by_id.name, &first_id.0);
            prop_assert_eq!(nstools::testing::users::uid(&dir, &uid.to_string()).unwrap(), *uid);
            prop_assert_eq!(nstools::testing::users::gid(&dir, &gid.to_string()).unwrap(), *gid);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn passwd_files_never_panic(passwd in text(), group in text(), name in text()) {
        let dir = tempdir("junk");
        std::fs::write(dir.join("passwd"), passwd).unwrap();
        std::fs::write(dir.join("group"), group).unwrap();
        let _ = nstools::testing::users::user_by_name(&dir, &name);
        let _ = nstools::testing::users::user_by_id(&dir, 0);
        let _ = nstools::testing::users::uid(&dir, &name);
        let _ = nstools::testing::users::gid(&dir, &name);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A fresh directory for one case (proptest runs cases one after the other in one thread).
fn tempdir(tag: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("nstools-prop-{tag}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

// ---------------------------------------------------------------------------------------------
// Addresses, routes, MACs, interface names, netlink attributes

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<u32>().prop_map(|v| IpAddr::V4(Ipv4Addr::from(v))),
        any::<u128>().prop_map(|v| IpAddr::V6(Ipv6Addr::from(v))),
    ]
}

fn max_prefix(a: IpAddr) -> u8 {
    if a.is_ipv4() {
        32
    } else {
        128
    }
}

/// `a` with the bits after `prefix` cleared: a network.
fn network(a: IpAddr, prefix: u8) -> IpAddr {
    match a {
        IpAddr::V4(v) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(v) & mask))
        }
        IpAddr::V6(v) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v) & mask))
        }
    }
}

proptest! {
    #[test]
    fn cidrs_round_trip(a in ip(), p in 0u8..=128) {
        let got = Cidr::parse(&format!("{a}/{p}"));
        if p <= max_prefix(a) {
            let c = got.unwrap();
            prop_assert_eq!((c.addr, c.prefix), (a, p));
            prop_assert_eq!(Cidr::parse(&c.to_string()), Some(c));
        } else {
            prop_assert_eq!(got, None);
        }
        // A bare address is a host.
        prop_assert_eq!(Cidr::parse(&a.to_string()).unwrap().prefix, max_prefix(a));
    }

    #[test]
    fn cidrs_never_panic(t in text(), g in text_of("0123456789abcdef.:/%", 40)) {
        let _ = Cidr::parse(&t);
        let _ = Cidr::parse(&g);
        let _ = Route::parse(&t);
        let _ = Route::parse(&g);
        let _ = Route::parse(&format!("{g},via={g}"));
    }

    /// A route is a network (or `default`) and maybe a gateway of its family; what it prints
    /// (`DEST via GW`) is what `ip route` prints, and its parts parse back.
    #[test]
    fn routes_round_trip(a in ip(), p in 0u8..=128, gw in proptest::option::of(ip()), default in proptest::bool::ANY) {
        let p = p.min(max_prefix(a));
        let dst = Cidr { addr: network(a, p), prefix: p };
        let dest = if default { "default".to_string() } else { dst.to_string() };
        let text = match gw {
            Some(g) => format!("{dest},via={g}"),
            None => dest.clone(),
        };
        let got = Route::parse(&text);
        let family_ok = gw.is_none_or(|g| g.is_ipv4() == a.is_ipv4());
        match (default, gw) {
            // `default` needs a gateway to know its family.
            (true, None) => prop_assert_eq!(got, None),
            (true, Some(g)) => {
                let r = got.unwrap();
                prop_assert_eq!(r.dst, Cidr::default_of(g));
                prop_assert_eq!(r.to_string(), format!("default via {g}"));
            }
            (false, _) if !family_ok => prop_assert_eq!(got, None),
            (false, _) => {
                let r = got.unwrap();
                prop_assert_eq!(r.dst, dst);
                prop_assert_eq!(r.via, gw);
                let shown = match gw {
                    Some(g) if p == 0 => format!("default via {g}"),
                    Some(g) => format!("{dst} via {g}"),
                    None if p == 0 => "default".to_string(),
                    None => dst.to_string(),
                };
                prop_assert_eq!(r.to_string(), shown);
            }
        }
        // Host bits set: not a network, not a route.
        if network(a, p) != a {
            prop_assert_eq!(Route::parse(&format!("{a}/{p}")), None);
        }
    }

    #[test]
    fn macs_round_trip(mac in any::<[u8; 6]>(), upper in proptest::bool::ANY) {
        let text: Vec<String> = mac
            .iter()
            .map(|b| if upper { format!("{b:02X}") } else { format!("{b:02x}") })
            .collect();
        let unicast = mac[0] & 1 == 0 && mac != [0; 6];
        prop_assert_eq!(addr::parse_mac(&text.join(":")), unicast.then_some(mac));
        // One digit per byte, or another separator: not this syntax.
        prop_assert_eq!(addr::parse_mac(&text.join("-")), None);
    }

    #[test]
    fn macs_never_panic(t in text(), g in text_of("0123456789abcdefABCDEF:", 20)) {
        let _ = addr::parse_mac(&t);
        let _ = addr::parse_mac(&g);
    }

    /// An interface name as the kernel's `dev_valid_name` takes it.
    #[test]
    fn interface_names(t in prop_oneof![text(), text_of("ab.:/ \t\n\0-_0", 17)]) {
        let want = !t.is_empty()
            && t.len() <= 15
            && t != "."
            && t != ".."
            && !t.chars().any(|c| c == '/' || c == ':' || c == '\0' || c.is_ascii_whitespace());
        prop_assert_eq!(addr::valid_ifname(&t), want, "{:?}", t);
    }

    /// Attributes of any bytes: never past the buffer, each whole and aligned.
    #[test]
    fn netlink_attributes_never_overrun(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut at = 0usize;
        for (_, payload) in netlink::attrs(&bytes) {
            prop_assert!(payload.len() <= bytes.len());
            at += 4 + payload.len();
        }
        prop_assert!(at <= bytes.len());
    }

    /// Attributes built one after the other read back in order.
    #[test]
    fn netlink_attributes_round_trip(items in proptest::collection::vec(
        (1u16..0x3fff, proptest::collection::vec(any::<u8>(), 0..40)), 0..8)
    ) {
        let mut buf = Vec::new();
        for (ty, data) in &items {
            buf.extend_from_slice(&((4 + data.len()) as u16).to_ne_bytes());
            buf.extend_from_slice(&ty.to_ne_bytes());
            buf.extend_from_slice(data);
            buf.resize(buf.len().div_ceil(4) * 4, 0);
        }
        let got: Vec<(u16, Vec<u8>)> = netlink::attrs(&buf).map(|(t, d)| (t, d.to_vec())).collect();
        prop_assert_eq!(got, items);
    }
}

// ---------------------------------------------------------------------------------------------
// Targets, bind specifications, propagation, marks, environ

proptest! {
    #[test]
    fn pids_and_inodes(pid in 1i32..=i32::MAX, ino in proptest::option::of(any::<u64>()), t in text()) {
        let text = match ino {
            Some(i) => format!("{pid}:{i}"),
            None => pid.to_string(),
        };
        let (p, i) = nstools::testing::procdir::parse_pid(&text).unwrap();
        prop_assert_eq!((p.as_raw(), i), (pid, ino));
        // nsenter's --target refuses the inode 0 (none is 0).
        prop_assert_eq!(nstools::testing::target::parse_pid_spec(&text).is_ok(), ino != Some(0));
        let _ = nstools::testing::procdir::parse_pid(&t);
        let _ = nstools::testing::target::parse_pid_spec(&t);
    }

    #[test]
    fn pids_are_digits(t in text_of("0123456789:+- x", 14)) {
        let ok = nstools::testing::procdir::parse_pid(&t).is_ok();
        let (p, i) = t.split_once(':').map_or((t.as_str(), None), |(p, i)| (p, Some(i)));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let want = digits(p)
            && p.parse::<i32>().is_ok_and(|n| n > 0)
            && i.is_none_or(|i| digits(i) && i.parse::<u64>().is_ok());
        prop_assert_eq!(ok, want, "{:?}", t);
    }

    /// nsveth's targets: a pid (with its pidfd inode), a path, or a name in /run/netns.
    #[test]
    fn veth_targets(t in prop_oneof![text(), text_of("0123456789:/.ab", 12)]) {
        use nstools::testing::veth::TargetSpec;
        match TargetSpec::parse(&t) {
            Some(TargetSpec::Pid { pid, ino }) => {
                prop_assert_eq!(nstools::testing::procdir::parse_pid(&t).unwrap(), (nix::unistd::Pid::from_raw(pid), ino));
            }
            Some(TargetSpec::Path(p)) => {
                prop_assert!(p.contains('/'));
                prop_assert!(nstools::testing::procdir::parse_pid(&t).is_err());
            }
            Some(TargetSpec::Name(n)) => {
                prop_assert!(!n.is_empty() && n != "." && n != ".." && !n.contains('/') && !n.contains(':'));
            }
            None => prop_assert!(nstools::testing::procdir::parse_pid(&t).is_err()),
        }
    }

    /// `SRC:DST`: the last colon splits, both sides non-empty.
    #[test]
    fn bind_specs(src in "[ -~]{1,20}", dst in "[ -9;-~]{1,20}", ro in proptest::bool::ANY) {
        let b = nstools::testing::rootfs::Bind::parse(&format!("{src}:{dst}"), ro).unwrap();
        prop_assert_eq!((b.src.to_str().unwrap(), b.dst.to_str().unwrap(), b.ro), (src.as_str(), dst.as_str(), ro));
        let no_dst = format!("{src}:");
        prop_assert!(nstools::testing::rootfs::Bind::parse(&no_dst, ro).is_err());
    }

    #[test]
    fn propagation_and_setgroups_words(t in text()) {
        let words = ["private", "shared", "slave", "unchanged"];
        prop_assert_eq!(nstools::testing::mount::parse_propagation(&t).is_ok(), words.contains(&t.as_str()));
        prop_assert_eq!(idmap::Setgroups::parse(&t).is_ok(), t == "allow" || t == "deny");
    }

    /// The unfinished mark of a link reads back to the same mark.
    #[test]
    fn link_marks_round_trip(ns in any::<u64>(), pid in 1i32..=i32::MAX, ino in any::<u64>(), t in text()) {
        let mark = format!("nstools:unfinished:{ns}:{pid}:{ino}");
        prop_assert_eq!(nstools::testing::linkmark::Maker::parse(&mark).unwrap().mark(), mark);
        let _ = nstools::testing::linkmark::Maker::parse(&t);
        prop_assert!(!nstools::testing::linkmark::is_leftover(Some(&t)) || t.starts_with("nstools:unfinished:"));
    }

    /// `/proc/PID/environ`: NAME=VALUE entries, NUL-separated, read back in order.
    #[test]
    fn environ_round_trip(
        vars in proptest::collection::vec(("[A-Za-z_][A-Za-z0-9_]{0,8}", proptest::collection::vec(1u8..=255, 0..20)), 0..8),
        junk in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut image = Vec::new();
        for (name, value) in &vars {
            image.extend_from_slice(name.as_bytes());
            image.push(b'=');
            image.extend_from_slice(value);
            image.push(0);
        }
        let got = nstools::testing::target::parse_environ(&image);
        let want: Vec<(OsString, OsString)> = vars
            .iter()
            .map(|(n, v)| (OsString::from(n), OsString::from_vec(v.clone())))
            .collect();
        prop_assert_eq!(got, want);
        let _ = nstools::testing::target::parse_environ(&junk);
    }

    /// JSON strings: quotes, backslashes and control characters escaped, the rest as is.
    #[test]
    fn json_strings_are_escaped(t in text()) {
        let j = nstools::testing::json::string(&t);
        prop_assert!(j.starts_with('"') && j.ends_with('"') && j.len() >= 2);
        let inner = &j[1..j.len() - 1];
        prop_assert!(!inner.chars().any(|c| (c as u32) < 0x20));
        // Unescaping gives the text back.
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                prop_assert_ne!(c, '"');
                out.push(c);
                continue;
            }
            match chars.next().unwrap() {
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                }
                e => out.push(e),
            }
        }
        prop_assert_eq!(out, t);
    }

    /// What a message echoes of a value: all of a short one, a bounded start of a long one.
    #[test]
    fn echoes_are_bounded(t in text()) {
        let q = nstools::testing::error::quoted(&t);
        prop_assert!(q.len() <= 64 + 40, "{}", q.len());
        if t.len() <= 64 {
            prop_assert_eq!(q, format!("'{t}'"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// /proc/PID/cgroup and mountinfo

/// A cgroup path as the kernel prints it: `/` then names (which may hold `:` and blanks).
fn cgroup_path() -> impl Strategy<Value = String> {
    proptest::collection::vec("[a-z0-9:. _-]{1,8}", 0..4).prop_map(|v| format!("/{}", v.join("/")))
}

/// What the kernel escapes in mountinfo fields: space, tab, newline, backslash as `\ooo`.
fn escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            ' ' | '\t' | '\n' | '\\' => out.push_str(&format!("\\{:03o}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

proptest! {
    #[test]
    fn proc_cgroup_lines_round_trip(lines in proptest::collection::vec(
        ("[0-9]{1,2}", prop_oneof![Just(String::new()), "[a-z_]{1,8}(,[a-z_]{1,8}){0,2}", Just("name=systemd".to_string())], cgroup_path()), 0..8)
    ) {
        let text: String = lines.iter().map(|(h, c, p)| format!("{h}:{c}:{p}\n")).collect();
        let got = cgroup::parse_cgroup_file(&text);
        prop_assert_eq!(got.len(), lines.len());
        for (g, (h, c, p)) in got.iter().zip(&lines) {
            prop_assert_eq!((&g.hierarchy, &g.controllers, &g.path), (h, c, p));
        }
        let own = cgroup::SelfCgroup::parse(&text);
        for (_, c, p) in &lines {
            if let Some(first) = c.split(',').next().filter(|s| !s.is_empty()) {
                // The first line naming a controller gives its path.
                let want = lines.iter().find(|l| l.1.split(',').any(|x| x == first)).unwrap();
                prop_assert_eq!(own.path(first), Some(want.2.as_str()));
                let _ = p;
            }
        }
    }

    #[test]
    fn proc_cgroup_and_mountinfo_never_panic(t in text(), g in text_of("0123456789:/- ,\\abc\n", 80)) {
        let _ = cgroup::parse_cgroup_file(&t);
        let _ = cgroup::parse_cgroup_mounts(&t);
        let _ = cgroup::parse_cgroup_mounts(&g);
        let lines = cgroup::parse_cgroup_file(&g);
        let mounts = cgroup::parse_cgroup_mounts(&g);
        for l in &lines {
            let _ = cgroup::cgroup_procs_path(&mounts, l);
        }
    }

    /// mountinfo lines of cgroup mounts, their mount points and roots escaped as the kernel
    /// escapes them: read back unescaped, other filesystems left out.
    #[test]
    fn mountinfo_round_trip(mounts in proptest::collection::vec(
        ("/[a-z \t\\\\]{1,10}", "/[a-z ]{0,6}", prop_oneof![Just("cgroup"), Just("cgroup2"), Just("tmpfs")], "[a-z]{1,6}"), 0..6)
    ) {
        let text: String = mounts
            .iter()
            .enumerate()
            .map(|(i, (point, root, fs, opt))| {
                format!("{} 1 0:{i} {} {} rw,relatime shared:1 - {fs} {fs} rw,{opt}\n", 30 + i, escape(root), escape(point))
            })
            .collect();
        let got = cgroup::parse_cgroup_mounts(&text);
        let want: Vec<_> = mounts.iter().filter(|m| m.2 != "tmpfs").collect();
        prop_assert_eq!(got.len(), want.len());
        for (g, (point, root, fs, opt)) in got.iter().zip(want) {
            prop_assert_eq!(&g.point, point);
            prop_assert_eq!(&g.root, root);
            prop_assert_eq!(g.v2, *fs == "cgroup2");
            prop_assert_eq!(g.options.clone(), vec!["rw".to_string(), opt.clone()]);
        }
    }

    /// The cgroup.procs of a cgroup is below its hierarchy's mount, the mount's own root taken
    /// off the path.
    #[test]
    fn cgroup_procs_paths(root in cgroup_path(), rest in cgroup_path(), other in cgroup_path()) {
        let mountinfo = format!("35 31 0:32 {} /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", escape(&root));
        let mounts = cgroup::parse_cgroup_mounts(&mountinfo);
        let path = if root == "/" { rest.clone() } else if rest == "/" { root.clone() } else { format!("{root}{rest}") };
        let line = cgroup::parse_cgroup_file(&format!("4:memory:{path}"))[0].clone();
        let got = cgroup::cgroup_procs_path(&mounts, &line).unwrap();
        let rel = rest.trim_start_matches('/');
        let want = if rel.is_empty() {
            "/sys/fs/cgroup/memory/cgroup.procs".to_string()
        } else {
            format!("/sys/fs/cgroup/memory/{rel}/cgroup.procs")
        };
        prop_assert_eq!(got, want);
        // A cgroup outside the mount's root is not reachable there.
        if root != "/" && !other.starts_with(&format!("{root}/")) && other != root {
            let outside = cgroup::parse_cgroup_file(&format!("4:memory:{other}"))[0].clone();
            prop_assert_eq!(cgroup::cgroup_procs_path(&mounts, &outside), None);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Against the reference tools: a sample of generated inputs through util-linux, shadow,
// iproute2 and the kernel, each in a namespace of its own so the host is not touched (these
// need root, and fail under CI without it).

mod common;

/// `n` values drawn from `strategy`.
fn sample<S: Strategy>(strategy: S, n: usize) -> Vec<S::Value> {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::default();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

/// Run `script` with `args` as `$1...` under util-linux `unshare FLAGS`; its stdout.
fn in_namespaces(flags: &str, script: &str, args: &[String]) -> String {
    let r = common::run(
        std::process::Command::new("unshare")
            .arg(flags)
            .args(["sh", "-c", script, "sh"])
            .args(args),
    );
    assert_eq!(r.code, Some(0), "{script}: {}", r.stderr);
    r.stdout
}

/// shadow's own reading of /etc/subuid (libsubid, through `getsubids`) against ours, on files of
/// generated lines, in a private mount namespace with a private /etc.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn subuid_files_read_as_shadow_reads_them() {
    if !common::root() {
        return;
    }
    let etc = common::FakeEtc::new();
    etc.add_user("alice", 1000);
    let cases = etc.path().join("nstools-cases");
    std::fs::create_dir(&cases).unwrap();
    let files: Vec<String> = sample(proptest::collection::vec(subid_line(), 1..8), 64)
        .into_iter()
        .map(|lines| lines.join("\n") + "\n")
        .collect();
    for (i, f) in files.iter().enumerate() {
        std::fs::write(cases.join(i.to_string()), f).unwrap();
    }
    let script = format!(
        "for i in $(seq 0 {}); do cp /etc/nstools-cases/$i /etc/subuid; echo \"== $i\"; \
         getsubids alice 2>/dev/null; done; true",
        files.len() - 1
    );
    let r = common::run(&mut etc.command(&["sh", "-c", &script]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let mut theirs: Vec<Vec<(u64, u64)>> = vec![Vec::new(); files.len()];
    let mut at = 0;
    for l in r.stdout.lines() {
        if let Some(i) = l.strip_prefix("== ") {
            at = i.parse().unwrap();
        } else {
            // `N: alice START COUNT`
            let w: Vec<&str> = l.split_whitespace().collect();
            theirs[at].push((w[2].parse().unwrap(), w[3].parse().unwrap()));
        }
    }
    for (f, shadow) in files.iter().zip(theirs) {
        // What shadow grants of the lines it reads as alice's.
        let granted: Vec<subid::SubId> = shadow
            .iter()
            .filter_map(|(s, c)| shadow_grant(&format!("alice:{s}:{c}"), "alice", 1000))
            .collect();
        assert_eq!(subid::parse_subids(f, "alice", 1000), granted, "{f:?}");
    }
}

/// util-linux's size parser (`strtosize`, through `ipcmk -M`, whose segment shows its size)
/// against ours, in a private IPC namespace: the same sizes accepted, with the same value
/// (fractions apart, which util-linux 2.38 reads inexactly).
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn sizes_read_as_util_linux_reads_them() {
    if !common::root() {
        return;
    }
    let size = prop_oneof![
        (1u64..100_000, proptest::sample::select(SUFFIXES))
            .prop_map(|(n, s)| format!("{n}{}", s.0)),
        (1u64..100_000, proptest::sample::select(SUFFIXES))
            .prop_map(|(n, s)| format!("0{n:o}{}", s.0)),
        (1u64..100_000, proptest::sample::select(SUFFIXES))
            .prop_map(|(n, s)| format!("0x{n:x}{}", s.0)),
        (
            1u64..1000,
            "[0-9]{1,3}",
            proptest::sample::select(&SUFFIXES[1..])
        )
            .prop_map(|(n, f, s)| format!("{n}.{f}{}", s.0)),
        text_of("0123456789.KMGkiBbx +", 6),
    ];
    let inputs: Vec<String> = sample(size, 120)
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    let script = "for s in \"$@\"; do echo \"== $s\"; ipcmk -M \"$s\" 2>&1; done; ipcs -m -b";
    let out = in_namespaces("-i", script, &inputs);
    // `ipcs -m -b`: key shmid owner perms bytes ...; `ipcmk` said `Shared memory id: N`.
    let sizes: std::collections::BTreeMap<String, u64> = out
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w.len() >= 5 && w[0].starts_with("0x"))
                .then(|| (w[1].to_string(), w[4].parse().unwrap()))
        })
        .collect();
    let mut current = String::new();
    for l in out.lines() {
        if let Some(s) = l.strip_prefix("== ") {
            current = s.to_string();
            continue;
        }
        if !inputs.contains(&current) {
            continue;
        }
        let ours = nstools::testing::cli::size(&current);
        if let Some(id) = l.strip_prefix("Shared memory id: ") {
            let theirs = sizes[id.trim()];
            if current.contains('.') {
                // util-linux 2.38 reads fractions inexactly (1.7K is 2048, 2.25M one byte
                // short): only that it reads one is compared; ours are exact (see
                // `sizes_with_fractions`).
                assert!(
                    ours.is_some(),
                    "{current}: util-linux {theirs}, we refuse it"
                );
            } else {
                assert_eq!(ours, Some(theirs), "{current}: util-linux {theirs}");
            }
        } else if l.contains("failed to parse size") {
            // util-linux refuses: so do we, except where we read more than it does (none yet).
            assert_eq!(
                ours, None,
                "{current}: util-linux refuses it, we read {ours:?}"
            );
        }
        // Other failures (a size the kernel refuses) say nothing of the parser.
    }
}

/// iproute2's address syntax (and the kernel) against ours: an address we accept is one `ip`
/// accepts as the same address and prefix; one `ip` refuses, we refuse. `ip` is laxer in a
/// few spellings we refuse on purpose (listed in `LAXER`).
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn addresses_read_as_iproute2_reads_them() {
    if !common::root() {
        return;
    }
    let cidr = prop_oneof![
        (any::<[u8; 4]>(), 0u8..=34)
            .prop_map(|(a, p)| format!("{}.{}.{}.{}/{p}", a[0], a[1], a[2], a[3])),
        (any::<[u8; 4]>()).prop_map(|a| format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])),
        (any::<u128>(), 0u8..=130).prop_map(|(a, p)| format!("{}/{p}", Ipv6Addr::from(a))),
        text_of("0123456789./:abcdef", 18),
    ];
    // Addresses on lo of a namespace of our own: loopback and multicast ones the kernel may
    // treat specially, so keep to what a veth end would get.
    let inputs: Vec<String> = sample(cidr, 150)
        .into_iter()
        .filter(|s| !s.is_empty() && !s.contains(' '))
        .collect();
    let script =
        "for a in \"$@\"; do if ip addr add \"$a\" dev lo 2>/dev/null; then echo \"ok $a\"; \
                  else echo \"no $a\"; fi; done; ip -o addr show dev lo";
    let out = in_namespaces("-n", script, &inputs);
    let listed = out
        .lines()
        .filter(|l| l.contains(" inet"))
        .collect::<Vec<_>>()
        .join("\n");
    for l in out.lines() {
        let (verdict, a) = match l.split_once(' ') {
            Some((v @ ("ok" | "no"), a)) => (v, a),
            _ => continue,
        };
        let ours = Cidr::parse(a);
        match (verdict, ours) {
            ("ok", Some(c)) => {
                let shown = format!("{}/{}", c.addr, c.prefix);
                assert!(
                    listed.contains(&format!(" {shown} ")),
                    "{a}: ip set it, but not as {shown}:\n{listed}"
                );
            }
            ("no", Some(c)) => {
                // What the kernel refuses as an interface's address is a matter of meaning,
                // not syntax (nsveth then fails in one line as ip does).
                let meaning = match c.addr {
                    IpAddr::V6(v) => v.is_multicast() || v.is_unspecified(),
                    IpAddr::V4(_) => false,
                };
                assert!(meaning, "{a}: ip refuses it, we read {c}");
            }
            ("ok", None) => assert!(laxer(a), "{a}: ip takes it, we refuse it"),
            _ => {}
        }
    }
}

/// Spellings `ip` takes and nsveth refuses on purpose: IPv4 with fewer than four parts or
/// leading zeros (`10/8`, `10.1`, `010.0.0.1`: `inet_aton`'s octal and short forms, which read
/// differently in different tools), a prefix with a leading zero, and a `/32`-less IPv6 zone.
fn laxer(a: &str) -> bool {
    let (addr, prefix) = a.split_once('/').unwrap_or((a, ""));
    let v4_short = !addr.contains(':') && addr.split('.').count() < 4;
    let v4_zeros =
        !addr.contains(':') && addr.split('.').any(|p| p.len() > 1 && p.starts_with('0'));
    let prefix_zeros = prefix.len() > 1 && prefix.starts_with('0');
    v4_short || v4_zeros || prefix_zeros
}

/// The kernel's rule for interface names (`dev_valid_name`, through `ip link add`) against
/// ours, in a network namespace of our own.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn interface_names_as_the_kernel_takes_them() {
    if !common::root() {
        return;
    }
    let name = prop_oneof![
        "[a-z0-9]{1,17}",
        text_of("ab.:/ \t-_0é", 17),
        Just(".".to_string()),
        Just("..".to_string()),
    ];
    let inputs: Vec<String> = sample(name, 150)
        .into_iter()
        .filter(|s| !s.is_empty() && !s.starts_with('-'))
        .collect();
    let script = "i=0; for n in \"$@\"; do if ip link add name \"$n\" type bridge 2>/dev/null; then echo \"ok $i\"; \
                  ip link del \"$n\"; else echo \"no $i\"; fi; i=$((i+1)); done";
    let out = in_namespaces("-n", script, &inputs);
    for l in out.lines() {
        let (verdict, i) = l.split_once(' ').unwrap();
        let n = &inputs[i.parse::<usize>().unwrap()];
        assert_eq!(
            addr::valid_ifname(n),
            verdict == "ok",
            "{n:?}: the kernel says {verdict}"
        );
    }
}

/// util-linux's numbers (`strtoul_or_err`, through `unshare --setuid`) against ours: what both
/// read, the same; util-linux wraps negative and too large numbers round, which we refuse.
#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn numbers_read_as_util_linux_reads_them() {
    if !common::root() {
        return;
    }
    let number = prop_oneof![
        any::<u32>().prop_map(|n| n.to_string()),
        text_of("0123456789 +-x\t", 8),
    ];
    let inputs: Vec<String> = sample(number, 80)
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    let script =
        "i=0; for n in \"$@\"; do if unshare -S \"$n\" true 2>/dev/null; then echo \"ok $i\"; \
                  else echo \"no $i\"; fi; i=$((i+1)); done";
    let out = in_namespaces("-U", script, &inputs);
    for l in out.lines() {
        let (verdict, i) = l.split_once(' ').unwrap();
        let n = &inputs[i.parse::<usize>().unwrap()];
        let ours = nstools::testing::cli::number::<u32>(n, "x").is_ok();
        if verdict == "ok" && !ours {
            let wraps = n.trim_start().starts_with('-')
                || n.trim()
                    .parse::<u64>()
                    .is_ok_and(|v| v > u64::from(u32::MAX));
            assert!(wraps, "{n:?}: util-linux reads it, we refuse it");
        } else if verdict == "no" {
            // Refused by util-linux's parser, or by setuid(2) in a namespace without maps (any
            // id): only a number we read could be the latter.
            let _ = ours;
        }
    }
}
