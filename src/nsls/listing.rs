//! From what the scan found to lsns's table: which lines there are, in which order, under which
//! parent line, with which columns (shown ones and those only a filter uses).
//!
//! Namespaces are listed by inode, one line each, shown with their lowest-pid process. The
//! default tree (`process`) hangs each line under the latest line shown for the parent process
//! of its process; the `owner` and `parent` trees hang a namespace under its owner (or parent)
//! namespace, which is printed first wherever it would have come. The namespace-ID form lists
//! the processes of one namespace, each under its parent when that is in the same namespace.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::columns::{self, Col, Sources};
use super::filter::{self, Filter};
use super::scan::Scan;
use super::table::{Column, Format, Json, Table};
use crate::error::{Error, Result};
use crate::ns::KINDS;

/// The tree a listing draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tree {
    None,
    /// Processes under their parent process (the default).
    Process,
    /// Namespaces under their owner user namespace.
    Owner,
    /// Pid and user namespaces under their parent, others under their owner.
    Parent,
}

/// How to list.
pub struct Listing {
    pub columns: Vec<Col>,
    pub tree: Tree,
    pub format: Format,
    pub noheadings: bool,
    pub notruncate: bool,
    pub nowrap: bool,
    /// Only namespaces this process is in (`-p`).
    pub task: Option<i32>,
    /// Only namespaces without processes (`-P`).
    pub persistent: bool,
    pub filter: Option<Filter>,
}

/// The columns of the table: the chosen ones, then hidden ones the filter uses.
pub struct Columns {
    pub cols: Vec<Col>,
    /// For each holder of the filter, its column's index in `cols`.
    holders: Vec<usize>,
    types: Vec<filter::Type>,
    shown: usize,
}

/// Holders naming no column (each is reported, then the filter is refused).
pub struct UnknownColumns(pub Vec<String>);

impl Listing {
    /// Resolve the filter's holders to columns, adding hidden ones as lsns does: a holder first
    /// matches a column of the table by its exact name, then any column in any case.
    pub fn columns(&self) -> std::result::Result<Columns, UnknownColumns> {
        let mut cols = self.columns.clone();
        let shown = cols.len();
        let mut holders = Vec::new();
        let mut unknown = Vec::new();
        if let Some(f) = &self.filter {
            for name in f.holders() {
                if let Some(i) = cols.iter().position(|c| c.info().name == name) {
                    holders.push(i);
                    continue;
                }
                match columns::by_name(name) {
                    Some(c) => {
                        cols.push(c);
                        holders.push(cols.len() - 1);
                    }
                    None => unknown.push(name.clone()),
                }
            }
        }
        if !unknown.is_empty() {
            return Err(UnknownColumns(unknown));
        }
        let types = holders
            .iter()
            .map(|&i| match cols[i].info().json {
                Json::Number => filter::Type::Number,
                Json::String => filter::Type::String,
            })
            .collect();
        Ok(Columns {
            cols,
            holders,
            types,
            shown,
        })
    }

    /// The table's columns with lsns's flags for this listing.
    fn table(&self, c: &Columns) -> Table {
        let owner_tree = matches!(self.tree, Tree::Owner | Tree::Parent);
        let columns = c
            .cols
            .iter()
            .enumerate()
            .map(|(i, &col)| {
                let info = col.info();
                let hidden = i >= c.shown;
                let tree = !hidden
                    && ((self.tree == Tree::Process && col == Col::Command)
                        || (owner_tree && col == Col::Ns));
                Column {
                    name: info.name,
                    whint: info.whint,
                    right: !hidden && info.right && !(owner_tree && col == Col::Ns),
                    trunc: !hidden && info.trunc && !self.notruncate,
                    tree,
                    hidden,
                    wrapnl: !hidden && info.wrap && !self.nowrap,
                    json: info.json,
                }
            })
            .collect();
        let mut t = Table::new("namespaces", columns, self.format);
        t.noheadings = self.noheadings;
        t
    }

    /// One line per namespace.
    pub fn namespaces(&self, src: &Sources<'_>, c: &Columns) -> Result<Table> {
        let mut v = View::new(self, src, c);
        for n in 0..src.scan.ns.len() {
            let ns = &src.scan.ns[n];
            if let Some(pid) = self.task {
                if !ns.procs.iter().any(|&p| src.scan.procs[p].pid == pid) {
                    continue;
                }
            }
            if self.persistent && !ns.procs.is_empty() {
                continue;
            }
            if v.ns_line[n].is_none() {
                v.show_namespace(n)?;
            }
        }
        Ok(v.table)
    }

    /// One line per process of namespace `n`.
    pub fn processes(&self, src: &Sources<'_>, c: &Columns, n: usize) -> Result<Table> {
        let mut v = View::new(self, src, c);
        for &p in &src.scan.ns[n].procs {
            if v.proc_line[p].is_none() {
                v.show_process(p, n)?;
            }
        }
        Ok(v.table)
    }
}

/// A table being filled, with the latest line of each process and namespace.
struct View<'a> {
    l: &'a Listing,
    src: &'a Sources<'a>,
    c: &'a Columns,
    table: Table,
    proc_line: Vec<Option<usize>>,
    ns_line: Vec<Option<usize>>,
    /// Process index by pid.
    by_pid: BTreeMap<u64, usize>,
}

impl<'a> View<'a> {
    fn new(l: &'a Listing, src: &'a Sources<'a>, c: &'a Columns) -> View<'a> {
        let scan = src.scan;
        View {
            l,
            src,
            c,
            table: l.table(c),
            proc_line: vec![None; scan.procs.len()],
            ns_line: vec![None; scan.ns.len()],
            by_pid: {
                let mut m = BTreeMap::new();
                for (i, p) in scan.procs.iter().enumerate() {
                    m.insert(p.pid as u64, i);
                }
                m
            },
        }
    }

    /// The parent process of process `p`, when it is in `/proc`.
    fn parent(&self, p: usize) -> Option<usize> {
        self.by_pid.get(&(self.scan().ppid(p) as u64)).copied()
    }

    fn scan(&self) -> &'a Scan {
        self.src.scan
    }

    /// The owner namespace of `n`, when listed.
    fn owner(&self, n: usize) -> Option<usize> {
        let o = self.scan().ns[n].owner;
        (o != 0).then(|| self.scan().get(o)).flatten()
    }

    /// The parent namespace of pid or user namespace `n`, when listed.
    fn parent_ns(&self, n: usize) -> Option<usize> {
        let ns = &self.scan().ns[n];
        let hierarchical = matches!(KINDS[ns.kind].name, "user" | "pid");
        (hierarchical && ns.parent != 0 && ns.parent != ns.ino)
            .then(|| self.scan().get(ns.parent))
            .flatten()
    }

    fn show_namespace(&mut self, n: usize) -> Result<()> {
        match self.l.tree {
            Tree::Owner => {
                if let Some(o) = self.owner(n).filter(|&o| self.ns_line[o].is_none()) {
                    self.show_namespace(o)?;
                }
            }
            Tree::Parent => match self.parent_ns(n) {
                Some(p) => {
                    if self.ns_line[p].is_none() {
                        self.show_namespace(p)?;
                    }
                }
                None => {
                    if let Some(o) = self.owner(n).filter(|&o| self.ns_line[o].is_none()) {
                        self.show_namespace(o)?;
                    }
                }
            },
            _ => {}
        }
        let proc = self.scan().first_proc(n);
        self.add_line(n, proc)
    }

    fn show_process(&mut self, p: usize, n: usize) -> Result<()> {
        if self.l.tree == Tree::Process {
            if let Some(pp) = self.parent(p) {
                let kind = self.scan().ns[n].kind;
                let scan = self.scan();
                if self.proc_line[pp].is_none() && scan.procs[pp].ns[kind] == scan.procs[p].ns[kind]
                {
                    self.show_process(pp, n)?;
                }
            }
        }
        self.add_line(n, Some(p))
    }

    /// Add the line of namespace `n` shown with process `proc`, unless the filter drops it.
    fn add_line(&mut self, n: usize, proc: Option<usize>) -> Result<()> {
        let parent = match self.l.tree {
            Tree::Process => proc
                .and_then(|p| self.parent(p))
                .and_then(|pp| self.proc_line[pp]),
            Tree::Parent => self.parent_ns(n).and_then(|p| self.ns_line[p]),
            Tree::Owner => self.owner(n).and_then(|o| self.ns_line[o]),
            Tree::None => None,
        };
        let cols = &self.c.cols;
        let cache: RefCell<Vec<Option<Option<Vec<u8>>>>> = RefCell::new(vec![None; cols.len()]);
        let value = |i: usize| -> Option<Vec<u8>> {
            let mut c = cache.borrow_mut();
            c[i].get_or_insert_with(|| self.src.value(cols[i], n, proc))
                .clone()
        };
        if let Some(f) = &self.l.filter {
            let holders = &self.c.holders;
            let ok = f
                .matches(&self.c.types, &mut |h| value(holders[h]))
                .map_err(|_| Error::new("failed to apply filter: Invalid argument"))?;
            if !ok {
                return Ok(());
            }
        }
        let cells = (0..cols.len()).map(value).collect();
        let line = self.table.add_line(parent, cells);
        match (self.l.tree, proc) {
            (Tree::Owner | Tree::Parent, _) => self.ns_line[n] = Some(line),
            (_, Some(p)) => self.proc_line[p] = Some(line),
            _ => {}
        }
        Ok(())
    }
}
