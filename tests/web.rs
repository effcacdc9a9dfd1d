//! What a web backend around the crate leans on: permission sets parsed from and written as
//! names (`FromStr`, serde, `Default`), decisions as owned records and `Result`s that outlive
//! the policy (`Decision::record`, `Decision::into_result`), an error kind per refusal for the
//! HTTP status (`PolicyError::kind`), ids from SQL integers (`TryFrom<i64>`), and owned group
//! lists from SQL rows (`GroupList`; that it allocates nothing for up to eight groups is in
//! `tests/no_alloc.rs`).

use helpdesk_policy::{
    BuiltInRole, Conversation, Decision, DecisionRecord, Denied, ErrorKind, ExtensionPermission,
    GroupId, GroupList, InvalidId, PermissionKind, Permissions, Plan, Policy, PolicyError, RoleId,
    Scope, Subject, Team, UserId, Vocabulary,
};

fn owner() -> Subject<'static> {
    Subject::new(UserId(1), BuiltInRole::AccountAdmin.id(), &[])
}

// ---------------------------------------------------------------------------------------------
// Permissions: FromStr, serde, Default

#[test]
fn permissions_parse_from_names() {
    let notes = Permissions::REPLY | Permissions::ADD_PRIVATE_NOTE;
    let cases: Vec<(&str, Result<Permissions, PolicyError>)> = vec![
        ("", Ok(Permissions::empty())),
        ("   ", Ok(Permissions::empty())),
        ("reply", Ok(Permissions::REPLY)),
        ("reply,add_private_note", Ok(notes)),
        (" add_private_note ,  reply ", Ok(notes)),
        ("reply, reply", Ok(Permissions::REPLY)),
        ("manage_custom_roles", Ok(Permissions::MANAGE_CUSTOM_ROLES)),
        (
            "Reply",
            Err(PolicyError::UnknownPermissionName("Reply".into())),
        ),
        (
            "REPLY",
            Err(PolicyError::UnknownPermissionName("REPLY".into())),
        ),
        (
            "reply,,add_private_note",
            Err(PolicyError::UnknownPermissionName(String::new())),
        ),
        (
            "reply;add_private_note",
            Err(PolicyError::UnknownPermissionName(
                "reply;add_private_note".into(),
            )),
        ),
        (
            "reply, merge_conversations",
            Err(PolicyError::UnknownPermissionName(
                "merge_conversations".into(),
            )),
        ),
        (
            "view conversations",
            Err(PolicyError::UnknownPermissionName(
                "view conversations".into(),
            )),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(text.parse::<Permissions>(), expected, "{text:?}");
    }
    // Every name, and all of them at once, round trip through Display.
    for info in Permissions::catalogue() {
        assert_eq!(info.name.parse::<Permissions>(), Ok(info.permission));
    }
    let all = Permissions::all().to_string();
    assert_eq!(all.parse::<Permissions>(), Ok(Permissions::all()));
    // A hostile name gives a short message, and the error is an input error.
    let huge = "x".repeat(100_000);
    let error = huge.parse::<Permissions>().expect_err("unknown");
    assert!(
        error.to_string().len() < 300,
        "{} bytes",
        error.to_string().len()
    );
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
}

#[test]
fn permissions_serialize_as_a_list_of_names_in_bit_order() {
    let cases = [
        (Permissions::empty(), serde_json::json!([])),
        (Permissions::REPLY, serde_json::json!(["reply"])),
        (
            Permissions::MANAGE_FAQS | Permissions::REPLY | Permissions::VIEW_CONVERSATIONS,
            serde_json::json!(["view_conversations", "reply", "manage_faqs"]),
        ),
        (
            Permissions::TEAM_KIND,
            serde_json::json!([
                "view_dashboard",
                "view_reports",
                "export_reports",
                "manage_settings"
            ]),
        ),
    ];
    for (set, json) in cases {
        assert_eq!(
            serde_json::to_value(set).expect("serializes"),
            json,
            "{set}"
        );
        let back: Permissions = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, set);
    }
    let names: Vec<String> =
        serde_json::from_value(serde_json::to_value(Permissions::all()).expect("all"))
            .expect("a list of strings");
    let expected: Vec<&str> = Permissions::catalogue().iter().map(|i| i.name).collect();
    assert_eq!(names, expected);
    // Reading: any order, repeats fold, unknown names are refused naming them.
    let read = |text: &str| serde_json::from_str::<Permissions>(text).map_err(|e| e.to_string());
    assert_eq!(
        read(r#"["manage_faqs","reply","reply"]"#),
        Ok(Permissions::MANAGE_FAQS | Permissions::REPLY)
    );
    for (bad, fragment) in [
        (r#"["reply","Reply"]"#, "unknown permission `Reply`"),
        (r#"["merge_conversations"]"#, "merge_conversations"),
        (r#""reply""#, "a list of permission names"),
        (r#"{"reply":"global"}"#, "a list of permission names"),
        (r"[1]", "invalid type"),
        (r"null", "a list of permission names"),
    ] {
        let error = read(bad).expect_err(bad);
        assert!(error.contains(fragment), "{bad}: {error}");
    }
    // Bits that name no built-in permission fail to serialize rather than vanish.
    let extension = Permissions::REPLY | Permissions::from_bits_retain(1 << 20);
    assert!(serde_json::to_string(&extension).is_err());
    // A vocabulary writes them by name.
    let vocabulary = Vocabulary::new([ExtensionPermission::new(
        "merge_conversations",
        PermissionKind::Conversation,
    )])
    .expect("valid");
    assert_eq!(
        vocabulary.names(extension).collect::<Vec<_>>(),
        ["reply", "merge_conversations"]
    );
}

#[test]
fn the_default_permission_set_is_empty() {
    assert_eq!(Permissions::default(), Permissions::empty());
    #[derive(Default)]
    struct Form {
        granted: Permissions,
    }
    assert!(Form::default().granted.is_empty());
    let policy = Policy::new(Plan::Pro);
    let s = Subject::new(UserId(7), BuiltInRole::AccountAdmin.id(), &[]);
    assert!(policy
        .check(&s, Permissions::default(), &Conversation::default())
        .is_denied());
}

// ---------------------------------------------------------------------------------------------
// Decision::record and Decision::into_result

/// The record of `decision`, as JSON.
fn json_of(decision: Decision<'_>) -> serde_json::Value {
    serde_json::to_value(decision.record()).expect("a record serializes")
}

#[test]
fn records_have_one_json_shape_for_every_reason() {
    let mut policy = Policy::new(Plan::Pro);
    let custom = policy
        .clone_role(&owner(), BuiltInRole::SupportAgent.id(), "Night")
        .expect("clone");
    let sales = Subject::new(UserId(7), BuiltInRole::SalesUser.id(), &[GroupId(1)]);
    let in_group = Conversation {
        group: Some(GroupId(1)),
        ..Conversation::default()
    };
    let elsewhere = Conversation {
        group: Some(GroupId(2)),
        ..Conversation::default()
    };
    let nobody = Subject::new(UserId(9), RoleId(555), &[]);
    let target = Subject::new(UserId(8), BuiltInRole::SupportAgent.id(), &[]);
    let administrator = Subject::new(UserId(2), BuiltInRole::Administrator.id(), &[]);
    let cases: Vec<(&str, Decision<'_>, serde_json::Value)> = vec![
        (
            "granted",
            policy.check(&sales, Permissions::REPLY, &in_group),
            serde_json::json!({
                "allowed": true,
                "sentence": "allowed: role \"Sales User\" grants reply at Group scope, and the conversation's group 1 is one of the user's groups",
                "reason": "granted", "role": 8, "role_name": "Sales User", "permission": "reply",
                "scope": "group", "fact": "in_users_groups", "group": 1,
            }),
        ),
        (
            "out of scope",
            policy.check(&sales, Permissions::REPLY, &elsewhere),
            serde_json::json!({
                "allowed": false,
                "sentence": "denied: role \"Sales User\" grants reply at Group scope, and the conversation's group 2 is not one of the user's groups",
                "reason": "out_of_scope", "role": 8, "role_name": "Sales User", "permission": "reply",
                "scope": "group", "fact": "outside_users_groups", "group": 2,
            }),
        ),
        (
            "not granted",
            policy.check(&sales, Permissions::MANAGE_FAQS, &in_group),
            serde_json::json!({
                "allowed": false,
                "sentence": "denied: role \"Sales User\" does not grant manage_faqs",
                "reason": "not_granted", "role": 8, "role_name": "Sales User", "permission": "manage_faqs",
                "scope": null, "fact": null, "group": null,
            }),
        ),
        (
            "account permission",
            policy.check(&sales, Permissions::VIEW_PEOPLE, &in_group),
            serde_json::json!({
                "allowed": true,
                "sentence": "allowed: role \"Sales User\" grants view_people, an account permission",
                "reason": "granted", "role": 8, "role_name": "Sales User", "permission": "view_people",
                "scope": "global", "fact": "account_wide", "group": null,
            }),
        ),
        (
            "unknown role",
            policy.check(&nobody, Permissions::REPLY, &in_group),
            serde_json::json!({
                "allowed": false,
                "sentence": "denied: role id 555 is unknown to the policy (never created, or deleted)",
                "reason": "unknown_role", "role": 555, "role_name": null, "permission": null,
                "scope": null, "fact": null, "group": null,
            }),
        ),
        (
            "nothing asked",
            policy.check(&sales, Permissions::empty(), &in_group),
            serde_json::json!({
                "allowed": false, "sentence": "denied: no permission was asked for",
                "reason": "nothing_asked", "role": null, "role_name": null, "permission": null,
                "scope": null, "fact": null, "group": null,
            }),
        ),
        (
            "team",
            policy.check(
                &Subject::new(UserId(7), custom, &[]),
                Permissions::VIEW_REPORTS,
                &Team(GroupId(3)),
            ),
            serde_json::json!({
                "allowed": false, "sentence": "denied: role \"Night\" does not grant view_reports",
                "reason": "not_granted", "role": 100, "role_name": "Night", "permission": "view_reports",
                "scope": null, "fact": null, "group": null,
            }),
        ),
        (
            "assignment allowed",
            policy.check_assignment(&owner(), &target, custom),
            serde_json::json!({
                "allowed": true,
                "sentence": "allowed: role \"Account Admin\" holds manage_users and every grant of role \"Night\" and of the user's current role \"Support Agent\"",
                "reason": "assignment_allowed", "role": 100, "role_name": "Night", "permission": null,
                "scope": null, "fact": null, "group": null,
            }),
        ),
    ];
    for (what, decision, expected) in cases {
        assert_eq!(json_of(decision), expected, "{what}");
        assert_eq!(decision.record().sentence, decision.to_string(), "{what}");
        assert_eq!(decision.record().allowed, decision.is_allowed(), "{what}");
        assert_eq!(decision.record().reason, decision.reason().code(), "{what}");
    }
    // Every record has the same keys, whatever the reason.
    let own_role = policy.check_assignment(&owner(), &owner(), custom);
    let exceeding =
        policy.check_assignment(&administrator, &target, BuiltInRole::AccountAdmin.id());
    for decision in [own_role, exceeding] {
        let json = json_of(decision);
        let keys: Vec<&str> = json
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            [
                "allowed",
                "fact",
                "group",
                "permission",
                "reason",
                "role",
                "role_name",
                "scope",
                "sentence"
            ],
            "{decision}"
        );
        assert_eq!(json["allowed"], false);
    }
}

/// A handler that answers a refusal with `?`.
fn reply_handler(
    policy: &Policy,
    subject: &Subject<'_>,
    c: &Conversation<'_>,
) -> Result<String, Denied> {
    policy.check(subject, Permissions::REPLY, c).into_result()?;
    Ok("sent".to_owned())
}

#[test]
fn records_and_denials_outlive_the_policy() {
    let (record, denied, allowed): (DecisionRecord, Denied, String) = {
        let mut policy = Policy::new(Plan::Pro);
        let night = policy
            .clone_role(&owner(), BuiltInRole::RestrictedUser.id(), "Night")
            .expect("clone");
        let s = Subject::new(UserId(7), night, &[GroupId(1)]);
        let c = Conversation {
            group: Some(GroupId(1)),
            ..Conversation::default()
        };
        let assigned = Conversation {
            assignee: Some(UserId(7)),
            ..c
        };
        let record = policy.check(&s, Permissions::REPLY, &c).record();
        let denied = reply_handler(&policy, &s, &c).expect_err("restricted");
        let allowed = reply_handler(&policy, &s, &assigned).expect("assigned");
        drop(policy);
        (record, denied, allowed)
    };
    // The policy (and the role's name it held) is gone; the record and the denial keep theirs.
    assert!(!record.allowed);
    assert_eq!(record.role_name.as_deref(), Some("Night"));
    assert_eq!(record.reason, "out_of_scope");
    assert_eq!(record.fact, Some("not_taken_up"));
    assert_eq!(
        denied.to_string(),
        "denied: role \"Night\" grants reply at Restricted scope, and the user is neither the conversation's assignee nor a participant"
    );
    assert_eq!(*denied.0, record);
    assert_eq!(
        serde_json::to_value(&denied).expect("serializes"),
        serde_json::to_value(&record).expect("serializes"),
        "a denial serializes as its record"
    );
    assert_eq!(allowed, "sent");
    // `Denied` is an error a handler can box.
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(denied);
    assert!(boxed.to_string().starts_with("denied: "));
}

// ---------------------------------------------------------------------------------------------
// PolicyError::kind

fn load_error(json: &str) -> PolicyError {
    Policy::from_json(json, &Vocabulary::builtin()).expect_err(json)
}

const ROLE: &str = r#"{"id":100,"name":"Desk","description":"","cloned_from":4,"grants":{}}"#;

fn doc(next: u32, roles: &[&str]) -> String {
    format!(
        r#"{{"version":2,"plan":"pro","revision":0,"next_role_id":{next},"custom_roles":[{}]}}"#,
        roles.join(",")
    )
}

#[test]
#[allow(clippy::too_many_lines)]
fn every_error_has_the_kind_a_host_maps_to_a_status() {
    let mut policy = Policy::new(Plan::Pro);
    let o = owner();
    let night = policy
        .clone_role(&o, BuiltInRole::SupportAgent.id(), "Night")
        .expect("clone");
    let administrator = Subject::new(UserId(2), BuiltInRole::Administrator.id(), &[]);
    let mut free = policy.clone();
    free.set_plan(Plan::Free).expect("plan");
    let at_last: Policy = serde_json::from_str(
        &serde_json::to_string(&policy)
            .expect("save")
            .replace(r#""revision":1"#, &format!(r#""revision":{}"#, u64::MAX)),
    )
    .expect("load");
    let mut at_last_ids: Policy = serde_json::from_str(&doc(u32::MAX, &[])).expect("load");
    let mut p = policy.clone();
    let mut last = at_last.clone();
    let cases: Vec<(&str, PolicyError, ErrorKind)> = vec![
        (
            "not allowed",
            p.clone_role(&administrator, night, "X").expect_err(""),
            ErrorKind::Forbidden,
        ),
        (
            "built-in role",
            p.grant(
                &o,
                BuiltInRole::SupportAgent.id(),
                Permissions::REPLY,
                Scope::Group,
            )
            .expect_err(""),
            ErrorKind::Forbidden,
        ),
        (
            "manage_custom_roles",
            p.grant(&o, night, Permissions::MANAGE_CUSTOM_ROLES, Scope::Global)
                .expect_err(""),
            ErrorKind::Forbidden,
        ),
        (
            "unknown role",
            p.delete_role(&o, RoleId(555)).expect_err(""),
            ErrorKind::NotFound,
        ),
        (
            "plan",
            free.clone_role(&o, night, "X").expect_err(""),
            ErrorKind::Plan,
        ),
        (
            "revision exhausted",
            last.rename_role(&o, night, "Day").expect_err(""),
            ErrorKind::Conflict,
        ),
        (
            "role ids exhausted",
            at_last_ids
                .clone_role(&o, BuiltInRole::SupportAgent.id(), "X")
                .expect_err(""),
            ErrorKind::Conflict,
        ),
        (
            "invalid name",
            p.clone_role(&o, night, " ").expect_err(""),
            ErrorKind::InvalidInput,
        ),
        (
            "name taken",
            p.clone_role(&o, night, "NIGHT").expect_err(""),
            ErrorKind::InvalidInput,
        ),
        (
            "built-in name",
            p.clone_role(&o, night, "Administrator").expect_err(""),
            ErrorKind::InvalidInput,
        ),
        (
            "scoped account permission",
            p.grant(&o, night, Permissions::VIEW_PEOPLE, Scope::Group)
                .expect_err(""),
            ErrorKind::InvalidInput,
        ),
        (
            "unknown permission bits",
            p.revoke(&o, night, Permissions::from_bits_retain(1 << 33))
                .expect_err(""),
            ErrorKind::InvalidInput,
        ),
        (
            "unknown permission name",
            "replies".parse::<Permissions>().expect_err(""),
            ErrorKind::InvalidInput,
        ),
        (
            "invalid description",
            p.set_role_description(&o, night, "a\u{7}").expect_err(""),
            ErrorKind::InvalidInput,
        ),
        (
            "duplicate permission (set_grants)",
            p.set_grants(
                &o,
                night,
                [
                    (Permissions::REPLY, Scope::Group),
                    (Permissions::REPLY, Scope::Global),
                ],
            )
            .expect_err(""),
            ErrorKind::InvalidInput,
        ),
        (
            "invalid extension",
            Vocabulary::new([ExtensionPermission::new("Bad", PermissionKind::Team)]).expect_err(""),
            ErrorKind::InvalidInput,
        ),
        ("invalid document", load_error("{"), ErrorKind::InvalidInput),
        (
            "unknown version",
            PolicyError::UnknownVersion(9),
            ErrorKind::InvalidInput,
        ),
        (
            "bad stored description",
            load_error(&doc(101, &[&ROLE.replace(r#""description":"","#, "")])),
            ErrorKind::InvalidInput,
        ),
        (
            "too many grants",
            {
                let grants: Vec<String> = (0..65).map(|n| format!(r#""x{n}":"global""#)).collect();
                let role = ROLE.replace("{}", &format!("{{{}}}", grants.join(",")));
                Policy::from_json_keeping_unknown(&doc(101, &[&role]), &Vocabulary::builtin())
                    .expect_err("65")
            },
            ErrorKind::InvalidInput,
        ),
        (
            "unknown permission",
            load_error(&doc(101, &[&ROLE.replace("{}", r#"{"replies":"global"}"#)])),
            ErrorKind::InvalidInput,
        ),
        (
            "unknown scope",
            load_error(&doc(101, &[&ROLE.replace("{}", r#"{"reply":"team"}"#)])),
            ErrorKind::InvalidInput,
        ),
        (
            "duplicate permission (stored)",
            load_error(&doc(
                101,
                &[&ROLE.replace("{}", r#"{"reply":"group","reply":"global"}"#)],
            )),
            ErrorKind::InvalidInput,
        ),
        (
            "duplicate role id",
            load_error(&doc(102, &[ROLE, &ROLE.replace("Desk", "Other")])),
            ErrorKind::InvalidInput,
        ),
        (
            "role id out of range",
            load_error(&doc(100, &[ROLE])),
            ErrorKind::InvalidInput,
        ),
        (
            "bad cloned_from",
            load_error(&doc(
                101,
                &[&ROLE.replace(r#""cloned_from":4"#, r#""cloned_from":100"#)],
            )),
            ErrorKind::InvalidInput,
        ),
        (
            "bad next role id",
            load_error(&doc(5, &[])),
            ErrorKind::InvalidInput,
        ),
        (
            "scoped account permission (stored)",
            load_error(&doc(
                101,
                &[&ROLE.replace("{}", r#"{"view_people":"group"}"#)],
            )),
            ErrorKind::InvalidInput,
        ),
    ];
    let mut variants = std::collections::BTreeSet::new();
    for (what, error, kind) in &cases {
        assert_eq!(error.kind(), *kind, "{what}: {error:?}");
        let variant = format!("{error:?}");
        let variant = variant
            .split(['(', ' ', '{'])
            .next()
            .unwrap_or("")
            .to_owned();
        variants.insert(variant);
    }
    // One case per variant of the error: a new variant without a row here fails this count.
    assert_eq!(variants.len(), 26, "{variants:?}");
    // An unknown version in a document is refused naming it (as a document error).
    let error = load_error(&doc(100, &[]).replace(r#""version":2"#, r#""version":9"#));
    assert!(
        error.to_string().contains("unknown format version `9`"),
        "{error}"
    );
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    // Refusals changed nothing in the policies they were made on.
    assert_eq!(p, policy);
    assert_eq!(last, at_last);
}

// ---------------------------------------------------------------------------------------------
// Ids from SQL integers

#[test]
fn ids_convert_from_sql_integers_only_when_they_are_ids() {
    for value in [0_i64, 1, 7, i64::from(u32::MAX), i64::MAX] {
        let unsigned = u64::try_from(value).expect("non-negative");
        assert_eq!(UserId::try_from(value), Ok(UserId(unsigned)), "{value}");
        assert_eq!(GroupId::try_from(value), Ok(GroupId(unsigned)), "{value}");
    }
    for value in [-1_i64, -7, i64::MIN] {
        assert_eq!(UserId::try_from(value), Err(InvalidId(value)), "{value}");
        assert_eq!(GroupId::try_from(value), Err(InvalidId(value)), "{value}");
        assert_eq!(RoleId::try_from(value), Err(InvalidId(value)), "{value}");
    }
    for (value, expected) in [
        (0_i64, Ok(RoleId(0))),
        (4, Ok(RoleId(4))),
        (100, Ok(RoleId(100))),
        (i64::from(u32::MAX), Ok(RoleId(u32::MAX))),
        (i64::from(u32::MAX) + 1, Err(InvalidId(4_294_967_296))),
        (i64::MAX, Err(InvalidId(i64::MAX))),
    ] {
        assert_eq!(RoleId::try_from(value), expected, "{value}");
    }
    let message = InvalidId(-3).to_string();
    assert!(message.contains("-3"), "{message}");
    // A converted role id works with the policy like the constant.
    let policy = Policy::new(Plan::Pro);
    let role = RoleId::try_from(4).expect("an id");
    assert_eq!(policy.role(role).map(|r| r.name()), Some("Support Agent"));
}

// ---------------------------------------------------------------------------------------------
// GroupList

#[test]
fn group_lists_from_sql_rows_leave_out_negative_ids_and_lend_themselves_to_subjects() {
    let rows: [i64; 5] = [2, -1, 9, i64::MIN, 0];
    let groups = GroupList::from_sql_ids(rows);
    assert_eq!(groups.as_slice(), [GroupId(2), GroupId(9), GroupId(0)]);
    let mut pushed = GroupList::new();
    for row in rows {
        pushed.push_sql_id(row);
    }
    assert_eq!(pushed, groups);
    pushed.push(GroupId(11));
    assert_eq!(pushed.len(), 4);
    let mut collected: GroupList = [GroupId(2)].into_iter().collect();
    collected.extend([GroupId(9), GroupId(0)]);
    assert_eq!(collected, groups);
    assert!(GroupList::default().is_empty());
    // Up to eight groups stay inline; a ninth moves them to the heap, still all there.
    assert!(!GroupList::from_sql_ids(0..8).spilled());
    let nine = GroupList::from_sql_ids(0..9);
    assert!(nine.spilled());
    assert_eq!(nine.len(), 9);
    // A subject borrows it, and decides as with a slice.
    let policy = Policy::new(Plan::Pro);
    let s = Subject::new(UserId(7), BuiltInRole::SalesUser.id(), &groups);
    let c = Conversation {
        group: Some(GroupId(9)),
        ..Conversation::default()
    };
    assert!(policy.check(&s, Permissions::REPLY, &c).is_allowed());
    let elsewhere = Conversation {
        group: Some(GroupId(1)),
        ..Conversation::default()
    };
    assert!(policy.check(&s, Permissions::REPLY, &elsewhere).is_denied());
}
