//! hark: a scriptable packet sniffer.
//!
//! ```text
//!  source ──► decode ──► outputs
//!  (pcap |     (lazy,     (lines | EVE JSON |
//!   pcapng)    borrowed)   pcap writer | stats)
//! ```
//!
//! [`source`] reads frames without copying them, [`decode`] takes them apart only when a
//! field is asked for, and [`output`] writes lines, EVE JSON and pcap. [`app`] is the loop
//! that joins them; [`cli`] turns the command line into a checked configuration.

pub mod app;
pub mod cli;
pub mod decode;
pub mod error;
pub mod event;
pub mod filter;
pub mod inject;
pub mod output;
pub mod run;
pub mod sample;
pub mod script;
pub mod source;
pub mod sys;

pub use error::Error;

/// Every allocation goes through hark's accounting, so that what each script holds is
/// known at any moment ([`sys::alloc`]); hark's own allocations pay only a header.
#[global_allocator]
static ALLOCATOR: sys::alloc::Accounting = sys::alloc::Accounting;
