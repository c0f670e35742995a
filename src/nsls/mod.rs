//! nsls: the namespaces of the system listed as util-linux 2.42's `lsns` lists them (same
//! columns, same output formats byte for byte, same filter expressions), found with fewer
//! system calls; and one process's whole picture (`--inspect`).
//!
//! - [`scan`]: which namespaces exist and which processes are in them (`/proc`, held files,
//!   bind mounts, or `listns(2)`);
//! - [`columns`]: lsns's column table and the value of each cell;
//! - [`listing`]: which lines, in which order, under which parent;
//! - [`filter`]: `-Q` expressions;
//! - [`table`] and [`text`]: libsmartcols' output formats, widths and escapes;
//! - [`inspect`]: `--inspect PID`.

pub mod columns;
pub mod filter;
pub mod inspect;
pub mod listing;
pub mod regex;
pub mod scan;
pub mod table;
pub mod text;
