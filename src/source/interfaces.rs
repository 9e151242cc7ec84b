//! `-D`: the interfaces hark can capture on, one line each.

use std::fmt::Write;

/// One line per interface, in index order: `index.name [state] addresses`, as tcpdump's
/// `-D` shapes it, with the addresses added.
pub fn list() -> String {
    let mut interfaces = pnet_datalink::interfaces();
    interfaces.sort_by_key(|i| i.index);
    let mut out = String::new();
    for iface in &interfaces {
        let mut state = Vec::new();
        if iface.is_up() {
            state.push("Up");
        }
        if iface.is_running() {
            state.push("Running");
        }
        if iface.is_loopback() {
            state.push("Loopback");
        }
        if state.is_empty() {
            state.push("Down");
        }
        let _ = write!(out, "{}.{} [{}]", iface.index, iface.name, state.join(", "));
        for ip in &iface.ips {
            let _ = write!(out, " {ip}");
        }
        out.push('\n');
    }
    out
}
