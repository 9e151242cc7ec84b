//! `tcp_request()` and `udp_request()` in `hark run`, against real servers started here:
//! python3's http.server for a stream socket and dnsmasq for a datagram socket, each on
//! 127.0.0.1 and ::1; a refused port, and servers that never answer.

use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util;

/// A server the test started, stopped when it goes out of scope.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port nothing listens on now, for TCP and UDP on both loopbacks.
fn free_port() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let free = ["127.0.0.1", "[::1]"].iter().all(|host| {
            TcpListener::bind(format!("{host}:{port}")).is_ok()
                && UdpSocket::bind(format!("{host}:{port}")).is_ok()
        });
        if free {
            return port;
        }
    }
}

/// Waits until `ready` holds, for at most five seconds.
fn wait_for(what: &str, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < Duration::from_secs(5), "{what} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn http_server(folder: &Path, host: &str, port: u16) -> Server {
    let child = Command::new("python3")
        .args(["-m", "http.server", &port.to_string(), "--bind", host, "--directory"])
        .arg(folder)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr =
        if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    wait_for("http.server", || std::net::TcpStream::connect(&addr).is_ok());
    Server(child)
}

const LAB: &str = r#"
fn main(args) {
    let http = parse_int(args[0]);
    let dns_port = parse_int(args[1]);
    for host in ["127.0.0.1", "::1"] {
        let page = tcp_request(host, http, "GET /hello.txt HTTP/1.0\r\n\r\n", 3000);
        log(`${host} http ${page.len()}`);
        print(page.as_string());
        let a = dns(udp_request(host, dns_port, dns_query("h1.lab.example", "A", 77), 3000));
        log(`${host} dns ${a.id} ${a.qr} ${a.rcode} ${a.addrs}`);
        let aaaa = dns(udp_request(host, dns_port, dns_query("h1.lab.example", "AAAA", 78), 3000));
        log(`${host} dns ${aaaa.id} ${aaaa.qr} ${aaaa.rcode} ${aaaa.addrs}`);
    }
}
"#;

#[test]
fn requests_get_real_servers_answers_on_both_loopbacks() {
    let test = "requests_get_real_servers_answers_on_both_loopbacks";
    if !util::have_for(test, "dnsmasq") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let body = "hello from a real server\n".repeat(2000);
    std::fs::write(dir.path().join("hello.txt"), &body).unwrap();
    let http = free_port();
    let _v4 = http_server(dir.path(), "127.0.0.1", http);
    let _v6 = http_server(dir.path(), "::1", http);
    let dns_port = free_port();
    let dnsmasq = Command::new("dnsmasq")
        .args([
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--pid-file=",
            "--bind-interfaces",
            "--listen-address=127.0.0.1",
            "--listen-address=::1",
            "--address=/h1.lab.example/198.18.0.10",
            "--address=/h1.lab.example/2001:db8::10",
            "--address=/www.lab.example/127.0.0.1",
        ])
        .arg(format!("--port={dns_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _dns = Server(dnsmasq);
    wait_for("dnsmasq", || UdpSocket::bind(format!("127.0.0.1:{dns_port}")).is_err());
    let script = dir.path().join("lab.rhai");
    std::fs::write(&script, LAB).unwrap();
    let run = util::run(&[
        "run",
        script.to_str().unwrap(),
        "--",
        &http.to_string(),
        &dns_port.to_string(),
    ]);
    let (stdout, stderr) =
        (String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    assert_eq!(run.status.code(), Some(0), "{stdout}{stderr}");
    let said: Vec<&str> = stderr.lines().filter_map(|l| l.strip_prefix("lab.rhai: ")).collect();
    let page = said.iter().find(|l| l.starts_with("HTTP/")).copied().unwrap_or_default();
    assert!(page.starts_with("HTTP/1.0 200 OK"), "{stderr}");
    // Each reply is the whole response: headers, then every byte of the file.
    let replies: Vec<&str> = stderr.split("lab.rhai: HTTP/1.0 200 OK").skip(1).collect();
    assert_eq!(replies.len(), 2, "{stderr}");
    for reply in &replies {
        let (_, served) = reply.split_once("\r\n\r\n").unwrap();
        assert!(served.starts_with(&body), "the body as served");
    }
    for host in ["127.0.0.1", "::1"] {
        let line = |l: &str| said.contains(&l);
        assert!(line(&format!("{host} dns 77 true 0 [\"198.18.0.10\"]")), "{host}: {stderr}");
        assert!(line(&format!("{host} dns 78 true 0 [\"2001:db8::10\"]")), "{host}: {stderr}");
        let prefix = format!("{host} http ");
        let got = said.iter().find_map(|s| s.strip_prefix(prefix.as_str())).unwrap_or("0");
        assert!(got.parse::<usize>().unwrap() > body.len(), "headers and body: {stderr}");
    }
    // The shipped lab client: the name from dnsmasq, then the page from that address.
    let client = util::root().join("scripts/lab_client.rhai");
    let (h, d) = (http.to_string(), dns_port.to_string());
    let run =
        util::run(&["run", client.to_str().unwrap(), "--", "127.0.0.1", &d, "www.lab.example", &h]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.starts_with("lab_client.rhai: www.lab.example is 127.0.0.1\n"), "{stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{http} said HTTP/1.0 200 OK")), "{stderr}");
}

#[test]
fn a_refused_port_is_an_error_and_silence_is_unit() {
    let dir = tempfile::tempdir().unwrap();
    let closed = free_port();
    // Servers that take the request and never answer.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mute_tcp = listener.local_addr().unwrap().port();
    let mute_udp_socket = UdpSocket::bind("[::1]:0").unwrap();
    let mute_udp = mute_udp_socket.local_addr().unwrap().port();
    let script = dir.path().join("quiet.rhai");
    std::fs::write(
        &script,
        format!(
            "fn main() {{
                 let t = tcp_request(\"127.0.0.1\", {mute_tcp}, \"hi\", 200);
                 let u = udp_request(\"::1\", {mute_udp}, \"hi\", 200);
                 log(`${{t == ()}} ${{u == ()}}`);
                 tcp_request(\"127.0.0.1\", {closed}, \"hi\", 1000);
             }}"
        ),
    )
    .unwrap();
    let started = Instant::now();
    let run = util::run(&["run", script.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(stderr.contains("quiet.rhai: true true"), "{stderr}");
    let expected =
        format!("tcp_request: 127.0.0.1:{closed}: connection refused (nothing listens there)");
    assert!(stderr.contains(&expected), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.contains("hark:")).count(),
        1,
        "one error line: {stderr}"
    );
    drop((listener, mute_udp_socket));
}

#[test]
fn requests_are_refused_in_capture_hooks() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("hook.rhai");
    std::fs::write(&script, "fn on_packet(pkt) { tcp_request(\"127.0.0.1\", 9, \"\", 10); }")
        .unwrap();
    let sample = util::root().join("examples/sample.pcap");
    let run = util::run(&[
        "-q",
        "-r",
        sample.to_str().unwrap(),
        "-s",
        script.to_str().unwrap(),
        "-c",
        "1",
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("tcp_request: only in hark run's main()"), "{stderr}");
}
