//! The command line: flags as typed ([`args`]), then checked and opened ([`config`]).

pub mod args;
pub mod config;
pub mod docs;
pub mod size;
