//! Names that look alike are the same name (governance hardening, 0.2): a name is normalised
//! (NFKC, each run of white space one space, trimmed) and stored so; invisible characters are
//! refused; and two names whose confusable skeletons (Unicode TS #39) are equal ignoring case
//! are the same, against the built-in names and among custom roles, in `clone_role`,
//! `rename_role`, `role_by_name` and when loading a stored policy.
//!
//! What the skeleton does, and so what these tables rely on: it maps letters of other scripts
//! that look Latin to Latin (Cyrillic а, Greek Ο), `1`, `I` and `|` to `l`, `0` to `O`, `m` to
//! `rn`, the hyphen-like dashes (U+2010, U+2011, U+2013, U+2212) to `-`; it keeps accents
//! (`Café` and `Cafe` stay two names), and it keeps `-`, `_` and the space apart (a hyphen is
//! visible: `Support-Agent` is not the built-in `Support Agent`).

use helpdesk_policy::{BuiltInRole, Plan, Policy, PolicyError, RoleId, Subject, UserId};

/// The one place a subject is built, so that a new field of `Subject` changes one line.
fn subject(role: RoleId) -> Subject<'static> {
    Subject::new(UserId(1), role, &[])
}

fn owner() -> Subject<'static> {
    subject(BuiltInRole::AccountAdmin.id())
}

fn saved(policy: &Policy) -> String {
    serde_json::to_string(policy).expect("a policy always serializes")
}

fn load(json: &str) -> Result<Policy, String> {
    serde_json::from_str::<Policy>(json).map_err(|e| e.to_string())
}

/// The custom names of [`fixture`], in id order from 100.
const CUSTOM: [&str; 10] = [
    "Night Shift",
    "Café",
    "Support-Agent",
    "Tier 1",
    "Modern",
    "Team O",
    "Billing",
    "Helpdesk",
    "Straße",
    "Regional",
];

/// A Pro policy with the [`CUSTOM`] roles, each a clone of the Support Agent.
fn fixture() -> Policy {
    let mut policy = Policy::new(Plan::Pro);
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    for name in CUSTOM {
        policy
            .clone_role(&owner(), agent, name)
            .unwrap_or_else(|e| panic!("fixture: {name}: {e}"));
    }
    policy
}

/// The id of the fixture's role named `name`.
fn custom(name: &str) -> RoleId {
    let index = CUSTOM
        .iter()
        .position(|n| *n == name)
        .unwrap_or_else(|| panic!("no fixture role {name}"));
    RoleId(100 + u32::try_from(index).expect("ten roles"))
}

fn builtin(name: &str) -> PolicyError {
    PolicyError::BuiltInName(name.into())
}

fn taken(name: &str) -> PolicyError {
    PolicyError::NameTaken(name.into())
}

fn invisible(name: &str) -> PolicyError {
    PolicyError::InvalidName {
        name: name.into(),
        problem: "it contains an invisible character",
    }
}

/// One look-alike: the name typed, the refusal it gets, the name it imitates (found by
/// `role_by_name` from the look-alike too), and why it is one.
struct LookAlike {
    name: &'static str,
    refusal: PolicyError,
    imitates: &'static str,
    why: &'static str,
}

fn look_alikes() -> Vec<LookAlike> {
    let row = |name, refusal, imitates, why| LookAlike {
        name,
        refusal,
        imitates,
        why,
    };
    vec![
        // Built-in names: other white space.
        row(
            "Account\u{A0}Admin",
            builtin("Account Admin"),
            "Account Admin",
            "no-break space",
        ),
        row(
            "Account\u{2009}Admin",
            builtin("Account Admin"),
            "Account Admin",
            "thin space",
        ),
        row(
            "Account\u{3000}Admin",
            builtin("Account Admin"),
            "Account Admin",
            "ideographic space",
        ),
        row(
            "Account  Admin",
            builtin("Account Admin"),
            "Account Admin",
            "two spaces",
        ),
        row(
            "  Account \u{202F}\u{2003}Admin\u{A0}",
            builtin("Account Admin"),
            "Account Admin",
            "a run of mixed spaces, and around",
        ),
        row(
            "RESTRICTED\u{1680}USER",
            builtin("RESTRICTED USER"),
            "Restricted User",
            "ogham space mark",
        ),
        // Built-in names: compatibility forms, gone under NFKC.
        row(
            "Ａｃｃｏｕｎｔ Ａｄｍｉｎ",
            builtin("Account Admin"),
            "Account Admin",
            "full-width letters",
        ),
        row(
            "\u{1D412}\u{1D42E}\u{1D429}\u{1D429}\u{1D428}\u{1D42B}\u{1D42D} Agent",
            builtin("Support Agent"),
            "Support Agent",
            "mathematical bold letters",
        ),
        // Built-in names: letters of other scripts.
        row(
            "\u{410}ccount Admin",
            builtin("\u{410}ccount Admin"),
            "Account Admin",
            "Cyrillic capital A",
        ),
        row(
            "\u{430}ccount admin",
            builtin("\u{430}ccount admin"),
            "Account Admin",
            "Cyrillic small a, and lower case",
        ),
        row(
            "Acc\u{3BF}unt Admin",
            builtin("Acc\u{3BF}unt Admin"),
            "Account Admin",
            "Greek small omicron",
        ),
        row(
            "\u{391}ccount Admin",
            builtin("\u{391}ccount Admin"),
            "Account Admin",
            "Greek capital alpha",
        ),
        row(
            "Support \u{391}g\u{435}nt",
            builtin("Support \u{391}g\u{435}nt"),
            "Support Agent",
            "Greek alpha and Cyrillic e",
        ),
        row(
            "Marketing U\u{455}er",
            builtin("Marketing U\u{455}er"),
            "Marketing User",
            "Cyrillic dze for s",
        ),
        row(
            "Adm\u{131}nistrator",
            builtin("Adm\u{131}nistrator"),
            "Administrator",
            "dotless i",
        ),
        // Built-in names: Latin letters and digits that look alike.
        row(
            "AdmInistrator",
            builtin("AdmInistrator"),
            "Administrator",
            "capital I for i",
        ),
        row(
            "Adm1nistrator",
            builtin("Adm1nistrator"),
            "Administrator",
            "digit 1 for i",
        ),
        row(
            "Adrninistrator",
            builtin("Adrninistrator"),
            "Administrator",
            "rn for m",
        ),
        row(
            "Sa1es Manager",
            builtin("Sa1es Manager"),
            "Sales Manager",
            "digit 1 for l",
        ),
        row(
            "Supp0rt Manager",
            builtin("Supp0rt Manager"),
            "Support Manager",
            "digit 0 for o",
        ),
        // Built-in names: invisible characters.
        row(
            "Account Admin\u{3164}",
            invisible("Account Admin\u{3164}"),
            "Account Admin",
            "Hangul filler",
        ),
        row(
            "Account\u{200B} Admin",
            invisible("Account\u{200B} Admin"),
            "Account Admin",
            "zero-width space",
        ),
        row(
            "Admin\u{200D}istrator",
            invisible("Admin\u{200D}istrator"),
            "Administrator",
            "zero-width joiner",
        ),
        row(
            "Administrator\u{FE0F}",
            invisible("Administrator\u{FE0F}"),
            "Administrator",
            "variation selector",
        ),
        row(
            "Adm\u{AD}inistrator",
            invisible("Adm\u{AD}inistrator"),
            "Administrator",
            "soft hyphen",
        ),
        row(
            "Admi\u{34F}nistrator",
            invisible("Admi\u{34F}nistrator"),
            "Administrator",
            "combining grapheme joiner, a combining mark that shows nothing",
        ),
        row(
            "Sales User\u{FFA0}",
            invisible("Sales User\u{FFA0}"),
            "Sales User",
            "half-width Hangul filler",
        ),
        row(
            "Support\u{202A} Agent",
            invisible("Support\u{202A} Agent"),
            "Support Agent",
            "left-to-right embedding",
        ),
        row(
            "Marketing Manager\u{2060}",
            invisible("Marketing Manager\u{2060}"),
            "Marketing Manager",
            "word joiner",
        ),
        row(
            "Sales\u{2800}User",
            invisible("Sales\u{2800}User"),
            "Sales User",
            "Braille blank",
        ),
        row(
            "Support Agent\u{E0001}",
            invisible("Support Agent\u{E0001}"),
            "Support Agent",
            "language tag",
        ),
        // Custom names.
        row("Cafe\u{301}", taken("Café"), "Café", "NFD against NFC"),
        row("CAFE\u{301}", taken("CAFÉ"), "Café", "NFD, upper case"),
        row(
            "NIGHT\u{2003}SHIFT",
            taken("NIGHT SHIFT"),
            "Night Shift",
            "em space, upper case",
        ),
        row(
            "Night Sh\u{456}ft",
            taken("Night Sh\u{456}ft"),
            "Night Shift",
            "Cyrillic i",
        ),
        row(
            "Ni\u{261}ht Shift",
            taken("Ni\u{261}ht Shift"),
            "Night Shift",
            "script g",
        ),
        row(
            "Support\u{2010}Agent",
            taken("Support\u{2010}Agent"),
            "Support-Agent",
            "hyphen",
        ),
        row(
            "Support\u{2011}Agent",
            taken("Support\u{2010}Agent"),
            "Support-Agent",
            "non-breaking hyphen (NFKC: hyphen)",
        ),
        row(
            "Support\u{2013}Agent",
            taken("Support\u{2013}Agent"),
            "Support-Agent",
            "en dash",
        ),
        row(
            "Support\u{2212}Agent",
            taken("Support\u{2212}Agent"),
            "Support-Agent",
            "minus sign",
        ),
        row("Tier I", taken("Tier I"), "Tier 1", "capital I for 1"),
        row("Tier l", taken("Tier l"), "Tier 1", "small l for 1"),
        row("tier |", taken("tier |"), "Tier 1", "vertical bar for 1"),
        row("Rnodern", taken("Rnodern"), "Modern", "rn for m"),
        row("Team 0", taken("Team 0"), "Team O", "digit 0 for O"),
        row("team o", taken("team o"), "Team O", "small o, lower case"),
        row(
            "\u{3A4}eam \u{39F}",
            taken("\u{3A4}eam \u{39F}"),
            "Team O",
            "Greek capital tau and omicron",
        ),
        row("BiIIing", taken("BiIIing"), "Billing", "capital I for l"),
        row("Bi11ing", taken("Bi11ing"), "Billing", "digit 1 for l"),
        row(
            "\u{397}elpdesk",
            taken("\u{397}elpdesk"),
            "Helpdesk",
            "Greek capital eta, whose small letter looks like n",
        ),
        row("STRASSE", taken("STRASSE"), "Straße", "full case mapping"),
    ]
}

#[test]
fn look_alikes_are_refused_by_clone_and_rename_and_change_nothing() {
    let rows = look_alikes();
    assert!(rows.len() >= 30, "{} rows", rows.len());
    let mut policy = fixture();
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    let regional = custom("Regional");
    let before = policy.clone();
    let before_json = saved(&policy);
    for LookAlike {
        name,
        refusal,
        imitates,
        why,
    } in &rows
    {
        let case = format!("{name:?} ({why})");
        assert_eq!(
            policy.clone_role(&owner(), agent, name),
            Err(refusal.clone()),
            "clone {case}"
        );
        assert_eq!(
            policy.rename_role(&owner(), regional, name),
            Err(refusal.clone()),
            "rename {case}"
        );
        assert_eq!(saved(&policy), before_json, "{case}: stored form changed");
        assert_eq!(policy.revision(), before.revision(), "{case}: revision");
        assert_eq!(policy, before, "{case}: policy changed");
        // The look-alike finds the role it imitates.
        let found = policy.role_by_name(name).map(|r| r.id());
        let imitated = policy.role_by_name(imitates).map(|r| r.id());
        assert!(imitated.is_some(), "{case}: {imitates} exists");
        assert_eq!(found, imitated, "{case}: role_by_name");
    }
}

#[test]
fn refusal_messages_name_the_name_and_say_why() {
    let mut policy = fixture();
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    for (name, message) in [
        (
            "Account\u{A0}Admin",
            "name `Account Admin` belongs to a built-in role",
        ),
        ("NIGHT\u{2003}SHIFT", "name `NIGHT SHIFT` is already taken"),
        (
            "Account Admin\u{3164}",
            "invalid role name `Account Admin\\u{3164}`: it contains an invisible character",
        ),
        (
            "a\u{202E}b",
            "invalid role name `a\\u{202e}b`: it contains an invisible character",
        ),
    ] {
        let error = policy
            .clone_role(&owner(), agent, name)
            .expect_err(name)
            .to_string();
        assert_eq!(error, message, "{name:?}");
    }
}

/// Names that differ visibly stay different names, side by side. The skeleton keeps accents, so
/// accents that differ are different names.
#[test]
fn distinct_names_are_accepted_side_by_side() {
    let names = [
        "Café",
        "Cafe",
        "Cafè",
        "Cafë",
        "Cafê",
        "Zürich",
        "Zurich",
        "Noël",
        "Noel",
        "Поддержка",
        "サポート",
        "Night shift",
        "Day shift",
        "Tier 1",
        "Tier 2",
        "Support-Agent",
        "Support_Agent",
        "Account Admins",
        "Vote",
        "Note",
        "Ελλάδα",
    ];
    let mut policy = Policy::new(Plan::Pro);
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    for name in names {
        let id = policy
            .clone_role(&owner(), agent, name)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(policy.role(id).map(|r| r.name()), Some(name));
    }
    for name in names {
        assert_eq!(
            policy.role_by_name(name).map(|r| r.name()),
            Some(name),
            "{name}"
        );
    }
}

#[test]
fn names_are_stored_normalised() {
    let mut policy = Policy::new(Plan::Pro);
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    for (typed, stored) in [
        ("  Night\u{A0}\u{A0}shift ", "Night shift"),
        ("Cafe\u{301}", "Café"),
        ("Ｔｉｅｒ\u{3000}２", "Tier 2"),
        ("\u{2003}Day\u{2009} \u{2009}shift\u{205F}", "Day shift"),
        ("\u{FB01}le clerk", "file clerk"),
    ] {
        let id = policy
            .clone_role(&owner(), agent, typed)
            .unwrap_or_else(|e| panic!("{typed:?}: {e}"));
        assert_eq!(policy.role(id).map(|r| r.name()), Some(stored), "{typed:?}");
        assert!(
            saved(&policy).contains(&format!("\"name\":\"{stored}\"")),
            "{typed:?}"
        );
        assert_eq!(policy.role_by_name(typed).map(|r| r.id()), Some(id));
        // Renaming to another look of its own name is allowed, and stores the normal form.
        policy
            .rename_role(&owner(), id, &format!(" {}", stored.to_uppercase()))
            .unwrap_or_else(|e| panic!("{typed:?}: rename to its own name: {e}"));
        assert_eq!(
            policy.role(id).map(|r| r.name().to_owned()),
            Some(stored.to_uppercase())
        );
    }
    // The length counts the normalised form.
    let decomposed = "e\u{301}".repeat(64);
    let id = policy
        .clone_role(&owner(), agent, &decomposed)
        .expect("64 characters once composed");
    assert_eq!(policy.role(id).map(|r| r.name().chars().count()), Some(64));
    assert!(matches!(
        policy.clone_role(&owner(), agent, &"\u{FB03}".repeat(22)),
        Err(PolicyError::InvalidName {
            problem: "it is longer than 64 characters",
            ..
        })
    ));
}

/// A stored document of one role per name, ids from 100.
fn document(names: &[&str]) -> String {
    let roles: Vec<String> = names
        .iter()
        .zip(100..)
        .map(|(name, id)| {
            format!(
                r#"{{"id":{id},"name":{},"cloned_from":4,"grants":{{}}}}"#,
                serde_json::to_string(name).expect("a string serializes")
            )
        })
        .collect();
    format!(
        r#"{{"version":1,"plan":"pro","revision":3,"next_role_id":{},"custom_roles":[{}]}}"#,
        100 + names.len(),
        roles.join(",")
    )
}

#[test]
fn loading_refuses_look_alike_and_unnormalised_names() {
    // What the fixture saved loads again.
    let json = saved(&fixture());
    assert_eq!(load(&json).map(|p| saved(&p)), Ok(json));
    assert!(load(&document(&["Night shift", "Day shift", "Café", "Cafe"])).is_ok());

    for (names, message) in [
        (
            &["Night shift", "Night \u{455}hift"][..],
            "name `Night \u{455}hift` is already taken",
        ),
        (&["Tier 1", "Tier l"], "name `Tier l` is already taken"),
        (&["Modern", "MODERN"], "name `MODERN` is already taken"),
        (
            &["\u{410}ccount Admin"],
            "name `\u{410}ccount Admin` belongs to a built-in role",
        ),
        (
            &["Night\u{A0}shift"],
            "invalid role name `Night\\u{a0}shift`: it is not in normalised form",
        ),
        (
            &["Night  shift"],
            "invalid role name `Night  shift`: it is not in normalised form",
        ),
        (
            &["Cafe\u{301}"],
            "invalid role name `Cafe\u{301}`: it is not in normalised form",
        ),
        (
            &["Ｔｉｅｒ 2"],
            "invalid role name `Ｔｉｅｒ 2`: it is not in normalised form",
        ),
        (
            &[" Night shift"],
            "invalid role name ` Night shift`: it has leading or trailing white space",
        ),
        (
            &["Night shift\u{200B}"],
            "invalid role name `Night shift\\u{200b}`: it contains an invisible character",
        ),
    ] {
        let error = load(&document(names)).expect_err(names[0]);
        assert!(error.contains(message), "{names:?}: {error}");
    }
}

#[test]
fn role_by_name_finds_a_role_by_any_look_alike() {
    let policy = fixture();
    let admin = policy.builtin(BuiltInRole::AccountAdmin);
    for (name, id) in [
        ("account admin", admin),
        ("  \u{410}CCOUNT\u{A0}ADMIN ", admin),
        ("Account Admin\u{200B}", admin),
        ("night shift", custom("Night Shift")),
        ("N1GHT SHIFT", custom("Night Shift")),
        ("cafe\u{301}", custom("Café")),
        ("Straße", custom("Straße")),
        ("strasse", custom("Straße")),
    ] {
        assert_eq!(
            policy.role_by_name(name).map(|r| r.id()),
            Some(id),
            "{name:?}"
        );
    }
    for name in ["Cafe", "Night", "", "   ", "Tier 2"] {
        assert_eq!(policy.role_by_name(name), None, "{name:?}");
    }
    // A huge name is no role's, and costs little more than reading it.
    assert_eq!(policy.role_by_name(&"ж".repeat(1 << 20)), None);
}

/// The price of ignoring case while `I`, `l` and `1` look alike: `i`, `l` and `L` are one
/// letter in names too.
#[test]
fn i_and_l_are_one_letter_in_names() {
    let mut policy = Policy::new(Plan::Pro);
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    policy.clone_role(&owner(), agent, "Tier i").expect("first");
    for name in ["Tier l", "Tier L", "TIER I", "Tier 1"] {
        assert_eq!(
            policy.clone_role(&owner(), agent, name),
            Err(taken(name)),
            "{name}"
        );
    }
}
