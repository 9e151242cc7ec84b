//! The server name of a TLS ClientHello (RFC 8446 §4.1.2, RFC 6066 §3), from one packet.

/// Reads the SNI host name from a TLS record that starts a ClientHello.
pub fn client_hello_sni(payload: &[u8]) -> Option<&str> {
    let mut r = Reader(payload);
    // TLSPlaintext: type 22 (handshake), legacy version 3.x, length.
    if r.u8()? != 22 || r.u8()? != 3 {
        return None;
    }
    r.skip(3)?;
    // Handshake: type 1 (client_hello), 24-bit length.
    if r.u8()? != 1 {
        return None;
    }
    r.skip(3)?;
    r.skip(2 + 32)?; // legacy_version, random
    let session = r.u8()?;
    r.skip(usize::from(session))?;
    let suites = r.u16()?;
    r.skip(usize::from(suites))?;
    let compression = r.u8()?;
    r.skip(usize::from(compression))?;
    let extensions_len = usize::from(r.u16()?);
    let mut extensions = Reader(r.take(extensions_len).unwrap_or(r.0));
    while let (Some(kind), Some(len)) = (extensions.u16(), extensions.u16()) {
        let body = extensions.take(usize::from(len))?;
        if kind != 0 {
            continue;
        }
        let mut list = Reader(body);
        let list_len = usize::from(list.u16()?);
        let mut names = Reader(list.take(list_len)?);
        while let Some(name_type) = names.u8() {
            let name_len = usize::from(names.u16()?);
            let name = names.take(name_len)?;
            if name_type == 0 {
                return std::str::from_utf8(name).ok();
            }
        }
        return None;
    }
    None
}

/// A cursor that returns `None` instead of reading past its slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = tail;
        Some(head)
    }
    fn skip(&mut self, n: usize) -> Option<()> {
        self.take(n).map(|_| ())
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello() -> Vec<u8> {
        crate::sample::client_hello("lab.example")
    }

    #[test]
    fn finds_the_name() {
        assert_eq!(client_hello_sni(&hello()), Some("lab.example"));
    }

    #[test]
    fn every_cut_is_safe() {
        let h = hello();
        for len in 0..h.len() {
            assert_eq!(client_hello_sni(&h[..len]), None, "cut at {len}");
        }
    }
}
