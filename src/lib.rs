//! nstools: small, single-purpose Linux namespace tools over one thin library.
//!
//! The library is organised by concern; each tool in [`tool`] parses its arguments, calls these
//! modules, and reports. Every binary in `src/bin/` is one call to a `tool::*::main`.

// The library is the tools' own, not an interface: its documentation is for those who work on
// it, and links to crate-private items freely (`cargo doc --document-private-items`).
#![allow(rustdoc::private_intra_doc_links)]

pub(crate) mod addr;
pub(crate) mod alloc;
pub(crate) mod bridge;
pub(crate) mod caps;
pub(crate) mod cgroup;
pub(crate) mod cli;
#[cfg(feature = "cni")]
pub(crate) mod cni;
pub(crate) mod critical;
pub(crate) mod error;
pub(crate) mod idmap;
pub(crate) mod join;
pub(crate) mod json;
pub(crate) mod lease;
pub(crate) mod leasing;
pub(crate) mod linkmark;
pub(crate) mod mount;
pub(crate) mod nat;
pub(crate) mod netlink;
pub(crate) mod nftables;
pub(crate) mod ns;
pub(crate) mod nsls;
pub(crate) mod persist;
pub(crate) mod procdir;
pub(crate) mod process;
pub(crate) mod rootfs;
pub(crate) mod subid;
pub(crate) mod sys;
pub(crate) mod target;
pub mod tool;
pub(crate) mod users;
pub(crate) mod veth;

#[cfg(test)]
mod testutil;

#[global_allocator]
static ALLOCATOR: alloc::Allocator = alloc::Allocator;

/// The binaries' `main` ([`entry!`]) reads its arguments with this.
#[doc(hidden)]
pub use sys::args_from_c;

/// What the integration tests (`tests/`) and the doc example of `cli` reach inside the library:
/// parsers checked against references and a few helpers. Not an interface: the modules are the
/// crate's own, so that the compiler reports what nothing uses.
#[doc(hidden)]
pub mod testing {
    pub mod addr {
        pub use crate::addr::{parse_mac, valid_ifname, Cidr, Route};
    }
    pub mod cgroup {
        pub use crate::cgroup::{
            cgroup_procs_path, parse_cgroup_file, parse_cgroup_mounts, parse_count, parse_cpus,
            parse_cpuset, parse_io_max, parse_set, parse_size, parse_weight, remove_made, Cgroupfs,
            Create, Limit, Limits, Placement, SelfCgroup, CPU_PERIOD,
        };
    }
    pub mod cli {
        pub use crate::cli::{
            gen, number, signal, signal_number, size, unexpected, Arg, Args, Flag, Group, Hint,
            Tool,
        };
    }
    pub mod error {
        pub use crate::error::{quoted, Result};
    }
    pub mod idmap {
        pub use crate::idmap::{
            parse_kernel_map, render, validate, with_single, Range, Setgroups, MAX_LINES,
        };
    }
    pub mod json {
        pub use crate::json::string;
    }
    pub mod lease {
        pub use crate::lease::RUN_DIR_VAR;
    }
    pub mod linkmark {
        pub use crate::linkmark::{bridge_temp_name, is_leftover, Maker};
    }
    pub mod mount {
        pub use crate::mount::parse_propagation;
    }
    pub mod netlink {
        pub use crate::netlink::attrs;
    }
    pub mod procdir {
        pub use crate::procdir::parse_pid;
    }
    pub mod process {
        pub use crate::process::Fork;
    }
    pub mod rootfs {
        pub use crate::rootfs::Bind;
    }
    pub mod subid {
        pub use crate::subid::{covered, login_defs_flag, parse_subids, SubId};
    }
    pub mod sys {
        pub use crate::sys::{ns_get_id, pidfd_open, rt_signal_range};
    }
    pub mod target {
        pub use crate::target::{parse_environ, parse_pid_spec};
    }
    pub mod users {
        pub use crate::users::{gid, uid, user_by_id, user_by_name};
    }
    pub mod veth {
        pub use crate::veth::TargetSpec;
    }
}
