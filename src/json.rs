//! The one small JSON writer of the tools' `--json` output (`nsveth add/list --json`,
//! `nscgroup stat --json`, `nsls --inspect --json`): a tree of values, written on one line or
//! indented by two spaces. (nsls's tables are written the way util-linux writes them, by
//! [`crate::nsls::table`], so that its output is `lsns`'s to the byte.)

use std::fmt::{Display, Write as _};

/// A JSON value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Written as it is: a number or a boolean.
    Raw(String),
    Str(String),
    Null,
    Arr(Vec<Value>),
    Obj(Vec<(String, Value)>),
}

impl Value {
    /// A number or a boolean.
    pub fn raw(v: impl Display) -> Value {
        Value::Raw(v.to_string())
    }

    /// A string of what `v` displays.
    pub fn str(v: impl Display) -> Value {
        Value::Str(v.to_string())
    }

    /// `f(v)`, or `null`.
    pub fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
        v.map_or(Value::Null, f)
    }

    /// An array of the strings `items` display.
    pub fn strs<T: Display>(items: &[T]) -> Value {
        Value::Arr(items.iter().map(Value::str).collect())
    }

    /// An object of `(name, value)` pairs, in that order.
    pub fn obj<K: Into<String>>(fields: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Obj(fields.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The value on one line, without blanks, and a newline.
    pub fn line(&self) -> String {
        let mut s = String::new();
        self.write(&mut s, None);
        s.push('\n');
        s
    }

    /// The value indented by two spaces a level, and a newline.
    pub fn pretty(&self) -> String {
        let mut s = String::with_capacity(4096);
        self.write(&mut s, Some(0));
        s.push('\n');
        s
    }

    /// Append the value; `indent`: the current level's indentation, `None` on one line.
    fn write(&self, s: &mut String, indent: Option<usize>) {
        let pad = |s: &mut String, n: usize| s.extend(std::iter::repeat_n(' ', n));
        let (open, close) = match self {
            Value::Raw(r) => return s.push_str(r),
            Value::Str(t) => return string_into(t, s),
            Value::Null => return s.push_str("null"),
            Value::Arr(items) if items.is_empty() => return s.push_str("[]"),
            Value::Obj(items) if items.is_empty() => return s.push_str("{}"),
            Value::Arr(_) => ('[', ']'),
            Value::Obj(_) => ('{', '}'),
        };
        s.push(open);
        let inner = indent.map(|n| n + 2);
        let items: Box<dyn Iterator<Item = (Option<&str>, &Value)>> = match self {
            Value::Arr(items) => Box::new(items.iter().map(|v| (None, v))),
            Value::Obj(items) => Box::new(items.iter().map(|(k, v)| (Some(k.as_str()), v))),
            _ => unreachable!("only arrays and objects have items"),
        };
        for (i, (name, v)) in items.enumerate() {
            if i > 0 {
                s.push(',');
            }
            if let Some(n) = inner {
                s.push('\n');
                pad(s, n);
            }
            if let Some(name) = name {
                string_into(name, s);
                s.push_str(if inner.is_some() { ": " } else { ":" });
            }
            v.write(s, inner);
        }
        if let Some(n) = indent {
            s.push('\n');
            pad(s, n);
        }
        s.push(close);
    }
}

/// `text` as a JSON string literal: `"` and `\` escaped, control characters as `\u00NN`.
pub fn string(text: &str) -> String {
    let mut s = String::new();
    string_into(text, &mut s);
    s
}

fn string_into(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings() {
        assert_eq!(string("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
    }

    #[test]
    fn one_line_and_indented() {
        let v = Value::obj([
            ("a", Value::raw(12)),
            ("b", Value::str("max")),
            ("c", Value::Arr(vec![])),
            ("d", Value::Null),
            ("e", Value::strs(&["x", "y"])),
        ]);
        assert_eq!(
            v.line(),
            "{\"a\":12,\"b\":\"max\",\"c\":[],\"d\":null,\"e\":[\"x\",\"y\"]}\n"
        );
        assert_eq!(
            v.pretty(),
            "{\n  \"a\": 12,\n  \"b\": \"max\",\n  \"c\": [],\n  \"d\": null,\n  \"e\": [\n    \
             \"x\",\n    \"y\"\n  ]\n}\n"
        );
    }
}
