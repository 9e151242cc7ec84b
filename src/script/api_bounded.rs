//! The language's functions that build a value of a size they are told (`pad`, `blob`),
//! asking the script's memory budget first.
//!
//! hark bounds scripts by what they hold (`sys::alloc`), not by Rhai's per-value limits:
//! Rhai checks those by walking the whole assigned-to value after every indexed write,
//! which made each write into a large `this` cost its size. Without those limits these
//! functions would allocate whatever they are asked for in one call, before the budget
//! can stop the script; registered here, they take the place of the language's own.
//! They keep its meaning, and never loop on an empty padding.

use rhai::{Array, Blob, Dynamic, Engine, EvalAltResult, INT, ImmutableString, Map};

use crate::sys::alloc;

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

pub fn register(engine: &mut Engine) {
    engine.register_fn("pad", pad_with_char);
    engine.register_fn("pad", pad_with_string);
    engine.register_fn("pad", pad_array);
    engine.register_fn("pad", pad_blob);
    engine.register_fn("blob", |len: INT| filled_blob(len, 0));
    engine.register_fn("blob", filled_blob);
}

/// Refuses to build `bytes` more when the script's budget has not that much room: the
/// script asked to go past it, and is stopped as if it had.
fn afford(function: &str, bytes: usize) -> Result<()> {
    if bytes <= alloc::remaining() {
        return Ok(());
    }
    alloc::refused(alloc::tighter_budget());
    Err(format!("{function}: {bytes} bytes would take the script past its memory budget").into())
}

/// How many more of something the value should have to reach `len`.
fn missing(len: INT, have: usize) -> usize {
    usize::try_from(len).map_or(0, |len| len.saturating_sub(have))
}

fn pad_with_char(string: &mut ImmutableString, len: INT, character: char) -> Result<()> {
    let more = missing(len, string.chars().count());
    if more == 0 {
        return Ok(());
    }
    afford("pad", more.saturating_mul(character.len_utf8()))?;
    string.make_mut().extend(std::iter::repeat_n(character, more));
    Ok(())
}

fn pad_with_string(string: &mut ImmutableString, len: INT, padding: &str) -> Result<()> {
    let more = missing(len, string.chars().count());
    if more == 0 || padding.is_empty() {
        return Ok(());
    }
    let padding_chars = padding.chars().count();
    let bytes = (more / padding_chars + 1).saturating_mul(padding.len());
    afford("pad", bytes)?;
    string.make_mut().extend(padding.chars().cycle().take(more));
    Ok(())
}

fn pad_array(array: &mut Array, len: INT, item: Dynamic) -> Result<()> {
    let more = missing(len, array.len());
    if more == 0 {
        return Ok(());
    }
    afford("pad", more.saturating_mul(footprint(&item)))?;
    array.resize(array.len() + more, item);
    Ok(())
}

fn pad_blob(blob: &mut Blob, len: INT, value: INT) -> Result<()> {
    let more = missing(len, blob.len());
    if more == 0 {
        return Ok(());
    }
    afford("pad", more)?;
    blob.resize(blob.len() + more, value.to_le_bytes()[0]);
    Ok(())
}

fn filled_blob(len: INT, value: INT) -> Result<Blob> {
    let len = missing(len, 0);
    afford("blob", len)?;
    Ok(vec![value.to_le_bytes()[0]; len])
}

/// About what a copy of `value` takes: its slot, and what a deep copy allocates (strings
/// are shared between copies, so they count for their slot alone).
fn footprint(value: &Dynamic) -> usize {
    const SLOT: usize = std::mem::size_of::<Dynamic>();
    if let Some(array) = value.read_lock::<Array>() {
        return SLOT + array.iter().map(footprint).sum::<usize>();
    }
    if let Some(map) = value.read_lock::<Map>() {
        // A map entry: its key, its value and the tree's share of a node.
        return SLOT + map.values().map(|v| footprint(v) + 48).sum::<usize>();
    }
    if let Some(blob) = value.read_lock::<Blob>() {
        return SLOT + blob.len();
    }
    SLOT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        let mut engine = Engine::new();
        register(&mut engine);
        engine
    }

    #[test]
    fn padding_means_what_the_language_says() {
        let engine = engine();
        let eval = |s: &str| engine.eval::<Dynamic>(s).map(|v| v.to_string());
        assert_eq!(eval(r#"let s = "ab"; s.pad(5, '*'); s"#).ok(), Some("ab***".into()));
        assert_eq!(eval(r#"let s = "ab"; s.pad(7, "xyz"); s"#).ok(), Some("abxyzxy".into()));
        assert_eq!(eval(r#"let s = "abcdef"; s.pad(3, '*'); s"#).ok(), Some("abcdef".into()));
        assert_eq!(eval("let a = [1]; a.pad(3, 0); a").ok(), Some("[1, 0, 0]".into()));
        assert_eq!(eval("let b = blob(2, 0x41); b.pad(4, 0x142); b.len()").ok(), Some("4".into()));
        assert_eq!(eval("let b = blob(3, 0x141); b[2]").ok(), Some("65".into()));
        assert_eq!(eval("blob(-1).len()").ok(), Some("0".into()));
    }

    #[test]
    fn an_empty_padding_ends() {
        let engine = engine();
        let padded = engine.eval::<ImmutableString>(r#"let s = "a"; s.pad(10, ""); s"#);
        assert_eq!(padded.ok().as_deref(), Some("a"));
    }
}
