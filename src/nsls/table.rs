//! A table printed the way util-linux's libsmartcols prints one, so that nsls's output is
//! lsns's byte for byte: the human format (columns sized to their widest cell, a minimum width
//! per column, right-aligned numbers, no padding after the last column, a tree drawn in one
//! column, multi-line cells, and on a terminal the widest truncatable column cut to fit), the raw
//! format (one space between cells, blanks escaped), and JSON (pretty, compact or one object per
//! line as `LIBSMARTCOLS_JSON` says, nested `children` for a tree).
//!
//! Cells are bytes: command lines need not be UTF-8, and JSON and the raw format pass them on
//! as they are ([`super::text`] says how each format escapes them).

use super::text;

/// How a column's cells are written in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Json {
    String,
    Number,
}

/// One column of a table.
#[derive(Clone, Debug)]
pub struct Column {
    /// The header (lower-cased as a JSON key).
    pub name: &'static str,
    /// Width hint: a width it gets when its cells are wider than the header but narrower than
    /// this (libsmartcols' absolute `whint`).
    pub whint: usize,
    pub right: bool,
    /// The column that gives way on a narrow terminal.
    pub trunc: bool,
    /// The tree is drawn in this column.
    pub tree: bool,
    /// Used by a filter only: not printed.
    pub hidden: bool,
    /// Multi-line cells: each `\n` starts a line (libsmartcols' `wrapnl`).
    pub wrapnl: bool,
    pub json: Json,
}

/// The output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Raw,
    Json,
}

/// JSON layout, from `LIBSMARTCOLS_JSON`: `pretty` (default), `compact`, `lines`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonStyle {
    Pretty,
    Compact,
    Lines,
}

impl JsonStyle {
    pub fn from_env() -> JsonStyle {
        match std::env::var("LIBSMARTCOLS_JSON").as_deref() {
            Ok("compact") => JsonStyle::Compact,
            Ok("lines") => JsonStyle::Lines,
            _ => JsonStyle::Pretty,
        }
    }
}

/// Where the table goes.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    /// The terminal's width when standard output is one (cells are then cut to fit).
    pub terminal: Option<usize>,
    /// Print UTF-8 as it is and draw the tree with line-drawing characters.
    pub utf8: bool,
    pub json: JsonStyle,
}

#[derive(Debug, Default)]
struct Line {
    cells: Vec<Option<Vec<u8>>>,
    parent: Option<usize>,
    children: Vec<usize>,
}

/// A table: columns, lines (each maybe the child of an earlier one), a format.
#[derive(Debug)]
pub struct Table {
    /// The name of the JSON array.
    pub name: &'static str,
    pub columns: Vec<Column>,
    pub format: Format,
    pub noheadings: bool,
    lines: Vec<Line>,
}

/// The tree-drawing symbols.
struct Symbols {
    branch: &'static str,
    vertical: &'static str,
    right: &'static str,
}

const ASCII: Symbols = Symbols {
    branch: "|-",
    vertical: "| ",
    right: "`-",
};

const UTF8: Symbols = Symbols {
    branch: "\u{251c}\u{2500}",
    vertical: "\u{2502} ",
    right: "\u{2514}\u{2500}",
};

impl Table {
    pub fn new(name: &'static str, columns: Vec<Column>, format: Format) -> Table {
        Table {
            name,
            columns,
            format,
            noheadings: false,
            lines: Vec::new(),
        }
    }

    /// Add a line (a child of `parent` when given) with its cells, one per column (`None`:
    /// empty); its index.
    pub fn add_line(&mut self, parent: Option<usize>, cells: Vec<Option<Vec<u8>>>) -> usize {
        let at = self.lines.len();
        self.lines.push(Line {
            cells,
            parent,
            children: Vec::new(),
        });
        if let Some(p) = parent {
            self.lines[p].children.push(at);
        }
        at
    }

    /// Whether lines print as a tree: a column draws it.
    fn is_tree(&self) -> bool {
        self.columns.iter().any(|c| c.tree)
    }

    /// The lines in printing order: the table's order, or depth first for a tree.
    fn order(&self) -> Vec<usize> {
        if !self.is_tree() {
            return (0..self.lines.len()).collect();
        }
        let mut out = Vec::with_capacity(self.lines.len());
        let mut stack: Vec<usize> = (0..self.lines.len())
            .rev()
            .filter(|&i| self.lines[i].parent.is_none())
            .collect();
        while let Some(i) = stack.pop() {
            out.push(i);
            stack.extend(self.lines[i].children.iter().rev());
        }
        out
    }

    fn is_last_child(&self, ln: usize) -> bool {
        match self.lines[ln].parent {
            Some(p) => self.lines[p].children.last() == Some(&ln),
            None => false,
        }
    }

    /// The tree drawing before a line's cell: a segment per ancestor, then its own branch.
    fn art(&self, ln: usize, sym: &Symbols, out: &mut Vec<u8>) {
        if let Some(p) = self.lines[ln].parent {
            self.ancestors_art(p, sym, out);
            let own = if self.is_last_child(ln) {
                sym.right
            } else {
                sym.branch
            };
            out.extend_from_slice(own.as_bytes());
        }
    }

    /// The segments of a line and of its ancestors (the root draws nothing): a vertical line
    /// where more siblings follow, blanks where none do.
    fn ancestors_art(&self, ln: usize, sym: &Symbols, out: &mut Vec<u8>) {
        if let Some(p) = self.lines[ln].parent {
            self.ancestors_art(p, sym, out);
            let seg = if self.is_last_child(ln) {
                "  "
            } else {
                sym.vertical
            };
            out.extend_from_slice(seg.as_bytes());
        }
    }

    /// Print the table into `out`.
    pub fn print(&self, o: &Output, out: &mut Vec<u8>) {
        match self.format {
            Format::Json => self.print_json(o.json, out),
            Format::Raw => self.print_raw(o, out),
            Format::Human => self.print_human(o, out),
        }
    }

    fn visible(&self) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&c| !self.columns[c].hidden)
            .collect()
    }

    fn print_raw(&self, o: &Output, out: &mut Vec<u8>) {
        if self.lines.is_empty() {
            return;
        }
        let sym = if o.utf8 { &UTF8 } else { &ASCII };
        let cols = self.visible();
        let mut row = |cells: &mut dyn Iterator<Item = Vec<u8>>| {
            for (i, cell) in cells.enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                text::raw_encode(&cell, out);
            }
            out.push(b'\n');
        };
        if !self.noheadings {
            row(&mut cols
                .iter()
                .map(|&c| self.columns[c].name.as_bytes().to_vec()));
        }
        for ln in self.order() {
            row(&mut cols.iter().map(|&c| {
                let mut buf = Vec::new();
                if self.columns[c].tree {
                    self.art(ln, sym, &mut buf);
                }
                if let Some(d) = &self.lines[ln].cells[c] {
                    buf.extend_from_slice(d);
                }
                buf
            }));
        }
    }

    fn print_json(&self, style: JsonStyle, out: &mut Vec<u8>) {
        let mut w = JsonWriter {
            out,
            indent: 0,
            style,
            after_close: false,
        };
        let cols = self.visible();
        if style != JsonStyle::Lines {
            w.open(None, b'{');
            w.open(Some(self.name), b'[');
        }
        if self.is_tree() {
            for ln in (0..self.lines.len()).filter(|&i| self.lines[i].parent.is_none()) {
                self.json_line(&mut w, &cols, ln, true);
            }
        } else {
            for ln in 0..self.lines.len() {
                self.json_line(&mut w, &cols, ln, false);
            }
        }
        if style != JsonStyle::Lines {
            w.close(b']');
            w.close(b'}');
        } else if !self.lines.is_empty() {
            w.out.push(b'\n');
        }
    }

    fn json_line(&self, w: &mut JsonWriter<'_>, cols: &[usize], ln: usize, tree: bool) {
        w.open(None, b'{');
        for &c in cols {
            let col = &self.columns[c];
            let data = self.lines[ln].cells[c].as_deref().unwrap_or_default();
            w.value(col.name, data, col.json);
        }
        let children = &self.lines[ln].children;
        if tree && !children.is_empty() {
            w.open(Some("children"), b'[');
            for &child in children {
                self.json_line(w, cols, child, true);
            }
            w.close(b']');
        }
        w.close(b'}');
    }

    fn print_human(&self, o: &Output, out: &mut Vec<u8>) {
        if self.lines.is_empty() {
            return;
        }
        let sym = if o.utf8 { &UTF8 } else { &ASCII };
        let mut layout = Layout::new(self, o, sym);
        layout.calculate(self);
        let p = Printer {
            t: self,
            l: &layout,
            sym,
            utf8: o.utf8,
        };
        if !self.noheadings {
            p.header(out);
        }
        for ln in self.order() {
            p.line(ln, out);
        }
    }
}

/// Widths of the columns for the human format, and which columns a narrow terminal hid.
struct Layout {
    width: Vec<usize>,
    hidden: Vec<bool>,
    /// Widest tree drawing in a tree column.
    treeart: Vec<usize>,
    min: Vec<usize>,
    max: Vec<usize>,
    avg: Vec<f64>,
    deviation: Vec<f64>,
    /// Width of each cell (art included), per column, in line order.
    cells: Vec<Vec<usize>>,
    terminal: Option<usize>,
    utf8: bool,
}

impl Layout {
    fn new(t: &Table, o: &Output, sym: &Symbols) -> Layout {
        let n = t.columns.len();
        let mut l = Layout {
            width: vec![0; n],
            hidden: t.columns.iter().map(|c| c.hidden).collect(),
            treeart: vec![0; n],
            min: vec![0; n],
            max: vec![0; n],
            avg: vec![0.0; n],
            deviation: vec![0.0; n],
            cells: vec![Vec::new(); n],
            terminal: o.terminal,
            utf8: o.utf8,
        };
        for (c, col) in t.columns.iter().enumerate() {
            if col.hidden {
                continue;
            }
            for ln in 0..t.lines.len() {
                let mut buf = Vec::new();
                if col.tree {
                    t.art(ln, sym, &mut buf);
                    l.treeart[c] = l.treeart[c].max(text::safe_width(&buf, o.utf8));
                }
                if let Some(d) = &t.lines[ln].cells[c] {
                    if col.wrapnl {
                        buf.extend_from_slice(widest_chunk(d));
                    } else {
                        buf.extend_from_slice(d);
                    }
                }
                let w = text::safe_width(&buf, o.utf8);
                l.cells[c].push(w);
                l.max[c] = l.max[c].max(w);
            }
        }
        l
    }

    /// Whether `c` is the last column printed (every column after it hidden).
    fn is_last(&self, c: usize) -> bool {
        self.hidden[c + 1..].iter().all(|&h| h)
    }

    /// libsmartcols' width calculation: every column as wide as its widest cell (at least its
    /// header, its hint when in between); on a terminal, truncatable columns are then reduced
    /// until the table fits, worst first (by mean plus three standard deviations).
    fn calculate(&mut self, t: &Table) {
        let n = t.columns.len();
        let mut total = 0;
        for c in 0..n {
            if self.hidden[c] {
                continue;
            }
            let col = &t.columns[c];
            let mut min = 0;
            let no_header = t.noheadings;
            if !no_header {
                min = text::safe_width(col.name.as_bytes(), self.utf8);
            }
            if min == 0 {
                min = 1;
            }
            let max = self.max[c];
            let mut width = max;
            if width <= min {
                width = min;
            } else if col.whint >= 1 && width < col.whint && min < col.whint {
                width = col.whint;
            }
            if max == 0 && no_header && min == 1 && width <= 1 {
                width = 0;
                min = 0;
            }
            self.width[c] = width;
            self.min[c] = min;
            total += width + usize::from(!self.is_last(c));
        }
        let Some(outwidth) = self.terminal else {
            return;
        };
        for c in 0..n {
            self.deviation(c);
        }
        let last = n - 1;
        let mut sorted: Vec<usize> = (0..n).collect();
        let score = |l: &Layout, c: usize| l.avg[c] + 3.0 * l.deviation[c];
        let mut stage = 0;
        let mut is_sorted = false;
        while total > outwidth {
            let before = total;
            if !is_sorted {
                // A stable insertion sort: a few columns, and no sort routine in the binary.
                for i in 1..sorted.len() {
                    let mut j = i;
                    while j > 0 && score(self, sorted[j - 1]) > score(self, sorted[j]) {
                        sorted.swap(j - 1, j);
                        j -= 1;
                    }
                }
                is_sorted = true;
            }
            let mut stop = false;
            for (nth, &c) in sorted.iter().rev().enumerate() {
                if total <= outwidth {
                    break;
                }
                match self.reduce(t, c, &mut total, outwidth, stage, nth) {
                    Reduced::Go => {}
                    Reduced::Fits => break,
                    Reduced::NoMoreStages => {
                        stop = true;
                        break;
                    }
                }
            }
            if stop {
                break;
            }
            if before == total {
                stage += 1;
            }
        }
        if total < outwidth {
            // Columns with a width hint grow to it, one column at a time.
            loop {
                let mut changed = false;
                for &c in sorted.iter().rev() {
                    if total >= outwidth {
                        break;
                    }
                    if self.hidden[c]
                        || t.columns[c].whint < 1
                        || self.width[c] >= t.columns[c].whint
                    {
                        continue;
                    }
                    self.width[c] += 1;
                    total += 1;
                    changed = true;
                }
                if !changed || total >= outwidth {
                    break;
                }
            }
            if total < outwidth && !t.columns[last].right {
                self.width[last] += outwidth - total;
            }
        }
    }

    fn deviation(&mut self, c: usize) {
        let cells = &self.cells[c];
        let n = cells.len();
        if n == 0 {
            return;
        }
        let sum: usize = cells.iter().sum();
        self.avg[c] = sum as f64 / n as f64;
        if n > 1 {
            let sq: f64 = cells
                .iter()
                .map(|&w| {
                    let d = w as f64 - self.avg[c];
                    d * d
                })
                .sum();
            self.deviation[c] = sqrt(sq / (n - 1) as f64);
        }
    }

    fn reduce_to_68(&mut self, c: usize, wanted: usize) {
        if self.deviation[c] < 1.0 {
            return;
        }
        let new = ((self.avg[c] + self.deviation[c]) as usize).clamp(self.min[c], self.max[c]);
        if new >= self.width[c] {
            return;
        }
        if self.width[c] - new > wanted {
            self.width[c] -= wanted;
        } else {
            self.width[c] = new;
        }
    }

    /// One step of libsmartcols' reduction of column `c` at `stage` (0 to 6), `nth` worst.
    fn reduce(
        &mut self,
        t: &Table,
        c: usize,
        total: &mut usize,
        outwidth: usize,
        stage: usize,
        nth: usize,
    ) -> Reduced {
        if stage > 6 {
            return Reduced::NoMoreStages;
        }
        if outwidth >= *total {
            return Reduced::Fits;
        }
        let col = &t.columns[c];
        if self.hidden[c]
            || self.width[c] == self.min[c]
            || self.width[c] == 0
            || (col.tree && *total <= self.treeart[c])
        {
            return Reduced::Go;
        }
        let org = self.width[c];
        let wanted = *total - outwidth;
        let (avg, dev) = (self.avg[c], self.deviation[c]);
        // No column of ours is "noextremes", has a relative hint or wraps by size.
        match stage {
            0 if col.trunc && nth == 0 => self.reduce_to_68(c, wanted),
            5 if dev < avg / 2.2 => {}
            5 | 6 if col.trunc => {
                let mut reduce = if nth == 0 { wanted.min(3) } else { 1 };
                reduce = reduce.min(self.width[c]);
                if self.width[c] - reduce > self.min[c] {
                    self.width[c] -= reduce;
                } else {
                    self.width[c] = self.min[c];
                }
            }
            _ => {}
        }
        if self.width[c] == 0 {
            self.hidden[c] = true;
        }
        *total -= org - self.width[c];
        Reduced::Go
    }
}

enum Reduced {
    Go,
    Fits,
    NoMoreStages,
}

/// The square root as libsmartcols computes it (Newton's method), so that rounding matches.
fn sqrt(num: f64) -> f64 {
    let (mut tmp, mut sq) = (0.0, num / 2.0);
    let mut guard = 0;
    while sq != tmp && guard < 100 {
        tmp = sq;
        sq = (num / tmp + tmp) / 2.0;
        guard += 1;
    }
    sq
}

/// The longest `\n`-separated part of a multi-line cell (the last of equals).
fn widest_chunk(d: &[u8]) -> &[u8] {
    let mut best: &[u8] = &[];
    for (i, chunk) in d.split(|&b| b == b'\n').enumerate() {
        if i == 0 || chunk.len() >= best.len() {
            best = chunk;
        }
    }
    best
}

struct Printer<'a> {
    t: &'a Table,
    l: &'a Layout,
    sym: &'a Symbols,
    utf8: bool,
}

impl Printer<'_> {
    fn header(&self, out: &mut Vec<u8>) {
        for c in 0..self.t.columns.len() {
            if self.l.hidden[c] {
                continue;
            }
            self.cell(c, self.t.columns[c].name.as_bytes(), false, out);
        }
        out.push(b'\n');
    }

    fn line(&self, ln: usize, out: &mut Vec<u8>) {
        let line = &self.t.lines[ln];
        // The parts of multi-line cells still to print, per column.
        let mut pending: Vec<Option<Vec<&[u8]>>> = vec![None; self.t.columns.len()];
        for (c, slot) in pending.iter_mut().enumerate() {
            if self.l.hidden[c] {
                continue;
            }
            let col = &self.t.columns[c];
            let mut buf = Vec::new();
            if col.tree {
                self.t.art(ln, self.sym, &mut buf);
            }
            if let Some(d) = &line.cells[c] {
                if col.wrapnl {
                    let mut parts = d.split(|&b| b == b'\n');
                    buf.extend_from_slice(parts.next().unwrap_or_default());
                    let rest: Vec<&[u8]> = parts.collect();
                    if !rest.is_empty() {
                        *slot = Some(rest);
                    }
                } else {
                    buf.extend_from_slice(d);
                }
            }
            self.cell(c, &buf, col.wrapnl, out);
        }
        out.push(b'\n');
        // Each further line of the multi-line cells, the other columns blank (the tree column
        // continues its drawing).
        while pending.iter().any(Option::is_some) {
            for (c, slot) in pending.iter_mut().enumerate() {
                if self.l.hidden[c] {
                    continue;
                }
                let next = slot.as_mut().map(|rest| rest.remove(0));
                if slot.as_ref().is_some_and(Vec::is_empty) {
                    *slot = None;
                }
                match next {
                    Some(chunk) => self.pending_cell(c, chunk, out),
                    None => self.empty_cell(c, ln, out),
                }
            }
            out.push(b'\n');
        }
    }

    /// A cell: encoded, truncated or padded to the column's width (the last column is not
    /// padded unless right-aligned), then the separator.
    fn cell(&self, c: usize, data: &[u8], keep_newline: bool, out: &mut Vec<u8>) {
        let col = &self.t.columns[c];
        let last = self.l.is_last(c);
        let mut enc = Vec::with_capacity(data.len());
        let mut len = text::safe_encode(data, self.utf8, keep_newline, &mut enc);
        let mut width = self.l.width[c];
        if last && len < width && !col.right {
            width = len;
        }
        if len > width && col.trunc {
            let (bytes, cols) = text::truncate(&enc, width, self.utf8);
            enc.truncate(bytes);
            len = cols;
        }
        if !enc.is_empty() {
            if col.right {
                pad(out, width.saturating_sub(len));
                len = width;
            }
            out.extend_from_slice(&enc);
        }
        if last {
            return;
        }
        pad(out, width.saturating_sub(len));
        out.push(b' ');
    }

    /// A further line of a multi-line cell.
    fn pending_cell(&self, c: usize, chunk: &[u8], out: &mut Vec<u8>) {
        let mut enc = Vec::new();
        let len = text::safe_encode(chunk, self.utf8, true, &mut enc);
        out.extend_from_slice(&enc);
        if self.l.is_last(c) {
            return;
        }
        pad(out, self.l.width[c].saturating_sub(len));
        out.push(b' ');
    }

    /// A blank cell under a line with a multi-line cell; a tree column draws its lines on.
    fn empty_cell(&self, c: usize, ln: usize, out: &mut Vec<u8>) {
        let mut len = 0;
        if self.t.columns[c].tree {
            let mut art = Vec::new();
            self.t.ancestors_art(ln, self.sym, &mut art);
            if !self.t.lines[ln].children.is_empty() {
                art.extend_from_slice(self.sym.vertical.as_bytes());
            }
            len = text::safe_encode(&art, self.utf8, false, out);
        }
        if self.l.is_last(c) {
            return;
        }
        pad(out, self.l.width[c].saturating_sub(len));
        out.push(b' ');
    }
}

fn pad(out: &mut Vec<u8>, n: usize) {
    out.extend(std::iter::repeat_n(b' ', n));
}

/// util-linux's JSON writer: the same indentation, separators and `null`s.
struct JsonWriter<'a> {
    out: &'a mut Vec<u8>,
    indent: usize,
    style: JsonStyle,
    after_close: bool,
}

impl JsonWriter<'_> {
    fn name(&mut self, name: Option<&str>) {
        if self.after_close {
            let sep: &[u8] = match self.style {
                JsonStyle::Lines if self.indent == 0 => b"\n",
                JsonStyle::Lines | JsonStyle::Compact => b",",
                JsonStyle::Pretty if name.is_some() => b",\n",
                JsonStyle::Pretty => b",",
            };
            self.out.extend_from_slice(sep);
        }
        if self.style == JsonStyle::Pretty && (name.is_some() || !self.after_close) {
            self.out.extend(std::iter::repeat_n(b' ', 3 * self.indent));
        }
        if let Some(n) = name {
            text::json_string(n.to_ascii_lowercase().as_bytes(), self.out);
        }
    }

    /// Open an object (`{`) or an array (`[`).
    fn open(&mut self, name: Option<&str>, kind: u8) {
        self.name(name);
        let s: &str = match (self.style, kind, name.is_some()) {
            (JsonStyle::Lines, b'{', _) => "{",
            (JsonStyle::Lines, _, _) => "[",
            (JsonStyle::Compact, b'{', named) if self.indent == 2 => {
                if named {
                    ":{"
                } else {
                    "\n{"
                }
            }
            (JsonStyle::Compact, b'{', _) => "{",
            (JsonStyle::Compact, _, true) => ":[",
            (JsonStyle::Compact, _, false) => "[",
            (JsonStyle::Pretty, b'{', true) => ": {\n",
            (JsonStyle::Pretty, b'{', false) => "{\n",
            (JsonStyle::Pretty, _, true) => ": [\n",
            (JsonStyle::Pretty, _, false) => "[\n",
        };
        self.out.extend_from_slice(s.as_bytes());
        self.indent += 1;
        self.after_close = false;
    }

    /// Close what `open` opened (`}` or `]`).
    fn close(&mut self, end: u8) {
        self.indent -= 1;
        if self.style == JsonStyle::Compact && self.indent == 1 {
            self.out.push(b'\n');
        }
        if self.style == JsonStyle::Pretty {
            self.out.push(b'\n');
            self.out.extend(std::iter::repeat_n(b' ', 3 * self.indent));
        }
        self.out.push(end);
        if self.style != JsonStyle::Lines && self.indent == 0 {
            self.out.push(b'\n');
        }
        self.after_close = true;
    }

    /// `"name": value`, `null` when empty.
    fn value(&mut self, name: &str, data: &[u8], kind: Json) {
        self.name(Some(name));
        self.out.extend_from_slice(match self.style {
            JsonStyle::Pretty => b": ",
            _ => b":",
        });
        if data.is_empty() {
            self.out.extend_from_slice(b"null");
        } else if kind == Json::Number {
            self.out.extend_from_slice(data);
        } else {
            text::json_string(data, self.out);
        }
        self.after_close = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &'static str, whint: usize, right: bool) -> Column {
        Column {
            name,
            whint,
            right,
            trunc: false,
            tree: false,
            hidden: false,
            wrapnl: false,
            json: if right { Json::Number } else { Json::String },
        }
    }

    fn cells(v: &[&str]) -> Vec<Option<Vec<u8>>> {
        v.iter()
            .map(|s| (!s.is_empty()).then(|| s.as_bytes().to_vec()))
            .collect()
    }

    fn print(t: &Table, o: &Output) -> String {
        let mut out = Vec::new();
        t.print(o, &mut out);
        String::from_utf8(out).unwrap()
    }

    const PIPE: Output = Output {
        terminal: None,
        utf8: true,
        json: JsonStyle::Pretty,
    };

    fn sample(format: Format) -> Table {
        let mut command = col("COMMAND", 0, false);
        command.trunc = true;
        command.tree = true;
        let cols = vec![col("NS", 10, true), col("TYPE", 5, false), command];
        let mut t = Table::new("namespaces", cols, format);
        let a = t.add_line(None, cells(&["4026531837", "user", "init"]));
        let b = t.add_line(Some(a), cells(&["4026531838", "uts", "sh -c x"]));
        t.add_line(Some(b), cells(&["4026532001", "net", ""]));
        t.add_line(Some(a), cells(&["4026532002", "cgroup", "sleep 1"]));
        t
    }

    #[test]
    fn human_tree_with_widths_and_no_padding_at_the_end() {
        assert_eq!(
            print(&sample(Format::Human), &PIPE),
            "        NS TYPE   COMMAND\n\
             4026531837 user   init\n\
             4026531838 uts    ├─sh -c x\n\
             4026532001 net    │ └─\n\
             4026532002 cgroup └─sleep 1\n"
        );
        let ascii = Output {
            utf8: false,
            ..PIPE
        };
        assert!(print(&sample(Format::Human), &ascii).contains("| `-\n"));
    }

    #[test]
    fn truncation_on_a_narrow_terminal() {
        let t = sample(Format::Human);
        let narrow = Output {
            terminal: Some(22),
            ..PIPE
        };
        // COMMAND gives way down to its header's width, no further.
        assert_eq!(
            print(&t, &narrow),
            "        NS TYPE   COMMAND\n\
             4026531837 user   init\n\
             4026531838 uts    ├─sh -c\n\
             4026532001 net    │ └─\n\
             4026532002 cgroup └─sleep\n"
        );
    }

    #[test]
    fn raw_escapes_blanks_and_the_tree() {
        assert_eq!(
            print(&sample(Format::Raw), &PIPE),
            "NS TYPE COMMAND\n4026531837 user init\n4026531838 uts \\xe2\\x94\\x9c\\xe2\\x94\\x80sh\\x20-c\\x20x\n\
             4026532001 net \\xe2\\x94\\x82\\x20\\xe2\\x94\\x94\\xe2\\x94\\x80\n\
             4026532002 cgroup \\xe2\\x94\\x94\\xe2\\x94\\x80sleep\\x201\n"
        );
    }

    #[test]
    fn json_nests_children_and_writes_null() {
        let s = print(&sample(Format::Json), &PIPE);
        assert!(s.starts_with("{\n   \"namespaces\": [\n      {\n         \"ns\": 4026531837,\n"));
        assert!(s.contains("\"command\": null\n"), "{s}");
        assert!(s.contains("\"children\": [\n"), "{s}");
        assert!(s.ends_with("   ]\n}\n"), "{s}");
        let compact = Output {
            json: JsonStyle::Compact,
            ..PIPE
        };
        let mut t = Table::new("namespaces", vec![col("NS", 10, true)], Format::Json);
        assert_eq!(print(&t, &compact), "{\"namespaces\":[\n]}\n");
        assert_eq!(print(&t, &PIPE), "{\n   \"namespaces\": [\n\n   ]\n}\n");
        t.add_line(None, cells(&["1"]));
        t.add_line(None, cells(&["2"]));
        assert_eq!(
            print(&t, &compact),
            "{\"namespaces\":[\n{\"ns\":1},\n{\"ns\":2}\n]}\n"
        );
        let lines = Output {
            json: JsonStyle::Lines,
            ..PIPE
        };
        assert_eq!(print(&t, &lines), "{\"ns\":1}\n{\"ns\":2}\n");
    }

    #[test]
    fn multi_line_cells_continue_below() {
        let mut nsfs = col("NSFS", 0, false);
        nsfs.wrapnl = true;
        let cols = vec![col("NS", 10, true), nsfs, col("PID", 5, true)];
        let mut t = Table::new("namespaces", cols, Format::Human);
        t.add_line(None, cells(&["4026532258", "/run/netns/a\n/tmp/b", ""]));
        assert_eq!(
            print(&t, &PIPE),
            "        NS NSFS         PID\n\
             4026532258 /run/netns/a \n           /tmp/b       \n"
        );
    }
}
