//! zsh completion: `_arguments` specifications from the table; a tool with subcommands gets a
//! second `_arguments` per subcommand with the options that apply to it.

use super::{all_flags, label, one_line, signals, words, BLESS};
use crate::cli::flags::{Flag, Hint, Takes, Tool};

/// The completion file of `tool` (`_TOOL`).
pub fn zsh(tool: &Tool) -> String {
    let func = format!("_{}", tool.name.replace('-', "_"));
    let mut s = format!(
        "#compdef {name}\n# zsh completion for {name}({section}), generated from its flag table \
         by nstools::cli::gen.\n# Do not edit: {BLESS}\n\n{func}() {{\n",
        name = tool.name,
        section = tool.section,
    );
    // Non-permuting tools: no options after the first operand.
    let stop = if tool.permute { "" } else { " -A '-*'" };
    if tool.commands.is_empty() {
        s.push_str("  local -a args=(\n");
        for f in all_flags(tool) {
            for spec in specs(f) {
                s.push_str(&format!("    {spec}\n"));
            }
        }
        for spec in operands(tool.operands) {
            s.push_str(&format!("    {spec}\n"));
        }
        s.push_str(&format!("  )\n  _arguments -s -S{stop} $args\n}}\n"));
    } else {
        s.push_str(
            "  local curcontext=$curcontext state state_descr line ret=1\n  typeset -A opt_args\n  \
             local -a args=(\n",
        );
        for f in all_flags(tool) {
            for spec in specs(f) {
                s.push_str(&format!("    {spec}\n"));
            }
        }
        s.push_str(
            "    ': :->command'\n    '*:: :->argument'\n  )\n  _arguments -C -s -S $args && \
             ret=0\n  case $state in\n    command)\n      local -a commands=(\n",
        );
        for c in tool.commands {
            s.push_str(&format!(
                "        {}\n",
                quote(&format!("{}:{}", c.name, one_line(c.help)))
            ));
        }
        s.push_str(
            "      )\n      _describe -t commands command commands && ret=0\n      ;;\n    \
             argument)\n      curcontext=${curcontext%:*:*}:",
        );
        s.push_str(&format!(
            "{}-$words[1]:\n      case $words[1] in\n",
            tool.name
        ));
        for c in tool.commands {
            s.push_str(&format!("        {})\n          args=(\n", c.name));
            for f in all_flags(tool).filter(|f| f.applies_to(c.name)) {
                for spec in specs(f) {
                    s.push_str(&format!("            {spec}\n"));
                }
            }
            for spec in operands(c.operands) {
                s.push_str(&format!("            {spec}\n"));
            }
            s.push_str("          )\n          ;;\n");
        }
        s.push_str(
            "        *) return ret ;;\n      esac\n      _arguments -s -S $args && ret=0\n      ;;\n  esac\n  return ret\n}\n",
        );
    }
    s.push_str(&format!("\n{func} \"$@\"\n"));
    s
}

/// The `_arguments` specifications of an option.
fn specs(f: &Flag) -> Vec<String> {
    let short = f.short.map(|c| format!("-{c}"));
    let long = format!("--{}", f.long);
    let both = match &short {
        Some(s) => format!("({s} {long})"),
        None => format!("({long})"),
    };
    let desc = format!("[{}]", escape_desc(&one_line(f.help)));
    let arg = |optional: bool| {
        let colons = if optional { "::" } else { ":" };
        format!("{colons}{}:{}", message(f), action(f.hint, &words(f)))
    };
    // `*`: the option may be given again (values accumulate, or the last wins).
    let names = |short_suffix: &str, long_suffix: &str| match &short {
        Some(s) => format!("{{{s}{short_suffix},{long}{long_suffix}}}"),
        None => format!("{long}{long_suffix}"),
    };
    match f.takes {
        Takes::Nothing => vec![format!("{}{}{}", quote(&both), names("", ""), quote(&desc))],
        Takes::Value => vec![format!(
            "'*'{}{}",
            names("+", "="),
            quote(&format!("{desc}{}", arg(false)))
        )],
        Takes::Optional => vec![format!(
            "{}{}{}",
            quote(&both),
            names("-", "=-"),
            quote(&format!("{desc}{}", arg(true)))
        )],
        Takes::OptionalLong => {
            let mut v = Vec::new();
            if let Some(s) = &short {
                v.push(quote(&format!("{both}{s}{desc}")));
            }
            v.push(quote(&format!("{both}{long}=-{desc}{}", arg(true))));
            v
        }
    }
}

/// The specifications of the operands.
fn operands(hints: &[Hint]) -> Vec<String> {
    let mut v = Vec::new();
    for (i, h) in hints.iter().enumerate() {
        let n = i + 1;
        match h {
            Hint::Program => {
                v.push(quote(&format!("{n}:program:_command_names -e")));
                v.push(quote("*::argument:_normal"));
                break;
            }
            Hint::Tool => {
                v.push(quote(&format!(
                    "{n}:tool:{{compadd - ${{(f)\"$(nstools --list 2>/dev/null)\"}}}}"
                )));
                v.push(quote("*::argument:_normal"));
                break;
            }
            Hint::More => {
                let prev = hints[i - 1];
                v.push(quote(&format!("*:{}:{}", label(prev), action(prev, &[]))));
            }
            h => v.push(quote(&format!("{n}:{}:{}", label(*h), action(*h, &[])))),
        }
    }
    v
}

/// What `_arguments` shows while completing a value: the value name without its brackets.
fn message(f: &Flag) -> String {
    let m: String = f.name.chars().filter(|c| *c != '<' && *c != '>').collect();
    let m = if m.is_empty() {
        label(f.hint).to_string()
    } else {
        m
    };
    m.replace(':', "\\:")
}

/// The action completing a value of `hint`, and `words`.
fn action(hint: Hint, words: &[&str]) -> String {
    let mut code = Vec::new();
    if !words.is_empty() {
        code.push(format!("compadd - {}", words.join(" ")));
    }
    let sigs;
    code.push(
        match hint {
            Hint::None | Hint::List(_) | Hint::More | Hint::Program | Hint::Tool => "",
            Hint::File | Hint::NsFile => "_files",
            Hint::Dir => "_files -/",
            Hint::Pid => "compadd - /proc/<->(N:t)",
            Hint::User => "compadd - ${${(f)\"$(</etc/passwd)\"}%%:*}",
            Hint::Group => "compadd - ${${(f)\"$(</etc/group)\"}%%:*}",
            Hint::Uid => "compadd - ${${${(f)\"$(</etc/passwd)\"}#*:*:}%%:*}",
            Hint::Gid => "compadd - ${${${(f)\"$(</etc/group)\"}#*:*:}%%:*}",
            Hint::Signal => {
                sigs = format!("compadd - {}", signals().join(" "));
                &sigs
            }
            Hint::Interface => "compadd - /sys/class/net/*(N:t)",
            Hint::Cgroup => "compadd - ${(f)\"$(nscgroup list 2>/dev/null)\"}",
            Hint::Netns => "compadd - /run/netns/*(N:t)",
            Hint::EnvVar => "_parameters -g \"*export*\"",
            Hint::Command => "_command_names -e",
        }
        .to_string(),
    );
    code.retain(|c| !c.is_empty());
    if code.is_empty() {
        " ".into()
    } else {
        // A colon would end the action: `_arguments` takes `\:` for one.
        format!("{{{}}}", code.join("; ").replace(':', "\\:"))
    }
}

/// A description inside `[...]`.
fn escape_desc(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
}

/// A single-quoted zsh word.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}
