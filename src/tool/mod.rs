//! The tools' front ends: option parsing and the order of operations, nothing more.

pub mod multicall;
pub mod nscgroup;
pub mod nsenter;
pub mod nsidmap;
pub mod nsls;
pub mod nsmount_proc;
pub mod nspivot;
pub mod nsunshare;
pub mod nsveth;

/// The flag table of every binary (the multicall one first), for the documentation generated
/// from them ([`crate::cli::gen`], driven by `tests/docs.rs`).
pub static TABLES: &[&crate::cli::Tool] = &[
    &multicall::TOOL,
    &nscgroup::TOOL,
    &nsenter::TOOL,
    &nsidmap::TOOL,
    &nsls::TOOL,
    &nsmount_proc::TOOL,
    &nspivot::TOOL,
    &nsunshare::TOOL,
    &nsveth::TOOL,
];
