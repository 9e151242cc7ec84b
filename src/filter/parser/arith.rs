//! The arithmetic side of the grammar: `relation := arith relop arith`, with loads such as
//! `tcp[13]`, `len`, named constants and precedence climbing over the operators.

use super::{Parser, proto_keyword};
use crate::filter::Error;
use crate::filter::ast::{Arith, ArithOp, Expr, Proto, RelOp};
use crate::filter::lexer::Kind;
use crate::filter::names;

impl Parser {
    /// relation := arith relop arith
    pub(super) fn relation(&mut self) -> Result<Expr, Error> {
        self.mark();
        let pos = self.start;
        let lhs = self.arith(0)?;
        let op = match self.peek() {
            Kind::Eq => RelOp::Eq,
            Kind::Ne => RelOp::Ne,
            Kind::Lt => RelOp::Lt,
            Kind::Le => RelOp::Le,
            Kind::Gt => RelOp::Gt,
            Kind::Ge => RelOp::Ge,
            other => {
                return Err(self.error_here(format!(
                    "expected a comparison (=, !=, <, <=, >, >=), found {}",
                    other.describe()
                )));
            }
        };
        self.next();
        let rhs = self.arith(0)?;
        Ok(Expr::Rel { op, lhs, rhs, pos })
    }

    /// Arithmetic by precedence climbing: | ^ < & < << >> < + - < * / % < unary minus.
    fn arith(&mut self, min_level: u8) -> Result<Arith, Error> {
        let mut lhs = self.unary()?;
        loop {
            let (op, level) = match self.peek() {
                Kind::Pipe => (ArithOp::Or, 1),
                Kind::Caret => (ArithOp::Xor, 1),
                Kind::Amp => (ArithOp::And, 2),
                Kind::Shl => (ArithOp::Shl, 3),
                Kind::Shr => (ArithOp::Shr, 3),
                Kind::Plus => (ArithOp::Add, 4),
                Kind::Minus => (ArithOp::Sub, 4),
                Kind::Star => (ArithOp::Mul, 5),
                Kind::Slash => (ArithOp::Div, 5),
                Kind::Percent => (ArithOp::Mod, 5),
                _ => return Ok(lhs),
            };
            if level < min_level {
                return Ok(lhs);
            }
            self.next();
            let rhs = self.arith(level + 1)?;
            if matches!(op, ArithOp::Div | ArithOp::Mod) && rhs == Arith::Num(0) {
                return Err(self.error_before("division by zero".into()));
            }
            lhs = Arith::Bin(op, Box::new(lhs), Box::new(rhs));
        }
    }

    fn unary(&mut self) -> Result<Arith, Error> {
        match self.peek().clone() {
            Kind::Minus => {
                self.next();
                Ok(Arith::Neg(Box::new(self.unary()?)))
            }
            Kind::LParen => {
                self.next();
                let inner = self.arith(0)?;
                if self.peek() != &Kind::RParen {
                    return Err(
                        self.error_here(format!("expected ')', found {}", self.peek().describe()))
                    );
                }
                self.next();
                Ok(inner)
            }
            Kind::Word(w) if w == "len" => {
                self.next();
                Ok(Arith::Len)
            }
            Kind::Word(w) => {
                if let Some(proto) = proto_keyword(&w) {
                    if self.peek_at(1) == &Kind::LBracket {
                        return self.load(proto);
                    }
                    return Err(self.error_here(format!("expected '[' after '{w}' in arithmetic")));
                }
                match names::number(&w).or_else(|| names::constant(&w)) {
                    Some(n) => {
                        self.next();
                        Ok(Arith::Num(n))
                    }
                    None => Err(self.error_here(format!("expected a number, found '{w}'"))),
                }
            }
            other => Err(self.error_here(format!("expected a number, found {}", other.describe()))),
        }
    }

    /// proto '[' arith [':' size] ']'
    fn load(&mut self, proto: Proto) -> Result<Arith, Error> {
        let proto_token = self.tokens[self.pos].clone();
        self.next();
        self.next();
        let offset = self.arith(0)?;
        let size = if self.peek() == &Kind::Colon {
            self.next();
            let size_token = self.tokens[self.pos.min(self.tokens.len() - 1)].clone();
            let n = self.number("a size (1, 2 or 4) after ':'")?;
            if !matches!(n, 1 | 2 | 4) {
                return Err(Error::at_token(
                    &size_token,
                    format!("a load size must be 1, 2 or 4, not {n}"),
                ));
            }
            n as u8
        } else {
            1
        };
        if self.peek() != &Kind::RBracket {
            return Err(self.error_here(format!("expected ']', found {}", self.peek().describe())));
        }
        self.next();
        if matches!(proto, Proto::Pim | Proto::Vrrp | Proto::Ah | Proto::Esp) {
            return Err(Error::at_token(
                &proto_token,
                format!("'{}[...]' is not supported by hark", proto.name()),
            ));
        }
        Ok(Arith::Load { proto, offset: Box::new(offset), size })
    }
}
