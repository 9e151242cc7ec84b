//! The filter: an expression (the input up to its first NUL) parsed, compiled for every
//! link type, evaluated on a frame (the rest of the input), and given a kernel form.
#![no_main]

use libfuzzer_sys::fuzz_target;

use hark::filter::Filter;
use hark::source::{Frame, Timestamp};

mod common;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (text, rest) = data.split_at(split);
    let Ok(text) = std::str::from_utf8(text) else { return };
    if Filter::new(text).is_err() {
        return;
    }
    let frame = rest.get(1..).unwrap_or_default();
    for link in common::LINKS {
        let Ok(mut filter) = Filter::new(text) else { return };
        if filter.prepare(link).is_err() {
            continue;
        }
        let _ = filter.kernel_program(262_144);
        let orig_len = frame.len() as u32;
        let _ = filter.matches(&Frame { ts: Timestamp::default(), link, orig_len, data: frame, iface: None });
    }
});
