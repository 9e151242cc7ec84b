//! `tcp_request()` and `udp_request()`: talking to servers over ordinary stream and
//! datagram sockets, which need no privilege, for `hark run` scripts.
//!
//! A stream socket carries bytes with no message boundaries, so `tcp_request` sends its
//! data and reads until the peer closes or the time is up; a datagram socket carries one
//! message per send, so `udp_request` sends one and returns the first that comes back.
//! Both wait, so they are refused in capture hooks: a hook that waited would stall capture.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rhai::{Blob, Dynamic, Engine, EvalAltResult};

use super::host::Host;

/// RFC 768 over IPv4: 65,535 less the IPv4 and UDP headers.
const MAX_UDP_PAYLOAD_V4: usize = 65_507;
/// RFC 8200: 65,535 less the UDP header (without jumbograms).
const MAX_UDP_PAYLOAD_V6: usize = 65_527;

type Outcome = Result<Dynamic, Box<EvalAltResult>>;

/// Registers the two requests; `host` says whether the running script may wait on them.
pub fn register(engine: &mut Engine, host: Arc<Mutex<Host>>) {
    let h = Arc::clone(&host);
    engine.register_fn(
        "tcp_request",
        move |host: &str, port: i64, data: Dynamic, timeout_ms: i64| -> Outcome {
            allowed(&h, "tcp_request")?;
            let (addr, timeout, data) = prepare("tcp_request", host, port, &data, timeout_ms)?;
            tcp(addr, &data, timeout).map_err(|e| format!("tcp_request: {host}:{port}: {e}").into())
        },
    );
    let h = host;
    engine.register_fn(
        "udp_request",
        move |host: &str, port: i64, data: Dynamic, timeout_ms: i64| -> Outcome {
            allowed(&h, "udp_request")?;
            let (addr, timeout, data) = prepare("udp_request", host, port, &data, timeout_ms)?;
            let most = if addr.is_ipv4() { MAX_UDP_PAYLOAD_V4 } else { MAX_UDP_PAYLOAD_V6 };
            if data.len() > most {
                return Err(format!(
                    "udp_request: {} bytes do not fit in one datagram to {addr} (at most {most})",
                    data.len()
                )
                .into());
            }
            udp(addr, &data, timeout).map_err(|e| format!("udp_request: {host}:{port}: {e}").into())
        },
    );
}

fn allowed(host: &Arc<Mutex<Host>>, name: &str) -> Result<(), Box<EvalAltResult>> {
    if host.lock().is_ok_and(|h| h.can_wait) {
        Ok(())
    } else {
        Err(format!("{name}: only in hark run's main() (in a capture hook it would stall capture)")
            .into())
    }
}

/// The address, the time allowed and the bytes to send, or an error naming what is wrong.
fn prepare(
    name: &str,
    host: &str,
    port: i64,
    data: &Dynamic,
    timeout_ms: i64,
) -> Result<(SocketAddr, Duration, Vec<u8>), Box<EvalAltResult>> {
    let port = u16::try_from(port)
        .map_err(|_| format!("{name}: port {port} is out of range (0 to 65535)"))?;
    let timeout_ms = u64::try_from(timeout_ms)
        .ok()
        .filter(|&ms| ms > 0)
        .ok_or_else(|| format!("{name}: a timeout of {timeout_ms} ms (give one above 0)"))?;
    let data = if data.is_blob() {
        data.clone().cast::<Blob>()
    } else if data.is_string() {
        data.to_string().into_bytes()
    } else if data.is_unit() {
        Vec::new()
    } else {
        return Err(
            format!("{name}: the data must be a blob or text, not {}", data.type_name()).into()
        );
    };
    // A name is looked up as the system looks names up; an address is taken as written.
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{name}: {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{name}: {host}: no address"))?;
    Ok((addr, Duration::from_millis(timeout_ms), data))
}

/// Connects, sends `data`, and reads until the peer closes; what came before the deadline
/// if it does not close in time, or `()` if nothing came.
fn tcp(addr: SocketAddr, data: &[u8], timeout: Duration) -> Result<Dynamic, String> {
    let deadline = Instant::now() + timeout;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| reason(&e))?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| reason(&e))?;
    stream.write_all(data).map_err(|e| reason(&e))?;
    let mut reply = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        stream.set_read_timeout(Some(left)).map_err(|e| reason(&e))?;
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(Dynamic::from_blob(reply)),
            Ok(n) => {
                reply.extend_from_slice(&chunk[..n]);
                if reply.len() > crate::sys::alloc::remaining() {
                    return Err("the reply would take the script past its memory budget".into());
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(reason(&e)),
        }
    }
    Ok(if reply.is_empty() { Dynamic::UNIT } else { Dynamic::from_blob(reply) })
}

/// Sends one datagram and returns the first that comes back from `addr`, or `()`.
fn udp(addr: SocketAddr, data: &[u8], timeout: Duration) -> Result<Dynamic, String> {
    let local: SocketAddr =
        if addr.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let socket = UdpSocket::bind(local).map_err(|e| reason(&e))?;
    // Connected, so only the server's answers are read and an ICMP port unreachable comes
    // back as a refused connection.
    socket.connect(addr).map_err(|e| reason(&e))?;
    socket.set_read_timeout(Some(timeout)).map_err(|e| reason(&e))?;
    socket.send(data).map_err(|e| reason(&e))?;
    let mut buf = vec![0u8; 65_536];
    match socket.recv(&mut buf) {
        Ok(n) => {
            buf.truncate(n);
            Ok(Dynamic::from_blob(buf))
        }
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            Ok(Dynamic::UNIT)
        }
        Err(e) => Err(reason(&e)),
    }
}

/// The reason, in words, without the error number.
fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        ErrorKind::ConnectionRefused => "connection refused (nothing listens there)".into(),
        ErrorKind::TimedOut | ErrorKind::WouldBlock => "no answer in time".into(),
        _ => {
            let text = e.to_string();
            text.split(" (os error").next().unwrap_or(&text).to_lowercase()
        }
    }
}
