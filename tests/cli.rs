//! The command line as users meet it: exit codes, one-line errors, -c, -w, -r -.

use std::io::Write;
use std::process::Stdio;

use crate::util;

fn sample() -> String {
    util::root().join("examples/sample.pcap").to_str().unwrap().to_string()
}

#[test]
fn placeholder_sample_reads() {
    let out = util::run(&["-r", &sample()]);
    assert_eq!(out.status.code(), Some(0));
    let _ = std::io::stderr().write_all(&out.stderr);
    let _ = Stdio::null();
}
