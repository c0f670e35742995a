//! The man pages' SYNOPSIS and OPTIONS and the bash, zsh and fish completions are generated from
//! the flag tables (`nstools::testing::cli::gen`): this test fails when a committed file differs from what
//! the tables give, and `NSTOOLS_BLESS=1 cargo test --test docs` rewrites them. The pages are
//! lint-clean under `groff -man -ww -z`, and the completions load in their shells and offer what
//! the tables say.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use nstools::testing::cli::{gen, Tool};
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
    let (mut bash, mut zsh, mut fish) = (String::from("set -e\n"), String::new(), String::new());
    let zsh_dir = root().join("completions/zsh");
    zsh.push_str(&format!(
        "fpath=({} $fpath); autoload -Uz compinit; compinit -u -D\n",
        zsh_dir.display()
    ));
    for tool in TABLES {
        let t = tool.name;
        bash.push_str(&format!(
            "source {}; complete -p {t}\n",
            bash_file(t).display()
        ));
        // Syntax, then the `#compdef` line registering the function for the tool.
        zsh.push_str(&format!(
            "zsh -n {} || exit 1\n[[ $_comps[{t}] == _{t} ]] || {{ echo 'no compdef for {t}' >&2; exit 1 }}\n",
            zsh_file(t).display()
        ));
        fish.push_str(&format!(
            "source {} || exit 1\ncomplete -c {t} | string match -q -- 'complete {t} *' || exit 1\n",
            fish_file(t).display()
        ));
    }
    for (name, args) in [
        ("bash", ["--norc", "-c", bash.as_str()]),
        ("zsh", ["-f", "-c", zsh.as_str()]),
        ("fish", ["--no-config", "-c", fish.as_str()]),
    ] {
        let Some(sh) = shell(name) else { continue };
        let r = common::run(Command::new(sh).args(args));
        assert_eq!(r.code, Some(0), "{name} rejects a completion: {}", r.stderr);
        assert!(r.stderr.is_empty(), "{name} complains: {}", r.stderr);
    }
}

/// bash-completion's library, where Debian installs it.
const BASH_COMPLETION: &str = "/usr/share/bash-completion/bash_completion";

/// Between the answers of one shell to several lines.
const END: &str = "--end--";

/// The answers of one shell run, one list per line asked.
fn answers(stdout: &str) -> Vec<Vec<String>> {
    let mut all = vec![Vec::new()];
    for l in stdout.lines() {
        if l == END {
            all.push(Vec::new());
        } else if let Some(last) = all.last_mut() {
            last.push(l.to_string());
        }
    }
    all.pop();
    all
}

/// What bash completes at the end of each of `lines`, every nstools completion loaded (after
/// bash-completion's library when `library`), each called as bash would: `COMP_WORDS` split at
/// blanks and at `=` and `:` (bash's default word breaks).
fn bash_complete(lines: &[&str], library: bool) -> Vec<Vec<String>> {
    let mut script = String::new();
    if library {
        script.push_str(&format!("source {BASH_COMPLETION}\n"));
    }
    for tool in TABLES {
        script.push_str(&format!("source {}\n", bash_file(tool.name).display()));
    }
    for line in lines {
        let mut words: Vec<String> = Vec::new();
        for (i, blank_word) in line.split(' ').enumerate() {
            let mut pieces = vec![String::new()];
            for c in blank_word.chars() {
                if c == '=' || c == ':' {
                    pieces.push(c.to_string());
                    pieces.push(String::new());
                } else if let Some(p) = pieces.last_mut() {
                    p.push(c);
                }
            }
            pieces.retain(|p| !p.is_empty());
            if pieces.is_empty() && i > 0 {
                pieces.push(String::new());
            }
            words.extend(pieces);
        }
        let quoted: Vec<String> = words.iter().map(|w| quote(w)).collect();
        let func = format!("_{}", line.split(' ').next().unwrap().replace('-', "_"));
        script.push_str(&format!(
            "(COMP_LINE={}; COMP_POINT=${{#COMP_LINE}}; COMP_WORDS=({}); \
             COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); {func}; printf '%s\\n' \"${{COMPREPLY[@]}}\")\n\
             echo {END}\n",
            quote(line),
            quoted.join(" ")
        ));
    }
    let r = common::run(
        Command::new("bash")
            .args(["--norc", "-c", &script])
            .env("PATH", path_with_ours()),
    );
    answers(r.ok())
}

/// What fish completes at the end of each of `lines` (the candidates, without descriptions;
/// the value of a `--opt=value`).
fn fish_complete(lines: &[&str]) -> Vec<Vec<String>> {
    let mut script = String::new();
    for tool in TABLES {
        script.push_str(&format!("source {}\n", fish_file(tool.name).display()));
    }
    for line in lines {
        script.push_str(&format!("complete -C {}\necho {END}\n", quote(line)));
    }
    let r = common::run(
        Command::new("fish")
            .args(["--no-config", "-c", &script])
            .env("PATH", path_with_ours()),
    );
    answers(r.ok())
        .into_iter()
        .map(|got| {
            got.iter()
                .map(|l| {
                    let word = l.split('\t').next().unwrap_or("");
                    match word.split_once('=') {
                        Some((opt, value)) if opt.starts_with("--") => value.to_string(),
                        _ => word.to_string(),
                    }
                })
                .collect()
        })
        .collect()
}

/// A single-quoted shell word (bash and fish alike for these lines).
fn quote(text: &str) -> String {
    assert!(!text.contains('\''), "{text}");
    format!("'{text}'")
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
    // (line, candidates that must be there, candidates that must not)
    let cases: &[(&str, &[&str], &[&str])] = &[
        ("nscgroup cre", &["create"], &[]),
        (
            "nscgroup stat box --",
            &["--json", "--root"],
            &["--rm", "--memory"],
        ),
        ("nscgroup kill box ", &["KILL", "TERM"], &[]),
        ("nscgroup --root /x attach box 1 ", &[&me], &["create"]),
        ("nsunshare --propagation ", &["slave", "private"], &[]),
        ("nsunshare --map-user ro", &["root"], &[]),
        ("nsunshare --kill-child=K", &["KILL"], &[]),
        ("nsunshare --mount-proc=/pro", &["/proc/"], &[]),
        ("nsunshare -r --setgro", &["--setgroups"], &[]),
        ("nsunshare ls --", &[], &["--fork"]),
        ("nsenter -S ", &["follow", "0"], &[]),
        ("nsenter -t ", &[&me], &[]),
        ("nsveth del l", &["lo"], &[]),
        ("nsveth list --", &["--json"], &["--host", "--netns"]),
        ("nsmount-proc --hidepid ", &["invisible", "2"], &[]),
        ("nspivot --no-proc /tmp --", &[], &["--no-sys"]),
        ("nstools nsc", &["nscgroup"], &[]),
        ("nstools nscgroup cre", &["create"], &[]),
    ];
    let lines: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let mut problems = Vec::new();
    let mut check = |shell: &str, line: &str, got: &[String], want: &[&str], not: &[&str]| {
        if !has(got, want) || not.iter().any(|n| got.iter().any(|g| g == n)) {
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
        for (got, (line, want, not)) in bash_complete(&lines, false).iter().zip(cases) {
            check("bash", line, got, want, not);
        }
        if library {
            let programs = ["nsunshare -r ls --al", "nstools nsunshare -- ls --al"];
            let mut all = lines.clone();
            all.extend(programs);
            let got = bash_complete(&all, true);
            let more: &[(&str, &[&str], &[&str])] = &[
                (programs[0], &["--all"], &[]),
                (programs[1], &["--all"], &[]),
            ];
            for (got, (line, want, not)) in got.iter().zip(cases.iter().chain(more)) {
                check("bash with bash-completion", line, got, want, not);
            }
        }
    }
    if shell("fish").is_some() {
        for (got, (line, want, not)) in fish_complete(&lines).iter().zip(cases) {
            check("fish", line, got, want, not);
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
            check("zsh", line, &got, want, not);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
