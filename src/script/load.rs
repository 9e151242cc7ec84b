//! Reading and compiling one script file, into a form that can be handed from the thread
//! that compiled it to the chain that runs it.
//!
//! Both the first load and every hot reload go through here, so a reload refuses exactly
//! what a start would refuse: a file others could change (when hark runs as root), a
//! syntax error, a top level that fails, a FILTER that does not compile for the capture's
//! link type. Every error is one `file:line:col: message` line.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rhai::{Engine, ImmutableString, Position, Scope};
use sha2::{Digest, Sha256};

use super::runner::Prepared;
use crate::filter::Filter;
use crate::source::LinkType;

/// A script compiled and ready to run, not yet part of a chain.
pub struct Compiled {
    pub path: PathBuf,
    /// The file name: how alerts, logs and errors name the script.
    pub name: Arc<str>,
    /// What the file held when it was read, and its SHA-256 as the 12 hex digits that
    /// alerts and events carry.
    pub stamp: Stamp,
    pub sha256: Arc<str>,
    pub prepared: Prepared,
    pub filter: Option<Filter>,
}

/// A script file's text as read, with what is needed to judge it.
pub struct Source {
    pub text: String,
    pub stamp: Stamp,
    /// The file's metadata, from the descriptor the text was read through.
    meta: std::fs::Metadata,
}

/// What tells one reading of a script file from another: its text's SHA-256 and who may
/// change it. The same text made safe by `chmod go-w` reads anew, and can then load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub digest: [u8; 32],
    mode: u32,
    uid: u32,
}

/// The name a script goes by: its file name.
pub fn script_name(path: &Path) -> Arc<str> {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
        .into()
}

/// The `.rhai` files a path names: the file itself, or a folder's `*.rhai` in name order.
/// Hidden files are left out: editors keep their swap and lock files there.
pub fn script_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if path.is_dir() {
        let entries =
            std::fs::read_dir(path).map_err(|e| format!("{}: {}", path.display(), reason(&e)))?;
        let mut files: Vec<PathBuf> =
            entries.flatten().map(|e| e.path()).filter(|p| is_folder_script(p)).collect();
        files.sort();
        Ok(files)
    } else {
        Ok(vec![path.to_path_buf()])
    }
}

/// Whether a file in a script folder is one of its scripts.
pub fn is_folder_script(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "rhai")
        && path.file_name().is_some_and(|n| !n.to_string_lossy().starts_with('.'))
}

pub fn reason(e: &std::io::Error) -> String {
    crate::source::io_reason(e)
}

/// Reads a script file; its metadata comes from the same open file, so the ownership
/// check judges the very text that was read.
pub fn read(path: &Path, name: &str) -> Result<Source, String> {
    let cannot = |e: std::io::Error| format!("{name}: cannot read: {}", reason(&e));
    let mut file = std::fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(cannot)?;
    use std::os::unix::fs::MetadataExt;
    let stamp = Stamp {
        digest: Sha256::digest(text.as_bytes()).into(),
        mode: meta.mode(),
        uid: meta.uid(),
    };
    Ok(Source { text, stamp, meta })
}

/// Reads and compiles the script at `path`, its FILTER for `link`.
pub fn load(engine: &Engine, path: &Path, link: Option<LinkType>) -> Result<Compiled, String> {
    let name = script_name(path);
    let source = read(path, &name)?;
    compile(engine, path, name, source, link)
}

/// What scripts' top levels hold while they run, all of it let go when compiling ends:
/// one account serves every compile (memory freed late cannot credit another script).
fn top_level_account() -> Option<&'static crate::sys::alloc::Account> {
    static ACCOUNT: std::sync::OnceLock<Option<crate::sys::alloc::Account>> =
        std::sync::OnceLock::new();
    ACCOUNT.get_or_init(|| crate::sys::alloc::Account::open(super::engine::SCRIPT_MEMORY)).as_ref()
}

/// Compiles a script read with [`read`]: checks who could change it, compiles it, runs its
/// top level once and compiles its FILTER for `link`.
pub fn compile(
    engine: &Engine,
    path: &Path,
    name: Arc<str>,
    source: Source,
    link: Option<LinkType>,
) -> Result<Compiled, String> {
    check_ownership(&source.meta, path, &name)?;
    let ast = engine.compile(&source.text).map_err(|e| located(&name, e.position(), &e))?;
    // The top level runs once: it defines constants such as FILTER and LIMIT. Optimizing
    // the script again with them in scope puts their values into the functions, where
    // Rhai would otherwise not see them.
    let mut scope = Scope::new();
    let ran = crate::sys::alloc::charged_to(top_level_account(), || {
        engine.run_ast_with_scope(&mut scope, &ast)
    });
    ran.map_err(|e| match crate::sys::alloc::over_budget() {
        Some(_) => format!(
            "{name}: top level: went past the memory budget of {}",
            super::budget::size(super::engine::SCRIPT_MEMORY)
        ),
        None => located(&name, e.position(), &e),
    })?;
    let ast = engine.optimize_ast(&scope, ast, rhai::OptimizationLevel::Simple);
    let filter = match scope.get_value::<ImmutableString>("FILTER") {
        Some(text) => {
            let mut filter = Filter::new(&text).map_err(|e| format!("{name}: FILTER: {e}"))?;
            if let Some(link) = link {
                filter.prepare(link).map_err(|e| format!("{name}: FILTER: {e}"))?;
            }
            Some(filter)
        }
        None => None,
    };
    let sha256: String = source.stamp.digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    Ok(Compiled {
        path: path.to_path_buf(),
        name,
        stamp: source.stamp,
        sha256: sha256.into(),
        prepared: Prepared::new(ast),
        filter,
    })
}

/// `file:line:col: message` for a Rhai error found at `pos` (compiling or running).
pub fn located(name: &str, pos: Position, err: &dyn std::fmt::Display) -> String {
    let mut text = err.to_string();
    // Rhai appends " (line L, position C)"; hark puts the place in front instead.
    if let Some(i) = text.rfind(" (line ") {
        text.truncate(i);
    }
    match (pos.line(), pos.position()) {
        (Some(line), Some(col)) => format!("{name}:{line}:{col}: {text}"),
        (Some(line), None) => format!("{name}:{line}: {text}"),
        _ => format!("{name}: {text}"),
    }
}

/// Refuses a script that someone other than its owner could change, when hark runs as
/// root: hot reload must not become a way to run code as root.
fn check_ownership(meta: &std::fs::Metadata, path: &Path, name: &str) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    // /proc/self is owned by the process's effective user: no system call needed.
    let euid = std::fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(u32::MAX);
    if euid != 0 {
        return Ok(());
    }
    if meta.mode() & 0o022 != 0 {
        return Err(format!(
            "{name}: refused: hark runs as root and the file is writable by its group or others (chmod go-w {})",
            path.display()
        ));
    }
    if meta.uid() != 0 {
        return Err(format!(
            "{name}: refused: hark runs as root and the file belongs to user {} (chown root {})",
            meta.uid(),
            path.display()
        ));
    }
    Ok(())
}
