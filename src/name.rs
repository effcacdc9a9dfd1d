//! Role names: what makes one valid, and when two are the same.

use crate::{BuiltInRole, PolicyError};

/// The longest role name, in characters.
pub(crate) const MAX_NAME_CHARS: usize = 64;

/// Trims `name` and checks it: 1 to 64 characters, no control characters, not a built-in
/// role's name. Returns the trimmed name.
pub(crate) fn validate(name: &str) -> Result<String, PolicyError> {
    let invalid = |problem| PolicyError::InvalidName {
        name: shorten(name),
        problem,
    };
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(invalid("it is empty"));
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(invalid("it is longer than 64 characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(invalid("it contains a control character"));
    }
    if trimmed.chars().any(is_invisible) {
        return Err(invalid("it contains an invisible formatting character"));
    }
    let key = fold(trimmed);
    if BuiltInRole::ALL.iter().any(|role| fold(role.name()) == key) {
        return Err(PolicyError::BuiltInName(trimmed.to_owned()));
    }
    Ok(trimmed.to_owned())
}

/// Invisible formatting characters (zero-width spaces and joiners, bidirectional controls,
/// byte-order marks, soft hyphens, line separators): they would let two names that look the
/// same, or a name that looks like a built-in one, pass as different.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// User input as an error keeps it: cut after a little more than the longest valid name, so
/// that a huge hostile string does not become a huge message. (Messages escape it too.)
pub(crate) fn shorten(name: &str) -> String {
    match name.char_indices().nth(MAX_NAME_CHARS + 8) {
        Some((end, _)) => format!("{}…", &name[..end]),
        None => name.to_owned(),
    }
}

/// The key under which names are compared: case-insensitive. Upper-casing first folds the
/// letters lower-casing alone keeps apart (`ß` and `SS`, final and medial sigma).
pub(crate) fn fold(name: &str) -> String {
    name.to_uppercase().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_checks_length_in_characters() {
        assert_eq!(validate("  Night shift \t"), Ok("Night shift".to_owned()));
        assert!(validate(&"é".repeat(64)).is_ok());
        assert!(validate(&"é".repeat(65)).is_err());
        assert!(validate("   ").is_err());
        assert!(validate("a\u{7}b").is_err());
        let huge = "x".repeat(10_000);
        let Err(PolicyError::InvalidName { name, .. }) = validate(&huge) else {
            panic!("a huge name must be refused");
        };
        assert_eq!(name.chars().count(), MAX_NAME_CHARS + 9);
    }

    #[test]
    fn refuses_invisible_characters_and_escapes_them_in_errors() {
        for name in [
            "\u{200B}",
            "Night\u{200D}shift",
            "Administrator\u{FEFF}",
            "a\u{202E}b",
        ] {
            assert!(validate(name).is_err(), "{name:?}");
        }
        let Err(error) = validate("a\u{1b}[2Jb") else {
            panic!("a control character must be refused");
        };
        assert!(!error.to_string().contains('\u{1b}'), "{error}");
    }

    #[test]
    fn fold_matches_full_case_mapping() {
        assert_eq!(fold("Straße"), fold("STRASSE"));
        assert_eq!(fold("ΟΔΟΣ"), fold("οδοσ"));
    }

    #[test]
    fn refuses_built_in_names_in_any_case() {
        assert_eq!(
            validate(" support AGENT "),
            Err(PolicyError::BuiltInName("support AGENT".into()))
        );
    }
}
