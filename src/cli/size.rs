//! Sizes as people type them on a command line: `256M`, `1G`, `512KiB`, `1048576`.

/// The smallest memory budget a script can be given: less and it could not start.
const SMALLEST_BUDGET: usize = 1 << 20;

/// Parses a size in bytes, with an optional binary suffix (K, M, G, with or without
/// `iB` or `B`).
pub fn parse(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: usize =
        digits.parse().map_err(|_| format!("{text:?} is not a size (write e.g. 256M or 1G)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        other => return Err(format!("{other:?}: unknown unit (use K, M or G)")),
    };
    number.checked_mul(1 << shift).ok_or_else(|| format!("{text}: too large"))
}

/// A script memory budget: a size of at least 1 MiB.
pub fn parse_budget(text: &str) -> Result<usize, String> {
    let bytes = parse(text)?;
    if bytes < SMALLEST_BUDGET {
        return Err(format!("{text}: a script needs at least 1M"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_as_typed() {
        assert_eq!(parse("256M"), Ok(256 << 20));
        assert_eq!(parse("1G"), Ok(1 << 30));
        assert_eq!(parse("512KiB"), Ok(512 << 10));
        assert_eq!(parse("64 MB"), Ok(64 << 20));
        assert_eq!(parse("1048576"), Ok(1 << 20));
        assert!(parse("lots").is_err());
        assert!(parse("5T").is_err());
        assert!(parse_budget("100K").is_err());
    }
}
