//! Hot reload, the watcher's side: notice that a script was saved, read and compile it off
//! the packet path, and leave the result where the chain picks it up between two packets.
//!
//! Every `-s` path is watched through the folder that holds it (a script file) or the
//! folder itself (a script folder), because editors save by writing a new file and renaming
//! it over the old one: a watch on the file would follow the old one away. A script is read
//! once its folder has been quiet for [`QUIET`], so a save's burst of events gives one
//! check; and a check compares what it read with what it read last, so a `touch`, or the
//! same text saved again, gives no new version at all.
//!
//! The chain's only cost per packet is one relaxed atomic load ([`Inbox::has_news`]).

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher as _};
use rhai::Engine;

use super::load::{self, Compiled, Stamp, is_folder_script, script_files, script_name};
use crate::source::LinkType;

/// How long a script's folder must stay quiet after an event on a script before it is read.
/// Editors finish a save's writes and renames within a few milliseconds; 50 ms keeps a
/// save's time to go live well under the 100 ms a user notices.
///
/// The debouncing is hark's own, a few lines: notify-debouncer-full delays each event by
/// its timeout rather than waiting for quiet, so a save whose truncation and write fall on
/// either side of its tick is read half-written.
pub const QUIET: Duration = Duration::from_millis(50);
/// A script saved again and again without a pause is still read this often.
const LONGEST_WAIT: Duration = Duration::from_millis(500);

/// What the watcher hands the chain.
pub enum Change {
    /// A new version of a script, or a script new to its folder, compiled and ready.
    Ready(Box<Compiled>),
    /// A script's file left its folder: the script leaves the chain.
    Gone(PathBuf),
    /// A save that does not compile, or a file that cannot be read: what runs stays.
    Failed { path: PathBuf, error: String },
}

/// Where ready changes wait for the chain.
#[derive(Clone, Default)]
pub struct Inbox {
    news: Arc<AtomicBool>,
    changes: Arc<Mutex<Vec<Change>>>,
}

impl Inbox {
    /// Whether changes are waiting: the one check made per packet.
    #[inline]
    pub fn has_news(&self) -> bool {
        self.news.load(Ordering::Relaxed)
    }

    /// The changes waiting, oldest first.
    pub fn take(&self) -> Vec<Change> {
        // Cleared before the queue is emptied: a change queued meanwhile sets it again.
        self.news.store(false, Ordering::Relaxed);
        match self.changes.lock() {
            Ok(mut changes) => std::mem::take(&mut *changes),
            Err(_) => Vec::new(),
        }
    }

    fn put(&self, change: Change) {
        if let Ok(mut changes) = self.changes.lock() {
            changes.push(change);
        }
        self.news.store(true, Ordering::Release);
    }
}

/// Watches the scripts for as long as it lives.
pub struct Watcher {
    _watcher: notify::RecommendedWatcher,
}

/// A `-s` path and the folder watched for it.
struct Target {
    /// As the user gave it; the scripts it names are found under it.
    path: PathBuf,
    /// The folder that holds it (a file) or it (a folder), made absolute, as events name it.
    folder: PathBuf,
    /// The file's name, for a script file; `None` for a folder.
    file: Option<OsString>,
}

/// What the watcher last read in a script's file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Seen {
    Text(Stamp),
    Unreadable,
}

/// The watcher's memory of the scripts: what it last read of each and which are running.
struct Tracker {
    targets: Vec<Target>,
    seen: HashMap<PathBuf, Seen>,
    /// Scripts in the chain, as far as the changes sent so far say.
    live: HashSet<PathBuf>,
    link: Option<LinkType>,
    /// Compiling runs a script's top level: it gets an engine of its own, so that whatever
    /// that code does never reaches the running scripts. Made at the first change.
    engine: Option<Engine>,
    inbox: Inbox,
}

/// Starts watching `paths`, whose scripts the chain loaded as `loaded` says.
pub fn watch(
    paths: &[PathBuf],
    loaded: Vec<(PathBuf, Stamp)>,
    link: Option<LinkType>,
    inbox: Inbox,
) -> Result<Watcher, String> {
    let mut targets = Vec::new();
    for path in paths {
        let (folder, file) = if path.is_dir() {
            (path.clone(), None)
        } else {
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
            (parent.unwrap_or(Path::new(".")).to_path_buf(), path.file_name().map(OsString::from))
        };
        let folder = std::fs::canonicalize(&folder)
            .map_err(|e| format!("{}: {}", folder.display(), load::reason(&e)))?;
        targets.push(Target { path: path.clone(), folder, file });
    }
    let (events_in, events) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(events_in).map_err(|e| e.to_string())?;
    let folders: HashSet<&Path> = targets.iter().map(|t| t.folder.as_path()).collect();
    for folder in folders {
        watcher
            .watch(folder, RecursiveMode::NonRecursive)
            .map_err(|e| format!("{}: {e}", folder.display()))?;
    }
    let tracker = Tracker {
        targets,
        live: loaded.iter().map(|(path, _)| path.clone()).collect(),
        seen: loaded.into_iter().map(|(path, stamp)| (path, Seen::Text(stamp))).collect(),
        link,
        engine: None,
        inbox,
    };
    std::thread::Builder::new()
        .name("hark-reload".into())
        .spawn(move || tracker.run(&events))
        .map_err(|e| e.to_string())?;
    Ok(Watcher { _watcher: watcher })
}

impl Tracker {
    /// Checks the targets that events touched once their folders are quiet, until the
    /// watcher is dropped.
    fn run(mut self, events: &Receiver<notify::Result<notify::Event>>) {
        // A save between the chain's load and the watch's start raised no event: look once.
        let all: Vec<usize> = (0..self.targets.len()).collect();
        self.check(&all);
        let mut dirty: Vec<usize> = Vec::new();
        // When the first event of the pending ones came, and the last.
        let mut pending: Option<(Instant, Instant)> = None;
        loop {
            let wait = match pending {
                Some((first, last)) => {
                    let quiet_at = (last + QUIET).min(first + LONGEST_WAIT);
                    quiet_at.saturating_duration_since(Instant::now())
                }
                None => Duration::from_secs(3600),
            };
            match events.recv_timeout(wait) {
                Ok(Ok(event)) => {
                    let touched = self.touched(&event);
                    if !touched.is_empty() {
                        let now = Instant::now();
                        pending = Some((pending.map_or(now, |(first, _)| first), now));
                        dirty.extend(touched);
                    }
                }
                // The watch itself failed (its folder went away, say): nothing to read.
                Ok(Err(_)) => {}
                Err(RecvTimeoutError::Timeout) => {
                    dirty.sort_unstable();
                    dirty.dedup();
                    self.check(&dirty);
                    dirty.clear();
                    pending = None;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// The targets an event may have changed.
    fn touched(&self, event: &notify::Event) -> Vec<usize> {
        use notify::event::{AccessKind, AccessMode, EventKind};
        // Opening and reading change nothing, and hark's own reads would wake it again.
        if let EventKind::Access(kind) = event.kind {
            if kind != AccessKind::Close(AccessMode::Write) {
                return Vec::new();
            }
        }
        let concerns = |target: &Target| {
            event.need_rescan() || event.paths.iter().any(|path| target.concerns(path))
        };
        (0..self.targets.len()).filter(|&i| concerns(&self.targets[i])).collect()
    }

    /// Reads the scripts of the targets `which` and sends what changed.
    fn check(&mut self, which: &[usize]) {
        for &i in which {
            let target = &self.targets[i];
            if target.file.is_some() {
                let path = target.path.clone();
                self.check_file(&path, true);
                continue;
            }
            let folder = target.path.clone();
            let Ok(files) = script_files(&folder) else { continue };
            for path in &files {
                self.check_file(path, false);
            }
            let gone: Vec<PathBuf> = self
                .live
                .iter()
                .filter(|p| p.parent() == Some(folder.as_path()) && !files.contains(p))
                .cloned()
                .collect();
            for path in gone {
                self.live.remove(&path);
                self.seen.remove(&path);
                self.inbox.put(Change::Gone(path));
            }
        }
    }

    /// Reads one script and sends its new version, or why it has none. A folder's file
    /// that cannot be read has just left it, which its folder's listing will show.
    fn check_file(&mut self, path: &Path, named_by_user: bool) {
        let name = script_name(path);
        let source = match load::read(path, &name) {
            Ok(source) => source,
            Err(error) => {
                if named_by_user
                    && self.seen.insert(path.to_path_buf(), Seen::Unreadable)
                        != Some(Seen::Unreadable)
                {
                    self.inbox.put(Change::Failed { path: path.to_path_buf(), error });
                }
                return;
            }
        };
        if self.seen.insert(path.to_path_buf(), Seen::Text(source.stamp))
            == Some(Seen::Text(source.stamp))
        {
            return;
        }
        let engine = self.engine.get_or_insert_with(|| {
            let host = Arc::new(Mutex::new(super::host::Host::default()));
            super::engine::new(host, super::api_table::Clock::default())
        });
        match load::compile(engine, path, Arc::clone(&name), source, self.link) {
            Ok(compiled) => {
                self.live.insert(path.to_path_buf());
                self.inbox.put(Change::Ready(Box::new(compiled)));
            }
            Err(error) => self.inbox.put(Change::Failed { path: path.to_path_buf(), error }),
        }
    }
}

impl Target {
    /// Whether an event on `path` may have changed this target's scripts.
    fn concerns(&self, path: &Path) -> bool {
        if path.parent() != Some(self.folder.as_path()) {
            return false;
        }
        match &self.file {
            Some(name) => path.file_name() == Some(name.as_os_str()),
            None => is_folder_script(path),
        }
    }
}
