//! nstools: small, single-purpose Linux namespace tools over one thin library.
//!
//! The library is organised by concern; each tool in [`tool`] parses its arguments, calls these
//! modules, and reports. Every binary in `src/bin/` is one call to a `tool::*::main`.

pub mod addr;
pub mod alloc;
pub mod bridge;
pub mod caps;
pub mod cgroup;
pub mod cli;
pub mod critical;
pub mod error;
pub mod idmap;
pub mod join;
pub mod json;
pub mod lease;
pub mod leasing;
pub mod linkmark;
pub mod mount;
pub mod nat;
pub mod netlink;
pub mod nftables;
pub mod ns;
pub mod nsls;
pub mod persist;
pub mod procdir;
pub mod process;
pub mod rootfs;
pub mod subid;
pub mod sys;
pub mod target;
pub mod tool;
pub mod users;
pub mod veth;

#[cfg(test)]
mod testutil;

#[global_allocator]
static ALLOCATOR: alloc::Allocator = alloc::Allocator;
