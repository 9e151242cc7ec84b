//! tcpdump's filter language (pcap-filter(7)), compiled by hark into a predicate.
//!
//! [`Filter::new`] parses an expression once; [`Filter::matches`] compiles it for each link
//! type it meets (usually one) and evaluates it on a frame's bytes, without decoding the
//! packet. Its verdicts are libpcap's: the tests hold them to tcpdump's on every capture
//! of the corpus. A primitive hark does not support is refused by name, never matched
//! differently. Nothing here panics on any expression or any packet.

pub mod ast;
pub mod cbpf;
pub mod compile;
pub mod hosts;
pub mod lexer;
pub mod names;
pub mod node;
pub mod parser;
pub mod program;
pub mod wlan;

use std::fmt;

use crate::source::{Frame, LinkType};
use program::Program;

/// A filter error: where in the expression, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub line: u32,
    pub col: u32,
    pub msg: String,
}

impl Error {
    pub(crate) fn at(line: u32, col: u32, msg: String) -> Error {
        Error { line, col, msg }
    }

    pub(crate) fn at_token(token: &lexer::Token, msg: String) -> Error {
        Error::at(token.line, token.col, msg)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.msg)
    }
}

/// A parsed filter with its compiled forms, one per link type met.
#[derive(Debug)]
pub struct Filter {
    expr: ast::Expr,
    compiled: Vec<(LinkType, Option<Program>)>,
    /// Link types the expression cannot be compiled for, with why; their packets never match.
    pub refused: Vec<(LinkType, Error)>,
}

impl Filter {
    /// Parses an expression.
    pub fn new(text: &str) -> Result<Filter, Error> {
        Ok(Filter { expr: parser::parse(text)?, compiled: Vec::new(), refused: Vec::new() })
    }

    /// Compiles for a link type ahead of the first packet, so errors show before capture.
    pub fn prepare(&mut self, link: LinkType) -> Result<(), Error> {
        let program = Program::new(&compile::compile(&self.expr, link)?);
        self.compiled.push((link, Some(program)));
        Ok(())
    }

    /// The expression as a classic BPF program for Ethernet frames, to attach to a live
    /// capture socket; `None` when it has none that fits the kernel's limits.
    pub fn kernel_program(&self, snaplen: u32) -> Option<Vec<cbpf::Insn>> {
        let node = compile::compile(&self.expr, LinkType::ETHERNET).ok()?;
        cbpf::translate(&node, snaplen)
    }

    /// Whether the frame passes the filter.
    #[inline]
    pub fn matches(&mut self, frame: &Frame<'_>) -> bool {
        // Nearly every capture has one link type, compiled before the first packet.
        if let Some((link, Some(program))) = self.compiled.first() {
            if *link == frame.link {
                return program.matches(frame.data, frame.orig_len);
            }
        }
        self.matches_other_link(frame)
    }

    /// The rare path: a link type met for the first time, or one the filter cannot serve.
    #[cold]
    #[inline(never)]
    fn matches_other_link(&mut self, frame: &Frame<'_>) -> bool {
        let index = match self.compiled.iter().position(|(l, _)| *l == frame.link) {
            Some(i) => i,
            None => {
                let program = match compile::compile(&self.expr, frame.link) {
                    Ok(node) => Some(Program::new(&node)),
                    Err(e) => {
                        self.refused.push((frame.link, e));
                        None
                    }
                };
                self.compiled.push((frame.link, program));
                self.compiled.len() - 1
            }
        };
        match &self.compiled[index].1 {
            Some(program) => program.matches(frame.data, frame.orig_len),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests;
