//! Helpers shared by the integration tests: run the real `hark`, find the shared corpus,
//! check JSON lines against their schemas, skip honestly.

#![allow(dead_code)]

pub mod feed;
pub mod lab;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The built `hark` binary.
pub fn hark() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hark"));
    cmd.env("TZ", "UTC").stdin(Stdio::null());
    cmd
}

/// Runs `hark` with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    hark().args(args).output().expect("hark runs")
}

/// Runs `hark` with `args` and returns its output, which must be a success (exit 0).
pub fn run_ok(args: &[&str]) -> Output {
    let out = run(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "hark {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Says why a test cannot run here. Under CI (`CI=true`) that is a failure, not a skip.
pub fn skip(test: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{test}: cannot run under CI: {why}");
    }
    eprintln!("SKIPPED {test}: {why}");
}

/// The shared third-party corpus, if it is beside the repository.
pub fn corpus() -> Option<PathBuf> {
    let dir = root().join("../shared/corpus");
    dir.join("pcap").is_dir().then_some(dir)
}

/// The corpus's capture files, sorted by name.
pub fn corpus_files(corpus: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(corpus.join("pcap")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

/// The corpus, or `None` once it is said that `test` is skipped without it.
pub fn corpus_for(test: &str) -> Option<PathBuf> {
    let found = corpus();
    if found.is_none() {
        skip(test, "../shared/corpus is not beside the repository");
    }
    found
}

/// Whether `program` is installed; if not, says that `test` is skipped without it.
pub fn have_for(test: &str, program: &str) -> bool {
    let found = have(program);
    if !found {
        skip(test, &format!("{program} is not installed"));
    }
    found
}

/// The captures `tests/captures/link_types.py` writes into `dir` (802.11 with and without
/// radiotap, Cisco HDLC, Frame Relay, SLIP, IP over InfiniBand); `None` once it is said
/// that `test` is skipped without Scapy.
pub fn link_type_captures(test: &str, dir: &Path) -> Option<Vec<PathBuf>> {
    let scapy = Command::new("python3").args(["-c", "import scapy"]).output();
    if !scapy.is_ok_and(|o| o.status.success()) {
        skip(test, "python3 with scapy is not installed (pip install scapy)");
        return None;
    }
    let script = root().join("tests/captures/link_types.py");
    let made = Command::new("python3").arg(script).arg(dir).output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let names = ["radiotap", "wlan", "chdlc", "frelay", "slip", "ipoib"];
    Some(names.iter().map(|n| dir.join(format!("{n}.pcap"))).collect())
}

/// Whether the tests run as root; if not, says that `test` is skipped, for `why`.
pub fn root_for(test: &str, why: &str) -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self is owned by the process's effective user.
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if !root {
        skip(test, why);
    }
    root
}

/// Whether an external program is on the PATH.
pub fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn hark_schema() -> &'static jsonschema::Validator {
    static SCHEMA: OnceLock<jsonschema::Validator> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let text = std::fs::read_to_string(root().join("tests/schema/hark-events.json")).unwrap();
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        jsonschema::options().should_validate_formats(true).build(&schema).unwrap()
    })
}

/// Suricata's own EVE schema, which hark's alerts must satisfy unchanged.
fn suricata_schema() -> Option<&'static jsonschema::Validator> {
    static SCHEMA: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let text =
                std::fs::read_to_string(root().join("../shared/eve/suricata-schema.json")).ok()?;
            let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
            Some(jsonschema::options().should_validate_formats(true).build(&schema).unwrap())
        })
        .as_ref()
}

/// Parses EVE lines and checks each against its schema (Suricata's for alerts, hark's for
/// the rest); panics naming the bad line.
pub fn eve_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    let text = std::str::from_utf8(stdout).expect("EVE output is UTF-8");
    text.lines()
        .map(|line| {
            let value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            let schema = if value["event_type"] == "alert" {
                match suricata_schema() {
                    Some(schema) => schema,
                    None => {
                        skip(
                            "alert schema check",
                            "../shared/eve/suricata-schema.json is not beside the repository",
                        );
                        return value;
                    }
                }
            } else {
                hark_schema()
            };
            let errors: Vec<String> = schema.iter_errors(&value).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "schema violations {errors:?} in {line}");
            value
        })
        .collect()
}

/// Compares two texts and panics with both, one above the other, when they differ.
pub fn assert_same_text(expected: &str, actual: &str) {
    if expected != actual {
        panic!("\n--- expected\n{expected}\n--- actual\n{actual}\n");
    }
}

/// A path inside a fresh temporary folder that lives as long as the returned guard.
pub fn temp_path(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    (dir, path)
}

/// Writes frames as a pcap at `path` with hark's own writer.
pub fn write_pcap(path: &Path, frames: &[hark::source::OwnedFrame]) {
    let link = frames.first().map_or(hark::source::LinkType::ETHERNET, |f| f.link);
    let mut w = hark::output::pcap_writer::PcapWriter::create(path, link, None, false).unwrap();
    for f in frames {
        w.write(&f.as_frame()).unwrap();
    }
    w.flush().unwrap();
}

/// The packets' bytes in a little-endian pcap file, record by record.
pub fn pcap_records(path: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let caplen = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        out.push(bytes[at + 16..at + 16 + caplen].to_vec());
        at += 16 + caplen;
    }
    out
}

/// What `TZ=UTC tcpdump -nn -xx -r` prints for `capture`: every packet's line and bytes.
/// tcpdump must read the file cleanly.
pub fn tcpdump_hex(capture: &Path) -> String {
    let out = Command::new("tcpdump")
        .env("TZ", "UTC")
        .args(["-nn", "-xx", "-r"])
        .arg(capture)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tcpdump reads {}: {stderr}", capture.display());
    String::from_utf8(out.stdout).unwrap()
}

/// tshark's fields of every packet of `capture`, one `|`-separated line each (several
/// values of one field joined by `,`), with the IP, TCP and UDP checksums checked (tshark
/// always checks ICMP's and ICMPv6's).
pub fn tshark_fields(capture: &Path, fields: &[&str]) -> String {
    let mut args: Vec<String> = vec!["-r".into(), capture.to_str().unwrap().into()];
    for pref in ["ip.check_checksum:TRUE", "tcp.check_checksum:TRUE", "udp.check_checksum:TRUE"] {
        args.extend(["-o".to_string(), pref.to_string()]);
    }
    args.extend(["-T", "fields", "-E", "separator=|", "-E", "aggregator=,"].map(String::from));
    for field in fields {
        args.extend(["-e".to_string(), field.to_string()]);
    }
    let out = Command::new("tshark").args(&args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
