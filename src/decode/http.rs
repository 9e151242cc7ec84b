//! The request line and Host header of an HTTP/1.x request (RFC 9112 §3, RFC 9110 §7.2),
//! read from one packet's payload.

/// The parts of an HTTP request a script or an event cares about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The Host header's value, if the packet holds it.
    pub host: Option<&'a str>,
}

/// Methods hark recognises at the start of a payload; SSDP's are HTTP over UDP.
const METHODS: [&str; 12] = [
    "GET",
    "POST",
    "HEAD",
    "PUT",
    "DELETE",
    "OPTIONS",
    "CONNECT",
    "TRACE",
    "PATCH",
    "M-SEARCH",
    "NOTIFY",
    "SUBSCRIBE",
];

/// Reads a request from the start of `payload`, or `None` if it does not start one.
pub fn parse(payload: &[u8]) -> Option<HttpRequest<'_>> {
    let first = payload.get(..10)?;
    let space = first.iter().position(|&b| b == b' ')?;
    let method = std::str::from_utf8(&first[..space]).ok()?;
    if !METHODS.contains(&method) {
        return None;
    }
    let line_end = find(payload, b"\r\n").unwrap_or(payload.len());
    let line = std::str::from_utf8(&payload[..line_end]).ok()?;
    let mut parts = line.splitn(3, ' ');
    let (_, path, version) = (parts.next()?, parts.next()?, parts.next().unwrap_or(""));
    // A line cut short by the capture still counts; a wrong version does not.
    if !version.is_empty() && !"HTTP/1.1".starts_with(version) && !"HTTP/1.0".starts_with(version) {
        return None;
    }
    let mut host = None;
    let mut rest = payload.get(line_end + 2..).unwrap_or(&[]);
    while let Some(end) = find(rest, b"\r\n") {
        let header = &rest[..end];
        if header.is_empty() {
            break;
        }
        if header.len() > 5 && header[..5].eq_ignore_ascii_case(b"host:") {
            host = std::str::from_utf8(&header[5..]).ok().map(|v| v.trim_matches([' ', '\t']));
            break;
        }
        rest = &rest[end + 2..];
    }
    Some(HttpRequest { method, path, host })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    static REQUEST: &[u8] =
        b"GET /index.html HTTP/1.1\r\nUser-Agent: curl/8\r\nhost:  lab.example \r\n\r\n";

    #[test]
    fn reads_method_path_and_host() {
        let r = parse(REQUEST).unwrap();
        assert_eq!(
            r,
            HttpRequest { method: "GET", path: "/index.html", host: Some("lab.example") }
        );
    }

    #[test]
    fn ignores_responses_and_binary() {
        assert_eq!(parse(b"HTTP/1.1 200 OK\r\n\r\n"), None);
        assert_eq!(parse(&[0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0, 0]), None);
    }

    #[test]
    fn every_cut_is_safe() {
        for len in 0..REQUEST.len() {
            let _ = parse(&REQUEST[..len]);
        }
    }
}
