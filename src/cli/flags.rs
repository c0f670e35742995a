//! The flag table types: what a tool declares once about its command line, and everything that
//! is read from it (the parser, `--help`, the man pages' SYNOPSIS and OPTIONS, the completions).

/// A tool's command line: its name, usage, options and operands.
///
/// Written as a `static` in the tool's module, with `..Tool::EMPTY` for the fields it does not
/// need (see the module documentation of [`crate::cli`] for an example).
#[derive(Debug)]
pub struct Tool {
    /// The name it is called by, and of its man page.
    pub name: &'static str,
    /// The section of its man page: "1", or "8" for administration tools.
    pub section: &'static str,
    /// The usage lines after `Usage:` (without the leading space), in help syntax:
    /// `<operand>`, `[optional]`, `...`; also the man page's SYNOPSIS.
    pub usage: &'static [&'static str],
    /// The help text between the usage and the options: a description, maybe more sections.
    pub about: &'static str,
    /// The options, by the group they are shown under.
    pub groups: &'static [Group],
    /// Help text after the options, before the `For more details` line.
    pub after: &'static str,
    /// Subcommands (`nscgroup create`, `nsveth add`), first operand; empty for most tools.
    pub commands: &'static [Command],
    /// What the operands are, for tools without subcommands (completions only).
    pub operands: &'static [Hint],
    /// Options may come after operands (GNU style, as `nscgroup create box --memory=1G`); when
    /// false, the first operand ends the options and it and everything after it are operands
    /// (util-linux's `+` getopt strings, as `nsunshare ls -l`).
    pub permute: bool,
}

impl Tool {
    /// Defaults for `..Tool::EMPTY`.
    pub const EMPTY: Tool = Tool {
        name: "",
        section: "1",
        usage: &[],
        about: "",
        groups: &[],
        after: "",
        commands: &[],
        operands: &[],
        permute: false,
    };

    /// Every option of the table, in the order `--help` shows them (without `--help` and
    /// `--version`, which every tool has: see [`STANDARD`]).
    pub fn flags(&self) -> impl Iterator<Item = &'static Flag> {
        self.groups.iter().flat_map(|g| g.flags.iter())
    }

    /// The subcommand called `name`.
    pub fn command(&self, name: &str) -> Option<&'static Command> {
        self.commands.iter().find(|c| c.name == name)
    }
}

/// Options shown together in `--help`, under an optional title (`Options:`); groups are
/// separated by an empty line.
#[derive(Debug)]
pub struct Group {
    /// `Options:`, `Limits:`; empty for a group that only follows an empty line.
    pub title: &'static str,
    pub flags: &'static [Flag],
    /// Lines shown after the group's options (already indented).
    pub note: &'static str,
}

impl Group {
    pub const fn new(title: &'static str, flags: &'static [Flag]) -> Group {
        Group {
            title,
            flags,
            note: "",
        }
    }

    /// Add lines shown after the options of the group.
    pub const fn note(self, note: &'static str) -> Group {
        Group { note, ..self }
    }
}

/// A subcommand: its name, one line of help (completions), its operands (completions).
#[derive(Debug)]
pub struct Command {
    pub name: &'static str,
    pub help: &'static str,
    pub operands: &'static [Hint],
}

impl Command {
    pub const fn new(name: &'static str, help: &'static str, operands: &'static [Hint]) -> Self {
        Command {
            name,
            help,
            operands,
        }
    }
}

/// Whether and how an option takes a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Takes {
    /// A flag: `--fork`, `-f`; `--fork=x` is an error.
    Nothing,
    /// A value, attached or as the next argument (even one starting with `-`):
    /// `--root=DIR`, `--root DIR`, `-RDIR`, `-R DIR`, `-R=DIR`.
    Value,
    /// An optional value, only attached, as getopt's `x::`: `-nFILE`, `-n=FILE`, `--net=FILE`;
    /// `-n FILE` is the flag and an operand (util-linux `nsenter -n`).
    Optional,
    /// An optional value of the long option only: `--mount=FILE`; `-m` never takes one, so
    /// `-mu` stays two flags (util-linux `unshare -m`).
    OptionalLong,
}

/// How a completion offers a value (of an option, or an operand).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hint {
    /// Anything: nothing is offered (words of the value name still are, see [`Flag::name`]).
    None,
    /// A path to a file (or anything).
    File,
    /// A directory.
    Dir,
    /// A process id, from `/proc`.
    Pid,
    /// A user name, from `/etc/passwd`.
    User,
    /// A group name, from `/etc/group`.
    Group,
    /// A numeric user id, from `/etc/passwd`.
    Uid,
    /// A numeric group id, from `/etc/group`.
    Gid,
    /// A signal name.
    Signal,
    /// A network interface, from `/sys/class/net`.
    Interface,
    /// A cgroup path under the caller's own cgroup (`nscgroup list`).
    Cgroup,
    /// A namespace file (`/proc/PID/ns/*`, `/run/netns/*`, a bind mount of one).
    NsFile,
    /// The name of a network namespace in `/run/netns` (`ip netns add`).
    Netns,
    /// The name of an environment variable.
    EnvVar,
    /// A command name (`--setup 'ip link …'`).
    Command,
    /// The program and its own arguments: the rest of the command line (operands only).
    Program,
    /// An nstools tool and its own arguments (operands of the multicall binary only).
    Tool,
    /// A word of a fixed list.
    List(&'static [&'static str]),
    /// The operand before may be repeated (operands only): `attach <path> <pid>...`.
    More,
}

/// One option: its names, its value, its help, how to complete it, where it applies.
///
/// Built with `const` methods in the table:
/// `Flag::new("root", "run the command with root directory set to <dir>").short('R')
/// .value("<dir>").hint(Hint::Dir)`.
#[derive(Clone, Copy, Debug)]
pub struct Flag {
    /// The long name, without `--` (every option has one).
    pub long: &'static str,
    pub short: Option<char>,
    pub takes: Takes,
    /// The value as shown after the option: `<dir>`, `<uid>|follow`, `allow|deny`. Words
    /// outside `<…>` are literal, and completions offer them.
    pub name: &'static str,
    /// One line of `--help` (a `\n` continues it on an indented line).
    pub help: &'static str,
    pub hint: Hint,
    /// The subcommands it applies to; empty: all (and tools without subcommands).
    pub commands: &'static [&'static str],
}

impl Flag {
    /// A flag without value and without short name.
    pub const fn new(long: &'static str, help: &'static str) -> Flag {
        Flag {
            long,
            short: None,
            takes: Takes::Nothing,
            name: "",
            help,
            hint: Hint::None,
            commands: &[],
        }
    }

    pub const fn short(self, c: char) -> Flag {
        Flag {
            short: Some(c),
            ..self
        }
    }

    /// It takes a value, shown as `name`.
    pub const fn value(self, name: &'static str) -> Flag {
        Flag {
            takes: Takes::Value,
            name,
            ..self
        }
    }

    /// It takes an optional attached value ([`Takes::Optional`]).
    pub const fn optional(self, name: &'static str) -> Flag {
        Flag {
            takes: Takes::Optional,
            name,
            ..self
        }
    }

    /// Its long form takes an optional `=value` ([`Takes::OptionalLong`]).
    pub const fn optional_long(self, name: &'static str) -> Flag {
        Flag {
            takes: Takes::OptionalLong,
            name,
            ..self
        }
    }

    /// How completions offer its value.
    pub const fn hint(self, hint: Hint) -> Flag {
        Flag { hint, ..self }
    }

    /// It applies to these subcommands only.
    pub const fn only(self, commands: &'static [&'static str]) -> Flag {
        Flag { commands, ..self }
    }

    /// Whether it applies to `command`.
    pub fn applies_to(&self, command: &str) -> bool {
        self.commands.is_empty() || self.commands.contains(&command)
    }

    /// The literal words of its value name (`follow` in `<uid>|follow`), which completions offer.
    pub fn words(&self) -> impl Iterator<Item = &'static str> {
        self.name.split('|').filter(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
    }
}

/// `--help` and `--version`, which every tool has, answered by the parser.
pub static STANDARD: [Flag; 2] = [
    Flag::new("help", "display this help").short('h'),
    Flag::new("version", "display version").short('V'),
];
