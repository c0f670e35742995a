//! Raw system calls that `nix` does not wrap, and `fork`. Each is one `unsafe` call followed by
//! `Errno::result`, with the reason it is sound beside it. Nothing else in the crate calls `libc`
//! functions that need `unsafe`, apart from the allocator ([`crate::alloc`]) and unit tests.

use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use nix::errno::Errno;
use nix::unistd::Pid;

/// `pidfd_open(2)`: a file descriptor that refers to one process, immune to pid reuse.
pub fn pidfd_open(pid: Pid) -> nix::Result<OwnedFd> {
    // SAFETY: the syscall takes two integers and returns a new fd or -1; it touches no memory.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    // SAFETY: on success the kernel returned a new descriptor that nobody else owns.
    Errno::result(fd).map(|fd| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `pidfd_send_signal(2)` without siginfo: signal exactly the process behind `pidfd`.
pub fn pidfd_send_signal(pidfd: BorrowedFd<'_>, sig: i32) -> nix::Result<()> {
    // SAFETY: a null siginfo pointer is allowed (the kernel then fills it as kill(2) would).
    let r = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            sig,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    Errno::result(r).map(drop)
}

/// `close_range(2)`: close every fd from `first` to `last` (a range with `first > last` is
/// empty).
pub fn close_fds(first: u32, last: u32) -> nix::Result<()> {
    if first > last {
        return Ok(());
    }
    // SAFETY: integers only; the caller owns no descriptor in the range it still uses.
    let r = unsafe { libc::syscall(libc::SYS_close_range, first, last, 0u32) };
    Errno::result(r).map(drop)
}

/// `setdomainname(2)`.
pub fn setdomainname(name: &[u8]) -> nix::Result<()> {
    // SAFETY: the pointer and length describe `name`, which outlives the call; the kernel copies.
    let r = unsafe { libc::setdomainname(name.as_ptr().cast(), name.len()) };
    Errno::result(r).map(drop)
}

/// `ioctl(fd, NS_GET_NSTYPE)`: the `CLONE_NEW*` flag of the namespace behind an nsfs file.
pub fn ns_get_nstype(fd: BorrowedFd<'_>) -> nix::Result<i32> {
    const NS_GET_NSTYPE: libc::c_ulong = 0xb703; // _IO(0xb7, 0x3)
                                                 // SAFETY: this ioctl takes no argument and returns an integer.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), NS_GET_NSTYPE as _) };
    Errno::result(r)
}

/// `ioctl(fd, NS_GET_USERNS)`: the user namespace that owns the namespace behind `fd`.
pub fn ns_get_userns(fd: BorrowedFd<'_>) -> nix::Result<OwnedFd> {
    const NS_GET_USERNS: libc::c_ulong = 0xb701; // _IO(0xb7, 0x1)
                                                 // SAFETY: this ioctl takes no argument and returns a new fd or -1.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), NS_GET_USERNS as _) };
    // SAFETY: on success the kernel returned a new descriptor that nobody else owns.
    Errno::result(r).map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `ioctl(fd, NS_GET_ID)`: the 64-bit id of the namespace behind an nsfs file (Linux 6.12).
pub fn ns_get_id(fd: BorrowedFd<'_>) -> nix::Result<u64> {
    const NS_GET_ID: libc::c_ulong = 0x8008_b70d; // _IOR(0xb7, 0xd, __u64)
    let mut id: u64 = 0;
    // SAFETY: the ioctl writes one u64 through the pointer, which points at `id`, ours.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), NS_GET_ID as _, &mut id as *mut u64) };
    Errno::result(r).map(|_| id)
}

/// Capability sets of the calling thread (the first 64 capabilities, `_LINUX_CAPABILITY_VERSION_3`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caps {
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const CAP_V3: u32 = 0x2008_0522;

/// `capget(2)` for the calling thread.
pub fn capget() -> nix::Result<Caps> {
    let mut hdr = CapHeader {
        version: CAP_V3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: version 3 takes a header and an array of two data structs, both valid and ours.
    let r = unsafe { libc::syscall(libc::SYS_capget, &mut hdr, data.as_mut_ptr()) };
    Errno::result(r)?;
    let join = |lo: u32, hi: u32| u64::from(lo) | u64::from(hi) << 32;
    Ok(Caps {
        effective: join(data[0].effective, data[1].effective),
        permitted: join(data[0].permitted, data[1].permitted),
        inheritable: join(data[0].inheritable, data[1].inheritable),
    })
}

/// `capset(2)` for the calling thread.
pub fn capset(caps: Caps) -> nix::Result<()> {
    let mut hdr = CapHeader {
        version: CAP_V3,
        pid: 0,
    };
    let split = |v: u64| (v as u32, (v >> 32) as u32);
    let (e0, e1) = split(caps.effective);
    let (p0, p1) = split(caps.permitted);
    let (i0, i1) = split(caps.inheritable);
    let data = [
        CapData {
            effective: e0,
            permitted: p0,
            inheritable: i0,
        },
        CapData {
            effective: e1,
            permitted: p1,
            inheritable: i1,
        },
    ];
    // SAFETY: version 3 takes a header and an array of two data structs, both valid for the call.
    let r = unsafe { libc::syscall(libc::SYS_capset, &mut hdr, data.as_ptr()) };
    Errno::result(r).map(drop)
}

/// `prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap)`.
pub fn ambient_raise(cap: u32) -> nix::Result<()> {
    // SAFETY: integer arguments only.
    let r = unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_RAISE,
            cap as libc::c_ulong,
            0,
            0,
        )
    };
    Errno::result(r).map(drop)
}

/// `prctl(PR_SET_KEEPCAPS, on)`: keep permitted capabilities across a change of uid.
pub fn set_keepcaps(on: bool) -> nix::Result<()> {
    // SAFETY: integer arguments only.
    let r = unsafe { libc::prctl(libc::PR_SET_KEEPCAPS, libc::c_ulong::from(on), 0, 0, 0) };
    Errno::result(r).map(drop)
}

/// `prctl(PR_CAPBSET_READ, cap)`: whether `cap` exists on this kernel (the bounding set check is
/// how util-linux finds the last capability).
pub fn cap_exists(cap: u32) -> bool {
    // SAFETY: integer arguments only.
    unsafe { libc::prctl(libc::PR_CAPBSET_READ, cap as libc::c_ulong, 0, 0, 0) >= 0 }
}

/// `clearenv(3)`, which nix lacks.
///
/// Only call it in a single-threaded process (all our tools are).
pub fn clearenv() {
    // SAFETY: our processes are single-threaded, so no other thread reads the environment.
    unsafe { libc::clearenv() };
}

/// `setenv(3)` (overwriting), which fails with an error instead of panicking as
/// `std::env::set_var` does when the C library cannot allocate. A name or value with a NUL byte
/// is `EINVAL`.
///
/// Only call it in a single-threaded process (all our tools are).
pub fn setenv(name: &std::ffi::OsStr, value: &std::ffi::OsStr) -> nix::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::CString::new(name.as_bytes()).map_err(|_| Errno::EINVAL)?;
    let value = std::ffi::CString::new(value.as_bytes()).map_err(|_| Errno::EINVAL)?;
    // SAFETY: both are NUL-terminated strings that outlive the call (the C library copies
    // them); our processes are single-threaded, so no other thread reads the environment.
    let r = unsafe { libc::setenv(name.as_ptr(), value.as_ptr(), 1) };
    Errno::result(r).map(drop)
}

/// Reset the disposition of `sig` to the default: SIGCHLD before forking children we wait for,
/// and the signal a child died of before re-raising it on ourselves.
pub fn reset_default(sig: nix::sys::signal::Signal) -> nix::Result<()> {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet};
    let dfl = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    // SAFETY: installing SIG_DFL runs no code of ours in signal context.
    unsafe { sigaction(sig, &dfl) }.map(drop)
}

/// `sigpending(2)`: the signals pending for the calling thread or its process, as a mask with
/// bit N-1 for signal N (the form of `SigPnd` in `/proc/PID/status`), signals 1 to 64.
pub fn pending_signals() -> nix::Result<u64> {
    let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: sigpending fills the set it is given and touches nothing else.
    Errno::result(unsafe { libc::sigpending(set.as_mut_ptr()) })?;
    // SAFETY: filled by the successful call above.
    let set = unsafe { set.assume_init() };
    // SAFETY: sigismember only reads the set; an unknown signal number gives -1.
    let member = |sig: i32| unsafe { libc::sigismember(&set, sig) } == 1;
    Ok((1..=64)
        .filter(|&s| member(s))
        .fold(0, |m, s| m | 1 << (s - 1)))
}

/// The arguments of a C `main`, as `OsString`s (for binaries with their own `main` symbol).
///
/// # Safety
/// `argv` must point to `argc` valid NUL-terminated strings, as the C runtime passes to `main`.
pub unsafe fn args_from_c(argc: i32, argv: *const *const libc::c_char) -> Vec<std::ffi::OsString> {
    use std::os::unix::ffi::OsStrExt;
    if argc > 0 {
        // SAFETY: the caller guarantees argv[0] is a valid C string (of the whole process).
        crate::alloc::set_program(unsafe { *argv });
    }
    (0..argc.max(0) as usize)
        .map(|i| {
            // SAFETY: the caller guarantees argv[0..argc] are valid C strings.
            let s = unsafe { std::ffi::CStr::from_ptr(*argv.add(i)) };
            std::ffi::OsStr::from_bytes(s.to_bytes()).to_owned()
        })
        .collect()
}

/// `struct mount_attr` of `mount_setattr(2)`.
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// `mount_setattr(2)` setting (`rdonly`) or clearing `MOUNT_ATTR_RDONLY` on the mount at `path`
/// (and every mount below it when `recursive`), leaving its other flags alone, locked ones
/// included.
pub fn mount_setattr_rdonly(
    path: &std::ffi::CStr,
    recursive: bool,
    rdonly: bool,
) -> nix::Result<()> {
    const MOUNT_ATTR_RDONLY: u64 = 0x1;
    const AT_RECURSIVE: libc::c_uint = 0x8000;
    let (attr_set, attr_clr) = if rdonly {
        (MOUNT_ATTR_RDONLY, 0)
    } else {
        (0, MOUNT_ATTR_RDONLY)
    };
    let attr = MountAttr {
        attr_set,
        attr_clr,
        propagation: 0,
        userns_fd: 0,
    };
    let flags = if recursive { AT_RECURSIVE } else { 0 };
    // SAFETY: `path` is NUL-terminated and `attr` is a valid struct of the size we pass; the
    // kernel only reads both during the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            path.as_ptr(),
            flags,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    Errno::result(r).map(drop)
}

/// `socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol)`: a netlink socket, bound (by the
/// kernel, on first use) to the network namespace of the calling thread at this moment.
pub fn netlink_socket(protocol: i32) -> nix::Result<OwnedFd> {
    let ty = libc::SOCK_RAW | libc::SOCK_CLOEXEC;
    // SAFETY: integer arguments only; returns a new fd or -1.
    let fd = unsafe { libc::socket(libc::AF_NETLINK, ty, protocol) };
    // SAFETY: on success the kernel returned a new descriptor that nobody else owns.
    Errno::result(fd).map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `setsockopt(fd, level, name, &value, sizeof(int))` for an integer option.
pub fn setsockopt_int(fd: BorrowedFd<'_>, level: i32, name: i32, value: i32) -> nix::Result<()> {
    let len = std::mem::size_of::<i32>() as libc::socklen_t;
    // SAFETY: the pointer and length describe `value`, which lives across the call.
    let r =
        unsafe { libc::setsockopt(fd.as_raw_fd(), level, name, (&raw const value).cast(), len) };
    Errno::result(r).map(drop)
}

/// `sendto(2)` of one netlink datagram to the kernel (port id 0); returns the bytes sent.
pub fn send_netlink(fd: BorrowedFd<'_>, buf: &[u8]) -> nix::Result<usize> {
    // SAFETY: an all-zero sockaddr_nl is a valid value of this plain C struct.
    let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    let len = std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
    // SAFETY: the pointers and lengths describe `buf` and `addr`, which the kernel only reads.
    let r = unsafe {
        libc::sendto(
            fd.as_raw_fd(),
            buf.as_ptr().cast(),
            buf.len(),
            0,
            (&raw const addr).cast(),
            len,
        )
    };
    Errno::result(r).map(|n| n as usize)
}

/// `socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC)`: two connected stream sockets.
pub fn socketpair_cloexec() -> nix::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [-1 as RawFd; 2];
    let ty = libc::SOCK_STREAM | libc::SOCK_CLOEXEC;
    // SAFETY: the kernel writes two descriptors into `fds`, an array of two ints we own.
    let r = unsafe { libc::socketpair(libc::AF_UNIX, ty, 0, fds.as_mut_ptr()) };
    Errno::result(r)?;
    // SAFETY: on success both are new descriptors that nobody else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// `send(2)` with `MSG_NOSIGNAL`: a peer that is gone is `EPIPE`, never a `SIGPIPE`, without
/// touching the signal mask.
pub fn send_nosignal(fd: BorrowedFd<'_>, buf: &[u8]) -> nix::Result<usize> {
    // SAFETY: the pointer and length describe `buf`, which the kernel only reads.
    let r = unsafe {
        libc::send(
            fd.as_raw_fd(),
            buf.as_ptr().cast(),
            buf.len(),
            libc::MSG_NOSIGNAL,
        )
    };
    Errno::result(r).map(|n| n as usize)
}

/// `recvfrom(2)` of one netlink datagram with `MSG_TRUNC`: the datagram's full length (larger
/// than `buf` when it was truncated) and the port id of its sender (0: the kernel).
pub fn recv_netlink(fd: BorrowedFd<'_>, buf: &mut [u8]) -> nix::Result<(usize, u32)> {
    // SAFETY: an all-zero sockaddr_nl is a valid value of this plain C struct.
    let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
    // SAFETY: `buf` is writable for its length; `addr`/`len` describe a sockaddr_nl we own.
    let r = unsafe {
        libc::recvfrom(
            fd.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_TRUNC,
            (&raw mut addr).cast(),
            &mut len,
        )
    };
    Errno::result(r).map(|n| (n as usize, addr.nl_pid))
}

/// `pidfd_getfd(2)`: a duplicate of the file descriptor `fd` of the process behind `pidfd`.
pub fn pidfd_getfd(pidfd: BorrowedFd<'_>, fd: RawFd) -> nix::Result<OwnedFd> {
    // SAFETY: integer arguments only; the call returns a new fd or -1.
    let r = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0) };
    // SAFETY: on success the kernel returned a new descriptor that nobody else owns.
    Errno::result(r).map(|fd| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `ioctl(sock, SIOCGSKNS)`: an fd of the network namespace a socket was created in.
pub fn socket_netns(sock: BorrowedFd<'_>) -> nix::Result<OwnedFd> {
    const SIOCGSKNS: libc::c_ulong = 0x894C;
    // SAFETY: this ioctl takes no argument and returns a new fd or -1.
    let r = unsafe { libc::ioctl(sock.as_raw_fd(), SIOCGSKNS as _) };
    // SAFETY: on success the kernel returned a new descriptor that nobody else owns.
    Errno::result(r).map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A `struct file_handle` holding an nsfs handle (`struct nsfs_file_handle`: id, type, inode).
#[repr(C)]
struct NsfsHandle {
    handle_bytes: u32,
    handle_type: i32,
    ns_id: u64,
    ns_type: u32,
    ns_inum: u32,
}

const NSFS_HANDLE_BYTES: u32 = 16;

/// `name_to_handle_at(fd, "", …, AT_EMPTY_PATH | AT_HANDLE_FID)` on an nsfs file: the handle
/// type nsfs uses (the kernel does not export it), to build handles by namespace id.
pub fn nsfs_handle_type(nsfs: BorrowedFd<'_>) -> nix::Result<i32> {
    const AT_HANDLE_FID: libc::c_int = 0x200;
    let mut h = NsfsHandle {
        handle_bytes: NSFS_HANDLE_BYTES,
        handle_type: 0,
        ns_id: 0,
        ns_type: 0,
        ns_inum: 0,
    };
    let mut mount_id: libc::c_int = 0;
    // SAFETY: `h` has room for `handle_bytes` bytes after its header and `mount_id` is an int we
    // own; the path is an empty NUL-terminated string; the kernel writes only into those.
    let r = unsafe {
        libc::syscall(
            libc::SYS_name_to_handle_at,
            nsfs.as_raw_fd(),
            c"".as_ptr(),
            &mut h as *mut NsfsHandle,
            &mut mount_id as *mut libc::c_int,
            libc::AT_EMPTY_PATH | AT_HANDLE_FID,
        )
    };
    Errno::result(r).map(|_| h.handle_type)
}

/// `open_by_handle_at(nsfs, {handle_type, ns_id, ns_type}, O_RDONLY | O_CLOEXEC)`: the
/// namespace of kind `ns_type` (a `CLONE_NEW*` flag) whose 64-bit id is `id` (Linux 6.18).
pub fn open_ns_by_id(
    nsfs: BorrowedFd<'_>,
    handle_type: i32,
    id: u64,
    ns_type: i32,
) -> nix::Result<OwnedFd> {
    let mut h = NsfsHandle {
        handle_bytes: NSFS_HANDLE_BYTES,
        handle_type,
        ns_id: id,
        ns_type: ns_type as u32,
        ns_inum: 0,
    };
    // SAFETY: `h` is a complete handle of `handle_bytes` bytes that outlives the call; the kernel
    // only reads it.
    let r = unsafe {
        libc::syscall(
            libc::SYS_open_by_handle_at,
            nsfs.as_raw_fd(),
            &mut h as *mut NsfsHandle,
            libc::O_RDONLY | libc::O_CLOEXEC,
        )
    };
    // SAFETY: on success the kernel returned a new descriptor that nobody else owns.
    Errno::result(r).map(|fd| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `prctl(PR_SET_DUMPABLE, on)`: a non-dumpable process can only be ptraced (or have its
/// `/proc/PID` files opened) by holders of CAP_SYS_PTRACE in the initial user namespace.
pub fn set_dumpable(on: bool) -> nix::Result<()> {
    // SAFETY: integer arguments only.
    let r = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, libc::c_ulong::from(on), 0, 0, 0) };
    Errno::result(r).map(drop)
}

/// `fork(2)`.
pub fn fork() -> nix::Result<nix::unistd::ForkResult> {
    // SAFETY: every nstools process is single-threaded, so the child cannot inherit a lock held
    // by another thread; it only runs our own code up to exec or exit.
    unsafe { nix::unistd::fork() }
}

/// `prctl(PR_SET_PDEATHSIG, sig)` with any signal number, real-time ones included.
pub fn set_pdeathsig(sig: i32) -> nix::Result<()> {
    // SAFETY: integer arguments only.
    let r = unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, sig as libc::c_ulong, 0, 0, 0) };
    Errno::result(r).map(drop)
}

/// `SIGRTMIN` and `SIGRTMAX` of the C library (glibc reserves the first real-time signals).
pub fn rt_signal_range() -> (i32, i32) {
    (libc::SIGRTMIN(), libc::SIGRTMAX())
}

/// The permitted file capabilities of `path` (its `security.capability` attribute), the first
/// 64; 0 when it has none.
pub fn file_caps(path: &std::path::Path) -> nix::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| Errno::EINVAL)?;
    // `struct vfs_ns_cap_data`: magic_etc, then {permitted, inheritable} for capabilities 0-31
    // and 32-63, then a root id (revision 3).
    let mut data = [0u32; 6];
    // SAFETY: both strings are NUL-terminated; getxattr writes at most `size_of_val(&data)`
    // bytes into `data`, which is ours.
    let r = unsafe {
        libc::getxattr(
            path.as_ptr(),
            c"security.capability".as_ptr(),
            data.as_mut_ptr().cast(),
            std::mem::size_of_val(&data),
        )
    };
    match Errno::result(r) {
        Ok(n) if n >= 12 => {
            Ok(u64::from(data[1]) | if n >= 20 { u64::from(data[3]) << 32 } else { 0 })
        }
        Ok(_) | Err(Errno::ENODATA) => Ok(0),
        Err(e) => Err(e),
    }
}

/// Whether we were executed with more privilege than our caller (setuid, setgid or file
/// capabilities): the kernel's `AT_SECURE` flag, which glibc and musl also use.
pub fn at_secure() -> bool {
    // SAFETY: getauxval only reads the auxiliary vector the kernel gave this process.
    unsafe { libc::getauxval(libc::AT_SECURE) != 0 }
}

/// `struct clone_args` of `clone3(2)`, up to `cgroup` (`CLONE_ARGS_SIZE_VER2`, Linux 5.7).
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

/// `clone3(CLONE_INTO_CGROUP)` as a fork: the child starts as a member of the cgroup2 directory
/// behind `cgroup` (opened for reading, not `O_PATH`), without ever running elsewhere and without
/// the cost of a migration. Fails with ENOSYS (no clone3), or E2BIG or EINVAL (a kernel before
/// 5.7, which knows no `cgroup` field or flag) where the caller must fork and move instead.
pub fn clone_into_cgroup(cgroup: BorrowedFd<'_>) -> nix::Result<nix::unistd::ForkResult> {
    const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;
    let args = CloneArgs {
        flags: CLONE_INTO_CGROUP,
        exit_signal: libc::SIGCHLD as u64,
        cgroup: cgroup.as_raw_fd() as u64,
        ..CloneArgs::default()
    };
    // SAFETY: as `fork` below: every nstools process is single-threaded, and with no stack given
    // the child runs on a copy of ours, as after fork(2). The kernel only reads `args`. libc's
    // fork bookkeeping is bypassed, so the thread id the C library caches (musl, and glibc
    // before 2.34 for raise) still names the parent in the child: the child must never call
    // raise(3) or abort(3), which would signal the parent. `cgroup::Placement::clone_inside`,
    // the one caller, makes a panic there end the child itself (see `abort_self`).
    let r = unsafe {
        libc::syscall(
            libc::SYS_clone3,
            &args as *const CloneArgs,
            std::mem::size_of::<CloneArgs>(),
        )
    };
    Errno::result(r).map(|pid| match pid {
        0 => nix::unistd::ForkResult::Child,
        pid => nix::unistd::ForkResult::Parent {
            child: Pid::from_raw(pid as i32),
        },
    })
}

/// `ioctl(fd, NS_GET_PARENT)`: the parent of the pid or user namespace behind `fd`. EPERM when
/// the parent is outside the caller's view (the initial namespace's "parent"), EINVAL for the
/// other kinds, which have no parent.
pub fn ns_get_parent(fd: BorrowedFd<'_>) -> nix::Result<OwnedFd> {
    const NS_GET_PARENT: libc::c_ulong = 0xb702; // _IO(0xb7, 0x2)
                                                 // SAFETY: this ioctl takes no argument and returns a new fd or -1.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), NS_GET_PARENT as _) };
    // SAFETY: on success the kernel returned a new descriptor that nobody else owns.
    Errno::result(r).map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `ioctl(fd, NS_GET_OWNER_UID)`: the uid, in the caller's user namespace, of the creator of the
/// user namespace behind `fd` (EINVAL for the other kinds).
pub fn ns_get_owner_uid(fd: BorrowedFd<'_>) -> nix::Result<u32> {
    const NS_GET_OWNER_UID: libc::c_ulong = 0xb704; // _IO(0xb7, 0x4), with a uid_t pointer
    let mut uid: libc::uid_t = 0;
    // SAFETY: the ioctl writes one uid_t through the pointer, which points at `uid`, ours.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), NS_GET_OWNER_UID as _, &mut uid as *mut _) };
    Errno::result(r).map(|_| uid)
}

/// `struct ns_id_req` of `listns(2)` (`NS_ID_REQ_SIZE_VER0`).
#[repr(C)]
struct NsIdReq {
    size: u32,
    spare: u32,
    /// The last id of the previous page (0: from the start).
    ns_id: u64,
    /// `CLONE_NEW*` bits of the kinds wanted (0: all).
    ns_type: u32,
    spare2: u32,
    /// Only namespaces owned by this user namespace id (0: any).
    user_ns_id: u64,
}

/// `listns(2)` (Linux 6.19): the 64-bit ids of the namespaces the caller may see that are alive
/// (used by a process, held by a file descriptor or a bind mount, or the parent of one of those),
/// of the kinds in `ns_type` (0: all), in increasing order after `after`, at most `ids.len()` of
/// them; returns how many it wrote. ENOSYS before 6.19.
pub fn listns(after: u64, ns_type: u32, ids: &mut [u64]) -> nix::Result<usize> {
    const SYS_LISTNS: libc::c_long = 470;
    let req = NsIdReq {
        size: std::mem::size_of::<NsIdReq>() as u32,
        spare: 0,
        ns_id: after,
        ns_type,
        spare2: 0,
        user_ns_id: 0,
    };
    // SAFETY: `req` is a complete request of the size it states, which the kernel only reads;
    // `ids` is writable for `ids.len()` u64s, the count we pass.
    let r = unsafe {
        libc::syscall(
            SYS_LISTNS,
            &req as *const NsIdReq,
            ids.as_mut_ptr(),
            ids.len(),
            0u32,
        )
    };
    Errno::result(r).map(|n| n as usize)
}

/// The width in columns of the terminal behind `fd` (`TIOCGWINSZ`), when it is one.
pub fn terminal_width(fd: BorrowedFd<'_>) -> Option<usize> {
    // SAFETY: an all-zero winsize is a valid value of this plain C struct.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes one winsize through the pointer, which points at `ws`, ours.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ as _, &mut ws as *mut _) };
    (r == 0 && ws.ws_col > 0).then_some(usize::from(ws.ws_col))
}

/// `readlinkat(2)` into `buf` (no allocation); the length of the link, cut at `buf.len()`.
pub fn readlinkat(
    dir: BorrowedFd<'_>,
    path: &std::ffi::CStr,
    buf: &mut [u8],
) -> nix::Result<usize> {
    // SAFETY: `path` is NUL-terminated and `buf` is writable for `buf.len()` bytes; the kernel
    // writes at most that many and reads nothing else.
    let r = unsafe {
        libc::readlinkat(
            dir.as_raw_fd(),
            path.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    Errno::result(r).map(|n| n as usize)
}

/// `getdents64(2)`: the next directory entries of `dir` into `buf` (`struct linux_dirent64`
/// records: inode, offset, record length, type, NUL-terminated name); bytes written, 0 at the end.
pub fn getdents64(dir: BorrowedFd<'_>, buf: &mut [u8]) -> nix::Result<usize> {
    // SAFETY: `buf` is writable for `buf.len()` bytes, the count we pass; the kernel writes
    // whole records within it.
    let r = unsafe {
        libc::syscall(
            libc::SYS_getdents64,
            dir.as_raw_fd(),
            buf.as_mut_ptr(),
            buf.len(),
        )
    };
    Errno::result(r).map(|n| n as usize)
}

/// End this process with SIGABRT as `abort(3)` would, but found by `getpid(2)`, which asks the
/// kernel, rather than by the C library's cached thread id (stale in a child of a raw `clone3`:
/// see [`clone_into_cgroup`]). SIGABRT goes back to its default action and is unblocked first;
/// should it still not end us, `_exit(134)` does (128 + SIGABRT, the shell's status for it).
pub fn abort_self() -> ! {
    use nix::sys::signal::{kill, SigSet, Signal};
    let _ = reset_default(Signal::SIGABRT);
    let mut set = SigSet::empty();
    set.add(Signal::SIGABRT);
    let _ = set.thread_unblock();
    let _ = kill(nix::unistd::getpid(), Signal::SIGABRT);
    // SAFETY: `_exit` ends the process at once and runs nothing of ours.
    unsafe { libc::_exit(128 + libc::SIGABRT) }
}

/// `kcmp(pid1, pid2, KCMP_FILE, fd1, fd2)`: whether file descriptor `fd1` of process `pid1` and
/// `fd2` of `pid2` are the same open file (`Ok(true)`), as after a fork; an error when either is
/// not open or the caller may not inspect both processes.
pub fn same_file(pid1: i32, fd1: u32, pid2: i32, fd2: u32) -> nix::Result<bool> {
    const KCMP_FILE: libc::c_int = 0;
    // SAFETY: integer arguments only; the kernel compares two of its own objects.
    let r = unsafe { libc::syscall(libc::SYS_kcmp, pid1, pid2, KCMP_FILE, fd1, fd2) };
    Errno::result(r).map(|r| r == 0)
}

/// `getsockopt(sock, SOL_SOCKET, SO_NETNS_COOKIE)` (Linux 5.14): the cookie of the network
/// namespace the socket was created in, the same for every socket of that namespace.
pub fn socket_netns_cookie(sock: BorrowedFd<'_>) -> nix::Result<u64> {
    const SO_NETNS_COOKIE: libc::c_int = 71;
    let mut cookie: u64 = 0;
    let mut len = std::mem::size_of::<u64>() as libc::socklen_t;
    // SAFETY: the pointer and length describe `cookie`, ours, which the kernel fills.
    let r = unsafe {
        libc::getsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            SO_NETNS_COOKIE,
            (&raw mut cookie).cast(),
            &mut len,
        )
    };
    Errno::result(r).map(|_| cookie)
}

/// `flock(fd, LOCK_EX)`: wait for the exclusive lock of a file. It is let go when the file's last
/// descriptor is closed (no unlock to fail).
pub fn flock_exclusive(fd: BorrowedFd<'_>) -> nix::Result<()> {
    // SAFETY: integer arguments only, on a descriptor the caller keeps open.
    Errno::result(unsafe { libc::flock(fd.as_raw_fd(), libc::LOCK_EX) }).map(drop)
}
