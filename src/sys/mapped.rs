//! A capture file mapped into memory, read with no copy at all.
//!
//! Why a mapping: copying a file out with `read` (what `cat` does, and hark did on a second
//! thread) costs the kernel's copy on one core and, on the core that parses, a wait for
//! every record header the copy left in the other core's cache; both threads then contend
//! for the memory bus. Mapped, nothing is copied: a second thread only asks the kernel to
//! map the pages ahead of the reader (`MADV_POPULATE_READ`, the page-table work, which is
//! most of what a mapping costs), and the reader prefetches the lines it is about to read.
//! A pure walk over a 181 MB capture's headers then takes `cat`'s time; mapped with no
//! populating thread, 1.36 times it (`benches/read.sh` has hark's own figures).
//!
//! What a mapping risks, and how hark survives it: when another program cuts the file
//! short while it is mapped, touching a page past the new end raises SIGBUS, which would
//! kill hark. hark's SIGBUS handler looks the address up among its mappings; for one of
//! them it maps zero pages over the rest of that mapping, marks it cut, and returns, so
//! the read that faulted reads zeros instead. The reader asks [`MappedFile::cut`] after
//! each record and then believes only the file's new length. A fault anywhere else goes
//! to the handler that was there before (the standard library's stack overflow report),
//! or to the default action.
//!
//! Memory stays flat: pages behind the reader are given back with `MADV_DONTNEED`, which
//! for a read-only shared mapping drops hark's view of them and nothing else (the page
//! cache keeps the file; a later read would fault the same bytes back in).

use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering, compiler_fence};
use std::sync::{Arc, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use memmap2::{Advice, Mmap, UncheckedAdvice};

/// Mappings the SIGBUS handler knows at once; a file opened beyond them is read instead.
const SLOTS: usize = 8;
/// How much the populating thread maps at a time, and how far ahead of the reader it may
/// be: enough to stay ahead, little enough that memory stays flat.
const POPULATE_STEP: usize = 1024 * 1024;
const POPULATE_AHEAD: usize = 8 * POPULATE_STEP;

/// Each slot: the mapping's first byte and the end of its last page (0: slot free), and
/// whether a page of it faulted past the file's end.
static STARTS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static ENDS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static CUT: [AtomicBool; SLOTS] = [const { AtomicBool::new(false) }; SLOTS];
static PAGE: AtomicUsize = AtomicUsize::new(4096);
/// The handler hark's replaced, and whether installing hark's worked.
static PREVIOUS: OnceLock<Option<libc::sigaction>> = OnceLock::new();

/// A regular file, mapped read-only from its first byte to the length it had when mapped.
pub struct MappedFile {
    file: File,
    map: Arc<Mmap>,
    slot: usize,
    populate: Populate,
}

/// The thread that maps pages ahead of the reader.
struct Populate {
    /// Where the reader is; `usize::MAX` tells the thread to end.
    reader_at: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Populate {
    fn start(map: &Arc<Mmap>, from: usize) -> Populate {
        let reader_at = Arc::new(AtomicUsize::new(from));
        let (map, at) = (Arc::clone(map), Arc::clone(&reader_at));
        let thread = thread::Builder::new()
            .name("hark-map".into())
            .spawn(move || populate_ahead(&map, &at, from))
            .ok();
        Populate { reader_at, thread }
    }

    fn reader_at(&self, offset: usize) {
        self.reader_at.store(offset, Ordering::Relaxed);
        if let Some(thread) = &self.thread {
            thread.thread().unpark();
        }
    }

    fn stop(&mut self) {
        self.reader_at(usize::MAX);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Maps pages ahead of the reader and gives back those behind it, so that the reader's
/// thread makes no system call for the mapping at all.
fn populate_ahead(map: &Mmap, reader_at: &AtomicUsize, from: usize) {
    let page = PAGE.load(Ordering::Relaxed);
    let mut next = from / page * page;
    let mut released = next;
    loop {
        let at = reader_at.load(Ordering::Relaxed);
        if at == usize::MAX {
            return;
        }
        let behind = at.min(map.len()) / page * page;
        if behind > released {
            // SAFETY: the mapping is read-only and shared, so MADV_DONTNEED discards nothing:
            // a later read of these pages faults the file's bytes back in. The reader has
            // moved past them (frames borrow the source, and are gone once it moves on).
            let _ = unsafe {
                map.unchecked_advise_range(UncheckedAdvice::DontNeed, released, behind - released)
            };
            released = behind;
        }
        // Fallen behind a reader that faulted the pages in itself: mapping them again would
        // only hold them after they were given back.
        next = next.max(released);
        if next >= map.len() || next >= at.saturating_add(POPULATE_AHEAD) {
            // The reader wakes this thread as it moves; the timeout is only a safety net.
            thread::park_timeout(Duration::from_millis(50));
            continue;
        }
        let len = POPULATE_STEP.min(map.len() - next);
        // A page past the file's end (it was cut short) fails here without a signal; the
        // reader finds out for itself, and this thread maps no further.
        next = match map.advise_range(Advice::PopulateRead, next, len) {
            Ok(()) => next + len,
            Err(_) => map.len(),
        };
    }
}

impl MappedFile {
    /// Maps `file`; hands it back when it cannot be mapped (it is read instead).
    pub fn open(file: File) -> Result<MappedFile, File> {
        if !sigbus_handler_installed() {
            return Err(file);
        }
        match map_and_register(&file) {
            Ok((map, slot)) => {
                let map = Arc::new(map);
                let populate = Populate::start(&map, 0);
                Ok(MappedFile { file, map, slot, populate })
            }
            Err(_) => Err(file),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Whether any page of this mapping was found gone: the file was cut short while mapped.
    /// `through` is the end of what the caller is about to use: its last byte is touched
    /// first, so a cut there is known before the caller returns its bytes.
    #[inline]
    pub fn cut(&self, through: usize) -> bool {
        if let Some(last) = through.checked_sub(1).and_then(|at| self.map.get(at)) {
            // SAFETY: `last` is a reference into the live mapping. The volatile read keeps the
            // touch from being dropped; a page gone from the file is replaced by zeros in the
            // handler, so the read completes.
            unsafe { std::ptr::read_volatile(last) };
        }
        // The handler runs on this thread, between the touch above and this load.
        compiler_fence(Ordering::SeqCst);
        CUT[self.slot].load(Ordering::Relaxed)
    }

    /// The file's length now.
    pub fn file_len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    /// Maps the file again if it grew since it was mapped; returns whether it did.
    pub fn follow_growth(&mut self) -> io::Result<bool> {
        if self.file_len()? <= self.map.len() as u64 || CUT[self.slot].load(Ordering::Relaxed) {
            return Ok(false);
        }
        let (map, slot) = map_and_register(&self.file)?;
        let reader_at = self.populate.reader_at.load(Ordering::Relaxed);
        self.populate.stop();
        let old_slot = std::mem::replace(&mut self.slot, slot);
        drop(std::mem::replace(&mut self.map, Arc::new(map)));
        unregister(old_slot);
        self.populate = Populate::start(&self.map, reader_at);
        Ok(true)
    }

    /// The reader is at `offset`: the pages wholly before it are given back, and the
    /// populating thread may go further.
    pub fn reader_at(&self, offset: usize) {
        self.populate.reader_at(offset);
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        self.populate.stop();
        unregister(self.slot);
    }
}

fn map_and_register(file: &File) -> io::Result<(Mmap, usize)> {
    // SAFETY: hark only ever reads the mapping as plain bytes, each read bounds-checked
    // against its length, so bytes changed by another writer are just other bytes. A page
    // taken away by truncation is caught by the SIGBUS handler (the module's comment).
    let map = unsafe { Mmap::map(file)? };
    let _ = map.advise(Advice::Sequential);
    let start = map.as_ptr() as usize;
    let page = PAGE.load(Ordering::Relaxed);
    let end = (start + map.len()).div_ceil(page) * page;
    for slot in 0..SLOTS {
        if STARTS[slot].compare_exchange(0, start, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
            CUT[slot].store(false, Ordering::Relaxed);
            ENDS[slot].store(end, Ordering::Release);
            return Ok((map, slot));
        }
    }
    Err(io::Error::other("too many files mapped at once"))
}

fn unregister(slot: usize) {
    ENDS[slot].store(0, Ordering::Release);
    STARTS[slot].store(0, Ordering::Release);
}

fn sigbus_handler_installed() -> bool {
    PREVIOUS.get_or_init(install_sigbus_handler).is_some()
}

fn install_sigbus_handler() -> Option<libc::sigaction> {
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if let Ok(page) = usize::try_from(page) {
        if page.is_power_of_two() {
            PAGE.store(page, Ordering::Relaxed);
        }
    }
    // SAFETY: both structures are plain data, zeroed is a valid value for them, and
    // sigaction only reads the new one and writes the old one.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as *const () as libc::sighandler_t;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        let mut previous: libc::sigaction = std::mem::zeroed();
        (libc::sigaction(libc::SIGBUS, &action, &mut previous) == 0).then_some(previous)
    }
}

/// Runs on the thread that touched a missing page. Everything here is async-signal-safe:
/// atomics, and the `mmap` and `sigaction` system calls.
extern "C" fn on_sigbus(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo for a handler installed with SA_SIGINFO.
    let address = unsafe { (*info).si_addr() } as usize;
    let page = PAGE.load(Ordering::Relaxed);
    for slot in 0..SLOTS {
        let (start, end) =
            (STARTS[slot].load(Ordering::Acquire), ENDS[slot].load(Ordering::Acquire));
        if start == 0 || address < start || address >= end {
            continue;
        }
        let from = address / page * page;
        // SAFETY: `from..end` lies inside a mapping hark made and still owns (a slot is freed
        // before its mapping is unmapped); replacing it with anonymous zero pages is what
        // makes the faulting read complete. Unmapping the mapping later unmaps these too.
        let zeros = unsafe {
            libc::mmap(
                from as *mut libc::c_void,
                end - from,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if zeros != libc::MAP_FAILED {
            CUT[slot].store(true, Ordering::Relaxed);
            return;
        }
    }
    match PREVIOUS.get().copied().flatten() {
        Some(previous)
            if previous.sa_flags & libc::SA_SIGINFO != 0
                && previous.sa_sigaction != libc::SIG_DFL
                && previous.sa_sigaction != libc::SIG_IGN =>
        {
            // SAFETY: the previous handler was installed with SA_SIGINFO, so it has this
            // signature; it is called with the arguments the kernel gave this one.
            let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                unsafe { std::mem::transmute(previous.sa_sigaction) };
            handler(signal, info, context);
        }
        Some(previous)
            if previous.sa_sigaction != libc::SIG_DFL && previous.sa_sigaction != libc::SIG_IGN =>
        {
            // SAFETY: a handler installed without SA_SIGINFO takes the signal number alone.
            let handler: extern "C" fn(libc::c_int) =
                unsafe { std::mem::transmute(previous.sa_sigaction) };
            handler(signal);
        }
        _ => {
            // Not a page of hark's: back to the default action, which the fault meets again
            // when this returns.
            // SAFETY: as in `install_sigbus_handler`.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
            }
        }
    }
}
