//! Counters kept while packets flow, reported at the end.

/// What the pipeline counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Packets read from the source.
    pub packets: u64,
    /// Bytes captured (not original lengths).
    pub bytes: u64,
    /// Packets the capture lost (always 0 for files).
    pub dropped: u64,
    /// Packets cut short by the capture.
    pub truncated: u64,
    /// Alerts raised.
    pub alerts: u64,
    /// Per script, in chain order.
    pub scripts: Vec<ScriptCounts>,
    /// A live capture's kernel counters: packets its filter accepted, and those it dropped.
    pub kernel: Option<(u64, u64)>,
    /// The most memory hark held at once, in bytes (the kernel's high-water mark).
    pub peak_rss: Option<u64>,
    /// With `--inject`: packets put on the wire, and sends that failed.
    pub injected: Option<(u64, u64)>,
    /// With `--alerts` to a socket or Redis: alerts sent, and dropped.
    pub alerts_out: Option<super::remote::RemoteCounts>,
}

/// What one script did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScriptCounts {
    pub script: String,
    pub calls: u64,
    pub errors: u64,
    pub alerts: u64,
    pub evictions: u64,
    pub time_us: u64,
    /// New versions that took over while hark ran, and saves that did not compile.
    pub reloads: u64,
    pub reload_errors: u64,
    /// Packets it sent past `--send-rate`, dropped.
    pub sends_dropped: u64,
    /// The most it held in memory after a call; whether it went past its budget and was
    /// stopped, and the calls refused since.
    pub memory_bytes: u64,
    pub over_budget: bool,
    pub refused: u64,
}

/// The most resident memory this process has held, from the kernel's `VmHWM`.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 =
        line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}
