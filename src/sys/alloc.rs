//! What each script holds in memory: a global allocator that charges every allocation made
//! while a script's hook runs to that script, and credits the script whenever and wherever
//! that memory is freed — by the script itself, by hark after the hook (an alert written
//! out, a packet passed on), or on another thread.
//!
//! Each block carries its owner in a small header in front of it: freeing reads the
//! owner from the block, so the books stay right however the memory travels. Charging is
//! O(1) per allocation (two relaxed atomic additions for a script's blocks, none for
//! hark's own); nothing is ever walked. When a script goes past its budget, the
//! allocation still succeeds (an allocator cannot fail one without aborting the process)
//! and a flag is raised that the script engine reads before its next operation, which
//! stops the script there. What a script can hold is therefore its budget plus what one
//! operation allocates; the script engine's functions that allocate a size they are
//! given (`pad`, `blob`) ask [`remaining`] first.
//!
//! Written by hand: the allocator crates that count (e.g. `stats_alloc`, `cap`) count a
//! whole process or cap it, not per owner with credit on free.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, AtomicU16, AtomicUsize, Ordering};

/// Owners a process can have: account 0 is hark's own memory, never charged. Accounts are
/// never reused, so that memory freed after its script left cannot credit a newer one.
const ACCOUNTS: usize = 1 << 16;

/// The largest single block a script may make: one string, or the storage of one array
/// or blob. A script's values are bounded one by one at this cost (a block's size is
/// known when it is made), and all together by its budget.
pub const MAX_VALUE: usize = 64 << 20;

/// Bytes held by each account, its budget (0: none), and all scripts' together.
static HELD: [AtomicIsize; ACCOUNTS] = [const { AtomicIsize::new(0) }; ACCOUNTS];
static BUDGET: [AtomicUsize; ACCOUNTS] = [const { AtomicUsize::new(0) }; ACCOUNTS];
static HELD_BY_ALL: AtomicIsize = AtomicIsize::new(0);
static BUDGET_FOR_ALL: AtomicUsize = AtomicUsize::new(0);
static NEXT_ACCOUNT: AtomicU16 = AtomicU16::new(1);

thread_local! {
    /// The account charged for allocations on this thread, and whether it went over.
    static CHARGED: Cell<u16> = const { Cell::new(0) };
    static OVER: Cell<Option<Overrun>> = const { Cell::new(None) };
    static TOO_LARGE: Cell<bool> = const { Cell::new(false) };
}

/// Room in front of each block for its owner: at least 16 bytes, so that the block keeps
/// the alignment the caller asked for.
fn header_size(layout: Layout) -> usize {
    layout.align().max(16)
}

fn charged_account() -> u16 {
    CHARGED.try_with(Cell::get).unwrap_or(0)
}

/// Adds `bytes` (negative: frees) to `account`, and raises the flag if the thread's own
/// account is now past its budget or all scripts past theirs.
fn charge(account: u16, bytes: isize) {
    let slot = usize::from(account);
    let held = HELD[slot].fetch_add(bytes, Ordering::Relaxed) + bytes;
    let all = HELD_BY_ALL.fetch_add(bytes, Ordering::Relaxed) + bytes;
    if bytes > 0 && account == charged_account() {
        let budget = BUDGET[slot].load(Ordering::Relaxed);
        let for_all = BUDGET_FOR_ALL.load(Ordering::Relaxed);
        let past = |held: isize, budget: usize| budget != 0 && held > budget as isize;
        let overrun = if past(held, budget) {
            Overrun::Own
        } else if past(all, for_all) {
            Overrun::All
        } else {
            return;
        };
        let _ = OVER.try_with(|over| over.set(Some(overrun)));
    }
}

/// The system allocator's layout for a block of `layout` with its header in front.
fn outer_layout(layout: Layout) -> Option<(Layout, usize)> {
    let header = header_size(layout);
    let outer = Layout::from_size_align(layout.size().checked_add(header)?, layout.align()).ok()?;
    Some((outer, header))
}

/// Writes the thread's account into a block just taken from the system allocator, charges
/// it, and returns where the caller's part starts (null stays null).
///
/// # Safety
/// `base` is null or a block of `outer` from the system allocator, `header` bytes of
/// which lie in front of the caller's part.
unsafe fn claim(base: *mut u8, outer: Layout, header: usize) -> *mut u8 {
    if base.is_null() {
        return base;
    }
    let account = charged_account();
    // SAFETY: the block starts with `header` ≥ 16 bytes of its own.
    unsafe { base.cast::<u16>().write_unaligned(account) };
    if account != 0 {
        charge(account, outer.size() as isize);
        note_size(outer.size());
    }
    // SAFETY: `header` < `outer.size()`: the result points inside the block.
    unsafe { base.add(header) }
}

/// Raises the too-large flag for a script's block past [`MAX_VALUE`].
fn note_size(bytes: usize) {
    if bytes > MAX_VALUE {
        let _ = TOO_LARGE.try_with(|flag| flag.set(true));
    }
}

/// The whole block behind a caller's pointer: where it starts, its layout, and its owner.
///
/// # Safety
/// `ptr` came from this allocator with `layout`, and the block is still live.
unsafe fn owned_block(ptr: *mut u8, layout: Layout) -> (*mut u8, Layout, u16) {
    let header = header_size(layout);
    // SAFETY: the block starts `header` bytes before `ptr` (`claim`).
    let base = unsafe { ptr.sub(header) };
    // SAFETY: the block's first bytes are its header, written by `claim`.
    let account = unsafe { base.cast::<u16>().read_unaligned() };
    // SAFETY: the layout `claim` was given for this block, valid when it was made.
    let outer =
        unsafe { Layout::from_size_align_unchecked(layout.size() + header, layout.align()) };
    (base, outer, account)
}

/// The allocator: the system's, with each block's owner in front of it.
pub struct Accounting;

// SAFETY: every block handed out is `header_size` bytes into a block of the system
// allocator of the caller's size plus the header, with the caller's alignment (the header
// is a multiple of it); `dealloc` and `realloc` undo exactly that offset with the same
// layout the caller passes back, as the trait requires.
unsafe impl GlobalAlloc for Accounting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some((outer, header)) = outer_layout(layout) else {
            return std::ptr::null_mut();
        };
        // SAFETY: `outer` has a non-zero size; `claim` takes the block as it comes.
        unsafe { claim(System.alloc(outer), outer, header) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let Some((outer, header)) = outer_layout(layout) else {
            return std::ptr::null_mut();
        };
        // SAFETY: as in `alloc`. The system's zeroed allocation: fresh pages come zeroed
        // without a pass over them.
        unsafe { claim(System.alloc_zeroed(outer), outer, header) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc`/`realloc` with this layout.
        let (base, outer, account) = unsafe { owned_block(ptr, layout) };
        if account != 0 {
            charge(account, -(outer.size() as isize));
        }
        // SAFETY: the block and layout `claim` was given.
        unsafe { System.dealloc(base, outer) };
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let header = header_size(layout);
        // SAFETY: `ptr` came from `alloc`/`realloc` with this layout.
        let (base, outer, account) = unsafe { owned_block(ptr, layout) };
        let new_layout = Layout::from_size_align(new_size, layout.align()).ok();
        let Some((new_outer, _)) = new_layout.and_then(outer_layout) else {
            return std::ptr::null_mut();
        };
        let new_outer_size = new_outer.size();
        // SAFETY: `base` and `outer` describe the block; the new size is valid for it.
        let new_base = unsafe { System.realloc(base, outer, new_outer_size) };
        if new_base.is_null() {
            return new_base;
        }
        if account != 0 {
            charge(account, new_outer_size as isize - outer.size() as isize);
            note_size(new_outer_size);
        }
        // SAFETY: as in `alloc`.
        unsafe { new_base.add(header) }
    }
}

/// Which budget a script went past.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overrun {
    /// Its own.
    Own,
    /// That of all scripts together.
    All,
}

/// One script's account.
#[derive(Debug)]
pub struct Account(u16);

impl Account {
    /// A new account with a budget of `budget` bytes (0: none); `None` when the process
    /// has used up its accounts, and a script then runs unaccounted.
    pub fn open(budget: usize) -> Option<Account> {
        let id = NEXT_ACCOUNT
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_add(1))
            .ok()?;
        BUDGET[usize::from(id)].store(budget, Ordering::Relaxed);
        Some(Account(id))
    }

    /// Bytes the script holds now.
    pub fn held(&self) -> usize {
        usize::try_from(HELD[usize::from(self.0)].load(Ordering::Relaxed)).unwrap_or(0)
    }

    pub fn set_budget(&self, bytes: usize) {
        BUDGET[usize::from(self.0)].store(bytes, Ordering::Relaxed);
    }

    pub fn budget(&self) -> usize {
        BUDGET[usize::from(self.0)].load(Ordering::Relaxed)
    }

    /// Charges this thread's allocations to the account until the guard goes, and lowers
    /// the over-budget flag.
    pub fn charge_here(&self) -> Charging {
        let before = CHARGED.try_with(|c| c.replace(self.0)).unwrap_or(0);
        let _ = OVER.try_with(|over| over.set(None));
        let _ = TOO_LARGE.try_with(|flag| flag.set(false));
        Charging { before }
    }
}

/// Runs `work` with this thread's allocations charged to `account` (to no one without).
pub fn charged_to<T>(account: Option<&Account>, work: impl FnOnce() -> T) -> T {
    let _charging = account.map(Account::charge_here);
    work()
}

/// Allocations on this thread are charged to an account while this lives.
pub struct Charging {
    before: u16,
}

impl Drop for Charging {
    fn drop(&mut self) {
        let _ = CHARGED.try_with(|c| c.set(self.before));
    }
}

/// The budget of all scripts together (0: none).
pub fn set_budget_for_all(bytes: usize) {
    BUDGET_FOR_ALL.store(bytes, Ordering::Relaxed);
}

pub fn budget_for_all() -> usize {
    BUDGET_FOR_ALL.load(Ordering::Relaxed)
}

/// Whether the account charged on this thread went past its budget (or all scripts past
/// theirs) since it began to be charged.
pub fn over_budget() -> Option<Overrun> {
    OVER.try_with(Cell::get).unwrap_or(None)
}

/// Whether the account charged on this thread made a block past [`MAX_VALUE`] since it
/// began to be charged.
pub fn value_too_large() -> bool {
    TOO_LARGE.try_with(Cell::get).unwrap_or(false)
}

/// Says that the account charged on this thread asked for more than [`remaining`]: it is
/// treated as having gone over.
pub fn refused(overrun: Overrun) {
    let _ = OVER.try_with(|over| over.set(Some(overrun)));
}

/// Which budget bounds what [`remaining`] says: the script's own, or all scripts'.
pub fn tighter_budget() -> Overrun {
    let (own, all) = room();
    if own <= all { Overrun::Own } else { Overrun::All }
}

/// Bytes the account charged on this thread may still take before it is over budget,
/// counting the budget of all scripts; `usize::MAX` when nothing bounds it.
pub fn remaining() -> usize {
    let (own, all) = room();
    own.min(all)
}

/// Room left in the budget of the account charged on this thread, and in all scripts'.
fn room() -> (usize, usize) {
    let account = usize::from(charged_account());
    if account == 0 {
        return (usize::MAX, usize::MAX);
    }
    let left = |held: isize, budget: usize| {
        if budget == 0 { usize::MAX } else { budget.saturating_sub(held.max(0) as usize) }
    };
    let own = left(HELD[account].load(Ordering::Relaxed), BUDGET[account].load(Ordering::Relaxed));
    let all = left(HELD_BY_ALL.load(Ordering::Relaxed), BUDGET_FOR_ALL.load(Ordering::Relaxed));
    (own, all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_charged_where_it_is_made_and_credited_wherever_it_is_freed() {
        let account = Account::open(0).unwrap();
        let kept = {
            let _charging = account.charge_here();
            vec![7u8; 1 << 20]
        };
        let made = account.held();
        assert!((1 << 20..(1 << 20) + 64).contains(&made), "{made}");
        // Hark's own allocations, made outside, are not the script's.
        let _outside = vec![0u8; 1 << 20];
        assert_eq!(account.held(), made);
        std::thread::spawn(move || drop(kept)).join().unwrap();
        assert_eq!(account.held(), 0);
    }

    #[test]
    fn growing_a_block_charges_its_owner_and_the_flag_says_when_it_is_over() {
        let account = Account::open(64 << 10).unwrap();
        let _charging = account.charge_here();
        let mut grown = vec![0u8; 1024];
        assert_eq!(over_budget(), None);
        grown.resize(128 << 10, 1);
        assert_eq!(over_budget(), Some(Overrun::Own));
        assert!(account.held() > 128 << 10);
        assert_eq!(remaining(), 0);
        drop(grown);
        assert!(account.held() < 64);
    }
}
