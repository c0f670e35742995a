//! User namespaces and their id maps, as root and as an unprivileged user (through the setuid
//! helpers).

use super::*;

/// uid_map, gid_map and setgroups of a program run by `nsunshare ARGS`.
fn maps(args: &[&str]) -> (Vec<String>, Vec<String>, String) {
    let r = nssh(
        args,
        "cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; \
         cat /proc/self/setgroups",
    );
    split_maps(r.ok())
}

fn split_maps(out: &str) -> (Vec<String>, Vec<String>, String) {
    let parts: Vec<&str> = out.split("--\n").collect();
    assert_eq!(parts.len(), 3, "{out}");
    (
        common::map_lines(parts[0]),
        common::map_lines(parts[1]),
        parts[2].trim().to_string(),
    )
}

fn v(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| s.to_string()).collect()
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn id_maps_as_root() {
    if !common::root() {
        return;
    }
    let full = ["0 0 4294967295"];
    // (arguments, uid_map, gid_map, setgroups)
    type Case<'a> = (&'a [&'a str], &'a [&'a str], &'a [&'a str], &'a str);
    let cases: &[Case] = &[
        (&["-r"], &["0 0 1"], &["0 0 1"], "deny"),
        (&["--map-root-user"], &["0 0 1"], &["0 0 1"], "deny"),
        (&["-c"], &["0 0 1"], &["0 0 1"], "deny"),
        (&["--map-user=1000"], &["1000 0 1"], &[], "allow"),
        (&["--map-group=1000"], &[], &["1000 0 1"], "deny"),
        (
            &["--map-user", "1000", "--map-group", "2000"],
            &["1000 0 1"],
            &["2000 0 1"],
            "deny",
        ),
        (
            &["--map-users=0:100000:65536", "--map-groups=0:100000:65536"],
            &["0 100000 65536"],
            &["0 100000 65536"],
            "allow",
        ),
        // util-linux's alternative OUTER,INNER,COUNT form.
        (
            &["--map-users=100000,0,10", "--map-groups=100000,0,10"],
            &["0 100000 10"],
            &["0 100000 10"],
            "allow",
        ),
        // Repeated ranges, in the order given.
        (
            &[
                "--map-users=0:100000:10",
                "--map-users=10:200000:5",
                "--map-groups=0:300000:1",
            ],
            &["0 100000 10", "10 200000 5"],
            &["0 300000 1"],
            "allow",
        ),
        // A range next to the single mapping: the single one comes first.
        (
            &["-r", "--map-users=1:100000:10", "--map-groups=1:100000:10"],
            &["0 0 1", "1 100000 10"],
            &["0 0 1", "1 100000 10"],
            "allow",
        ),
        (
            &["--map-users=all", "--map-groups=all"],
            &full,
            &full,
            "allow",
        ),
        (
            &[
                "--setgroups=deny",
                "--map-users=0:100000:10",
                "--map-groups=0:100000:10",
            ],
            &["0 100000 10"],
            &["0 100000 10"],
            "deny",
        ),
        (&["-U", "--setgroups=deny"], &[], &[], "deny"),
        (
            &["-r", "--setgroups", "deny"],
            &["0 0 1"],
            &["0 0 1"],
            "deny",
        ),
    ];
    for (args, uid, gid, setgroups) in cases {
        let got = maps(args);
        assert_eq!(
            got,
            (v(uid), v(gid), setgroups.to_string()),
            "nsunshare {args:?}"
        );
    }
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn map_user_and_group_by_name() {
    if !common::root() {
        return;
    }
    let etc = FakeEtc::new();
    let name = common::unique("nsu");
    etc.add_user(&name, 23001);
    let user = format!("--map-user={name}");
    let group = format!("--map-group={name}");
    let r = run(&mut etc.command(&[
        common::bin(T).to_str().unwrap(),
        &user,
        &group,
        "--",
        "sh",
        "-c",
        "cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; \
         cat /proc/self/setgroups",
    ]));
    assert_eq!(
        split_maps(r.ok()),
        (v(&["23001 0 1"]), v(&["23001 0 1"]), "deny".to_string())
    );
}

/// `nsunshare ARGS` as the unprivileged user `uid` of `etc`, printing its maps.
fn maps_as(etc: &FakeEtc, uid: u32, args: &[&str]) -> Ran {
    let mut argv: Vec<String> = vec![common::bin(T).to_string_lossy().into_owned()];
    argv.extend(args.iter().map(|s| s.to_string()));
    argv.extend(
        [
            "--",
            "sh",
            "-c",
            "cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; \
             cat /proc/self/setgroups",
        ]
        .map(String::from),
    );
    run(&mut etc.command_as(uid, &argv))
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn id_maps_unprivileged() {
    if !common::root() {
        return;
    }
    let etc = FakeEtc::new();
    let name = common::unique("nsu");
    let uid = 23002;
    etc.add_user(&name, uid);
    etc.add_subuid(&format!("{name}:300000:65536"));
    etc.add_subgid(&format!("{name}:400000:65536"));
    let me = format!("{uid} {uid} 1");
    let as_root = format!("0 {uid} 1");
    type Case<'a> = (Vec<&'a str>, Vec<String>, Vec<String>, &'a str);
    let cases: Vec<Case> = vec![
        (vec!["-r"], v(&[&as_root]), v(&[&as_root]), "deny"),
        (vec!["-c"], v(&[&me]), v(&[&me]), "deny"),
        (
            vec!["--map-user=7", "--map-group=8"],
            v(&[&format!("7 {uid} 1")]),
            v(&[&format!("8 {uid} 1")]),
            "deny",
        ),
        // Ranges go through newuidmap/newgidmap and /etc/subuid, /etc/subgid.
        (
            vec!["-r", "--map-users=1:300000:10", "--map-groups=1:400000:10"],
            v(&[&as_root, "1 300000 10"]),
            v(&[&as_root, "1 400000 10"]),
            "allow",
        ),
        (
            vec!["-r", "--map-auto"],
            v(&[&as_root, "1 300000 65535"]),
            v(&[&as_root, "1 400000 65535"]),
            "allow",
        ),
        // One side a range (newgidmap), the other a single id written by the process itself.
        (
            vec!["-r", "--map-groups=1:400000:10"],
            v(&[&as_root]),
            v(&[&as_root, "1 400000 10"]),
            "allow",
        ),
        (
            vec!["-rf", "--map-users=1:300000:10"],
            v(&[&as_root, "1 300000 10"]),
            v(&[&as_root]),
            "deny",
        ),
        (
            vec!["--map-subids"],
            v(&["300000 300000 65536"]),
            v(&["400000 400000 65536"]),
            "allow",
        ),
    ];
    for (args, want_uid, want_gid, sg) in cases {
        let r = maps_as(&etc, uid, &args);
        assert_eq!(
            split_maps(r.ok()),
            (want_uid, want_gid, sg.to_string()),
            "{args:?}"
        );
    }
    // A range the user does not own: newuidmap refuses, and so do we, loudly.
    let r = maps_as(&etc, uid, &["-r", "--map-users=1:900000:10"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.starts_with("newuidmap: "), "{}", r.stderr);
    assert!(
        r.stderr
            .ends_with("nsunshare: newuidmap failed with status 1\n"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");
    // Without a user namespace, nothing may be unshared.
    let r = run(&mut etc.command_as(uid, &[common::bin(T).to_str().unwrap(), "-n", "true"]));
    assert_eq!(
        r.stderr,
        "nsunshare: unshare failed: Operation not permitted\n"
    );
    assert_eq!(r.code, Some(1));
}

#[test]
#[cfg_attr(nstools_unprivileged, ignore = "needs root (CI makes this a failure)")]
fn unprivileged_user_gets_a_full_sandbox() {
    if !common::root() {
        return;
    }
    let etc = FakeEtc::new();
    let name = common::unique("nsu");
    etc.add_user(&name, 23008);
    let r = run(&mut etc.command_as(
        23008,
        &[
            common::bin(T).to_str().unwrap(),
            "-Urpf",
            "--mount-proc",
            "-un",
            "--hostname=sandbox",
            "--",
            "sh",
            "-c",
            "ps -e -o pid=,comm=; echo $$; hostname; id -u; ip -o link show | wc -l",
        ],
    ));
    assert_eq!(
        words(r.ok()),
        [
            vec!["1", "sh"],
            vec!["2", "ps"],
            vec!["1"],
            vec!["sandbox"],
            vec!["0"],
            vec!["1"],
        ]
    );
}
