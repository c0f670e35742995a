//! The generated parts of a man page, between marker comments, around hand-written prose:
//!
//! ```text
//! .\" BEGIN GENERATED SYNOPSIS (a remark)
//! (the usage lines of the table)
//! .\" END GENERATED SYNOPSIS
//! .\" BEGIN GENERATED OPTIONS (a remark)  (or: OPTIONS group=Limits, for one group)
//! .TP
//! \fB\-m\fR, \fB\-\-mount\fR[=\fIfile\fR]   (generated from the table)
//! Unshare the mount namespace. …             (hand-written, kept)
//! .\" END GENERATED OPTIONS
//! ```
//!
//! An OPTIONS region holds one `.TP` entry per option of its groups, in table order: the line
//! naming the option is generated; the text under it is kept from the page, found by the long
//! name, or (for an option new to the page) its help line. An option removed from the table loses
//! its entry. A region with `group=TITLE` (the group's title without its colon) holds that group;
//! the region without holds the other groups and `--help`/`--version`.

use super::{one_line, BLESS};
use crate::cli::flags::{Flag, Takes, Tool, STANDARD};

const BEGIN: &str = ".\\\" BEGIN GENERATED ";
const END: &str = ".\\\" END GENERATED ";

/// `page` with its generated regions made anew from `tool`; an error names a missing or broken
/// marker.
pub fn man(tool: &Tool, page: &str) -> Result<String, String> {
    // Groups with a region of their own are left out of the default one.
    let claimed: Vec<&str> = page
        .lines()
        .filter_map(|l| l.strip_prefix(BEGIN)?.split(" (").next())
        .filter_map(|w| {
            w.trim()
                .strip_prefix("OPTIONS")?
                .trim()
                .strip_prefix("group=")
        })
        .collect();
    let mut out = String::new();
    let mut lines = page.lines();
    let mut synopsis = false;
    let mut default_region = false;
    while let Some(line) = lines.next() {
        out.push_str(line);
        out.push('\n');
        let Some(what) = line.strip_prefix(BEGIN) else {
            continue;
        };
        let what = what.split(" (").next().unwrap_or("").trim();
        let mut old = Vec::new();
        let end = loop {
            match lines.next() {
                Some(l) if l.starts_with(END) => break l,
                Some(l) if l.starts_with(BEGIN) => {
                    return Err(format!("{}: '{l}' inside a generated region", tool.name))
                }
                Some(l) => old.push(l),
                None => return Err(format!("{}: no end to '{line}'", tool.name)),
            }
        };
        if what == "SYNOPSIS" {
            synopsis = true;
            out.push_str(&synopsis_lines(tool));
        } else if let Some(rest) = what.strip_prefix("OPTIONS") {
            let group = rest.trim().strip_prefix("group=");
            if group.is_none() {
                default_region = true;
            }
            out.push_str(&options(tool, group, &claimed, &old)?);
        } else {
            return Err(format!("{}: unknown generated region '{what}'", tool.name));
        }
        out.push_str(end);
        out.push('\n');
    }
    if !synopsis || !default_region {
        return Err(format!(
            "{}: the page needs the regions '{BEGIN}SYNOPSIS' and '{BEGIN}OPTIONS' (each closed \
             by '{END}…'), filled by {BLESS}",
            tool.name
        ));
    }
    Ok(out)
}

/// The usage lines as roff, one per line: literal words bold, `<operands>` and placeholders
/// italic, text after three spaces (a remark) roman.
fn synopsis_lines(tool: &Tool) -> String {
    let lines: Vec<String> = tool.usage.iter().map(|u| usage_line(u)).collect();
    let mut s = lines.join("\n.br\n");
    s.push('\n');
    s
}

fn usage_line(usage: &str) -> String {
    let (syntax, remark) = match usage.split_once("   ") {
        Some((s, r)) => (s, Some(r.trim())),
        None => (usage, None),
    };
    let mut out = String::new();
    // The tool's name and its subcommand words are bold; later bare words are placeholders.
    let mut command_words = true;
    for (i, token) in syntax.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let bare = token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'|');
        if !bare || token.starts_with('-') {
            command_words = false;
        }
        out.push_str(&value(token, command_words));
    }
    if let Some(r) = remark {
        out.push_str(&format!(" {}", escape(r)));
    }
    out
}

/// A value or usage syntax as roff: `<x>` italic, options and (with `bold_words`, or outside a
/// usage line) literal words bold, punctuation roman.
fn value(text: &str, bold_words: bool) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let end = rest.find('>').unwrap_or(rest.len());
            out.push_str(&format!("\\fI{}\\fR", escape(&rest[1..end])));
            rest = rest.get(end + 1..).unwrap_or("");
        } else if c == '-' && rest.len() > 1 {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(rest.len());
            out.push_str(&format!("\\fB{}\\fR", escape(&rest[..end])));
            rest = &rest[end..];
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(rest.len());
            let font = if bold_words { "B" } else { "I" };
            out.push_str(&format!("\\f{font}{}\\fR", escape(&rest[..end])));
            rest = &rest[end..];
        } else {
            out.push_str(&escape(&rest[..c.len_utf8()]));
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Text for roff: backslashes and dashes escaped.
fn escape(text: &str) -> String {
    text.replace('\\', "\\e").replace('-', "\\-")
}

/// The `.TP` line of an option: `\fB\-m\fR, \fB\-\-mount\fR[=\fIfile\fR]`.
fn header(f: &Flag) -> String {
    let mut s = match f.short {
        Some(c) => format!("\\fB\\-{c}\\fR, "),
        None => String::new(),
    };
    s.push_str(&format!("\\fB\\-\\-{}\\fR", escape(f.long)));
    match f.takes {
        Takes::Nothing => {}
        Takes::Value => s.push_str(&format!(" {}", value(f.name, true))),
        Takes::Optional | Takes::OptionalLong => s.push_str(&format!("[={}]", value(f.name, true))),
    }
    s
}

/// The long name an entry's `.TP` line names: the first `\-\-name` in it.
fn long_of(header: &str) -> Option<String> {
    let at = header.find("\\-\\-")? + 4;
    let mut name = String::new();
    let mut rest = &header[at..];
    loop {
        if let Some(r) = rest.strip_prefix("\\-") {
            name.push('-');
            rest = r;
        } else if let Some(c) = rest.chars().next().filter(|c| c.is_ascii_alphanumeric()) {
            name.push(c);
            rest = &rest[1..];
        } else {
            break;
        }
    }
    (!name.is_empty()).then_some(name)
}

/// The hand-written text of each option in an old region, by long name.
fn bodies<'a>(tool: &Tool, old: &[&'a str]) -> Result<Vec<(String, Vec<&'a str>)>, String> {
    let mut out: Vec<(String, Vec<&'a str>)> = Vec::new();
    let mut lines = old.iter().peekable();
    while let Some(line) = lines.next() {
        if *line != ".TP" {
            return Err(format!(
                "{}: '{line}' before the first .TP of a generated OPTIONS region",
                tool.name
            ));
        }
        let head = lines.next().copied().unwrap_or("");
        let long = long_of(head)
            .ok_or_else(|| format!("{}: no --option in the .TP line '{head}'", tool.name))?;
        let mut body = Vec::new();
        while let Some(l) = lines.next_if(|l| **l != ".TP") {
            body.push(*l);
        }
        out.push((long, body));
    }
    Ok(out)
}

/// A region of options: the group titled `group`, or every other group and `-h`, `-V`.
fn options(
    tool: &Tool,
    group: Option<&str>,
    claimed: &[&str],
    old: &[&str],
) -> Result<String, String> {
    let title = |t: &str| t.trim_end_matches(':').to_string();
    let flags: Vec<&Flag> = match group {
        Some(g) => tool
            .groups
            .iter()
            .find(|grp| title(grp.title) == g)
            .ok_or_else(|| format!("{}: no option group '{g}'", tool.name))?
            .flags
            .iter()
            .collect(),
        None => tool
            .groups
            .iter()
            .filter(|grp| !claimed.contains(&title(grp.title).as_str()))
            .flat_map(|grp| grp.flags.iter())
            .chain(STANDARD.iter())
            .collect(),
    };
    let bodies = bodies(tool, old)?;
    let mut s = String::new();
    for f in flags {
        s.push_str(".TP\n");
        s.push_str(&header(f));
        s.push('\n');
        match bodies.iter().find(|(long, _)| long == f.long) {
            Some((_, body)) => {
                for l in body {
                    s.push_str(l);
                    s.push('\n');
                }
            }
            None => {
                s.push_str(&default_body(f));
                s.push('\n');
            }
        }
    }
    Ok(s)
}

/// The text of an option the page does not describe yet: its help line as a sentence.
fn default_body(f: &Flag) -> String {
    if std::ptr::eq(f, &STANDARD[0]) {
        return "Display help text and exit.".into();
    }
    if std::ptr::eq(f, &STANDARD[1]) {
        return "Display version and exit.".into();
    }
    let help = one_line(f.help);
    let mut s = String::new();
    let mut chars = help.chars();
    if let Some(c) = chars.next() {
        s.extend(c.to_uppercase());
    }
    s.push_str(chars.as_str());
    if !s.ends_with('.') {
        s.push('.');
    }
    // `<dir>` in help text is an italic placeholder in a man page.
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(at) = rest.find('<') {
        out.push_str(&escape(&rest[..at]));
        match rest[at..].find('>') {
            Some(end) => {
                out.push_str(&format!("\\fI{}\\fR", escape(&rest[at + 1..at + end])));
                rest = &rest[at + end + 1..];
            }
            None => {
                out.push_str(&escape(&rest[at..]));
                rest = "";
            }
        }
    }
    out.push_str(&escape(rest));
    if out.starts_with('.') || out.starts_with('\'') {
        out.insert_str(0, "\\&");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::flags::{Group, Hint};

    #[test]
    fn option_lines() {
        let f = Flag::new("mount", "").short('m').optional_long("<file>");
        assert_eq!(
            header(&f),
            "\\fB\\-m\\fR, \\fB\\-\\-mount\\fR[=\\fIfile\\fR]"
        );
        let f = Flag::new("map-users", "").value("<inner>:<outer>:<count>|auto");
        assert_eq!(
            header(&f),
            "\\fB\\-\\-map\\-users\\fR \\fIinner\\fR:\\fIouter\\fR:\\fIcount\\fR|\\fBauto\\fR"
        );
        assert_eq!(long_of(&header(&f)).as_deref(), Some("map-users"));
        assert_eq!(
            long_of(".BR \\-n , \" \\-\\-netns \" \\fItarget\\fR").as_deref(),
            Some("netns")
        );
    }

    #[test]
    fn usage_lines() {
        assert_eq!(
            usage_line("nscgroup exec <path> [limits] [--rm] [--] <program> [<argument>...]"),
            "\\fBnscgroup\\fR \\fBexec\\fR \\fIpath\\fR [\\fIlimits\\fR] [\\fB\\-\\-rm\\fR] \
             [\\fB\\-\\-\\fR] \\fIprogram\\fR [\\fIargument\\fR...]"
        );
        assert_eq!(
            usage_line("<tool> [arguments...]   (through a link)"),
            "\\fItool\\fR [\\fIarguments\\fR...] (through a link)"
        );
    }

    static T: Tool = Tool {
        name: "t",
        usage: &["t [options]"],
        groups: &[Group::new(
            "Options:",
            &[
                Flag::new("new", "make a <dir> anew"),
                Flag::new("old", "").value("<x>").hint(Hint::Dir),
            ],
        )],
        ..Tool::EMPTY
    };

    #[test]
    fn regions_keep_the_prose_and_follow_the_table() {
        let page = "\
.SH SYNOPSIS
.\\\" BEGIN GENERATED SYNOPSIS (x)
stale
.\\\" END GENERATED SYNOPSIS
.SH OPTIONS
Intro.
.\\\" BEGIN GENERATED OPTIONS (x)
.TP
.B \\-\\-gone
Removed.
.TP
.BI \\-\\-old \" x\"
Kept
text.
.\\\" END GENERATED OPTIONS
";
        let got = man(&T, page).unwrap();
        assert_eq!(
            got,
            "\
.SH SYNOPSIS
.\\\" BEGIN GENERATED SYNOPSIS (x)
\\fBt\\fR [\\fIoptions\\fR]
.\\\" END GENERATED SYNOPSIS
.SH OPTIONS
Intro.
.\\\" BEGIN GENERATED OPTIONS (x)
.TP
\\fB\\-\\-new\\fR
Make a \\fIdir\\fR anew.
.TP
\\fB\\-\\-old\\fR \\fIx\\fR
Kept
text.
.TP
\\fB\\-h\\fR, \\fB\\-\\-help\\fR
Display help text and exit.
.TP
\\fB\\-V\\fR, \\fB\\-\\-version\\fR
Display version and exit.
.\\\" END GENERATED OPTIONS
"
        );
        assert_eq!(man(&T, &got).unwrap(), got);
        assert!(man(&T, ".SH NAME\n").is_err());
    }
}
