//! `-w` split with `-C`, `-G` and `-W`: the names tcpdump gives for the same flags (tcpdump
//! run here), every file read by tshark, nothing lost, repeated or split.

use std::path::{Path, PathBuf};
use std::process::Command;

use hark::sample::{ATTACKER, ATTACKER_MAC, SAMPLE_START, SERVER, SERVER_MAC, frame};
use hark::source::OwnedFrame;

use crate::util::{have_for, pcap_records, run, run_ok, write_pcap};

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
    let input = dir.path().join("in.pcap");
    let sent = frames(4000, SAMPLE_START, 1);
    write_pcap(&input, &sent);
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
    let input = dir.path().join("in.pcap");
    write_pcap(&input, &frames(3000, SAMPLE_START, 1));
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
    let input = dir.path().join("in.pcap");
    // Five minutes of packets, two a second, from 17 s past a minute.
    let start = SAMPLE_START + 17;
    write_pcap(&input, &frames(600, start, 500));
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
    let input = dir.path().join("in.pcap");
    write_pcap(&input, &frames(600, SAMPLE_START, 500));
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
    ] {
        let out = run(&[&["-r", "-"][..], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with("hark: ") && stderr.contains(said), "{args:?}: {stderr}");
    }
}
