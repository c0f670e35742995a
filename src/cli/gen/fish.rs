//! fish completion: one `complete` line per option and operand, each with a condition asked of
//! one engine (the same text in every file) that reads the words before the cursor as getopt
//! does: which operand the cursor is at, whether options are still parsed, where the program
//! starts (its words go to the program's own completion).

use super::{all_flags, one_line, operand, signals, words, BLESS};
use crate::cli::flags::{Flag, Hint, Takes, Tool};

/// The completion file of `tool` (`TOOL.fish`).
pub fn fish(tool: &Tool) -> String {
    let t = tool.name;
    let mut s = format!(
        "# fish completion for {t}({}), generated from its flag table by nstools::cli::gen.\n\
         # Do not edit: {BLESS}\n\n{ENGINE}\n",
        tool.section
    );
    // The data the engine needs about this tool, in two functions.
    let mut takes = Vec::new();
    let mut attached = Vec::new();
    for f in all_flags(tool) {
        match f.takes {
            Takes::Value => {
                takes.extend(f.short.map(|c| format!("-{c}")));
                takes.push(format!("--{}", f.long));
            }
            Takes::Optional => attached.extend(f.short.map(|c| format!("-{c}"))),
            Takes::Nothing | Takes::OptionalLong => {}
        }
    }
    let mut programs = Vec::new();
    if tool.commands.is_empty() {
        if let Some(i) = program_at(tool.operands) {
            programs.push(format!(".:{}", i + 1));
        }
    }
    for c in tool.commands {
        if let Some(i) = program_at(c.operands) {
            programs.push(format!("{}:{}", c.name, i + 2));
        }
    }
    let data = format!(
        "{} '{}' '{}' '{}'",
        u8::from(tool.permute),
        takes.join(" "),
        attached.join(" "),
        programs.join(" ")
    );
    s.push_str(&format!(
        "function __{t}_is\n    __nstools_complete_is {data} $argv\nend\n\n\
         function __{t}_program\n    __nstools_complete_program {data}\nend\n\n\
         complete -c {t} -f\n"
    ));
    for f in all_flags(tool) {
        s.push_str(&option(t, f));
    }
    if tool.commands.is_empty() {
        s.push_str(&operands(t, tool.operands, 1, ""));
    } else {
        for c in tool.commands {
            s.push_str(&format!(
                "complete -c {t} -n '__{t}_is 1' -a {} -d {}\n",
                c.name,
                quote(&one_line(c.help))
            ));
        }
        for c in tool.commands {
            s.push_str(&operands(t, c.operands, 2, c.name));
        }
    }
    s
}

/// The index of the operand where the program (or tool) starts.
fn program_at(hints: &[Hint]) -> Option<usize> {
    hints
        .iter()
        .position(|h| matches!(h, Hint::Program | Hint::Tool))
}

fn option(t: &str, f: &Flag) -> String {
    let mut s = format!("complete -c {t} -n '__{t}_is opt");
    for c in f.commands {
        s.push(' ');
        s.push_str(c);
    }
    s.push('\'');
    if let Some(c) = f.short {
        s.push_str(&format!(" -s {c}"));
    }
    s.push_str(&format!(" -l {}", f.long));
    if f.takes != Takes::Nothing {
        if f.takes == Takes::Value {
            s.push_str(" -r");
        }
        s.push_str(&candidates(f.hint, &words(f)));
    }
    s.push_str(&format!(" -d {}\n", quote(&one_line(f.help))));
    s
}

/// The `complete` lines of the operands `hints`, the first at position `first` (1-based, among
/// all operands), for `command` (or every command line, when empty).
fn operands(t: &str, hints: &[Hint], first: usize, command: &str) -> String {
    let mut s = String::new();
    let cmd = if command.is_empty() {
        String::new()
    } else {
        format!(" {command}")
    };
    for i in 0..hints.len() {
        let at = first + i;
        let Some(h) = operand(hints, i) else {
            break;
        };
        let pos = if hints[i] == Hint::More {
            format!("{at}+")
        } else {
            at.to_string()
        };
        match h {
            Hint::Program => {
                s.push_str(&format!(
                    "complete -c {t} -n '__{t}_is {at}{cmd}' -a '(__fish_complete_command)'\n\
                     complete -c {t} -n '__{t}_is {}+{cmd}' -a '(__{t}_program)'\n",
                    at + 1
                ));
                break;
            }
            Hint::Tool => {
                s.push_str(&format!(
                    "complete -c {t} -n '__{t}_is {at}{cmd}' -a '(nstools --list 2>/dev/null)'\n\
                     complete -c {t} -n '__{t}_is {}+{cmd}' -a '(__{t}_program)'\n",
                    at + 1
                ));
                break;
            }
            h => s.push_str(&format!(
                "complete -c {t} -n '__{t}_is {pos}{cmd}'{}\n",
                candidates(h, &[])
            )),
        }
    }
    s
}

/// `-F` and `-a '...'` for a value of `hint` and the fixed `words`.
fn candidates(hint: Hint, words: &[&str]) -> String {
    let mut s = String::new();
    let mut list: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    let expr = match hint {
        Hint::File | Hint::NsFile => {
            s.push_str(" -F");
            ""
        }
        Hint::Dir => "(__fish_complete_directories)",
        Hint::Pid => "(string replace -rf '^/proc/(\\d+)$' '$1' -- /proc/*)",
        Hint::User => "(string split -f1 : < /etc/passwd)",
        Hint::Group => "(string split -f1 : < /etc/group)",
        Hint::Uid => "(string split -f3 : < /etc/passwd)",
        Hint::Gid => "(string split -f3 : < /etc/group)",
        Hint::Signal => {
            list.extend(signals().iter().map(|w| w.to_string()));
            ""
        }
        Hint::Interface => "(for f in /sys/class/net/*; string replace -r '.*/' '' -- $f; end)",
        Hint::Netns => "(for f in /run/netns/*; string replace -r '.*/' '' -- $f; end)",
        Hint::Cgroup => "(nscgroup list 2>/dev/null)",
        Hint::EnvVar => "(set -xn)",
        Hint::Command => "(__fish_complete_command)",
        Hint::None | Hint::List(_) | Hint::More | Hint::Program | Hint::Tool => "",
    };
    if !expr.is_empty() {
        list.push(expr.to_string());
    }
    if !list.is_empty() {
        s.push_str(&format!(" -a {}", quote(&list.join(" "))));
    }
    s
}

/// A single-quoted fish word.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The engine, the same in every nstools completion file. Its arguments describe the tool:
/// whether options may follow operands; the options whose value may be the next word; the short
/// options that take the rest of their word; where programs start (`CMD:N` or `.:N`, N the
/// operand, from 1).
const ENGINE: &str = r#"# The engine of every nstools completion (the same in each file).
function __nstools_complete_scan -a permute takes attached programs
    # Prints whether options ended, where the program starts (0: nowhere), whether the word at
    # the cursor is the value of the option before it, then the operands before the cursor.
    set -l takes (string split ' ' -- $takes)
    set -l attached (string split ' ' -- $attached)
    set -l programs (string split ' ' -- $programs)
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l ops
    set -l ended 0
    set -l program 0
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        if test $ended = 0
            switch $t
                case --
                    set ended 1
                    continue
                case '--*=*'
                    continue
                case '--*'
                    for o in $takes
                        if string match -q -- "$t*" $o
                            set skip 1
                            break
                        end
                    end
                    continue
                case '-?*'
                    set -l chars (string split '' -- (string sub -s 2 -- $t))
                    for i in (seq (count $chars))
                        contains -- -$chars[$i] $attached; and break
                        if contains -- -$chars[$i] $takes
                            test $i = (count $chars); and set skip 1
                            break
                        end
                    end
                    continue
            end
        end
        # A `--` right before the program (nspivot ROOT -- PROGRAM) is not an operand.
        if test $t = -- -a $ended = 1 -a $program = 0 -a (count $ops) -gt 0
            continue
        end
        set -a ops $t
        test $permute = 1; or set ended 1
        if test $program = 0
            for p in $programs
                set -l kn (string split : -- $p)
                if test $kn[1] = . -o "$kn[1]" = "$ops[1]"; and test $kn[2] = (count $ops)
                    set program $kn[2]
                    set ended 1
                end
            end
        end
    end
    echo $ended
    echo $program
    echo $skip
    for o in $ops
        echo $o
    end
end

function __nstools_complete_is -a permute takes attached programs query
    # True when the cursor is where `query` says: `opt` (options are still read; the
    # subcommands after it are those the option applies to), `N` (operand N, from 1) or `N+`
    # (operand N or later; the subcommands after it are those the operand belongs to).
    set -l state (__nstools_complete_scan $permute $takes $attached $programs)
    set -l commands $argv[6..]
    set -l ops $state[4..]
    if test $query = opt
        test $state[1] = 0; or return 1
        if set -q commands[1]; and set -q ops[1]
            contains -- $ops[1] $commands; or return 1
        end
        return 0
    end
    test $state[3] = 0; or return 1
    set -l at (math (count $ops) + 1)
    if string match -q -- '*+' $query
        test $at -ge (string sub -e -1 -- $query); or return 1
    else
        test $at = $query; or return 1
    end
    if set -q commands[1]
        contains -- "$ops[1]" $commands; or return 1
    end
    return 0
end

function __nstools_complete_program -a permute takes attached programs
    # The completions of the program (or tool) and its arguments, as a command line of its own.
    set -l state (__nstools_complete_scan $permute $takes $attached $programs)
    set -l ops $state[4..]
    test $state[2] -gt 0; or return
    __fish_complete_subcommand --commandline $ops[$state[2]..] (commandline -ct)
end
"#;
