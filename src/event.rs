//! What scripts produce besides verdicts: alerts and log lines, passed to the outputs.

use serde_json::{Map, Value};

/// An alert raised by a script, in the terms of Suricata's EVE `alert` object.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub signature: String,
    /// Stable across runs: derived from the script's file name and the signature.
    pub signature_id: u32,
    /// The script's version: 1 at start, one more on every reload that compiles.
    pub rev: u32,
    pub severity: i64,
    pub category: String,
    /// The script's own keys.
    pub metadata: Map<String, Value>,
    /// The script's file name.
    pub script: String,
    /// The first 12 hex digits of the script's SHA-256.
    pub script_sha256: String,
}

/// Something a script said.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Alert(Alert),
    /// A `log()`, `print()` or `debug()` line, tagged with the script's file name.
    Log {
        script: String,
        text: String,
    },
}

/// The stable 32-bit id of a signature: FNV-1a over the script's file name, a NUL, and the
/// signature. A SIEM can key on it across runs and machines; no crate is needed for five
/// lines of arithmetic.
pub fn signature_id(script: &str, signature: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in script.bytes().chain(std::iter::once(0)).chain(signature.bytes()) {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_ids_are_stable_and_distinct() {
        // FNV-1a test vector: "a" hashes to 0xe40c292c.
        let mut h: u32 = 0x811c_9dc5;
        h ^= u32::from(b'a');
        h = h.wrapping_mul(0x0100_0193);
        assert_eq!(h, 0xe40c_292c);
        assert_eq!(
            signature_id("ssh.rhai", "SSH brute force"),
            signature_id("ssh.rhai", "SSH brute force")
        );
        assert_ne!(
            signature_id("ssh.rhai", "SSH brute force"),
            signature_id("scan.rhai", "SSH brute force")
        );
        assert_ne!(signature_id("ab", "c"), signature_id("a", "bc"));
    }
}
