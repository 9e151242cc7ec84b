//! Hot reload, the chain's side: take the versions the watcher compiled and put them in
//! between two packets.
//!
//! A new version keeps the old one's `this` (and so every `table()` in it), its place in the
//! chain and its counters; its `rev` goes up by one and `on_reload` runs. A script new to a
//! watched folder joins at its place in name order and runs `on_start`; one whose file left
//! runs `on_stop` and leaves, its counters kept for the final stats. Each change is told to
//! the outputs as a [`Notice`].

use std::path::PathBuf;
use std::sync::Arc;

use rhai::Dynamic;

use super::reload::{self, Change};
use super::runner::{Argument, Hook};
use super::{Chain, Compiled, Script};
use crate::event::{Event, Notice, NoticeKind};
use crate::source::LinkType;

impl Chain {
    /// Starts watching `paths`, the paths the chain was loaded from, for new versions,
    /// compiled with FILTERs for `link`.
    pub fn watch(&mut self, paths: &[PathBuf], link: Option<LinkType>) -> Result<(), String> {
        let loaded = self.scripts.iter().map(|s| (s.path.clone(), s.stamp)).collect();
        self.watcher = Some(reload::watch(paths, loaded, link, self.inbox.clone())?);
        Ok(())
    }

    /// Whether new versions are ready: one atomic load, made between every two packets.
    #[inline]
    pub fn has_reloads(&self) -> bool {
        self.inbox.has_news()
    }

    /// Puts every ready change into the chain; what they say joins the chain's events.
    /// Kept out of line: it is rare, and inlined into the packet loop it would cost every
    /// packet.
    #[cold]
    #[inline(never)]
    pub fn reload(&mut self) {
        for change in self.inbox.take() {
            match change {
                Change::Ready(compiled) => match self.position(&compiled.path) {
                    Some(i) => self.replace(i, *compiled),
                    None => self.add(*compiled),
                },
                Change::Gone(path) => {
                    if let Some(i) = self.position(&path) {
                        self.remove(i);
                    }
                }
                Change::Failed { path, error } => {
                    let (kind, version) = match self.position(&path) {
                        Some(i) => {
                            let script = &mut self.scripts[i];
                            script.stats.reload_errors += 1;
                            (NoticeKind::Reload, Some(version(script)))
                        }
                        None => (NoticeKind::Added, None),
                    };
                    self.tell(Notice {
                        kind,
                        script: super::load::script_name(&path).to_string(),
                        error: Some(error),
                        version,
                    });
                }
            }
        }
    }

    fn position(&self, path: &std::path::Path) -> Option<usize> {
        self.scripts.iter().position(|s| s.path == path)
    }

    fn replace(&mut self, i: usize, compiled: Compiled) {
        let script = &mut self.scripts[i];
        // The same text saved again is not a new version.
        if script.stamp.digest == compiled.stamp.digest {
            script.stamp = compiled.stamp;
            return;
        }
        script.runner.replace(&self.engine, compiled.prepared);
        script.filter = compiled.filter;
        script.stamp = compiled.stamp;
        script.sha256 = compiled.sha256;
        script.rev += 1;
        script.stats.reloads += 1;
        let notice = done(NoticeKind::Reload, script);
        // A script stopped for its memory lost its state: its new version starts afresh.
        let restart = std::mem::take(&mut script.over_budget);
        // The host names the running version in alerts: it must learn the new one.
        self.running = None;
        self.tell(notice);
        let hook = if restart { Hook::Start } else { Hook::Reload };
        if self.scripts[i].runner.has(hook) {
            let _ = self.call(i, hook, Argument::Value(Dynamic::UNIT));
        }
    }

    fn add(&mut self, compiled: Compiled) {
        let script = Script::new(&self.engine, compiled, self.script_memory);
        let at = self.scripts.partition_point(|s| s.path.file_name() <= script.path.file_name());
        let notice = done(NoticeKind::Added, &script);
        self.scripts.insert(at, script);
        self.running = None;
        self.tell(notice);
        if self.scripts[at].runner.has(Hook::Start) {
            let _ = self.call(at, Hook::Start, Argument::Value(Dynamic::UNIT));
        }
    }

    fn remove(&mut self, i: usize) {
        self.stop_script(i);
        let script = self.scripts.remove(i);
        self.running = None;
        self.tell(done(NoticeKind::Removed, &script));
        self.removed.push((Arc::clone(&script.name), script.stats));
    }

    /// Queues a notice among the scripts' events, in the order things happened.
    fn tell(&mut self, notice: Notice) {
        if let Ok(mut h) = self.host.lock() {
            h.events.push(Event::Hark(notice));
            h.pending.store(true, std::sync::atomic::Ordering::Release);
        }
    }
}

/// The notice of a change that was made, naming the version it leaves running (or removed).
fn done(kind: NoticeKind, script: &Script) -> Notice {
    Notice { kind, script: script.name.to_string(), error: None, version: Some(version(script)) }
}

fn version(script: &Script) -> (String, u32) {
    (script.sha256.to_string(), script.rev)
}
