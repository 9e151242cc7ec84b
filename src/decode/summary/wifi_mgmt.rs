//! 802.11 management frames as tcpdump prints them: beacons and probes with their SSID,
//! rates and channel, (re)association, authentication, deauthentication and actions.

use std::io::Write;

use super::ip::Ctx;
use super::push::push_mac;
use super::read::{Bytes, Cut};
use super::wifi::write_wep;

/// Beacons, probes, (re)association, authentication, deauthentication, …: the name,
/// then what tcpdump shows of the body. `false` when the body is cut short.
pub(super) fn write_management(
    out: &mut Vec<u8>,
    ctx: &Ctx<'_>,
    source: &[u8],
    subtype: u8,
    protected: bool,
    body: Bytes<'_>,
    length: usize,
) -> Result<bool, Cut> {
    let name = match subtype {
        0 => "Assoc Request",
        1 => "Assoc Response",
        2 => "ReAssoc Request",
        3 => "ReAssoc Response",
        4 => "Probe Request",
        5 => "Probe Response",
        8 => "Beacon",
        9 => "ATIM",
        10 => "Disassociation",
        11 => "Authentication",
        12 => "DeAuthentication",
        13 => "Action",
        other => {
            let _ = write!(out, "Unhandled Management subtype({other:x})");
            return Ok(true);
        }
    };
    out.extend_from_slice(name.as_bytes());
    if protected {
        return write_wep(out, body).map(|()| true);
    }
    let fits = |n: usize| body.has(0, n) && length >= n;
    match subtype {
        8 | 5 => {
            if !fits(12) {
                return Ok(false);
            }
            let capability = body.u16(10)?.swap_bytes();
            let elements = Elements::parse(body, 12, length - 12);
            elements.ssid(out);
            elements.rates(out);
            if subtype == 8 {
                let _ = write!(out, " {}", if capability & 0x0001 != 0 { "ESS" } else { "IBSS" });
            }
            if let Some(channel) = elements.channel {
                let _ = write!(out, " CH: {channel}");
            }
            if capability & 0x0010 != 0 {
                out.extend_from_slice(b", PRIVACY");
            }
            Ok(elements.whole)
        }
        4 | 0 => {
            let fixed = if subtype == 0 { 4 } else { 0 };
            if !fits(fixed) {
                return Ok(false);
            }
            let elements = Elements::parse(body, fixed, length - fixed);
            elements.ssid(out);
            elements.rates(out);
            Ok(elements.whole)
        }
        2 => {
            if !fits(10) {
                return Ok(false);
            }
            let elements = Elements::parse(body, 10, length - 10);
            elements.ssid(out);
            out.extend_from_slice(b" AP : ");
            push_mac(out, body.slice(4, 6)?);
            Ok(elements.whole)
        }
        1 | 3 => {
            if !fits(6) {
                return Ok(false);
            }
            let (capability, status, aid) =
                (body.u16(0)?.swap_bytes(), body.u16(2)?.swap_bytes(), body.u16(4)?.swap_bytes());
            let elements = Elements::parse(body, 6, length - 6);
            let privacy = if capability & 0x0010 != 0 { " PRIVACY " } else { "" };
            let _ = write!(out, " AID({:x}) :{privacy}: {}", (aid << 2) >> 2, status_text(status));
            Ok(elements.whole)
        }
        10 | 12 => {
            if !fits(2) {
                return Ok(false);
            }
            let reason = reason_text(body.u16(0)?.swap_bytes());
            if subtype == 10 || ctx.opts.link_header {
                let _ = write!(out, ": {reason}");
            } else {
                out.extend_from_slice(b" (");
                push_mac(out, source);
                let _ = write!(out, "): {reason}");
            }
            Ok(true)
        }
        11 => {
            if !fits(6) {
                return Ok(false);
            }
            let (algorithm, sequence, status) =
                (body.u16(0)?.swap_bytes(), body.u16(2)?.swap_bytes(), body.u16(4)?.swap_bytes());
            let elements = Elements::parse(body, 6, length - 6);
            let algorithm = match algorithm {
                0 => "Open System",
                1 => "Shared Key",
                2 => "EAP",
                _ => "Reserved",
            };
            let status = if sequence % 2 == 1 { status_text(status) } else { "" };
            let challenge = name_is_shared_challenge(algorithm, sequence);
            if challenge {
                let _ = write!(out, " ({algorithm})-{sequence:x} [Challenge Text] {status}");
            } else {
                let _ = write!(out, " ({algorithm})-{sequence:x}: {status}");
            }
            Ok(elements.whole)
        }
        13 => {
            if !fits(2) {
                return Ok(false);
            }
            if ctx.opts.link_header {
                out.extend_from_slice(b": ");
            } else {
                out.extend_from_slice(b" (");
                push_mac(out, source);
                out.extend_from_slice(b"): ");
            }
            let (category, action) = (body.u8(0)?, body.u8(1)?);
            match category {
                0 => write_act(out, "Spectrum Management ", action),
                1 => write_act(out, "QoS ", action),
                2 => write_act(out, "DLS ", action),
                127 => write_act(out, "Vendor ", action),
                3 => {
                    out.extend_from_slice(b"BA ");
                    match action {
                        0 => out.extend_from_slice(b"ADDBA Request"),
                        1 => out.extend_from_slice(b"ADDBA Response"),
                        2 => out.extend_from_slice(b"DELBA"),
                        n => write_act(out, "", n),
                    }
                }
                other => {
                    let _ = write!(out, "Reserved({other}) Act#{action}");
                }
            }
            Ok(true)
        }
        _ => Ok(true),
    }
}

fn write_act(out: &mut Vec<u8>, prefix: &str, action: u8) {
    let _ = write!(out, "{prefix}Act#{action}");
}

fn name_is_shared_challenge(algorithm: &str, sequence: u16) -> bool {
    algorithm == "Shared Key" && matches!(sequence, 2 | 3)
}

/// The elements tcpdump shows: the first SSID, the first non-empty rate set, the DS
/// channel; `whole` is false when an element runs past the frame.
struct Elements<'a> {
    ssid: Option<&'a [u8]>,
    rates: Option<&'a [u8]>,
    channel: Option<u8>,
    whole: bool,
}

impl<'a> Elements<'a> {
    fn parse(body: Bytes<'a>, mut at: usize, mut length: usize) -> Elements<'a> {
        let mut e = Elements { ssid: None, rates: None, channel: None, whole: true };
        while length != 0 {
            let (Ok(id), Ok(len)) = (body.u8(at), body.u8(at + 1)) else {
                e.whole = false;
                return e;
            };
            let len = usize::from(len);
            let Ok(value) = body.slice(at + 2, len) else {
                e.whole = false;
                return e;
            };
            if length < len + 2 {
                e.whole = false;
                return e;
            }
            match id {
                // tcpdump keeps at most 32 bytes of SSID and 15 rates, as the standard.
                0 if len > 32 => return e,
                0 if e.ssid.is_none() => e.ssid = Some(value),
                1 if len > 15 => return e,
                1 if e.rates.is_none() && len != 0 => e.rates = Some(value),
                3 if len == 1 && e.channel.is_none() => e.channel = Some(value[0]),
                _ => {}
            }
            at += 2 + len;
            length -= 2 + len;
        }
        e
    }

    /// ` (name)`, printable characters as they are and others as tcpdump escapes them.
    fn ssid(&self, out: &mut Vec<u8>) {
        let Some(ssid) = self.ssid else { return };
        out.extend_from_slice(b" (");
        for &c in ssid.iter().take_while(|&&c| c != 0) {
            super::domain::push_char(out, c);
        }
        out.push(b')');
    }

    /// ` [1.0* 2.0* … Mbit]`: each rate in Mb/s, `*` for a basic rate.
    fn rates(&self, out: &mut Vec<u8>) {
        let Some(rates) = self.rates else { return };
        for (i, &r) in rates.iter().enumerate() {
            let sep = if i == 0 { " [" } else { " " };
            let basic = if r & 0x80 != 0 { "*" } else { "" };
            let _ = write!(out, "{sep}{:.1}{basic}", 0.5 * f64::from(r & 0x7f));
        }
        out.extend_from_slice(b" Mbit]");
    }
}

/// A reason code's meaning (802.11-2020 Table 9-49), as tcpdump words it.
fn reason_text(code: u16) -> &'static str {
    const REASONS: [&str; 67] = [
        "Reserved",
        "Unspecified reason",
        "Previous authentication no longer valid",
        "Deauthenticated because sending STA is leaving (or has left) IBSS or ESS",
        "Disassociated due to inactivity",
        "Disassociated because AP is unable to handle all currently  associated STAs",
        "Class 2 frame received from nonauthenticated STA",
        "Class 3 frame received from nonassociated STA",
        "Disassociated because sending STA is leaving (or has left) BSS",
        "STA requesting (re)association is not authenticated with responding STA",
        "Disassociated because the information in the Power Capability element is unacceptable",
        "Disassociated because the information in the Supported Channels element is unacceptable",
        "Disassociated due to BSS transition management",
        "Invalid element, i.e., an element defined in this standard for which the content does not meet the specifications in Clause 9",
        "Message integrity code (MIC) failure",
        "4-Way Handshake timeout",
        "Group key handshake timeout",
        "Information element in 4-Way Handshake different from (Re)AssociationRequest/Probe Response/Beacon frame",
        "Invalid group cipher",
        "Invalid pairwise cipher",
        "Invalid AKMP",
        "Unsupported RSNE version",
        "Invalid RSNE capabilities",
        "IEEE 802.1X authentication failed",
        "Cipher suite rejected because of the security policy",
        "TDLS direct-link teardown due to TDLS peer STA unreachable via the TDLS direct link",
        "TDLS direct-link teardown for unspecified reason",
        "Disassociated because session terminated by SSP request",
        "Disassociated because of lack of SSP roaming agreement",
        "Requested service rejected because of SSP cipher suite or AKM requirement",
        "Requested service not authorized in this location",
        "TS deleted because QoS AP lacks sufficient bandwidth for this QoS STA due to a change in BSS service characteristics or operational mode (e.g. an HT BSS change from 40 MHz channel to 20 MHz channel)",
        "Disassociated for unspecified, QoS-related reason",
        "Disassociated because QoS AP lacks sufficient bandwidth for this QoS STA",
        "Disassociated because of excessive number of frames that need to be acknowledged, but are not acknowledged due to AP transmissions and/or poor channel conditions",
        "Disassociated because STA is transmitting outside the limits of its TXOPs",
        "Requested from peer STA as the STA is leaving the BSS (or resetting)",
        "Requested from peer STA as it does not want to use the mechanism",
        "Requested from peer STA as the STA received frames using the mechanism for which a set up is required",
        "Requested from peer STA due to time out",
        "Reserved",
        "Reserved",
        "Reserved",
        "Reserved",
        "Reserved",
        "Peer STA does not support the requested cipher suite",
        "In a DLS Teardown frame: The teardown was initiated by the DLS peer. In a Disassociation frame: Disassociated because authorized access limit reached",
        "In a DLS Teardown frame: The teardown was initiated by the AP. In a Disassociation frame: Disassociated due to external service requirements",
        "Invalid FT Action frame count",
        "Invalid pairwise master key identifier (PMKID)",
        "Invalid MDE",
        "Invalid FTE",
        "Mesh peering canceled for unknown reasons",
        "The mesh STA has reached the supported maximum number of peer mesh STAs",
        "The received information violates the Mesh Configuration policy configured in the mesh STA profile",
        "The mesh STA has received a Mesh Peering Close frame requesting to close the mesh peering",
        "The mesh STA has resent dot11MeshMaxRetries Mesh Peering Open frames, without receiving a Mesh Peering Confirm frame",
        "The confirmTimer for the mesh peering instance times out",
        "The mesh STA fails to unwrap the GTK or the values in the wrapped contents do not match",
        "The mesh STA receives inconsistent information about the mesh parameters between mesh peering Management frames",
        "The mesh STA fails the authenticated mesh peering exchange because due to failure in selecting either the pairwise ciphersuite or group ciphersuite",
        "The mesh STA does not have proxy information for this external destination",
        "The mesh STA does not have forwarding information for this destination",
        "The mesh STA determines that the link to the next hop of an active path in its forwarding information is no longer usable",
        "The Deauthentication frame was sent because the MAC address of the STA already exists in the mesh BSS",
        "The mesh STA performs channel switch to meet regulatory requirements",
        "The mesh STA performs channel switching with unspecified reason",
    ];
    REASONS.get(usize::from(code)).copied().unwrap_or("Reserved")
}

/// A status code's meaning (802.11-2020 Table 9-50), for the common ones.
fn status_text(code: u16) -> &'static str {
    match code {
        0 => "Successful",
        1 => "Unspecified failure",
        10 => "Cannot Support all requested capabilities in the Capability Information field",
        11 => "Reassociation denied due to inability to confirm that association exists",
        12 => "Association denied due to reason outside the scope of this standard",
        13 => "Responding STA does not support the specified authentication algorithm",
        15 => "Authentication rejected because of challenge failure",
        17 => "Association denied because AP is unable to handle additional associated STAs",
        _ => "n/a",
    }
}
