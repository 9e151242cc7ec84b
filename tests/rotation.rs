//! `-w` split with `-C`, `-G` and `-W`: the names tcpdump gives for the same flags (tcpdump
//! run here), every file read by tshark, nothing lost, repeated or split; and pcapng
//! written with an interface for each input interface.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use hark::sample::{ATTACKER, ATTACKER_MAC, SAMPLE_START, SERVER, SERVER_MAC, frame};
use hark::source::OwnedFrame;

use crate::util::{have_for, pcap_records, run, run_ok, tcpdump_hex, write_pcap};

/// UDP packets of 60 to 1460 bytes, `every_ms` apart from `start`.
fn frames(n: u32, start: i64, every_ms: u32) -> Vec<OwnedFrame> {
    (0..n)
        .map(|i| {
            let payload = vec![i as u8; 18 + (i as usize * 37) % 1400];
            let data = hark::sample::udp(
                (ATTACKER_MAC, SERVER_MAC),
                (ATTACKER, SERVER),
                (10_000 + (i % 500) as u16, 53),
                &payload,
            );
            let ms = u64::from(i) * u64::from(every_ms);
            frame(start + (ms / 1000) as i64, (ms % 1000) as u32 * 1000, data, None)
        })
        .collect()
}

/// `frames(n, start, every_ms)` written as `dir/in.pcap`.
fn generated(dir: &Path, n: u32, start: i64, every_ms: u32) -> PathBuf {
    let input = dir.join("in.pcap");
    write_pcap(&input, &frames(n, start, every_ms));
    input
}

/// The files in `dir` whose names start with `prefix`, sorted by name.
fn files(dir: &Path, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

/// Runs tcpdump with `args`, writing as the user the test runs as.
fn tcpdump(args: &[&str]) {
    let mut cmd = Command::new("tcpdump");
    // As root, tcpdump writes as its own user unless told otherwise.
    if std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0) {
        cmd.args(["-Z", "root"]);
    }
    let out = cmd.args(args).output().unwrap();
    assert!(out.status.success(), "tcpdump {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The number of packets tshark reads from `path`, which must read cleanly.
fn tshark_count(path: &Path) -> usize {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-T", "fields", "-e", "frame.number"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // tshark run as root says so; anything else is about the file.
    let complaints: Vec<&str> =
        stderr.lines().filter(|l| !l.starts_with("Running as user")).collect();
    assert!(out.status.success() && complaints.is_empty(), "tshark {}: {stderr}", path.display());
    out.stdout.iter().filter(|&&b| b == b'\n').count()
}

/// Each packet's capture time in `path`, as tshark reads it, in whole seconds.
fn tshark_seconds(path: &Path) -> Vec<i64> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-T", "fields", "-e", "frame.time_epoch"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('.').next().unwrap().parse().unwrap())
        .collect()
}

fn paths(dir: &Path, names: &[String]) -> Vec<PathBuf> {
    names.iter().map(|n| dir.join(n)).collect()
}

#[test]
fn size_rotation_gives_tcpdumps_files() {
    let test = "size_rotation_gives_tcpdumps_files";
    if !have_for(test, "tcpdump") || !have_for(test, "tshark") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = generated(dir.path(), 4000, SAMPLE_START, 1);
    let records = pcap_records(&input);
    let (hark_w, tcpdump_w) = (dir.path().join("h.pcap"), dir.path().join("t.pcap"));

    for flags in [&["-C", "1"][..], &["-C", "1", "-W", "2"], &["-C", "1", "-W", "12"]] {
        for name in files(dir.path(), "h.pcap").iter().chain(&files(dir.path(), "t.pcap")) {
            std::fs::remove_file(dir.path().join(name)).unwrap();
        }
        let input_s = input.to_str().unwrap();
        run_ok(&[&["-r", input_s, "-q", "-w", hark_w.to_str().unwrap()][..], flags].concat());
        tcpdump(&[&["-r", input_s, "-w", tcpdump_w.to_str().unwrap()][..], flags].concat());
        let ours = files(dir.path(), "h.pcap");
        let theirs = files(dir.path(), "t.pcap");
        let renamed: Vec<String> = theirs.iter().map(|n| n.replacen('t', "h", 1)).collect();
        assert_eq!(ours, renamed, "{flags:?}: the names tcpdump gives");
        for (h, t) in paths(dir.path(), &ours).iter().zip(paths(dir.path(), &theirs)) {
            assert_eq!(
                pcap_records(h),
                pcap_records(&t),
                "{flags:?}: {} as tcpdump's",
                h.display()
            );
            assert_eq!(tshark_count(h), pcap_records(h).len());
        }
        if flags.len() == 2 || flags[3] == "12" {
            // Nothing overwritten: in file order, the files hold the input, each packet once.
            let mut ordered = ours.clone();
            ordered.sort_by_key(|n| n.trim_start_matches("h.pcap").parse::<u32>().unwrap_or(0));
            let joined: Vec<Vec<u8>> =
                paths(dir.path(), &ordered).iter().flat_map(|p| pcap_records(p)).collect();
            assert_eq!(joined, records, "{flags:?}: the files hold the input");
            assert!(ours.len() >= 4, "{flags:?}: {ours:?}");
        } else {
            assert_eq!(ours, ["h.pcap0", "h.pcap1"], "a ring of two");
        }
    }
}

#[test]
fn size_rotation_to_pcapng_keeps_every_packet_whole() {
    let test = "size_rotation_to_pcapng_keeps_every_packet_whole";
    if !have_for(test, "tcpdump") || !have_for(test, "tshark") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = generated(dir.path(), 3000, SAMPLE_START, 1);
    let out = dir.path().join("x.pcapng");
    run_ok(&["-r", input.to_str().unwrap(), "-q", "-w", out.to_str().unwrap(), "-C", "1"]);
    let mut names = files(dir.path(), "x.pcapng");
    names.sort_by_key(|n| n.trim_start_matches("x.pcapng").parse::<u32>().unwrap_or(0));
    assert!(names.len() >= 2, "{names:?}");
    for (i, name) in names.iter().enumerate() {
        let number = if i == 0 { String::new() } else { i.to_string() };
        assert_eq!(*name, format!("x.pcapng{number}"));
    }
    let mut joined = Vec::new();
    for name in &names {
        let path = dir.path().join(name);
        let magic = std::fs::read(&path).unwrap()[..4].to_vec();
        assert_eq!(magic, [0x0a, 0x0d, 0x0d, 0x0a], "{name} is pcapng");
        let last = name == names.last().unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 1_000_000 || last, "{name} closed early");
        // tcpdump reads each pcapng file and writes its packets back as pcap.
        let back = dir.path().join(format!("{name}.back.pcap"));
        tcpdump(&["-r", path.to_str().unwrap(), "-w", back.to_str().unwrap()]);
        assert_eq!(tshark_count(&path), pcap_records(&back).len());
        joined.extend(pcap_records(&back));
    }
    assert_eq!(joined, pcap_records(&input));
}

/// The names `date` gives to the starts of periods, formatted by `pattern`.
fn names_by_date(starts: &[i64], pattern: &str) -> Vec<String> {
    starts
        .iter()
        .map(|t| {
            let out = Command::new("date")
                .args(["-u", "-d", &format!("@{t}"), &format!("+{pattern}")])
                .output()
                .unwrap();
            String::from_utf8(out.stdout).unwrap().trim_end().to_string()
        })
        .collect()
}

#[test]
fn time_rotation_follows_packet_time_on_the_clocks_minutes() {
    let test = "time_rotation_follows_packet_time_on_the_clocks_minutes";
    if !have_for(test, "tshark") || !have_for(test, "date") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Five minutes of packets, two a second, from 17 s past a minute.
    let start = SAMPLE_START + 17;
    let input = generated(dir.path(), 600, start, 500);
    let pattern = "cap-%Y%m%d-%H%M%S.pcap";
    let out = dir.path().join(pattern);
    run_ok(&["-r", input.to_str().unwrap(), "-q", "-w", out.to_str().unwrap(), "-G", "60"]);
    let aligned: Vec<i64> = (0..6).map(|m| SAMPLE_START + 60 * m).collect();
    let names = files(dir.path(), "cap-");
    assert_eq!(names, names_by_date(&aligned, "cap-%Y%m%d-%H%M%S.pcap"), "a file a clock minute");
    let mut total = 0;
    for (name, begins) in names.iter().zip(&aligned) {
        let seconds = tshark_seconds(&dir.path().join(name));
        assert!(seconds.iter().all(|s| (*begins..begins + 60).contains(s)), "{name}: {seconds:?}");
        total += seconds.len();
    }
    assert_eq!(total, 600);

    // tcpdump's periods: each starts at its first packet.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(pattern);
    run_ok(&[
        "-r",
        input.to_str().unwrap(),
        "-q",
        "-w",
        out.to_str().unwrap(),
        "-G",
        "60",
        "--no-align",
    ]);
    let starts: Vec<i64> = (0..5).map(|m| start + 60 * m).collect();
    assert_eq!(files(dir.path(), "cap-"), names_by_date(&starts, "cap-%Y%m%d-%H%M%S.pcap"));
}

#[test]
fn time_rotation_with_w_stops_after_the_last_file() {
    let test = "time_rotation_with_w_stops_after_the_last_file";
    if !have_for(test, "tshark") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = generated(dir.path(), 600, SAMPLE_START, 500);
    let out = dir.path().join("t-%M.pcap");
    let done = run(&[
        "-r",
        input.to_str().unwrap(),
        "-q",
        "-w",
        out.to_str().unwrap(),
        "-G",
        "60",
        "-W",
        "3",
    ]);
    assert_eq!(done.status.code(), Some(0));
    let stderr = String::from_utf8(done.stderr).unwrap();
    assert!(stderr.starts_with("Maximum file limit reached: 3\n"), "{stderr}");
    let names = files(dir.path(), "t-");
    assert_eq!(names, ["t-00.pcap", "t-01.pcap", "t-02.pcap"]);
    let counts: Vec<usize> = names.iter().map(|n| tshark_count(&dir.path().join(n))).collect();
    assert_eq!(counts, [120, 120, 120], "three minutes of packets, two a second");
}

#[test]
fn rotation_flags_need_a_file_to_split() {
    for (args, said) in [
        (&["-C", "1"][..], "-C splits the -w file: give one with -w FILE (not standard output)"),
        (
            &["-G", "60", "-w", "-"],
            "-G splits the -w file: give one with -w FILE (not standard output)",
        ),
        (&["-W", "3"], "-W splits the -w file"),
        (&["-w", "x", "--no-align"], "--no-align applies to -G SECS"),
        (&["-w", "x", "-C", "1.5"], "1.5: not a file size"),
        (&["-w", "x", "-C", "2t"], "2t: t is not a unit (k, m or g)"),
        (
            &["-w", "x-%J.pcap", "-G", "60"],
            "-w x-%J.pcap: not a strftime pattern hark can format for -G",
        ),
    ] {
        let out = run(&[&["-r", "-"][..], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with("hark: ") && stderr.contains(said), "{args:?}: {stderr}");
    }
}

/// Each packet of `path` as tshark sees it: its interface's link type and time precision,
/// its time, lengths and bytes; and which interface it came in on.
fn tshark_packets(path: &Path) -> (Vec<String>, Vec<String>) {
    let fields = [
        "frame.interface_id",
        "frame.encap_type",
        "frame.time_epoch",
        "frame.len",
        "frame.cap_len",
    ];
    let mut args = vec!["-r".to_string(), path.display().to_string(), "-T".into(), "fields".into()];
    for field in fields {
        args.extend(["-e".to_string(), field.to_string()]);
    }
    let out = Command::new("tshark").args(&args).output().unwrap();
    let lines: Vec<String> =
        String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect();
    let ids = lines.iter().map(|l| l.split('\t').next().unwrap().to_string()).collect();
    let rest = lines.iter().map(|l| l.split_once('\t').unwrap().1.to_string()).collect();
    let bytes = Command::new("tshark").arg("-r").arg(path).arg("-x").output().unwrap();
    let mut packets: Vec<String> = rest;
    packets.push(String::from_utf8(bytes.stdout).unwrap());
    (ids, packets)
}

/// Each interface's link type, snap length and time precision, as capinfos reports them.
fn interfaces(path: &Path) -> Vec<String> {
    let out = Command::new("capinfos").arg("-I").arg(path).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut found: Vec<String> = text
        .split("Interface #")
        .skip(1)
        .map(|block| {
            block
                .lines()
                .filter(|l| {
                    ["Encapsulation =", "Capture length =", "Time precision ="]
                        .iter()
                        .any(|k| l.contains(k))
                })
                .map(str::trim)
                .collect::<Vec<_>>()
                .join("; ")
        })
        .collect();
    found.sort();
    found
}

#[test]
fn pcapng_out_has_an_interface_for_each_input_interface() {
    let test = "pcapng_out_has_an_interface_for_each_input_interface";
    let Some(corpus) = crate::util::corpus_for(test) else { return };
    if !have_for(test, "mergecap") || !have_for(test, "tshark") || !have_for(test, "capinfos") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Five corpus captures as five interfaces of one pcapng: four link types, nano- and
    // microsecond clocks, two snap lengths, and two Ethernet interfaces.
    let parts = [
        "tcp-handshake-nano.pcap",
        "LINKTYPE_RAW_ipv4.pcap",
        "decode-sll2-01__input.pcap",
        "dns_udp.pcap",
        "dns_tcp.pcap",
    ];
    let merged = dir.path().join("merged.pcapng");
    let mut mergecap = Command::new("mergecap");
    mergecap.args(["-I", "none", "-w"]).arg(&merged);
    for part in parts {
        mergecap.arg(corpus.join("pcap").join(part));
    }
    assert!(mergecap.status().unwrap().success());
    let written = dir.path().join("x.pcapng");
    run_ok(&["-r", merged.to_str().unwrap(), "-q", "-w", written.to_str().unwrap()]);

    assert_eq!(interfaces(&written), interfaces(&merged), "the same interfaces");
    assert_eq!(interfaces(&written).len(), 5);
    let ((ids_in, packets_in), (ids_out, packets_out)) =
        (tshark_packets(&merged), tshark_packets(&written));
    assert_eq!(packets_out, packets_in, "every packet, its link type, time and bytes");
    // --pcapng: the same, whatever the name.
    let named = dir.path().join("x.cap");
    run_ok(&["-r", merged.to_str().unwrap(), "-q", "--pcapng", "-w", named.to_str().unwrap()]);
    assert_eq!(std::fs::read(&named).unwrap(), std::fs::read(&written).unwrap());
    // Interfaces are numbered as they first carry a packet; the packets of one input
    // interface are the packets of one output interface.
    let pairs: BTreeSet<(&String, &String)> = ids_in.iter().zip(&ids_out).collect();
    assert_eq!(pairs.len(), 5, "{pairs:?}");

    // tcpdump reads pcapng files of one link type (libpcap refuses to mix them): the two
    // Ethernet captures as two interfaces, written back as they were read.
    if !have_for(test, "tcpdump") {
        return;
    }
    let two = dir.path().join("two.pcapng");
    let status = Command::new("mergecap")
        .args(["-I", "none", "-w"])
        .arg(&two)
        .arg(corpus.join("pcap/dns_udp.pcap"))
        .arg(corpus.join("pcap/dns_tcp.pcap"))
        .status()
        .unwrap();
    assert!(status.success());
    let two_out = dir.path().join("two-out.pcapng");
    run_ok(&["-r", two.to_str().unwrap(), "-q", "-w", two_out.to_str().unwrap()]);
    assert_eq!(tcpdump_hex(&two_out), tcpdump_hex(&two));
    assert_eq!(interfaces(&two_out).len(), 2);
}
