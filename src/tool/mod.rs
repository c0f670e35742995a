//! The tools' front ends: option parsing and the order of operations, nothing more.

pub mod multicall;
pub mod nsenter;
pub mod nsunshare;
