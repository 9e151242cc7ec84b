//! A compiled predicate flattened into tests with true and false jumps, as BPF is.
//!
//! Walking a flat list costs no recursion, and it lets one cheap optimisation run: a test
//! whose answer is already known on the path that reaches it (the same field compared for
//! equality again, as `tcp and port 22` does with the ethertype) is jumped over.

use super::ast::RelOp;
use super::node::{Base, FieldTest, Node, Val, compare};

const ACCEPT: u32 = u32::MAX;
const REJECT: u32 = u32::MAX - 1;

/// One test and where to go after it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Insn {
    test: Test,
    jt: u32,
    jf: u32,
}

/// The common shapes get variants of their own: one dispatch per test instead of one per
/// property (base, size, operator), which is what an interpreter's time goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Test {
    /// `(byte at offset & mask) == value`
    Eq1 {
        offset: u32,
        mask: u32,
        value: u32,
    },
    /// `(u16 at offset & mask) == value`
    Eq2 {
        offset: u32,
        mask: u32,
        value: u32,
    },
    /// `(u32 at offset & mask) == value`
    Eq4 {
        offset: u32,
        mask: u32,
        value: u32,
    },
    /// `u16 at (base + IPv4 header length + offset) == value`: a port.
    Eq2AfterIpv4 {
        base: u32,
        offset: u32,
        value: u32,
    },
    Field(FieldTest),
    /// Boxed: rare, and it would triple the size of every test.
    Rel(Box<(RelOp, Val, Val)>),
}

/// A predicate ready to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    insns: Vec<Insn>,
    entry: u32,
}

impl Program {
    /// Flattens a predicate tree and threads jumps over tests whose answer is known.
    pub fn new(root: &Node) -> Program {
        let mut insns = Vec::new();
        let entry = emit(root, ACCEPT, REJECT, &mut insns);
        let mut program = Program { insns, entry };
        program.thread_jumps();
        program
    }

    /// Runs the predicate; a read past the captured bytes rejects the packet, as in BPF.
    #[inline]
    pub fn matches(&self, data: &[u8], wire_len: u32) -> bool {
        let mut pc = self.entry;
        while let Some(insn) = self.insns.get(pc as usize) {
            let outcome = match &insn.test {
                Test::Eq1 { offset, mask, value } => match data.get(*offset as usize) {
                    Some(b) => u32::from(*b) & mask == *value,
                    None => return false,
                },
                Test::Eq2 { offset, mask, value } => match data.get(*offset as usize..) {
                    Some([a, b, ..]) => u32::from(u16::from_be_bytes([*a, *b])) & mask == *value,
                    _ => return false,
                },
                Test::Eq4 { offset, mask, value } => match data.get(*offset as usize..) {
                    Some([a, b, c, d, ..]) => u32::from_be_bytes([*a, *b, *c, *d]) & mask == *value,
                    _ => return false,
                },
                Test::Eq2AfterIpv4 { base, offset, value } => {
                    let Some(ihl) = data.get(*base as usize) else { return false };
                    let at = *base as usize + usize::from(ihl & 0x0f) * 4 + *offset as usize;
                    match data.get(at..) {
                        Some([a, b, ..]) => u32::from(u16::from_be_bytes([*a, *b])) == *value,
                        _ => return false,
                    }
                }
                Test::Field(FieldTest { at, size, mask, op, value }) => {
                    let offset = match *at {
                        Base::Fixed(o) => o as usize,
                        Base::AfterIpv4 { base, offset } => match data.get(base as usize) {
                            Some(b) => base as usize + usize::from(b & 0x0f) * 4 + offset as usize,
                            None => return false,
                        },
                    };
                    let v = match (*size, data.get(offset..)) {
                        (1, Some([a, ..])) => u32::from(*a),
                        (2, Some([a, b, ..])) => u32::from(u16::from_be_bytes([*a, *b])),
                        (4, Some([a, b, c, d, ..])) => u32::from_be_bytes([*a, *b, *c, *d]),
                        _ => return false,
                    };
                    compare(*op, v & mask, *value)
                }
                Test::Rel(rel) => {
                    let (op, lhs, rhs) = &**rel;
                    match (lhs.eval(data, wire_len), rhs.eval(data, wire_len)) {
                        (Ok(l), Ok(r)) => compare(*op, l, r),
                        _ => return false,
                    }
                }
            };
            // Two separate stores rather than one select: the processor then predicts the
            // way and starts on the next test before this one is settled, instead of
            // waiting for it (a select would make the next address depend on the outcome).
            if outcome {
                pc = insn.jt;
                continue;
            }
            pc = insn.jf;
        }
        pc == ACCEPT
    }

    /// Redirects every jump into a test whose answer is already known on all the paths
    /// that reach it, until nothing changes.
    fn thread_jumps(&mut self) {
        for _ in 0..16 {
            let facts = self.facts_on_entry();
            let mut changed = false;
            for (i, known_here) in facts.iter().enumerate() {
                for outcome in [true, false] {
                    let target = if outcome { self.insns[i].jt } else { self.insns[i].jf };
                    let Some(next) = self.insns.get(target as usize) else { continue };
                    // What holds when `next` is reached from here: `i`'s facts plus its answer.
                    let mut here = known_here.clone().unwrap_or_default();
                    learn(&mut here, &self.insns[i].test, outcome);
                    let Some(known) = decide(&here, &next.test) else { continue };
                    let skip_to = if known { next.jt } else { next.jf };
                    if outcome {
                        self.insns[i].jt = skip_to;
                    } else {
                        self.insns[i].jf = skip_to;
                    }
                    changed = true;
                }
            }
            if self.entry < REJECT {
                if let Some(first) = self.insns.get(self.entry as usize) {
                    if let Some(known) = decide(&Facts::default(), &first.test) {
                        self.entry = if known { first.jt } else { first.jf };
                        changed = true;
                    }
                }
            }
            if !changed {
                return;
            }
        }
    }

    /// For each test, what is known on every path that reaches it (`None`: unreachable).
    fn facts_on_entry(&self) -> Vec<Option<Facts>> {
        let mut facts: Vec<Option<Facts>> = vec![None; self.insns.len()];
        if let Some(slot) = facts.get_mut(self.entry as usize) {
            *slot = Some(Facts::default());
        }
        // Jumps only go to lower indices (see `emit`), so descending order is topological.
        for i in (0..self.insns.len()).rev() {
            let Some(known) = facts[i].clone() else { continue };
            for outcome in [true, false] {
                let insn = &self.insns[i];
                let target = if outcome { insn.jt } else { insn.jf };
                if target as usize >= self.insns.len() {
                    continue;
                }
                let mut after = known.clone();
                learn(&mut after, &insn.test, outcome);
                let slot = &mut facts[target as usize];
                *slot = Some(match slot.take() {
                    None => after,
                    Some(existing) => existing.meet(&after),
                });
            }
        }
        facts
    }
}

/// What is known about fields on a path: each masked field equals a value, or differs
/// from some values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Facts(Vec<((Base, u8, u32), Fact)>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Fact {
    Is(u32),
    IsNot(Vec<u32>),
}

impl Facts {
    fn get(&self, key: &(Base, u8, u32)) -> Option<&Fact> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, f)| f)
    }

    /// What holds on both of two paths.
    fn meet(&self, other: &Facts) -> Facts {
        let mut out = Vec::new();
        for (key, mine) in &self.0 {
            let Some(theirs) = other.get(key) else { continue };
            let both = match (mine, theirs) {
                (Fact::Is(a), Fact::Is(b)) if a == b => Some(Fact::Is(*a)),
                (Fact::Is(a), Fact::IsNot(not)) | (Fact::IsNot(not), Fact::Is(a))
                    if !not.contains(a) =>
                {
                    Some(Fact::IsNot(not.clone()))
                }
                (Fact::IsNot(x), Fact::IsNot(y)) => {
                    let common: Vec<u32> = x.iter().filter(|v| y.contains(v)).copied().collect();
                    (!common.is_empty()).then_some(Fact::IsNot(common))
                }
                _ => None,
            };
            if let Some(fact) = both {
                out.push((*key, fact));
            }
        }
        Facts(out)
    }
}

impl Test {
    /// The test as a general field comparison, if it is one.
    fn as_field(&self) -> Option<FieldTest> {
        let eq = |at, size, mask, value| FieldTest { at, size, mask, op: RelOp::Eq, value };
        Some(match *self {
            Test::Eq1 { offset, mask, value } => eq(Base::Fixed(offset), 1, mask, value),
            Test::Eq2 { offset, mask, value } => eq(Base::Fixed(offset), 2, mask, value),
            Test::Eq4 { offset, mask, value } => eq(Base::Fixed(offset), 4, mask, value),
            Test::Eq2AfterIpv4 { base, offset, value } => {
                eq(Base::AfterIpv4 { base, offset }, 2, u32::MAX, value)
            }
            Test::Field(f) => f,
            Test::Rel(_) => return None,
        })
    }
}

/// Adds what a field test's outcome says.
fn learn(facts: &mut Facts, test: &Test, outcome: bool) {
    let Some(FieldTest { at, size, mask, op, value }) = test.as_field() else { return };
    let key = (at, size, mask);
    let equal = match op {
        RelOp::Eq => outcome,
        RelOp::Ne => !outcome,
        _ => return,
    };
    let slot = facts.0.iter().position(|(k, _)| *k == key);
    match (equal, slot) {
        (true, Some(i)) => facts.0[i].1 = Fact::Is(value),
        (true, None) => facts.0.push((key, Fact::Is(value))),
        (false, Some(i)) => {
            if let Fact::IsNot(values) = &mut facts.0[i].1 {
                if !values.contains(&value) {
                    values.push(value);
                }
            }
        }
        (false, None) => facts.0.push((key, Fact::IsNot(vec![value]))),
    }
}

/// The outcome of `test` if the facts decide it.
fn decide(facts: &Facts, test: &Test) -> Option<bool> {
    let FieldTest { at, size, mask, op, value } = test.as_field()?;
    match facts.get(&(at, size, mask))? {
        Fact::Is(known) => Some(compare(op, *known, value)),
        Fact::IsNot(values) if values.contains(&value) => match op {
            RelOp::Eq => Some(false),
            RelOp::Ne => Some(true),
            _ => None,
        },
        Fact::IsNot(_) => None,
    }
}

/// Emits `node` so that it continues at `t` when true and `f` when false; returns its entry.
fn emit(node: &Node, t: u32, f: u32, insns: &mut Vec<Insn>) -> u32 {
    match node {
        Node::True => t,
        Node::False => f,
        Node::And(a, b) => {
            let b_entry = emit(b, t, f, insns);
            emit(a, b_entry, f, insns)
        }
        Node::Or(a, b) => {
            let b_entry = emit(b, t, f, insns);
            emit(a, t, b_entry, insns)
        }
        Node::Not(a) => emit(a, f, t, insns),
        Node::Field(FieldTest { at, size, mask, op, value }) => {
            let (mask, value) = (*mask, *value);
            let test = match (at, size, op) {
                (Base::Fixed(offset), 1, RelOp::Eq) => Test::Eq1 { offset: *offset, mask, value },
                (Base::Fixed(offset), 2, RelOp::Eq) => Test::Eq2 { offset: *offset, mask, value },
                (Base::Fixed(offset), 4, RelOp::Eq) => Test::Eq4 { offset: *offset, mask, value },
                (Base::AfterIpv4 { base, offset }, 2, RelOp::Eq) if mask == u32::MAX => {
                    Test::Eq2AfterIpv4 { base: *base, offset: *offset, value }
                }
                _ => Test::Field(FieldTest { at: *at, size: *size, mask, op: *op, value }),
            };
            insns.push(Insn { test, jt: t, jf: f });
            (insns.len() - 1) as u32
        }
        Node::Rel { op, lhs, rhs } => {
            insns.push(Insn {
                test: Test::Rel(Box::new((*op, lhs.clone(), rhs.clone()))),
                jt: t,
                jf: f,
            });
            (insns.len() - 1) as u32
        }
    }
}
