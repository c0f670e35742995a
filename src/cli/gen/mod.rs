//! The documentation generated from the flag tables: the SYNOPSIS and OPTIONS sections of the
//! man pages ([`man()`]) and the bash, zsh and fish completions ([`bash()`], [`zsh()`], [`fish()`]).
//!
//! No binary calls this module (the tools only parse and print `--help`), so link-time
//! optimisation leaves it out of them. `tests/docs.rs` runs it over every table and fails when a
//! committed file differs from what it generates; `NSTOOLS_BLESS=1 cargo test --test docs`
//! writes the files instead.

mod bash;
mod fish;
mod man;
mod zsh;

pub use bash::bash;
pub use fish::fish;
pub use man::man;
pub use zsh::zsh;

use super::flags::{Flag, Hint, Tool, STANDARD};

/// The refresh command every generated file names.
pub const BLESS: &str = "NSTOOLS_BLESS=1 cargo test --test docs";

/// The signal names completions offer (`kill -l` without `SIG`).
fn signals() -> Vec<&'static str> {
    nix::sys::signal::Signal::iterator()
        .map(|s| s.as_str().trim_start_matches("SIG"))
        .collect()
}

/// The fixed words a completion offers for a value: the literal words of the value name and a
/// [`Hint::List`].
fn words(f: &Flag) -> Vec<&'static str> {
    let mut w: Vec<&'static str> = f.words().collect();
    if let Hint::List(list) = f.hint {
        w.extend(list.iter().copied());
    }
    w
}

/// Every option, the standard ones last.
fn all_flags(tool: &Tool) -> impl Iterator<Item = &'static Flag> + '_ {
    tool.flags().chain(STANDARD.iter())
}

/// The operand hints of `hints` at 0-based `index`, following [`Hint::More`].
fn operand(hints: &[Hint], index: usize) -> Option<Hint> {
    match hints.get(index) {
        Some(Hint::More) => hints.get(index.checked_sub(1)?).copied(),
        Some(h) => Some(*h),
        None if hints.last() == Some(&Hint::More) => {
            hints.get(hints.len().checked_sub(2)?).copied()
        }
        None => None,
    }
}

/// A short name for what a hint completes (zsh messages, comments).
fn label(h: Hint) -> &'static str {
    match h {
        Hint::None | Hint::List(_) | Hint::More => "value",
        Hint::File => "file",
        Hint::Dir => "directory",
        Hint::Pid => "pid",
        Hint::User => "user",
        Hint::Group => "group",
        Hint::Uid => "uid",
        Hint::Gid => "gid",
        Hint::Signal => "signal",
        Hint::Interface => "interface",
        Hint::Cgroup => "cgroup",
        Hint::NsFile => "namespace file",
        Hint::Netns => "network namespace",
        Hint::EnvVar => "variable",
        Hint::Command => "command",
        Hint::Program => "program",
        Hint::Tool => "tool",
    }
}

/// The help of an option on one line.
fn one_line(help: &str) -> String {
    help.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operands_repeat_after_more() {
        let h = [Hint::Cgroup, Hint::Pid, Hint::More];
        assert_eq!(operand(&h, 0), Some(Hint::Cgroup));
        assert_eq!(operand(&h, 1), Some(Hint::Pid));
        assert_eq!(operand(&h, 2), Some(Hint::Pid));
        assert_eq!(operand(&h, 5), Some(Hint::Pid));
        assert_eq!(operand(&[Hint::Cgroup], 1), None);
    }

    #[test]
    fn words_of_a_value() {
        let f = Flag::new("x", "").value("<uid>|follow");
        assert_eq!(words(&f), ["follow"]);
        let f = Flag::new("x", "")
            .value("<a>:<b>|auto|all")
            .hint(Hint::List(&["z"]));
        assert_eq!(words(&f), ["auto", "all", "z"]);
        assert!(signals().contains(&"KILL"));
    }
}
