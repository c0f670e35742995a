//! `-Q/--filter` expressions, with the syntax and the semantics of libsmartcols filters
//! (`scols-filter(5)`): column names (holders), numbers (with `K`, `MiB`… suffixes), floats,
//! quoted strings, `true`/`false`; `==`, `!=`, `<`, `<=`, `>`, `>=` (or `eq`, `ne`, …), `=~` and
//! `!~` for POSIX extended regular expressions; `!`/`not`, `&&`/`and`, `||`/`or`, parentheses.
//!
//! The grammar is libsmartcols' bison grammar: `and` and `or` share one precedence level and
//! associate to the left (`a || b && c` is `(a || b) && c`), comparisons bind tighter, and `!`
//! applies to the operand right after it. Parse errors read as bison's do.
//!
//! Evaluation follows libsmartcols too. A holder takes the type of its column (a number for
//! numeric columns, a string otherwise); a comparison is done in the type of its literal side
//! (a float wins over a number), the other side converted to it; strings are trimmed; an empty
//! cell compares false in number comparisons and as less than any string. A conversion that
//! fails (a string that is not a number) is an error.

use super::regex::Regex;

/// The value types of the filter engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    String,
    Number,
    Float,
    Bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    And,
    Or,
    Not,
    Eq,
    Ne,
    Le,
    Lt,
    Ge,
    Gt,
    Match,
    NoMatch,
}

#[derive(Clone, Debug)]
enum Lit {
    Str(Option<Vec<u8>>),
    Num(u64),
    Float(f64),
    Bool(bool),
}

impl Lit {
    fn ty(&self) -> Type {
        match self {
            Lit::Str(_) => Type::String,
            Lit::Num(_) => Type::Number,
            Lit::Float(_) => Type::Float,
            Lit::Bool(_) => Type::Bool,
        }
    }
}

enum Node {
    Lit(Lit),
    /// A column, by its index in [`Filter::holders`].
    Holder(usize),
    Expr(Op, Option<Box<Node>>, Box<Node>, Option<Regex>),
}

/// A parsed filter.
pub struct Filter {
    root: Option<Node>,
    holders: Vec<String>,
}

/// A value during evaluation; `empty` is a cell without data.
#[derive(Clone, Debug)]
struct Value {
    lit: Lit,
    empty: bool,
}

/// The evaluation failed (a value that does not convert): libsmartcols' EINVAL.
#[derive(Debug)]
pub struct EvalError;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(u64),
    Float(f64),
    Str(Vec<u8>),
    Holder(String),
    Op(Op),
    True,
    False,
    Open,
    Close,
    /// A lone `'` (a token the grammar has no use for).
    Invalid,
    End,
}

impl Tok {
    /// The name bison gives the token in a syntax error.
    fn describe(&self) -> &'static str {
        match self {
            Tok::Num(_) => "NUMBER",
            Tok::Float(_) => "FLOAT",
            Tok::Str(_) => "STRING",
            Tok::Holder(_) => "HOLDER",
            Tok::Op(Op::And) => "AND",
            Tok::Op(Op::Or) => "OR",
            Tok::Op(Op::Not) => "NEG",
            Tok::Op(Op::Eq) => "EQ",
            Tok::Op(Op::Ne) => "NE",
            Tok::Op(Op::Le) => "LE",
            Tok::Op(Op::Lt) => "LT",
            Tok::Op(Op::Ge) => "GE",
            Tok::Op(Op::Gt) => "GT",
            Tok::Op(Op::Match) => "REG",
            Tok::Op(Op::NoMatch) => "NREG",
            Tok::True => "TRUE",
            Tok::False => "FALSE",
            Tok::Open => "'('",
            Tok::Close => "')'",
            Tok::Invalid => "invalid token",
            Tok::End => "end of file",
        }
    }
}

/// `strtosize` with the filter's suffixes: `K`, `KiB` (powers of 1024), up to `Y`.
fn size(digits: &str, suffix: u8) -> Option<u64> {
    let exp = b"KMGTPEZY".iter().position(|&s| s == suffix)? as u32 + 1;
    let n: u64 = digits.parse().ok()?;
    1024u64.checked_pow(exp)?.checked_mul(n)
}

fn lex(text: &str) -> Result<Vec<Tok>, String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let is_id = |c: u8| c.is_ascii_alphanumeric() || b"_.%:/-".contains(&c);
    while i < b.len() {
        let c = b[i];
        let rest = &text[i..];
        let two = rest.get(..2).unwrap_or("");
        if c == b' ' || c == b'\t' || c == b'\n' {
            i += 1;
            continue;
        }
        let op = match two {
            "&&" => Some(Op::And),
            "||" => Some(Op::Or),
            "==" => Some(Op::Eq),
            "!=" => Some(Op::Ne),
            "<=" => Some(Op::Le),
            ">=" => Some(Op::Ge),
            "=~" => Some(Op::Match),
            "!~" => Some(Op::NoMatch),
            _ => None,
        };
        if let Some(op) = op {
            out.push(Tok::Op(op));
            i += 2;
            continue;
        }
        match c {
            b'(' => out.push(Tok::Open),
            b')' => out.push(Tok::Close),
            b'!' => out.push(Tok::Op(Op::Not)),
            b'<' => out.push(Tok::Op(Op::Lt)),
            b'>' => out.push(Tok::Op(Op::Gt)),
            b'"' | b'\'' => match rest[1..].find([c as char, '\n']) {
                Some(end) if rest.as_bytes()[1 + end] == c => {
                    out.push(Tok::Str(rest.as_bytes()[1..1 + end].to_vec()));
                    i += end + 2;
                    continue;
                }
                _ if c == b'\'' => out.push(Tok::Invalid),
                // flex echoes a lone `"` and goes on; it is dropped here.
                _ => {}
            },
            b'0'..=b'9' => {
                let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                let num = &text[i..i + digits];
                let after = &b[i + digits..];
                // A float: digits, a dot, digits.
                if after.first() == Some(&b'.') && after.get(1).is_some_and(u8::is_ascii_digit) {
                    let frac = after[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    let f = &text[i..i + digits + 1 + frac];
                    out.push(Tok::Float(parse_float(f.as_bytes()).unwrap_or(0.0)));
                    i += f.len();
                    continue;
                }
                if let Some(&s) = after.first().filter(|s| b"KMGTPEZY".contains(s)) {
                    let len = digits + if after[1..].starts_with(b"iB") { 3 } else { 1 };
                    let token = &text[i..i + len];
                    let n = size(num, s).ok_or_else(|| {
                        format!("\"{token}\" token error: Numerical result out of range")
                    })?;
                    out.push(Tok::Num(n));
                    i += len;
                    continue;
                }
                // strtoumax: saturates.
                out.push(Tok::Num(num.parse().unwrap_or(u64::MAX)));
                i += digits;
                continue;
            }
            c if c.is_ascii_alphabetic() => {
                let len = b[i..].iter().take_while(|&&c| is_id(c)).count();
                let word = &text[i..i + len];
                let tok = match word {
                    "and" | "AND" => Tok::Op(Op::And),
                    "or" | "OR" => Tok::Op(Op::Or),
                    "not" | "NOT" => Tok::Op(Op::Not),
                    "eq" | "EQ" => Tok::Op(Op::Eq),
                    "ne" | "NE" => Tok::Op(Op::Ne),
                    "le" | "LE" => Tok::Op(Op::Le),
                    "lt" | "LT" => Tok::Op(Op::Lt),
                    "ge" | "GE" => Tok::Op(Op::Ge),
                    "gt" | "GT" => Tok::Op(Op::Gt),
                    "true" | "TRUE" => Tok::True,
                    "false" | "FALSE" => Tok::False,
                    _ => Tok::Holder(word.to_string()),
                };
                out.push(tok);
                i += len;
                continue;
            }
            // flex echoes an unknown character and goes on; it is dropped here.
            _ => {}
        }
        i += 1;
    }
    out.push(Tok::End);
    Ok(out)
}

fn is_binary(op: Op) -> bool {
    op != Op::Not
}

/// Binding power of a binary operator: `and`/`or` 1, comparisons 2.
fn level(op: Op) -> u8 {
    match op {
        Op::And | Op::Or => 1,
        _ => 2,
    }
}

struct Parser {
    utf8: bool,
    toks: Vec<Tok>,
    at: usize,
    depth: usize,
    holders: Vec<String>,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.at]
    }

    fn next(&mut self) -> Tok {
        let t = self.toks[self.at].clone();
        if self.at + 1 < self.toks.len() {
            self.at += 1;
        }
        t
    }

    fn unexpected(&self, expecting_end: bool) -> String {
        let mut m = format!("syntax error, unexpected {}", self.peek().describe());
        if expecting_end {
            m.push_str(", expecting end of file");
        }
        m
    }

    /// An operand: `!`s, then a literal, a holder or a parenthesised expression.
    fn operand(&mut self) -> Result<Node, String> {
        let starts = matches!(
            self.peek(),
            Tok::Op(Op::Not)
                | Tok::Num(_)
                | Tok::Float(_)
                | Tok::Str(_)
                | Tok::True
                | Tok::False
                | Tok::Holder(_)
                | Tok::Open
        );
        if !starts {
            return Err(self.unexpected(false));
        }
        match self.next() {
            Tok::Op(Op::Not) => {
                let inner = self.operand()?;
                Ok(Node::Expr(Op::Not, None, Box::new(inner), None))
            }
            Tok::Num(n) => Ok(Node::Lit(Lit::Num(n))),
            Tok::Float(f) => Ok(Node::Lit(Lit::Float(f))),
            Tok::Str(s) => Ok(Node::Lit(Lit::Str(Some(trim(&s).to_vec())))),
            Tok::True => Ok(Node::Lit(Lit::Bool(true))),
            Tok::False => Ok(Node::Lit(Lit::Bool(false))),
            Tok::Holder(h) => {
                self.holders.push(h);
                Ok(Node::Holder(self.holders.len() - 1))
            }
            Tok::Open => {
                self.depth += 1;
                let e = self.expr(0)?;
                if *self.peek() != Tok::Close {
                    return Err(self.unexpected(false));
                }
                self.next();
                self.depth -= 1;
                Ok(e)
            }
            _ => unreachable!("checked above"),
        }
    }

    /// Precedence climbing over left-associative levels above `min`.
    fn expr(&mut self, min: u8) -> Result<Node, String> {
        let mut left = self.operand()?;
        loop {
            let op = match self.peek() {
                Tok::Op(op) if is_binary(*op) && level(*op) > min => *op,
                _ => break,
            };
            self.next();
            let right = self.expr(level(op))?;
            let regex = match op {
                Op::Match | Op::NoMatch => Some(compile(&right, self.utf8)?),
                _ => None,
            };
            left = Node::Expr(op, Some(Box::new(left)), Box::new(right), regex);
        }
        Ok(left)
    }
}

fn compile(right: &Node, utf8: bool) -> Result<Regex, String> {
    let Node::Lit(Lit::Str(Some(s))) = right else {
        return Err("the right side of =~ and !~ must be a string".into());
    };
    Regex::new(s, utf8)
}

/// `isspace` trimming, as libsmartcols trims every string it is given.
fn trim(s: &[u8]) -> &[u8] {
    let space = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let start = s.iter().position(|c| !space(c)).unwrap_or(s.len());
    let end = s.iter().rposition(|c| !space(c)).map_or(start, |e| e + 1);
    &s[start..end]
}

impl Filter {
    /// Parse an expression; libsmartcols' message on failure. An empty expression matches all.
    /// Regular expressions take UTF-8 characters when `utf8` (the locale's character set).
    pub fn parse(text: &str, utf8: bool) -> Result<Filter, String> {
        let toks = lex(text)?;
        let mut p = Parser {
            utf8,
            toks,
            at: 0,
            depth: 0,
            holders: Vec::new(),
        };
        if text.is_empty() {
            return Ok(Filter {
                root: None,
                holders: Vec::new(),
            });
        }
        let root = p.expr(0)?;
        if *p.peek() != Tok::End {
            return Err(p.unexpected(p.depth == 0));
        }
        Ok(Filter {
            root: Some(root),
            holders: p.holders,
        })
    }

    /// The column names the expression uses, in order (once per use).
    pub fn holders(&self) -> &[String] {
        &self.holders
    }

    /// Whether a line passes. `types[h]` is the type of holder `h`'s column; `cell(h)` its data
    /// on this line.
    pub fn matches(
        &self,
        types: &[Type],
        cell: &mut dyn FnMut(usize) -> Option<Vec<u8>>,
    ) -> Result<bool, EvalError> {
        let Some(root) = &self.root else {
            return Ok(true);
        };
        let mut e = Eval {
            types,
            cell,
            cache: vec![None; self.holders.len()],
        };
        e.truth(root)
    }
}

struct Eval<'a> {
    types: &'a [Type],
    cell: &'a mut dyn FnMut(usize) -> Option<Vec<u8>>,
    cache: Vec<Option<Value>>,
}

impl Eval<'_> {
    /// A holder's value on this line, in its column's type.
    fn holder(&mut self, h: usize) -> Result<Value, EvalError> {
        if let Some(v) = &self.cache[h] {
            return Ok(v.clone());
        }
        let data = (self.cell)(h).map(|d| trim(&d).to_vec());
        let v = Value {
            empty: data.is_none(),
            lit: Lit::Str(data),
        };
        let v = cast(v, self.types[h], true)?;
        self.cache[h] = Some(v.clone());
        Ok(v)
    }

    fn node_type(&self, n: &Node) -> Type {
        match n {
            Node::Lit(l) => l.ty(),
            Node::Holder(h) => self.types[*h],
            Node::Expr(..) => Type::Bool,
        }
    }

    /// The truth of a node: an expression's result, or whether a value is non-empty and
    /// non-zero.
    fn truth(&mut self, n: &Node) -> Result<bool, EvalError> {
        let v = match n {
            Node::Expr(op, left, right, re) => return self.expr(*op, left.as_deref(), right, re),
            Node::Lit(l) => Value {
                lit: l.clone(),
                empty: false,
            },
            Node::Holder(h) => self.holder(*h)?,
        };
        if v.empty {
            return Ok(false);
        }
        Ok(match v.lit {
            Lit::Str(s) => s.is_some_and(|s| !s.is_empty()),
            Lit::Num(n) => n != 0,
            Lit::Float(f) => f != 0.0,
            Lit::Bool(b) => b,
        })
    }

    /// A node as a value of type `ty`.
    fn value(&mut self, n: &Node, ty: Type) -> Result<Value, EvalError> {
        let v = match n {
            Node::Expr(..) => Value {
                lit: Lit::Bool(self.truth(n)?),
                empty: false,
            },
            Node::Lit(l) => Value {
                lit: l.clone(),
                empty: false,
            },
            Node::Holder(h) => self.holder(*h)?,
        };
        cast(v, ty, false)
    }

    fn expr(
        &mut self,
        op: Op,
        left: Option<&Node>,
        right: &Node,
        re: &Option<Regex>,
    ) -> Result<bool, EvalError> {
        let left = match (op, left) {
            (Op::Not, _) => return Ok(!self.truth(right)?),
            (_, Some(l)) => l,
            (_, None) => return Err(EvalError),
        };
        match op {
            Op::And => return Ok(self.truth(left)? && self.truth(right)?),
            Op::Or => return Ok(self.truth(left)? || self.truth(right)?),
            _ => {}
        }
        let (lt, rt) = (self.node_type(left), self.node_type(right));
        let ty = if lt == rt {
            lt
        } else {
            let lh = matches!(left, Node::Holder(_));
            let rh = matches!(right, Node::Holder(_));
            let t = if lh && !rh { rt } else { lt };
            if t == Type::Number && (lt == Type::Float || rt == Type::Float) {
                Type::Float
            } else {
                t
            }
        };
        let l = self.value(left, ty)?;
        let r = self.value(right, ty)?;
        compare(op, &l, &r, re)
    }
}

/// Convert a value to `ty` as libsmartcols does; a copy made for a conversion from a non-string
/// loses its emptiness (libsmartcols copies the zero it holds), unless `fetch` (a cell read
/// into its column's type, which converts in place).
fn cast(v: Value, ty: Type, fetch: bool) -> Result<Value, EvalError> {
    if v.lit.ty() == ty {
        return Ok(v);
    }
    let empty = v.empty && (fetch || v.lit.ty() == Type::String);
    let lit = match (v.lit, ty) {
        (Lit::Str(s), Type::Number) => Lit::Num(match s {
            Some(s) => parse_u64(&s)?,
            None => 0,
        }),
        (Lit::Str(s), Type::Float) => Lit::Float(match s {
            Some(s) => parse_float(s.trim_ascii_start()).ok_or(EvalError)?,
            None => 0.0,
        }),
        (Lit::Str(s), Type::Bool) => Lit::Bool(s.is_some_and(|s| {
            s == b"1" || s.eq_ignore_ascii_case(b"true") || matches!(s.first(), Some(b'y' | b'Y'))
        })),
        (Lit::Num(n), Type::String) => Lit::Str(Some(n.to_string().into_bytes())),
        (Lit::Num(n), Type::Float) => Lit::Float(n as f64),
        (Lit::Num(n), Type::Bool) => Lit::Bool(n > 0),
        (Lit::Float(f), Type::String) => Lit::Str(Some(format_g(f).into_bytes())),
        (Lit::Float(f), Type::Number) => Lit::Num(f as u64),
        (Lit::Float(f), Type::Bool) => Lit::Bool(f > 0.0),
        (Lit::Bool(b), Type::String) => Lit::Str(Some(if b {
            b"true".to_vec()
        } else {
            b"false".to_vec()
        })),
        (Lit::Bool(b), Type::Number) => Lit::Num(u64::from(b)),
        (Lit::Bool(b), Type::Float) => Lit::Float(if b { 1.0 } else { 0.0 }),
        (lit, _) => lit,
    };
    Ok(Value { lit, empty })
}

/// `ul_strtou64`: an optional sign and leading blanks as strtoimax takes them, no negative
/// number, nothing after the digits.
fn parse_u64(s: &[u8]) -> Result<u64, EvalError> {
    let t = std::str::from_utf8(s).map_err(|_| EvalError)?.trim_start();
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(EvalError);
    }
    t.parse().map_err(|_| EvalError)
}

/// A decimal number as `strtold` reads one: a sign, digits with an optional fraction, an
/// optional exponent, nothing after. Digit by digit (no full float parser: it is a tenth of this
/// tool's size); close enough for the comparisons of a filter.
fn parse_float(s: &[u8]) -> Option<f64> {
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v = 0.0f64;
    let mut scale = 0i32;
    let mut digits = 0;
    let mut i = 0;
    let mut dot = false;
    while i < s.len() {
        match s[i] {
            d @ b'0'..=b'9' => {
                v = v * 10.0 + f64::from(d - b'0');
                digits += 1;
                scale -= i32::from(dot);
            }
            b'.' if !dot => dot = true,
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if let Some(b'e' | b'E') = s.get(i) {
        let rest = std::str::from_utf8(&s[i + 1..]).ok()?;
        scale += rest.strip_prefix('+').unwrap_or(rest).parse::<i32>().ok()?;
        i = s.len();
    }
    if i != s.len() {
        return None;
    }
    let v = v * 10f64.powi(scale);
    Some(if neg { -v } else { v })
}

/// `%Lg`: six significant digits, trailing zeros dropped, an exponent below 1e-4 and from
/// 1e6 on; by integer arithmetic on the digits (no float formatting).
fn format_g(f: f64) -> String {
    if f == 0.0 || !f.is_finite() {
        return "0".into();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    let a = f.abs();
    let mut exp = a.log10().floor() as i32;
    let mut digits = (a / 10f64.powi(exp - 5)).round() as u64;
    if digits >= 1_000_000 {
        exp += 1;
        digits = (a / 10f64.powi(exp - 5)).round() as u64;
    }
    let d = digits.to_string();
    let trim = |s: &str| s.trim_end_matches('0').to_string();
    if (-4..6).contains(&exp) {
        let (int, frac) = if exp >= 0 {
            let k = exp as usize + 1;
            (d[..k].to_string(), trim(&d[k..]))
        } else {
            (
                "0".to_string(),
                trim(&format!("{}{d}", "0".repeat((-exp - 1) as usize))),
            )
        };
        return if frac.is_empty() {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{frac}")
        };
    }
    let frac = trim(&d[1..]);
    let dot = if frac.is_empty() { "" } else { "." };
    let esign = if exp < 0 { '-' } else { '+' };
    format!("{sign}{}{dot}{frac}e{esign}{:02}", &d[..1], exp.abs())
}

fn compare(op: Op, l: &Value, r: &Value, re: &Option<Regex>) -> Result<bool, EvalError> {
    use std::cmp::Ordering;
    let ord = match (&l.lit, &r.lit) {
        (Lit::Str(a), Lit::Str(b)) => {
            if let (Op::Match | Op::NoMatch, Some(re)) = (op, re) {
                let text = a.as_deref().unwrap_or_default();
                return Ok(re.is_match(text) == (op == Op::Match));
            }
            // NULL sorts before every string.
            a.cmp(b)
        }
        _ if l.empty || r.empty => return Ok(false),
        (Lit::Num(a), Lit::Num(b)) => a.cmp(b),
        (Lit::Float(a), Lit::Float(b)) => match a.partial_cmp(b) {
            Some(o) => o,
            None => return Ok(op == Op::Ne),
        },
        (Lit::Bool(a), Lit::Bool(b)) => a.cmp(b),
        _ => return Err(EvalError),
    };
    Ok(match op {
        Op::Eq => ord == Ordering::Equal,
        Op::Ne => ord != Ordering::Equal,
        Op::Le => ord != Ordering::Greater,
        Op::Lt => ord == Ordering::Less,
        Op::Ge => ord != Ordering::Less,
        Op::Gt => ord == Ordering::Greater,
        _ => return Err(EvalError),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Evaluate `expr` over one line with columns NS (number), TYPE, COMMAND, PID (number,
    /// empty) and NETNSID.
    fn eval(expr: &str) -> Result<bool, EvalError> {
        let f = Filter::parse(expr, true).unwrap_or_else(|e| panic!("{expr}: {e}"));
        let types: Vec<Type> = f
            .holders()
            .iter()
            .map(|h| match h.as_str() {
                "NS" | "PID" => Type::Number,
                _ => Type::String,
            })
            .collect();
        let names = f.holders().to_vec();
        f.matches(&types, &mut |h| match names[h].as_str() {
            "NS" => Some(b"4026531837".to_vec()),
            "TYPE" => Some(b"user".to_vec()),
            "COMMAND" => Some(b" sleep 100 ".to_vec()),
            "NETNSID" => Some(b"unassigned".to_vec()),
            _ => None,
        })
    }

    fn yes(e: &str) -> bool {
        eval(e).unwrap()
    }

    #[test]
    fn comparisons_in_the_literal_type() {
        assert!(yes("NS == 4026531837"));
        assert!(yes("NS > 3G && NS < 4026531838 && NS < 4G"));
        assert!(yes("NS gt 4026531836.5"));
        assert!(yes("TYPE == \"user\" and not (TYPE != 'user')"));
        assert!(
            !yes("TYPE == \"user\" and not TYPE != 'user'"),
            "! takes the operand only"
        );
        assert!(yes("COMMAND == 'sleep 100'"));
        assert!(yes("COMMAND =~ '^sl.*0$'"));
        assert!(yes("TYPE !~ \"net\""));
        assert!(yes("NS =~ '^4026'"));
        assert!(yes("TYPE"));
        assert!(!yes("PID"));
        assert!(!yes("PID == 0"));
        assert!(!yes("PID != 0"));
        assert!(yes("PID == 0.0"), "the copy to float forgets emptiness");
        assert!(yes("PID < 'a'"), "an empty string sorts first");
        assert!(!yes("TYPE == 'user' || TYPE == 'net' && NS == 1"));
        assert!(yes("(TYPE == 'net' || TYPE == 'user') && NS > 1"));
        assert!(yes("!TYPE == false"));
        assert!(eval("NETNSID == 1").is_err());
        assert!(yes(""));
    }

    #[test]
    fn syntax_errors_read_as_bisons() {
        let err = |e: &str| Filter::parse(e, true).err().unwrap();
        assert_eq!(err("NS =="), "syntax error, unexpected end of file");
        assert_eq!(
            err("NS 5"),
            "syntax error, unexpected NUMBER, expecting end of file"
        );
        assert_eq!(err("(NS"), "syntax error, unexpected end of file");
        assert_eq!(err(")"), "syntax error, unexpected ')'");
        assert_eq!(
            err("NS == 1 )"),
            "syntax error, unexpected ')', expecting end of file"
        );
        assert_eq!(err("== 1"), "syntax error, unexpected EQ");
        assert_eq!(err("(NS 5)"), "syntax error, unexpected NUMBER");
        assert_eq!(err("NS == 'x"), "syntax error, unexpected invalid token");
        assert_eq!(
            err("NS == 99999999999999999999999K"),
            "\"99999999999999999999999K\" token error: Numerical result out of range"
        );
        assert!(err("NS =~ 5").contains("must be a string"));
        let f = Filter::parse("NS == 1 or TYPE and NS", true).unwrap();
        assert_eq!(f.holders(), ["NS", "TYPE", "NS"]);
    }

    #[test]
    fn floats_print_like_percent_g() {
        assert_eq!(format_g(1.5), "1.5");
        assert_eq!(format_g(4026531836.5), "4.02653e+09");
        assert_eq!(format_g(0.0001), "0.0001");
        assert_eq!(format_g(100.0), "100");
        assert_eq!(format_g(999999.5), "1e+06");
        assert_eq!(format_g(-0.5), "-0.5");
        assert_eq!(parse_float(b"1.5"), Some(1.5));
        assert_eq!(parse_float(b"2e3"), Some(2000.0));
        assert_eq!(parse_float(b"x"), None);
        assert_eq!(parse_float(b"1.5x"), None);
    }
}
