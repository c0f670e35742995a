//! Mount operations shared by the tools, each failing with the operation and the path.

use std::path::Path;

use nix::mount::{mount, umount2, MntFlags, MsFlags};

use crate::error::{Context, Error, Result};

/// `--propagation` values; `None` means unchanged.
pub fn parse_propagation(text: &str) -> Result<Option<MsFlags>> {
    match text {
        "private" => Ok(Some(MsFlags::MS_REC | MsFlags::MS_PRIVATE)),
        "shared" => Ok(Some(MsFlags::MS_REC | MsFlags::MS_SHARED)),
        "slave" => Ok(Some(MsFlags::MS_REC | MsFlags::MS_SLAVE)),
        "unchanged" => Ok(None),
        // One line without the Try line, as util-linux's errx().
        _ => Err(Error::new(format!("unsupported propagation mode: {text}"))),
    }
}

/// Change the propagation of `/` and every mount below it.
pub fn set_root_propagation(flags: MsFlags) -> Result<()> {
    mount(None::<&str>, "/", None::<&str>, flags, None::<&str>)
        .context(|| "cannot change root filesystem propagation")
}

/// Make the mounts at and below `path` private.
pub fn make_private(path: &Path) -> Result<()> {
    mount(
        None::<&str>,
        path,
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .context(|| format!("cannot change {} filesystem propagation", path.display()))
}

/// The flags every pseudo-filesystem we mount gets.
pub const PSEUDO: MsFlags = MsFlags::MS_NOSUID
    .union(MsFlags::MS_NODEV)
    .union(MsFlags::MS_NOEXEC);

/// Mount a fresh procfs at `dir` (nosuid, nodev, noexec), with optional mount data
/// (`hidepid=…`, `subset=pid`).
pub fn mount_proc(dir: &Path, data: Option<&str>) -> Result<()> {
    mount(Some("proc"), dir, Some("proc"), PSEUDO, data)
        .context(|| format!("mount {} failed", dir.display()))
}

/// Mount a filesystem of `fstype` at `dir`.
pub fn mount_fs(fstype: &str, dir: &Path, flags: MsFlags, data: Option<&str>) -> Result<()> {
    mount(Some(fstype), dir, Some(fstype), flags, data)
        .context(|| format!("mount {fstype} on {} failed", dir.display()))
}

/// Bind-mount `src` on `target` (recursively if asked).
pub fn bind(src: &Path, target: &Path, recursive: bool) -> Result<()> {
    let flags = if recursive {
        MsFlags::MS_BIND | MsFlags::MS_REC
    } else {
        MsFlags::MS_BIND
    };
    mount(Some(src), target, None::<&str>, flags, None::<&str>)
        .context(|| format!("mount {} on {} failed", src.display(), target.display()))
}

/// Detach the mount at `target` (lazily, `MNT_DETACH`).
pub fn detach(target: &Path) -> Result<()> {
    umount2(target, MntFlags::MNT_DETACH).context(|| format!("umount {} failed", target.display()))
}
