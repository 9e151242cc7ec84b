//! `-Z USER`: giving up root once the capture and raw sockets are open.

use std::ffi::CString;
use std::io;

use super::last_error;

/// Switches the process to `user`'s user and group ids, with `user`'s group as its only
/// supplementary group, and checks that root cannot be taken back.
pub fn become_user(user: &str) -> io::Result<()> {
    let (uid, gid) = lookup(user)?;
    // SAFETY: setgroups reads one gid_t from a valid pointer; setgid/setuid take plain ids.
    // Order matters: groups and gid first, while the process may still change them.
    unsafe {
        if libc::setgroups(1, &gid) != 0 {
            return Err(last_error());
        }
        if libc::setgid(gid) != 0 {
            return Err(last_error());
        }
        if libc::setuid(uid) != 0 {
            return Err(last_error());
        }
    }
    // SAFETY: these calls take no pointers and cannot fail.
    let (ruid, euid, rgid, egid) =
        unsafe { (libc::getuid(), libc::geteuid(), libc::getgid(), libc::getegid()) };
    if ruid != uid || euid != uid || rgid != gid || egid != gid {
        return Err(io::Error::other("the user and group ids did not change"));
    }
    // SAFETY: plain call; succeeding would mean root could be taken back.
    if uid != 0 && unsafe { libc::setuid(0) } == 0 {
        return Err(io::Error::other("root could be taken back after the switch"));
    }
    Ok(())
}

/// The user and group id of `user` (a name, or a number).
fn lookup(user: &str) -> io::Result<(libc::uid_t, libc::gid_t)> {
    let name = CString::new(user)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a user name has no NUL"))?;
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: passwd is plain data; all-zero is a valid value of it.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call: the name is NUL-terminated, `buf` is
    // writable for its length, `entry` and `found` are writable. The strings the entry
    // points at live in `buf`, which is not read after this function.
    let rc = unsafe {
        libc::getpwnam_r(name.as_ptr(), &mut entry, buf.as_mut_ptr(), buf.len(), &mut found)
    };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    if found.is_null() {
        return Err(io::Error::new(io::ErrorKind::NotFound, "no such user"));
    }
    Ok((entry.pw_uid, entry.pw_gid))
}
