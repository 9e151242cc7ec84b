//! Hot reload, run by the real `hark` on a capture fed through a pipe: scripts saved by
//! rename and in place, a save that does not compile, a folder whose scripts come and go,
//! a thousand saves while a million packets stream, and a file others could change.
//!
//! The pipe is fed a part at a time and each save waits for hark's `hark` event before the
//! next part, so the test knows which version was live for every packet.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::util;
use crate::util::feed::{Live, capture, split_pcap};

/// The 12 hex digits of a text's SHA-256, as alerts and events carry them.
fn sha12(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// Saves `text` as editors do: a new file renamed over the old one.
fn save_by_rename(path: &Path, text: &str) {
    let temp = path.with_extension("rhai.swp");
    std::fs::write(&temp, text).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

fn alerts(events: &[Value]) -> Vec<&Value> {
    events.iter().filter(|e| e["event_type"] == "alert").collect()
}

fn script_stats<'a>(events: &'a [Value], name: &str) -> &'a Value {
    let stats = events.iter().find(|e| e["event_type"] == "stats").expect("a stats event");
    let scripts = stats["stats"]["scripts"].as_array().unwrap();
    scripts.iter().find(|s| s["script"] == name).unwrap_or_else(|| panic!("no stats for {name}"))
}

/// The records hark wrote with `-w`.
fn written(path: &Path) -> Vec<Vec<u8>> {
    split_pcap(&std::fs::read(path).unwrap()).1
}

/// A counter script: every packet raises an alert named `signature` that carries the
/// counts in `this` and in a table, so a test can see both carried across versions.
fn counter(signature: &str) -> String {
    format!(
        "const FILTER = \"tcp dst port 22\";
fn on_start() {{ this.n = 0; this.reloads = 0; this.t = table(#{{ ttl: 3600, max: 10 }}); }}
fn on_packet(pkt) {{
    this.n += 1;
    let t = this.t.incr(\"all\");
    alert(\"{signature}\", #{{ n: this.n, t: t }});
}}
fn on_reload() {{ this.reloads += 1; }}
fn on_stop() {{ log(`n=${{this.n}} t=${{this.t[\"all\"]}} reloads=${{this.reloads}}`); }}
"
    )
}

#[test]
fn a_saved_script_takes_over_between_two_packets_with_its_state() {
    let (header, records) = capture(400);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("count.rhai");
    let (v1, v2, v3) = (counter("v1"), counter("v2"), counter("v3"));
    let broken = v2.replace("this.n += 1;", "this.n += ;");
    std::fs::write(&script, &v1).unwrap();
    let out = dir.path().join("out.pcap");
    let args = ["-s", script.to_str().unwrap(), "-w", out.to_str().unwrap()];
    let mut hark = Live::start(&args, &header);

    hark.feed(&records[..100]);
    hark.alerts_up_to(100);
    save_by_rename(&script, &v2);
    let reload = hark.notice("reload", "count.rhai");
    assert_eq!(
        reload,
        serde_json::json!({"event": "reload", "script": "count.rhai", "ok": true, "script_sha256": sha12(&v2), "rev": 2})
    );

    hark.feed(&records[100..200]);
    hark.alerts_up_to(200);
    std::fs::write(&script, &broken).unwrap();
    let refused = hark.notice("reload", "count.rhai");
    assert_eq!(refused["ok"], false);
    assert_eq!(refused["error"], "count.rhai:4:15: Unexpected ';'");
    assert_eq!((&refused["rev"], &refused["script_sha256"]), (&2.into(), &sha12(&v2).into()));

    hark.feed(&records[200..300]);
    hark.alerts_up_to(300);
    // In place: truncated and written through the same file.
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&script)
        .unwrap()
        .write_all(v3.as_bytes())
        .unwrap();
    let reload = hark.notice("reload", "count.rhai");
    assert_eq!((&reload["ok"], &reload["rev"]), (&true.into(), &3.into()));
    assert_eq!(reload["script_sha256"], sha12(&v3));

    hark.feed(&records[300..]);
    let (events, stderr) = hark.finish();

    assert_eq!(written(&out), records, "-w holds every packet once, in order");
    let alerts = alerts(&events);
    assert_eq!(alerts.len(), 400);
    for (i, alert) in alerts.iter().enumerate() {
        let number = i as u64 + 1;
        let (signature, rev, text) = match number {
            1..=100 => ("v1", 1, &v1),
            101..=300 => ("v2", 2, &v2),
            _ => ("v3", 3, &v3),
        };
        assert_eq!(alert["pcap_cnt"], number);
        let body = &alert["alert"];
        assert_eq!((&body["signature"], &body["rev"]), (&signature.into(), &rev.into()), "{alert}");
        assert_eq!(body["context"]["script_sha256"], sha12(text), "{alert}");
        assert_eq!(body["metadata"]["n"], number, "this carried on: {alert}");
        assert_eq!(body["metadata"]["t"], number, "the table carried on: {alert}");
    }
    let failures = events.iter().filter(|e| e["hark"]["ok"] == false).count();
    assert_eq!(failures, 1, "the error is reported once");
    assert!(stderr.contains("count.rhai: n=400 t=400 reloads=2\n"), "{stderr}");
    assert!(
        stderr.contains("hark: reload: count.rhai:4:15: Unexpected ';' (rev 2 keeps running)\n"),
        "{stderr}"
    );
    let stats = script_stats(&events, "count.rhai");
    assert_eq!((&stats["reloads"], &stats["reload_errors"]), (&2.into(), &1.into()));
    assert_eq!(stats["calls"], 400 + 1 + 2 + 1, "on_start, 400 packets, two reloads, on_stop");
}

/// A script for the folder test: it logs its name for every packet, and when it starts
/// and stops.
fn named(name: &str) -> String {
    format!(
        "fn on_start() {{ log(\"start {name}\"); }}
fn on_packet(pkt) {{ log(`{name} ${{pkt.number}}`); alert(\"{name}\"); }}
fn on_stop() {{ log(\"stop {name}\"); }}
"
    )
}

#[test]
fn scripts_join_and_leave_a_watched_folder_in_name_order() {
    let (header, records) = capture(50);
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("scripts");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("20-b.rhai"), named("b")).unwrap();
    let mut hark = Live::start(&["-s", folder.to_str().unwrap()], &header);
    let mut expected = String::from("20-b.rhai: start b\n");
    let mut fed = 0;
    let mut feed = |hark: &mut Live, live: &[&str], expected: &mut String| {
        hark.feed(&records[fed..fed + 10]);
        for number in fed + 1..=fed + 10 {
            for script in live {
                let name = &script[3..4];
                expected.push_str(&format!("{script}: {name} {number}\n"));
            }
        }
        fed += 10;
        // Each packet's logs are written before its alerts can be read.
        hark.alerts_up_to(fed as u64);
    };
    let added = |name: &str, text: &str| {
        format!("hark: added: {name}: rev 1 (sha256 {}) is live\n", sha12(text))
    };
    let removed = |name: &str, text: &str| {
        format!("hark: removed: {name}: rev 1 (sha256 {}) stopped\n", sha12(text))
    };

    feed(&mut hark, &["20-b.rhai"], &mut expected);
    std::fs::write(folder.join("10-a.rhai"), named("a")).unwrap();
    let notice = hark.notice("added", "10-a.rhai");
    assert_eq!((&notice["ok"], &notice["rev"]), (&true.into(), &1.into()));
    expected.push_str(&added("10-a.rhai", &named("a")));
    expected.push_str("10-a.rhai: start a\n");

    feed(&mut hark, &["10-a.rhai", "20-b.rhai"], &mut expected);
    save_by_rename(&folder.join("30-c.rhai"), &named("c"));
    hark.notice("added", "30-c.rhai");
    expected.push_str(&added("30-c.rhai", &named("c")));
    expected.push_str("30-c.rhai: start c\n");

    feed(&mut hark, &["10-a.rhai", "20-b.rhai", "30-c.rhai"], &mut expected);
    // Renamed: the old name leaves, the new one joins at its own place.
    std::fs::rename(folder.join("10-a.rhai"), folder.join("40-a.rhai")).unwrap();
    hark.notice("added", "40-a.rhai");
    hark.notice("removed", "10-a.rhai");
    expected.push_str(&added("40-a.rhai", &named("a")));
    expected.push_str("40-a.rhai: start a\n");
    expected.push_str("10-a.rhai: stop a\n");
    expected.push_str(&removed("10-a.rhai", &named("a")));

    feed(&mut hark, &["20-b.rhai", "30-c.rhai", "40-a.rhai"], &mut expected);
    std::fs::remove_file(folder.join("20-b.rhai")).unwrap();
    hark.notice("removed", "20-b.rhai");
    expected.push_str("20-b.rhai: stop b\n");
    expected.push_str(&removed("20-b.rhai", &named("b")));

    // A file that is not a script, and an editor's hidden file, change nothing.
    std::fs::write(folder.join("notes.txt"), "x").unwrap();
    std::fs::write(folder.join(".30-c.rhai.swp"), "not rhai at all (").unwrap();
    feed(&mut hark, &["30-c.rhai", "40-a.rhai"], &mut expected);
    let (events, stderr) = hark.finish();
    expected.push_str("30-c.rhai: stop c\n40-a.rhai: stop a\n50 packets captured\n");
    util::assert_same_text(&expected, &stderr);
    let calls = |name| script_stats(&events, name)["calls"].clone();
    // on_start, the packets while it was there, on_stop.
    assert_eq!(
        [calls("30-c.rhai"), calls("40-a.rhai"), calls("10-a.rhai"), calls("20-b.rhai")],
        [32, 22, 22, 42].map(Value::from)
    );
}

/// hark's resident memory, from /proc.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_thousand_saves_while_a_million_packets_stream() {
    const SAVES: usize = 1000;
    const PACKETS: u32 = 1_000_000;
    let (header, records) = capture(PACKETS);
    let per_save = records.len() / SAVES;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("stress.rhai");
    // Each version says which save made it on the first packet it sees, with the count of
    // packets seen so far, kept in `this` across every version; and it marks the end of
    // each part, so the test saves only once hark has seen the whole part.
    let version = |save: usize| {
        format!(
            "const FILTER = \"tcp\";
fn on_start() {{ this.n = 0; this.fresh = true; }}
fn on_reload() {{ this.fresh = true; }}
fn on_packet(pkt) {{
    this.n += 1;
    if this.fresh {{ this.fresh = false; alert(\"version\", #{{ save: {save}, n: this.n }}); }}
    if this.n % {per_save} == 0 {{ alert(\"mark\"); }}
}}
"
        )
    };
    std::fs::write(&script, version(0)).unwrap();
    let out = dir.path().join("out.pcap");
    let args = ["-s", script.to_str().unwrap(), "-w", out.to_str().unwrap()];
    let mut hark = Live::start(&args, &header);
    let pid = hark.child.id();
    let mut rev = 1;
    let mut memory = Vec::new();
    for save in 1..=SAVES {
        let part = &records[(save - 1) * per_save..save * per_save];
        hark.feed(part);
        hark.alerts_up_to((save * per_save) as u64);
        let good = save % 3 != 0;
        let text = if good { version(save) } else { format!("{} fn oops(", version(save)) };
        if save % 2 == 0 {
            save_by_rename(&script, &text);
        } else {
            std::fs::write(&script, &text).unwrap();
        }
        let notice = hark.notice("reload", "stress.rhai");
        assert_eq!(notice["ok"], good, "save {save}: {notice}");
        if good {
            rev += 1;
        }
        assert_eq!(notice["rev"], rev, "save {save}: one version per good save");
        if save == 100 || save == SAVES {
            memory.push(resident_kib(pid));
        }
    }
    hark.feed(&records[SAVES * per_save..]);
    let (events, _) = hark.finish();
    let written = written(&out);
    assert_eq!(written.len(), PACKETS as usize, "no packet lost or doubled");
    assert!(written == records, "-w holds the input, in order");
    let stats = script_stats(&events, "stress.rhai");
    let good_saves = (1..=SAVES).filter(|s| s % 3 != 0).count();
    assert_eq!(stats["reloads"], good_saves);
    assert_eq!(stats["reload_errors"], SAVES - good_saves);
    // Every good version saw its first packet right after the part fed before its save.
    let firsts: Vec<(u64, u64)> = alerts(&events)
        .iter()
        .filter(|a| a["alert"]["signature"] == "version")
        .map(|a| {
            let m = &a["alert"]["metadata"];
            (m["save"].as_u64().unwrap(), m["n"].as_u64().unwrap())
        })
        .collect();
    let expected: Vec<(u64, u64)> = std::iter::once((0, 1))
        .chain((1..=SAVES).filter(|s| s % 3 != 0).map(|s| (s as u64, (s * per_save) as u64 + 1)))
        .filter(|&(_, n)| n <= u64::from(PACKETS))
        .collect();
    assert_eq!(firsts, expected);
    let growth = memory[1].saturating_sub(memory[0]);
    assert!(growth < 8 * 1024, "resident memory grew by {growth} KiB over 900 saves: {memory:?}");
}

#[test]
fn as_root_a_save_others_could_change_is_refused_and_the_old_version_runs() {
    use std::os::unix::fs::PermissionsExt;
    if !util::root_for(
        "as_root_a_save_others_could_change_is_refused_and_the_old_version_runs",
        "the check only applies when hark runs as root",
    ) {
        return;
    }
    let (header, records) = capture(30);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("count.rhai");
    let (v1, v2) = (counter("v1"), counter("v2"));
    std::fs::write(&script, &v1).unwrap();
    let mut hark = Live::start(&["-s", script.to_str().unwrap()], &header);
    hark.feed(&records[..10]);
    hark.alerts_up_to(10);
    let mode = |m| std::fs::set_permissions(&script, std::fs::Permissions::from_mode(m)).unwrap();
    mode(0o664);
    std::fs::write(&script, &v2).unwrap();
    let refused = hark.notice("reload", "count.rhai");
    let why = format!(
        "count.rhai: refused: hark runs as root and the file is writable by its group or others (chmod go-w {})",
        script.display()
    );
    assert_eq!((&refused["ok"], &refused["error"]), (&false.into(), &why.into()));
    hark.feed(&records[10..20]);
    hark.alerts_up_to(20);
    // Made safe again, the same text loads.
    mode(0o644);
    let reload = hark.notice("reload", "count.rhai");
    assert_eq!((&reload["ok"], &reload["rev"]), (&true.into(), &2.into()));
    hark.feed(&records[20..]);
    let (events, _) = hark.finish();
    let signatures: Vec<&Value> =
        alerts(&events).iter().map(|a| &a["alert"]["signature"]).collect();
    let expected: Vec<Value> = (0..30).map(|i| if i < 20 { "v1" } else { "v2" }.into()).collect();
    assert_eq!(signatures, expected.iter().collect::<Vec<_>>());
}

#[test]
fn no_reload_leaves_the_first_version_running() {
    let (header, records) = capture(20);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("count.rhai");
    std::fs::write(&script, counter("v1")).unwrap();
    let mut hark = Live::start(&["-s", script.to_str().unwrap(), "--no-reload"], &header);
    hark.feed(&records[..10]);
    hark.alerts_up_to(10);
    save_by_rename(&script, &counter("v2"));
    // Ten times the time a watched save takes to go live.
    std::thread::sleep(Duration::from_millis(700));
    hark.feed(&records[10..]);
    let (events, stderr) = hark.finish();
    assert!(alerts(&events).iter().all(|a| a["alert"]["signature"] == "v1"));
    assert_eq!(alerts(&events).len(), 20);
    assert!(!events.iter().any(|e| e["event_type"] == "hark"));
    assert_eq!(stderr, "count.rhai: n=20 t=20 reloads=0\n20 packets captured\n");
}

#[test]
fn saves_by_sed_and_cp_give_one_version_each() {
    let (header, records) = capture(30);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("count.rhai");
    std::fs::write(&script, counter("v1")).unwrap();
    let mut hark = Live::start(&["-s", script.to_str().unwrap()], &header);
    hark.feed(&records[..10]);
    hark.alerts_up_to(10);
    // sed -i writes a new file and renames it over the old one.
    let sed = std::process::Command::new("sed")
        .args(["-i", "s/\"v1\"/\"v2\"/", script.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(sed.success());
    let reload = hark.notice("reload", "count.rhai");
    assert_eq!(
        (&reload["rev"], &reload["script_sha256"]),
        (&2.into(), &sha12(&counter("v2")).into())
    );
    hark.feed(&records[10..20]);
    hark.alerts_up_to(20);
    // cp onto an existing file truncates it and writes it in place.
    let source = dir.path().join("v3.txt");
    std::fs::write(&source, counter("v3")).unwrap();
    let cp = std::process::Command::new("cp").args([&source, &script]).status().unwrap();
    assert!(cp.success());
    let reload = hark.notice("reload", "count.rhai");
    assert_eq!(
        (&reload["rev"], &reload["script_sha256"]),
        (&3.into(), &sha12(&counter("v3")).into())
    );
    hark.feed(&records[20..]);
    let (events, _) = hark.finish();
    let signatures: Vec<String> = alerts(&events)
        .iter()
        .map(|a| a["alert"]["signature"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> =
        ["v1", "v2", "v3"].iter().flat_map(|v| std::iter::repeat_n(v.to_string(), 10)).collect();
    assert_eq!(signatures, expected);
    assert_eq!(events.iter().filter(|e| e["event_type"] == "hark").count(), 2);
}
