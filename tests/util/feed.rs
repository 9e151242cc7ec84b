//! A capture fed to `hark -r -` a part at a time, so that a test knows what hark has read
//! when it changes something (a script, a file, a server) and reads the events it writes.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use hark::sample::{ATTACKER, ATTACKER_MAC, SAMPLE_START, SERVER, SERVER_MAC, flags::SYN, frame};
use serde_json::Value;

/// How long a test waits for hark to say something before it fails.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A capture of `n` TCP SYNs to port 22, each from its own port, 1 ms apart, as the bytes
/// of a pcap file: the header, then one record per packet.
pub fn capture(n: u32) -> (Vec<u8>, Vec<Vec<u8>>) {
    let frames: Vec<_> = (0..n)
        .map(|i| {
            let sport = 1024 + (i % 60000) as u16;
            let data = hark::sample::tcp(
                (ATTACKER_MAC, SERVER_MAC),
                (ATTACKER, SERVER),
                (sport, 22),
                i,
                SYN,
                &[],
            );
            frame(SAMPLE_START + i64::from(i / 1000), (i % 1000) * 1000, data, None)
        })
        .collect();
    let (_dir, path) = super::temp_path("capture.pcap");
    super::write_pcap(&path, &frames);
    split_pcap(&std::fs::read(&path).unwrap())
}

/// A pcap file's header and records.
pub fn split_pcap(bytes: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut records = Vec::new();
    let mut at = 24;
    while at < bytes.len() {
        let caplen = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        records.push(bytes[at..at + 16 + caplen].to_vec());
        at += 16 + caplen;
    }
    (bytes[..24].to_vec(), records)
}

/// A `hark -r -` run whose standard input the test feeds and whose EVE output it reads.
pub struct Live {
    pub child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Value>,
    /// Every event read so far.
    events: Vec<Value>,
    /// Standard error, read all along so that hark never waits on a full pipe.
    stderr: std::thread::JoinHandle<String>,
}

impl Live {
    pub fn start(args: &[&str], header: &[u8]) -> Live {
        let mut child = super::hark()
            .args(["-r", "-", "--json", "-q"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                let event = super::eve_lines(line.as_bytes()).pop().unwrap();
                if tx.send(event).is_err() {
                    return;
                }
            }
        });
        let mut stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
            text
        });
        let mut live = Live { stdin: child.stdin.take(), child, lines, events: Vec::new(), stderr };
        live.feed(&[header.to_vec()]);
        live
    }

    pub fn feed(&mut self, records: &[Vec<u8>]) {
        let stdin = self.stdin.as_mut().unwrap();
        for record in records {
            stdin.write_all(record).unwrap();
        }
        stdin.flush().unwrap();
    }

    /// Reads events until one satisfies `wanted`, and returns it.
    pub fn wait_for(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(event) => {
                    self.events.push(event.clone());
                    if wanted(&event) {
                        return event;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    let last = &self.events[self.events.len().saturating_sub(3)..];
                    panic!("hark did not report {what} in time; its last events: {last:?}")
                }
                Err(RecvTimeoutError::Disconnected) => panic!("hark ended before {what}"),
            }
        }
    }

    /// Waits for the `hark` event of kind `event` about `script`.
    pub fn notice(&mut self, event: &str, script: &str) -> Value {
        self.wait_for(&format!("{event} of {script}"), |e| {
            e["event_type"] == "hark"
                && e["hark"]["event"] == event
                && e["hark"]["script"] == script
        })["hark"]
            .clone()
    }

    /// Waits until alerts have been seen for `count` packets in all.
    pub fn alerts_up_to(&mut self, count: u64) {
        self.wait_for(&format!("the alert of packet {count}"), |e| {
            e["event_type"] == "alert" && e["pcap_cnt"] == count
        });
    }

    /// Ends the input and returns every event and standard error.
    pub fn finish(mut self) -> (Vec<Value>, String) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        let stderr = self.stderr.join().unwrap();
        assert!(status.success(), "hark failed: {stderr}");
        self.events.extend(self.lines.iter());
        (self.events, stderr)
    }
}
