//! VXLAN (RFC 7348) as tcpdump prints it: the header, then the frame it carries on a
//! line of its own.

use std::io::Write;

use super::ip::Ctx;
use super::network::write_ethernet;
use super::read::{Bytes, Printed};

pub(super) fn write_vxlan(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    bytes: Bytes<'_>,
    len: usize,
) -> Printed {
    let bytes = Bytes::new(bytes.data, "vxlan");
    out.extend_from_slice(b"VXLAN");
    if len < 8 {
        out.extend_from_slice(b" (invalid)");
        return Ok(());
    }
    let flags = bytes.u8(0)?;
    // Only the I flag (a valid VNI) is defined.
    let names = if flags & 0x08 != 0 { "I" } else { "invalid" };
    let vni = bytes.u32(3)? & 0x00ff_ffff;
    // The frame it carries goes on a line of its own.
    let _ = writeln!(out, ", flags [{names}] (0x{flags:02x}), vni {vni}");
    bytes.u8(7)?;
    write_ethernet(out, ctx, bytes.from(8, "ether"), len - 8)
}
