//! EVE lines to a Unix stream socket or to Redis, from a thread of their own.
//!
//! The capture loop only pushes onto a bounded queue. When the queue is full (the reader is
//! slow or gone) the oldest line is dropped and counted, so memory stays bounded and the
//! newest alerts, the ones someone will look at, survive. The thread sends in batches — one
//! RPUSH of many values, or a pipeline of PUBLISH or XADD — which is what lets one
//! connection carry hundreds of thousands of alerts a second, and reconnects with backoff.

use std::collections::VecDeque;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::sink::Destination;

/// Lines taken from the queue for one send.
const BATCH: usize = 1024;
/// How long the sender waits for a batch to fill once a line is queued. Without it an
/// alert every few microseconds is sent alone, each a wake-up and a round trip: seven
/// times the CPU of the alert itself.
const LINGER: Duration = Duration::from_millis(2);
/// The first wait after a failed connection; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long a connection, a send or an answer may take before the server is taken as gone.
const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// At the end of a run, how long hark waits for an absent server before dropping the rest.
const DRAIN_FOR: Duration = Duration::from_secs(3);

/// How lines are handed to Redis, as Suricata's redis output names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisMode {
    /// RPUSH onto a list (read with BLPOP, in order).
    List,
    /// PUBLISH on a channel.
    Channel,
    /// XADD to a stream, each line as field `eve`.
    Stream,
}

/// `redis[s]://[USER:PASSWORD@]HOST[:PORT]/KEY[?mode=list|channel|stream&db=N][#insecure]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisTarget {
    /// What the redis crate connects to: the URL without hark's key and mode.
    server: String,
    /// The URL as given, its password hidden, for messages.
    shown: String,
    pub key: String,
    pub mode: RedisMode,
}

impl RedisTarget {
    /// Reads a Redis URL; an error is the reason, for a usage error.
    pub fn parse(url: &str) -> Result<RedisTarget, String> {
        let (scheme, rest) =
            url.split_once("://").ok_or("a redis URL starts redis:// or rediss://")?;
        let (rest, fragment) = match rest.split_once('#') {
            Some((rest, fragment)) => (rest, Some(fragment)),
            None => (rest, None),
        };
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, key) = rest.split_once('/').unwrap_or((rest, ""));
        if authority.rsplit('@').next().is_none_or(str::is_empty) {
            return Err("no host (redis://HOST:PORT/KEY)".into());
        }
        let key = if key.is_empty() { "hark" } else { key };
        let mut mode = RedisMode::List;
        let mut db = "0";
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("mode", "list")) => mode = RedisMode::List,
                Some(("mode", "channel")) => mode = RedisMode::Channel,
                Some(("mode", "stream")) => mode = RedisMode::Stream,
                Some(("mode", other)) => {
                    return Err(format!(
                        "{url}: mode={other}: not a mode (list, channel or stream)"
                    ));
                }
                Some(("db", n)) if n.parse::<u16>().is_ok() => db = n,
                _ => {
                    return Err(format!(
                        "{pair}: not understood (the query takes mode=list|channel|stream and db=N)"
                    ));
                }
            }
        }
        let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
        let server = format!("{scheme}://{authority}/{db}{fragment}");
        // The password is not for standard error or the logs that keep it.
        let shown_authority = match authority.rsplit_once('@') {
            Some((_, host)) => format!("…@{host}"),
            None => authority.to_string(),
        };
        let shown = format!("{scheme}://{shown_authority}/{key}");
        redis::Client::open(server.as_str()).map_err(|e| e.to_string())?;
        Ok(RedisTarget { server, shown, key: key.to_string(), mode })
    }
}

impl std::fmt::Display for RedisTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

/// What a remote sink did in a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RemoteCounts {
    pub sent: u64,
    /// Lines dropped because the queue was full, or still queued when the run ended and the
    /// server stayed away.
    pub dropped: u64,
}

struct Queue {
    lines: VecDeque<Vec<u8>>,
    counts: RemoteCounts,
    closing: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    capacity: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A panic in the sender cannot leave the queue half-changed: every change is a
        // push, a pop or a count.
        self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Puts lines back at the front, oldest first, dropping the oldest beyond capacity.
    fn put_back(&self, batch: Vec<Vec<u8>>) {
        let mut queue = self.lock();
        for line in batch.into_iter().rev() {
            queue.lines.push_front(line);
        }
        while queue.lines.len() > self.capacity {
            queue.lines.pop_front();
            queue.counts.dropped += 1;
        }
    }
}

/// The capture loop's end of a remote sink.
pub struct Remote {
    shared: Arc<Shared>,
    sender: Option<JoinHandle<()>>,
    /// The flag and destination, as hark's lines about it name them.
    named: String,
    /// What its lines are, for those lines: alerts, events.
    lines_are: &'static str,
}

impl Remote {
    /// Starts the thread that connects to `dest` and sends what is pushed.
    /// `flag` names the sink in what hark says of it (`alerts`, `eve-out`), and
    /// `lines_are` its lines (`alerts`, `events`).
    pub fn start(
        dest: Destination,
        capacity: usize,
        flag: &'static str,
        lines_are: &'static str,
    ) -> Remote {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                lines: VecDeque::new(),
                counts: RemoteCounts::default(),
                closing: false,
            }),
            wake: Condvar::new(),
            capacity: capacity.max(1),
        });
        let named = format!("{flag}: {dest}");
        let for_thread = Arc::clone(&shared);
        let sender = std::thread::Builder::new()
            .name("hark-eve-out".into())
            .spawn(move || send_all(&dest, &for_thread, flag, lines_are))
            .ok();
        Remote { shared, sender, named, lines_are }
    }

    /// Queues one line; the oldest queued line makes room if the queue is full.
    pub fn push(&self, line: Vec<u8>) {
        let mut queue = self.shared.lock();
        if queue.lines.len() >= self.shared.capacity {
            queue.lines.pop_front();
            queue.counts.dropped += 1;
        }
        queue.lines.push_back(line);
        let queued = queue.lines.len();
        drop(queue);
        // The sender sleeps on an empty queue, or lingers for a batch to fill; waking it
        // costs a system call, so it is woken only for those two.
        if queued == 1 || queued == BATCH {
            self.shared.wake.notify_one();
        }
    }

    /// Sends what is queued, waiting at most [`DRAIN_FOR`] for a server that is away, and
    /// counts (and says) what could not be sent.
    pub fn finish(mut self) -> RemoteCounts {
        self.shared.lock().closing = true;
        self.shared.wake.notify_one();
        if let Some(sender) = self.sender.take() {
            let _ = sender.join();
        }
        let mut queue = self.shared.lock();
        let left = queue.lines.len() as u64;
        queue.lines.clear();
        queue.counts.dropped += left;
        let RemoteCounts { sent, dropped } = queue.counts;
        if dropped > 0 {
            let of = sent + dropped;
            let what = self.lines_are;
            say(&self.named, &format!("{dropped} of {of} {what} dropped: it was slow or away"));
        }
        queue.counts
    }
}

/// A connection to the destination.
enum Connection {
    Unix(UnixStream),
    Redis(Box<redis::Connection>, RedisMode, String),
}

impl Connection {
    fn open(dest: &Destination) -> Result<Connection, String> {
        match dest {
            Destination::Unix(path) => {
                let stream = UnixStream::connect(path).map_err(|e| io_reason(&e))?;
                stream.set_write_timeout(Some(IO_TIMEOUT)).map_err(|e| io_reason(&e))?;
                Ok(Connection::Unix(stream))
            }
            Destination::Redis(target) => {
                let client = redis::Client::open(target.server.as_str()).map_err(redis_reason)?;
                let con = client.get_connection_with_timeout(IO_TIMEOUT).map_err(redis_reason)?;
                con.set_write_timeout(Some(IO_TIMEOUT)).map_err(redis_reason)?;
                con.set_read_timeout(Some(IO_TIMEOUT)).map_err(redis_reason)?;
                Ok(Connection::Redis(Box::new(con), target.mode, target.key.clone()))
            }
            Destination::File(_) => Err("a file is not written from here".into()),
        }
    }

    fn send(&mut self, batch: &[Vec<u8>]) -> Result<(), String> {
        match self {
            Connection::Unix(stream) => {
                let whole: Vec<u8> = batch.concat();
                stream.write_all(&whole).map_err(|e| io_reason(&e))
            }
            Connection::Redis(con, mode, key) => {
                // Lines are sent without their newline: each value is one event.
                let events = batch.iter().map(|l| l.strip_suffix(b"\n").unwrap_or(l));
                let mut pipe = redis::pipe();
                match mode {
                    RedisMode::List => {
                        pipe.cmd("RPUSH").arg(&*key).arg(events.collect::<Vec<_>>()).ignore();
                    }
                    RedisMode::Channel => {
                        for event in events {
                            pipe.cmd("PUBLISH").arg(&*key).arg(event).ignore();
                        }
                    }
                    RedisMode::Stream => {
                        for event in events {
                            pipe.cmd("XADD").arg(&*key).arg("*").arg("eve").arg(event).ignore();
                        }
                    }
                }
                pipe.exec(&mut **con).map_err(redis_reason)
            }
        }
    }
}

/// The sender thread: connect, send batches, and on any failure put the batch back,
/// wait, and connect again.
fn send_all(dest: &Destination, shared: &Shared, flag: &str, lines_are: &str) {
    let named = format!("{flag}: {dest}");
    let mut connection: Option<Connection> = None;
    let mut backoff = FIRST_BACKOFF;
    // Whether hark has said the destination is away, and not yet that it is back.
    let mut said_away = false;
    let mut closing_at: Option<Instant> = None;
    loop {
        let batch: Vec<Vec<u8>> = {
            let mut queue = shared.lock();
            while queue.lines.is_empty() && !queue.closing {
                queue = shared.wake.wait(queue).unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            if queue.lines.len() < BATCH && !queue.closing && connection.is_some() {
                queue = shared
                    .wake
                    .wait_timeout(queue, LINGER)
                    .map_or_else(|e| e.into_inner().0, |(queue, _)| queue);
            }
            if queue.closing && closing_at.is_none() {
                closing_at = Some(Instant::now());
            }
            if queue.lines.is_empty() {
                return;
            }
            let n = queue.lines.len().min(BATCH);
            queue.lines.drain(..n).collect()
        };
        if closing_at.is_some_and(|at| at.elapsed() >= DRAIN_FOR) && connection.is_none() {
            shared.put_back(batch);
            return;
        }
        let outcome = match connection.as_mut() {
            Some(con) => con.send(&batch),
            None => Connection::open(dest).and_then(|mut con| {
                let sent = con.send(&batch);
                connection = Some(con);
                sent
            }),
        };
        match outcome {
            Ok(()) => {
                shared.lock().counts.sent += batch.len() as u64;
                backoff = FIRST_BACKOFF;
                if said_away {
                    say(&named, "reached again; sending what was queued");
                    said_away = false;
                }
            }
            Err(why) => {
                connection = None;
                shared.put_back(batch);
                if !said_away {
                    say(
                        &named,
                        &format!(
                            "{why}; {lines_are} are queued (up to {}, the oldest dropped beyond) while hark reconnects",
                            shared.capacity
                        ),
                    );
                    said_away = true;
                }
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

fn say(named: &str, line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "hark: {named}: {line}");
}

fn io_reason(e: &std::io::Error) -> String {
    crate::source::io_reason(e)
}

fn redis_reason(e: redis::RedisError) -> String {
    if e.kind() == redis::ErrorKind::AuthenticationFailed {
        return "the server refused the password".into();
    }
    if e.is_connection_refusal() {
        return "connection refused (is the server running, on that port?)".into();
    }
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redis_url_names_its_key_and_mode_and_hides_its_password() {
        let t = RedisTarget::parse("redis://:s3cret@127.0.0.1:6380/alerts?mode=stream").unwrap();
        assert_eq!((t.key.as_str(), t.mode), ("alerts", RedisMode::Stream));
        assert_eq!(t.server, "redis://:s3cret@127.0.0.1:6380/0");
        assert_eq!(t.to_string(), "redis://…@127.0.0.1:6380/alerts");
        let t = RedisTarget::parse("rediss://h/k?db=3#insecure").unwrap();
        assert_eq!((t.server.as_str(), t.mode), ("rediss://h/3#insecure", RedisMode::List));
        assert_eq!(RedisTarget::parse("redis://h").unwrap().key, "hark");
        assert!(RedisTarget::parse("redis://h/k?mode=queue").unwrap_err().contains("mode=queue"));
        assert!(RedisTarget::parse("redis://h/k?x=1").unwrap_err().contains("x=1"));
        assert!(RedisTarget::parse("redis:///k").unwrap_err().contains("no host"));
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_counts_them() {
        let dest = Destination::Unix("/nonexistent/hark-test.sock".into());
        let remote = Remote::start(dest, 3, "alerts", "alerts");
        for i in 0..10u8 {
            remote.push(vec![i]);
        }
        let kept: Vec<Vec<u8>> = remote.shared.lock().lines.iter().cloned().collect();
        // The sender may hold a batch while it fails to connect; what is queued is always
        // the newest, and nothing is both kept and counted.
        assert!(kept.len() <= 3 && kept.last() == Some(&vec![9]));
        let counts = remote.finish();
        assert_eq!((counts.sent, counts.dropped), (0, 10));
    }
}
