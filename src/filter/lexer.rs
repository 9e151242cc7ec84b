//! Splits a filter expression into tokens, each with the line and column it starts at.
//!
//! Word tokens follow libpcap's scanner: a word may hold `-`, `.` and `_` inside it, so
//! `tcp-syn`, `6000-7000` and `lab.example` are single words, just as in tcpdump.

use super::Error;

/// One token of a filter expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub line: u32,
    pub col: u32,
}

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A word: keyword, name, number, address (the parser decides which).
    Word(String),
    /// A word written with a leading backslash (`\tcp`): never a keyword.
    Escaped(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Colon,
    Slash,
    Plus,
    Minus,
    Star,
    Percent,
    Amp,
    Pipe,
    Caret,
    Shl,
    Shr,
    Bang,
    AndAnd,
    OrOr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    End,
}

impl Kind {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            Kind::Word(w) => format!("'{w}'"),
            Kind::Escaped(w) => format!("'\\{w}'"),
            Kind::End => "the end of the expression".to_string(),
            other => format!("'{}'", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        // From the end: `=` names `Eq` rather than its alias `==`.
        OPERATORS.iter().rev().find(|(_, kind)| kind == self).map_or("", |(text, _)| text)
    }
}

/// Every operator and what it is, two-character ones first so that the longest is taken.
const OPERATORS: [(&str, Kind); 25] = [
    ("&&", Kind::AndAnd),
    ("||", Kind::OrOr),
    ("==", Kind::Eq),
    ("!=", Kind::Ne),
    ("<=", Kind::Le),
    (">=", Kind::Ge),
    ("<<", Kind::Shl),
    (">>", Kind::Shr),
    ("(", Kind::LParen),
    (")", Kind::RParen),
    ("[", Kind::LBracket),
    ("]", Kind::RBracket),
    (":", Kind::Colon),
    ("/", Kind::Slash),
    ("+", Kind::Plus),
    ("-", Kind::Minus),
    ("*", Kind::Star),
    ("%", Kind::Percent),
    ("&", Kind::Amp),
    ("|", Kind::Pipe),
    ("^", Kind::Caret),
    ("!", Kind::Bang),
    ("=", Kind::Eq),
    ("<", Kind::Lt),
    (">", Kind::Gt),
];

fn is_word_start(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Characters a word may hold past its first: libpcap also allows `:` so that MAC and
/// IPv6 addresses are one word.
fn is_word_inner(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':')
}

/// Whether a word with colons is a MAC (six groups of one or two hex digits) or IPv6
/// address.
fn is_colon_address(word: &str) -> bool {
    let groups: Vec<&str> = word.split(':').collect();
    let mac = groups.len() == 6
        && groups
            .iter()
            .all(|g| (1..=2).contains(&g.len()) && g.chars().all(|c| c.is_ascii_hexdigit()));
    mac || word.parse::<std::net::Ipv6Addr>().is_ok()
}

/// Splits `text` into tokens, ending with [`Kind::End`].
pub fn tokenize(text: &str) -> Result<Vec<Token>, Error> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let (mut line, mut col) = (1u32, 1u32);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let (start_line, start_col) = (line, col);
        let push = |tokens: &mut Vec<Token>, kind| {
            tokens.push(Token { kind, line: start_line, col: start_col })
        };
        if c == '\n' {
            line += 1;
            col = 1;
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            col += 1;
            i += 1;
            continue;
        }
        if c == '#' {
            // A comment runs to the end of the line (useful in -F files).
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        // `::` starts an IPv6 address, not a colon.
        let starts_address = c == ':' && chars.get(i + 1) == Some(&':');
        let operator = OPERATORS.iter().find(|(text, _)| {
            !(starts_address && *text == ":")
                && text.chars().enumerate().all(|(k, t)| chars.get(i + k) == Some(&t))
        });
        if let Some((text, kind)) = operator {
            push(&mut tokens, kind.clone());
            i += text.len();
            col += text.len() as u32;
            continue;
        }
        let escaped = c == '\\';
        let start = if escaped { i + 1 } else { i };
        if start < chars.len() && (is_word_start(chars[start]) || chars[start] == ':') {
            let mut end = start + 1;
            while end < chars.len() && is_word_inner(chars[end]) {
                end += 1;
            }
            // Like libpcap's scanner, a word does not end in '-', ':' is kept for
            // addresses such as "::1" or "fe80::".
            while end > start + 1 && chars[end - 1] == '-' {
                end -= 1;
            }
            // ':' belongs to a word only in a MAC or IPv6 address; in "ip[6:2]" it
            // separates an offset from a size.
            let candidate: String = chars[start..end].iter().collect();
            if candidate.contains(':') && !is_colon_address(&candidate) {
                if let Some(colon) = chars[start..end].iter().position(|&ch| ch == ':') {
                    end = start + colon.max(1);
                }
            }
            let word: String = chars[start..end].iter().collect();
            push(&mut tokens, if escaped { Kind::Escaped(word) } else { Kind::Word(word) });
            col += (end - i) as u32;
            i = end;
            continue;
        }
        return Err(Error::at(start_line, start_col, format!("unexpected character '{c}'")));
    }
    tokens.push(Token { kind: Kind::End, line, col });
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Kind> {
        tokenize(text).unwrap().into_iter().map(|t| t.kind).collect()
    }

    fn word(w: &str) -> Kind {
        Kind::Word(w.to_string())
    }

    #[test]
    fn hyphenated_names_and_ranges_are_one_word() {
        assert_eq!(
            kinds("tcp[tcpflags] & tcp-syn != 0"),
            vec![
                word("tcp"),
                Kind::LBracket,
                word("tcpflags"),
                Kind::RBracket,
                Kind::Amp,
                word("tcp-syn"),
                Kind::Ne,
                word("0"),
                Kind::End
            ]
        );
        assert_eq!(
            kinds("portrange 6000-7000"),
            vec![word("portrange"), word("6000-7000"), Kind::End]
        );
    }

    #[test]
    fn addresses_are_one_word() {
        assert_eq!(kinds("ether host ff:ff:ff:ff:ff:ff")[2], word("ff:ff:ff:ff:ff:ff"));
        assert_eq!(kinds("host ::1")[1], word("::1"));
        assert_eq!(kinds("ip6 host fe80::1")[2], word("fe80::1"));
        assert_eq!(
            kinds("ip[6:2]"),
            vec![
                word("ip"),
                Kind::LBracket,
                word("6"),
                Kind::Colon,
                word("2"),
                Kind::RBracket,
                Kind::End
            ]
        );
        assert_eq!(
            kinds("net 10.0.0.0/8"),
            vec![word("net"), word("10.0.0.0"), Kind::Slash, word("8"), Kind::End]
        );
    }

    #[test]
    fn positions_count_lines_and_columns() {
        let tokens = tokenize("tcp\n  and # a comment\n port 53").unwrap();
        let at: Vec<(u32, u32)> = tokens.iter().map(|t| (t.line, t.col)).collect();
        assert_eq!(at, vec![(1, 1), (2, 3), (3, 2), (3, 7), (3, 9)]);
    }

    #[test]
    fn escaped_names_and_bad_characters() {
        assert_eq!(kinds("ip proto \\tcp")[2], Kind::Escaped("tcp".into()));
        let err = tokenize("port 53 ; ls").unwrap_err();
        assert_eq!(err.to_string(), "1:9: unexpected character ';'");
    }
}
