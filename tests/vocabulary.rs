//! Your own permissions (issue 13; "Your own permissions: an extension vocabulary" in
//! DESIGN.md): bad vocabularies are errors naming the extension; extensions take bits 20 to 63
//! in declaration order; the built-in roles hold them as the design says; cloning, grant,
//! revoke, check, filter, allowed, who_may, the catalogue, requirements, diffs and decision
//! sentences treat a conversation, a team and an account extension like the twenty and name
//! them by name; 44 extensions work; and a rolling deploy between replicas with different
//! vocabularies loses nothing.

use helpdesk_policy::{
    AboutUser, Account, BuiltInRole, Change, Conversation, ErrorKind, ExtensionPermission, GroupId,
    PermissionKind, Permissions, Plan, Policy, PolicyError, Resource, RoleId, Scope, Subject, Team,
    UserId, Vocabulary,
};

use BuiltInRole::{
    AccountAdmin, Administrator, MarketingManager, MarketingUser, RestrictedUser, SalesManager,
    SalesUser, SupportAgent, SupportManager,
};
use PermissionKind::{Account as AccountKind, Conversation as ConversationKind, Team as TeamKind};
use Scope::{Global, Group, Restricted};

fn merge() -> ExtensionPermission {
    ExtensionPermission::new("merge_conversations", ConversationKind)
        .label("Merge conversations")
        .description("Fold a duplicate conversation into another one.")
        .requires(Permissions::VIEW_CONVERSATIONS)
        .default_grant(SupportManager, Global)
        .default_grant(SalesUser, Group)
}

fn sla_reports() -> ExtensionPermission {
    ExtensionPermission::new("view_sla_reports", TeamKind)
        .label("View SLA reports")
        .description("Read a team's reports on response and resolution targets.")
        .requires(Permissions::VIEW_REPORTS)
        .default_grant(MarketingManager, Global)
}

fn api_tokens() -> ExtensionPermission {
    ExtensionPermission::new("manage_api_tokens", AccountKind)
        .label("Manage API tokens")
        .description("Create and revoke the account's API tokens.")
}

/// A conversation, a team and an account extension.
fn vocabulary() -> Vocabulary {
    Vocabulary::new([merge(), sla_reports(), api_tokens()]).expect("a valid vocabulary")
}

const MERGE: Permissions = Permissions::from_bits_retain(1 << 20);
const SLA: Permissions = Permissions::from_bits_retain(1 << 21);
const TOKENS: Permissions = Permissions::from_bits_retain(1 << 22);

fn owner() -> Subject<'static> {
    Subject::new(UserId(1), AccountAdmin.id(), &[])
}

fn saved(policy: &Policy) -> String {
    serde_json::to_string(policy).expect("a policy always serializes")
}

// ---------------------------------------------------------------------------------------------
// Bad vocabularies

fn named(n: usize) -> &'static str {
    Box::leak(format!("ext_{n:02}").into_boxed_str())
}

/// (what, the extensions, the extension the error must name, a fragment of its problem).
#[allow(clippy::too_many_lines)]
fn bad_vocabularies() -> Vec<(
    &'static str,
    Vec<ExtensionPermission>,
    &'static str,
    &'static str,
)> {
    let ext = |name| ExtensionPermission::new(name, ConversationKind);
    let long: &'static str = Box::leak("x".repeat(65).into_boxed_str());
    let mut forty_five: Vec<ExtensionPermission> = (0..45).map(|n| ext(named(n))).collect();
    forty_five[44] = ext("one_too_many");
    let bad_name = "a name is";
    vec![
        ("empty name", vec![ext("")], "", bad_name),
        (
            "capital letter",
            vec![merge(), ext("Merge")],
            "Merge",
            bad_name,
        ),
        ("leading digit", vec![ext("1st_line")], "1st_line", bad_name),
        (
            "leading underscore",
            vec![ext("_hidden")],
            "_hidden",
            bad_name,
        ),
        ("hyphen", vec![ext("merge-it")], "merge-it", bad_name),
        ("space", vec![ext("merge it")], "merge it", bad_name),
        ("trailing space", vec![ext("merge ")], "merge ", bad_name),
        ("non-ascii", vec![ext("fusionnér")], "fusionnér", bad_name),
        ("line feed", vec![ext("merge\nit")], "merge\nit", bad_name),
        ("65 characters", vec![ext(long)], long, bad_name),
        (
            "duplicate",
            vec![merge(), sla_reports(), ext("merge_conversations")],
            "merge_conversations",
            "declared before",
        ),
        ("built-in name", vec![ext("reply")], "reply", "built-in"),
        (
            "built-in manage_custom_roles",
            vec![ext("manage_custom_roles")],
            "manage_custom_roles",
            "built-in",
        ),
        ("45 extensions", forty_five, "one_too_many", "44"),
        (
            "requires an extension declared later",
            vec![
                ext("first").requires(Permissions::from_bits_retain(1 << 21)),
                ext("second"),
            ],
            "first",
            "declared before",
        ),
        (
            "requires itself",
            vec![ext("selfish").requires(Permissions::from_bits_retain(1 << 20))],
            "selfish",
            "declared before",
        ),
        (
            "requires bit 63 of a short vocabulary",
            vec![
                merge(),
                ext("far").requires(Permissions::from_bits_retain(1 << 63)),
            ],
            "far",
            "declared before",
        ),
        (
            "default grant to the Account Admin",
            vec![merge(), ext("tags").default_grant(AccountAdmin, Global)],
            "tags",
            "every extension",
        ),
        (
            "default grant to the Administrator",
            vec![ext("tags").default_grant(Administrator, Group)],
            "tags",
            "every extension",
        ),
        (
            "account extension granted by default at Group",
            vec![api_tokens().default_grant(SupportManager, Group)],
            "manage_api_tokens",
            "no scope",
        ),
        (
            "account extension granted by default at Restricted",
            vec![ExtensionPermission::new("billing_exports", AccountKind)
                .default_grant(SalesManager, Restricted)],
            "billing_exports",
            "no scope",
        ),
        (
            "default leaves a built-in requirement unmet (not granted)",
            vec![merge().default_grant(MarketingUser, Global)],
            "merge_conversations",
            "unmet requirement",
        ),
        (
            "default leaves a built-in requirement unmet (granted narrower)",
            vec![
                ExtensionPermission::new("split_conversations", ConversationKind)
                    .requires(Permissions::VIEW_CONVERSATIONS)
                    .default_grant(RestrictedUser, Group),
            ],
            "split_conversations",
            "unmet requirement",
        ),
        (
            "default leaves an extension's requirement unmet",
            vec![
                ext("tags"),
                ext("bulk_tags")
                    .requires(Permissions::from_bits_retain(1 << 20))
                    .default_grant(SupportAgent, Global),
            ],
            "bulk_tags",
            "unmet requirement",
        ),
    ]
}

#[test]
fn bad_vocabularies_are_errors_naming_the_offending_extension() {
    let cases = bad_vocabularies();
    assert!(cases.len() >= 24, "the table lost cases");
    for (what, extensions, name, fragment) in cases {
        match Vocabulary::new(extensions) {
            Ok(vocabulary) => panic!("{what}: accepted {vocabulary:?}"),
            Err(error) => {
                let PolicyError::InvalidExtension {
                    name: offending,
                    problem,
                } = &error
                else {
                    panic!("{what}: {error:?}");
                };
                assert_eq!(offending, name, "{what}: {error}");
                assert!(problem.contains(fragment), "{what}: {problem}");
                assert_eq!(error.kind(), ErrorKind::InvalidInput, "{what}");
                let message = error.to_string();
                assert!(
                    !message.chars().any(char::is_control),
                    "{what}: raw control character in {message:?}"
                );
            }
        }
    }
}

#[test]
fn good_vocabularies_at_the_limits_are_accepted() {
    let long: &'static str = Box::leak(format!("a{}", "_9".repeat(31) + "z").into_boxed_str());
    assert_eq!(long.len(), 64);
    let cases: Vec<(&str, Vec<ExtensionPermission>)> = vec![
        ("none", vec![]),
        (
            "64-character name",
            vec![ExtensionPermission::new(long, AccountKind)],
        ),
        (
            "digits and underscores",
            vec![ExtensionPermission::new("sla_2_tier", TeamKind)],
        ),
        (
            "requires an extension declared before",
            vec![
                ExtensionPermission::new("tags", ConversationKind),
                ExtensionPermission::new("bulk_tags", ConversationKind).requires(
                    Permissions::from_bits_retain(1 << 20) | Permissions::VIEW_CONVERSATIONS,
                ),
            ],
        ),
        (
            "requirement met by a default at the same scope",
            vec![merge()
                .default_grant(SalesManager, Global)
                .default_grant(RestrictedUser, Restricted)],
        ),
        (
            "account default at Global",
            vec![api_tokens().default_grant(SupportAgent, Global)],
        ),
        (
            "44 extensions",
            (0..44)
                .map(|n| ExtensionPermission::new(named(n), TeamKind))
                .collect(),
        ),
    ];
    for (what, extensions) in cases {
        let count = extensions.len();
        let vocabulary = Vocabulary::new(extensions).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(vocabulary.catalogue().len(), 20 + count, "{what}");
    }
    assert_eq!(
        Vocabulary::new(Vec::<ExtensionPermission>::new()).expect("empty"),
        Vocabulary::builtin()
    );
}

// ---------------------------------------------------------------------------------------------
// Bits, names, catalogue

#[test]
fn extensions_take_bits_from_20_in_declaration_order() {
    let vocabulary = vocabulary();
    for (name, bit) in [
        ("merge_conversations", MERGE),
        ("view_sla_reports", SLA),
        ("manage_api_tokens", TOKENS),
    ] {
        assert_eq!(vocabulary.permission(name), Some(bit), "{name}");
        assert_eq!(vocabulary.name(bit), Some(name));
    }
    // The twenty keep their bits and names.
    for info in Permissions::catalogue() {
        assert_eq!(
            vocabulary.permission(info.name),
            Some(info.permission),
            "{}",
            info.name
        );
    }
    assert_eq!(vocabulary.all(), Permissions::all() | MERGE | SLA | TOKENS);
    assert_eq!(vocabulary.permission("unknown"), None);
    // A different order gives different bits.
    let reversed = Vocabulary::new([api_tokens(), sla_reports(), merge()]).expect("valid");
    assert_eq!(reversed.permission("manage_api_tokens"), Some(MERGE));
    assert_eq!(reversed.permission("merge_conversations"), Some(TOKENS));
    // Names: display, list and parse.
    let set = Permissions::REPLY | MERGE | TOKENS;
    assert_eq!(
        vocabulary.display(set).to_string(),
        "reply, merge_conversations, manage_api_tokens"
    );
    assert_eq!(
        vocabulary.names(set).collect::<Vec<_>>(),
        ["reply", "merge_conversations", "manage_api_tokens"]
    );
    assert_eq!(
        vocabulary.parse("manage_api_tokens, reply,merge_conversations"),
        Ok(set)
    );
    assert_eq!(
        vocabulary.parse("reply, merge_conversation"),
        Err(PolicyError::UnknownPermissionName(
            "merge_conversation".into()
        ))
    );
    // The built-in vocabulary knows none of them.
    assert_eq!(
        Vocabulary::builtin().permission("merge_conversations"),
        None
    );
    assert!(Vocabulary::builtin().parse("merge_conversations").is_err());
}

#[test]
fn the_catalogue_lists_the_twenty_then_the_extensions() {
    let vocabulary = vocabulary();
    let catalogue = vocabulary.catalogue();
    assert_eq!(catalogue.len(), 23);
    assert_eq!(&catalogue[..20], Permissions::catalogue());
    let expected = [
        (
            MERGE,
            "merge_conversations",
            "Merge conversations",
            ConversationKind,
            &Scope::ALL[..],
            Permissions::VIEW_CONVERSATIONS,
        ),
        (
            SLA,
            "view_sla_reports",
            "View SLA reports",
            TeamKind,
            &Scope::ALL[..],
            Permissions::VIEW_REPORTS,
        ),
        (
            TOKENS,
            "manage_api_tokens",
            "Manage API tokens",
            AccountKind,
            &[Global][..],
            Permissions::empty(),
        ),
    ];
    for (info, (permission, name, label, kind, scopes, requires)) in
        catalogue[20..].iter().zip(expected)
    {
        assert_eq!(info.permission, permission, "{name}");
        assert_eq!(info.name, name);
        assert_eq!(info.label, label, "{name}");
        assert!(info.description.ends_with('.'), "{name}");
        assert_eq!(info.kind, kind, "{name}");
        let mut found = info.scopes.to_vec();
        found.sort();
        assert_eq!(found, scopes, "{name}");
        assert_eq!(info.requires, requires, "{name}");
        assert_eq!(vocabulary.info(permission), Some(info), "{name}");
    }
    // The front end's JSON names requirements by name, extensions included.
    let json = serde_json::to_value(catalogue).expect("serializes");
    assert_eq!(json[20]["name"], "merge_conversations");
    assert_eq!(json[20]["kind"], "conversation");
    assert_eq!(
        json[20]["requires"],
        serde_json::json!(["view_conversations"])
    );
    assert_eq!(json[22]["scopes"], serde_json::json!(["global"]));
}

/// `requires` may name an extension declared before (DESIGN.md), and the catalogue is
/// `Serialize` so that a host hands it to its front end; serializing `requires` through
/// `Permissions`' built-in names fails for such an extension, so the whole catalogue fails.
#[test]
fn an_extension_requiring_an_extension_serializes_by_name() {
    let chained = Vocabulary::new([
        ExtensionPermission::new("tags", ConversationKind),
        ExtensionPermission::new("bulk_tags", ConversationKind)
            .requires(Permissions::from_bits_retain(1 << 20)),
    ])
    .expect("valid");
    let json = serde_json::to_value(chained.catalogue()).expect("the catalogue serializes");
    assert_eq!(json[21]["requires"], serde_json::json!(["tags"]));
}

#[test]
fn an_extensions_label_defaults_to_something_shown() {
    let vocabulary =
        Vocabulary::new([ExtensionPermission::new("tags", ConversationKind)]).expect("valid");
    assert!(!vocabulary.catalogue()[20].label.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Built-in roles

#[test]
fn the_account_admin_and_administrator_hold_every_extension_at_global_others_their_defaults() {
    let policy = Policy::with_vocabulary(Plan::Pro, vocabulary());
    #[rustfmt::skip]
    let expected: [(BuiltInRole, [Option<Scope>; 3]); 9] = [
        (AccountAdmin,     [Some(Global), Some(Global), Some(Global)]),
        (Administrator,    [Some(Global), Some(Global), Some(Global)]),
        (SupportManager,   [Some(Global), None,         None]),
        (SupportAgent,     [None,         None,         None]),
        (MarketingManager, [None,         Some(Global), None]),
        (MarketingUser,    [None,         None,         None]),
        (SalesManager,     [None,         None,         None]),
        (SalesUser,        [Some(Group),  None,         None]),
        (RestrictedUser,   [None,         None,         None]),
    ];
    for (builtin, scopes) in expected {
        let role = policy.role(builtin.id()).expect("built-in role");
        let found = [MERGE, SLA, TOKENS].map(|p| role.scope_of(p));
        assert_eq!(found, scopes, "{builtin:?}");
        // The twenty are exactly as in the built-in vocabulary.
        let twenty: Vec<_> = role
            .grants()
            .filter(|(p, _)| Permissions::all().contains(*p))
            .collect();
        let plain: Vec<_> = builtin.role().grants().collect();
        assert_eq!(twenty, plain, "{builtin:?}");
        assert_eq!(role.unmet_requirements(), [], "{builtin:?}");
        assert_eq!(role.name(), builtin.name());
        assert_eq!(role.description(), builtin.description());
    }
    // Still only the Account Admin manages custom roles.
    let administrator = policy.role(Administrator.id()).expect("role");
    assert_eq!(
        administrator.scope_of(Permissions::MANAGE_CUSTOM_ROLES),
        None
    );
    // Built-in roles stay immutable.
    let mut policy = policy;
    assert_eq!(
        policy.grant(&owner(), SupportAgent.id(), MERGE, Global),
        Err(PolicyError::BuiltInRoleImmutable("Support Agent"))
    );
}

// ---------------------------------------------------------------------------------------------
// Clone, grant, revoke, and everything that decides

#[test]
fn clone_grant_and_revoke_work_for_extensions_as_for_the_twenty() {
    let mut policy = Policy::with_vocabulary(Plan::Pro, vocabulary());
    let o = owner();
    let manager = policy
        .clone_role(&o, SupportManager.id(), "Lead")
        .expect("clone");
    let deputy = policy
        .clone_role(&o, AccountAdmin.id(), "Deputy")
        .expect("clone");
    let agent = policy
        .clone_role(&o, SupportAgent.id(), "Agent")
        .expect("clone");
    let scopes = |policy: &Policy, role| {
        let role = policy.role(role).expect("role");
        [MERGE, SLA, TOKENS].map(|p| role.scope_of(p))
    };
    assert_eq!(scopes(&policy, manager), [Some(Global), None, None]);
    assert_eq!(scopes(&policy, deputy), [Some(Global); 3]);
    assert_eq!(
        scopes(&policy, agent),
        [None; 3],
        "nobody granted the agent any"
    );
    let deputy_role = policy.role(deputy).expect("role");
    assert_eq!(
        deputy_role.permissions(),
        policy.vocabulary().all() - Permissions::MANAGE_CUSTOM_ROLES
    );

    policy
        .grant(&o, agent, MERGE | SLA, Group)
        .expect("grant scoped extensions");
    policy
        .grant(&o, agent, TOKENS, Global)
        .expect("grant an account extension");
    assert_eq!(
        scopes(&policy, agent),
        [Some(Group), Some(Group), Some(Global)]
    );
    policy.grant(&o, agent, MERGE, Restricted).expect("narrow");
    policy.revoke(&o, agent, SLA | TOKENS).expect("revoke");
    assert_eq!(scopes(&policy, agent), [Some(Restricted), None, None]);
    let before = policy.clone();
    assert_eq!(
        policy.grant(&o, agent, TOKENS, Group),
        Err(PolicyError::ScopedAccountPermission {
            permission: "manage_api_tokens",
            scope: Group,
            role: "Agent".into(),
        })
    );
    assert!(policy
        .grant(&o, agent, TOKENS, Restricted)
        .expect_err("account extension at Restricted")
        .to_string()
        .contains("manage_api_tokens"));
    assert_eq!(
        policy.set_grants(&o, agent, [(MERGE, Group), (MERGE, Global)]),
        Err(PolicyError::DuplicatePermission {
            permission: "merge_conversations".into(),
            role: "Agent".into(),
        })
    );
    // A bit beyond the vocabulary is refused, not stored.
    assert_eq!(
        policy.grant(&o, agent, Permissions::from_bits_retain(1 << 23), Global),
        Err(PolicyError::UnknownPermissionBits(1 << 23))
    );
    assert_eq!(policy, before, "refusals change nothing");
    policy
        .set_grants(
            &o,
            agent,
            [
                (Permissions::VIEW_CONVERSATIONS | MERGE, Group),
                (TOKENS, Global),
            ],
        )
        .expect("set_grants");
    assert_eq!(scopes(&policy, agent), [Some(Group), None, Some(Global)]);
}

const ME: UserId = UserId(7);
const MY_GROUPS: &[GroupId] = &[GroupId(2)];
const VIEW_ONLY: &[GroupId] = &[GroupId(5)];

fn conversations() -> Vec<(&'static str, Conversation<'static>)> {
    vec![
        (
            "in my group",
            Conversation {
                group: Some(GroupId(2)),
                assignee: None,
                participants: &[],
            },
        ),
        (
            "in my view-only group",
            Conversation {
                group: Some(GroupId(5)),
                assignee: None,
                participants: &[],
            },
        ),
        (
            "elsewhere",
            Conversation {
                group: Some(GroupId(9)),
                assignee: None,
                participants: &[],
            },
        ),
        (
            "assigned to me elsewhere",
            Conversation {
                group: Some(GroupId(9)),
                assignee: Some(ME),
                participants: &[],
            },
        ),
        (
            "following",
            Conversation {
                group: None,
                assignee: Some(UserId(3)),
                participants: &[ME],
            },
        ),
        ("unrouted", Conversation::default()),
    ]
}

/// Every built-in role and a custom role holding the extensions at each scope.
fn deciding_policy() -> (Policy, Vec<RoleId>) {
    let mut policy = Policy::with_vocabulary(Plan::Pro, vocabulary());
    let o = owner();
    let mut roles: Vec<RoleId> = BuiltInRole::ALL.iter().map(|r| r.id()).collect();
    for scope in Scope::ALL {
        let role = policy
            .clone_role(&o, SupportAgent.id(), &format!("At {scope}"))
            .expect("clone");
        policy
            .grant(&o, role, MERGE | SLA | Permissions::VIEW_REPORTS, scope)
            .expect("grant");
        policy
            .grant(&o, role, Permissions::VIEW_CONVERSATIONS, scope)
            .expect("grant");
        roles.push(role);
    }
    (policy, roles)
}

#[test]
fn check_allowed_filter_and_who_may_agree_on_extensions() {
    let (policy, roles) = deciding_policy();
    let conversations = conversations();
    let mut resources: Vec<(&str, &dyn Resource)> = conversations
        .iter()
        .map(|(what, c)| (*what, c as &dyn Resource))
        .collect();
    resources.extend([
        ("my team", &Team(GroupId(2)) as &dyn Resource),
        ("view-only team", &Team(GroupId(5))),
        ("another team", &Team(GroupId(9))),
        ("my report", &AboutUser(ME)),
        ("another's report", &AboutUser(UserId(3))),
        ("the account", &Account),
    ]);
    let asks = [
        MERGE,
        SLA,
        TOKENS,
        MERGE | Permissions::VIEW_CONVERSATIONS,
        MERGE | TOKENS,
        SLA | Permissions::VIEW_REPORTS,
        MERGE | Permissions::ADD_PRIVATE_NOTE,
    ];
    let mut allowed = 0;
    let mut denied = 0;
    for &role in &roles {
        let s = Subject::new(ME, role, MY_GROUPS).with_view_only(VIEW_ONLY);
        for (what, resource) in &resources {
            let buttons = policy.allowed(&s, resource);
            for bit in policy.vocabulary().all().iter_bits() {
                assert_eq!(
                    buttons.contains(bit),
                    policy.check(&s, bit, resource).is_allowed(),
                    "role {role}, {what}, {bit:?}"
                );
            }
            for ask in asks {
                let decision = policy.check(&s, ask, resource);
                let who = policy.who_may(ask, resource);
                assert_eq!(
                    who.matches(&s),
                    decision.is_allowed(),
                    "who_may: role {role}, {what}: {decision}"
                );
                if decision.is_allowed() {
                    allowed += 1;
                } else {
                    denied += 1;
                }
            }
        }
        for (what, c) in &conversations {
            for ask in asks {
                assert_eq!(
                    policy.filter(&s, ask).matches(c),
                    policy.check(&s, ask, c).is_allowed(),
                    "filter: role {role}, {what}, {}",
                    policy.vocabulary().display(ask)
                );
            }
        }
    }
    assert!(
        allowed > 50 && denied > 50,
        "{allowed} allowed, {denied} denied"
    );
}

/// Each bit of a set, extension bits included.
trait IterBits {
    fn iter_bits(self) -> Vec<Permissions>;
}

impl IterBits for Permissions {
    fn iter_bits(self) -> Vec<Permissions> {
        (0..64)
            .map(|bit| Permissions::from_bits_retain(1 << bit))
            .filter(|p| self.contains(*p))
            .collect()
    }
}

#[test]
fn extensions_of_one_kind_never_act_as_another() {
    let (policy, roles) = deciding_policy();
    let at_group = roles[10];
    let s = Subject::new(ME, at_group, MY_GROUPS);
    // A conversation extension at Group is not account-wide.
    assert!(policy.check(&s, MERGE, &Account).is_denied());
    assert!(policy.check(&s, MERGE, &conversations()[0].1).is_allowed());
    // A team extension at Group reaches the user's team only, never a view-only one.
    assert!(policy.check(&s, SLA, &Team(GroupId(2))).is_allowed());
    assert!(policy.check(&s, SLA, &Team(GroupId(9))).is_denied());
    let viewer = s.with_view_only(VIEW_ONLY);
    assert!(policy.check(&viewer, SLA, &Team(GroupId(5))).is_denied());
    // A conversation extension outside VIEW_ONLY_REACH is not reached through a view-only group.
    assert!(policy
        .check(&viewer, MERGE, &conversations()[1].1)
        .is_denied());
    // An account extension ignores the resource.
    let admin = Subject::new(ME, Administrator.id(), &[]);
    for (what, c) in conversations() {
        assert!(policy.check(&admin, TOKENS, &c).is_allowed(), "{what}");
    }
    // A policy that does not know an extension bit denies it.
    let plain = Policy::new(Plan::Pro);
    let decision = plain.check(&admin, MERGE, &Account);
    assert!(decision.is_denied());
    assert_eq!(
        decision.to_string(),
        "denied: permission bits 0x100000 name no permission"
    );
    assert!(plain
        .allowed(&admin, &Account)
        .intersection(MERGE | SLA | TOKENS)
        .is_empty());
    assert!(plain.who_may(MERGE, &Account).is_nobody());
}

#[test]
fn decisions_name_extensions_by_name() {
    let (policy, roles) = deciding_policy();
    let in_group = Conversation {
        group: Some(GroupId(2)),
        assignee: None,
        participants: &[],
    };
    let elsewhere = Conversation {
        group: Some(GroupId(9)),
        assignee: None,
        participants: &[],
    };
    let subject = |role: RoleId| Subject::new(ME, role, MY_GROUPS);
    let cases: Vec<(Subject<'_>, Permissions, &dyn Resource, &str)> = vec![
        (
            subject(SupportManager.id()),
            MERGE,
            &elsewhere,
            "allowed: role \"Support Manager\" grants merge_conversations at Global scope, which reaches every conversation",
        ),
        (
            subject(SupportAgent.id()),
            MERGE,
            &in_group,
            "denied: role \"Support Agent\" does not grant merge_conversations",
        ),
        (
            subject(SalesUser.id()),
            MERGE,
            &elsewhere,
            "denied: role \"Sales User\" grants merge_conversations at Group scope, and the conversation's group 9 is not one of the user's groups",
        ),
        (
            subject(SalesUser.id()),
            MERGE,
            &in_group,
            "allowed: role \"Sales User\" grants merge_conversations at Group scope, and the conversation's group 2 is one of the user's groups",
        ),
        (
            subject(roles[10]),
            SLA,
            &Team(GroupId(9)),
            "denied: role \"At Group\" grants view_sla_reports at Group scope, and team 9 is not one of the user's teams",
        ),
        (
            subject(AccountAdmin.id()),
            TOKENS,
            &Account,
            "allowed: role \"Account Admin\" grants manage_api_tokens, an account permission",
        ),
        (
            subject(SalesManager.id()),
            TOKENS | Permissions::REPLY,
            &in_group,
            "denied: role \"Sales Manager\" does not grant manage_api_tokens",
        ),
    ];
    for (s, ask, resource, sentence) in cases {
        let decision = policy.check(&s, ask, resource);
        assert_eq!(decision.to_string(), sentence);
        let record = decision.record();
        assert_eq!(record.sentence, sentence);
        let name = policy
            .vocabulary()
            .names(ask.difference(Permissions::all()))
            .next();
        assert_eq!(record.permission, name, "{sentence}");
    }
}

#[test]
fn requirements_and_diffs_name_extensions_by_name() {
    let vocabulary = Vocabulary::new([
        merge(),
        sla_reports(),
        api_tokens(),
        ExtensionPermission::new("bulk_merge", ConversationKind).requires(MERGE),
    ])
    .expect("valid");
    let bulk = vocabulary.permission("bulk_merge").expect("declared");
    let mut policy = Policy::with_vocabulary(Plan::Pro, vocabulary);
    let o = owner();
    let lead = policy
        .clone_role(&o, SupportManager.id(), "Lead")
        .expect("clone");
    let before = policy.clone();
    policy
        .revoke(&o, lead, Permissions::VIEW_CONVERSATIONS)
        .expect("careless revoke");
    policy.grant(&o, lead, bulk, Global).expect("grant");
    policy.grant(&o, lead, SLA, Restricted).expect("grant");
    let unmet: Vec<String> = policy
        .role(lead)
        .expect("role")
        .unmet_requirements()
        .iter()
        .filter(|u| u.permission_name.contains("merge") || u.permission_name.contains("sla"))
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        unmet,
        [
            "merge_conversations at Global scope requires view_conversations at Global scope, which is not granted",
            "view_sla_reports at Restricted scope requires view_reports at Restricted scope or wider, which is not granted",
        ]
    );
    policy.revoke(&o, lead, MERGE).expect("revoke");
    let unmet = policy.role(lead).expect("role").unmet_requirements();
    let bulk_unmet = unmet
        .iter()
        .find(|u| u.permission == bulk)
        .expect("bulk_merge unmet");
    assert_eq!(
        (
            bulk_unmet.requires,
            bulk_unmet.requires_name,
            bulk_unmet.granted
        ),
        (MERGE, "merge_conversations", None)
    );

    let changes = before.diff(&policy);
    let sentences: Vec<String> = changes
        .iter()
        .filter(|c| matches!(c, Change::GrantChanged { permission, .. } if !Permissions::all().contains(*permission)))
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        sentences,
        [
            "role 100 \"Lead\": merge_conversations revoked (was Global scope)",
            "role 100 \"Lead\": view_sla_reports granted at Restricted scope",
            "role 100 \"Lead\": bulk_merge granted at Global scope",
        ]
    );
    let json = serde_json::to_value(&changes).expect("serializes");
    let names: Vec<&str> = json
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["permission"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "view_conversations",
            "merge_conversations",
            "view_sla_reports",
            "bulk_merge"
        ]
    );
}

#[test]
fn forty_four_extensions_fill_every_bit() {
    let kinds = [ConversationKind, TeamKind, AccountKind];
    let extensions: Vec<ExtensionPermission> = (0..44)
        .map(|n| ExtensionPermission::new(named(n), kinds[n % 3]))
        .collect();
    let vocabulary = Vocabulary::new(extensions).expect("44 fit");
    assert_eq!(vocabulary.all().bits(), u64::MAX);
    assert_eq!(
        vocabulary.permission("ext_43"),
        Some(Permissions::from_bits_retain(1 << 63))
    );
    let mut policy = Policy::with_vocabulary(Plan::Pro, vocabulary.clone());
    let o = owner();
    let admin = policy.role(AccountAdmin.id()).expect("role");
    assert_eq!(admin.permissions().bits(), u64::MAX);
    let deputy = policy
        .clone_role(&o, AccountAdmin.id(), "Deputy")
        .expect("clone");
    assert_eq!(
        policy.role(deputy).expect("role").permissions().bits(),
        !Permissions::MANAGE_CUSTOM_ROLES.bits()
    );
    let top = Permissions::from_bits_retain(1 << 63);
    let scoped_top = Permissions::from_bits_retain(1 << 62); // ext_42: a conversation extension
    policy
        .grant(&o, deputy, scoped_top, Restricted)
        .expect("narrow bit 62");
    policy.revoke(&o, deputy, top).expect("revoke bit 63");
    let s = Subject::new(ME, deputy, MY_GROUPS);
    assert!(policy.check(&s, scoped_top, &AboutUser(ME)).is_allowed());
    assert!(policy.check(&s, scoped_top, &Team(GroupId(2))).is_denied());
    let decision = policy.check(&s, top, &Account);
    assert_eq!(
        decision.to_string(),
        "denied: role \"Deputy\" does not grant ext_43"
    );
    let owner_subject = Subject::new(ME, AccountAdmin.id(), &[]);
    assert_eq!(policy.allowed(&owner_subject, &Account).bits(), u64::MAX);
    assert_eq!(
        policy
            .allowed(&owner_subject, &Conversation::default())
            .bits(),
        u64::MAX
    );
    // Stored by name, loaded with the vocabulary, saved to the same bytes.
    let json = saved(&policy);
    assert!(json.contains(r#""ext_42":"restricted""#), "{json}");
    assert!(!json.contains("ext_43"), "{json}");
    let loaded = Policy::from_json(&json, &vocabulary).expect("loads");
    assert_eq!(loaded, policy);
    assert_eq!(saved(&loaded), json);
}

// ---------------------------------------------------------------------------------------------
// Stored form and rolling deploys

#[test]
fn plain_deserialize_and_a_smaller_vocabulary_refuse_unknown_names() {
    let mut policy = Policy::with_vocabulary(Plan::Pro, vocabulary());
    let night = policy
        .clone_role(&owner(), SupportAgent.id(), "Night")
        .expect("clone");
    policy.grant(&owner(), night, SLA, Group).expect("grant");
    let json = saved(&policy);
    assert!(json.contains(r#""view_sla_reports":"group""#), "{json}");

    let error = serde_json::from_str::<Policy>(&json).expect_err("plain serde knows no extension");
    assert!(
        error
            .to_string()
            .contains("unknown permission `view_sla_reports` in role `Night`"),
        "{error}"
    );
    assert_eq!(
        Policy::from_json(&json, &Vocabulary::builtin()),
        Err(PolicyError::UnknownPermission {
            permission: "view_sla_reports".into(),
            role: "Night".into(),
        })
    );
    let smaller = Vocabulary::new([merge()]).expect("valid");
    assert_eq!(
        Policy::from_json(&json, &smaller).map_err(|e| e.to_string()),
        Err("unknown permission `view_sla_reports` in role `Night`".into())
    );
    assert_eq!(
        Policy::from_json(&json, &vocabulary()).as_ref(),
        Ok(&policy)
    );
}

/// The newer replica's vocabulary: two extensions. The older ones: the first alone, and none.
fn newer() -> Vocabulary {
    Vocabulary::new([merge(), sla_reports()]).expect("valid")
}

#[test]
fn a_rolling_deploy_loses_nothing_the_newer_replica_stored() {
    for (what, older) in [
        (
            "older replica with one extension",
            Vocabulary::new([merge()]).expect("valid"),
        ),
        ("older replica with none", Vocabulary::builtin()),
    ] {
        // The newer replica stores two roles using its extensions.
        let mut new = Policy::with_vocabulary(Plan::Pro, newer());
        let o = owner();
        let night = new
            .clone_role(&o, SupportAgent.id(), "Night")
            .expect("clone");
        new.grant(&o, night, MERGE, Group).expect("grant merge");
        new.grant(&o, night, SLA | Permissions::VIEW_REPORTS, Restricted)
            .expect("grant sla");
        let lead = new
            .clone_role(&o, SupportManager.id(), "Lead")
            .expect("clone");
        new.grant(&o, lead, SLA | Permissions::VIEW_REPORTS, Global)
            .expect("grant sla");
        new.set_role_description(&o, lead, "Runs the floor")
            .expect("describe");
        let stored = saved(&new);

        // The older replica cannot load it strictly, naming what it lacks.
        let error = Policy::from_json(&stored, &older).expect_err(what);
        let unknown_first = if older.permission("merge_conversations").is_some() {
            "view_sla_reports"
        } else {
            "merge_conversations"
        };
        assert!(error.to_string().contains(unknown_first), "{what}: {error}");
        // It sets the unknown grants aside, and saving unchanged gives the same bytes.
        let mut old = Policy::from_json_keeping_unknown(&stored, &older).expect(what);
        assert_eq!(saved(&old), stored, "{what}: unchanged save");
        let pretty_new = serde_json::to_string_pretty(&new).expect("pretty");
        let pretty_old = Policy::from_json_keeping_unknown(&pretty_new, &older).expect(what);
        assert_eq!(
            serde_json::to_string_pretty(&pretty_old).expect("pretty"),
            pretty_new,
            "{what}"
        );
        let kept: Vec<(&str, Scope)> = old.role(night).expect("night").kept_grants().collect();
        let expected_kept: Vec<(&str, Scope)> = if unknown_first == "view_sla_reports" {
            vec![("view_sla_reports", Restricted)]
        } else {
            vec![
                ("merge_conversations", Group),
                ("view_sla_reports", Restricted),
            ]
        };
        assert_eq!(kept, expected_kept, "{what}");
        // Kept grants grant nothing here: the older replica cannot even name them.
        let holder = Subject::new(ME, night, MY_GROUPS);
        let in_group = Conversation {
            group: Some(GroupId(2)),
            assignee: None,
            participants: &[],
        };
        assert!(
            old.check(&holder, SLA, &AboutUser(ME)).is_denied(),
            "{what}"
        );
        assert_eq!(
            old.allowed(&holder, &AboutUser(ME)) & SLA,
            Permissions::empty(),
            "{what}"
        );

        // It changes unrelated grants (one call each, and a whole save) and a clone, then stores.
        let before_change = old.clone();
        old.grant(&o, night, Permissions::REPLY, Restricted)
            .expect("narrow reply");
        old.revoke(&o, lead, Permissions::VIEW_PEOPLE)
            .expect("revoke view_people");
        old.set_grants(
            &o,
            lead,
            old.role(lead).expect("lead").grants().collect::<Vec<_>>(),
        )
        .expect("same set");
        let copy = old
            .clone_role(&o, night, "Night copy")
            .expect("clone keeps kept grants");
        let changes = before_change.diff(&old);
        assert!(
            changes.iter().all(|c| !c.to_string().contains("sla")),
            "{what}: diffs do not compare kept grants: {changes:?}"
        );
        let restored = saved(&old);

        // The newer replica loads it strictly and finds everything it stored.
        let back = Policy::from_json(&restored, &newer()).unwrap_or_else(|e| panic!("{what}: {e}"));
        let night_role = back.role(night).expect("night");
        assert_eq!(night_role.scope_of(MERGE), Some(Group), "{what}");
        assert_eq!(night_role.scope_of(SLA), Some(Restricted), "{what}");
        assert_eq!(
            night_role.scope_of(Permissions::REPLY),
            Some(Restricted),
            "{what}"
        );
        assert_eq!(night_role.kept_grants().count(), 0, "{what}");
        let lead_role = back.role(lead).expect("lead");
        assert_eq!(lead_role.scope_of(SLA), Some(Global), "{what}");
        assert_eq!(lead_role.scope_of(Permissions::VIEW_PEOPLE), None, "{what}");
        assert_eq!(lead_role.description(), "Runs the floor");
        let copy_role = back.role(copy).expect("copy");
        assert_eq!(
            copy_role.scope_of(SLA),
            Some(Restricted),
            "{what}: a clone is a deep copy"
        );
        assert_eq!(copy_role.scope_of(MERGE), Some(Group), "{what}");
        // And it decides with them.
        assert!(back.check(&holder, MERGE, &in_group).is_allowed(), "{what}");
        assert!(
            back.check(&holder, SLA, &AboutUser(ME)).is_allowed(),
            "{what}"
        );
        // Between the two stores, only what the older replica changed.
        let summary: Vec<String> = new.diff(&back).iter().map(ToString::to_string).collect();
        assert_eq!(
            summary[..2],
            [
                "role 100 \"Night\": reply narrowed from Global to Restricted scope",
                "role 101 \"Lead\": view_people revoked",
            ],
            "{what}"
        );
        assert!(
            summary[2].starts_with("role 102 \"Night copy\" was created"),
            "{what}: {summary:?}"
        );
    }
}

#[test]
fn kept_grants_are_written_back_as_found_after_unrelated_changes() {
    // A newer document, hand-written: an extension this replica lacks, in the middle.
    let stored = concat!(
        r#"{"version":2,"plan":"pro","revision":3,"next_role_id":101,"custom_roles":["#,
        r#"{"id":100,"name":"Night","description":"","cloned_from":4,"grants":{"#,
        r#""view_conversations":"global","time_entries":"group","reply":"global","sla_policies":"global"}}]}"#
    );
    let mut old = Policy::from_json_keeping_unknown(stored, &Vocabulary::builtin()).expect("keeps");
    // Known grants in bit order, then the kept ones as found.
    let canonical = concat!(
        r#"{"version":2,"plan":"pro","revision":3,"next_role_id":101,"custom_roles":["#,
        r#"{"id":100,"name":"Night","description":"","cloned_from":4,"grants":{"#,
        r#""view_conversations":"global","reply":"global","time_entries":"group","sla_policies":"global"}}]}"#
    );
    assert_eq!(saved(&old), canonical);
    let again =
        Policy::from_json_keeping_unknown(canonical, &Vocabulary::builtin()).expect("keeps");
    assert_eq!(
        saved(&again),
        canonical,
        "a document the crate wrote saves to the same bytes"
    );
    let kept: Vec<(&str, Scope)> = old.role(RoleId(100)).expect("role").kept_grants().collect();
    assert_eq!(kept, [("time_entries", Group), ("sla_policies", Global)]);
    old.grant(&owner(), RoleId(100), Permissions::ADD_PRIVATE_NOTE, Group)
        .expect("grant");
    let expected = concat!(
        r#"{"version":2,"plan":"pro","revision":4,"next_role_id":101,"custom_roles":["#,
        r#"{"id":100,"name":"Night","description":"","cloned_from":4,"grants":{"#,
        r#""view_conversations":"global","reply":"global","add_private_note":"group","time_entries":"group","sla_policies":"global"}}]}"#
    );
    assert_eq!(saved(&old), expected);
    // Deleting the role drops them with it.
    old.delete_role(&owner(), RoleId(100)).expect("delete");
    assert!(!saved(&old).contains("time_entries"));
}

#[test]
fn vocabularies_are_equal_exactly_when_they_declare_the_same_permissions() {
    let declare = |name: &'static str| {
        Vocabulary::new([ExtensionPermission::new(name, PermissionKind::Conversation)]).unwrap()
    };
    let merge = declare("merge_conversations");
    // Built twice, shared or not, the same declarations are the same vocabulary.
    assert_eq!(merge, declare("merge_conversations"));
    assert_eq!(merge, merge.clone());
    assert_eq!(Vocabulary::builtin(), Vocabulary::builtin());
    // The same bit under another name is another vocabulary, and so is no extension at all.
    assert_ne!(merge, declare("apply_macros"));
    assert_ne!(merge, Vocabulary::builtin());
    // Debug names the extensions, so a log line tells two vocabularies apart.
    let shown = format!("{merge:?}");
    assert!(shown.contains("merge_conversations"), "{shown}");
    assert!(!format!("{:?}", declare("apply_macros")).contains("merge"));
}
