//! The stored form (issue 3, point 7; issue 10, point 6): save → load → save gives the same
//! bytes and the same decisions; the JSON has the documented shape (version 2, with each custom
//! role's description after its name); checked-in fixtures of version 1 (written by 0.1, byte
//! for byte) and version 2 load, version 1 to the same roles, grants, ids, plan and revision
//! with empty descriptions, saving as version 2, and version 2 round trips byte for byte;
//! loading refuses, with a message naming the offending item, anything a policy could not have
//! written; and the README's example loads.

use helpdesk_policy::{
    AboutUser, Account, BuiltInRole, Conversation, ExtensionPermission, GroupId, PermissionKind,
    Permissions, Plan, Policy, RoleId, Scope, Subject, Team, UserId, Vocabulary,
};

const ACCOUNT_ADMIN: RoleId = BuiltInRole::AccountAdmin.id();
const SUPPORT_AGENT: RoleId = BuiltInRole::SupportAgent.id();
const SUPPORT_MANAGER: RoleId = BuiltInRole::SupportManager.id();
const RESTRICTED_USER: RoleId = BuiltInRole::RestrictedUser.id();

fn owner() -> Subject<'static> {
    Subject {
        user: UserId(1),
        role: ACCOUNT_ADMIN,
        groups: &[],
        view_only: &[],
    }
}

fn save(policy: &Policy) -> String {
    serde_json::to_string(policy).expect("a policy always serializes")
}

fn load(json: &str) -> Result<Policy, String> {
    serde_json::from_str::<Policy>(json).map_err(|e| e.to_string())
}

/// A policy using every feature: several roles cloned from built-in and custom roles, every
/// scope, a rename, a deleted role, a later plan change.
fn rich_policy() -> Policy {
    let mut policy = Policy::new(Plan::Pro);
    let o = owner();
    let intern = policy
        .clone_role(&o, SUPPORT_AGENT, "Intern")
        .expect("intern");
    let writer = policy
        .clone_role(&o, SUPPORT_MANAGER, "FAQ Writer")
        .expect("writer");
    let regional = policy
        .clone_role(&o, intern, "Regional Agent")
        .expect("regional");
    let deputy = policy
        .clone_role(&o, ACCOUNT_ADMIN, "Deputy")
        .expect("deputy");
    let gone = policy
        .clone_role(&o, RESTRICTED_USER, "Temp")
        .expect("temp");
    let steps = [
        policy.revoke(&o, intern, Permissions::REPLY),
        policy.grant(&o, intern, Permissions::ADD_PRIVATE_NOTE, Scope::Group),
        policy.revoke(&o, writer, Permissions::MANAGE_CAMPAIGNS),
        policy.grant(&o, regional, Permissions::CONVERSATION_KIND, Scope::Group),
        policy.grant(&o, regional, Permissions::VIEW_REPORTS, Scope::Restricted),
        policy.grant(&o, deputy, Permissions::EXPORT_REPORTS, Scope::Group),
        policy.rename_role(&o, deputy, "Deputy Ünïcode 🦀"),
        policy.delete_role(&o, gone),
    ];
    assert!(steps.iter().all(Result::is_ok), "rich policy: {steps:?}");
    policy.set_plan(Plan::Enterprise).expect("plan");
    policy
}

/// Every decision of every role of `policy` (and two ids it does not hold) over a grid of
/// permissions and resources, as sentences.
fn decisions(policy: &Policy) -> Vec<String> {
    let conversations = [
        Conversation {
            group: Some(GroupId(2)),
            assignee: None,
            participants: &[],
        },
        Conversation {
            group: Some(GroupId(9)),
            assignee: Some(UserId(7)),
            participants: &[],
        },
        Conversation {
            group: None,
            assignee: None,
            participants: &[UserId(7)],
        },
        Conversation::default(),
    ];
    let mut roles: Vec<RoleId> = policy.roles().map(|r| r.id()).collect();
    roles.extend([RoleId(104), RoleId(555)]);
    let mut out = Vec::new();
    for role in roles {
        let s = Subject {
            user: UserId(7),
            role,
            groups: &[GroupId(2)],
            view_only: &[],
        };
        for p in Permissions::all().iter() {
            for c in &conversations {
                out.push(policy.check(&s, p, c).to_string());
            }
            out.push(policy.check(&s, p, &Team(GroupId(2))).to_string());
            out.push(policy.check(&s, p, &AboutUser(UserId(7))).to_string());
            out.push(policy.check(&s, p, &Account).to_string());
        }
        let target = Subject {
            user: UserId(8),
            role: SUPPORT_AGENT,
            groups: &[],
            view_only: &[],
        };
        for new_role in policy.roles().map(|r| r.id()) {
            out.push(policy.check_assignment(&s, &target, new_role).to_string());
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Round trip

#[test]
fn save_load_save_gives_the_same_bytes_and_the_same_decisions() {
    let policy = rich_policy();
    let json = save(&policy);
    let loaded = load(&json).expect("a saved policy loads");
    assert_eq!(save(&loaded), json, "compact bytes");
    assert_eq!(loaded, policy, "the loaded policy equals the saved one");
    assert_eq!(loaded.revision(), policy.revision());
    assert_eq!(loaded.next_role_id(), policy.next_role_id());
    assert_eq!(loaded.plan(), Plan::Enterprise);
    assert_eq!(decisions(&loaded), decisions(&policy), "decisions");

    let pretty = serde_json::to_string_pretty(&policy).expect("pretty");
    let loaded = load(&pretty).expect("pretty JSON loads");
    assert_eq!(
        serde_json::to_string_pretty(&loaded).expect("pretty"),
        pretty,
        "pretty bytes"
    );
    assert_eq!(save(&loaded), json);

    // Loading from a reader or a `Value` (owned strings, not borrowed) works the same.
    let from_reader: Policy = serde_json::from_reader(json.as_bytes()).expect("from_reader");
    assert_eq!(from_reader, policy);
    let value: serde_json::Value = serde_json::from_str(&json).expect("value");
    let from_value: Policy = serde_json::from_value(value).expect("from_value");
    assert_eq!(from_value, policy);
}

#[test]
fn a_loaded_policy_keeps_working_under_governance() {
    let policy = rich_policy();
    let mut loaded = load(&save(&policy)).expect("load");
    let o = owner();
    let deputy = RoleId(103);
    // Names are still unique, ignoring case.
    assert_eq!(
        loaded
            .clone_role(&o, SUPPORT_AGENT, "intern")
            .map_err(|e| e.to_string()),
        Err("name `intern` is already taken".to_owned())
    );
    assert_eq!(
        loaded.role_by_name("deputy ünïcode 🦀").map(|r| r.id()),
        Some(deputy)
    );
    // Edits and deletes work, and the revision goes on from the stored one.
    let revision = loaded.revision();
    loaded
        .rename_role(&o, deputy, "Deputy")
        .expect("rename after load");
    loaded
        .delete_role(&o, RoleId(100))
        .expect("delete after load");
    assert_eq!(loaded.revision(), revision + 2);
    assert_eq!(
        loaded.clone_role(&o, SUPPORT_AGENT, "Intern"),
        Ok(RoleId(105))
    );
}

// ---------------------------------------------------------------------------------------------
// Shape

#[test]
fn a_new_policy_stores_no_roles() {
    for (plan, name) in [
        (Plan::Free, "free"),
        (Plan::Growth, "growth"),
        (Plan::Pro, "pro"),
        (Plan::Enterprise, "enterprise"),
    ] {
        assert_eq!(
            save(&Policy::new(plan)),
            format!(
                r#"{{"version":2,"plan":"{name}","revision":0,"next_role_id":100,"custom_roles":[]}}"#
            ),
            "{plan:?}"
        );
    }
}

#[test]
fn the_json_has_the_documented_shape() {
    let mut policy = Policy::new(Plan::Pro);
    let o = owner();
    let intern = policy
        .clone_role(&o, SUPPORT_AGENT, "Intern")
        .expect("intern");
    let mut steps = vec![
        policy.revoke(&o, intern, Permissions::REPLY),
        policy.grant(&o, intern, Permissions::ADD_PRIVATE_NOTE, Scope::Group),
    ];
    let regional = policy
        .clone_role(&o, intern, "Regional Agent")
        .expect("regional");
    let temp = policy
        .clone_role(&o, RESTRICTED_USER, "Temp")
        .expect("temp");
    steps.extend([
        policy.grant(
            &o,
            regional,
            Permissions::VIEW_CONVERSATIONS,
            Scope::Restricted,
        ),
        policy.grant(&o, regional, Permissions::VIEW_REPORTS, Scope::Group),
        policy.delete_role(&o, temp),
    ]);
    steps.push(policy.set_role_description(&o, regional, "Works the EMEA queue.\nNo \"billing\"."));
    assert!(steps.iter().all(Result::is_ok), "{steps:?}");
    let expected = concat!(
        r#"{"version":2,"plan":"pro","revision":9,"next_role_id":103,"custom_roles":["#,
        r#"{"id":100,"name":"Intern","description":"","cloned_from":4,"grants":{"#,
        r#""view_conversations":"global","add_private_note":"group","#,
        r#""assign_conversation":"global","resolve_conversation":"global","#,
        r#""view_people":"global","edit_people":"global","view_contact_details":"global","#,
        r#""edit_own_profile":"global"}},"#,
        r#"{"id":101,"name":"Regional Agent","description":"Works the EMEA queue.\nNo \"billing\".","cloned_from":100,"grants":{"#,
        r#""view_conversations":"restricted","add_private_note":"group","#,
        r#""assign_conversation":"global","resolve_conversation":"global","#,
        r#""view_reports":"group","#,
        r#""view_people":"global","edit_people":"global","view_contact_details":"global","#,
        r#""edit_own_profile":"global"}}]}"#,
    );
    assert_eq!(save(&policy), expected);
}

/// Built-in roles are not stored; custom roles come in id order and grants in bit order, however
/// many there are and in whatever order they were made and changed.
#[test]
fn roles_are_written_in_id_order_and_grants_in_bit_order() {
    let mut policy = Policy::new(Plan::Pro);
    let o = owner();
    for i in 0..40_u32 {
        let source = BuiltInRole::ALL[(i % 9) as usize].id();
        let id = policy
            .clone_role(&o, source, &format!("Role {i}"))
            .expect("clone");
        // Grant in reverse bit order, so insertion order is not bit order.
        for p in Permissions::SCOPED
            .iter()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
        {
            if (p.bits() + u64::from(i)) % 3 == 0 {
                policy
                    .grant(&o, id, p, Scope::ALL[(i % 3) as usize])
                    .expect("grant");
            }
        }
        if i % 7 == 3 {
            policy.delete_role(&o, id).expect("delete");
        }
    }
    let json = save(&policy);
    for role in BuiltInRole::ALL {
        assert!(!json.contains(role.name()), "{} is stored", role.name());
    }
    let value: serde_json::Value = serde_json::from_str(&json).expect("value");
    let roles = value["custom_roles"].as_array().expect("custom_roles");
    let ids: Vec<u64> = roles
        .iter()
        .map(|r| r["id"].as_u64().expect("id"))
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "roles in id order");
    assert_eq!(ids.len(), 40 - 6, "deleted roles are gone");

    // Grants in bit order: the keys of each role's grants object, as written.
    let order: Vec<&str> = Permissions::permission_names().map(|(n, _)| n).collect();
    for role in json.split(r#""grants":{"#).skip(1) {
        let body = &role[..role.find('}').expect("grants end")];
        let keys: Vec<&str> = body
            .split(',')
            .map(|entry| entry.split(':').next().unwrap_or("").trim_matches('"'))
            .collect();
        let positions: Vec<usize> = keys
            .iter()
            .map(|k| order.iter().position(|o| o == k).expect("known key"))
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "bit order: {body}"
        );
    }
}

#[test]
fn the_readme_stored_form_example_loads() {
    let readme = include_str!("../README.md");
    let section = &readme[readme
        .find("## Stored form")
        .expect("README has a Stored form section")..];
    let start = section.find("```json\n").expect("a json block") + "```json\n".len();
    let example = &section[start..start + section[start..].find("```").expect("block end")];
    let policy = load(example).unwrap_or_else(|e| panic!("the README example must load: {e}"));
    assert_eq!(policy.plan(), Plan::Pro);
    assert_eq!(policy.revision(), 3);
    assert_eq!(policy.next_role_id(), RoleId(101));
    let intern = policy.role(RoleId(100)).expect("role 100");
    assert_eq!(intern.name(), "Intern");
    assert_eq!(intern.cloned_from(), Some(SUPPORT_AGENT));
    assert_eq!(
        intern.scope_of(Permissions::ADD_PRIVATE_NOTE),
        Some(Scope::Group)
    );
    assert_eq!(intern.scope_of(Permissions::REPLY), None);
    // Saving it gives the same document, compact (as version 2 if it was written as 1).
    let mut as_written: serde_json::Value = serde_json::from_str(example).expect("valid JSON");
    if as_written["version"] == 1 {
        upgrade(&mut as_written);
    }
    let saved: serde_json::Value = serde_json::from_str(&save(&policy)).expect("valid JSON");
    assert_eq!(saved, as_written);
}

// ---------------------------------------------------------------------------------------------
// Loading refuses what a policy could not have written

/// A valid stored policy, exactly as this crate writes it: role 101 was deleted.
const VALID: &str = concat!(
    r#"{"version":2,"plan":"pro","revision":7,"next_role_id":103,"custom_roles":["#,
    r#"{"id":100,"name":"Intern","description":"","cloned_from":4,"grants":{"view_conversations":"global","add_private_note":"group","view_people":"global"}},"#,
    r#"{"id":102,"name":"Regional Agent","description":"Two\nlines","cloned_from":100,"grants":{"view_conversations":"group","reply":"group"}}"#,
    r#"]}"#
);

#[test]
fn the_valid_document_loads_and_saves_byte_for_byte() {
    let policy = load(VALID).expect("VALID loads");
    assert_eq!(save(&policy), VALID);
    assert_eq!(
        policy.role(RoleId(102)).map(|r| r.name()),
        Some("Regional Agent")
    );
    assert!(policy.role(RoleId(101)).is_none());
}

enum Mutation {
    /// Replace the one occurrence of the first string in [`VALID`] by the second.
    Replace(&'static str, &'static str),
    /// A whole document.
    Whole(String),
}
use Mutation::{Replace, Whole};

#[allow(clippy::too_many_lines)]
fn bad_documents() -> Vec<(&'static str, Mutation, &'static str)> {
    let too_many_grants = {
        let grants: Vec<String> = (0..65).map(|i| format!(r#""p{i}":"global""#)).collect();
        VALID.replace(
            r#""reply":"group""#,
            &format!(r#""reply":"group",{}"#, grants.join(",")),
        )
    };
    vec![
        // Permissions and scopes.
        (
            "unknown permission",
            Replace(r#""reply":"group""#, r#""reply_all":"group""#),
            "unknown permission `reply_all` in role `Regional Agent`",
        ),
        (
            "permission name in the wrong case",
            Replace(r#""reply":"group""#, r#""REPLY":"group""#),
            "unknown permission `REPLY` in role `Regional Agent`",
        ),
        (
            "permission by its constant's name",
            Replace(r#""view_people":"global""#, r#""VIEW_PEOPLE":"global""#),
            "unknown permission `VIEW_PEOPLE` in role `Intern`",
        ),
        (
            "unknown scope",
            Replace(r#""reply":"group""#, r#""reply":"team""#),
            "unknown scope `team` for permission `reply` in role `Regional Agent`",
        ),
        (
            "scope in the wrong case",
            Replace(r#""reply":"group""#, r#""reply":"Group""#),
            "unknown scope `Group` for permission `reply`",
        ),
        (
            "scope as a number",
            Replace(r#""reply":"group""#, r#""reply":1"#),
            "invalid type: integer `1`, expected a string",
        ),
        (
            "account permission at Group",
            Replace(r#""view_people":"global""#, r#""view_people":"group""#),
            "account permission `view_people` has no scope: it cannot be granted at `group` in role `Intern`",
        ),
        (
            "account permission at Restricted",
            Replace(r#""view_people":"global""#, r#""manage_faqs":"restricted""#),
            "account permission `manage_faqs` has no scope: it cannot be granted at `restricted` in role `Intern`",
        ),
        (
            "manage_custom_roles on a custom role",
            Replace(
                r#""view_people":"global""#,
                r#""view_people":"global","manage_custom_roles":"global""#,
            ),
            "permission `manage_custom_roles` cannot be granted to custom role `Intern`",
        ),
        (
            "the same permission twice",
            Replace(
                r#""reply":"group""#,
                r#""reply":"group","reply":"restricted""#,
            ),
            "permission `reply` is listed twice in role `Regional Agent`",
        ),
        (
            "the same permission twice, same scope",
            Replace(
                r#""view_people":"global""#,
                r#""view_people":"global","view_people":"global""#,
            ),
            "permission `view_people` is listed twice in role `Intern`",
        ),
        (
            "more grants than permissions",
            Whole(too_many_grants),
            "unknown permission `p0` in role `Regional Agent`",
        ),
        (
            "grants as a list",
            Replace(
                r#"{"view_conversations":"group","reply":"group"}"#,
                r#"["view_conversations","reply"]"#,
            ),
            "an object mapping permission names to scopes",
        ),
        // Versions and plans.
        (
            "format version 3",
            Replace(r#""version":2"#, r#""version":3"#),
            "unknown format version `3`",
        ),
        (
            "format version 0",
            Replace(r#""version":2"#, r#""version":0"#),
            "unknown format version `0`",
        ),
        (
            "a newer format with fields this crate does not know",
            Whole(r#"{"version":3,"plan":"pro","tenants":[{"id":1}]}"#.into()),
            "unknown format version `3`",
        ),
        (
            "version as a string",
            Replace(r#""version":2"#, r#""version":"2""#),
            "invalid type: string \"2\"",
        ),
        (
            "version 1 with descriptions",
            Replace(r#""version":2"#, r#""version":1"#),
            "role `Intern`: version 1 has no descriptions",
        ),
        (
            "version 2 without a description",
            Replace(r#""name":"Intern","description":"","#, r#""name":"Intern","#),
            "role `Intern`: its description is missing",
        ),
        (
            "unknown plan",
            Replace(r#""plan":"pro""#, r#""plan":"platinum""#),
            "unknown variant `platinum`",
        ),
        (
            "plan in the wrong case",
            Replace(r#""plan":"pro""#, r#""plan":"Pro""#),
            "unknown variant `Pro`",
        ),
        // Names.
        (
            "duplicate name",
            Replace(r#""name":"Regional Agent""#, r#""name":"Intern""#),
            "name `Intern` is already taken",
        ),
        (
            "duplicate name in another case",
            Replace(r#""name":"Regional Agent""#, r#""name":"iNTERN""#),
            "name `iNTERN` is already taken",
        ),
        (
            "empty name",
            Replace(r#""name":"Intern""#, r#""name":"""#),
            "invalid role name ``: it is empty",
        ),
        (
            "blank name",
            Replace(r#""name":"Intern""#, r#""name":"   ""#),
            "it is empty",
        ),
        (
            "name of 65 characters",
            Replace(
                r#""name":"Intern""#,
                r#""name":"ÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄ""#,
            ),
            "it is longer than 64 characters",
        ),
        (
            "name with a control character",
            Replace(r#""name":"Intern""#, r#""name":"In\u0007tern""#),
            "invalid role name `In\\u{7}tern`: it contains a control character",
        ),
        (
            "name with leading space",
            Replace(r#""name":"Intern""#, r#""name":" Intern""#),
            "invalid role name ` Intern`: it has leading or trailing white space",
        ),
        (
            "name with a trailing newline",
            Replace(r#""name":"Intern""#, r#""name":"Intern\n""#),
            "leading or trailing white space",
        ),
        (
            "built-in role's name",
            Replace(r#""name":"Intern""#, r#""name":"Support Agent""#),
            "name `Support Agent` belongs to a built-in role",
        ),
        (
            "built-in role's name in another case",
            Replace(r#""name":"Intern""#, r#""name":"ACCOUNT ADMIN""#),
            "name `ACCOUNT ADMIN` belongs to a built-in role",
        ),
        // Ids.
        (
            "duplicate id",
            Replace(
                r#"{"id":102,"name":"Regional Agent","description":"Two\nlines","cloned_from":100"#,
                r#"{"id":100,"name":"Regional Agent","description":"Two\nlines","cloned_from":4"#,
            ),
            "role id `100` is listed twice",
        ),
        (
            "id equal to next_role_id",
            Replace(r#""id":102"#, r#""id":103"#),
            "role `Regional Agent` has id `103`, outside the custom range 100 up to next_role_id 103",
        ),
        (
            "id above next_role_id",
            Replace(r#""id":102"#, r#""id":5000"#),
            "role `Regional Agent` has id `5000`",
        ),
        (
            "id of a built-in role",
            Replace(r#""id":100"#, r#""id":4"#),
            "role `Intern` has id `4`, outside the custom range",
        ),
        (
            "id below the custom range",
            Replace(r#""id":100"#, r#""id":99"#),
            "role `Intern` has id `99`",
        ),
        (
            "next_role_id below a stored id",
            Replace(r#""next_role_id":103"#, r#""next_role_id":102"#),
            "role `Regional Agent` has id `102`, outside the custom range 100 up to next_role_id 102",
        ),
        (
            "next_role_id in the built-in range",
            Replace(r#""next_role_id":103"#, r#""next_role_id":9"#),
            "next_role_id `9` lies in the built-in range",
        ),
        (
            "id beyond u32",
            Replace(r#""id":102"#, r#""id":4294967398"#),
            "invalid value: integer `4294967398`",
        ),
        (
            "negative revision",
            Replace(r#""revision":7"#, r#""revision":-1"#),
            "invalid value: integer `-1`",
        ),
        (
            "cloned from itself",
            Replace(r#""cloned_from":100"#, r#""cloned_from":102"#),
            "role `Regional Agent` says it was cloned from role id `102`",
        ),
        (
            "cloned from a later role",
            Replace(r#""cloned_from":4"#, r#""cloned_from":102"#),
            "role `Intern` says it was cloned from role id `102`",
        ),
        (
            "cloned from an id no built-in role has",
            Replace(r#""cloned_from":4"#, r#""cloned_from":42"#),
            "role `Intern` says it was cloned from role id `42`",
        ),
        // Fields.
        (
            "unknown top-level field",
            Replace(r#""revision":7"#, r#""revision":7,"owner":1"#),
            "unknown field `owner`",
        ),
        (
            "unknown role field",
            Replace(r#""name":"Intern""#, r#""name":"Intern","colour":"red""#),
            "unknown field `colour`",
        ),
        (
            "description spelled otherwise",
            Replace(r#""description":"Two\nlines""#, r#""descr":"Two\nlines""#),
            "unknown field `descr`",
        ),
        (
            "missing field",
            Replace(r#""revision":7,"#, ""),
            "missing field `revision`",
        ),
        (
            "missing grants",
            Replace(
                r#","grants":{"view_conversations":"group","reply":"group"}"#,
                "",
            ),
            "missing field `grants`",
        ),
        (
            "duplicate top-level field",
            Replace(r#""plan":"pro""#, r#""plan":"pro","plan":"free""#),
            "duplicate field `plan`",
        ),
        // Not a policy at all.
        ("empty input", Whole(String::new()), "EOF"),
        ("truncated", Whole(VALID[..VALID.len() / 2].to_owned()), "EOF"),
        ("an array", Whole("[]".into()), "expected an object"),
        ("null", Whole("null".into()), "invalid type: null"),
        ("trailing junk", Whole(format!("{VALID} x")), "trailing characters"),
    ]
}

#[test]
fn loading_refuses_bad_documents_naming_the_item() {
    let cases = bad_documents();
    assert!(cases.len() >= 45, "the table lost cases");
    for (case, mutation, fragment) in cases {
        let document = match mutation {
            Replace(from, to) => {
                assert_eq!(
                    VALID.matches(from).count(),
                    1,
                    "{case}: `{from}` must occur once in VALID"
                );
                VALID.replace(from, to)
            }
            Whole(document) => document,
        };
        match load(&document) {
            Ok(policy) => panic!("{case}: loaded {policy:?} from {document}"),
            Err(message) => assert!(
                message.contains(fragment),
                "{case}: message {message:?} lacks {fragment:?}"
            ),
        }
    }
}

/// Loading never panics: every prefix of a valid document, and the document with any one byte
/// replaced, either loads or is refused.
#[test]
fn loading_never_panics_on_damaged_documents() {
    let json = save(&rich_policy());
    let mut refused = 0;
    for end in 0..json.len() {
        if let Some(prefix) = json.get(..end) {
            assert!(load(prefix).is_err(), "prefix of {end} bytes loaded");
            refused += 1;
        }
    }
    let bytes = json.as_bytes();
    for i in 0..bytes.len() {
        for replacement in [b'"', b'9', b'}', b'x', 0x07] {
            let mut damaged = bytes.to_vec();
            damaged[i] = replacement;
            if let Ok(text) = std::str::from_utf8(&damaged) {
                if load(text).is_err() {
                    refused += 1;
                }
            }
        }
    }
    assert!(refused > json.len(), "{refused} refusals");
}

/// serde's derive also reads a struct from a JSON array, so a document this crate never writes
/// (`[1,"pro",0,100,[]]`) loads as a policy: the readable, named-field form is not enforced.
#[test]
fn the_positional_array_form_is_refused() {
    for document in [
        r#"[1,"pro",0,100,[]]"#,
        r#"[2,"pro",0,100,[]]"#,
        r#"[1,"pro",0,101,[[100,"Intern",4,{"reply":"global"}]]]"#,
        r#"[2,"pro",0,101,[[100,"Intern","",4,{"reply":"global"}]]]"#,
        r#"{"version":1,"plan":"pro","revision":0,"next_role_id":101,"custom_roles":[[100,"Intern",4,{}]]}"#,
        r#"{"version":2,"plan":"pro","revision":0,"next_role_id":101,"custom_roles":[[100,"Intern","",4,{}]]}"#,
    ] {
        assert!(load(document).is_err(), "loaded {document}");
    }
}

// ---------------------------------------------------------------------------------------------
// Version 1 and version 2: checked-in fixtures

/// Written by helpdesk-policy 0.1 (commit deca9d1) with `serde_json::to_string_pretty`, byte
/// for byte, from the calls of [`written_by_0_1`].
const V1: &str = include_str!("fixtures/policy-v1.json");
/// Written by this crate with `serde_json::to_string_pretty`, from the calls of
/// [`written_as_v2`].
const V2: &str = include_str!("fixtures/policy-v2.json");

/// The calls that made the version-1 fixture under 0.1, replayed with this crate.
fn written_by_0_1() -> Policy {
    let mut p = Policy::new(Plan::Pro);
    let o = owner();
    let intern = p.clone_role(&o, SUPPORT_AGENT, "Intern").expect("100");
    let steps = [
        p.revoke(&o, intern, Permissions::REPLY),
        p.grant(&o, intern, Permissions::ADD_PRIVATE_NOTE, Scope::Group),
    ];
    let writer = p
        .clone_role(&o, SUPPORT_MANAGER, "FAQ Writer")
        .expect("101");
    let more = [p.revoke(
        &o,
        writer,
        Permissions::MANAGE_CAMPAIGNS | Permissions::CONVERSATION_KIND,
    )];
    let regional = p.clone_role(&o, intern, "Regional Agent").expect("102");
    let deputy = p.clone_role(&o, ACCOUNT_ADMIN, "Deputy").expect("103");
    let temp = p.clone_role(&o, RESTRICTED_USER, "Temp").expect("104");
    let night = p
        .clone_role(&o, BuiltInRole::SalesUser.id(), "Night \"shift\"")
        .expect("105");
    let rest = [
        p.grant(&o, regional, Permissions::CONVERSATION_KIND, Scope::Group),
        p.grant(&o, regional, Permissions::VIEW_REPORTS, Scope::Restricted),
        p.grant(&o, deputy, Permissions::EXPORT_REPORTS, Scope::Group),
        p.rename_role(&o, deputy, "Deputy Ünïcode 🦀"),
        p.grant(&o, night, Permissions::VIEW_DASHBOARD, Scope::Restricted),
        p.delete_role(&o, temp),
        p.set_plan(Plan::Growth),
        p.set_plan(Plan::Enterprise),
    ];
    let all: Vec<_> = steps.iter().chain(&more).chain(&rest).collect();
    assert!(all.iter().all(|r| r.is_ok()), "{all:?}");
    p
}

/// The version-2 fixture: the same policy, then descriptions (one with line feeds, one with
/// other scripts), a role saved at once, and one more role.
fn written_as_v2() -> Policy {
    let mut p = written_by_0_1();
    let o = owner();
    let steps = [
        p.set_role_description(&o, RoleId(100), "Learns the ropes: notes, no replies"),
        p.set_role_description(
            &o,
            RoleId(102),
            "Works the EMEA queue.\nEscalates \"billing\" to the FAQ writers.\n",
        ),
        p.set_role_description(&o, RoleId(103), "Stands in for the owner — 代理 🦀"),
        p.set_grants(
            &o,
            RoleId(105),
            [
                (
                    Permissions::VIEW_CONVERSATIONS | Permissions::REPLY,
                    Scope::Group,
                ),
                (Permissions::ADD_PRIVATE_NOTE, Scope::Restricted),
                (
                    Permissions::EDIT_OWN_PROFILE | Permissions::VIEW_PEOPLE,
                    Scope::Global,
                ),
            ],
        ),
        p.clone_role(&o, RoleId(105), "Weekend").map(drop),
    ];
    assert!(steps.iter().all(Result::is_ok), "{steps:?}");
    p
}

/// A version-1 document as version 2 writes it: the version, and an empty description per role.
fn upgrade(document: &mut serde_json::Value) {
    document["version"] = 2.into();
    for role in document["custom_roles"].as_array_mut().expect("roles") {
        role.as_object_mut()
            .expect("a role object")
            .insert("description".into(), "".into());
    }
}

/// Asserts that `policy` holds exactly what `document` stores: plan, revision, next id, and
/// each custom role's id, name, description, source and grants (read from the JSON itself).
fn assert_holds(policy: &Policy, document: &serde_json::Value, what: &str) {
    assert_eq!(policy.plan().to_string(), document["plan"], "{what}: plan");
    assert_eq!(policy.revision(), document["revision"], "{what}: revision");
    assert_eq!(
        u64::from(policy.next_role_id().0),
        document["next_role_id"],
        "{what}: next id"
    );
    let stored = document["custom_roles"].as_array().expect("roles");
    let custom: Vec<_> = policy.roles().filter(|r| r.is_custom()).collect();
    assert_eq!(custom.len(), stored.len(), "{what}: role count");
    for (role, entry) in custom.iter().zip(stored) {
        assert_eq!(u64::from(role.id().0), entry["id"], "{what}");
        assert_eq!(role.name(), entry["name"], "{what}");
        let description = entry
            .get("description")
            .and_then(|d| d.as_str())
            .unwrap_or("");
        assert_eq!(role.description(), description, "{what}: {}", role.name());
        assert_eq!(
            role.cloned_from().map(|id| u64::from(id.0)),
            entry["cloned_from"].as_u64(),
            "{what}: {}",
            role.name()
        );
        let grants: Vec<(String, String)> = entry["grants"]
            .as_object()
            .expect("grants")
            .iter()
            .map(|(p, s)| (p.clone(), s.as_str().expect("scope").to_owned()))
            .collect();
        let held: Vec<(String, String)> = role
            .grants()
            .map(|(p, s)| {
                (
                    p.permission_name().expect("built-in").to_owned(),
                    s.as_str().to_owned(),
                )
            })
            .collect();
        let mut grants_sorted = grants.clone();
        grants_sorted.sort();
        let mut held_sorted = held.clone();
        held_sorted.sort();
        assert_eq!(held_sorted, grants_sorted, "{what}: {}", role.name());
    }
}

#[test]
fn the_v1_fixture_was_written_by_0_1_and_loads_to_the_same_policy() {
    assert!(
        V1.starts_with("{\n  \"version\": 1,\n"),
        "a pretty version-1 document"
    );
    assert!(!V1.contains("description"), "version 1 has no descriptions");
    let document: serde_json::Value = serde_json::from_str(V1).expect("JSON");
    let loaded = load(V1).expect("version 1 loads");
    assert_holds(&loaded, &document, "v1");
    assert!(loaded
        .roles()
        .filter(|r| r.is_custom())
        .all(|r| r.description().is_empty()));
    assert!(
        loaded.role(RoleId(104)).is_none(),
        "the deleted role stays deleted"
    );
    // The same calls under this crate make the same policy, deciding the same.
    let replayed = written_by_0_1();
    assert_eq!(loaded, replayed);
    assert_eq!(decisions(&loaded), decisions(&replayed));
    // Loading with a vocabulary, strict or keeping, gives the same custom roles.
    let vocabulary = Vocabulary::new([ExtensionPermission::new(
        "merge_conversations",
        PermissionKind::Conversation,
    )])
    .expect("vocabulary");
    for (what, policy) in [
        ("from_json", Policy::from_json(V1, &Vocabulary::builtin())),
        (
            "from_json with extensions",
            Policy::from_json(V1, &vocabulary),
        ),
        (
            "keeping unknown",
            Policy::from_json_keeping_unknown(V1, &vocabulary),
        ),
    ] {
        let policy = policy.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_holds(&policy, &document, what);
        assert_eq!(save(&policy), save(&loaded), "{what}");
    }
}

#[test]
fn a_v1_document_saves_as_v2_with_empty_descriptions_after_the_names() {
    let loaded = load(V1).expect("version 1 loads");
    let saved = save(&loaded);
    let mut expected: serde_json::Value = serde_json::from_str(V1).expect("JSON");
    upgrade(&mut expected);
    let as_saved: serde_json::Value = serde_json::from_str(&saved).expect("JSON");
    assert_eq!(as_saved, expected);
    assert!(
        saved.starts_with(r#"{"version":2,"plan":"enterprise","revision":17,"#),
        "{saved}"
    );
    for role in loaded.roles().filter(|r| r.is_custom()) {
        let name = serde_json::to_string(role.name()).expect("name");
        let fragment = format!(r#""name":{name},"description":"","cloned_from":"#);
        assert!(saved.contains(&fragment), "{fragment} in {saved}");
    }
    // And that version-2 document loads to the same policy and saves to the same bytes.
    let again = load(&saved).expect("version 2 loads");
    assert_eq!(again, loaded);
    assert_eq!(save(&again), saved);
}

#[test]
fn the_v2_fixture_loads_and_round_trips_byte_for_byte() {
    assert!(
        V2.starts_with("{\n  \"version\": 2,\n"),
        "a pretty version-2 document"
    );
    let document: serde_json::Value = serde_json::from_str(V2).expect("JSON");
    let loaded = load(V2).expect("version 2 loads");
    assert_holds(&loaded, &document, "v2");
    assert_eq!(
        serde_json::to_string_pretty(&loaded).expect("pretty"),
        V2,
        "pretty bytes"
    );
    let compact = save(&loaded);
    let reloaded = load(&compact).expect("compact loads");
    assert_eq!(save(&reloaded), compact, "compact bytes");
    assert_eq!(reloaded, loaded);
    // This crate writes exactly the fixture from the calls that made it.
    let built = written_as_v2();
    assert_eq!(serde_json::to_string_pretty(&built).expect("pretty"), V2);
    assert_eq!(loaded, built);
    assert_eq!(decisions(&loaded), decisions(&built));
    // What the fixture is there to show.
    let regional = loaded.role(RoleId(102)).expect("102");
    assert_eq!(
        regional.description(),
        "Works the EMEA queue.\nEscalates \"billing\" to the FAQ writers."
    );
    assert_eq!(loaded.role(RoleId(101)).map(|r| r.description()), Some(""));
    assert_eq!(loaded.role(RoleId(106)).map(|r| r.description()), Some(""));
    // Only its descriptions, grants and the new role differ from the version-1 fixture.
    let from_v1 = load(V1).expect("v1");
    let changes: Vec<String> = from_v1
        .diff(&loaded)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(changes.len(), 3 + 5 + 1 + 5, "{changes:#?}");
}
