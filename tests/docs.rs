//! Every binary ships a man page and bash, zsh and fish completions, and each of them mentions
//! every option its `--help` lists. The man page is lint-clean under `groff -man -ww -z`.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

/// The binaries of this package (one file per tool in src/bin), except the multicall one.
fn tools() -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin"))
            .unwrap()
            .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_string))
            .collect();
    v.sort();
    v
}

/// The long options (`--name`) and short options (`-x`) a help text lists at the start of its
/// option lines.
fn options(help: &str) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for line in help.lines() {
        let l = line.trim_start();
        if !l.starts_with('-') {
            continue;
        }
        for word in
            l.split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == '=' || c == '<')
        {
            if word.starts_with("--") && word.len() > 2 {
                set.insert(
                    word.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                        .to_string(),
                );
            } else if word.len() == 2
                && word.starts_with('-')
                && word.as_bytes()[1].is_ascii_alphanumeric()
            {
                set.insert(word.to_string());
            } else if !word.is_empty() && !word.starts_with('-') {
                break;
            }
        }
    }
    set
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn man_page(tool: &str) -> Option<std::path::PathBuf> {
    ["1", "8"]
        .iter()
        .map(|s| root().join(format!("man/{tool}.{s}")))
        .find(|p| p.exists())
}

fn completion_files(tool: &str) -> Vec<std::path::PathBuf> {
    vec![
        root().join(format!("completions/bash/{tool}")),
        root().join(format!("completions/zsh/_{tool}")),
        root().join(format!("completions/fish/{tool}.fish")),
    ]
}

#[test]
fn every_option_is_documented_and_completed() {
    let mut problems = Vec::new();
    for tool in tools() {
        let help = common::tool(&tool, ["--help"]);
        let help = help.ok().to_string();
        let opts = options(&help);
        assert!(
            opts.contains("--help"),
            "{tool} --help lists no --help: {help}"
        );
        let mut files = completion_files(&tool);
        match man_page(&tool) {
            Some(m) => files.push(m),
            None => problems.push(format!("{tool}: no man page under man/")),
        }
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                problems.push(format!("{tool}: missing {}", f.display()));
                continue;
            };
            // Man pages escape dashes as \- ; fish writes long options as `-l name`.
            let text = text
                .replace("\\-", "-")
                .replace("\\fB", "")
                .replace("\\fR", "")
                .replace("\\fI", "");
            for o in &opts {
                let fish_form = o
                    .strip_prefix("--")
                    .map(|l| format!("-l {l}"))
                    .unwrap_or_else(|| format!("-s {}", &o[1..]));
                if !text.contains(o.as_str()) && !text.contains(&fish_form) {
                    problems.push(format!("{tool}: {} does not mention {o}", f.display()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn man_pages_are_lint_clean() {
    for tool in tools() {
        let Some(page) = man_page(&tool) else {
            continue;
        };
        let r = common::run(
            std::process::Command::new("groff")
                .args(["-man", "-ww", "-z"])
                .arg(&page),
        );
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
    for tool in tools() {
        let r = common::tool(&tool, ["--version"]);
        assert!(
            r.ok().starts_with(&format!("{tool} from nstools ")),
            "{tool}: {}",
            r.stdout
        );
    }
}

#[test]
fn completions_load_in_their_shells() {
    for tool in tools() {
        let [bash, zsh, fish] = <[_; 3]>::try_from(completion_files(&tool)).unwrap();
        for (shell, args) in [
            ("bash", vec!["-n".to_string(), bash.display().to_string()]),
            ("zsh", vec!["-n".to_string(), zsh.display().to_string()]),
            (
                "fish",
                vec!["--no-execute".to_string(), fish.display().to_string()],
            ),
        ] {
            if which(shell).is_none() {
                if std::env::var_os("CI").is_some() {
                    panic!("{shell} is not installed, and CI is set");
                }
                eprintln!("SKIPPED {shell} syntax check: {shell} not installed");
                continue;
            }
            let r = common::run(std::process::Command::new(shell).args(&args));
            assert_eq!(
                r.code,
                Some(0),
                "{tool}: {shell} rejects its completion: {}",
                r.stderr
            );
        }
    }
}

fn which(prog: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(prog))
        .find(|p| p.exists())
}

#[test]
fn option_extraction() {
    let help = " -m, --mount[=<file>]      unshare mounts\n --map-users <a>:<b>  text --not-this\n -h, --help   x\n";
    let got: Vec<String> = options(help).into_iter().collect();
    assert_eq!(got, ["--help", "--map-users", "--mount", "-h", "-m"]);
}
