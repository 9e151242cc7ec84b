//! The filter's second back end: classic BPF for the kernel (`SO_ATTACH_FILTER`), so that a
//! live capture drops what no one wants before it is copied.
//!
//! It translates the predicate [`compile`](super::compile) makes, whose tests are already
//! BPF's (loads, masks, unsigned comparisons, a read past the end rejecting the packet), so
//! the two back ends share one meaning. Jumps are forward only, as the kernel requires;
//! a program whose jumps or scratch memory do not fit is not made, and hark then filters
//! in user space alone. The kernel program only ever narrows: hark still runs the native
//! predicate on every packet the kernel passes.

use super::ast::{ArithOp, RelOp};
use super::node::{At, Base, FieldTest, Node, Val};

/// One classic BPF instruction, as `struct sock_filter` lays it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

// Instruction classes and fields, from linux/filter.h (bpf_common.h).
pub const LD: u16 = 0x00;
pub const LDX: u16 = 0x01;
pub const ST: u16 = 0x02;
pub const ALU: u16 = 0x04;
pub const JMP: u16 = 0x05;
pub const RET: u16 = 0x06;
pub const MISC: u16 = 0x07;
pub const W: u16 = 0x00;
pub const H: u16 = 0x08;
pub const B: u16 = 0x10;
pub const IMM: u16 = 0x00;
pub const ABS: u16 = 0x20;
pub const IND: u16 = 0x40;
pub const MEM: u16 = 0x60;
pub const LEN: u16 = 0x80;
pub const MSH: u16 = 0xa0;
pub const JA: u16 = 0x00;
pub const JEQ: u16 = 0x10;
pub const JGT: u16 = 0x20;
pub const JGE: u16 = 0x30;
pub const K: u16 = 0x00;
pub const X: u16 = 0x08;
pub const ADD: u16 = 0x00;
pub const SUB: u16 = 0x10;
pub const MUL: u16 = 0x20;
pub const DIV: u16 = 0x30;
pub const OR: u16 = 0x40;
pub const AND: u16 = 0x50;
pub const LSH: u16 = 0x60;
pub const RSH: u16 = 0x70;
pub const NEG: u16 = 0x80;
pub const MOD: u16 = 0x90;
pub const XOR: u16 = 0xa0;
pub const TAX: u16 = 0x00;
pub const TXA: u16 = 0x80;
/// Where the kernel's ancillary loads start (`SKF_AD_OFF`), and the one used here.
pub const ANCILLARY: u32 = 0xffff_f000;
pub const VLAN_TAG_PRESENT: u32 = 44;

/// The kernel's limit on scratch memory words.
const SCRATCH: u32 = 16;

/// A jump's target while the program is being laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Next,
    Label(usize),
}

struct Pending {
    code: u16,
    k: u32,
    jt: Target,
    jf: Target,
}

#[derive(Default)]
struct Emitter {
    code: Vec<Pending>,
    labels: Vec<Option<usize>>,
    /// Scratch words in use.
    depth: u32,
}

/// Translates `node` for Ethernet frames. Accepted packets are kept up to `snaplen` bytes.
/// `None` when the program would not fit the kernel's limits.
pub fn translate(node: &Node, snaplen: u32) -> Option<Vec<Insn>> {
    let mut e = Emitter::default();
    let (accept, reject) = (e.label(), e.label());
    // The kernel takes 802.1Q tags off before the filter sees the frame, so a tagged
    // frame would be judged on other bytes than hark judges: it is passed to hark whole.
    e.op(LD | W | ABS, ANCILLARY + VLAN_TAG_PRESENT);
    e.jump(JMP | JEQ | K, 0, Target::Next, Target::Label(accept));
    e.node(node, accept, reject)?;
    e.place(accept);
    e.op(RET | K, snaplen);
    e.place(reject);
    e.op(RET | K, 0);
    e.finish()
}

impl Emitter {
    fn label(&mut self) -> usize {
        self.labels.push(None);
        self.labels.len() - 1
    }

    fn place(&mut self, label: usize) {
        self.labels[label] = Some(self.code.len());
    }

    fn op(&mut self, code: u16, k: u32) {
        self.code.push(Pending { code, k, jt: Target::Next, jf: Target::Next });
    }

    fn jump(&mut self, code: u16, k: u32, jt: Target, jf: Target) {
        self.code.push(Pending { code, k, jt, jf });
    }

    fn always(&mut self, label: usize) {
        self.code.push(Pending {
            code: JMP | JA,
            k: 0,
            jt: Target::Label(label),
            jf: Target::Next,
        });
    }

    fn node(&mut self, node: &Node, t: usize, f: usize) -> Option<()> {
        match node {
            Node::True => self.always(t),
            Node::False => self.always(f),
            Node::And(a, b) => {
                let middle = self.label();
                self.node(a, middle, f)?;
                self.place(middle);
                self.node(b, t, f)?;
            }
            Node::Or(a, b) => {
                let middle = self.label();
                self.node(a, t, middle)?;
                self.place(middle);
                self.node(b, t, f)?;
            }
            Node::Not(a) => self.node(a, f, t)?,
            Node::Field(FieldTest { at, size, mask, op, value }) => {
                let width = size_code(*size)?;
                match *at {
                    Base::Fixed(o) => self.op(LD | width | ABS, o),
                    Base::AfterIpv4 { base, offset } => {
                        self.op(LDX | B | MSH, base);
                        self.op(LD | width | IND, base.checked_add(offset)?);
                    }
                }
                let full = match size {
                    1 => 0xff,
                    2 => 0xffff,
                    _ => u32::MAX,
                };
                if mask & full != full {
                    self.op(ALU | AND | K, *mask);
                }
                self.compare(*op, K, *value, t, f);
            }
            Node::Rel { op, lhs, rhs } => {
                self.value(rhs)?;
                let slot = self.push()?;
                self.op(ST, slot);
                self.value(lhs)?;
                self.op(LDX | W | MEM, slot);
                self.pop();
                self.compare(*op, X, 0, t, f);
            }
        }
        Some(())
    }

    /// A conditional jump on A against `k` (or X): BPF has =, > and >=; the rest swap
    /// their targets.
    fn compare(&mut self, op: RelOp, source: u16, k: u32, t: usize, f: usize) {
        let (t, f) = (Target::Label(t), Target::Label(f));
        match op {
            RelOp::Eq => self.jump(JMP | JEQ | source, k, t, f),
            RelOp::Ne => self.jump(JMP | JEQ | source, k, f, t),
            RelOp::Gt => self.jump(JMP | JGT | source, k, t, f),
            RelOp::Ge => self.jump(JMP | JGE | source, k, t, f),
            RelOp::Lt => self.jump(JMP | JGE | source, k, f, t),
            RelOp::Le => self.jump(JMP | JGT | source, k, f, t),
        }
    }

    /// Leaves `val` in A (X is not kept).
    fn value(&mut self, val: &Val) -> Option<()> {
        match val {
            Val::Const(n) => self.op(LD | IMM, *n),
            Val::Len => self.op(LD | W | LEN, 0),
            Val::Load { at, size } => {
                let width = size_code(*size)?;
                match at {
                    At::Fixed(o) => self.op(LD | width | ABS, *o),
                    At::Indexed { base, offset } => {
                        self.value(offset)?;
                        self.op(MISC | TAX, 0);
                        self.op(LD | width | IND, *base);
                    }
                    At::AfterIpv4 { base, offset } => {
                        self.value(offset)?;
                        let slot = self.push()?;
                        self.op(ST, slot);
                        self.op(LDX | B | MSH, *base);
                        self.op(MISC | TXA, 0);
                        self.op(LDX | W | MEM, slot);
                        self.pop();
                        self.op(ALU | ADD | X, 0);
                        self.op(MISC | TAX, 0);
                        self.op(LD | width | IND, *base);
                    }
                }
            }
            Val::Neg(a) => {
                self.value(a)?;
                self.op(ALU | NEG, 0);
            }
            // Live capture is on Ethernet; 802.11's per-packet offsets stay in user space.
            Val::Var(_) => return None,
            Val::Bin(op, a, b) => {
                let code = match op {
                    ArithOp::Add => ADD,
                    ArithOp::Sub => SUB,
                    ArithOp::Mul => MUL,
                    ArithOp::Div => DIV,
                    ArithOp::Mod => MOD,
                    ArithOp::And => AND,
                    ArithOp::Or => OR,
                    ArithOp::Xor => XOR,
                    ArithOp::Shl => LSH,
                    ArithOp::Shr => RSH,
                };
                if matches!(op, ArithOp::Shl | ArithOp::Shr) {
                    // hark shifts by 32 or more to 0; the kernel's shifts are only defined
                    // below 32, so only constant shifts are given to it.
                    let Val::Const(n @ 0..32) = **b else { return None };
                    self.value(a)?;
                    self.op(ALU | code | K, n);
                    return Some(());
                }
                // Division by a divisor that turns out 0 rejects the packet, in the kernel
                // as in hark; through X, because the kernel refuses a constant 0 divisor.
                self.value(b)?;
                let slot = self.push()?;
                self.op(ST, slot);
                self.value(a)?;
                self.op(LDX | W | MEM, slot);
                self.pop();
                self.op(ALU | code | X, 0);
            }
        }
        Some(())
    }

    fn push(&mut self) -> Option<u32> {
        if self.depth == SCRATCH {
            return None;
        }
        self.depth += 1;
        Some(self.depth - 1)
    }

    fn pop(&mut self) {
        self.depth -= 1;
    }

    /// Resolves labels to forward offsets.
    fn finish(self) -> Option<Vec<Insn>> {
        let mut out = Vec::with_capacity(self.code.len());
        for (i, p) in self.code.iter().enumerate() {
            let offset = |target: Target| -> Option<usize> {
                match target {
                    Target::Next => Some(0),
                    Target::Label(l) => self.labels[l]?.checked_sub(i + 1),
                }
            };
            let (jt, jf) = (offset(p.jt)?, offset(p.jf)?);
            let insn = if p.code == JMP | JA {
                Insn { code: p.code, jt: 0, jf: 0, k: u32::try_from(jt).ok()? }
            } else if p.code & 0x07 == JMP {
                Insn {
                    code: p.code,
                    jt: u8::try_from(jt).ok()?,
                    jf: u8::try_from(jf).ok()?,
                    k: p.k,
                }
            } else {
                Insn { code: p.code, jt: 0, jf: 0, k: p.k }
            };
            out.push(insn);
        }
        // The kernel's BPF_MAXINSNS.
        (out.len() <= 4096).then_some(out)
    }
}

fn size_code(size: u8) -> Option<u16> {
    match size {
        1 => Some(B),
        2 => Some(H),
        4 => Some(W),
        _ => None,
    }
}
