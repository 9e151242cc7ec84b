//! The kernel back end of the filter: every expression of the tcpdump conformance list,
//! compiled to classic BPF and run by the interpreter below (the kernel's semantics, from
//! linux/filter.h and Documentation/networking/filter.rst), gives the native predicate's
//! verdict on every Ethernet frame of the corpus and of the generated mix.

use std::path::Path;

use hark::filter::Filter;
use hark::filter::cbpf::*;
use hark::source::{FileSource, LinkType, Source};

use crate::filter_tcpdump::EXPRESSIONS;
use crate::util;

/// Runs a program on a frame as the kernel would: the accepted length, 0 to drop. An
/// out-of-bounds load, a division by zero or running off the end drops the packet. The
/// frames come from files, whose VLAN tags are in the bytes: no tag was taken off.
fn run(program: &[Insn], data: &[u8], wire_len: u32) -> u32 {
    let (mut a, mut x, mut mem) = (0u32, 0u32, [0u32; 16]);
    let load = |offset: u32, size: u16| -> Option<u32> {
        let at = offset as usize;
        let n = match size {
            W => 4,
            H => 2,
            _ => 1,
        };
        let bytes = data.get(at..at.checked_add(n)?)?;
        Some(bytes.iter().fold(0u32, |v, b| (v << 8) | u32::from(*b)))
    };
    let mut pc = 0usize;
    while let Some(i) = program.get(pc) {
        pc += 1;
        let class = i.code & 0x07;
        let size = i.code & 0x18;
        let mode = i.code & 0xe0;
        match class {
            LD => {
                a = match mode {
                    IMM => i.k,
                    LEN => wire_len,
                    MEM => mem[i.k as usize],
                    ABS if i.k >= ANCILLARY => match i.k - ANCILLARY {
                        VLAN_TAG_PRESENT => 0,
                        other => panic!("ancillary load {other} not modelled"),
                    },
                    ABS => match load(i.k, size) {
                        Some(v) => v,
                        None => return 0,
                    },
                    IND => match load(x.wrapping_add(i.k), size) {
                        Some(v) => v,
                        None => return 0,
                    },
                    _ => panic!("bad load {:#x}", i.code),
                }
            }
            LDX => {
                x = match mode {
                    IMM => i.k,
                    MEM => mem[i.k as usize],
                    LEN => wire_len,
                    MSH => match data.get(i.k as usize) {
                        Some(b) => u32::from(b & 0x0f) * 4,
                        None => return 0,
                    },
                    _ => panic!("bad ldx {:#x}", i.code),
                }
            }
            ST => mem[i.k as usize] = a,
            0x03 => mem[i.k as usize] = x,
            ALU => {
                let operand = if i.code & X != 0 { x } else { i.k };
                a = match i.code & 0xf0 {
                    ADD => a.wrapping_add(operand),
                    SUB => a.wrapping_sub(operand),
                    MUL => a.wrapping_mul(operand),
                    DIV if operand == 0 => return 0,
                    DIV => a / operand,
                    MOD if operand == 0 => return 0,
                    MOD => a % operand,
                    OR => a | operand,
                    AND => a & operand,
                    XOR => a ^ operand,
                    LSH => a << operand,
                    RSH => a >> operand,
                    NEG => a.wrapping_neg(),
                    _ => panic!("bad alu {:#x}", i.code),
                }
            }
            JMP => {
                let operand = if i.code & X != 0 { x } else { i.k };
                let taken = match i.code & 0xf0 {
                    JA => {
                        pc += i.k as usize;
                        continue;
                    }
                    JEQ => a == operand,
                    JGT => a > operand,
                    JGE => a >= operand,
                    0x40 => a & operand != 0,
                    _ => panic!("bad jump {:#x}", i.code),
                };
                pc += usize::from(if taken { i.jt } else { i.jf });
            }
            RET => return if i.code & 0x18 == 0x10 { a } else { i.k },
            MISC => {
                if i.code & 0xf8 == TXA {
                    a = x;
                } else {
                    x = a;
                }
            }
            _ => panic!("bad class {:#x}", i.code),
        }
    }
    0
}

fn ethernet_frames(path: &Path, into: &mut Vec<(u32, Vec<u8>)>) {
    let Ok(mut src) = FileSource::open(path.to_str().unwrap(), &mut || true) else { return };
    while let Ok(Some(f)) = src.next_frame(&mut || true) {
        if f.link == LinkType::ETHERNET {
            into.push((f.orig_len, f.data.to_vec()));
        }
    }
}

#[test]
fn the_kernel_program_agrees_with_the_native_predicate_on_every_packet() {
    let Some(corpus) = util::corpus_for("cbpf agreement") else { return };
    let mut frames = Vec::new();
    for path in util::corpus_files(&corpus) {
        ethernet_frames(&path, &mut frames);
    }
    let from_corpus = frames.len();
    for frame in hark::sample::filter_mix() {
        frames.push((frame.orig_len, frame.data));
    }
    assert!(from_corpus > 500, "only {from_corpus} Ethernet frames in the corpus");
    let mut without = Vec::new();
    let mut checked = 0;
    for expr in EXPRESSIONS {
        let Ok(mut filter) = Filter::new(expr) else { continue };
        if filter.prepare(LinkType::ETHERNET).is_err() {
            continue;
        }
        let Some(program) = filter.kernel_program(262_144) else {
            without.push(*expr);
            continue;
        };
        for (n, (wire_len, data)) in frames.iter().enumerate() {
            let frame = hark::source::Frame {
                ts: Default::default(),
                link: LinkType::ETHERNET,
                orig_len: *wire_len,
                data,
                iface: None,
            };
            let native = filter.matches(&frame);
            let kernel = run(&program, data, *wire_len);
            assert_eq!(
                kernel != 0,
                native,
                "{expr}: frame {n} ({} bytes): kernel {kernel}",
                data.len()
            );
            if kernel != 0 {
                assert_eq!(kernel, 262_144, "{expr}: the accepted length is the snap length");
            }
        }
        checked += 1;
    }
    eprintln!(
        "cbpf: {checked} expressions agree on {} frames; no kernel form: {without:?}",
        frames.len()
    );
    assert!(without.is_empty(), "expressions with no kernel form: {without:?}");
}
