//! The command line as users meet it: exit codes, one-line errors, -c, -w, -r -.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util;

fn sample() -> String {
    util::root().join("examples/sample.pcap").to_str().unwrap().to_string()
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The single `hark: ` line of a failed run.
fn error_line(out: &std::process::Output) -> String {
    let stderr = stderr_of(out);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one error line, got: {stderr}");
    assert!(lines[0].starts_with("hark: "), "error line shape: {}", lines[0]);
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
    lines[0].to_string()
}

#[test]
fn the_sample_is_what_the_generator_makes() {
    // The committed sample must be reproducible by `cargo run --example make_sample`.
    let (_dir, path) = util::temp_path("fresh.pcap");
    util::write_pcap(&path, &hark::sample::lab_conversation());
    assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(sample()).unwrap());
}

#[test]
fn reads_the_sample_and_counts() {
    let out = util::run(&["-r", &sample()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(stdout.lines().count(), 29);
    assert_eq!(stderr_of(&out), "29 packets captured\n");
    let first = stdout.lines().next().unwrap();
    assert_eq!(first, "10:00:00.000000 ARP, Request who-has 198.18.0.1 tell 198.18.0.7, length 28");
    assert!(stdout.contains(" [|tcp]\n"), "the cut packet is marked: {stdout}");
    // tcpdump's -nn, as typed, prints the same.
    for flags in [&["-nn"][..], &["-n", "-n"], &["-n"]] {
        let mut args = flags.to_vec();
        let path = sample();
        args.extend(["-r", &path]);
        let again = util::run(&args);
        assert_eq!(again.status.code(), Some(0), "{flags:?}: {}", stderr_of(&again));
        assert_eq!(again.stdout, out.stdout, "{flags:?}");
    }
}

#[test]
fn count_stops_early() {
    let out = util::run(&["-r", &sample(), "-c", "3", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let events = util::eve_lines(&out.stdout);
    assert_eq!(events.len(), 4);
    assert_eq!(events[2]["pcap_cnt"], 3);
    assert_eq!(events[3]["stats"]["packets"], 3);
    assert_eq!(stderr_of(&out), "3 packets captured\n");
}

#[test]
fn quiet_prints_no_packets() {
    let out = util::run(&["-r", &sample(), "-q"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let out = util::run(&["-r", &sample(), "-q", "--json"]);
    let events = util::eve_lines(&out.stdout);
    assert_eq!(events.len(), 1, "only the stats event");
    assert_eq!(events[0]["event_type"], "stats");
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    for args in [
        vec!["--no-such-flag"],
        vec!["-r", "x.pcap", "-c", "zero"],
        vec!["-r", "x.pcap", "-c", "0"],
        vec!["-r", "x.pcap", "--json", "-X"],
        vec!["-r", "x.pcap", "--snaplen", "999999"],
        vec!["-r", "x.pcap", "-w", "-", "--json"],
        vec![],
    ] {
        let out = util::run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
        error_line(&out);
    }
    let line = error_line(&util::run(&[]));
    assert!(line.contains("-r FILE"), "says what to do: {line}");
}

#[test]
fn missing_and_bad_files_exit_1_with_one_line() {
    let out = util::run(&["-r", "/nonexistent/x.pcap"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        error_line(&out),
        "hark: cannot open capture: /nonexistent/x.pcap: no such file (check the path)"
    );

    let (_dir, text) = util::temp_path("notes.txt");
    std::fs::write(&text, "these are not packets\n").unwrap();
    let out = util::run(&["-r", text.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(error_line(&out).contains("not a pcap or pcapng file (it starts with 74686573)"));

    let (_dir, empty) = util::temp_path("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    let out = util::run(&["-r", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(error_line(&out).contains("it is empty"));

    let dir = tempfile::tempdir().unwrap();
    let out = util::run(&["-r", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(error_line(&out).contains("is a directory"));
}

#[test]
fn a_file_cut_mid_record_prints_what_came_before() {
    let bytes = std::fs::read(sample()).unwrap();
    let (_dir, cut) = util::temp_path("cut.pcap");
    // 24-byte header + first record (16 + 42) + 10 bytes of the second.
    std::fs::write(&cut, &bytes[..24 + 58 + 10]).unwrap();
    let out = util::run(&["-r", cut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    let line = error_line(&out);
    assert!(line.contains("cut short") && line.contains("at byte 82"), "{line}");
}

#[test]
fn write_keeps_packets_byte_identical_for_tshark() {
    if !util::have_for("write_keeps_packets_byte_identical_for_tshark", "tshark") {
        return;
    }
    let (_dir, out_path) = util::temp_path("out.pcap");
    let out = util::run(&["-r", &sample(), "-q", "-w", out_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let hex = |path: &str| {
        let out = Command::new("tshark")
            .args([
                "-r",
                path,
                "-T",
                "fields",
                "-e",
                "frame.len",
                "-e",
                "frame.cap_len",
                "-e",
                "frame.time_epoch",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "tshark reads {path}");
        let fields = String::from_utf8(out.stdout).unwrap();
        let bytes = Command::new("tshark").args(["-r", path, "-x"]).output().unwrap().stdout;
        (fields, String::from_utf8(bytes).unwrap())
    };
    assert_eq!(hex(out_path.to_str().unwrap()), hex(&sample()));
}

#[test]
fn write_of_a_corpus_pcapng_reads_back_in_tcpdump() {
    let Some(corpus) = util::corpus_for("write_of_a_corpus_pcapng_reads_back_in_tcpdump") else {
        return;
    };
    if !util::have_for("write_of_a_corpus_pcapng_reads_back_in_tcpdump", "tcpdump") {
        return;
    }
    let input = corpus.join("pcap/OSPFv2_Capture_FINAL.pcapng");
    let (_dir, out_path) = util::temp_path("out.pcap");
    let out = util::run(&["-r", input.to_str().unwrap(), "-q", "-w", out_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let (ours, theirs) = (util::tcpdump_hex(&out_path), util::tcpdump_hex(&input));
    assert!(!ours.is_empty());
    assert_eq!(ours, theirs);
}

#[test]
fn snaplen_cuts_what_is_written() {
    let (_dir, out_path) = util::temp_path("short.pcap");
    let out =
        util::run(&["-r", &sample(), "-q", "--snaplen", "20", "-w", out_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let back = util::run(&["-r", out_path.to_str().unwrap(), "--json", "-q"]);
    let stats = &util::eve_lines(&back.stdout)[0]["stats"];
    assert_eq!(stats["packets"], 29);
    assert_eq!(stats["bytes"], 29 * 20);
    assert_eq!(stats["truncated"], 29);
}

/// What hark prints as EVE for a capture written to its standard input in small pieces,
/// as a pipe from a live capture delivers it.
fn eve_from_pipe(bytes: Vec<u8>) -> Vec<serde_json::Value> {
    let mut child = util::hark()
        .args(["-r", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for piece in bytes.chunks(1000) {
            stdin.write_all(piece).unwrap();
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0));
    comparable(util::eve_lines(&out.stdout))
}

/// EVE lines without the one figure two runs never share: the process's peak memory.
fn comparable(mut lines: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    for line in &mut lines {
        if let Some(stats) = line.get_mut("stats").and_then(|s| s.as_object_mut()) {
            stats.remove("peak_rss_bytes");
        }
    }
    lines
}

#[test]
fn reads_standard_input_from_a_pipe() {
    let from_pipe = eve_from_pipe(std::fs::read(sample()).unwrap());
    let from_file = comparable(util::eve_lines(&util::run(&["-r", &sample(), "--json"]).stdout));
    assert_eq!(from_pipe, from_file);
}

#[test]
fn reads_pcapng_from_standard_input() {
    let Some(corpus) = util::corpus_for("reads_pcapng_from_standard_input") else {
        return;
    };
    let path = corpus.join("pcap/of13_ericsson.pcapng");
    let from_pipe = eve_from_pipe(std::fs::read(&path).unwrap());
    let from_file =
        comparable(util::eve_lines(&util::run(&["-r", path.to_str().unwrap(), "--json"]).stdout));
    assert_eq!(from_pipe.len(), 175);
    assert_eq!(from_pipe, from_file);
}

#[test]
fn output_is_flushed_while_waiting_for_input() {
    // Feed one packet, then wait: its line must arrive before the pipe closes.
    let bytes = std::fs::read(sample()).unwrap();
    let mut child = util::hark()
        .args(["-r", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&bytes[..24 + 58]).unwrap();
    stdin.flush().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).unwrap_or(0) == 1 {
            line.push(byte[0]);
            if byte[0] == b'\n' {
                let _ = tx.send(String::from_utf8_lossy(&line).into_owned());
                line.clear();
            }
        }
    });
    let started = Instant::now();
    let first = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the first line arrives while stdin stays open");
    assert!(first.contains("ARP, Request"), "{first}");
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let corpus_or_sample = util::corpus()
        .map(|c| c.join("pcap/of13_ericsson.pcapng").to_str().unwrap().to_string())
        .unwrap_or_else(sample);
    let mut child = util::hark()
        .args(["-r", &corpus_or_sample])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte and hang up, as `| head -c1` would.
    let mut stdout = child.stdout.take().unwrap();
    let mut one = [0u8; 1];
    stdout.read_exact(&mut one).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = stderr_of(&out);
    assert!(!stderr.contains("hark: ") && !stderr.contains("panicked"), "{stderr}");
}

#[test]
fn line_flags_shape_the_output() {
    // -XX dumps the whole frame, -X what follows the link header, -A the text; -e and -v
    // shape the line: each exactly as tcpdump's.
    if !util::have_for("line_flags_shape_the_output", "tcpdump") {
        return;
    }
    let flag_sets: [&[&str]; 3] =
        [&["-c", "1", "-e", "-v", "-XX"], &["-c", "1", "-e", "-X"], &["-c", "8", "-A", "-v"]];
    let sample = sample();
    for flags in flag_sets {
        let mut args = vec!["-nn", "-r", sample.as_str()];
        args.extend_from_slice(flags);
        let ours = String::from_utf8(util::run(&args).stdout).unwrap();
        let theirs = Command::new("tcpdump").env("TZ", "UTC").args(&args).output().unwrap();
        util::assert_same_text(&String::from_utf8_lossy(&theirs.stdout), &ours);
        if flags.contains(&"-A") {
            assert!(ours.contains("GET /index.html HTTP/1.1\nHost: lab.example\n"), "{ours}");
        }
    }
}

#[test]
fn a_bad_filter_stops_before_any_packet() {
    let out = util::run(&["-r", &sample(), "tcp", "and", "port"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        error_line(&out),
        "hark: filter: 1:13: expected a port number or name after 'port', found the end of the expression"
    );
    let out = util::run(&["-r", &sample(), "gateway 198.18.0.1"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(error_line(&out), "hark: filter: 1:1: 'gateway' is not supported by hark");
    // A primitive this link type cannot have is refused before reading, too.
    let out = util::run(&["-r", &sample(), "inbound"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(error_line(&out).contains("need a link type that records direction"));
}

#[test]
fn filter_words_are_joined_and_count_matched_packets() {
    let out = util::run(&["-r", &sample(), "-c", "3", "tcp", "dst", "port", "22"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(text.lines().all(|l| l.contains(" > 198.18.0.1.22: ")), "{text}");
    // -c counts packets that pass; the line says how many were read to find them.
    assert_eq!(stderr_of(&out), "3 packets captured (19 read)\n");
}

#[test]
fn filter_from_a_file() {
    let (_dir, path) = util::temp_path("ssh.filter");
    std::fs::write(
        &path,
        "# SYNs to SSH\ntcp dst port 22   # the port\n  and tcp[tcpflags] & tcp-syn != 0\n",
    )
    .unwrap();
    let out = util::run(&["-r", &sample(), "-F", path.to_str().unwrap(), "-q", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    // 12 SYNs and one cut-short SYN whose flags were not captured (tcp[13] is past its end).
    assert_eq!(stderr_of(&out), "12 packets captured (29 read)\n");

    let out = util::run(&["-r", &sample(), "-F", path.to_str().unwrap(), "tcp"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(error_line(&out).contains("either after the flags or in -F FILE"));

    let out = util::run(&["-r", &sample(), "-F", "/nonexistent/filter"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        error_line(&out),
        "hark: filter: cannot read -F file: /nonexistent/filter: no such file"
    );

    std::fs::write(&path, "tcp\nand port x\n").unwrap();
    let out = util::run(&["-r", &sample(), "-F", path.to_str().unwrap()]);
    assert_eq!(
        error_line(&out),
        "hark: filter: 2:10: expected a port number or name after 'port', found 'x'"
    );
}

#[test]
fn live_capture_on_a_missing_interface_is_one_line() {
    let out = util::run(&["-i", "nosuch0"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        error_line(&out),
        "hark: cannot capture: nosuch0: no such interface (hark -D lists them)"
    );
}

#[test]
fn live_flags_without_an_interface_are_bad_usage() {
    let out = util::run(&["-r", &sample(), "-Q", "in"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(error_line(&out).contains("-Q applies to live capture"), "{}", error_line(&out));
    let out = util::run(&["-r", &sample(), "--inject"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn interfaces_are_listed_with_their_state_and_addresses() {
    let out = util::run_ok(&["-D"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let lo = text.lines().find(|l| l.contains(".lo [")).expect("lo is listed");
    assert!(lo.contains("Loopback") && lo.contains("127.0.0.1/8"), "{lo}");
    // The same interfaces as the kernel's own list, in index order.
    let mut names: Vec<String> = std::fs::read_dir("/sys/class/net")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    let mut listed: Vec<String> = text
        .lines()
        .map(|l| l.split_once('.').unwrap().1.split(' ').next().unwrap().to_string())
        .collect();
    listed.sort();
    assert_eq!(listed, names);
}

/// A capture whose records say a smaller original length than they hold (0, as fuzzed
/// files have), in pcap's little-endian layout.
fn records_shorter_than_they_hold(path: &std::path::Path) {
    let mut file = Vec::new();
    file.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    file.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    file.extend_from_slice(&65_535u32.to_le_bytes());
    file.extend_from_slice(&1u32.to_le_bytes());
    let frame = hark::sample::udp(
        (hark::sample::CLIENT_MAC, hark::sample::SERVER_MAC),
        (hark::sample::CLIENT, hark::sample::SERVER),
        (40_000, 9),
        b"discard",
    );
    for (secs, orig_len) in [(1_000u32, 0u32), (1_001, 20)] {
        file.extend_from_slice(&secs.to_le_bytes());
        file.extend_from_slice(&0u32.to_le_bytes());
        file.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        file.extend_from_slice(&orig_len.to_le_bytes());
        file.extend_from_slice(&frame);
    }
    std::fs::write(path, file).unwrap();
}

/// The original lengths of a little-endian pcap's records.
fn original_lengths(path: &std::path::Path) -> Vec<u32> {
    let bytes = std::fs::read(path).unwrap();
    let mut lengths = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let word = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
        lengths.push(word(at + 12));
        at += 16 + word(at + 8) as usize;
    }
    lengths
}

#[test]
fn w_keeps_a_records_original_length_below_its_captured_length() {
    let test = "w_keeps_a_records_original_length_below_its_captured_length";
    let (dir, input) = util::temp_path("short-origlen.pcap");
    records_shorter_than_they_hold(&input);
    let ours = dir.path().join("ours.pcap");
    let out = util::run(&["-q", "-r", input.to_str().unwrap(), "-w", ours.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(original_lengths(&ours), [0, 20]);
    assert_eq!(util::pcap_records(&ours), util::pcap_records(&input));
    // tcpdump writes what it read the same way.
    if util::have_for(test, "tcpdump") {
        let theirs = dir.path().join("theirs.pcap");
        let status = Command::new("tcpdump")
            .arg("-r")
            .arg(&input)
            .arg("-w")
            .arg(&theirs)
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(original_lengths(&theirs), original_lengths(&ours));
    }
}

#[test]
fn an_ipv6_packet_in_an_ipv4_link_type_file_decodes_as_ipv6() {
    let test = "an_ipv6_packet_in_an_ipv4_link_type_file_decodes_as_ipv6";
    // LINKTYPE_IPV4 (228) holding an IPv6 packet: its version nibble says what it is.
    let ethernet = hark::sample::icmp6_echo(
        (hark::sample::CLIENT_MAC, hark::sample::SERVER_MAC),
        (
            "2001:db8::7".parse::<std::net::Ipv6Addr>().unwrap().octets(),
            "2001:db8::1".parse::<std::net::Ipv6Addr>().unwrap().octets(),
        ),
        7,
        1,
    );
    let packet = &ethernet[14..];
    let mut file = Vec::new();
    file.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    file.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    file.extend_from_slice(&65_535u32.to_le_bytes());
    file.extend_from_slice(&228u32.to_le_bytes());
    for word in [1_000u32, 0, packet.len() as u32, packet.len() as u32] {
        file.extend_from_slice(&word.to_le_bytes());
    }
    file.extend_from_slice(packet);
    let (_dir, path) = util::temp_path("ipv6-in-ipv4-link.pcap");
    std::fs::write(&path, file).unwrap();
    let out = util::run(&["-r", path.to_str().unwrap(), "--json"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(r#""src_ip":"2001:db8::7""#), "{text}");
    assert!(text.contains(r#""proto":"IPv6-ICMP""#), "{text}");
    if util::have_for(test, "tshark") {
        let theirs = Command::new("tshark")
            .args([
                "-r",
                path.to_str().unwrap(),
                "-T",
                "fields",
                "-e",
                "ipv6.src",
                "-e",
                "icmpv6.type",
            ])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&theirs.stdout).trim(), "2001:db8::7\t128");
    }
}
