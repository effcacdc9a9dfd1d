//! The permission catalogue (issue 10, point 1; "The role editor" in DESIGN.md): the twenty
//! entries in bit order with the design's names, kinds, scopes and requirements, labels and
//! one-sentence descriptions a person at the role editor can read, the JSON a front end gets,
//! and the one-line description of each of the nine built-in roles.

use std::collections::BTreeSet;

use helpdesk_policy::{BuiltInRole, PermissionKind, Permissions, Policy, Scope, Vocabulary};

use PermissionKind::{Account, Conversation, Team};

/// The design's vocabulary, in bit order: constant, stored name, kind.
const TWENTY: [(Permissions, &str, PermissionKind); 20] = [
    (
        Permissions::VIEW_CONVERSATIONS,
        "view_conversations",
        Conversation,
    ),
    (Permissions::REPLY, "reply", Conversation),
    (
        Permissions::ADD_PRIVATE_NOTE,
        "add_private_note",
        Conversation,
    ),
    (
        Permissions::ASSIGN_CONVERSATION,
        "assign_conversation",
        Conversation,
    ),
    (
        Permissions::RESOLVE_CONVERSATION,
        "resolve_conversation",
        Conversation,
    ),
    (
        Permissions::DELETE_CONVERSATION,
        "delete_conversation",
        Conversation,
    ),
    (Permissions::VIEW_DASHBOARD, "view_dashboard", Team),
    (Permissions::VIEW_REPORTS, "view_reports", Team),
    (Permissions::EXPORT_REPORTS, "export_reports", Team),
    (Permissions::MANAGE_SETTINGS, "manage_settings", Team),
    (Permissions::VIEW_PEOPLE, "view_people", Account),
    (Permissions::EDIT_PEOPLE, "edit_people", Account),
    (
        Permissions::VIEW_CONTACT_DETAILS,
        "view_contact_details",
        Account,
    ),
    (Permissions::EDIT_OWN_PROFILE, "edit_own_profile", Account),
    (Permissions::MANAGE_FAQS, "manage_faqs", Account),
    (Permissions::MANAGE_CAMPAIGNS, "manage_campaigns", Account),
    (Permissions::MANAGE_USERS, "manage_users", Account),
    (Permissions::MANAGE_GROUPS, "manage_groups", Account),
    (
        Permissions::MANAGE_CUSTOM_ROLES,
        "manage_custom_roles",
        Account,
    ),
    (Permissions::MANAGE_ACCOUNT, "manage_account", Account),
];

/// The design's requirements, written out: what each permission requires (empty for nothing).
fn required_by_design(permission: Permissions) -> Permissions {
    const CONVERSATION_ACTIONS: Permissions = Permissions::REPLY
        .union(Permissions::ADD_PRIVATE_NOTE)
        .union(Permissions::ASSIGN_CONVERSATION)
        .union(Permissions::RESOLVE_CONVERSATION)
        .union(Permissions::DELETE_CONVERSATION);
    const PEOPLE_DETAILS: Permissions =
        Permissions::EDIT_PEOPLE.union(Permissions::VIEW_CONTACT_DETAILS);
    if CONVERSATION_ACTIONS.contains(permission) {
        Permissions::VIEW_CONVERSATIONS
    } else if permission == Permissions::EXPORT_REPORTS {
        Permissions::VIEW_REPORTS
    } else if PEOPLE_DETAILS.contains(permission) {
        Permissions::VIEW_PEOPLE
    } else {
        Permissions::empty()
    }
}

#[test]
fn twenty_entries_in_bit_order_with_the_designs_names_and_kinds() {
    let catalogue = Permissions::catalogue();
    assert_eq!(catalogue.len(), 20);
    for (index, (entry, (permission, name, kind))) in catalogue.iter().zip(TWENTY).enumerate() {
        assert_eq!(entry.permission, permission, "entry {index}");
        assert_eq!(
            entry.permission.bits(),
            1 << index,
            "entry {index}: bit order"
        );
        assert_eq!(entry.name, name, "entry {index}");
        assert_eq!(entry.kind, kind, "{name}");
        // The entry agrees with the rest of the crate's view of the permission.
        assert_eq!(permission.permission_name(), Some(name), "{name}");
        assert_eq!(Permissions::from_permission_name(name), Some(permission));
        assert_eq!(permission.kind(), Some(kind), "{name}");
    }
    let union = catalogue
        .iter()
        .fold(Permissions::empty(), |all, entry| all | entry.permission);
    assert_eq!(union, Permissions::all(), "the twenty cover every bit once");
}

#[test]
fn scopes_are_all_three_for_scoped_kinds_and_global_alone_for_account() {
    for entry in Permissions::catalogue() {
        let scopes: BTreeSet<Scope> = entry.scopes.iter().copied().collect();
        assert_eq!(
            scopes.len(),
            entry.scopes.len(),
            "{}: repeated scope",
            entry.name
        );
        let expected: BTreeSet<Scope> = match entry.kind {
            Conversation | Team => Scope::ALL.into_iter().collect(),
            Account => [Scope::Global].into_iter().collect(),
        };
        assert_eq!(scopes, expected, "{}", entry.name);
    }
}

#[test]
fn requirements_are_exactly_the_designs_table() {
    let mut requiring = Vec::new();
    for entry in Permissions::catalogue() {
        assert_eq!(
            entry.requires,
            required_by_design(entry.permission),
            "{} requires {}",
            entry.name,
            entry.requires
        );
        if !entry.requires.is_empty() {
            requiring.push((entry.name, entry.requires.to_string()));
        }
    }
    // The same table, spelled out by name as the design writes it.
    assert_eq!(
        requiring,
        [
            ("reply", "view_conversations".to_owned()),
            ("add_private_note", "view_conversations".to_owned()),
            ("assign_conversation", "view_conversations".to_owned()),
            ("resolve_conversation", "view_conversations".to_owned()),
            ("delete_conversation", "view_conversations".to_owned()),
            ("export_reports", "view_reports".to_owned()),
            ("edit_people", "view_people".to_owned()),
            ("view_contact_details", "view_people".to_owned()),
        ]
    );
    // A requirement is always of the same kind, and never on the permission itself.
    for entry in Permissions::catalogue() {
        for required in entry.requires.iter() {
            assert_ne!(required, entry.permission, "{} requires itself", entry.name);
            assert_eq!(required.kind(), Some(entry.kind), "{}", entry.name);
        }
    }
}

/// One sentence: starts with a capital letter, ends with a full stop, no other sentence end
/// inside, one line, no surrounding white space.
fn is_one_sentence(text: &str) -> bool {
    let inner = &text[..text.len().saturating_sub(1)];
    text.trim() == text
        && text.chars().next().is_some_and(char::is_uppercase)
        && text.ends_with('.')
        && !text.ends_with("..")
        && !text.contains(['\n', '\r', '\t'])
        && !inner.contains(". ")
        && !inner.contains(['!', '?'])
}

#[test]
fn labels_and_descriptions_are_plain_short_and_consistent() {
    let mut labels = BTreeSet::new();
    let mut descriptions = BTreeSet::new();
    for entry in Permissions::catalogue() {
        let name = entry.name;
        let label = entry.label;
        assert!(!label.is_empty(), "{name}: empty label");
        assert_eq!(label.trim(), label, "{name}: label has surrounding spaces");
        assert!(
            label.chars().count() <= 40,
            "{name}: label too long: {label}"
        );
        assert!(
            label.chars().next().is_some_and(char::is_uppercase),
            "{name}: label {label:?} starts with a capital letter"
        );
        assert!(!label.ends_with('.'), "{name}: a label is not a sentence");
        assert!(
            !label.contains('_'),
            "{name}: label {label:?} is prose, not a name"
        );
        assert!(
            labels.insert(label.to_lowercase()),
            "{name}: label {label:?} repeated"
        );

        let description = entry.description;
        assert!(is_one_sentence(description), "{name}: {description:?}");
        assert!(
            description.chars().count() <= 120,
            "{name}: description too long"
        );
        assert!(
            !description.contains('_'),
            "{name}: {description:?} names internals"
        );
        assert!(
            descriptions.insert(description),
            "{name}: description repeated"
        );
    }
    // The design's own example.
    assert_eq!(
        Permissions::VIEW_CONVERSATIONS.info().map(|i| i.label),
        Some("View conversations")
    );
    // Sentences the person at the editor can test against the design.
    for (permission, words) in [
        (Permissions::VIEW_CONTACT_DETAILS, &["email", "phone"][..]),
        (Permissions::ADD_PRIVATE_NOTE, &["note"]),
        (Permissions::EXPORT_REPORTS, &["report"]),
        (Permissions::MANAGE_FAQS, &["FAQ"]),
        (Permissions::MANAGE_CAMPAIGNS, &["campaign"]),
        (Permissions::MANAGE_CUSTOM_ROLES, &["custom roles"]),
    ] {
        let description = permission.info().map_or("", |i| i.description);
        for word in words {
            assert!(
                description.contains(word),
                "{permission}: {description:?} lacks {word:?}"
            );
        }
    }
}

#[test]
fn info_gives_the_entry_of_one_permission_and_nothing_else() {
    for entry in Permissions::catalogue() {
        assert_eq!(entry.permission.info(), Some(entry), "{}", entry.name);
    }
    for (what, set) in [
        ("empty", Permissions::empty()),
        ("two", Permissions::REPLY | Permissions::VIEW_CONVERSATIONS),
        ("all", Permissions::all()),
        ("extension bit", Permissions::from_bits_retain(1 << 20)),
        ("top bit", Permissions::from_bits_retain(1 << 63)),
    ] {
        assert_eq!(set.info(), None, "{what}");
    }
}

#[test]
fn the_builtin_vocabulary_has_the_same_catalogue() {
    assert_eq!(Vocabulary::builtin().catalogue(), Permissions::catalogue());
    assert_eq!(
        Policy::new(helpdesk_policy::Plan::Pro)
            .vocabulary()
            .catalogue(),
        Permissions::catalogue()
    );
    for entry in Permissions::catalogue() {
        assert_eq!(
            Vocabulary::builtin().permission(entry.name),
            Some(entry.permission)
        );
        assert_eq!(Vocabulary::builtin().info(entry.permission), Some(entry));
    }
}

#[test]
fn the_catalogue_serializes_for_a_front_end() {
    let json = serde_json::to_value(Permissions::catalogue()).expect("serializes");
    let entries = json.as_array().expect("a list");
    assert_eq!(entries.len(), 20);
    for (value, entry) in entries.iter().zip(Permissions::catalogue()) {
        let object = value.as_object().expect("an object per permission");
        let keys: BTreeSet<&str> = object.keys().map(String::as_str).collect();
        assert!(
            ["name", "label", "description", "kind", "scopes", "requires"]
                .iter()
                .all(|key| keys.contains(key)),
            "{}: keys {keys:?}",
            entry.name
        );
        assert_eq!(value["name"], entry.name);
        assert_eq!(value["label"], entry.label);
        assert_eq!(value["description"], entry.description);
        let kind = match entry.kind {
            Conversation => "conversation",
            Team => "team",
            Account => "account",
        };
        assert_eq!(value["kind"], kind, "{}", entry.name);
        // Scopes as stored (`"global"`, ...), requirements as stored names.
        let scopes: Vec<&str> = entry.scopes.iter().map(|s| s.as_str()).collect();
        assert_eq!(value["scopes"], serde_json::json!(scopes), "{}", entry.name);
        let requires: Vec<&str> = entry
            .requires
            .iter()
            .filter_map(Permissions::permission_name)
            .collect();
        assert_eq!(
            value["requires"],
            serde_json::json!(requires),
            "{}",
            entry.name
        );
    }
    // One entry in full, as a front end reads it.
    let reply = &entries[1];
    assert_eq!(reply["name"], "reply");
    assert_eq!(reply["kind"], "conversation");
    assert_eq!(
        reply["scopes"],
        serde_json::json!(["restricted", "group", "global"])
    );
    assert_eq!(reply["requires"], serde_json::json!(["view_conversations"]));
    let people = &entries[10];
    assert_eq!(people["name"], "view_people");
    assert_eq!(people["kind"], "account");
    assert_eq!(people["scopes"], serde_json::json!(["global"]));
    assert_eq!(people["requires"], serde_json::json!([]));
}

/// Words each built-in role's description must carry, from the product page and the design's
/// table of grants.
const ROLE_WORDS: [(BuiltInRole, &[&str]); 9] = [
    (BuiltInRole::AccountAdmin, &["everything"]),
    (BuiltInRole::Administrator, &["everything", "custom roles"]),
    (
        BuiltInRole::SupportManager,
        &["Support Agent", "campaigns", "FAQs"],
    ),
    (
        BuiltInRole::SupportAgent,
        &["conversation", "People", "profile"],
    ),
    (
        BuiltInRole::MarketingManager,
        &["campaigns", "FAQs", "reports"],
    ),
    (BuiltInRole::MarketingUser, &["campaigns"]),
    (BuiltInRole::SalesManager, &["conversation", "reports"]),
    (BuiltInRole::SalesUser, &["conversations", "groups"]),
    (BuiltInRole::RestrictedUser, &["conversations", "taking up"]),
];

#[test]
fn every_builtin_role_has_a_one_line_description_from_the_product_page() {
    let mut seen = BTreeSet::new();
    for (role, words) in ROLE_WORDS {
        let description = role.description();
        assert!(is_one_sentence(description), "{role:?}: {description:?}");
        assert!(description.chars().count() <= 120, "{role:?}: too long");
        assert!(seen.insert(description), "{role:?}: repeated description");
        for word in words {
            assert!(
                description.contains(word),
                "{role:?}: {description:?} lacks {word:?}"
            );
        }
        // The role itself says the same, in the built-in vocabulary and in a policy.
        assert_eq!(role.role().description(), description, "{role:?}");
        let policy = Policy::new(helpdesk_policy::Plan::Free);
        assert_eq!(
            policy.role(role.id()).map(|r| r.description()),
            Some(description),
            "{role:?}"
        );
    }
    assert_eq!(seen.len(), BuiltInRole::ALL.len());
    // The Marketing Manager has no conversations: its description must not promise them.
    let marketing = BuiltInRole::MarketingManager.description();
    assert!(!marketing.contains("conversation"), "{marketing}");
}
