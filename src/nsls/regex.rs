//! POSIX extended regular expressions for the `=~` and `!~` of filter expressions: whether a
//! pattern matches somewhere in a cell (what libsmartcols asks of the C library's
//! `regcomp(REG_EXTENDED | REG_NOSUB)`), with glibc's syntax, GNU escapes and error messages.
//!
//! Our own small backtracking matcher instead of the C library's: musl's (TRE) and the tables it
//! pulls in would be a tenth of the binary, and its messages differ from the glibc ones util-linux
//! users see. Characters are UTF-8 in a UTF-8 locale (`.` takes one), bytes otherwise.
//! Not supported: back-references (`\1`), refused as glibc refuses one to a missing group.

/// A compiled pattern.
#[derive(Debug)]
pub struct Regex {
    alts: Vec<Seq>,
    utf8: bool,
}

type Seq = Vec<Piece>;

#[derive(Debug)]
struct Piece {
    atom: Atom,
    min: u32,
    max: u32,
}

#[derive(Debug)]
enum Atom {
    Char(u32),
    Any,
    Set(Set),
    Group(Vec<Seq>),
    /// `^`, `$`, and GNU's `\b`, `\B`, `\<`, `\>`, `` \` ``, `\'`.
    Assert(u8),
}

/// A bracket expression (or `\w`, `\s` and their complements).
#[derive(Debug, Default)]
struct Set {
    negated: bool,
    ranges: Vec<(u32, u32)>,
    classes: Vec<Class>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Class {
    Alpha,
    Digit,
    Alnum,
    Upper,
    Lower,
    Space,
    Blank,
    Punct,
    Print,
    Graph,
    Cntrl,
    Xdigit,
    Word,
}

const CLASSES: &[(&str, Class)] = &[
    ("alpha", Class::Alpha),
    ("digit", Class::Digit),
    ("alnum", Class::Alnum),
    ("upper", Class::Upper),
    ("lower", Class::Lower),
    ("space", Class::Space),
    ("blank", Class::Blank),
    ("punct", Class::Punct),
    ("print", Class::Print),
    ("graph", Class::Graph),
    ("cntrl", Class::Cntrl),
    ("xdigit", Class::Xdigit),
];

impl Class {
    fn has(self, c: u32) -> bool {
        let Some(ch) = char::from_u32(c) else {
            return false;
        };
        match self {
            Class::Alpha => ch.is_alphabetic(),
            Class::Digit => ch.is_ascii_digit(),
            Class::Alnum => ch.is_alphanumeric(),
            Class::Upper => ch.is_uppercase(),
            Class::Lower => ch.is_lowercase(),
            Class::Space => ch.is_whitespace(),
            Class::Blank => ch == ' ' || ch == '\t',
            Class::Punct => ch.is_ascii_punctuation(),
            Class::Print => !ch.is_control(),
            Class::Graph => !ch.is_control() && !ch.is_whitespace(),
            Class::Cntrl => ch.is_control(),
            Class::Xdigit => ch.is_ascii_hexdigit(),
            Class::Word => ch.is_alphanumeric() || ch == '_',
        }
    }
}

impl Set {
    fn has(&self, c: u32) -> bool {
        let inside = self.ranges.iter().any(|&(a, b)| (a..=b).contains(&c))
            || self.classes.iter().any(|k| k.has(c));
        inside != self.negated
    }

    fn of(class: Class, negated: bool) -> Set {
        Set {
            negated,
            ranges: Vec::new(),
            classes: vec![class],
        }
    }
}

// glibc's messages.
const BADRPT: &str = "Invalid preceding regular expression";
const EBRACE: &str = "Unmatched \\{";
const BADBR: &str = "Invalid content of \\{\\}";
const ESIZE: &str = "Regular expression too big";
const EPAREN: &str = "Unmatched ( or \\(";
const EESCAPE: &str = "Trailing backslash";
const ESUBREG: &str = "Invalid back reference";
const EBRACK: &str = "Unmatched [, [^, [:, [., or [=";
const ECTYPE: &str = "Invalid character class name";
const ERANGE: &str = "Invalid range end";
const ECOLLATE: &str = "Invalid collation character";

/// Most repetitions an interval may ask for (glibc's `RE_DUP_MAX`).
const DUP_MAX: u32 = 0x7fff;

/// `text` as characters: UTF-8 ones, or bytes (an invalid byte stands for itself).
fn chars(text: &[u8], utf8: bool) -> Vec<u32> {
    if !utf8 {
        return text.iter().map(|&b| u32::from(b)).collect();
    }
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.extend(s.chars().map(u32::from));
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                out.extend(
                    std::str::from_utf8(good)
                        .unwrap_or_default()
                        .chars()
                        .map(u32::from),
                );
                out.push(u32::from(bad[0]));
                rest = &bad[1..];
            }
        }
    }
    out
}

struct Parser {
    p: Vec<u32>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<u32> {
        self.p.get(self.at).copied()
    }

    fn is(&self, c: char) -> bool {
        self.peek() == Some(c as u32)
    }

    fn alternatives(&mut self, depth: usize) -> Result<Vec<Seq>, &'static str> {
        let mut alts = vec![self.sequence(depth)?];
        while self.is('|') {
            self.at += 1;
            alts.push(self.sequence(depth)?);
        }
        Ok(alts)
    }

    fn sequence(&mut self, depth: usize) -> Result<Seq, &'static str> {
        let mut seq: Seq = Vec::new();
        while let Some(c) = self.peek() {
            let c = char::from_u32(c).unwrap_or('\0');
            match c {
                '|' => break,
                ')' if depth > 0 => break,
                '*' | '+' | '?' | '{' => {
                    let Some(last) = seq
                        .last_mut()
                        .filter(|p| !matches!(p.atom, Atom::Assert(_)))
                    else {
                        return Err(BADRPT);
                    };
                    let (min, max) = self.quantifier()?;
                    // A quantified piece is quantified again as a group of one.
                    if last.min != 1 || last.max != 1 {
                        let inner = std::mem::replace(
                            last,
                            Piece {
                                atom: Atom::Any,
                                min: 1,
                                max: 1,
                            },
                        );
                        last.atom = Atom::Group(vec![vec![inner]]);
                    }
                    last.min = min;
                    last.max = max;
                }
                _ => {
                    let atom = self.atom(depth)?;
                    seq.push(Piece {
                        atom,
                        min: 1,
                        max: 1,
                    });
                }
            }
        }
        Ok(seq)
    }

    fn quantifier(&mut self) -> Result<(u32, u32), &'static str> {
        let c = self.peek().and_then(char::from_u32);
        self.at += 1;
        match c {
            Some('*') => Ok((0, u32::MAX)),
            Some('+') => Ok((1, u32::MAX)),
            Some('?') => Ok((0, 1)),
            _ => {
                let close = self.p[self.at..]
                    .iter()
                    .position(|&c| c == '}' as u32)
                    .ok_or(EBRACE)?;
                let body: String = self.p[self.at..self.at + close]
                    .iter()
                    .filter_map(|&c| char::from_u32(c))
                    .collect();
                self.at += close + 1;
                let num = |s: &str| -> Result<u32, &'static str> {
                    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(BADBR);
                    }
                    match s.parse::<u32>() {
                        Ok(n) if n <= DUP_MAX => Ok(n),
                        _ => Err(ESIZE),
                    }
                };
                let (min, max) = match body.split_once(',') {
                    None => {
                        let n = num(&body)?;
                        (n, n)
                    }
                    Some((a, "")) => (if a.is_empty() { 0 } else { num(a)? }, u32::MAX),
                    Some((a, b)) => (if a.is_empty() { 0 } else { num(a)? }, num(b)?),
                };
                if min > max {
                    return Err(BADBR);
                }
                Ok((min, max))
            }
        }
    }

    fn atom(&mut self, depth: usize) -> Result<Atom, &'static str> {
        let c = self.peek().unwrap_or(0);
        self.at += 1;
        Ok(match char::from_u32(c).unwrap_or('\0') {
            '(' => {
                let alts = self.alternatives(depth + 1)?;
                if !self.is(')') {
                    return Err(EPAREN);
                }
                self.at += 1;
                Atom::Group(alts)
            }
            '.' => Atom::Any,
            '^' => Atom::Assert(b'^'),
            '$' => Atom::Assert(b'$'),
            '[' => Atom::Set(self.bracket()?),
            '\\' => {
                let e = self.peek().ok_or(EESCAPE)?;
                self.at += 1;
                match char::from_u32(e).unwrap_or('\0') {
                    'w' => Atom::Set(Set::of(Class::Word, false)),
                    'W' => Atom::Set(Set::of(Class::Word, true)),
                    's' => Atom::Set(Set::of(Class::Space, false)),
                    'S' => Atom::Set(Set::of(Class::Space, true)),
                    k @ ('b' | 'B' | '<' | '>' | '`' | '\'') => Atom::Assert(k as u8),
                    '1'..='9' => return Err(ESUBREG),
                    _ => Atom::Char(e),
                }
            }
            _ => Atom::Char(c),
        })
    }

    /// After `[`: the elements up to the closing `]` (one first is an element).
    fn bracket(&mut self) -> Result<Set, &'static str> {
        let mut set = Set::default();
        if self.is('^') {
            set.negated = true;
            self.at += 1;
        }
        let mut first = true;
        loop {
            let c = self.peek().ok_or(EBRACK)?;
            if c == ']' as u32 && !first {
                self.at += 1;
                return Ok(set);
            }
            first = false;
            let lo = match self.element()? {
                Element::Class(k) => {
                    set.classes.push(k);
                    continue;
                }
                Element::Char(c) => c,
            };
            // A range, unless the `-` ends the bracket.
            let dash = self.is('-') && self.p.get(self.at + 1) != Some(&(']' as u32));
            if dash && self.p.get(self.at + 1).is_some() {
                self.at += 1;
                let Element::Char(hi) = self.element()? else {
                    return Err(ERANGE);
                };
                if hi < lo || self.is('-') && self.p.get(self.at + 1) != Some(&(']' as u32)) {
                    return Err(ERANGE);
                }
                set.ranges.push((lo, hi));
            } else {
                set.ranges.push((lo, lo));
            }
        }
    }

    fn element(&mut self) -> Result<Element, &'static str> {
        let c = self.peek().ok_or(EBRACK)?;
        self.at += 1;
        if c != '[' as u32 {
            return Ok(Element::Char(c));
        }
        let kind = match self.peek().and_then(char::from_u32) {
            Some(k @ (':' | '=' | '.')) => k,
            _ => return Ok(Element::Char(c)),
        };
        self.at += 1;
        let start = self.at;
        loop {
            match (self.p.get(self.at), self.p.get(self.at + 1)) {
                (Some(&a), Some(&b)) if a == kind as u32 && b == ']' as u32 => break,
                (Some(_), _) => self.at += 1,
                (None, _) => return Err(EBRACK),
            }
        }
        let name: Vec<u32> = self.p[start..self.at].to_vec();
        self.at += 2;
        if kind == ':' {
            let name: String = name.iter().filter_map(|&c| char::from_u32(c)).collect();
            let k = CLASSES.iter().find(|(n, _)| *n == name).ok_or(ECTYPE)?;
            return Ok(Element::Class(k.1));
        }
        match name[..] {
            [one] => Ok(Element::Char(one)),
            _ => Err(ECOLLATE),
        }
    }
}

enum Element {
    Char(u32),
    Class(Class),
}

fn is_word(c: Option<&u32>) -> bool {
    c.is_some_and(|&c| Class::Word.has(c))
}

/// Match `seq` at `pos` of `t`, then whatever `k` requires of the rest.
fn seq_at(seq: &[Piece], t: &[u32], pos: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    let Some((piece, rest)) = seq.split_first() else {
        return k(pos);
    };
    repeat(piece, 0, rest, t, pos, k)
}

/// `piece` matched `count` times so far, ending at `pos`: once more (greedy), or stop and go on
/// with `rest`.
fn repeat(
    piece: &Piece,
    count: u32,
    rest: &[Piece],
    t: &[u32],
    pos: usize,
    k: &mut dyn FnMut(usize) -> bool,
) -> bool {
    if count < piece.max {
        let more = atom_at(&piece.atom, t, pos, &mut |next| {
            if next == pos {
                // An empty match repeated stays here: the remaining repetitions are met.
                seq_at(rest, t, pos, k)
            } else {
                repeat(piece, count + 1, rest, t, next, k)
            }
        });
        if more {
            return true;
        }
    }
    count >= piece.min && seq_at(rest, t, pos, k)
}

fn atom_at(atom: &Atom, t: &[u32], pos: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    match atom {
        Atom::Char(c) => t.get(pos) == Some(c) && k(pos + 1),
        Atom::Any => pos < t.len() && k(pos + 1),
        Atom::Set(s) => t.get(pos).is_some_and(|&c| s.has(c)) && k(pos + 1),
        Atom::Group(alts) => alts.iter().any(|a| seq_at(a, t, pos, k)),
        Atom::Assert(a) => {
            let before = pos.checked_sub(1).and_then(|p| t.get(p));
            let (w0, w1) = (is_word(before), is_word(t.get(pos)));
            let holds = match a {
                b'^' | b'`' => pos == 0,
                b'$' | b'\'' => pos == t.len(),
                b'b' => w0 != w1,
                b'B' => w0 == w1,
                b'<' => !w0 && w1,
                _ => w0 && !w1,
            };
            holds && k(pos)
        }
    }
}

impl Regex {
    /// Compile `pattern`; glibc's message on failure.
    pub fn new(pattern: &[u8], utf8: bool) -> Result<Regex, String> {
        let mut p = Parser {
            p: chars(pattern, utf8),
            at: 0,
        };
        let mut alts = p.alternatives(0).map_err(str::to_string)?;
        // An unmatched `)` is a character.
        while p.is(')') {
            p.at += 1;
            let mut more = p.alternatives(0).map_err(str::to_string)?;
            let last = alts.last_mut().expect("one alternative at least");
            last.push(Piece {
                atom: Atom::Char(')' as u32),
                min: 1,
                max: 1,
            });
            last.append(&mut more.remove(0));
            alts.append(&mut more);
        }
        Ok(Regex { alts, utf8 })
    }

    /// Whether the pattern matches anywhere in `text`.
    pub fn is_match(&self, text: &[u8]) -> bool {
        let t = chars(text, self.utf8);
        (0..=t.len()).any(|start| {
            self.alts
                .iter()
                .any(|a| seq_at(a, &t, start, &mut |_| true))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Regex::new(p.as_bytes(), true)
            .unwrap_or_else(|e| panic!("{p}: {e}"))
            .is_match(s.as_bytes())
    }

    fn err(p: &str) -> String {
        Regex::new(p.as_bytes(), true).unwrap_err()
    }

    /// The answers glibc's regexec gives (checked with it, in C.UTF-8).
    #[test]
    fn matches_as_glibc() {
        for (p, s, want) in [
            ("sleep", "/bin/sleep 10", true),
            ("^sleep", "/bin/sleep", false),
            ("^(net|uts)$", "uts", true),
            ("^(net|uts)$", "utsx", false),
            ("a**", "aaa", true),
            ("a{2}", "a", false),
            ("a{2}", "baab", true),
            ("^a{1,2}$", "aaa", false),
            ("^a{,2}$", "", true),
            ("a{1,2}{3}", "aaa", true),
            ("()", "x", true),
            ("a|", "b", true),
            ("|a", "b", true),
            (")", "x", false),
            ("a)", "a)", true),
            ("[]a]", "]", true),
            ("[^]a]", "b", true),
            ("[a-]", "-", true),
            ("[[:alpha:]]", "x", true),
            ("[[:space:][:digit:]]", "5", true),
            ("\\w+", "ab", true),
            ("\\s", "a b", true),
            ("\\S", "  ", false),
            ("\\bx", "a x", true),
            ("\\Bx", "ax", true),
            ("\\<x", "a x", true),
            ("x\\>", "x a", true),
            ("\\.", "a", false),
            ("\\n", "n", true),
            ("[\\]]", "\\]", true),
            ("[a\\]", "\\", true),
            ("(a|b)*c", "ababc", true),
            ("^(ab|a)*$", "aba", true),
            ("(|a)+", "b", true),
            ("a++", "aa", true),
            ("a?*", "aa", true),
            (".", "\n", true),
            ("a.c", "a\nc", true),
            ("[.a.]", "a", true),
            ("[[=a=]]", "a", true),
            ("[[.-.]]", "-", true),
            ("x$y", "x$y", false),
            ("^^a", "a", true),
            ("^.$", "é", true),
            ("[é]", "é", true),
            ("\\(", "(", true),
            ("a{1}{2}", "aa", true),
        ] {
            assert_eq!(m(p, s), want, "{p:?} on {s:?}");
        }
        // Bytes, in another locale: `.` takes one.
        let re = Regex::new(b"^.$", false).unwrap();
        assert!(!re.is_match("é".as_bytes()) && re.is_match(b"x"));
    }

    #[test]
    fn errors_as_glibc() {
        for (p, e) in [
            ("*a", BADRPT),
            ("+a", BADRPT),
            ("^*", BADRPT),
            ("a|*b", BADRPT),
            ("(*a)", BADRPT),
            ("{", BADRPT),
            ("{1}", BADRPT),
            ("a{", EBRACE),
            ("a{1,2", EBRACE),
            ("a{x}", BADBR),
            ("x{2,1}", BADBR),
            ("a{32768}", ESIZE),
            ("(", EPAREN),
            ("[a", EBRACK),
            ("[[:alpha:", EBRACK),
            ("[z-a]", ERANGE),
            ("[a-c-e]", ERANGE),
            ("[[:foo:]]", ECTYPE),
            ("\\", EESCAPE),
            ("a\\", EESCAPE),
            ("\\1", ESUBREG),
        ] {
            assert_eq!(err(p), e, "{p:?}");
        }
        assert!(Regex::new(b"a{32767}", true).is_ok());
    }
}
