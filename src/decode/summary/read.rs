//! Bounds-checked reads for the printers: a read past the captured bytes stops the line
//! with ` [|proto]`, as tcpdump's does, naming the protocol being printed.

/// The captured bytes ended inside `proto`'s header: the line ends ` [|proto]`.
#[derive(Debug)]
pub(super) struct Cut {
    pub proto: &'static str,
    /// Found by a read rather than by a check made beforehand: tcpdump then abandons the
    /// packet at once (its printers longjmp out), and so never learns how long the link
    /// header was, which moves where `-x` starts.
    pub jumped: bool,
}

impl Cut {
    /// A read past the capture.
    pub(super) fn jump(proto: &'static str) -> Cut {
        Cut { proto, jumped: true }
    }

    /// A length check that failed before reading.
    pub(super) fn check(proto: &'static str) -> Cut {
        Cut { proto, jumped: false }
    }
}

pub(super) type Printed = Result<(), Cut>;

/// Captured bytes being printed as protocol `proto`.
#[derive(Clone, Copy)]
pub(super) struct Bytes<'a> {
    pub data: &'a [u8],
    pub proto: &'static str,
}

impl<'a> Bytes<'a> {
    pub(super) fn new(data: &'a [u8], proto: &'static str) -> Self {
        Bytes { data, proto }
    }

    pub(super) fn len(self) -> usize {
        self.data.len()
    }

    /// Whether `n` bytes from `at` were captured.
    pub(super) fn has(self, at: usize, n: usize) -> bool {
        at.checked_add(n).is_some_and(|end| end <= self.data.len())
    }

    /// tcpdump's check that `n` bytes from `at` were captured, made before reading them.
    pub(super) fn check(self, at: usize, n: usize) -> Result<(), Cut> {
        if self.has(at, n) { Ok(()) } else { Err(Cut::check(self.proto)) }
    }

    pub(super) fn slice(self, at: usize, n: usize) -> Result<&'a [u8], Cut> {
        let end = at.checked_add(n).ok_or(Cut::jump(self.proto))?;
        self.data.get(at..end).ok_or(Cut::jump(self.proto))
    }

    pub(super) fn u8(self, at: usize) -> Result<u8, Cut> {
        self.data.get(at).copied().ok_or(Cut::jump(self.proto))
    }

    pub(super) fn u16(self, at: usize) -> Result<u16, Cut> {
        let b = self.slice(at, 2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(super) fn u32(self, at: usize) -> Result<u32, Cut> {
        let b = self.slice(at, 4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(super) fn ipv4(self, at: usize) -> Result<std::net::Ipv4Addr, Cut> {
        Ok(self.u32(at)?.into())
    }

    pub(super) fn ipv6(self, at: usize) -> Result<std::net::Ipv6Addr, Cut> {
        let b = self.slice(at, 16)?;
        let mut octets = [0u8; 16];
        octets.copy_from_slice(b);
        Ok(octets.into())
    }

    /// The bytes from `at` on (none when `at` is past the end), under another name.
    pub(super) fn from(self, at: usize, proto: &'static str) -> Bytes<'a> {
        Bytes { data: self.data.get(at..).unwrap_or_default(), proto }
    }

    /// The first `n` bytes at most: tcpdump's end of a header's own data.
    pub(super) fn limit(self, n: usize) -> Bytes<'a> {
        Bytes { data: &self.data[..self.data.len().min(n)], proto: self.proto }
    }
}
