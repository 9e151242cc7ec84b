//! The compiled predicate: loads, masks and unsigned comparisons over a frame's bytes, as
//! BPF's are, and their evaluation (a read past the captured bytes rejects the packet).

use super::ast::{ArithOp, RelOp};
use super::wlan;

/// Where a load reads from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum At {
    /// A fixed offset from the start of the frame.
    Fixed(u32),
    /// `base` + 4 × (low nibble of the byte at `base`) + `offset`: a field after an IPv4
    /// header whose length is read from the packet.
    AfterIpv4 { base: u32, offset: Box<Val> },
    /// `base` + `offset`, with `offset` computed from the packet.
    Indexed { base: u32, offset: Box<Val> },
}

/// A 32-bit value, as BPF's accumulator holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    Const(u32),
    /// The packet's length on the wire.
    Len,
    Load {
        at: At,
        size: u8,
    },
    Bin(ArithOp, Box<Val>, Box<Val>),
    Neg(Box<Val>),
    /// An offset libpcap computes from each packet before the filter proper (802.11).
    Var(wlan::Variable),
}

/// A compiled predicate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    True,
    False,
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    /// `(load & mask) op value`: most primitives are made of these.
    Field(FieldTest),
    /// A general comparison.
    Rel {
        op: RelOp,
        lhs: Val,
        rhs: Val,
    },
}

/// `(load & mask) op value` on a field: the test most primitives are made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldTest {
    pub at: Base,
    pub size: u8,
    pub mask: u32,
    pub op: RelOp,
    pub value: u32,
}

/// Where a [`Node::Field`] reads: the cases that need no arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Base {
    Fixed(u32),
    /// `offset` bytes past an IPv4 header that starts at `base`.
    AfterIpv4 {
        base: u32,
        offset: u32,
    },
}

impl Base {
    /// The absolute offset of the field in `data`.
    #[inline]
    pub fn resolve(self, data: &[u8]) -> Result<u32, Reject> {
        match self {
            Base::Fixed(o) => Ok(o),
            Base::AfterIpv4 { base, offset } => {
                let ihl = u32::from(*data.get(base as usize).ok_or(Reject)? & 0x0f) * 4;
                base.checked_add(ihl).and_then(|v| v.checked_add(offset)).ok_or(Reject)
            }
        }
    }
}

/// The packet was rejected outright: a read past its end, or a division by zero.
#[derive(Debug)]
pub struct Reject;

impl Node {
    /// Evaluates the predicate on a frame; `Err` means BPF would have rejected it.
    pub fn eval(&self, data: &[u8], wire_len: u32) -> Result<bool, Reject> {
        Ok(match self {
            Node::True => true,
            Node::False => false,
            Node::And(a, b) => a.eval(data, wire_len)? && b.eval(data, wire_len)?,
            Node::Or(a, b) => a.eval(data, wire_len)? || b.eval(data, wire_len)?,
            Node::Not(a) => !a.eval(data, wire_len)?,
            Node::Field(FieldTest { at, size, mask, op, value }) => {
                compare(*op, load(data, at.resolve(data)?, *size)? & mask, *value)
            }
            Node::Rel { op, lhs, rhs } => {
                let l = lhs.eval(data, wire_len)?;
                let r = rhs.eval(data, wire_len)?;
                compare(*op, l, r)
            }
        })
    }
}

impl Val {
    /// Computes the value; `Err` means BPF would have rejected the packet.
    pub fn eval(&self, data: &[u8], wire_len: u32) -> Result<u32, Reject> {
        Ok(match self {
            Val::Const(n) => *n,
            Val::Len => wire_len,
            Val::Load { at, size } => {
                let offset = match at {
                    At::Fixed(o) => *o,
                    At::AfterIpv4 { base, offset } => {
                        let ihl = u32::from(*data.get(*base as usize).ok_or(Reject)? & 0x0f) * 4;
                        offset
                            .eval(data, wire_len)?
                            .checked_add(ihl)
                            .ok_or(Reject)?
                            .checked_add(*base)
                            .ok_or(Reject)?
                    }
                    At::Indexed { base, offset } => {
                        offset.eval(data, wire_len)?.checked_add(*base).ok_or(Reject)?
                    }
                };
                load(data, offset, *size)?
            }
            Val::Bin(op, a, b) => {
                let (a, b) = (a.eval(data, wire_len)?, b.eval(data, wire_len)?);
                match op {
                    ArithOp::Add => a.wrapping_add(b),
                    ArithOp::Sub => a.wrapping_sub(b),
                    ArithOp::Mul => a.wrapping_mul(b),
                    ArithOp::Div => a.checked_div(b).ok_or(Reject)?,
                    ArithOp::Mod => a.checked_rem(b).ok_or(Reject)?,
                    ArithOp::And => a & b,
                    ArithOp::Or => a | b,
                    ArithOp::Xor => a ^ b,
                    ArithOp::Shl => a.checked_shl(b).unwrap_or(0),
                    ArithOp::Shr => a.checked_shr(b).unwrap_or(0),
                }
            }
            Val::Neg(a) => a.eval(data, wire_len)?.wrapping_neg(),
            Val::Var(v) => v.eval(data)?,
        })
    }
}

/// Reads a big-endian field, as BPF's loads do.
#[inline]
pub fn load(data: &[u8], offset: u32, size: u8) -> Result<u32, Reject> {
    let start = offset as usize;
    let bytes = data.get(start..start + usize::from(size)).ok_or(Reject)?;
    Ok(match size {
        1 => u32::from(bytes[0]),
        2 => u32::from(u16::from_be_bytes([bytes[0], bytes[1]])),
        _ => u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
    })
}

/// Compares as BPF's jumps do: unsigned.
#[inline]
pub fn compare(op: RelOp, a: u32, b: u32) -> bool {
    match op {
        RelOp::Eq => a == b,
        RelOp::Ne => a != b,
        RelOp::Lt => a < b,
        RelOp::Le => a <= b,
        RelOp::Gt => a > b,
        RelOp::Ge => a >= b,
    }
}
