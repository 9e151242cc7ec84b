//! What scripts produce besides verdicts (alerts and log lines), and what hark says about
//! the scripts themselves (reloads), passed to the outputs.

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
    /// A script reloaded, added or removed while hark ran: an EVE `hark` event.
    Hark(Notice),
    /// A packet a script sent.
    Sent(Sent),
}

/// A packet a script sent: its bytes and their link type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub script: std::sync::Arc<str>,
    pub link: crate::source::LinkType,
    pub data: Vec<u8>,
}

/// What happened to a script while hark ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// A new version of a running script took over, or failed to.
    Reload,
    /// A script new to its folder joined the chain, or failed to.
    Added,
    /// A script left its folder and the chain.
    Removed,
}

impl NoticeKind {
    /// The name the event carries (`"hark":{"event":…}`).
    pub fn name(self) -> &'static str {
        match self {
            NoticeKind::Reload => "reload",
            NoticeKind::Added => "added",
            NoticeKind::Removed => "removed",
        }
    }
}

/// A reload, addition or removal of a script.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub kind: NoticeKind,
    /// The script's file name.
    pub script: String,
    /// Why the new version was not taken (`file:line:col: message`); `None` when it was.
    pub error: Option<String>,
    /// The version running after the event (the one removed, for a removal), if any: its
    /// SHA-256 prefix and its `rev`.
    pub version: Option<(String, u32)>,
}

impl Notice {
    /// The one line hark prints on standard error for it.
    pub fn line(&self) -> String {
        let kind = self.kind.name();
        match (&self.error, &self.version) {
            (None, Some((sha, rev))) if self.kind == NoticeKind::Removed => {
                format!("hark: {kind}: {}: rev {rev} (sha256 {sha}) stopped", self.script)
            }
            (None, Some((sha, rev))) => {
                format!("hark: {kind}: {}: rev {rev} (sha256 {sha}) is live", self.script)
            }
            (None, None) => format!("hark: {kind}: {}", self.script),
            (Some(error), Some((_, rev))) => {
                format!("hark: {kind}: {error} (rev {rev} keeps running)")
            }
            (Some(error), None) => format!("hark: {kind}: {error} (not loaded)"),
        }
    }
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
