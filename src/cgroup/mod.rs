//! Control groups by plain file I/O on cgroupfs, for every layout:
//!
//! - **v2** (unified): one hierarchy at the root; the controllers a limit needs are enabled in
//!   the ancestors' `cgroup.subtree_control`, where they are missing.
//! - **v1**: one hierarchy per controller at `ROOT/<controller>`. Only the hierarchies the limits
//!   need (plus those named explicitly) are ever written.
//! - **hybrid**: v1, plus the cgroup2 hierarchy at `ROOT/unified` (without controllers).
//!
//! Every cgroup made here also lives in one home hierarchy whatever its limits (the cgroup2 one,
//! else v1's freezer), so that it can always be frozen, killed, watched and joined. A process is
//! started inside its cgroup2 cgroup with `clone3(CLONE_INTO_CGROUP)` ([`Placement`]) and moved
//! into the v1 ones.
//!
//! A cgroup path starting with `/` is taken from the hierarchy's root; a relative one lives under
//! the caller's own cgroup in that hierarchy (from `/proc/self/cgroup`), so a delegated subtree
//! or a supervised script stays inside it — except in a cgroup2 hierarchy when the parent of
//! the caller's cgroup is delegated to the caller: there it lives beside the caller's cgroup,
//! under that parent, since a cgroup holding the caller can never hand its children domain
//! controllers (`fs::delegated_parent`). No path may contain `..`.
//!
//! One file per job, dependencies running one way (`limits`, `procfs` ← `fs` ← `v1`, `v2` ←
//! `apply`, `stat`, `lifecycle`):
//! - `limits`: what a limit is and how it is parsed;
//! - `v1`, `v2`: what each layout writes and reads (limit files, freezing, killing, OOM
//!   counts, usage figures, v2 controller enabling) — "what does `--memory` write on v2" is
//!   answered in `v2.rs` alone;
//! - `procfs`: `/proc/PID/cgroup` and the cgroup mounts;
//! - `fs`: the tree on disk (layout, hierarchies, [`fs::Group`], paths, file I/O);
//! - `apply`: create and set, with undo;
//! - `lifecycle`: attach, start inside, signal, kill, freeze, delete, clean up after `exec`;
//! - `stat`: usage figures and listing.
//!
//! The root is injectable, so the file logic is unit-tested on fixture trees.

mod apply;
mod fs;
mod lifecycle;
mod limits;
mod procfs;
mod stat;
mod v1;
mod v2;

#[cfg(test)]
mod fixture;

pub use apply::Create;
pub use fs::{Cgroupfs, Mode, DEFAULT_ROOT, V1_CONTROLLERS};
pub use lifecycle::{
    attach, freeze, move_back_and_remove, refuse_if_holds_caller, remove_created, remove_made,
    Placement, RemovalWatch,
};
pub use limits::{
    parse_count, parse_cpus, parse_cpuset, parse_io_max, parse_set, parse_size, parse_weight,
    Limit, Limits, CPU_PERIOD,
};
pub use procfs::{cgroup_procs_path, parse_cgroup_file, parse_cgroup_mounts, SelfCgroup};
pub use stat::{cpu_max, format_stat, list, oom_kills, stat};
