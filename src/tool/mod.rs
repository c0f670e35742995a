//! The tools' front ends: option parsing and the order of operations, nothing more.

pub mod multicall;
pub mod nscgroup;
pub mod nsenter;
pub mod nsidmap;
pub mod nsmount_proc;
pub mod nspivot;
pub mod nsunshare;
pub mod nsveth;
