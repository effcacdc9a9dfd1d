//! The identifier rules every name handed to SQL rendering must follow, so that the text
//! holds nothing but names and placeholders.

use super::SqlError;

/// Whether `name` is an identifier: an ASCII letter or `_`, then ASCII letters, digits or `_`.
fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
}

/// Refuses `name` unless it is an identifier.
pub(super) fn plain(name: &str) -> Result<(), SqlError> {
    if is_identifier(name) {
        Ok(())
    } else {
        Err(SqlError::InvalidIdentifier(name.to_owned()))
    }
}

/// Refuses `name` unless it is an identifier, optionally qualified by one other (`table.column`).
pub(super) fn qualified(name: &str) -> Result<(), SqlError> {
    let valid = match name.split_once('.') {
        Some((qualifier, rest)) => is_identifier(qualifier) && is_identifier(rest),
        None => is_identifier(name),
    };
    if valid {
        Ok(())
    } else {
        Err(SqlError::InvalidIdentifier(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_accept_letters_digits_underscores() {
        for name in [
            "a",
            "_",
            "_x",
            "group_id",
            "G1",
            "conversation_participants_2",
        ] {
            assert!(is_identifier(name), "{name}");
            assert_eq!(plain(name), Ok(()), "{name}");
            assert_eq!(qualified(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn identifiers_refuse_everything_else() {
        for name in [
            "",
            "1abc",
            "group id",
            "group_id; drop table",
            "a-b",
            "\"quoted\"",
            "`tick`",
            "a.b",
            ".a",
            "a.",
            "é",
            "a\0",
            "a?",
            "a$1",
            "a--",
            "a/*",
            " a",
        ] {
            assert!(!is_identifier(name), "{name}");
            assert_eq!(
                plain(name),
                Err(SqlError::InvalidIdentifier(name.to_owned())),
                "{name}"
            );
        }
    }

    #[test]
    fn qualified_names_take_exactly_one_qualifier() {
        for name in ["c.id", "conversations.group_id", "_._", "main.t1"] {
            assert_eq!(qualified(name), Ok(()), "{name}");
            assert!(plain(name).is_err(), "{name}");
        }
        for name in ["a.b.c", ".a", "a.", "a..b", "a. b", "1a.b", "a.1b", "a.b;"] {
            assert_eq!(
                qualified(name),
                Err(SqlError::InvalidIdentifier(name.to_owned())),
                "{name}"
            );
        }
    }

    #[test]
    fn error_names_the_identifier_in_crate_style() {
        let err = SqlError::InvalidIdentifier("group id; drop table".to_owned());
        assert_eq!(
            err.to_string(),
            "invalid sql identifier `group id; drop table`"
        );
    }
}
