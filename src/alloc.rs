//! The allocation-failure path. A tool that runs out of memory (under a memory rlimit, say)
//! says so with its name and exits 1, as util-linux's `xalloc` helpers do, instead of Rust's
//! nameless "memory allocation of N bytes failed" and an abort with a core dump. The global
//! allocator is the system's; only a failed allocation takes this path, which allocates nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicPtr, Ordering};

/// `argv[0]` as the C runtime passed it to `main` (it lives as long as the process), for the
/// message; null before [`crate::entry`] has run (unit tests).
static PROGRAM: AtomicPtr<libc::c_char> = AtomicPtr::new(std::ptr::null_mut());

/// Remember `argv[0]`, a NUL-terminated string that lives as long as the process.
pub fn set_program(argv0: *const libc::c_char) {
    PROGRAM.store(argv0.cast_mut(), Ordering::Relaxed);
}

/// The system allocator, failing through [`fail`].
pub struct Allocator;

// SAFETY: every call is passed on to the system allocator with the caller's arguments, which
// meet its contract since they meet ours; a null result never returns to the caller.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is (see the impl).
        checked(unsafe { System.alloc(layout) }, layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is (see the impl).
        checked(unsafe { System.alloc_zeroed(layout) }, layout.size())
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is (see the impl).
        checked(unsafe { System.realloc(ptr, layout, new_size) }, new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is (see the impl).
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn checked(p: *mut u8, size: usize) -> *mut u8 {
    if p.is_null() {
        fail(size);
    }
    p
}

/// Print `NAME: cannot allocate SIZE bytes` in one write, without allocating, and exit 1.
fn fail(size: usize) -> ! {
    let mut msg = Message {
        buf: [0; 256],
        len: 0,
    };
    msg.push(program_name());
    msg.push(b": cannot allocate ");
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = size;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    msg.push(&digits[at..]);
    msg.push(b" bytes\n");
    // SAFETY: `write` reads `len` initialised bytes of `buf`; `_exit` ends the process at once
    // (no destructor or atexit handler runs, none of which may allocate now).
    unsafe {
        libc::write(2, msg.buf.as_ptr().cast(), msg.len);
        libc::_exit(1)
    }
}

/// The base name of `argv[0]` (at most 128 bytes of it), or `nstools` when it is not known.
pub(crate) fn program_name() -> &'static [u8] {
    let p = PROGRAM.load(Ordering::Relaxed);
    if p.is_null() {
        return b"nstools";
    }
    // SAFETY: `p` is argv[0] from the C runtime, NUL-terminated and alive for the whole process;
    // reading stops at its NUL or after 128 bytes, whichever comes first.
    let name = unsafe {
        let len = (0..128).take_while(|&i| *p.add(i) != 0).count();
        std::slice::from_raw_parts(p.cast::<u8>(), len)
    };
    match name.iter().rposition(|&b| b == b'/') {
        Some(slash) => &name[slash + 1..],
        None => name,
    }
}

/// A fixed buffer filled without allocating (cut short if it is full).
struct Message {
    buf: [u8; 256],
    len: usize,
}

impl Message {
    fn push(&mut self, bytes: &[u8]) {
        let n = bytes.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
    }
}
