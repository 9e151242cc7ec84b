//! `--alerts` beyond a plain file: Redis as a list, a channel and a stream (read back with
//! redis-cli from a real redis-server), a Redis that goes away mid-run, passwords and TLS,
//! a Unix stream socket, and a file renamed under hark and reopened on SIGHUP.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::feed::{Live, PATIENCE, capture};
use crate::util::{self, eve_lines, have_for, run_ok, temp_path};

/// A script that raises one alert for every packet, carrying its number.
const EVERY_PACKET: &str = "fn on_packet(pkt) { alert(\"seen\", #{ n: pkt.number }); }\n";

/// A redis-server of the test's own on 127.0.0.1, on a port nothing else uses.
struct Redis {
    child: Option<Child>,
    port: u16,
    args: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Redis {
    /// Starts redis-server, or says why the test is skipped.
    fn start(test: &str, extra: &[&str]) -> Option<Redis> {
        if !have_for(test, "redis-server") || !have_for(test, "redis-cli") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let free = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // With TLS, the port to reach is the TLS one.
        let port = match extra.iter().position(|a| *a == "--tls-port") {
            Some(i) => extra[i + 1].parse().unwrap(),
            None => free,
        };
        let mut args: Vec<String> = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(["--dir".into(), dir.path().display().to_string()]);
        args.extend(extra.iter().map(|s| s.to_string()));
        if !extra.contains(&"--port") {
            args.extend(["--port".into(), free.to_string()]);
        }
        let mut redis = Redis { child: None, port, args, _dir: dir };
        redis.restart();
        Some(redis)
    }

    fn with_tls_port(test: &str, extra: &[&str]) -> Option<Redis> {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let port_text = port.to_string();
        let mut args = vec!["--port", "0", "--tls-port", &port_text];
        args.extend(extra);
        Redis::start(test, &args)
    }

    /// Starts the server again on the same port, and waits until it takes connections.
    fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + PATIENCE;
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Ends the server as an outage would: at once, keeping nothing.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// What redis-cli prints for `args`, one value a line.
    fn cli(&self, args: &[&str]) -> Vec<String> {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "--no-auth-warning"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "redis-cli {args:?}");
        String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
    }

    fn list(&self, key: &str) -> Vec<String> {
        // redis-cli prints an empty list as one empty line.
        let mut values = self.cli(&["LRANGE", key, "0", "-1"]);
        values.retain(|v| !v.is_empty());
        values
    }

    fn url(&self, key_and_query: &str) -> String {
        format!("redis://127.0.0.1:{}/{key_and_query}", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

fn script(dir: &Path) -> PathBuf {
    let path = dir.join("every.rhai");
    std::fs::write(&path, EVERY_PACKET).unwrap();
    path
}

/// A capture of `n` packets as a file.
fn capture_file(dir: &Path, n: u32) -> PathBuf {
    let (header, records) = capture(n);
    let path = dir.join("capture.pcap");
    std::fs::write(&path, [header, records.concat()].concat()).unwrap();
    path
}

/// Checks alerts (against Suricata's schema) and returns their packet numbers; each
/// number must be there once.
fn numbers(lines: &[String]) -> BTreeSet<u64> {
    let mut seen = BTreeSet::new();
    for alert in eve_lines(lines.join("\n").as_bytes()) {
        assert_eq!(alert["event_type"], "alert");
        let n = alert["alert"]["metadata"]["n"].as_u64().unwrap();
        assert_eq!(alert["pcap_cnt"], n);
        assert!(seen.insert(n), "alert {n} arrived twice");
    }
    seen
}

fn stats(stdout: &[u8]) -> Value {
    let events = eve_lines(stdout);
    events.into_iter().find(|e| e["event_type"] == "stats").unwrap()["stats"].clone()
}

#[test]
fn alerts_reach_redis_as_a_list_a_channel_and_a_stream() {
    let test = "alerts_reach_redis_as_a_list_a_channel_and_a_stream";
    let Some(redis) = Redis::start(test, &[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let (capture, script) = (capture_file(dir.path(), 3000), script(dir.path()));
    let all: BTreeSet<u64> = (1..=3000).collect();
    let hark = |url: &str| {
        let args = ["-r", capture.to_str().unwrap(), "-s", script.to_str().unwrap()];
        run_ok(&[&args[..], &["--alerts", url, "--json", "-q"]].concat())
    };

    let out = hark(&redis.url("eve"));
    assert_eq!(numbers(&redis.list("eve")), all, "list, in order of the packets");
    let sent: Vec<u64> = redis
        .list("eve")
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["pcap_cnt"].as_u64().unwrap())
        .collect();
    assert_eq!(sent, (1..=3000).collect::<Vec<_>>());
    assert_eq!(stats(&out.stdout)["alerts_out"], serde_json::json!({"sent": 3000, "dropped": 0}));

    // A subscriber is there before hark publishes: a channel keeps nothing for latecomers.
    let mut subscriber = Command::new("redis-cli")
        .args(["-p", &redis.port.to_string(), "SUBSCRIBE", "live"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut heard = BufReader::new(subscriber.stdout.take().unwrap()).lines();
    // redis-cli prints "subscribe", the channel and 1 once it is subscribed.
    let confirmed: Vec<String> = heard.by_ref().take(3).map(Result::unwrap).collect();
    assert_eq!(confirmed, ["subscribe", "live", "1"]);
    hark(&redis.url("live?mode=channel"));
    let mut published = Vec::new();
    while published.len() < 3000 {
        let kind = heard.next().unwrap().unwrap();
        let channel = heard.next().unwrap().unwrap();
        assert_eq!((kind.as_str(), channel.as_str()), ("message", "live"));
        published.push(heard.next().unwrap().unwrap());
    }
    let _ = subscriber.kill();
    let _ = subscriber.wait();
    assert_eq!(numbers(&published), all, "channel");

    hark(&redis.url("flow?mode=stream"));
    let entries = redis.cli(&["XRANGE", "flow", "-", "+"]);
    // XRANGE prints each entry as its id, then field and value.
    let values: Vec<String> = entries
        .chunks(3)
        .map(|e| {
            assert_eq!(e[1], "eve");
            e[2].clone()
        })
        .collect();
    assert_eq!(numbers(&values), all, "stream");
}

/// Feeds `records` a little at a time, each part once Redis holds the last one's alerts, so
/// that a small queue never fills while Redis is there.
fn feed_as_redis_takes_them(hark: &mut Live, redis: &Redis, records: &[Vec<u8>]) {
    for part in records.chunks(25) {
        let arrived = redis.list("eve").len();
        hark.feed(part);
        let deadline = Instant::now() + PATIENCE;
        while redis.list("eve").len() < arrived + part.len() {
            assert!(Instant::now() < deadline, "alerts did not reach Redis");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn a_redis_that_goes_away_loses_only_the_alerts_it_counts() {
    let test = "a_redis_that_goes_away_loses_only_the_alerts_it_counts";
    let Some(mut redis) = Redis::start(test, &[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let script = script(dir.path());
    let (header, records) = capture(600);
    let url = redis.url("eve");
    let args = ["-s", script.to_str().unwrap(), "--alerts", &url, "--alerts-queue", "50"];
    let mut hark = Live::start(&args, &header);

    feed_as_redis_takes_them(&mut hark, &redis, &records[..100]);
    let before = redis.list("eve");
    redis.stop();

    // While Redis is away, 400 alerts are raised; the queue holds the newest 50.
    let start = Instant::now();
    hark.feed(&records[100..500]);
    hark.wait_for("the alert of packet 500", |e| e["pcap_cnt"] == 500);
    assert!(start.elapsed() < Duration::from_secs(5), "capture stalled: {:?}", start.elapsed());

    redis.restart();
    // The queued alerts arrive once hark has reconnected; then the rest.
    let deadline = Instant::now() + PATIENCE;
    while redis.list("eve").is_empty() {
        assert!(Instant::now() < deadline, "hark did not reconnect");
        std::thread::sleep(Duration::from_millis(20));
    }
    feed_as_redis_takes_them(&mut hark, &redis, &records[500..]);
    let (events, stderr) = hark.finish();
    let after = redis.list("eve");

    let before = numbers(&before);
    let after = numbers(&after);
    assert!(before.is_disjoint(&after), "an alert arrived twice");
    assert_eq!(before, (1..=100).collect(), "what was sent before");
    assert!((501..=600).all(|n| after.contains(&n)), "what was raised after the restart");
    let counts =
        &events.iter().find(|e| e["event_type"] == "stats").unwrap()["stats"]["alerts_out"];
    let arrived = (before.len() + after.len()) as u64;
    assert_eq!(counts["sent"], arrived);
    assert_eq!(counts["dropped"], 600 - arrived, "the dropped ones are counted exactly");
    assert!(counts["dropped"].as_u64().unwrap() >= 400 - 50, "the queue holds at most 50");
    assert!(stderr.contains(&format!("hark: alerts: {url}: ")), "{stderr}");
    assert!(stderr.contains("while hark reconnects"), "{stderr}");
    assert!(stderr.contains(&format!("hark: alerts: {url}: reached again")), "{stderr}");
    assert!(
        stderr.contains(&format!("hark: alerts: {url}: {} of 600 alerts dropped", 600 - arrived)),
        "{stderr}"
    );
}

#[test]
fn a_password_in_the_url_is_used_and_a_wrong_one_is_said() {
    let test = "a_password_in_the_url_is_used_and_a_wrong_one_is_said";
    let Some(redis) = Redis::start(test, &["--requirepass", "s3cret"]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let (capture, script) = (capture_file(dir.path(), 20), script(dir.path()));
    let run = |url: String| {
        let args = ["-r", capture.to_str().unwrap(), "-s", script.to_str().unwrap()];
        util::run(&[&args[..], &["--alerts", &url, "-q"]].concat())
    };
    let good = run(format!("redis://:s3cret@127.0.0.1:{}/eve", redis.port));
    assert_eq!(good.status.code(), Some(0));
    assert_eq!(
        numbers(&redis.cli(&["-a", "s3cret", "LRANGE", "eve", "0", "-1"])),
        (1..=20).collect()
    );

    let bad = run(format!("redis://:wrong@127.0.0.1:{}/eve", redis.port));
    // The capture is not the sink's hostage: it completes, and says what happened.
    assert_eq!(bad.status.code(), Some(0));
    let stderr = String::from_utf8(bad.stderr).unwrap();
    let shown = format!("redis://…@127.0.0.1:{}/eve", redis.port);
    assert!(
        stderr.contains(&format!("hark: alerts: {shown}: the server refused the password;")),
        "{stderr}"
    );
    assert!(stderr.contains("20 of 20 alerts dropped"), "{stderr}");
    assert!(!stderr.contains("wrong"), "the password is not shown: {stderr}");
}

#[test]
fn alerts_reach_redis_over_tls_with_the_certificate_checked() {
    let test = "alerts_reach_redis_over_tls_with_the_certificate_checked";
    if !have_for(test, "openssl") {
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    let at = |name: &str| certs.path().join(name).display().to_string();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    // A self-signed CA certificate: NAME.pem, its key NAME.key.
    let new_ca = |name: &str, subject: &str| {
        let (key, pem) = (at(&format!("{name}.key")), at(&format!("{name}.pem")));
        let subject = format!("/CN={subject}");
        openssl(&[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", &subject,
            "-keyout", &key, "-out", &pem,
        ]);
    };
    new_ca("ca", "hark test CA");
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        &at("server.key"),
        "-out",
        &at("server.csr"),
    ]);
    std::fs::write(at("ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        &at("server.csr"),
        "-CA",
        &at("ca.pem"),
        "-CAkey",
        &at("ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &at("ext"),
        "-out",
        &at("server.pem"),
    ]);
    let tls = [
        "--tls-cert-file",
        &at("server.pem"),
        "--tls-key-file",
        &at("server.key"),
        "--tls-ca-cert-file",
        &at("ca.pem"),
        "--tls-auth-clients",
        "no",
    ];
    let Some(redis) = Redis::with_tls_port(test, &tls) else { return };

    let dir = tempfile::tempdir().unwrap();
    let (capture, script) = (capture_file(dir.path(), 50), script(dir.path()));
    let url = format!("rediss://127.0.0.1:{}/eve", redis.port);
    let run = |trusted: &str| {
        util::hark()
            .args(["-r", capture.to_str().unwrap(), "-s", script.to_str().unwrap(), "-q"])
            .args(["--alerts", &url])
            .env("SSL_CERT_FILE", trusted)
            .output()
            .unwrap()
    };
    // Trusting only another CA, the server's certificate is refused.
    new_ca("other", "other");
    let refused = run(&at("other.pem"));
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert!(stderr.contains("50 of 50 alerts dropped"), "{stderr}");

    // #insecure, as redis URLs spell it, skips the check.
    let insecure = util::hark()
        .args(["-r", capture.to_str().unwrap(), "-s", script.to_str().unwrap(), "-q"])
        .args(["--alerts", &format!("{url}#insecure")])
        .env("SSL_CERT_FILE", at("other.pem"))
        .output()
        .unwrap();
    let stderr = String::from_utf8(insecure.stderr).unwrap();
    assert!(!stderr.contains("dropped"), "{stderr}");

    let out = run(&at("ca.pem"));
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("dropped"), "{stderr}");
    let listed = Command::new("redis-cli")
        .args([
            "--tls",
            "--cacert",
            &at("ca.pem"),
            "-h",
            "127.0.0.1",
            "-p",
            &redis.port.to_string(),
        ])
        .args(["LRANGE", "eve", "0", "-1"])
        .output()
        .unwrap();
    let lines: Vec<String> =
        String::from_utf8(listed.stdout).unwrap().lines().map(str::to_owned).collect();
    let insecurely: BTreeSet<u64> = (1..=50).collect();
    let mut expected: Vec<u64> = insecurely.iter().chain(&insecurely).copied().collect();
    expected.sort_unstable();
    let mut got: Vec<u64> = lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["pcap_cnt"].as_u64().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(got, expected, "each of the two runs delivered all 50");
    assert_eq!(numbers(&lines[..50]), insecurely);
    assert_eq!(numbers(&lines[50..]), insecurely);
}

#[test]
fn alerts_reach_a_unix_stream_socket() {
    let dir = tempfile::tempdir().unwrap();
    let (capture, script) = (capture_file(dir.path(), 2000), script(dir.path()));
    let socket = dir.path().join("eve.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let reader = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        text
    });
    let dest = format!("unix:{}", socket.display());
    let args = ["-r", capture.to_str().unwrap(), "-s", script.to_str().unwrap()];
    let out = run_ok(&[&args[..], &["--alerts", &dest, "--json", "-q"]].concat());
    assert_eq!(stats(&out.stdout)["alerts_out"], serde_json::json!({"sent": 2000, "dropped": 0}));
    let text = reader.join().unwrap();
    assert!(text.ends_with('\n'), "every line whole");
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    assert_eq!(numbers(&lines), (1..=2000).collect());

    // No one listening: the run completes, and says how many were dropped.
    let gone = dir.path().join("nobody.sock");
    let dest = format!("unix:{}", gone.display());
    let out = util::run(&[&args[..], &["--alerts", &dest, "-q"]].concat());
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains(&format!("hark: alerts: {dest}: no such file;")), "{stderr}");
    assert!(stderr.contains("2000 of 2000 alerts dropped"), "{stderr}");
}

#[test]
fn a_bad_alerts_url_is_a_usage_error() {
    for (url, why) in [
        ("redis://127.0.0.1:1/k?mode=queue", "mode=queue: not a mode (list, channel or stream)"),
        ("redis:///k", "no host"),
        ("unix:", "unix: needs the socket's path"),
    ] {
        let out = util::run(&["-r", "-", "--alerts", url]);
        assert_eq!(out.status.code(), Some(2), "{url}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with("hark: ") && stderr.contains(why), "{url}: {stderr}");
    }
}

#[test]
fn sighup_reopens_the_alerts_file_with_every_alert_once_and_whole() {
    let dir = tempfile::tempdir().unwrap();
    let script = script(dir.path());
    let (header, records) = capture(20_000);
    let (_keep, file) = temp_path("alerts.json");
    let rotated = file.with_extension("json.1");
    let args = ["-s", script.to_str().unwrap(), "--alerts", file.to_str().unwrap()];
    let mut hark = Live::start(&args, &header);
    let pid = hark.child.id().to_string();
    hark.feed(&records[..100]);
    hark.wait_for("the alert of packet 100", |e| e["pcap_cnt"] == 100);
    // The rest flows while the file is renamed and hark is told, as logrotate does it.
    let rest = records[100..].to_vec();
    let feeder = std::thread::spawn(move || {
        hark.feed(&rest);
        hark
    });
    std::thread::sleep(Duration::from_millis(5));
    std::fs::rename(&file, &rotated).unwrap();
    let kill = Command::new("kill").args(["-HUP", &pid]).status().unwrap();
    assert!(kill.success());
    let (_events, stderr) = feeder.join().unwrap().finish();
    assert_eq!(stderr.lines().last(), Some("20000 packets captured"));

    let read = |path: &Path| -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.is_empty() || text.ends_with('\n'), "a line was cut");
        text.lines().map(str::to_owned).collect()
    };
    let (old, new) = (read(&rotated), read(&file));
    assert!(
        !new.is_empty(),
        "SIGHUP came too late to test anything: every alert is in the old file"
    );
    let (old, new) = (numbers(&old), numbers(&new));
    assert!(old.is_disjoint(&new));
    let all: BTreeSet<u64> = old.union(&new).copied().collect();
    assert_eq!(all, (1..=20_000).collect(), "every alert once");
    // Alerts are written in order: the old file has the first ones.
    assert!(old.last() < new.first());
}

/// EVE lines with the figures that differ from run to run (peak memory, a script's time)
/// taken out.
fn comparable(lines: &str) -> Vec<String> {
    lines
        .lines()
        .map(|l| {
            let mut event: Value = serde_json::from_str(l).unwrap();
            if let Some(stats) = event.get_mut("stats").and_then(Value::as_object_mut) {
                stats.remove("peak_rss_bytes");
                for script in stats.get_mut("scripts").and_then(Value::as_array_mut).unwrap() {
                    script.as_object_mut().unwrap().remove("time_us");
                }
            }
            event.to_string()
        })
        .collect()
}

/// Asserts two runs' events equal, naming the first that differs.
fn assert_same_events(got: &[String], expected: &[String], what: &str) {
    assert_eq!(got.len(), expected.len(), "{what}: as many events");
    if let Some(i) = (0..got.len()).find(|&i| got[i] != expected[i]) {
        panic!("{what}: event {i} differs:\n{}\n{}", got[i], expected[i]);
    }
}

#[test]
fn eve_out_carries_what_json_writes_to_standard_output() {
    let test = "eve_out_carries_what_json_writes_to_standard_output";
    let dir = tempfile::tempdir().unwrap();
    let (capture, script) = (capture_file(dir.path(), 500), script(dir.path()));
    let args = ["-r", capture.to_str().unwrap(), "-s", script.to_str().unwrap()];
    let stdout = run_ok(&[&args[..], &["--json"]].concat()).stdout;
    let expected = comparable(std::str::from_utf8(&stdout).unwrap());
    assert_eq!(expected.len(), 500 + 500 + 1, "packets, alerts and stats");

    let (_out, file) = temp_path("eve.json");
    let out = run_ok(&[&args[..], &["--eve-out", file.to_str().unwrap()]].concat());
    assert!(out.stdout.is_empty(), "standard output is free");
    let text = std::fs::read_to_string(&file).unwrap();
    eve_lines(text.as_bytes());
    assert_same_events(&comparable(&text), &expected, "the file holds what --json writes");

    let Some(redis) = Redis::start(test, &[]) else { return };
    run_ok(&[&args[..], &["--eve-out", &redis.url("all")]].concat());
    let listed = redis.list("all").join("\n");
    eve_lines(listed.as_bytes());
    assert_same_events(&comparable(&listed), &expected, "Redis holds what --json writes");
}
