//! Role names: what makes one valid, and when two are the same.
//!
//! A name is stored normalised (NFKC, every run of white space one ASCII space, trimmed), and
//! two names are the same when they look alike: their confusable skeletons (Unicode TS #39) are
//! equal ignoring case. Otherwise "Аccount Admin" with a Cyrillic А, or "Account\u{A0}Admin",
//! would pass as a role other than the Account Admin to the admin who reads the list.

use std::fmt;
use std::sync::OnceLock;

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};
use unicode_security::skeleton;

use crate::{BuiltInRole, PolicyError};

/// The longest role name, in characters (of its normalised form).
pub(crate) const MAX_NAME_CHARS: usize = 64;

/// Normalises `name` and checks it: 1 to 64 characters, no control characters (but those of
/// the white space trimmed around it), no invisible ones, and no look-alike of a built-in
/// role's name. Returns the normalised name, the form to store.
#[cfg(test)]
pub(crate) fn validate(name: &str) -> Result<String, PolicyError> {
    validate_keyed(name).map(|(name, _)| name)
}

/// [`validate`], also returning the name's look-alike key ([`fold`]), computed on the way.
pub(crate) fn validate_keyed(name: &str) -> Result<(String, String), PolicyError> {
    let invalid = |problem| PolicyError::InvalidName {
        name: shorten(name),
        problem,
    };
    let normal = normalise(name, MAX_NAME_CHARS);
    if normal.text.is_empty() {
        return Err(invalid("it is empty"));
    }
    if normal.too_long {
        return Err(invalid("it is longer than 64 characters"));
    }
    if normal.control {
        return Err(invalid("it contains a control character"));
    }
    if normal.invisible {
        return Err(invalid("it contains an invisible character"));
    }
    let key = look_alike_key(&normal.text);
    if builtin_keys().contains(&key) {
        return Err(PolicyError::BuiltInName(normal.text));
    }
    Ok((normal.text, key))
}

/// The stored form of `name`: NFKC, each run of white space one ASCII space, trimmed. Equal to
/// what [`validate`] returns for a valid name, without any of its checks.
pub(crate) fn normalised(name: &str) -> String {
    normalise(name, usize::MAX).text
}

/// What normalising a name made of it, and what it found on the way.
struct Normal {
    /// The normalised name, cut after `limit + 1` characters.
    text: String,
    /// Longer than `limit` characters.
    too_long: bool,
    /// A control character, other than in the white space around the name (a newline typed
    /// after a name is trimmed; one inside it would read as two lines).
    control: bool,
    /// A character [`is_invisible`].
    invisible: bool,
}

/// One pass over the NFKC form, stopping after `limit + 1` characters so that a huge hostile
/// string costs no more than it takes to read it.
fn normalise(name: &str, limit: usize) -> Normal {
    // Most names are NFKC already (ASCII always is), and the quick check is much cheaper than
    // recomposing.
    if name.is_ascii() || is_nfkc_quick(name.chars()) == IsNormalized::Yes {
        collapse(name.chars(), limit)
    } else {
        collapse(name.nfkc(), limit)
    }
}

/// Collapses and trims the white space of an NFKC name, noting what it finds.
fn collapse(nfkc: impl Iterator<Item = char>, limit: usize) -> Normal {
    let mut normal = Normal {
        // Most names are as long normalised as they were (at most 64 characters): one
        // allocation.
        text: String::with_capacity(nfkc.size_hint().0.min(4 * MAX_NAME_CHARS)),
        too_long: false,
        control: false,
        invisible: false,
    };
    let mut chars = 0_usize;
    // White space seen since the last other character: written as one space before the next
    // one, dropped at either end.
    let mut gap = false;
    let mut gap_control = false;
    for c in nfkc {
        if c.is_whitespace() {
            gap = chars > 0;
            gap_control |= gap && c.is_control();
            continue;
        }
        if gap {
            normal.text.push(' ');
            normal.control |= gap_control;
            chars += 1;
            gap = false;
            gap_control = false;
        }
        if chars >= limit {
            normal.too_long = true;
            break;
        }
        normal.control |= c.is_control();
        // No ASCII character is invisible: most names skip the table.
        normal.invisible |= !c.is_ascii() && is_invisible(c);
        normal.text.push(c);
        chars += 1;
    }
    normal
}

/// Characters that show as nothing: every `Default_Ignorable_Code_Point` (zero-width spaces
/// and joiners, bidirectional controls, soft hyphens, variation selectors, Hangul fillers, tags),
/// plus the interlinear annotation controls and the Braille blank (a visible-width nothing).
/// They would let two names that look the same, or one that looks like a built-in name or like
/// no name at all, pass as different.
fn is_invisible(c: char) -> bool {
    is_default_ignorable(c) || matches!(c, '\u{FFF9}'..='\u{FFFB}' | '\u{2800}')
}

/// `Default_Ignorable_Code_Point`, from Unicode's DerivedCoreProperties.txt: 17 ranges,
/// including the unassigned ones Unicode reserves as ignorable. Neither crate exports this
/// table (`unicode-security` holds it privately, to strip these from skeletons), so it is
/// copied here, and a test checks it against that private copy through `skeleton`.
fn is_default_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// A name in an error message: escaped as `str::escape_debug` does, and its invisible
/// characters too, which `escape_debug` prints as they are (U+3164 HANGUL FILLER), so that the
/// message shows the character it refuses.
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(is_invisible) {
            let Some(c) = rest[at..].chars().next() else {
                break;
            };
            write!(f, "{}{}", rest[..at].escape_debug(), c.escape_unicode())?;
            rest = &rest[at + c.len_utf8()..];
        }
        write!(f, "{}", rest.escape_debug())
    }
}

/// User input as an error keeps it: cut after a little more than the longest valid name, so
/// that a huge hostile string does not become a huge message. (Messages escape it too.)
pub(crate) fn shorten(name: &str) -> String {
    match name.char_indices().nth(MAX_NAME_CHARS + 8) {
        Some((end, _)) => format!("{}…", &name[..end]),
        None => name.to_owned(),
    }
}

/// The key under which names are compared: two names are the same exactly when their keys are
/// equal. It is the look-alike key of the normalised name (see [`look_alike_key`]).
pub(crate) fn fold(name: &str) -> String {
    look_alike_key(&normalised(name))
}

/// The longest name [`lookup_key`] keys, in normalised characters: twice what a look-alike of a
/// 64-character name can need (a character's key is at most 7 characters long, a Hangul
/// syllable's), and little enough that a huge string costs no more than reading it.
const MAX_LOOKUP_CHARS: usize = 16 * MAX_NAME_CHARS;

/// The key to look `name` up by, as [`fold`]; `None` when it is far too long to be any role's.
pub(crate) fn lookup_key(name: &str) -> Option<String> {
    let normal = normalise(name, MAX_LOOKUP_CHARS);
    (!normal.too_long).then(|| look_alike_key(&normal.text))
}

/// The built-in names' keys, computed once: every validation compares against all nine.
fn builtin_keys() -> &'static [String] {
    static KEYS: OnceLock<Vec<String>> = OnceLock::new();
    KEYS.get_or_init(|| {
        BuiltInRole::ALL
            .iter()
            .map(|role| look_alike_key(role.name()))
            .collect()
    })
}

/// The key of an already normalised name: case-folded, then mapped to confusable skeletons
/// (TS #39) as upper case and then as lower case, twice.
///
/// Why so: the key must not depend on case, so it starts from the case-folded name. A skeleton
/// of the lower case alone misses capitals that look Latin while their small letters do not
/// (Greek Η and Τ, Cyrillic В and Н: "Ηelpdesk" must clash with "Helpdesk"), so the upper case
/// goes first; its folded result goes through the skeleton again for the small letters whose
/// capitals look like nothing Latin (script ɡ, Latin alpha ɑ, Komi ԁ). The second round settles
/// letters whose skeleton has one of its own in the other case (`¡` gives `i`, whose capital
/// `I` gives `l`), so that the key of a key is itself. The price of ignoring case while `I`, `l`
/// and `1` look alike: `i`, `l`, `L`, `I` and `1` are one letter in names.
fn look_alike_key(normal: &str) -> String {
    if normal.is_ascii() {
        // Each step maps ASCII one character at a time (no composition, no context), so the
        // key is the concatenation of the characters' keys: a table, not four skeleton passes.
        let keys = ascii_keys();
        let mut key = String::with_capacity(normal.len());
        key.extend(
            normal
                .bytes()
                .map(|b| keys.get(usize::from(b)).map_or("", String::as_str)),
        );
        return key;
    }
    slow_key(normal)
}

/// The key of each ASCII character, computed once by [`slow_key`].
fn ascii_keys() -> &'static [String] {
    static KEYS: OnceLock<Vec<String>> = OnceLock::new();
    KEYS.get_or_init(|| {
        (0..128_u8)
            .map(|b| slow_key(char::from(b).encode_utf8(&mut [0; 4])))
            .collect()
    })
}

/// [`look_alike_key`] the long way, for any text.
fn slow_key(normal: &str) -> String {
    let mut key = fold_case(normal);
    for _ in 0..2 {
        let upper: String = skeleton(&key.to_uppercase()).collect();
        let lower: String = skeleton(&fold_case(&upper)).collect();
        key = fold_case(&lower);
    }
    key
}

/// Case-insensitive form: upper-casing first folds the letters lower-casing alone keeps apart
/// (`ß` and `SS`, final and medial sigma).
fn fold_case(text: &str) -> String {
    text.to_uppercase().to_lowercase()
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
    fn normalises_to_nfkc_with_single_spaces() {
        for (given, stored) in [
            ("  Night\u{A0}\u{A0}shift ", "Night shift"),
            ("Night\u{2009}\u{3000}\u{2028}shift", "Night shift"),
            ("\u{3000}Ｔｉｅｒ　２\u{A0}", "Tier 2"),
            // NFD input is stored composed.
            ("Cafe\u{301}", "Café"),
            ("ﬁle", "file"),
        ] {
            assert_eq!(validate(given), Ok(stored.to_owned()), "{given:?}");
            assert_eq!(normalised(given), stored, "{given:?}");
            assert_eq!(normalised(stored), stored, "{given:?} twice");
        }
        // The length counts the normalised form: 64 composed characters typed decomposed.
        assert!(validate(&"e\u{301}".repeat(64)).is_ok());
        assert!(validate(&format!("a{}b", " ".repeat(1000))).is_ok());
    }

    #[test]
    fn control_characters_are_refused_inside_but_trimmed_around() {
        assert_eq!(validate("\nNight shift\r\n"), Ok("Night shift".to_owned()));
        for name in ["night\nshift", "night \t shift", "x\u{85}y", "a\u{0}"] {
            assert!(
                matches!(
                    validate(name),
                    Err(PolicyError::InvalidName {
                        problem: "it contains a control character",
                        ..
                    })
                ),
                "{name:?}"
            );
        }
    }

    #[test]
    fn refuses_invisible_characters_and_escapes_them_in_errors() {
        for name in [
            "\u{200B}",
            "Night\u{200D}shift",
            "Administrator\u{FEFF}",
            "a\u{202E}b",
            "Account Admin\u{3164}",
            "\u{3164}",
            "\u{FFA0}x",
            "x\u{115F}",
            "Sup\u{AD}port",
            "Admin\u{FE0F}",
            "x\u{180B}",
            "tag\u{E0041}",
            "x\u{E0000}",
            "Night\u{2800}shift",
        ] {
            assert_eq!(
                validate(name),
                Err(PolicyError::InvalidName {
                    name: name.to_owned(),
                    problem: "it contains an invisible character"
                }),
                "{name:?}"
            );
        }
        let Err(error) = validate("a\u{1b}[2Jb") else {
            panic!("a control character must be refused");
        };
        assert!(!error.to_string().contains('\u{1b}'), "{error}");
        let Err(error) = validate("a\u{202E}b") else {
            panic!("a bidi override must be refused");
        };
        assert!(!error.to_string().contains('\u{202E}'), "{error}");
    }

    #[test]
    fn escaped_shows_invisible_characters() {
        for (name, shown) in [
            ("Account Admin\u{3164}", "Account Admin\\u{3164}"),
            ("a\u{200B}\u{301}b\u{7}", "a\\u{200b}\\u{301}b\\u{7}"),
            ("\u{301}Café\u{A0}", "\\u{301}Café\\u{a0}"),
            ("Поддержка", "Поддержка"),
        ] {
            assert_eq!(Escaped(name).to_string(), shown, "{name:?}");
        }
    }

    /// The hand-copied table is exactly the one `unicode-security` strips from skeletons (TS #39
    /// removes default-ignorable code points): a skeleton is empty exactly for those.
    #[test]
    fn default_ignorable_table_matches_the_skeleton_data() {
        let differ: Vec<String> = (0..=u32::from(char::MAX))
            .filter_map(char::from_u32)
            .filter(|&c| {
                let mut buf = [0; 4];
                let vanishes = skeleton(c.encode_utf8(&mut buf)).next().is_none();
                vanishes != is_default_ignorable(c)
            })
            .map(|c| format!("U+{:04X}", u32::from(c)))
            .collect();
        assert!(differ.is_empty(), "{differ:?}");
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

    #[test]
    fn look_alikes_share_a_key() {
        for (a, b) in [
            ("Account Admin", "\u{410}ccount Admin"),
            ("Account Admin", "\u{430}ccount admin"),
            ("Account Admin", "ＡＣＣＯＵＮＴ ａｄｍｉｎ"),
            ("Account Admin", "Acc\u{3BF}unt Admin"),
            ("Account Admin", "\u{391}ccount Admin"),
            ("Account Admin", "Account\u{A0}\u{2009}Admin"),
            ("Helpdesk", "\u{397}elpdesk"),
            ("Team", "\u{3A4}eam"),
            ("Night shift", "Ni\u{261}ht shift"),
            ("Night shift", "N\u{456}ght \u{455}hift"),
            ("Modern", "rnodern"),
            ("Tier 1", "Tier I"),
            ("Tier 1", "Tier l"),
            ("Tier 1", "tier |"),
            ("Team O", "Team 0"),
            ("Support-Agent", "Support\u{2010}Agent"),
            ("Support-Agent", "Support\u{2212}Agent"),
            ("Café", "Cafe\u{301}"),
            ("Administrator", "Adm\u{131}nistrator"),
            ("Administrator", "Admin\u{34F}istrator"),
            ("Straße", "STRASSE"),
        ] {
            assert_eq!(fold(a), fold(b), "{a:?} and {b:?}");
        }
    }

    #[test]
    fn distinct_names_keep_distinct_keys() {
        let names = [
            "Café",
            "Cafe",
            "Cafè",
            "Cafë",
            "Cafê",
            "Zürich",
            "Zurich",
            "Night shift",
            "Day shift",
            "Tier 1",
            "Tier 2",
            "Поддержка",
            "サポート",
            "Support-Agent",
            "Support Agent",
            "Support_Agent",
            "Vote",
            "Note",
        ];
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                assert_ne!(fold(a), fold(b), "{a:?} and {b:?}");
            }
        }
    }

    /// The table of ASCII keys agrees with the long way on every pair of ASCII characters, and so
    /// (the mapping being character by character) on every ASCII name.
    #[test]
    fn ascii_keys_agree_with_the_long_way() {
        let ascii: Vec<char> = (0..128_u8).map(char::from).collect();
        for a in &ascii {
            for b in &ascii {
                let pair = format!("{a}{b}");
                assert_eq!(look_alike_key(&pair), slow_key(&pair), "{pair:?}");
            }
        }
        let name = "Support Agent 1 | rn 0O `%\" \u{7f}";
        assert_eq!(look_alike_key(name), slow_key(name));
    }

    #[test]
    fn lookup_keys_stop_at_a_limit() {
        assert_eq!(
            lookup_key(" Account\u{A0}Admin"),
            Some(fold("Account Admin"))
        );
        // A look-alike of the longest name, twice as long: still looked up.
        let long = "m".repeat(MAX_NAME_CHARS);
        assert_eq!(lookup_key(&"rn".repeat(MAX_NAME_CHARS)), Some(fold(&long)));
        assert_eq!(lookup_key(&"ж".repeat(MAX_LOOKUP_CHARS + 1)), None);
        assert_eq!(lookup_key(&"\u{FDFA}".repeat(100)), None);
    }

    /// The key of a key is the key: the whole chain of look-alikes settles in one call.
    #[test]
    fn a_key_is_its_own_key() {
        for name in [
            "Account Admin",
            "¡Hola!",
            "Ηelpdesk",
            "ΟΔΟΣ",
            "Straße",
            "Поддержка",
            "サポート",
            "rnmrnm",
        ] {
            let key = fold(name);
            assert_eq!(fold(&key), key, "{name:?}");
        }
    }

    /// Every code point, among others and alone between letters: no panic, and a valid result
    /// is normalised. (Planes 4 to 13 hold no character yet: one of their chunks stands for all.)
    #[test]
    fn never_panics_on_any_code_point() {
        let all: Vec<char> = (0..=u32::from(char::MAX))
            .filter_map(char::from_u32)
            .filter(|&c| !(0x4_0040..0xE_0000).contains(&u32::from(c)))
            .collect();
        for chunk in all.chunks(MAX_NAME_CHARS) {
            let name: String = chunk.iter().collect();
            match validate(&name) {
                Ok(stored) => assert_eq!(normalised(&stored), stored),
                // A valid name's key was made on the way; make the others'.
                Err(_) => drop(fold(&name)),
            }
        }
        for &c in all.iter().step_by(29) {
            let name = format!("a{c}b");
            if let Ok(stored) = validate(&name) {
                assert_eq!(normalised(&stored), stored, "{name:?}");
                assert_eq!(validate(&stored), Ok(stored.clone()), "{name:?}");
            }
        }
    }
}
