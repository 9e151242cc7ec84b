//! pcap-filter(7)'s 802.11 frame tests: `type T [subtype S]`, `subtype S`, `dir D`.

use super::Parser;
use crate::filter::Error;
use crate::filter::ast::{Expr, Prim};
use crate::filter::lexer::Kind;
use crate::filter::names;

impl Parser {
    /// `type T [subtype S]`, `subtype S`, `dir D`: pcap-filter(7)'s 802.11 frame tests.
    pub(super) fn wlan_frame(&mut self) -> Result<Expr, Error> {
        let keyword = self.word().unwrap_or_default().to_string();
        self.next();
        let token = self.tokens[self.pos.min(self.tokens.len() - 1)].clone();
        let Kind::Word(word) = &token.kind else {
            return Err(self.error_here(format!(
                "expected a name or number after '{keyword}', found {}",
                self.peek().describe()
            )));
        };
        let word = word.clone();
        self.next();
        let err = |msg: String| Err(Error::at_token(&token, msg));
        match keyword.as_str() {
            "type" => {
                let kind = match names::number(&word) {
                    Some(n) if n & !0x0c != 0 => {
                        return err(format!("invalid 802.11 type value 0x{n:02x}"));
                    }
                    Some(n) => n as u8,
                    None => match names::wlan_type(&word) {
                        Some(bits) => bits,
                        None => return err(format!("unknown 802.11 type name '{word}'")),
                    },
                };
                if !self.is_word("subtype") {
                    return Ok(self.prim(Prim::WlanType { value: kind, mask: 0x0c }));
                }
                self.next();
                let sub_token = self.tokens[self.pos.min(self.tokens.len() - 1)].clone();
                let Kind::Word(sub) = &sub_token.kind else {
                    return Err(self.error_here(format!(
                        "expected a subtype after 'subtype', found {}",
                        self.peek().describe()
                    )));
                };
                let sub = sub.clone();
                self.next();
                let value = match names::number(&sub) {
                    Some(n) if n & !0xf0 != 0 => {
                        return Err(Error::at_token(
                            &sub_token,
                            format!("invalid 802.11 subtype value 0x{n:02x}"),
                        ));
                    }
                    Some(n) => kind | n as u8,
                    None => match names::wlan_subtype(Some(kind), &sub) {
                        Some(bits) => bits,
                        None => {
                            return Err(Error::at_token(
                                &sub_token,
                                format!("unknown 802.11 subtype name '{sub}'"),
                            ));
                        }
                    },
                };
                Ok(self.prim(Prim::WlanType { value, mask: 0xfc }))
            }
            "subtype" => match names::wlan_subtype(None, &word) {
                Some(value) => Ok(self.prim(Prim::WlanType { value, mask: 0xfc })),
                None => err(format!("unknown 802.11 subtype name '{word}'")),
            },
            _ => match names::number(&word).or_else(|| names::wlan_dir(&word).map(u32::from)) {
                Some(d) => Ok(self.prim(Prim::WlanDir(d as u8))),
                None => {
                    err(format!("unknown 802.11 direction '{word}' (nods, tods, fromds or dstods)"))
                }
            },
        }
    }
}
