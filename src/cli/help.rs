//! `--help`, rendered from the table in util-linux's layout: the usage lines, the description,
//! the option groups with their help in one column, `--help`/`--version`, and the pointer to the
//! man page.

use super::flags::{Flag, Takes, Tool, STANDARD};

/// Option columns wider than this put their help on the next line.
const MAX_INLINE: usize = 32;

/// The whole `--help` text.
pub fn text(tool: &Tool) -> String {
    // One allocation: a growing string costs an mmap and munmap per step with musl.
    let mut s = String::with_capacity(8192);
    usage(tool, &mut s);
    if !tool.about.is_empty() {
        s.push('\n');
        s.push_str(tool.about);
    }
    s.push('\n');
    options(tool, &mut s);
    s.push('\n');
    s.push_str(tool.after);
    for part in [
        "For more details see ",
        tool.name,
        "(",
        tool.section,
        ").\n",
    ] {
        s.push_str(part);
    }
    s
}

/// `Usage:` and the usage lines.
pub fn usage(tool: &Tool, s: &mut String) {
    s.push_str("Usage:\n");
    for u in tool.usage {
        s.push(' ');
        s.push_str(u);
        s.push('\n');
    }
}

/// The option groups, then `-h` and `-V`, each group after an empty line but the first.
pub fn options(tool: &Tool, s: &mut String) {
    let column = column(tool);
    for (i, g) in tool.groups.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        if !g.title.is_empty() {
            s.push_str(g.title);
            s.push('\n');
        }
        for f in g.flags {
            row(s, f, column);
        }
        s.push_str(g.note);
    }
    if !tool.groups.is_empty() {
        s.push('\n');
    }
    for f in &STANDARD {
        row(s, f, column);
    }
}

/// The names and value of an option as `--help` shows them: ` -m, --mount[=<file>]`,
/// `     --netns <name>`.
pub fn synopsis(f: &Flag) -> String {
    let mut s = match f.short {
        Some(c) => format!(" -{c}, --{}", f.long),
        None => format!("     --{}", f.long),
    };
    match f.takes {
        Takes::Nothing => {}
        Takes::Value => {
            s.push(' ');
            s.push_str(f.name);
        }
        Takes::Optional | Takes::OptionalLong => {
            s.push_str("[=");
            s.push_str(f.name);
            s.push(']');
        }
    }
    s
}

/// Where the help column starts: after the widest option that fits in [`MAX_INLINE`].
fn column(tool: &Tool) -> usize {
    let widest = tool
        .flags()
        .chain(STANDARD.iter())
        .map(|f| synopsis(f).len())
        .filter(|w| *w <= MAX_INLINE)
        .max()
        .unwrap_or(0);
    widest + 2
}

fn row(s: &mut String, f: &Flag, column: usize) {
    let names = synopsis(f);
    s.push_str(&names);
    let mut pad = column.saturating_sub(names.len());
    if names.len() + 2 > column {
        s.push('\n');
        pad = column;
    }
    for (i, line) in f.help.split('\n').enumerate() {
        if i > 0 {
            s.push('\n');
            pad = column + 2;
        }
        s.extend(std::iter::repeat_n(' ', pad));
        s.push_str(line);
    }
    s.push('\n');
}
