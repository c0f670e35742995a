//! The man pages' SYNOPSIS and OPTIONS and the bash, zsh and fish completions are generated from
//! the flag tables (`nstools::cli::gen`): this test fails when a committed file differs from what
//! the tables give, and `NSTOOLS_BLESS=1 cargo test --test docs` rewrites them. The pages are
//! lint-clean under `groff -man -ww -z`, and the completions load in their shells and offer what
//! the tables say.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use nstools::cli::{gen, Tool};
use nstools::tool::TABLES;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn man_page(tool: &Tool) -> PathBuf {
    root().join(format!("man/{}.{}", tool.name, tool.section))
}

fn bash_file(tool: &str) -> PathBuf {
    root().join(format!("completions/bash/{tool}"))
}

fn zsh_file(tool: &str) -> PathBuf {
    root().join(format!("completions/zsh/_{tool}"))
}

fn fish_file(tool: &str) -> PathBuf {
    root().join(format!("completions/fish/{tool}.fish"))
}

fn table(name: &str) -> &'static Tool {
    TABLES.iter().find(|t| t.name == name).unwrap()
}

#[test]
fn every_binary_has_a_table() {
    let mut bins: Vec<String> = std::fs::read_dir(root().join("src/bin"))
        .unwrap()
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_string))
        .collect();
    bins.sort();
    let mut names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    names.sort();
    assert_eq!(bins, names);
}

#[test]
fn generated_files_are_up_to_date() {
    let bless = std::env::var_os("NSTOOLS_BLESS").is_some();
    let mut stale = Vec::new();
    for tool in TABLES {
        let page = man_page(tool);
        let text = std::fs::read_to_string(&page).unwrap_or_default();
        let man = gen::man(tool, &text).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        for (path, want) in [
            (page, man),
            (bash_file(tool.name), gen::bash(tool)),
            (zsh_file(tool.name), gen::zsh(tool)),
            (fish_file(tool.name), gen::fish(tool)),
        ] {
            if std::fs::read_to_string(&path).ok().as_deref() == Some(want.as_str()) {
                continue;
            }
            if bless {
                std::fs::write(&path, want).unwrap();
            } else {
                stale.push(path.strip_prefix(root()).unwrap().display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "out of date with the flag tables: {}\nrefresh them with: {}",
        stale.join(", "),
        gen::BLESS
    );
}

#[test]
fn man_pages_are_lint_clean() {
    for tool in TABLES {
        let page = man_page(tool);
        let r = common::run(Command::new("groff").args(["-man", "-ww", "-z"]).arg(&page));
        assert_eq!(r.code, Some(0), "{}: {}", page.display(), r.stderr);
        assert!(
            r.stderr.trim().is_empty(),
            "{} has groff warnings:\n{}",
            page.display(),
            r.stderr
        );
    }
}

#[test]
fn every_tool_has_version() {
    for tool in TABLES {
        let r = common::tool(tool.name, ["--version"]);
        assert!(
            r.ok().starts_with(&format!("{} from nstools ", tool.name)),
            "{}: {}",
            tool.name,
            r.stdout
        );
    }
}

/// A shell, or `None` (a skip, and a failure under CI) when it is not installed.
fn shell(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|p| p.exists())
    });
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("{name} is not installed, and CI is set");
        }
        eprintln!("SKIPPED {name} completions: {name} not installed");
    }
    found
}

/// PATH with our binaries first (completions call `nscgroup list` and `nstools --list`).
fn path_with_ours() -> std::ffi::OsString {
    let ours = common::bin("nstools").parent().unwrap().to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(ours).chain(std::env::split_paths(&rest))).unwrap()
}

#[test]
fn completions_load_in_their_shells() {
    for tool in TABLES {
        let t = tool.name;
        let checks: [(&str, Vec<String>); 3] = [
            (
                "bash",
                vec![
                    "-c".into(),
                    format!("set -e; source {}; complete -p {t}", bash_file(t).display()),
                ],
            ),
            (
                "zsh",
                vec![
                    "-f".into(),
                    "-c".into(),
                    format!(
                        "zsh -n {file} && fpath=({dir} $fpath) && autoload -Uz compinit && \
                         compinit -u -D && [[ $_comps[{t}] == _{t} ]]",
                        file = zsh_file(t).display(),
                        dir = root().join("completions/zsh").display(),
                    ),
                ],
            ),
            (
                "fish",
                vec![
                    "--no-config".into(),
                    "-c".into(),
                    format!("source {}; and complete -c {t}", fish_file(t).display()),
                ],
            ),
        ];
        for (name, args) in checks {
            let Some(sh) = shell(name) else { continue };
            let r = common::run(Command::new(sh).args(&args));
            assert_eq!(
                r.code,
                Some(0),
                "{t}: {name} rejects its completion: {}",
                r.stderr
            );
            assert!(
                r.stderr.is_empty(),
                "{t}: {name} complains loading its completion: {}",
                r.stderr
            );
        }
    }
}

/// bash-completion's library, where Debian installs it.
const BASH_COMPLETION: &str = "/usr/share/bash-completion/bash_completion";

/// What bash completes at the end of `line`, as bash would call the completion: `COMP_WORDS`
/// split at blanks and at `=` and `:` (bash's default word breaks); with bash-completion's library
/// loaded first when `library`.
fn bash_complete(tools: &[&str], line: &str, library: bool) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for (i, blank_word) in line.split(' ').enumerate() {
        let mut piece = String::new();
        let mut pieces = Vec::new();
        for c in blank_word.chars() {
            if c == '=' || c == ':' {
                pieces.push(std::mem::take(&mut piece));
                pieces.push(c.to_string());
            } else {
                piece.push(c);
            }
        }
        pieces.push(piece);
        pieces.retain(|p| !p.is_empty());
        if pieces.is_empty() && i > 0 {
            pieces.push(String::new());
        }
        words.extend(pieces);
    }
    let quoted: Vec<String> = words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', "'\\''")))
        .collect();
    let mut sources: String = tools
        .iter()
        .map(|t| format!("source {}; ", bash_file(t).display()))
        .collect();
    if library {
        sources.insert_str(0, &format!("source {BASH_COMPLETION}; "));
    }
    let func = format!("_{}", tools[0].replace('-', "_"));
    let script = format!(
        "{sources}COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; COMP_WORDS=({}); \
         COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); {func}; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        quoted.join(" ")
    );
    let r = common::run(
        Command::new("bash")
            .args(["--norc", "-c", &script])
            .env("PATH", path_with_ours()),
    );
    r.ok().lines().map(str::to_string).collect()
}

/// What fish completes at the end of `line` (the candidates, without descriptions).
fn fish_complete(tools: &[&str], line: &str) -> Vec<String> {
    let sources: String = tools
        .iter()
        .map(|t| format!("source {}; ", fish_file(t).display()))
        .collect();
    let script = format!("{sources}complete -C '{line}'");
    let r = common::run(
        Command::new("fish")
            .args(["--no-config", "-c", &script])
            .env("PATH", path_with_ours()),
    );
    r.ok()
        .lines()
        .map(|l| {
            // `--opt=value` is completed as a whole; keep the value.
            let word = l.split('\t').next().unwrap_or("");
            match word.split_once('=') {
                Some((opt, value)) if opt.starts_with("--") => value.to_string(),
                _ => word.to_string(),
            }
        })
        .collect()
}

/// What zsh completes at the end of `line`, from an interactive zsh on a pseudo-terminal: its
/// completion system loaded with our files first on `fpath`, every match offered recorded.
fn zsh_complete(line: &str) -> Vec<String> {
    let dir = common::TempDir::new("zsh-comp");
    let out = dir.join("matches");
    let script = format!(
        r#"
zmodload zsh/zpty
zpty -b z 'zsh -f -i'
zpty -w z 'PS1=">" PATH={path}; fpath=({fpath} $fpath); autoload -Uz compinit; compinit -u -D'
zpty -w z 'zstyle ":completion:*" list-prompt ""; zstyle ":completion:*" menu no'
zpty -w z 'compadd() {{ local -a __m; builtin compadd -O __m "$@"; print -rl -- $__m >> {out}; builtin compadd "$@" }}'
zpty -n -w z {line:?}$'\t'
for i in {{1..50}}; do [[ -s {out} ]] && break; sleep 0.1; done
sleep 0.3
zpty -d z
"#,
        path = path_with_ours().to_string_lossy(),
        fpath = root().join("completions/zsh").display(),
        out = out.display(),
    );
    let r = common::run(Command::new("zsh").args(["-f", "-c", &script]));
    assert_eq!(r.code, Some(0), "zsh: {}", r.stderr);
    std::fs::read_to_string(&out)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn has(got: &[String], want: &[&str]) -> bool {
    want.iter().all(|w| got.iter().any(|g| g == w))
}

#[test]
fn completions_offer_what_the_tables_say() {
    let me = std::process::id().to_string();
    // (tools to load, line, candidates that must be there, candidates that must not)
    let cases: &[(&[&str], &str, &[&str], &[&str])] = &[
        (&["nscgroup"], "nscgroup cre", &["create"], &[]),
        (
            &["nscgroup"],
            "nscgroup stat box --",
            &["--json", "--root"],
            &["--rm", "--memory"],
        ),
        (&["nscgroup"], "nscgroup kill box ", &["KILL", "TERM"], &[]),
        (
            &["nscgroup"],
            "nscgroup --root /x attach box 1 ",
            &[&me],
            &["create"],
        ),
        (
            &["nsunshare"],
            "nsunshare --propagation ",
            &["slave", "private"],
            &[],
        ),
        (&["nsunshare"], "nsunshare --map-user ro", &["root"], &[]),
        (&["nsunshare"], "nsunshare --kill-child=K", &["KILL"], &[]),
        (
            &["nsunshare"],
            "nsunshare -r --setgro",
            &["--setgroups"],
            &[],
        ),
        (&["nsunshare"], "nsunshare ls --", &[], &["--fork"]),
        (&["nsenter"], "nsenter -S ", &["follow", "0"], &[]),
        (&["nsenter"], "nsenter -t ", &[&me], &[]),
        (&["nsveth"], "nsveth del l", &["lo"], &[]),
        (
            &["nsveth"],
            "nsveth list --",
            &["--json"],
            &["--host", "--netns"],
        ),
        (
            &["nsmount-proc"],
            "nsmount-proc --hidepid ",
            &["invisible", "2"],
            &[],
        ),
        (
            &["nspivot"],
            "nspivot --no-proc /tmp --",
            &[],
            &["--no-sys"],
        ),
        (&["nstools"], "nstools nsc", &["nscgroup"], &[]),
        (
            &["nstools", "nscgroup"],
            "nstools nscgroup cre",
            &["create"],
            &[],
        ),
    ];
    let mut problems = Vec::new();
    let mut check = |shell: &str, line: &str, got: Vec<String>, want: &[&str], not: &[&str]| {
        if !has(&got, want) || not.iter().any(|n| got.iter().any(|g| g == n)) {
            problems.push(format!(
                "{shell}: '{line}' gave {got:?}, wanted {want:?} and none of {not:?}"
            ));
        }
    };
    if shell("bash").is_some() {
        // Alone, and over bash-completion (which hands the program's words to the program's own
        // completion); the library is a test dependency (.ci/install-deps).
        let library = Path::new(BASH_COMPLETION).exists();
        if !library && std::env::var_os("CI").is_some() {
            panic!("{BASH_COMPLETION} is missing, and CI is set");
        }
        for with_library in [false, true].into_iter().filter(|l| !l || library) {
            let shell = if with_library {
                "bash with bash-completion"
            } else {
                "bash"
            };
            for (tools, line, want, not) in cases {
                check(
                    shell,
                    line,
                    bash_complete(tools, line, with_library),
                    want,
                    not,
                );
            }
            // A value after `=`: bash replaces only the part after the word break.
            let line = "nsunshare --mount-proc=/pro";
            check(
                shell,
                line,
                bash_complete(&["nsunshare"], line, with_library),
                &["/proc/"],
                &[],
            );
        }
        if library {
            for (tools, line) in [
                (&["nsunshare"][..], "nsunshare -r ls --al"),
                (&["nstools", "nsunshare"], "nstools nsunshare -- ls --al"),
            ] {
                let got = bash_complete(tools, line, true);
                check("bash with bash-completion", line, got, &["--all"], &[]);
            }
        }
    }
    if shell("fish").is_some() {
        for (tools, line, want, not) in cases {
            check("fish", line, fish_complete(tools, line), want, not);
        }
    }
    if shell("zsh").is_some() {
        let zsh_cases: &[(&str, &[&str], &[&str])] = &[
            ("nscgroup cre", &["create"], &[]),
            ("nscgroup stat box --", &["--json"], &["--rm"]),
            ("nsunshare --propagation ", &["slave", "private"], &[]),
            ("nsunshare --kill-child=K", &["KILL"], &[]),
            ("nsenter -S ", &["follow", "0"], &[]),
            ("nsveth del l", &["lo"], &[]),
            ("nstools nscgroup cre", &["create"], &[]),
        ];
        // Each waits for an interactive zsh: all at once.
        let got: Vec<Vec<String>> = std::thread::scope(|s| {
            let runs: Vec<_> = zsh_cases
                .iter()
                .map(|(line, _, _)| s.spawn(move || zsh_complete(line)))
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        for ((line, want, not), got) in zsh_cases.iter().zip(got) {
            check("zsh", line, got, want, not);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
