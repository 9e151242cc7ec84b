//! tcpdump's flags as tcpdump means them, held to tcpdump run here on the same captures:
//! the time forms of `-t`…`-ttttt` and `--time-stamp-precision`, `-#`, the dumps of `-x`,
//! `-xx`, `-X`, `-XX`, combined short flags, and `-w`'s precision.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use hark::sample::{ATTACKER, ATTACKER_MAC, SERVER, SERVER_MAC, frame};

use crate::util::{corpus_files, corpus_for, hark, have_for, pcap_records, temp_path, write_pcap};

fn tcpdump(args: &[&str], capture: &Path, tz: &str) -> Vec<String> {
    let out = Command::new("tcpdump")
        .env("TZ", tz)
        .args(["-nn", "-r"])
        .arg(capture)
        .args(args)
        .output()
        .expect("tcpdump runs");
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

fn hark_lines(args: &[&str], capture: &Path, tz: &str) -> Vec<String> {
    let out = hark().env("TZ", tz).arg("-nn").arg("-r").arg(capture).args(args).output();
    let out = out.expect("hark runs");
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

/// What `args` put in front of each line: the line less the same line with no time (`-t`).
fn prefixes(lines: &[String], untimed: &[String]) -> Option<Vec<String>> {
    (lines.len() == untimed.len()).then(|| {
        lines
            .iter()
            .zip(untimed)
            .map(|(line, rest)| line.strip_suffix(rest.as_str()).unwrap_or(line).to_string())
            .collect()
    })
}

/// A capture whose times go forwards by more than a day, backwards, and past 2038 (which
/// libpcap reads as before 1970), with fractions near both ends of a second.
fn odd_times(dir: &Path) -> PathBuf {
    let path = dir.join("odd-times.pcap");
    let times = [
        (1_000, 5),
        (101_000, 7),
        (1_050, 999_999),
        (5, 0),
        (2_200_000_000, 1),
        (1_700_000_000, 500_000),
    ];
    let frames: Vec<_> = times
        .iter()
        .map(|&(secs, micros)| {
            let data = hark::sample::udp(
                (ATTACKER_MAC, SERVER_MAC),
                (ATTACKER, SERVER),
                (40_000, 53),
                b"time",
            );
            frame(secs, micros, data, None)
        })
        .collect();
    write_pcap(&path, &frames);
    path
}

/// Captures on which hark chose not to copy tcpdump, with the reason; each must still
/// differ (a difference that stops occurring fails, so the list stays true).
fn expect_differences(test: &str, differing: BTreeMap<String, String>, known: &[(&str, &str)]) {
    let known: BTreeMap<String, String> =
        known.iter().map(|(file, why)| (file.to_string(), why.to_string())).collect();
    let unexplained: Vec<_> = differing.iter().filter(|(f, _)| !known.contains_key(*f)).collect();
    assert!(unexplained.is_empty(), "{test}: differs from tcpdump: {unexplained:#?}");
    let gone: Vec<_> = known.keys().filter(|f| !differing.contains_key(*f)).collect();
    assert!(gone.is_empty(), "{test}: no longer differs, take off the list: {gone:?}");
}

/// Runs tcpdump and hark with each flag set on each file and compares the `part` of their
/// output: how many of hark's parts were compared, and the first difference of each file.
fn compare_parts(
    files: &[PathBuf],
    flag_sets: &[&[&str]],
    part: impl Fn(Vec<String>) -> Vec<String>,
) -> (usize, BTreeMap<String, String>) {
    let mut compared = 0;
    let mut differing = BTreeMap::new();
    for file in files {
        for flags in flag_sets {
            let theirs = part(tcpdump(flags, file, "UTC"));
            let ours = part(hark_lines(flags, file, "UTC"));
            if ours != theirs {
                let first = ours.iter().zip(&theirs).find(|(a, b)| a != b);
                let counts = (ours.len(), theirs.len());
                differing.insert(name(file), format!("{flags:?}: lines {counts:?}, {first:?}"));
            }
            compared += ours.len();
        }
    }
    (compared, differing)
}

fn name(file: &Path) -> String {
    file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn captures(test: &str, dir: &Path) -> Option<Vec<PathBuf>> {
    if !have_for(test, "tcpdump") {
        return None;
    }
    let corpus = corpus_for(test)?;
    let mut files = corpus_files(&corpus);
    files.push(odd_times(dir));
    Some(files)
}

#[test]
fn time_forms_and_numbers_read_as_tcpdumps() {
    let (dir, _) = temp_path("times");
    let Some(files) = captures("time_forms_and_numbers_read_as_tcpdumps", dir.path()) else {
        return;
    };
    let forms: &[&[&str]] = &[
        &[],
        &["-tt"],
        &["-ttt"],
        &["-tttt"],
        &["-ttttt"],
        &["--time-stamp-precision=nano"],
        &["-tt", "--time-stamp-precision=nano"],
        &["-ttt", "--time-stamp-precision=nano"],
        &["-#"],
        &["-#", "-tttt"],
    ];
    let mut compared = 0;
    let mut differing = BTreeMap::new();
    for file in &files {
        for tz in ["UTC", "America/New_York"] {
            let (theirs_untimed, ours_untimed) =
                (tcpdump(&["-t"], file, tz), hark_lines(&["-t"], file, tz));
            for form in forms {
                let theirs = prefixes(&tcpdump(form, file, tz), &theirs_untimed);
                let ours = prefixes(&hark_lines(form, file, tz), &ours_untimed);
                let (Some(theirs), Some(ours)) = (theirs, ours) else {
                    panic!("{}: {form:?}: a line each with and without the time", file.display())
                };
                // tcpdump prints some protocols on several lines; only the packet lines
                // carry a time, and those are what both print one of a packet.
                if theirs.len() != ours.len() {
                    continue;
                }
                if ours != theirs {
                    let first = ours.iter().zip(&theirs).find(|(a, b)| a != b);
                    differing.insert(name(file), format!("{form:?} TZ={tz}: {first:?}"));
                }
                compared += ours.len();
            }
        }
    }
    assert!(compared > 5_000, "only {compared} lines compared");
    expect_differences(
        "time forms",
        differing,
        &[(
            "timestamp_invalid_nano.pcap",
            "a fraction field of a second or more: tcpdump prints the field as it is \
             (`10.1000000`), hark carries it into the seconds, as Wireshark does",
        )],
    );
}

#[test]
fn dumps_read_as_tcpdumps() {
    let (dir, _) = temp_path("dumps");
    let Some(files) = captures("dumps_read_as_tcpdumps", dir.path()) else { return };
    let dump_lines = |lines: Vec<String>| -> Vec<String> {
        lines.into_iter().filter(|l| l.starts_with("\t0x")).collect()
    };
    let flag_sets = [&["-x"][..], &["-xx"], &["-X"], &["-XX"], &["-e", "-X"], &["-xX"], &["-xA"]];
    let (compared, differing) = compare_parts(&files, &flag_sets, dump_lines);
    assert!(compared > 10_000, "only {compared} dump lines compared");
    expect_differences(
        "dumps",
        differing,
        &[
            (
                "bootp_asan.pcap",
                "the record holds 90 bytes where the file's snap length is 53: libpcap cuts \
                 the record to 53, hark reads all 90, as Wireshark does",
            ),
            (
                "bug-6875-01__fuzz.pcap",
                "the records read in the patched 24-byte layout, as Wireshark reads them; \
                 libpcap takes the standard layout and so other bytes",
            ),
        ],
    );
}

#[test]
fn combined_short_flags_parse_as_tcpdumps() {
    let (dir, _) = temp_path("combined");
    let Some(files) = captures("combined_short_flags_parse_as_tcpdumps", dir.path()) else {
        return;
    };
    let file = files.iter().find(|f| f.ends_with("dns_udp.pcap")).expect("dns_udp.pcap");
    for (combined, apart) in [
        ("-nnvvS", &["-n", "-n", "-v", "-v", "-S"][..]),
        ("-nnXX", &["-n", "-n", "-X", "-X"]),
        ("-nnttt#", &["-n", "-n", "-t", "-t", "-t", "-#"]),
    ] {
        let together = hark().args([combined, "-r"]).arg(file).output().expect("hark runs");
        assert_eq!(together.status.code(), Some(0), "{combined}");
        let separate = hark().args(apart).arg("-r").arg(file).output().expect("hark runs");
        assert_eq!(together.stdout, separate.stdout, "{combined} reads as {apart:?}");
        // tcpdump takes the same spelling.
        let theirs = Command::new("tcpdump").args([combined, "-r"]).arg(file).output();
        assert_eq!(theirs.expect("tcpdump runs").status.code(), Some(0), "tcpdump {combined}");
    }
    let theirs = tcpdump(&["-XX"], file, "UTC");
    let ours = hark_lines(&["-XX"], file, "UTC");
    let dumps =
        |l: &[String]| l.iter().filter(|l| l.starts_with('\t')).cloned().collect::<Vec<_>>();
    assert_eq!(dumps(&ours), dumps(&theirs), "-nnXX");
}

#[test]
fn the_written_files_precision_follows_the_flag_as_tcpdumps() {
    let (dir, _) = temp_path("precision");
    let Some(files) =
        captures("the_written_files_precision_follows_the_flag_as_tcpdumps", dir.path())
    else {
        return;
    };
    let nano = files.iter().find(|f| f.ends_with("tcp-handshake-nano.pcap")).expect("nano file");
    let micro = files.iter().find(|f| f.ends_with("dns_udp.pcap")).expect("micro file");
    for (input, precision, magic) in
        [(nano, "micro", [0xd4, 0xc3, 0xb2, 0xa1]), (micro, "nano", [0x4d, 0x3c, 0xb2, 0xa1])]
    {
        let flag = format!("--time-stamp-precision={precision}");
        let (theirs, ours) = (dir.path().join("theirs.pcap"), dir.path().join("ours.pcap"));
        let status = Command::new("tcpdump")
            .args(["-r"])
            .arg(input)
            .args([flag.as_str(), "-w"])
            .arg(&theirs)
            .output()
            .expect("tcpdump runs")
            .status;
        assert!(status.success());
        let out = hark().args(["-q", flag.as_str(), "-r"]).arg(input).arg("-w").arg(&ours).output();
        assert_eq!(out.expect("hark runs").status.code(), Some(0));
        let head = std::fs::read(&ours).expect("written");
        assert_eq!(head[..4], magic, "{precision}");
        assert_eq!(
            pcap_records(&ours),
            pcap_records(&theirs),
            "{} as {precision}",
            input.display()
        );
    }
}

#[test]
fn help_puts_tcpdumps_flags_apart_from_harks() {
    let out = hark().arg("--help").output().expect("hark runs");
    let help = String::from_utf8_lossy(&out.stdout);
    let tcpdump_part = help.split("tcpdump's flags").nth(1).expect("a tcpdump heading");
    let (tcpdump_part, own_part) =
        tcpdump_part.split_once("hark's own").expect("a heading of hark's own");
    for flag in [
        "-x",
        "-X",
        "-A",
        "-t",
        "-#",
        "-S",
        "-U",
        "-K",
        "-v",
        "-n",
        "-e",
        "--time-stamp-precision",
        "-q",
    ] {
        assert!(tcpdump_part.contains(&format!("  {flag}")), "{flag} under tcpdump's flags");
    }
    for flag in ["--json", "--alerts", "--replies", "--inject"] {
        assert!(own_part.contains(flag), "{flag} under hark's own");
    }
    assert!(tcpdump_part.contains("tcpdump's -q prints shorter ones"), "-q says how it differs");
}

#[test]
fn tcp_sequence_numbers_read_as_tcpdumps_with_and_without_s() {
    let (dir, _) = temp_path("seqs");
    let Some(mut files) =
        captures("tcp_sequence_numbers_read_as_tcpdumps_with_and_without_s", dir.path())
    else {
        return;
    };
    // hark's own lab conversation, and the benchmarks' mix where it has been made.
    let lab = dir.path().join("lab.pcap");
    write_pcap(&lab, &hark::sample::lab_conversation());
    files.push(lab);
    let mix = crate::util::root().join("bench-data/mix-100000.pcap");
    if mix.exists() {
        files.push(mix);
    }
    // From the flags to the window: the flags, the sequence range and the ack.
    let seq_parts = |lines: Vec<String>| -> Vec<String> {
        lines
            .iter()
            .filter_map(|l| {
                let from = l.find("Flags [")?;
                let to = l[from..].find(", win ")? + from;
                Some(l[from..to].to_string())
            })
            .collect()
    };
    let (compared, differing) = compare_parts(&files, &[&[], &["-S"]], seq_parts);
    // The corpus alone has 392 TCP lines.
    assert!(compared > 784, "only {compared} TCP lines compared");
    expect_differences(
        "TCP sequence numbers",
        differing,
        &[(
            "accecn_handshake.pcap",
            "hark names AccECN's AE flag `e` (RFC 9768); this tcpdump prints nothing for it",
        )],
    );
}
