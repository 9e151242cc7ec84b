//! The one place hark talks to the kernel below the standard library: capture files mapped
//! into memory and a prefetch hint for reading them, the packet socket and its ring, raw
//! sockets for sending, the user switch of `-Z`, and the allocator that keeps each script's
//! memory account.
//!
//! Everything else in hark is safe Rust. Each `unsafe` block here says on a `// SAFETY:`
//! line why it is sound; the types these modules hand out are safe to use in any order
//! (a ring's packets borrow the ring, so none outlives the mapping).
#![allow(unsafe_code)]

pub mod alloc;
pub mod mapped;
pub mod packet_ring;
pub mod packet_socket;
pub mod prefetch;
pub mod raw_socket;
pub mod user;

use std::io;

/// The last system call's error, as `std::io::Error`.
fn last_error() -> io::Error {
    io::Error::last_os_error()
}

/// A packet socket that receives nothing until it is bound (protocol 0), with `filter`
/// attached, so that no packet of another interface or outside the filter is ever queued.
fn unbound_packet_socket(filter: Option<&[libc::sock_filter]>) -> io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::{AsRawFd, FromRawFd};
    // SAFETY: plain system call with constant arguments; the result is checked.
    let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(last_error());
    }
    // SAFETY: `raw` was just opened here and is owned by nothing else.
    let fd = unsafe { std::os::fd::OwnedFd::from_raw_fd(raw) };
    if let Some(program) = filter {
        packet_ring::attach_filter(fd.as_raw_fd(), program)?;
    }
    Ok(fd)
}

/// `setsockopt` with a plain value; the kernel copies `value` before returning.
fn set_option<T>(
    fd: libc::c_int,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
) -> io::Result<()> {
    let len = std::mem::size_of::<T>() as libc::socklen_t;
    // SAFETY: `value` points at `len` readable bytes that live across the call; the kernel
    // only reads them.
    let rc = unsafe { libc::setsockopt(fd, level, name, (value as *const T).cast(), len) };
    if rc == 0 { Ok(()) } else { Err(last_error()) }
}
