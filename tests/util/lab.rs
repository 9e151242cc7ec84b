//! A network lab for the live tests: two network namespaces joined by a veth pair.
//!
//! ```text
//!   client namespace            router namespace
//!   c0 198.18.1.1/24  <──veth──>  r0 198.18.1.2/24   (hark captures and answers on r0)
//! ```
//!
//! Addresses come from 198.18.0.0/15 only, inside namespaces the lab made itself, so
//! nothing reaches any other network. Names carry the test process's id, so labs of tests
//! running in parallel never meet; dropping the lab kills what runs in it and deletes the
//! namespaces (on a failed assertion too), and a new lab first removes what an interrupted
//! run left behind.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const CLIENT_IP: &str = "198.18.1.1";
pub const ROUTER_IP: &str = "198.18.1.2";
/// The interface hark listens on, in the router namespace.
pub const ROUTER_IF: &str = "r0";
pub const CLIENT_IF: &str = "c0";

const PREFIX: &str = "hark-lab-";

pub struct Lab {
    pub client: String,
    pub router: String,
}

impl Lab {
    /// Builds the lab, or says why `test` is skipped (a failure under CI).
    pub fn new(test: &str) -> Option<Lab> {
        if !super::root_for(test, "the lab needs root to make network namespaces") {
            return None;
        }
        if !super::have_for(test, "ip") {
            return None;
        }
        remove_leftovers();
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let id =
            format!("{}{}-{}", PREFIX, std::process::id(), SEQ.fetch_add(1, Ordering::Relaxed));
        let lab = Lab { client: format!("{id}-c"), router: format!("{id}-r") };
        for ns in [&lab.client, &lab.router] {
            ip(&["netns", "add", ns]);
        }
        ip(&[
            "link",
            "add",
            CLIENT_IF,
            "netns",
            &lab.client,
            "type",
            "veth",
            "peer",
            "name",
            ROUTER_IF,
            "netns",
            &lab.router,
        ]);
        for (ns, dev, addr) in
            [(&lab.client, CLIENT_IF, CLIENT_IP), (&lab.router, ROUTER_IF, ROUTER_IP)]
        {
            // No IPv6: its router and neighbour solicitations would be noise in every count.
            lab.run_ok(ns, "sysctl", &["-qw", "net.ipv6.conf.all.disable_ipv6=1"]);
            ip(&["-n", ns, "addr", "add", &format!("{addr}/24"), "dev", dev]);
            ip(&["-n", ns, "link", "set", dev, "up"]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        Some(lab)
    }

    /// A command that runs `program` inside namespace `ns`.
    pub fn command(&self, ns: &str, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns, program]).args(args).env("TZ", "UTC");
        cmd
    }

    /// Runs `program` in `ns` to its end.
    pub fn run(&self, ns: &str, program: &str, args: &[&str]) -> Output {
        self.command(ns, program, args).stdin(Stdio::null()).output().expect("ip netns exec runs")
    }

    /// Runs `program` in `ns`, which must succeed.
    pub fn run_ok(&self, ns: &str, program: &str, args: &[&str]) -> Output {
        let out = self.run(ns, program, args);
        assert!(
            out.status.success(),
            "{program} {args:?} in {ns}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Starts hark in the router namespace; returns once its capture socket is open.
    pub fn hark(&self, args: &[&str]) -> Child {
        self.spawn_capture(&self.router, env!("CARGO_BIN_EXE_hark"), args)
    }

    /// Starts a capturing program in `ns` (hark, tcpdump) and waits until the namespace has
    /// one more packet socket than before, so that no packet sent after this is missed.
    pub fn spawn_capture(&self, ns: &str, program: &str, args: &[&str]) -> Child {
        let before = self.packet_sockets(ns);
        let child = self
            .command(ns, program, args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the capture starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.packet_sockets(ns) <= before {
            assert!(Instant::now() < deadline, "{program} opened no capture socket in 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        // The socket is bound; give the program a moment to reach its loop.
        std::thread::sleep(Duration::from_millis(100));
        child
    }

    /// Packet sockets open in `ns` (lines of its /proc/net/packet after the heading).
    fn packet_sockets(&self, ns: &str) -> usize {
        let out = self.run(ns, "cat", &["/proc/net/packet"]);
        String::from_utf8_lossy(&out.stdout).lines().count().saturating_sub(1)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in [&self.client, &self.router] {
            delete_namespace(ns);
        }
    }
}

/// Sends `signal` to a child and collects what it wrote.
pub fn stop(mut child: Child, signal: &str) -> Output {
    let _ = Command::new("kill").args(["-s", signal, &child.id().to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().ok().flatten().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("the child's output")
}

/// Kills what still runs in `ns`, then deletes it (its veth end goes with it).
fn delete_namespace(ns: &str) {
    if let Ok(out) = Command::new("ip").args(["netns", "pids", ns]).output() {
        for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
            let _ = Command::new("kill").args(["-9", pid]).status();
        }
    }
    let _ = Command::new("ip").args(["netns", "del", ns]).stderr(Stdio::null()).status();
}

/// Deletes the namespaces of lab runs whose test process is gone (an interrupted run).
fn remove_leftovers() {
    let Ok(entries) = std::fs::read_dir("/run/netns") else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(rest) = name.strip_prefix(PREFIX) else { continue };
        let pid = rest.split('-').next().unwrap_or("");
        if !pid.is_empty() && !Path::new(&format!("/proc/{pid}")).exists() {
            delete_namespace(&name);
        }
    }
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("ip runs");
    assert!(out.status.success(), "ip {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A shipped script with some of its knobs (`const NAME = …;` lines) set, written to `dir`.
pub fn script_with(dir: &Path, script: &str, knobs: &[(&str, &str)]) -> std::path::PathBuf {
    let text = std::fs::read_to_string(super::root().join("scripts").join(script)).unwrap();
    let mut out = String::new();
    let mut in_old_value = false;
    for line in text.lines() {
        if in_old_value {
            // The rest of a knob whose value spans lines, replaced as a whole.
            in_old_value = !line.trim_end().ends_with(';');
            continue;
        }
        let knob = knobs.iter().find(|(name, _)| line.starts_with(&format!("const {name} = ")));
        match knob {
            Some((name, value)) => {
                out.push_str(&format!("const {name} = {value};"));
                in_old_value = !line.trim_end().ends_with(';');
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    for (name, _) in knobs {
        assert!(out.contains(&format!("const {name} = ")), "{script} has no knob {name}");
    }
    let path = dir.join(script);
    std::fs::write(&path, out).unwrap();
    path
}
