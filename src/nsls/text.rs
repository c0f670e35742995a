//! How text is measured and escaped in each output format, as libsmartcols does it: the width
//! of a cell in terminal columns, the "safe" form of the table (control characters, invalid
//! bytes and a `\x` that could be read as an escape shown as `\xNN`), the raw form (blanks and
//! everything unprintable as `\xNN`, so a line splits on spaces), and JSON strings.
//!
//! Whether multibyte characters are printed as they are depends on the locale's character set,
//! which is read from the environment (`LC_ALL`, `LC_CTYPE`, `LANG`) rather than loaded: a UTF-8
//! locale prints UTF-8, any other one shows every byte above ASCII as `\xNN`.

/// Whether the locale the environment names uses UTF-8.
pub fn utf8_locale() -> bool {
    let name = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(std::env::var_os)
        .find(|v| !v.is_empty());
    name.is_some_and(|n| {
        let n = n.to_string_lossy().to_ascii_lowercase();
        n.contains("utf-8") || n.contains("utf8")
    })
}

/// A C0 control or DEL (`iscntrl` in the C locale).
fn is_cntrl(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

/// The next character of `s` when it starts with a valid UTF-8 sequence: (char, bytes).
fn next_char(s: &[u8]) -> Option<(char, usize)> {
    let len = match s.first()? {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let c = std::str::from_utf8(s.get(..len)?).ok()?.chars().next()?;
    Some((c, len))
}

/// Whether `c` is shown as itself (`iswprint`): not a C1 control (C0 ones are caught before).
fn is_printable(c: char) -> bool {
    !('\u{80}'..='\u{9f}').contains(&c)
}

/// Terminal columns of a printable character (`wcwidth`): 0 for combining marks, 2 for East
/// Asian wide ones, 1 otherwise. A short table of the common ranges, not the whole of Unicode.
pub fn char_width(c: char) -> usize {
    const ZERO: &[(u32, u32)] = &[
        (0x0300, 0x036f),
        (0x0483, 0x0489),
        (0x0591, 0x05bd),
        (0x0610, 0x061a),
        (0x064b, 0x065f),
        (0x200b, 0x200f),
        (0x20d0, 0x20ff),
        (0xfe00, 0xfe0f),
        (0xfe20, 0xfe2f),
    ];
    const WIDE: &[(u32, u32)] = &[
        (0x1100, 0x115f),
        (0x2e80, 0x303e),
        (0x3041, 0x33ff),
        (0x3400, 0x4dbf),
        (0x4e00, 0x9fff),
        (0xa000, 0xa4cf),
        (0xac00, 0xd7a3),
        (0xf900, 0xfaff),
        (0xfe30, 0xfe4f),
        (0xff00, 0xff60),
        (0xffe0, 0xffe6),
        (0x1f300, 0x1f64f),
        (0x1f900, 0x1f9ff),
        (0x20000, 0x2fffd),
        (0x30000, 0x3fffd),
    ];
    let u = c as u32;
    let within = |t: &[(u32, u32)]| t.iter().any(|&(a, b)| (a..=b).contains(&u));
    if within(ZERO) {
        0
    } else if within(WIDE) {
        2
    } else {
        1
    }
}

/// Whether the byte at `i` starts a literal `\x`, which the safe form escapes so that it cannot
/// be mistaken for an escape it made.
fn starts_backslash_x(s: &[u8], i: usize) -> bool {
    s[i] == b'\\' && s.get(i + 1) == Some(&b'x')
}

/// Append the safe form of `s` to `out` (libsmartcols' "safe" encoding) and return its width in
/// terminal columns. A newline is kept when `keep_newline` (a multi-line cell).
pub fn safe_encode(s: &[u8], utf8: bool, keep_newline: bool, out: &mut Vec<u8>) -> usize {
    let mut width = 0;
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == 0 {
            break;
        }
        if keep_newline && b == b'\n' {
            out.push(b);
            i += 1;
            continue;
        }
        if starts_backslash_x(s, i) || is_cntrl(b) {
            hex(b, out);
            width += 4;
            i += 1;
            continue;
        }
        if b < 0x80 {
            out.push(b);
            width += 1;
            i += 1;
            continue;
        }
        match next_char(&s[i..]).filter(|_| utf8) {
            Some((c, len)) if is_printable(c) => {
                out.extend_from_slice(&s[i..i + len]);
                width += char_width(c);
                i += len;
            }
            Some((_, len)) => {
                for &x in &s[i..i + len] {
                    hex(x, out);
                }
                width += 4 * len;
                i += len;
            }
            None => {
                hex(b, out);
                width += 4;
                i += 1;
            }
        }
    }
    width
}

/// The width of the safe form of `s`.
pub fn safe_width(s: &[u8], utf8: bool) -> usize {
    let mut sink = Vec::new();
    safe_encode(s, utf8, false, &mut sink)
}

/// Cut safe text to at most `max` columns without splitting a character: (bytes, width) kept.
pub fn truncate(s: &[u8], max: usize, utf8: bool) -> (usize, usize) {
    if !utf8 {
        let n = s.len().min(max);
        return (n, n);
    }
    let (mut bytes, mut cols) = (0, 0);
    let text = String::from_utf8_lossy(s);
    for c in text.chars() {
        let w = char_width(c);
        if cols + w > max {
            break;
        }
        cols += w;
        bytes += c.len_utf8();
    }
    (bytes.min(s.len()), cols)
}

/// Append the raw-format form of `s`: blanks, backslashes and anything unprintable in the C
/// locale (which every byte above ASCII is, one by one) as `\xNN`.
pub fn raw_encode(s: &[u8], out: &mut Vec<u8>) {
    for &b in s {
        if b == b' ' || b == b'\t' || b == b'\\' || !(0x20..0x7f).contains(&b) {
            hex(b, out);
        } else {
            out.push(b);
        }
    }
}

/// Append `s` as a JSON string as util-linux writes one: `"` and `\` escaped, the usual short
/// escapes for `\b \t \n \f \r`, `\u00NN` for the other control characters, every other byte
/// as it is.
pub fn json_string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in s {
        match b {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0..=0x1f => {
                out.extend_from_slice(b"\\u00");
                push_hex(b, out);
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

fn hex(b: u8, out: &mut Vec<u8>) {
    out.extend_from_slice(b"\\x");
    push_hex(b, out);
}

fn push_hex(b: u8, out: &mut Vec<u8>) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.push(DIGITS[usize::from(b >> 4)]);
    out.push(DIGITS[usize::from(b & 15)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn safe(s: &[u8], utf8: bool) -> (String, usize) {
        let mut out = Vec::new();
        let w = safe_encode(s, utf8, false, &mut out);
        (String::from_utf8(out).unwrap(), w)
    }

    #[test]
    fn safe_form_escapes_what_a_terminal_would_act_on() {
        assert_eq!(safe(b"sleep 10", true), ("sleep 10".into(), 8));
        assert_eq!(safe(b"a\tb", true), ("a\\x09b".into(), 6));
        assert_eq!(safe(b"c:\\x", true), ("c:\\x5cx".into(), 7));
        assert_eq!(safe(b"c:\\y", true), ("c:\\y".into(), 4));
        assert_eq!(safe("é─".as_bytes(), true), ("é─".into(), 2));
        assert_eq!(safe("é".as_bytes(), false), ("\\xc3\\xa9".into(), 8));
        assert_eq!(safe(b"\xff", true), ("\\xff".into(), 4));
        assert_eq!(safe("\u{85}".as_bytes(), true), ("\\xc2\\x85".into(), 8));
        assert_eq!(safe("日本".as_bytes(), true).1, 4);
        let mut out = Vec::new();
        assert_eq!(safe_encode(b"/a\n/b", true, true, &mut out), 4);
        assert_eq!(out, b"/a\n/b");
    }

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate(b"abcdef", 4, true), (4, 4));
        assert_eq!(truncate("日本語".as_bytes(), 5, true), (6, 4));
        assert_eq!(truncate(b"ab", 4, false), (2, 2));
    }

    #[test]
    fn raw_and_json_forms() {
        let mut out = Vec::new();
        raw_encode("a b\\└".as_bytes(), &mut out);
        assert_eq!(out, b"a\\x20b\\x5c\\xe2\\x94\\x94");
        out.clear();
        json_string(b"a\"b\\c\n\x01\xc3\xa9", &mut out);
        assert_eq!(out, b"\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
    }
}
