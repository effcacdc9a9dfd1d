//! A reference model of the design, and the engine checked against it by properties.
//!
//! The model is a naive, obviously-correct decision function written straight from the
//! design's words (DESIGN.md, the 0.2 sections included): each role is a `BTreeMap` from
//! permission name to scope, the built-in table is the design's markdown table pasted in and
//! parsed, an extension vocabulary is a list of names, kinds and requirements whose bits the
//! model assigns itself in declaration order, and scopes reach a resource by the one rule of
//! the design, which view-only groups extend for viewing and notes. It shares no code with
//! `src/`: the engine's public types only drive the engine and read its answers back.
//!
//! Random policies are random sequences of operations (clones of built-in and custom roles,
//! grants, revokes, whole grant sets, renames, descriptions, deletes, plan changes) over a
//! random vocabulary of 0 to 44 extensions, applied to the engine and to the model in
//! lockstep. Each case then asks many decisions, so the run covers millions of them. Every
//! decision is asked of the verdict-only `allows` too (of the policy and of the resolved
//! subject), which must give the decision's verdict and the model's.
//!
//! Budget: 102,000 generated cases per run (each `proptest!` block and the vocabulary test
//! state their share): about 43 s of CPU for the whole file in a debug build, so about 22 s
//! on two idle cores (the longest property takes 8 s alone), and more when they are shared.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::OnceLock;

use helpdesk_policy::{
    AboutUser, Account, BuiltInRole, Conversation, Decision, ExtensionPermission, Fact, GroupId,
    PermissionKind, Permissions, Plan, Policy, PolicyError, Reason, Resource, RoleId, Scope,
    Subject, Team, UserId, Vocabulary,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{RngAlgorithm, TestCaseError, TestRunner};

mod common;
use common::Rng;

// ---------------------------------------------------------------------------------------------
// The model: vocabulary and built-in roles, transcribed from the design
// ---------------------------------------------------------------------------------------------

/// What a permission is checked against (the design's "kind").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Conversation,
    Team,
    Account,
}

impl Kind {
    fn engine(self) -> PermissionKind {
        match self {
            Kind::Conversation => PermissionKind::Conversation,
            Kind::Team => PermissionKind::Team,
            Kind::Account => PermissionKind::Account,
        }
    }
}

/// The twenty permissions of the design: name, the constant that drives the engine, kind.
const BUILTIN_PERMISSIONS: [(&str, Permissions, Kind); 20] = [
    (
        "view_conversations",
        Permissions::VIEW_CONVERSATIONS,
        Kind::Conversation,
    ),
    ("reply", Permissions::REPLY, Kind::Conversation),
    (
        "add_private_note",
        Permissions::ADD_PRIVATE_NOTE,
        Kind::Conversation,
    ),
    (
        "assign_conversation",
        Permissions::ASSIGN_CONVERSATION,
        Kind::Conversation,
    ),
    (
        "resolve_conversation",
        Permissions::RESOLVE_CONVERSATION,
        Kind::Conversation,
    ),
    (
        "delete_conversation",
        Permissions::DELETE_CONVERSATION,
        Kind::Conversation,
    ),
    ("view_dashboard", Permissions::VIEW_DASHBOARD, Kind::Team),
    ("view_reports", Permissions::VIEW_REPORTS, Kind::Team),
    ("export_reports", Permissions::EXPORT_REPORTS, Kind::Team),
    ("manage_settings", Permissions::MANAGE_SETTINGS, Kind::Team),
    ("view_people", Permissions::VIEW_PEOPLE, Kind::Account),
    ("edit_people", Permissions::EDIT_PEOPLE, Kind::Account),
    (
        "view_contact_details",
        Permissions::VIEW_CONTACT_DETAILS,
        Kind::Account,
    ),
    (
        "edit_own_profile",
        Permissions::EDIT_OWN_PROFILE,
        Kind::Account,
    ),
    ("manage_faqs", Permissions::MANAGE_FAQS, Kind::Account),
    (
        "manage_campaigns",
        Permissions::MANAGE_CAMPAIGNS,
        Kind::Account,
    ),
    ("manage_users", Permissions::MANAGE_USERS, Kind::Account),
    ("manage_groups", Permissions::MANAGE_GROUPS, Kind::Account),
    (
        "manage_custom_roles",
        Permissions::MANAGE_CUSTOM_ROLES,
        Kind::Account,
    ),
    ("manage_account", Permissions::MANAGE_ACCOUNT, Kind::Account),
];

/// "reply, add_private_note, assign_conversation, resolve_conversation and
/// delete_conversation require view_conversations; export_reports requires view_reports;
/// edit_people and view_contact_details require view_people; nothing else requires anything."
const BUILTIN_REQUIRES: [(&str, &str); 8] = [
    ("reply", "view_conversations"),
    ("add_private_note", "view_conversations"),
    ("assign_conversation", "view_conversations"),
    ("resolve_conversation", "view_conversations"),
    ("delete_conversation", "view_conversations"),
    ("export_reports", "view_reports"),
    ("edit_people", "view_people"),
    ("view_contact_details", "view_people"),
];

/// "`Permissions::VIEW_ONLY_REACH = VIEW_CONVERSATIONS | ADD_PRIVATE_NOTE`": the only
/// permissions a view-only group reaches, at Group scope.
const VIEW_ONLY_REACH: [&str; 2] = ["view_conversations", "add_private_note"];

const MANAGE_CUSTOM_ROLES: &str = "manage_custom_roles";
const MANAGE_USERS: &str = "manage_users";

/// Extensions take bits 20 to 63: at most 44 of them.
const MAX_EXTENSIONS: usize = 44;

/// Valid extension names (snake_case ASCII, 1 to 64 characters), one per extension bit: a
/// vocabulary declares a rotation of this list, so names, bits and kinds pair differently from
/// case to case.
const EXTENSION_NAMES: [&str; MAX_EXTENSIONS] = [
    "merge_conversations",
    "manage_macros",
    "manage_tags",
    "manage_sla_policies",
    "view_knowledge_base",
    "edit_knowledge_base",
    "log_time_entries",
    "manage_api_tokens",
    "view_audit_log",
    "export_conversations",
    "manage_automations",
    "manage_canned_responses",
    "view_satisfaction_scores",
    "manage_integrations",
    "forward_conversations",
    "mark_spam",
    "view_call_recordings",
    "manage_webhooks",
    "view_billing",
    "manage_billing",
    "manage_channels",
    "manage_business_hours",
    "view_team_queue",
    "edit_team_queue",
    "schedule_reports",
    "manage_team_rotas",
    "view_team_sla",
    "approve_refunds",
    "issue_refunds",
    "view_orders",
    "edit_orders",
    "manage_skills",
    "manage_routing",
    "bulk_update",
    "snooze_conversations",
    "translate_replies",
    "x",
    "a1",
    "v2_beta_access",
    "ext_with_digits_0123456789",
    "z_",
    "a_name_of_exactly_sixty_four_characters_is_still_a_valid_name_ok",
    "tag_conversations",
    "view_pii_audit",
];

/// Names the design refuses for an extension: not snake_case ASCII, too long, or a built-in
/// permission's name.
const BAD_EXTENSION_NAMES: [&str; 10] = [
    "",
    "Merge",
    "9lives",
    "_hidden",
    "has-dash",
    "has space",
    "ünïcode",
    "a_name_of_sixty_five_characters_is_one_too_many_for_any_extension",
    "reply",
    "manage_custom_roles",
];

/// `Restricted < Group < Global`, the model's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum ModelScope {
    Restricted,
    Group,
    Global,
}

impl ModelScope {
    fn engine(self) -> Scope {
        match self {
            ModelScope::Restricted => Scope::Restricted,
            ModelScope::Group => Scope::Group,
            ModelScope::Global => Scope::Global,
        }
    }

    fn from_engine(scope: Scope) -> ModelScope {
        match scope {
            Scope::Restricted => ModelScope::Restricted,
            Scope::Group => ModelScope::Group,
            Scope::Global => ModelScope::Global,
        }
    }
}

/// The design's built-in table, pasted verbatim.
const BUILTIN_TABLE: &str = "
| permission | Account Admin | Administrator | Support Manager | Support Agent | Marketing Manager | Marketing User | Sales Manager | Sales User | Restricted User |
|---|---|---|---|---|---|---|---|---|---|
| view_conversations | G | G | G | G | | | G | Gr | R |
| reply | G | G | G | G | | | G | Gr | R |
| add_private_note | G | G | G | G | | | G | Gr | R |
| assign_conversation | G | G | G | G | | | G | | |
| resolve_conversation | G | G | G | G | | | G | Gr | R |
| delete_conversation | G | G | | | | | | | |
| view_dashboard | G | G | | | G | | G | | |
| view_reports | G | G | | | G | | G | | |
| export_reports | G | G | | | | | | | |
| manage_settings | G | G | | | | | | | |
| view_people | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | |
| edit_people | ✓ | ✓ | ✓ | ✓ | ✓ | | ✓ | ✓ | |
| view_contact_details | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | |
| edit_own_profile | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |
| manage_faqs | ✓ | ✓ | ✓ | | ✓ | | | | |
| manage_campaigns | ✓ | ✓ | ✓ | | ✓ | ✓ | | | |
| manage_users | ✓ | ✓ | | | | | | | |
| manage_groups | ✓ | ✓ | | | | | | | |
| manage_custom_roles | ✓ | | | | | | | | |
| manage_account | ✓ | ✓ | | | | | | | |
";

/// The design's column order, as the engine's variants name them ("the role names in
/// CamelCase").
const BUILTINS: [BuiltInRole; 9] = [
    BuiltInRole::AccountAdmin,
    BuiltInRole::Administrator,
    BuiltInRole::SupportManager,
    BuiltInRole::SupportAgent,
    BuiltInRole::MarketingManager,
    BuiltInRole::MarketingUser,
    BuiltInRole::SalesManager,
    BuiltInRole::SalesUser,
    BuiltInRole::RestrictedUser,
];

type Grants = BTreeMap<&'static str, ModelScope>;

#[derive(Clone, Debug, PartialEq, Eq)]
struct ModelRole {
    name: String,
    description: String,
    grants: Grants,
}

/// The nine built-in roles of the pasted table, in column order (parsed once).
fn builtin_roles() -> Vec<ModelRole> {
    static PARSED: OnceLock<Vec<ModelRole>> = OnceLock::new();
    PARSED.get_or_init(parse_builtin_table).clone()
}

/// Parses the pasted table into the nine built-in roles, in column order.
fn parse_builtin_table() -> Vec<ModelRole> {
    let mut lines = BUILTIN_TABLE.lines().filter(|l| !l.trim().is_empty());
    let cells = |line: &'static str| -> Vec<&'static str> {
        let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
        inner.split('|').map(str::trim).collect()
    };
    let header = cells(lines.next().unwrap());
    let mut roles: Vec<ModelRole> = header[1..]
        .iter()
        .map(|name| ModelRole {
            name: (*name).to_owned(),
            description: String::new(),
            grants: Grants::new(),
        })
        .collect();
    assert_eq!(roles.len(), 9);
    let _separator = lines.next();
    for line in lines {
        let row = cells(line);
        assert_eq!(row.len(), 10, "{line}");
        let permission = BUILTIN_PERMISSIONS
            .iter()
            .find(|(n, _, _)| *n == row[0])
            .map(|&(n, _, _)| n)
            .unwrap();
        for (role, cell) in roles.iter_mut().zip(&row[1..]) {
            let scope = match *cell {
                "" => None,
                "G" | "✓" => Some(ModelScope::Global),
                "Gr" => Some(ModelScope::Group),
                "R" => Some(ModelScope::Restricted),
                other => panic!("unknown cell {other}"),
            };
            if let Some(scope) = scope {
                role.grants.insert(permission, scope);
            }
        }
    }
    roles
}

/// One extension as a host declares it (`ExtensionPermission::new(name, kind)` with
/// `.requires(..)` and `.default_grant(..)`), for the engine and the model alike.
#[derive(Clone, Debug)]
struct ExtSpec {
    name: &'static str,
    kind: Kind,
    /// The bits it requires, by index (0 to 19 the twenty, 20 and up the extensions).
    requires: Vec<u32>,
    /// Default grants: an index into `BUILTINS` and a scope.
    defaults: Vec<(usize, ModelScope)>,
}

/// The engine's vocabulary for `extensions`.
fn engine_vocabulary(extensions: &[ExtSpec]) -> Result<Vocabulary, PolicyError> {
    Vocabulary::new(extensions.iter().map(|ext| {
        let mut declared = ExtensionPermission::new(ext.name, ext.kind.engine());
        for &bit in &ext.requires {
            declared = declared.requires(Permissions::from_bits_retain(1 << bit));
        }
        for &(role, scope) in &ext.defaults {
            declared = declared.default_grant(BUILTINS[role], scope.engine());
        }
        declared
    }))
}

/// One permission of a model vocabulary.
#[derive(Debug)]
struct Perm {
    name: &'static str,
    /// The bit the design gives it: the twenty keep their constants, extensions take bits 20
    /// to 63 in declaration order.
    bit: Permissions,
    kind: Kind,
    requires: Vec<&'static str>,
}

/// The model's vocabulary: the twenty, then the extensions; and the nine built-in roles as
/// the vocabulary makes them.
#[derive(Debug)]
struct ModelVocabulary {
    permissions: Vec<Perm>,
    builtin: Vec<(RoleId, ModelRole)>,
    /// Each permission's position in `permissions`, by name.
    index: BTreeMap<&'static str, usize>,
}

impl ModelVocabulary {
    /// The vocabulary the design allows for `extensions`, or why it refuses them (and the
    /// name of the offending extension, when one is at fault by itself).
    fn new(extensions: &[ExtSpec]) -> Result<ModelVocabulary, (Option<&'static str>, String)> {
        let mut permissions: Vec<Perm> = BUILTIN_PERMISSIONS
            .iter()
            .map(|&(name, bit, kind)| Perm {
                name,
                bit,
                kind,
                requires: BUILTIN_REQUIRES
                    .iter()
                    .filter(|(p, _)| *p == name)
                    .map(|&(_, r)| r)
                    .collect(),
            })
            .collect();
        let mut builtin: Vec<(RoleId, ModelRole)> = BUILTINS
            .iter()
            .zip(builtin_roles())
            .map(|(b, role)| (b.id(), role))
            .collect();
        for (i, ext) in extensions.iter().enumerate() {
            let refuse = |why: &str| (Some(ext.name), format!("extension {i}: {why}"));
            // "extensions take bits 20 to 63 in declaration order (so at most 44)".
            if i >= MAX_EXTENSIONS {
                return Err(refuse("beyond bit 63"));
            }
            // "snake_case ASCII (a letter, then letters, digits and underscores, at most 64)".
            let snake = ext.name.len() <= 64
                && ext.name.starts_with(|c: char| c.is_ascii_lowercase())
                && ext
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !snake {
                return Err(refuse("not snake_case ASCII"));
            }
            // "unique, never a built-in name".
            if permissions.iter().any(|p| p.name == ext.name) {
                return Err(refuse("name taken"));
            }
            // "`requires` names permissions of the vocabulary (built-in or declared before)".
            let mut requires = Vec::new();
            for &bit in &ext.requires {
                match permissions.get(bit as usize) {
                    Some(p) => requires.push(p.name),
                    None => return Err(refuse("requires a permission not declared before")),
                }
            }
            // "conversation and team extensions are scoped, account ones are not".
            for &(role, scope) in &ext.defaults {
                assert!(
                    role >= 2,
                    "the generator gives the two admins no default grant"
                );
                if ext.kind == Kind::Account && scope != ModelScope::Global {
                    return Err(refuse("an account permission granted at a scope"));
                }
                builtin[role].1.grants.insert(ext.name, scope);
            }
            permissions.push(Perm {
                name: ext.name,
                bit: Permissions::from_bits_retain(1 << (20 + i)),
                kind: ext.kind,
                requires,
            });
        }
        // "the Account Admin and the Administrator hold every extension at Global".
        for (_, role) in &mut builtin[..2] {
            for p in &permissions[20..] {
                role.grants.insert(p.name, ModelScope::Global);
            }
        }
        let index = permissions
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name, i))
            .collect();
        let vocabulary = ModelVocabulary {
            permissions,
            builtin,
            index,
        };
        // "Every built-in role meets all of them" (the requirements), extensions included.
        for (_, role) in &vocabulary.builtin {
            if let Some(unmet) = vocabulary.unmet(&role.grants).first() {
                let why = format!("built-in role {} leaves {unmet:?} unmet", role.name);
                return Err((None, why));
            }
        }
        Ok(vocabulary)
    }

    /// The twenty alone (built once per thread: most cases draw it).
    fn builtin() -> Rc<ModelVocabulary> {
        thread_local! {
            static BUILTIN: Rc<ModelVocabulary> = Rc::new(ModelVocabulary::new(&[]).unwrap());
        }
        BUILTIN.with(Rc::clone)
    }

    fn extensions(&self) -> &[Perm] {
        &self.permissions[20..]
    }

    fn perm(&self, name: &str) -> &Perm {
        match self.index.get(name) {
            Some(&i) => &self.permissions[i],
            None => panic!("model: unknown permission {name}"),
        }
    }

    fn kind(&self, name: &str) -> Kind {
        self.perm(name).kind
    }

    fn name_of(&self, bit: Permissions) -> Option<&'static str> {
        self.permissions
            .iter()
            .find(|p| p.bit == bit)
            .map(|p| p.name)
    }

    fn all(&self) -> Permissions {
        self.permissions
            .iter()
            .fold(Permissions::empty(), |all, p| all | p.bit)
    }

    /// A drawn index as a permission: below 20 one of the twenty, from 20 on an extension
    /// (one of the twenty when there is none).
    fn pick(&self, index: usize) -> &Perm {
        let extensions = self.permissions.len() - 20;
        if index < 20 {
            &self.permissions[index]
        } else if extensions == 0 {
            &self.permissions[index % 20]
        } else {
            &self.permissions[20 + (index - 20) % extensions]
        }
    }

    /// "A requirement is met when the required permission is granted at the same scope or
    /// wider": each unmet one, as (permission, what it requires).
    fn unmet(&self, grants: &Grants) -> Vec<(&'static str, &'static str)> {
        let mut unmet = Vec::new();
        for p in self.permissions.iter().filter(|p| !p.requires.is_empty()) {
            let Some(&scope) = grants.get(p.name) else {
                continue;
            };
            for &required in &p.requires {
                if grants.get(required).is_none_or(|&held| held < scope) {
                    unmet.push((p.name, required));
                }
            }
        }
        unmet
    }

    /// Drawn indices as a permission set (`UNKNOWN` adds a bit the vocabulary lacks).
    fn asked(&self, indices: &[usize]) -> Asked {
        let mut asked = Asked {
            bits: Permissions::empty(),
            names: BTreeSet::new(),
            unknown: false,
        };
        for &i in indices {
            if i == UNKNOWN {
                let next = self.permissions.len();
                if next < 64 {
                    asked.bits |= Permissions::from_bits_retain(1 << next);
                    asked.unknown = true;
                }
            } else {
                let p = self.pick(i);
                asked.bits |= p.bit;
                asked.names.insert(p.name);
            }
        }
        asked
    }

    /// Names as the engine's bits.
    fn bits<'a>(&self, names: impl IntoIterator<Item = &'a &'static str>) -> Permissions {
        names.into_iter().fold(Permissions::empty(), |bits, name| {
            bits | self.perm(name).bit
        })
    }
}

/// A permission set to ask about: bits for the engine, names for the model, and whether it
/// carries a bit that names no permission of the vocabulary.
#[derive(Clone, Debug)]
struct Asked {
    bits: Permissions,
    names: BTreeSet<&'static str>,
    unknown: bool,
}

/// A drawn permission index that stands for "a bit the vocabulary lacks".
const UNKNOWN: usize = usize::MAX;

// ---------------------------------------------------------------------------------------------
// The model: policy, governance, decisions
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Model {
    plan: Plan,
    vocabulary: Rc<ModelVocabulary>,
    custom: BTreeMap<RoleId, ModelRole>,
    /// Every custom id ever handed out, in order.
    ever: Vec<RoleId>,
    /// "a revision counter": one more for each change; "A change at revision `u64::MAX` is
    /// refused".
    revision: u64,
}

/// Why the model refuses a change (only for messages, but for this one).
type Refusal = &'static str;

/// "The revision never lies": the refusal of a change at `u64::MAX`.
const REVISION_EXHAUSTED: Refusal = "revision exhausted";

fn plan_has_custom_roles(plan: Plan) -> bool {
    matches!(plan, Plan::Pro | Plan::Enterprise)
}

impl Model {
    fn new(plan: Plan, vocabulary: Rc<ModelVocabulary>) -> Model {
        Model {
            plan,
            vocabulary,
            custom: BTreeMap::new(),
            ever: Vec::new(),
            revision: 0,
        }
    }

    fn role(&self, id: RoleId) -> Option<&ModelRole> {
        self.vocabulary
            .builtin
            .iter()
            .find(|(b, _)| *b == id)
            .map(|(_, role)| role)
            .or_else(|| self.custom.get(&id))
    }

    fn is_builtin(&self, id: RoleId) -> bool {
        self.vocabulary.builtin.iter().any(|(b, _)| *b == id)
    }

    fn holds(&self, id: RoleId, permission: &str) -> bool {
        self.role(id)
            .is_some_and(|role| role.grants.contains_key(permission))
    }

    /// "Only a subject holding manage_custom_roles ... may create, change, rename or delete
    /// custom roles", and "only the Pro and Enterprise plans have custom roles" for what the
    /// plan gates (0.2: "Narrowing is never gated by the plan").
    fn authorize(&self, actor: RoleId, needs_plan: bool) -> Result<(), Refusal> {
        if !self.holds(actor, MANAGE_CUSTOM_ROLES) {
            return Err("actor lacks manage_custom_roles");
        }
        if needs_plan && !plan_has_custom_roles(self.plan) {
            return Err("plan has no custom roles");
        }
        Ok(())
    }

    /// Counts a change: refused at `u64::MAX` "instead of saturating".
    fn count_change(&mut self) -> Result<(), Refusal> {
        self.revision = self.revision.checked_add(1).ok_or(REVISION_EXHAUSTED)?;
        Ok(())
    }

    fn can_count_change(&self) -> Result<(), Refusal> {
        if self.revision == u64::MAX {
            Err(REVISION_EXHAUSTED)
        } else {
            Ok(())
        }
    }

    /// "trimmed, 1–64 characters, no control characters, unique case-insensitively, never a
    /// built-in role's name"; and 0.2's "Names that look alike are the same name": runs of
    /// whitespace become one space, default-ignorable code points are refused, and names are
    /// compared by look-alike key (`look_alike`). The stored name is the collapsed form.
    fn valid_name(&self, name: &str, renaming: Option<RoleId>) -> Result<String, Refusal> {
        let trimmed = name.trim();
        if trimmed.chars().any(char::is_control) {
            return Err("control character");
        }
        if trimmed.chars().any(|c| DEFAULT_IGNORABLE.contains(&c)) {
            return Err("default-ignorable code point");
        }
        let collapsed = trimmed.split_whitespace().collect::<Vec<_>>().join(" ");
        let chars = collapsed.chars().count();
        if chars == 0 || chars > 64 {
            return Err("name length");
        }
        let key = look_alike(&collapsed);
        if self
            .vocabulary
            .builtin
            .iter()
            .any(|(_, role)| look_alike(&role.name) == key)
        {
            return Err("built-in name");
        }
        if self
            .custom
            .iter()
            .any(|(id, role)| Some(*id) != renaming && look_alike(&role.name) == key)
        {
            return Err("name taken");
        }
        Ok(collapsed)
    }

    /// "Trimmed, at most 500 characters, no control characters other than line feeds."
    fn valid_description(text: &str) -> Result<String, Refusal> {
        let trimmed = text.trim();
        if trimmed.chars().count() > 500 {
            return Err("description length");
        }
        if trimmed.chars().any(|c| c.is_control() && c != '\n') {
            return Err("control character in description");
        }
        Ok(trimmed.to_owned())
    }

    fn existing_custom(&self, id: RoleId) -> Result<(), Refusal> {
        if self.custom.contains_key(&id) {
            Ok(())
        } else if self.is_builtin(id) {
            Err("built-in roles are immutable")
        } else {
            Err("unknown role")
        }
    }

    /// What a clone would be, if allowed (the id is the engine's to choose): a deep copy,
    /// but for manage_custom_roles, with an empty description ("empty by default and on a
    /// clone").
    fn clone_role(&self, actor: RoleId, source: RoleId, name: &str) -> Result<ModelRole, Refusal> {
        self.authorize(actor, true)?;
        let source = self.role(source).ok_or("unknown source")?;
        let name = self.valid_name(name, None)?;
        self.can_count_change()?;
        let mut grants = source.grants.clone();
        grants.remove(MANAGE_CUSTOM_ROLES);
        Ok(ModelRole {
            name,
            description: String::new(),
            grants,
        })
    }

    /// Records a clone the engine made under `id`.
    fn add_clone(&mut self, id: RoleId, role: ModelRole) {
        self.custom.insert(id, role);
        self.ever.push(id);
        self.revision += 1;
    }

    /// What a custom role may be granted: never manage_custom_roles; account permissions at
    /// Global only ("granting one at Group or Restricted is an error").
    fn grantable(&self, permission: &str, scope: ModelScope) -> Result<(), Refusal> {
        if permission == MANAGE_CUSTOM_ROLES {
            return Err("manage_custom_roles on a custom role");
        }
        if scope != ModelScope::Global && self.vocabulary.kind(permission) == Kind::Account {
            return Err("account permission at a scope");
        }
        Ok(())
    }

    /// Replaces a custom role's grants with `grants`, as one change. "Below Pro, a change
    /// that only reduces what a custom role grants (revoke, a grant at a narrower scope) is
    /// allowed"; widening is not. Nothing changed counts no revision.
    fn change_grants(&mut self, role: RoleId, grants: Grants) -> Result<(), Refusal> {
        let current = &self.custom[&role].grants;
        let narrows = grants
            .iter()
            .all(|(p, s)| current.get(p).is_some_and(|held| held >= s));
        if !plan_has_custom_roles(self.plan) && !narrows {
            return Err("widening below Pro");
        }
        if *current != grants {
            self.count_change()?;
            self.custom.get_mut(&role).unwrap().grants = grants;
        }
        Ok(())
    }

    /// "grant (sets a permission's scope: it may narrow as well as widen)".
    fn grant(
        &mut self,
        actor: RoleId,
        role: RoleId,
        permissions: &BTreeSet<&'static str>,
        scope: ModelScope,
    ) -> Result<(), Refusal> {
        self.authorize(actor, false)?;
        self.existing_custom(role)?;
        let mut grants = self.custom[&role].grants.clone();
        for &p in permissions {
            self.grantable(p, scope)?;
            grants.insert(p, scope);
        }
        self.change_grants(role, grants)
    }

    /// "revoking a permission the role does not hold is a successful no-op".
    fn revoke(
        &mut self,
        actor: RoleId,
        role: RoleId,
        permissions: &BTreeSet<&'static str>,
    ) -> Result<(), Refusal> {
        self.authorize(actor, false)?;
        self.existing_custom(role)?;
        let mut grants = self.custom[&role].grants.clone();
        for p in permissions {
            grants.remove(p);
        }
        self.change_grants(role, grants)
    }

    /// "`set_grants` replaces a custom role's whole grant set in one all-or-nothing call and
    /// one revision".
    fn set_grants(&mut self, actor: RoleId, role: RoleId, grants: &Grants) -> Result<(), Refusal> {
        self.authorize(actor, false)?;
        self.existing_custom(role)?;
        for (p, &scope) in grants {
            self.grantable(p, scope)?;
        }
        self.change_grants(role, grants.clone())
    }

    fn rename(&mut self, actor: RoleId, role: RoleId, name: &str) -> Result<(), Refusal> {
        self.authorize(actor, true)?;
        self.existing_custom(role)?;
        let name = self.valid_name(name, Some(role))?;
        if self.custom[&role].name != name {
            self.count_change()?;
            self.custom.get_mut(&role).unwrap().name = name;
        }
        Ok(())
    }

    /// "governed like `rename_role` (same actor, plan and all-or-nothing rules; a no-op
    /// counts no revision)".
    fn describe(&mut self, actor: RoleId, role: RoleId, text: &str) -> Result<(), Refusal> {
        self.authorize(actor, true)?;
        self.existing_custom(role)?;
        let text = Model::valid_description(text)?;
        if self.custom[&role].description != text {
            self.count_change()?;
            self.custom.get_mut(&role).unwrap().description = text;
        }
        Ok(())
    }

    /// "deleting stays allowed" below Pro.
    fn delete(&mut self, actor: RoleId, role: RoleId) -> Result<(), Refusal> {
        self.authorize(actor, false)?;
        self.existing_custom(role)?;
        self.count_change()?;
        self.custom.remove(&role);
        Ok(())
    }

    /// "plan changes; nothing is lost"; the same plan again changes nothing.
    fn set_plan(&mut self, plan: Plan) -> Result<(), Refusal> {
        if self.plan != plan {
            self.count_change()?;
            self.plan = plan;
        }
        Ok(())
    }
}

/// A resource's facts, as the design states them for each resource.
#[derive(Clone, Debug)]
struct Facts {
    group: Option<u64>,
    assignee: Option<u64>,
    participants: Vec<u64>,
}

/// The user's side of a decision: who, their groups and their view-only groups.
#[derive(Clone, Copy, Debug)]
struct Who<'a> {
    user: u64,
    groups: &'a [u64],
    view_only: &'a [u64],
}

impl Who<'_> {
    fn taken_up(&self, facts: &Facts) -> bool {
        facts.assignee == Some(self.user) || facts.participants.contains(&self.user)
    }

    fn member(&self, group: u64) -> bool {
        self.groups.contains(&group)
    }

    /// "may overlap `groups`, where the full membership wins".
    fn view_only_member(&self, group: u64) -> bool {
        self.view_only.contains(&group) && !self.member(group)
    }
}

/// "the user is the resource's assignee or a participant → Restricted reaches it; its group is
/// one of the user's → Group reaches it; otherwise only Global does." Group reaches everything
/// Restricted does; "A view-only group extends **Group** scope, for the read-and-note
/// permissions only" ("what decides is whether the permission is in `VIEW_ONLY_REACH`,
/// whatever the resource").
fn reaches(scope: ModelScope, permission: &str, who: &Who<'_>, facts: &Facts) -> bool {
    let taken_up = who.taken_up(facts);
    let in_groups = facts.group.is_some_and(|g| who.member(g));
    let in_view_only = VIEW_ONLY_REACH.contains(&permission)
        && facts.group.is_some_and(|g| who.view_only.contains(&g));
    match scope {
        ModelScope::Global => true,
        ModelScope::Group => taken_up || in_groups || in_view_only,
        ModelScope::Restricted => taken_up,
    }
}

/// One way the model expects a denial to be explained.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Expected {
    NothingAsked,
    UnknownPermission,
    UnknownRole,
    NotGranted(&'static str),
    OutOfScope(&'static str, ModelScope),
}

#[derive(Clone, Debug)]
enum Verdict {
    /// Allowed: the scope of each permission asked (account ones at Global).
    Allow(Vec<(&'static str, ModelScope)>),
    /// Denied, with every explanation the design admits.
    Deny(Vec<Expected>),
}

impl Verdict {
    fn allowed(&self) -> bool {
        matches!(self, Verdict::Allow(_))
    }
}

/// The model's decision: "Deny by default. An empty permission set is denied. Several
/// permissions at once means all of them, each at its own scope ... Account permissions ignore
/// the resource." A deleted or never-created role is denied (unknown role), and so is a set
/// with a bit that names no permission.
fn model_check(
    model: &Model,
    role: RoleId,
    who: &Who<'_>,
    asked: &Asked,
    facts: &Facts,
) -> Verdict {
    let role = model.role(role);
    if asked.names.is_empty() && !asked.unknown {
        let mut why = vec![Expected::NothingAsked];
        if role.is_none() {
            why.push(Expected::UnknownRole);
        }
        return Verdict::Deny(why);
    }
    let Some(role) = role else {
        let mut why = vec![Expected::UnknownRole];
        if asked.unknown {
            why.push(Expected::UnknownPermission);
        }
        return Verdict::Deny(why);
    };
    let mut allowed = Vec::new();
    let mut failures = Vec::new();
    if asked.unknown {
        failures.push(Expected::UnknownPermission);
    }
    for &p in &asked.names {
        match role.grants.get(p) {
            None => failures.push(Expected::NotGranted(p)),
            Some(&scope) => {
                if model.vocabulary.kind(p) == Kind::Account || reaches(scope, p, who, facts) {
                    allowed.push((p, scope));
                } else {
                    failures.push(Expected::OutOfScope(p, scope));
                }
            }
        }
    }
    if failures.is_empty() {
        Verdict::Allow(allowed)
    } else {
        Verdict::Deny(failures)
    }
}

/// The model's answer to `check_assignment`, and the rules that fail. "an actor may not change
/// their own role, may only assign a role whose grants are all within their own (scope-wise),
/// and may not change the role of a user whose current grants exceed theirs"; "assigning a
/// custom role is denied" below Pro; "a target whose role id this policy deleted ... holds
/// nothing, as before; a role id it never issued ... is denied as unknown".
fn model_assignment(
    model: &Model,
    actor: (u64, RoleId),
    target: (u64, RoleId),
    new_role: RoleId,
) -> (bool, Vec<&'static str>) {
    let within = |a: &ModelRole, b: &ModelRole| {
        a.grants
            .iter()
            .all(|(p, s)| b.grants.get(p).is_some_and(|bs| bs >= s))
    };
    let mut failing = Vec::new();
    let actor_role = model.role(actor.1);
    match actor_role {
        None => failing.push("actor role unknown"),
        Some(role) if !role.grants.contains_key(MANAGE_USERS) => failing.push("no manage_users"),
        Some(_) => {}
    }
    if actor.0 == target.0 {
        failing.push("own role");
    }
    match model.role(new_role) {
        None => failing.push("new role unknown"),
        Some(new) => {
            if !model.is_builtin(new_role) && !plan_has_custom_roles(model.plan) {
                failing.push("custom role below pro");
            }
            if let Some(actor_role) = actor_role {
                if !within(new, actor_role) {
                    failing.push("new role exceeds actor");
                }
            }
        }
    }
    match model.role(target.1) {
        Some(current) => {
            if let Some(actor_role) = actor_role {
                if !within(current, actor_role) {
                    failing.push("target exceeds actor");
                }
            }
        }
        // Deleted: holds nothing, so it exceeds nobody.
        None if model.ever.contains(&target.1) => {}
        None => failing.push("target role unknown"),
    }
    (failing.is_empty(), failing)
}

// ---------------------------------------------------------------------------------------------
// Generated inputs
// ---------------------------------------------------------------------------------------------

/// How a role id is picked, resolved against the policy at hand.
#[derive(Clone, Debug)]
enum RolePick {
    Builtin(usize),
    /// An existing custom role (a built-in one if there is none).
    Custom(usize),
    /// Any custom id ever handed out, deleted or not.
    Ever(usize),
    /// An id no role has ever had.
    Never(usize),
}

#[derive(Clone, Debug)]
enum Op {
    Clone {
        source: RolePick,
        name: String,
    },
    Grant {
        role: RolePick,
        permissions: Vec<usize>,
        scope: ModelScope,
    },
    Revoke {
        role: RolePick,
        permissions: Vec<usize>,
    },
    /// The role editor's Save: the role's grants (or none, without `keep`) with `edits`
    /// applied (a scope, or `None` to drop the permission).
    SetGrants {
        role: RolePick,
        keep: bool,
        edits: Vec<(usize, Option<ModelScope>)>,
    },
    Rename {
        role: RolePick,
        name: String,
    },
    Describe {
        role: RolePick,
        text: String,
    },
    Delete {
        role: RolePick,
    },
    SetPlan(Plan),
}

#[derive(Clone, Debug)]
struct SubjectSpec {
    user: u64,
    role: RolePick,
    groups: Vec<u64>,
    view_only: Vec<u64>,
}

#[derive(Clone, Debug)]
enum ResourceSpec {
    Conversation {
        group: Option<u64>,
        assignee: Option<u64>,
        participants: Vec<u64>,
    },
    Team(u64),
    Account,
    AboutUser(u64),
}

impl ResourceSpec {
    /// The facts as the design gives them: "`Team(g)` has group `g` and nobody assigned;
    /// `Account` has neither"; a resource about one agent has that agent as its assignee.
    fn facts(&self) -> Facts {
        match self {
            ResourceSpec::Conversation {
                group,
                assignee,
                participants,
            } => Facts {
                group: *group,
                assignee: *assignee,
                participants: participants.clone(),
            },
            ResourceSpec::Team(g) => Facts {
                group: Some(*g),
                assignee: None,
                participants: Vec::new(),
            },
            ResourceSpec::Account => Facts {
                group: None,
                assignee: None,
                participants: Vec::new(),
            },
            ResourceSpec::AboutUser(u) => Facts {
                group: None,
                assignee: Some(*u),
                participants: Vec::new(),
            },
        }
    }

    fn is_conversation(&self) -> bool {
        matches!(self, ResourceSpec::Conversation { .. })
    }

    /// Runs `f` on the engine's resource for this spec.
    fn with<T>(&self, f: impl FnOnce(&dyn Resource) -> T) -> T {
        match self {
            ResourceSpec::Conversation {
                group,
                assignee,
                participants,
            } => {
                let participants: Vec<UserId> = participants.iter().copied().map(UserId).collect();
                f(&Conversation {
                    group: group.map(GroupId),
                    assignee: assignee.map(UserId),
                    participants: &participants,
                })
            }
            ResourceSpec::Team(g) => f(&Team(GroupId(*g))),
            ResourceSpec::Account => f(&Account),
            ResourceSpec::AboutUser(u) => f(&AboutUser(UserId(*u))),
        }
    }
}

/// The default-ignorable code points of `NAME_POOL` (the model has no Unicode tables: the
/// pool uses only these).
const DEFAULT_IGNORABLE: [char; 2] = ['\u{200B}', '\u{3164}'];

/// The confusables of `NAME_POOL`, lower-cased, with the Latin letter each looks like (the
/// pool uses only these; TS #39 has thousands).
const CONFUSABLES: [(char, char); 3] = [('\u{430}', 'a'), ('\u{43e}', 'o'), ('\u{456}', 'i')];

/// When two names are the same: "their confusable skeletons (Unicode TS #39) are equal after
/// case folding", for the characters of `NAME_POOL` and the generated names.
fn look_alike(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| {
            CONFUSABLES
                .iter()
                .find(|(from, _)| *from == c)
                .map_or(c, |&(_, to)| to)
        })
        .collect()
}

/// Names that collide, differ only in case, spaces or look-alike letters, are invalid, or are
/// built-in names.
const NAME_POOL: &[&str] = &[
    "Intern",
    "intern",
    "  Intern  ",
    "INTERN",
    "Night shift",
    "night SHIFT",
    "Équipe",
    "équipe",
    "Support Agent",
    "account admin",
    " Restricted user ",
    "",
    "   ",
    "bad\u{7}name",
    "tab\tinside",
    "line\nbreak",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé",
    "\u{a0}Tier 2\u{a0}",
    "Tier 2",
    // 0.2: "Names that look alike are the same name".
    "Night  shift",
    "Night\u{3000}\u{a0}shift",
    "Account\u{a0}Admin",
    "\u{410}ccount Admin",
    "Supp\u{43e}rt Agent",
    "Hangul\u{3164}filler",
    "zero\u{200B}width",
    "T\u{456}er 2",
];

/// Descriptions: empty, trimmed, with line feeds, too long, with other control characters.
const DESCRIPTION_POOL: &[&str] = &[
    "",
    "Learns the ropes: notes, no replies",
    "  Learns the ropes: notes, no replies  ",
    "Nights and weekends.\nEscalates to the day team.",
    "\n\nleading and trailing line feeds\n",
    "tab\tinside",
    "carriage\r\nreturn",
    "bell\u{7}",
    "   ",
];

/// A description from the pool, or one at the length limit (500 characters, also in
/// two-byte characters and with spaces around), or one past it.
fn description_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => select(DESCRIPTION_POOL).prop_map(str::to_owned),
        1 => Just("x".repeat(500)),
        1 => Just("é".repeat(500)),
        1 => Just(format!("  {}\n", "x".repeat(500))),
        1 => Just("x".repeat(501)),
    ]
}

fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u8..64).prop_map(|n| format!("Role {n}")),
        2 => select(NAME_POOL).prop_map(str::to_owned),
    ]
}

fn role_pick() -> impl Strategy<Value = RolePick> {
    prop_oneof![
        3 => (0usize..9).prop_map(RolePick::Builtin),
        6 => (0usize..16).prop_map(RolePick::Custom),
        1 => (0usize..16).prop_map(RolePick::Ever),
        1 => (0usize..6).prop_map(RolePick::Never),
    ]
}

fn custom_pick() -> impl Strategy<Value = RolePick> {
    prop_oneof![
        8 => (0usize..16).prop_map(RolePick::Custom),
        1 => (0usize..9).prop_map(RolePick::Builtin),
        1 => (0usize..16).prop_map(RolePick::Ever),
        1 => (0usize..6).prop_map(RolePick::Never),
    ]
}

fn scope_strategy() -> impl Strategy<Value = ModelScope> {
    select(
        &[
            ModelScope::Restricted,
            ModelScope::Group,
            ModelScope::Global,
        ][..],
    )
}

fn plan_strategy() -> impl Strategy<Value = Plan> {
    select(
        &[
            Plan::Free,
            Plan::Growth,
            Plan::Pro,
            Plan::Pro,
            Plan::Enterprise,
        ][..],
    )
}

/// One permission, more often a built-in scoped one (those are where scopes and facts
/// matter), often an extension (see `ModelVocabulary::pick`).
fn permission_index() -> impl Strategy<Value = usize> {
    prop_oneof![
        3 => 0usize..10,
        1 => 0usize..20,
        2 => 20usize..64,
    ]
}

/// 0 to 3 permissions, sometimes none, rarely with a bit the vocabulary lacks.
fn asked_strategy() -> impl Strategy<Value = Vec<usize>> {
    let index = prop_oneof![30 => permission_index(), 1 => Just(UNKNOWN)];
    prop_oneof![
        1 => Just(Vec::new()),
        5 => vec(index.clone(), 1..=1),
        3 => vec(index.clone(), 2..=2),
        1 => vec(index, 3..=3),
    ]
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (role_pick(), name_strategy()).prop_map(|(source, name)| Op::Clone { source, name }),
        4 => (custom_pick(), vec(permission_index(), 0..=3), scope_strategy())
            .prop_map(|(role, permissions, scope)| Op::Grant { role, permissions, scope }),
        2 => (custom_pick(), vec(permission_index(), 0..=3))
            .prop_map(|(role, permissions)| Op::Revoke { role, permissions }),
        2 => (
            custom_pick(),
            prop_oneof![3 => Just(true), 1 => Just(false)],
            vec((permission_index(), proptest::option::weighted(0.6, scope_strategy())), 0..=3),
        )
            .prop_map(|(role, keep, edits)| Op::SetGrants { role, keep, edits }),
        1 => (custom_pick(), name_strategy()).prop_map(|(role, name)| Op::Rename { role, name }),
        1 => (custom_pick(), description_strategy())
            .prop_map(|(role, text)| Op::Describe { role, text }),
        1 => custom_pick().prop_map(|role| Op::Delete { role }),
        1 => plan_strategy().prop_map(Op::SetPlan),
    ]
}

fn ops_strategy() -> impl Strategy<Value = Vec<Op>> {
    vec(op_strategy(), 0..12)
}

fn subject_strategy() -> impl Strategy<Value = SubjectSpec> {
    let groups = prop_oneof![
        3 => vec(0u64..6, 0..3),
        1 => vec(0u64..6, 0..=20),
    ];
    // Any order, duplicates, overlapping the full groups, empty.
    let view_only = prop_oneof![
        2 => Just(Vec::new()),
        2 => vec(0u64..6, 1..4),
        1 => vec(0u64..6, 0..=12),
    ];
    (0u64..5, role_pick(), groups, view_only).prop_map(|(user, role, groups, view_only)| {
        SubjectSpec {
            user,
            role,
            groups,
            view_only,
        }
    })
}

fn resource_strategy() -> impl Strategy<Value = ResourceSpec> {
    prop_oneof![
        6 => (
            proptest::option::of(0u64..6),
            proptest::option::of(0u64..5),
            vec(0u64..5, 0..4)
        )
            .prop_map(|(group, assignee, participants)| ResourceSpec::Conversation {
                group,
                assignee,
                participants,
            }),
        2 => (0u64..6).prop_map(ResourceSpec::Team),
        1 => Just(ResourceSpec::Account),
        1 => (0u64..5).prop_map(ResourceSpec::AboutUser),
    ]
}

/// One extension as drawn: its kind, requirement picks (resolved against what is declared
/// before it) and default grants to the seven non-admin built-in roles.
type RawExtension = (Kind, Vec<usize>, Vec<(usize, ModelScope)>);

/// `count` extensions drawn from `rng`: a conversation kind as often as the two others, a
/// requirement or two on two in five, default grants on one in two.
fn raw_extensions(count: usize, rng: &mut Rng) -> Vec<RawExtension> {
    const KINDS: [Kind; 4] = [
        Kind::Conversation,
        Kind::Conversation,
        Kind::Team,
        Kind::Account,
    ];
    const SCOPES: [ModelScope; 3] = [
        ModelScope::Restricted,
        ModelScope::Group,
        ModelScope::Global,
    ];
    (0..count)
        .map(|_| {
            let kind = *rng.pick(&KINDS);
            let picks = if rng.chance(2, 5) {
                (0..=rng.below(2)).map(|_| rng.below(1 << 16)).collect()
            } else {
                Vec::new()
            };
            let defaults = if rng.chance(1, 2) {
                (0..=rng.below(3))
                    .map(|_| (2 + rng.below(7), *rng.pick(&SCOPES)))
                    .collect()
            } else {
                Vec::new()
            };
            (kind, picks, defaults)
        })
        .collect()
}

/// The extensions as a host would declare them: names from a rotation of
/// `EXTENSION_NAMES`, requirements on permissions declared before, default grants to
/// non-admin roles at scopes their kind takes. With `repair`, also consistent: a default
/// grant is kept only where the role holds what the extension requires at that scope or
/// wider, and nothing requires manage_custom_roles (the Administrator holds every extension
/// but lacks it).
fn declare(raws: Vec<RawExtension>, rotation: usize, repair: bool) -> Vec<ExtSpec> {
    let mut held: Vec<Grants> = builtin_roles().into_iter().map(|r| r.grants).collect();
    let mut names: Vec<&'static str> = BUILTIN_PERMISSIONS.iter().map(|&(n, _, _)| n).collect();
    let mut extensions = Vec::with_capacity(raws.len());
    for (i, (kind, picks, defaults)) in raws.into_iter().enumerate() {
        let name = EXTENSION_NAMES[(rotation + i) % MAX_EXTENSIONS];
        let mut requires: Vec<u32> = picks
            .iter()
            .map(|p| u32::try_from(p % (20 + i)).unwrap())
            .collect();
        requires.sort_unstable();
        requires.dedup();
        if repair {
            requires.retain(|&bit| names[bit as usize] != MANAGE_CUSTOM_ROLES);
        }
        let mut kept: Vec<(usize, ModelScope)> = Vec::new();
        for (role, scope) in defaults {
            let scope = if kind == Kind::Account {
                ModelScope::Global
            } else {
                scope
            };
            if kept.iter().any(|&(r, _)| r == role) {
                continue;
            }
            let met = requires.iter().all(|&bit| {
                held[role]
                    .get(names[bit as usize])
                    .is_some_and(|&h| h >= scope)
            });
            if met || !repair {
                kept.push((role, scope));
                held[role].insert(name, scope);
            }
        }
        names.push(name);
        extensions.push(ExtSpec {
            name,
            kind,
            requires,
            defaults: kept,
        });
    }
    extensions
}

/// How many extensions: none, a few, or up to all 44 (most often few: a large vocabulary
/// costs more to build than the rest of a case).
fn extension_count() -> impl Strategy<Value = usize> {
    prop_oneof![
        4 => Just(0usize),
        3 => 1usize..=6,
        1 => 7usize..=MAX_EXTENSIONS,
    ]
}

/// 0 to 44 consistent extensions. Their details come from a seed (proptest's own value trees
/// for 44 nested extensions would cost more than the rest of a case in a debug build); the
/// count still shrinks, and a failure prints the extensions themselves.
fn vocabulary_strategy() -> impl Strategy<Value = Vec<ExtSpec>> {
    (extension_count(), any::<u64>()).prop_map(|(count, seed)| {
        let mut rng = Rng(seed);
        let rotation = rng.below(MAX_EXTENSIONS);
        declare(raw_extensions(count, &mut rng), rotation, true)
    })
}

/// `cases` per property, unless `PROPTEST_CASES` says otherwise (proptest's own convention;
/// a mutation-testing run sets it lower to try hundreds of mutants in reasonable time).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        // ChaCha in a debug build costs more than everything else in a case together.
        rng_algorithm: RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Driving the engine and the model in lockstep
// ---------------------------------------------------------------------------------------------

/// The Account Admin, who may do every governed operation.
fn owner() -> Subject<'static> {
    Subject {
        user: UserId(1000),
        role: BuiltInRole::AccountAdmin.id(),
        groups: &[],
        view_only: &[],
    }
}

fn resolve(pick: &RolePick, policy: &Policy, model: &Model) -> RoleId {
    match *pick {
        RolePick::Builtin(i) => BUILTINS[i % BUILTINS.len()].id(),
        RolePick::Custom(i) => {
            if model.custom.is_empty() {
                BUILTINS[i % BUILTINS.len()].id()
            } else {
                *model.custom.keys().nth(i % model.custom.len()).unwrap()
            }
        }
        RolePick::Ever(i) => {
            if model.ever.is_empty() {
                resolve(&RolePick::Never(i), policy, model)
            } else {
                model.ever[i % model.ever.len()]
            }
        }
        RolePick::Never(i) => {
            // Below, between and above the design's ranges: never issued by this policy.
            let candidates = [
                RoleId(0),
                RoleId(10),
                RoleId(99),
                policy.next_role_id(),
                RoleId(policy.next_role_id().0.saturating_add(7)),
                RoleId(u32::MAX),
            ];
            let id = candidates[i % candidates.len()];
            if model.role(id).is_some() || model.ever.contains(&id) {
                RoleId(u32::MAX)
            } else {
                id
            }
        }
    }
}

/// The grants a `SetGrants` op asks for, over the role's current ones.
fn edited_grants(
    model: &Model,
    role: RoleId,
    keep: bool,
    edits: &[(usize, Option<ModelScope>)],
) -> Grants {
    let mut grants = match model.custom.get(&role) {
        Some(current) if keep => current.grants.clone(),
        _ => Grants::new(),
    };
    for &(index, scope) in edits {
        let name = model.vocabulary.pick(index).name;
        match scope {
            Some(scope) => grants.insert(name, scope),
            None => grants.remove(name),
        };
    }
    grants
}

/// Applies one operation to the engine and the model, checks they agree on whether it is
/// allowed and on the revision, and that a refused one changed nothing (`==`, and with `bytes`
/// the saved bytes too). Returns whether it succeeded.
fn apply(
    policy: &mut Policy,
    model: &mut Model,
    actor: &Subject<'_>,
    op: &Op,
    bytes: bool,
) -> Result<bool, TestCaseError> {
    // A copy to compare with, taken only when the model expects a refusal (if the engine
    // refuses what the model allows, the agreement check below fails first).
    let mut snapshot = None;
    let mut keep = |policy: &Policy, ok: bool| {
        if !ok {
            snapshot = Some(policy.clone());
        }
    };
    let vocabulary = Rc::clone(&model.vocabulary);
    let (engine, expected): (Result<(), PolicyError>, Result<(), Refusal>) = match op {
        Op::Clone { source, name } => {
            let source = resolve(source, policy, model);
            let expected = model.clone_role(actor.role, source, name);
            keep(policy, expected.is_ok());
            match policy.clone_role(actor, source, name) {
                Ok(id) => {
                    prop_assert!(
                        !model.ever.contains(&id) && model.role(id).is_none(),
                        "clone got id {id:?}, not a fresh one"
                    );
                    prop_assert!(!id.is_builtin_range(), "clone got a built-in id {id:?}");
                    if let Ok(role) = &expected {
                        model.add_clone(id, role.clone());
                    }
                    (Ok(()), expected.map(|_| ()))
                }
                Err(e) => (Err(e), expected.map(|_| ())),
            }
        }
        Op::Grant {
            role,
            permissions,
            scope,
        } => {
            let role = resolve(role, policy, model);
            let asked = vocabulary.asked(permissions);
            let expected = model.grant(actor.role, role, &asked.names, *scope);
            keep(policy, expected.is_ok());
            (
                policy.grant(actor, role, asked.bits, scope.engine()),
                expected,
            )
        }
        Op::Revoke { role, permissions } => {
            let role = resolve(role, policy, model);
            let asked = vocabulary.asked(permissions);
            let expected = model.revoke(actor.role, role, &asked.names);
            keep(policy, expected.is_ok());
            (policy.revoke(actor, role, asked.bits), expected)
        }
        Op::SetGrants {
            role,
            keep: k,
            edits,
        } => {
            let role = resolve(role, policy, model);
            let grants = edited_grants(model, role, *k, edits);
            let expected = model.set_grants(actor.role, role, &grants);
            keep(policy, expected.is_ok());
            let list: Vec<(Permissions, Scope)> = grants
                .iter()
                .map(|(p, s)| (vocabulary.perm(p).bit, s.engine()))
                .collect();
            (policy.set_grants(actor, role, list), expected)
        }
        Op::Rename { role, name } => {
            let role = resolve(role, policy, model);
            let expected = model.rename(actor.role, role, name);
            keep(policy, expected.is_ok());
            (policy.rename_role(actor, role, name), expected)
        }
        Op::Describe { role, text } => {
            let role = resolve(role, policy, model);
            let expected = model.describe(actor.role, role, text);
            keep(policy, expected.is_ok());
            (policy.set_role_description(actor, role, text), expected)
        }
        Op::Delete { role } => {
            let role = resolve(role, policy, model);
            let expected = model.delete(actor.role, role);
            keep(policy, expected.is_ok());
            (policy.delete_role(actor, role), expected)
        }
        Op::SetPlan(plan) => {
            let expected = model.set_plan(*plan);
            keep(policy, expected.is_ok());
            (policy.set_plan(*plan), expected)
        }
    };
    prop_assert_eq!(
        engine.is_ok(),
        expected.is_ok(),
        "{:?} by role {:?} on {:?} at revision {}: engine {:?}, model {:?}",
        op,
        actor.role,
        model.plan,
        model.revision,
        engine,
        expected
    );
    prop_assert_eq!(policy.revision(), model.revision, "revision after {:?}", op);
    if let Err(error) = &engine {
        let before = snapshot.expect("a refusal the model expected");
        prop_assert_eq!(&*policy, &before, "refused {:?} changed the policy", op);
        if bytes {
            prop_assert_eq!(
                serde_json::to_string(&*policy).unwrap(),
                serde_json::to_string(&before).unwrap(),
                "refused {:?} changed the bytes",
                op
            );
        }
        let message = error.to_string();
        prop_assert!(!message.is_empty() && message.len() < 400, "{}", message);
        // "Administrators and custom-role holders get a clear refusal."
        let governed = !matches!(op, Op::SetPlan(_));
        if governed
            && model.role(actor.role).is_some()
            && !model.holds(actor.role, MANAGE_CUSTOM_ROLES)
        {
            prop_assert!(
                matches!(error, PolicyError::NotAllowed { .. }),
                "{:?} by non-holder {:?}: {:?}",
                op,
                actor.role,
                error
            );
        }
        // "A change at revision u64::MAX is refused with an error": that error.
        if expected == Err(REVISION_EXHAUSTED) {
            prop_assert!(
                matches!(error, PolicyError::RevisionExhausted(u64::MAX)),
                "{:?} at u64::MAX: {:?}",
                op,
                error
            );
        }
    }
    Ok(engine.is_ok())
}

/// The engine holds exactly the model's roles, names, descriptions, grants (extensions
/// included), plan and revision.
fn assert_same_state(policy: &Policy, model: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(policy.plan(), model.plan);
    prop_assert_eq!(policy.revision(), model.revision);
    prop_assert_eq!(
        policy.roles().count(),
        model.vocabulary.builtin.len() + model.custom.len()
    );
    for (id, expected) in &model.custom {
        let Some(role) = policy.role(*id) else {
            return Err(TestCaseError::fail(format!("custom role {id:?} missing")));
        };
        prop_assert!(role.is_custom());
        prop_assert_eq!(role.id(), *id);
        prop_assert_eq!(role.name(), expected.name.as_str());
        prop_assert_eq!(role.description(), expected.description.as_str());
        for p in &model.vocabulary.permissions {
            prop_assert_eq!(
                role.scope_of(p.bit).map(ModelScope::from_engine),
                expected.grants.get(p.name).copied(),
                "role {:?} permission {}",
                id,
                p.name
            );
        }
    }
    for id in &model.ever {
        prop_assert!(
            *id < policy.next_role_id(),
            "{:?} not below next_role_id",
            id
        );
        if !model.custom.contains_key(id) {
            prop_assert!(
                policy.role(*id).is_none(),
                "deleted role {id:?} still there"
            );
        }
    }
    Ok(())
}

/// The engine's vocabulary and the model's for `extensions`, which the generator drew
/// consistent: both must accept them, and give each extension the design's bit.
fn vocabularies(
    extensions: &[ExtSpec],
) -> Result<(Vocabulary, Rc<ModelVocabulary>), TestCaseError> {
    let engine = engine_vocabulary(extensions);
    let model = if extensions.is_empty() {
        Ok(ModelVocabulary::builtin())
    } else {
        ModelVocabulary::new(extensions).map(Rc::new)
    };
    match (engine, model) {
        (Ok(engine), Ok(model)) => {
            prop_assert_eq!(engine.all(), model.all());
            for p in &model.permissions {
                prop_assert_eq!(engine.permission(p.name), Some(p.bit), "{}", p.name);
            }
            Ok((engine, model))
        }
        (engine, model) => Err(TestCaseError::fail(format!(
            "a consistent vocabulary {extensions:?}: engine {:?}, model {:?}",
            engine.err(),
            model.err()
        ))),
    }
}

/// A policy over `extensions` built by the Account Admin from `ops`, starting on Pro, and the
/// model of it.
fn build(extensions: &[ExtSpec], ops: &[Op]) -> Result<(Policy, Model), TestCaseError> {
    let (vocabulary, model_vocabulary) = vocabularies(extensions)?;
    let mut policy = Policy::with_vocabulary(Plan::Pro, vocabulary);
    let mut model = Model::new(Plan::Pro, model_vocabulary);
    let owner = owner();
    for op in ops {
        apply(&mut policy, &mut model, &owner, op, false)?;
    }
    assert_same_state(&policy, &model)?;
    Ok((policy, model))
}

fn decide<'p>(
    policy: &'p Policy,
    subject: &Subject<'_>,
    permissions: Permissions,
    resource: &ResourceSpec,
) -> Decision<'p> {
    resource.with(|r| {
        let decision = policy.check(subject, permissions, r);
        // A resolved subject decides the same, reason included, everywhere the model looks.
        let resolved = policy.resolve(*subject);
        assert_eq!(
            resolved.check(permissions, r),
            decision,
            "resolved {subject:?} {permissions:?}"
        );
        // The verdict-only entry points give the decision's verdict, everywhere the model
        // looks (`agree_for` also holds them to the model's own verdict).
        assert_eq!(
            policy.allows(subject, permissions, r),
            decision.is_allowed(),
            "allows {subject:?} {permissions:?}: {decision}"
        );
        assert_eq!(
            resolved.allows(permissions, r),
            decision.is_allowed(),
            "resolved allows {subject:?} {permissions:?}: {decision}"
        );
        decision
    })
}

fn filter_matches(
    policy: &Policy,
    subject: &Subject<'_>,
    permissions: Permissions,
    resource: &ResourceSpec,
) -> bool {
    let filter = policy.filter(subject, permissions);
    resource.with(|r| filter.matches(r))
}

/// A decision with the role left out, to compare decisions of different roles.
#[derive(Debug, PartialEq, Eq)]
enum Shape {
    Granted(Permissions, Scope, Fact),
    NothingAsked,
    UnknownPermission(u64),
    UnknownRole(RoleId),
    NotGranted(Permissions),
    OutOfScope(Permissions, Scope, Fact),
    Other(String),
}

fn shape(decision: &Decision<'_>) -> Shape {
    match *decision.reason() {
        Reason::Granted {
            permission,
            scope,
            fact,
            ..
        } => Shape::Granted(permission, scope, fact),
        Reason::NothingAsked => Shape::NothingAsked,
        Reason::UnknownPermission { bits } => Shape::UnknownPermission(bits),
        Reason::UnknownRole { role } => Shape::UnknownRole(role),
        Reason::NotGranted { permission, .. } => Shape::NotGranted(permission),
        Reason::OutOfScope {
            permission,
            scope,
            fact,
            ..
        } => Shape::OutOfScope(permission, scope, fact),
        ref other => Shape::Other(format!("{other:?}")),
    }
}

/// Whether `fact` is true of the resource for this user (the model's reading of each fact).
fn fact_holds(fact: Fact, who: &Who<'_>, facts: &Facts) -> bool {
    let assigned = facts.assignee == Some(who.user);
    let participant = facts.participants.contains(&who.user);
    let taken_up = assigned || participant;
    let is_group = |g: GroupId| facts.group == Some(g.0);
    match fact {
        Fact::Everywhere | Fact::AccountWide => true,
        Fact::Assignee => assigned,
        Fact::Participant => participant,
        Fact::InUsersGroups(g) => is_group(g) && who.member(g.0),
        Fact::InUsersViewOnlyGroups(g) => is_group(g) && who.view_only_member(g.0),
        Fact::ViewOnlyGroup(g) => is_group(g) && who.view_only_member(g.0) && !taken_up,
        Fact::OutsideUsersGroups(g) => is_group(g) && !who.member(g.0) && !taken_up,
        Fact::NoGroup => facts.group.is_none() && !taken_up,
        Fact::NotTakenUp => !taken_up,
        _ => false,
    }
}

fn is_view_only_fact(fact: Fact) -> bool {
    matches!(
        fact,
        Fact::InUsersViewOnlyGroups(_) | Fact::ViewOnlyGroup(_)
    )
}

/// The engine's decision agrees with the model's verdict, in outcome and, where the model
/// can tell, in the reason: its class, the role, the permission, the scope, the fact. With
/// `sentence`, its `Display` too (costly in a debug build, so not for every decision).
fn compare(
    decision: &Decision<'_>,
    verdict: &Verdict,
    subject: &Subject<'_>,
    who: &Who<'_>,
    facts: &Facts,
    vocabulary: &ModelVocabulary,
    sentence: bool,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        decision.is_allowed(),
        verdict.allowed(),
        "engine: {} ({:?}); model: {:?}",
        decision,
        decision.reason(),
        verdict
    );
    prop_assert_eq!(decision.is_denied(), !verdict.allowed());
    let fact = match *decision.reason() {
        Reason::Granted { fact, .. } | Reason::OutOfScope { fact, .. } => Some(fact),
        _ => None,
    };
    if sentence {
        let text = decision.to_string();
        prop_assert!(
            text.starts_with(if verdict.allowed() {
                "allowed: "
            } else {
                "denied: "
            }),
            "{}",
            text
        );
        // "Decisions say so": a view-only group that decided is named as one.
        if fact.is_some_and(is_view_only_fact) {
            prop_assert!(text.contains("view-only"), "{}", text);
        }
    }
    let named = |p: Permissions| vocabulary.name_of(p).unwrap_or("<not one permission>");
    match (verdict, *decision.reason()) {
        (
            Verdict::Allow(grants),
            Reason::Granted {
                role,
                permission,
                scope,
                fact,
            },
        ) => {
            prop_assert_eq!(role.id(), subject.role);
            let name = named(permission);
            let model_scope = grants.iter().find(|(p, _)| *p == name).map(|&(_, s)| s);
            prop_assert_eq!(
                model_scope,
                Some(ModelScope::from_engine(scope)),
                "granted names {} at {:?}; model {:?}",
                name,
                scope,
                grants
            );
            // "names the narrowest grant, the one `fact` decided".
            let narrowest = grants.iter().map(|&(_, s)| s).min().unwrap();
            prop_assert_eq!(ModelScope::from_engine(scope), narrowest);
            let all_account = grants
                .iter()
                .all(|(p, _)| vocabulary.kind(p) == Kind::Account);
            prop_assert_eq!(fact == Fact::AccountWide, all_account, "{:?}", fact);
            if fact == Fact::Everywhere {
                prop_assert_eq!(scope, Scope::Global);
            }
            // A view-only group reaches the read-and-note permissions at Group only.
            if let Fact::InUsersViewOnlyGroups(_) = fact {
                prop_assert!(
                    scope == Scope::Group && VIEW_ONLY_REACH.contains(&name),
                    "{} at {:?} by {:?}",
                    name,
                    scope,
                    fact
                );
            }
            prop_assert!(
                !matches!(
                    fact,
                    Fact::ViewOnlyGroup(_)
                        | Fact::OutsideUsersGroups(_)
                        | Fact::NoGroup
                        | Fact::NotTakenUp
                ),
                "allowed by a fact that denies: {:?}",
                fact
            );
            prop_assert!(fact_holds(fact, who, facts), "{:?} {:?}", fact, facts);
        }
        (Verdict::Deny(why), reason) => {
            let ok = match reason {
                Reason::NothingAsked => why.contains(&Expected::NothingAsked),
                Reason::UnknownPermission { bits } => {
                    bits != 0 && why.contains(&Expected::UnknownPermission)
                }
                Reason::UnknownRole { role } => {
                    role == subject.role && why.contains(&Expected::UnknownRole)
                }
                Reason::NotGranted { role, permission } => {
                    role.id() == subject.role
                        && why.contains(&Expected::NotGranted(named(permission)))
                }
                Reason::OutOfScope {
                    role,
                    permission,
                    scope,
                    fact,
                } => {
                    let name = named(permission);
                    // "a denial of `reply` there says that view-only groups reach only
                    // viewing and notes": at Group, in a view-only group, not taken up.
                    let view_only_denial = scope == Scope::Group
                        && !VIEW_ONLY_REACH.contains(&name)
                        && facts.group.is_some_and(|g| who.view_only_member(g))
                        && !who.taken_up(facts);
                    role.id() == subject.role
                        && why.contains(&Expected::OutOfScope(name, ModelScope::from_engine(scope)))
                        && !matches!(
                            fact,
                            Fact::Everywhere
                                | Fact::AccountWide
                                | Fact::Assignee
                                | Fact::Participant
                                | Fact::InUsersViewOnlyGroups(_)
                        )
                        && matches!(fact, Fact::ViewOnlyGroup(_)) == view_only_denial
                        && fact_holds(fact, who, facts)
                }
                _ => false,
            };
            prop_assert!(
                ok,
                "engine: {} ({:?}); model: {:?}",
                decision,
                decision.reason(),
                why
            );
        }
        (Verdict::Allow(_), reason) => {
            return Err(TestCaseError::fail(format!("allowed with {reason:?}")));
        }
    }
    Ok(())
}

/// A subject's parts, owned, with its role resolved.
struct Resolved {
    user: UserId,
    role: RoleId,
    groups: Vec<GroupId>,
    view_only: Vec<GroupId>,
    raw_groups: Vec<u64>,
    raw_view_only: Vec<u64>,
}

impl Resolved {
    fn new(spec: &SubjectSpec, policy: &Policy, model: &Model) -> Resolved {
        Resolved {
            user: UserId(spec.user),
            role: resolve(&spec.role, policy, model),
            groups: spec.groups.iter().copied().map(GroupId).collect(),
            view_only: spec.view_only.iter().copied().map(GroupId).collect(),
            raw_groups: spec.groups.clone(),
            raw_view_only: spec.view_only.clone(),
        }
    }

    /// The same subject with `extra` view-only groups after its own.
    fn with_more_view_only(&self, extra: &[u64]) -> Resolved {
        let mut raw_view_only = self.raw_view_only.clone();
        raw_view_only.extend_from_slice(extra);
        Resolved {
            view_only: raw_view_only.iter().copied().map(GroupId).collect(),
            raw_view_only,
            groups: self.groups.clone(),
            raw_groups: self.raw_groups.clone(),
            ..*self
        }
    }

    fn subject(&self) -> Subject<'_> {
        self.subject_as(self.role)
    }

    fn subject_as(&self, role: RoleId) -> Subject<'_> {
        Subject::new(self.user, role, &self.groups).with_view_only(&self.view_only)
    }

    fn who(&self) -> Who<'_> {
        Who {
            user: self.user.0,
            groups: &self.raw_groups,
            view_only: &self.raw_view_only,
        }
    }
}

/// Every decision of `subjects` × `asked` × `resources` agrees with the model.
fn agree_everywhere(
    policy: &Policy,
    model: &Model,
    subjects: &[SubjectSpec],
    asked: &[Vec<usize>],
    resources: &[ResourceSpec],
) -> Result<(), TestCaseError> {
    let resolved: Vec<Resolved> = subjects
        .iter()
        .map(|spec| Resolved::new(spec, policy, model))
        .collect();
    agree_for(policy, model, &resolved, asked, resources)
}

/// Every decision of `subjects` × `asked` × `resources` agrees with the model.
fn agree_for(
    policy: &Policy,
    model: &Model,
    subjects: &[Resolved],
    asked: &[Vec<usize>],
    resources: &[ResourceSpec],
) -> Result<(), TestCaseError> {
    let facts: Vec<Facts> = resources.iter().map(ResourceSpec::facts).collect();
    for s in subjects {
        let subject = s.subject();
        let who = s.who();
        for indices in asked {
            let asked = model.vocabulary.asked(indices);
            for (i, (resource, facts)) in resources.iter().zip(&facts).enumerate() {
                let verdict = model_check(model, s.role, &who, &asked, facts);
                let decision = decide(policy, &subject, asked.bits, resource);
                let allows = resource.with(|r| policy.allows(&subject, asked.bits, r));
                prop_assert_eq!(
                    allows,
                    verdict.allowed(),
                    "allows: subject {:?} (role {:?}), asked {:?}, resource {:?}",
                    who,
                    s.role,
                    asked,
                    resource
                );
                let sentence = i == 0;
                compare(&decision, &verdict, &subject, &who, facts, &model.vocabulary, sentence)
                    .map_err(|e| {
                        TestCaseError::fail(format!(
                            "{e}\n  subject {who:?} (role {:?}), asked {asked:?}, resource {resource:?}",
                            s.role
                        ))
                    })?;
            }
        }
    }
    Ok(())
}

/// Makes sure the policy is on Pro so that the Account Admin may change custom roles.
fn ensure_pro(policy: &mut Policy, model: &mut Model) -> Result<(), TestCaseError> {
    let expected = model.set_plan(Plan::Pro);
    prop_assert_eq!(policy.set_plan(Plan::Pro).is_ok(), expected.is_ok());
    Ok(())
}

/// A name no generated name collides with.
fn fresh_name(tag: &str, model: &Model) -> String {
    format!("zz {tag} {}", model.ever.len())
}

/// Clones `source` as the owner in both engine and model, under a fresh name; returns the new
/// id.
fn clone_both(
    policy: &mut Policy,
    model: &mut Model,
    source: RoleId,
    tag: &str,
) -> Result<RoleId, TestCaseError> {
    let name = &fresh_name(tag, model);
    let expected = model.clone_role(owner().role, source, name);
    let id = policy.clone_role(&owner(), source, name);
    prop_assert_eq!(id.is_ok(), expected.is_ok(), "{:?} / {:?}", id, expected);
    let (Ok(id), Ok(role)) = (id, expected) else {
        return Err(TestCaseError::reject("clone refused"));
    };
    model.add_clone(id, role);
    Ok(id)
}

/// Grants `names` at `scope` as the owner in both engine and model.
fn grant_both(
    policy: &mut Policy,
    model: &mut Model,
    role: RoleId,
    names: &BTreeSet<&'static str>,
    scope: ModelScope,
) -> Result<(), TestCaseError> {
    let bits = model.vocabulary.bits(names);
    let expected = model.grant(owner().role, role, names, scope);
    let engine = policy.grant(&owner(), role, bits, scope.engine());
    prop_assert_eq!(
        engine.is_ok(),
        expected.is_ok(),
        "{:?} / {:?}",
        engine,
        expected
    );
    prop_assert!(expected.is_ok(), "grant of {:?} refused", names);
    Ok(())
}

/// Every decision as a list, for before/after comparisons.
fn decisions(
    policy: &Policy,
    model: &Model,
    subject: &Subject<'_>,
    asked: &[Vec<usize>],
    resources: &[ResourceSpec],
) -> Vec<(bool, Shape)> {
    let mut out = Vec::with_capacity(asked.len() * resources.len());
    for indices in asked {
        let bits = model.vocabulary.asked(indices).bits;
        for resource in resources {
            let d = decide(policy, subject, bits, resource);
            out.push((d.is_allowed(), shape(&d)));
        }
    }
    out
}

/// The same policy and model, the revision set to `revision` through the stored form.
fn at_revision(
    policy: &Policy,
    model: &Model,
    revision: u64,
) -> Result<(Policy, Model), TestCaseError> {
    let mut doc: serde_json::Value = serde_json::to_value(policy).unwrap();
    doc["revision"] = serde_json::Value::from(revision);
    let loaded = Policy::from_json(&doc.to_string(), policy.vocabulary())
        .map_err(|e| TestCaseError::fail(format!("{e}: {doc}")))?;
    prop_assert_eq!(loaded.revision(), revision);
    let mut model = model.clone();
    model.revision = revision;
    Ok((loaded, model))
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    // 25,000 cases.
    #![proptest_config(config(25_000))]

    /// The engine agrees with the model on every decision, and on its reason where the model
    /// can tell: random vocabularies, policies, subjects with view-only groups, permission
    /// sets and resources.
    #[test]
    fn engine_agrees_with_model(
        extensions in vocabulary_strategy(),
        ops in ops_strategy(),
        subjects in vec(subject_strategy(), 1..4),
        asked in vec(asked_strategy(), 1..5),
        resources in vec(resource_strategy(), 1..10),
    ) {
        let (policy, model) = build(&extensions, &ops)?;
        agree_everywhere(&policy, &model, &subjects, &asked, &resources)?;
    }
}

proptest! {
    // 3 × 8,000 cases.
    #![proptest_config(config(8_000))]

    /// `allowed(s, r)` holds exactly the permissions that `check` allows one by one, for every
    /// bit of the vocabulary (the twenty and the extensions), on conversations, teams, the
    /// account and resources about one agent; and it is the model's set.
    #[test]
    fn allowed_is_every_single_check(
        extensions in vocabulary_strategy(),
        ops in ops_strategy(),
        subjects in vec(subject_strategy(), 1..4),
        resources in vec(resource_strategy(), 1..8),
    ) {
        let (policy, model) = build(&extensions, &ops)?;
        let all = model.vocabulary.all();
        for spec in &subjects {
            let s = Resolved::new(spec, &policy, &model);
            let subject = s.subject();
            for resource in &resources {
                let facts = resource.facts();
                let allowed = resource.with(|r| policy.allowed(&subject, r));
                prop_assert_eq!(
                    resource.with(|r| policy.resolve(subject).allowed(r)),
                    allowed,
                    "resolved {:?}", spec
                );
                prop_assert!(all.contains(allowed), "{:?} outside the vocabulary", allowed);
                let mut expected = Permissions::empty();
                for p in &model.vocabulary.permissions {
                    let one = Asked { bits: p.bit, names: BTreeSet::from([p.name]), unknown: false };
                    if model_check(&model, s.role, &s.who(), &one, &facts).allowed() {
                        expected |= p.bit;
                    }
                    prop_assert_eq!(
                        allowed.contains(p.bit),
                        decide(&policy, &subject, p.bit, resource).is_allowed(),
                        "{} on {:?} for {:?}: allowed {:?}", p.name, resource, spec, allowed
                    );
                }
                prop_assert_eq!(allowed, expected, "on {:?} for {:?}", resource, spec);
            }
        }
    }

    /// `who_may(p, r).matches(&s) == check(&s, p, r).is_allowed()` for random subjects (deleted
    /// and never-issued roles, view-only groups) and random permission sets (empty, several,
    /// extensions, unknown bits); and both are the model's answer.
    #[test]
    fn who_may_matches_check(
        extensions in vocabulary_strategy(),
        ops in ops_strategy(),
        subjects in vec(subject_strategy(), 1..8),
        asked in vec(asked_strategy(), 1..4),
        resources in vec(resource_strategy(), 1..6),
    ) {
        let (policy, model) = build(&extensions, &ops)?;
        let resolved: Vec<Resolved> =
            subjects.iter().map(|spec| Resolved::new(spec, &policy, &model)).collect();
        for indices in &asked {
            let asked = model.vocabulary.asked(indices);
            for resource in &resources {
                let facts = resource.facts();
                let agents = resource.with(|r| policy.who_may(asked.bits, r));
                for s in &resolved {
                    let subject = s.subject();
                    let checked = decide(&policy, &subject, asked.bits, resource).is_allowed();
                    prop_assert_eq!(
                        agents.matches(&subject), checked,
                        "who_may {:?} for {:?} on {:?}: {:?}", asked, subject, resource, agents
                    );
                    prop_assert_eq!(
                        checked,
                        model_check(&model, s.role, &s.who(), &asked, &facts).allowed()
                    );
                }
            }
        }
    }

    /// View-only groups only ever add viewing and notes. Adding some never takes an allowed
    /// action away; what they add is within VIEW_ONLY_REACH and granted at Group (never a
    /// Restricted grant widened, never a team permission); a permission set they open needs
    /// the group only for permissions within VIEW_ONLY_REACH; and the model agrees on every
    /// decision of the subject with them.
    #[test]
    fn view_only_groups_add_only_viewing_and_notes(
        extensions in vocabulary_strategy(),
        ops in ops_strategy(),
        subjects in vec(subject_strategy(), 1..4),
        extra in vec(0u64..6, 1..4),
        asked in vec(asked_strategy(), 1..4),
        resources in vec(resource_strategy(), 1..8),
    ) {
        let (policy, model) = build(&extensions, &ops)?;
        let reach = model.vocabulary.bits(&VIEW_ONLY_REACH);
        for spec in &subjects {
            let before = Resolved::new(spec, &policy, &model);
            let after = before.with_more_view_only(&extra);
            let grants = model.role(before.role).map(|r| r.grants.clone()).unwrap_or_default();
            for resource in &resources {
                let facts = resource.facts();
                let was = resource.with(|r| policy.allowed(&before.subject(), r));
                let now = resource.with(|r| policy.allowed(&after.subject(), r));
                prop_assert!(
                    now.contains(was),
                    "view-only {:?} took {:?} away on {:?} for {:?}", extra, was.difference(now), resource, spec
                );
                let gained = now.difference(was);
                prop_assert!(
                    reach.contains(gained),
                    "view-only {:?} reached {:?} on {:?} for {:?}", extra, gained, resource, spec
                );
                for p in &model.vocabulary.permissions {
                    if gained.contains(p.bit) {
                        prop_assert_eq!(grants.get(p.name), Some(&ModelScope::Group), "{}", p.name);
                        prop_assert_eq!(p.kind, Kind::Conversation);
                    }
                }
                for indices in &asked {
                    let asked = model.vocabulary.asked(indices);
                    let was = decide(&policy, &before.subject(), asked.bits, resource).is_allowed();
                    let now = decide(&policy, &after.subject(), asked.bits, resource).is_allowed();
                    prop_assert!(!was || now, "view-only {:?} denied {:?} on {:?}", extra, asked, resource);
                    if now && !was {
                        let needing_group = asked.names.iter().filter(|p| {
                            grants.get(*p) == Some(&ModelScope::Group)
                                && !reaches(ModelScope::Group, p, &before.who(), &facts)
                        });
                        for p in needing_group {
                            prop_assert!(VIEW_ONLY_REACH.contains(p), "view-only {:?} opened {} on {:?}", extra, p, resource);
                        }
                    }
                }
            }
            agree_for(&policy, &model, &[after], &asked, &resources)?;
        }
    }
}

proptest! {
    // 4 × 5,000 cases.
    #![proptest_config(config(5_000))]

    /// For the same role and permission, what Restricted reaches Group reaches, and what Group
    /// reaches Global reaches: three clones of one source, the permission (built-in or an
    /// extension) granted at each scope.
    #[test]
    fn scopes_nest(
        extensions in vocabulary_strategy(),
        ops in ops_strategy(),
        source in role_pick(),
        permission in permission_index(),
        extra in asked_strategy(),
        subjects in vec(subject_strategy(), 1..4),
        resources in vec(resource_strategy(), 1..12),
    ) {
        let (mut policy, mut model) = build(&extensions, &ops)?;
        ensure_pro(&mut policy, &mut model)?;
        let source = resolve(&source, &policy, &model);
        let source = if model.role(source).is_some() { source } else { BUILTINS[7].id() };
        let vocabulary = Rc::clone(&model.vocabulary);
        let scoped: Vec<&Perm> = vocabulary.permissions.iter().filter(|p| p.kind != Kind::Account).collect();
        let picked = vocabulary.pick(permission);
        let picked = if picked.kind == Kind::Account { scoped[permission % scoped.len()] } else { picked };
        let mut clones = Vec::new();
        for scope in [ModelScope::Restricted, ModelScope::Group, ModelScope::Global] {
            let id = clone_both(&mut policy, &mut model, source, &format!("{scope:?}"))?;
            grant_both(&mut policy, &mut model, id, &BTreeSet::from([picked.name]), scope)?;
            clones.push(id);
        }
        let extra_bits = vocabulary.asked(&extra).bits;
        for spec in &subjects {
            let s = Resolved::new(spec, &policy, &model);
            for resource in &resources {
                for asked in [picked.bit, picked.bit | extra_bits] {
                    let allowed: Vec<bool> = clones
                        .iter()
                        .map(|&id| decide(&policy, &s.subject_as(id), asked, resource).is_allowed())
                        .collect();
                    prop_assert!(
                        (!allowed[0] || allowed[1]) && (!allowed[1] || allowed[2]),
                        "R/Gr/G = {:?} for {:?} on {:?} by {:?}", allowed, asked, resource, spec
                    );
                }
            }
        }
        let index = vocabulary.permissions.iter().position(|p| p.name == picked.name).unwrap();
        agree_everywhere(&policy, &model, &subjects, &[vec![index], extra.clone()], &resources)?;
        let resolved: Vec<Resolved> = subjects
            .iter()
            .flat_map(|spec| clones.iter().map(|&id| Resolved { role: id, ..Resolved::new(spec, &policy, &model) }))
            .collect();
        agree_for(&policy, &model, &resolved, &[vec![index], extra], &resources)?;
    }

    /// Granting (a new permission, or a wider scope) never turns an allow into a deny.
    #[test]
    fn granting_never_denies_more(
        extensions in vocabulary_strategy(),
        ops in ops_strategy(),
        role in custom_pick(),
        permissions in vec(permission_index(), 1..=3),
        scope in scope_strategy(),
        subjects in vec(subject_strategy(), 1..4),
        asked in vec(asked_strategy(), 1..5),
        resources in vec(resource_strategy(), 1..10),
    ) {
        let (mut policy, mut model) = build(&extensions, &ops)?;
        ensure_pro(&mut policy, &mut model)?;
        let mut role = resolve(&role, &policy, &model);
        if !model.custom.contains_key(&role) {
            role = clone_both(&mut policy, &mut model, BUILTINS[3].id(), "g")?;
        }
        // Keep only what widens: not held, or held at this scope or narrower; account ones at
        // Global only; never manage_custom_roles.
        let current = model.custom[&role].grants.clone();
        let vocabulary = Rc::clone(&model.vocabulary);
        let widening: BTreeSet<&'static str> = vocabulary
            .asked(&permissions)
            .names
            .into_iter()
            .filter(|p| *p != MANAGE_CUSTOM_ROLES)
            .filter(|p| vocabulary.kind(p) != Kind::Account || scope == ModelScope::Global)
            .filter(|p| current.get(p).is_none_or(|held| *held <= scope))
            .collect();
        let holders: Vec<Resolved> = subjects
            .iter()
            .map(|spec| Resolved { role, ..Resolved::new(spec, &policy, &model) })
            .collect();
        let before: Vec<_> = holders
            .iter()
            .map(|s| decisions(&policy, &model, &s.subject(), &asked, &resources))
            .collect();
        grant_both(&mut policy, &mut model, role, &widening, scope)?;
        for (s, before) in holders.iter().zip(&before) {
            let after = decisions(&policy, &model, &s.subject(), &asked, &resources);
            for (b, a) in before.iter().zip(&after) {
                prop_assert!(!b.0 || a.0, "granting {:?} at {:?} turned {:?} into {:?}", widening, scope, b, a);
            }
        }
        agree_for(&policy, &model, &holders, &asked, &resources)?;
    }

    /// Revoking never turns a deny into an allow, on any plan ("Narrowing is never gated by
    /// the plan").
    #[test]
    fn revoking_never_allows_more(
        extensions in vocabulary_strategy(),
        ops in ops_strategy(),
        plan in plan_strategy(),
        role in custom_pick(),
        permissions in vec(permission_index(), 0..=3),
        subjects in vec(subject_strategy(), 1..4),
        asked in vec(asked_strategy(), 1..5),
        resources in vec(resource_strategy(), 1..10),
    ) {
        let (mut policy, mut model) = build(&extensions, &ops)?;
        ensure_pro(&mut policy, &mut model)?;
        let mut role = resolve(&role, &policy, &model);
        if !model.custom.contains_key(&role) {
            role = clone_both(&mut policy, &mut model, BUILTINS[0].id(), "r")?;
        }
        apply(&mut policy, &mut model, &owner(), &Op::SetPlan(plan), false)?;
        let asked_to_revoke = model.vocabulary.asked(&permissions);
        let holders: Vec<Resolved> = subjects
            .iter()
            .map(|spec| Resolved { role, ..Resolved::new(spec, &policy, &model) })
            .collect();
        let before: Vec<_> = holders
            .iter()
            .map(|s| decisions(&policy, &model, &s.subject(), &asked, &resources))
            .collect();
        prop_assert!(policy.revoke(&owner(), role, asked_to_revoke.bits).is_ok(), "revoke on {:?}", plan);
        model.revoke(owner().role, role, &asked_to_revoke.names).unwrap();
        for (s, before) in holders.iter().zip(&before) {
            let after = decisions(&policy, &model, &s.subject(), &asked, &resources);
            for (b, a) in before.iter().zip(&after) {
                prop_assert!(b.0 || !a.0, "revoking {:?} turned {:?} into {:?}", asked_to_revoke.names, b, a);
            }
        }
        assert_same_state(&policy, &model)?;
    }

    /// A fresh clone decides exactly like its source, but for manage_custom_roles (extension
    /// grants included: a clone of an admin holds every extension); and later changes to the
    /// source never reach it.
    #[test]
    fn clone_decides_like_source(
        extensions in vocabulary_strategy(),
        ops in ops_strategy(),
        source in role_pick(),
        later in vec(permission_index(), 1..=3),
        subjects in vec(subject_strategy(), 1..4),
        asked in vec(asked_strategy(), 1..5),
        resources in vec(resource_strategy(), 1..10),
    ) {
        let (mut policy, mut model) = build(&extensions, &ops)?;
        ensure_pro(&mut policy, &mut model)?;
        let source = resolve(&source, &policy, &model);
        let source = if model.role(source).is_some() { source } else { BUILTINS[7].id() };
        let clone = clone_both(&mut policy, &mut model, source, "c")?;
        prop_assert_eq!(policy.role(clone).and_then(|r| r.cloned_from()), Some(source));
        for spec in &subjects {
            let s = Resolved::new(spec, &policy, &model);
            for indices in &asked {
                let bits = model.vocabulary.asked(indices).bits;
                for resource in &resources {
                    let of_source = decide(&policy, &s.subject_as(source), bits, resource);
                    let of_clone = decide(&policy, &s.subject_as(clone), bits, resource);
                    if bits.contains(Permissions::MANAGE_CUSTOM_ROLES) {
                        prop_assert!(of_clone.is_denied(), "clone holds manage_custom_roles");
                    } else {
                        prop_assert_eq!(shape(&of_source), shape(&of_clone), "{:?}", resource);
                        if of_source.reason_role_id().is_some() {
                            prop_assert_eq!(of_clone.reason_role_id(), Some(clone));
                        }
                    }
                }
            }
        }
        // Deep copy: revoking from a custom source leaves the clone as it was.
        if model.custom.contains_key(&source) {
            let asked = model.vocabulary.asked(&later);
            policy.revoke(&owner(), source, asked.bits).unwrap();
            model.revoke(owner().role, source, &asked.names).unwrap();
            assert_same_state(&policy, &model)?;
        }
    }
}

proptest! {
    // 2 × 7,000 cases.
    #![proptest_config(config(7_000))]

    /// `filter(..).matches(c) == check(.., c).is_allowed()`, for conversations and for the
    /// other resources too, view-only groups included.
    #[test]
    fn filter_agrees_with_check(
        extensions in vocabulary_strategy(),
        ops in ops_strategy(),
        subjects in vec(subject_strategy(), 1..4),
        asked in vec(asked_strategy(), 1..5),
        resources in vec(resource_strategy(), 1..12),
    ) {
        let (policy, model) = build(&extensions, &ops)?;
        for spec in &subjects {
            let s = Resolved::new(spec, &policy, &model);
            let subject = s.subject();
            for indices in &asked {
                let bits = model.vocabulary.asked(indices).bits;
                for resource in &resources {
                    let checked = decide(&policy, &subject, bits, resource);
                    let matched = filter_matches(&policy, &subject, bits, resource);
                    prop_assert_eq!(
                        matched,
                        checked.is_allowed(),
                        "filter {:?} vs {} on {:?} (conversation: {})",
                        policy.filter(&subject, bits),
                        checked,
                        resource,
                        resource.is_conversation()
                    );
                }
            }
        }
    }

    /// Assigning roles: whenever `check_assignment` allows, the actor holds manage_users, is
    /// not the target, and both the new role's and the target's current grants (extensions
    /// included) are within the actor's; the model agrees in both directions and on the rule
    /// that fails. A deleted target role holds nothing; a never-issued one is unknown.
    /// View-only groups play no part.
    #[test]
    fn assignment_never_escalates(
        extensions in vocabulary_strategy(),
        ops in ops_strategy(),
        triples in vec((0u64..3, role_pick(), 0u64..3, role_pick(), role_pick()), 1..10),
        view_only in vec(0u64..4, 1..3),
    ) {
        let (policy, model) = build(&extensions, &ops)?;
        let view_only: Vec<GroupId> = view_only.into_iter().map(GroupId).collect();
        for (actor_user, actor_role, target_user, target_role, new_role) in &triples {
            let actor_role = resolve(actor_role, &policy, &model);
            let target_role = resolve(target_role, &policy, &model);
            let new_role = resolve(new_role, &policy, &model);
            let actor = Subject::new(UserId(*actor_user), actor_role, &[GroupId(1)]);
            let target = Subject::new(UserId(*target_user), target_role, &[]);
            let decision = policy.check_assignment(&actor, &target, new_role);
            // "view-only groups are facts, not grants".
            prop_assert_eq!(
                policy.check_assignment(&actor.with_view_only(&view_only), &target.with_view_only(&view_only), new_role),
                decision
            );
            let (expected, failing) =
                model_assignment(&model, (*actor_user, actor_role), (*target_user, target_role), new_role);
            let context = format!(
                "actor {actor_user}/{actor_role:?} target {target_user}/{target_role:?} new {new_role:?} on {:?}: {decision} ({:?}); model {expected:?} {failing:?}",
                model.plan,
                decision.reason()
            );
            prop_assert_eq!(decision.is_allowed(), expected, "{}", context);
            if let Reason::AssignmentAllowed { current_role, .. } = decision.reason() {
                let actor_grants = &model.role(actor_role).unwrap().grants;
                prop_assert!(actor_grants.contains_key(MANAGE_USERS), "{}", context);
                prop_assert!(actor_user != target_user, "{}", context);
                for role in [new_role, target_role] {
                    if let Some(role) = model.role(role) {
                        for (p, s) in &role.grants {
                            prop_assert!(actor_grants.get(p).is_some_and(|a| a >= s), "{} ({})", context, p);
                        }
                    }
                }
                // The current role is named, or `None` for a deleted one.
                prop_assert_eq!(
                    current_role.map(|r| r.id()),
                    model.role(target_role).map(|_| target_role),
                    "{}", context
                );
            } else {
                prop_assert!(decision.is_denied(), "{}", context);
            }
            if let [only] = failing[..] {
                let class_ok = match (only, decision.reason()) {
                    ("own role", Reason::OwnRole { user }) => *user == actor.user,
                    ("no manage_users", Reason::NotGranted { permission, .. }) => {
                        *permission == Permissions::MANAGE_USERS
                    }
                    ("actor role unknown", Reason::UnknownRole { role }) => *role == actor_role,
                    ("new role unknown", Reason::UnknownRole { role }) => *role == new_role,
                    ("target role unknown", Reason::UnknownRole { role }) => *role == target_role,
                    ("custom role below pro", Reason::CustomRolesUnavailable { role, plan }) => {
                        role.id() == new_role && *plan == model.plan
                    }
                    ("new role exceeds actor", Reason::NewRoleExceedsActor { new_role: r, .. }) => {
                        r.id() == new_role
                    }
                    ("target exceeds actor", Reason::TargetExceedsActor { target_role: r, .. }) => {
                        r.id() == target_role
                    }
                    _ => false,
                };
                prop_assert!(class_ok, "{}", context);
            }
        }
    }
}

proptest! {
    // 5,000 cases.
    #![proptest_config(config(5_000))]

    /// Saving and loading with the vocabulary keeps every decision, the policy, the revision
    /// and the bytes; ids stay unused. An older replica (the built-in vocabulary) refuses a
    /// document with extension grants, naming one, unless it sets them aside: then they grant
    /// nothing, and the bytes it writes back are the same.
    #[test]
    fn save_load_keeps_everything(
        extensions in vocabulary_strategy(),
        ops in ops_strategy(),
        subjects in vec(subject_strategy(), 1..4),
        asked in vec(asked_strategy(), 1..5),
        resources in vec(resource_strategy(), 1..10),
    ) {
        let (policy, model) = build(&extensions, &ops)?;
        let vocabulary = policy.vocabulary().clone();
        let json = serde_json::to_string(&policy).unwrap();
        let loaded = Policy::from_json(&json, &vocabulary)
            .map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
        prop_assert_eq!(serde_json::to_string(&loaded).unwrap(), json.clone());
        prop_assert_eq!(&loaded, &policy);
        let pretty = serde_json::to_string_pretty(&policy).unwrap();
        let from_pretty = Policy::from_json(&pretty, &vocabulary).unwrap();
        prop_assert_eq!(serde_json::to_string(&from_pretty).unwrap(), json.clone());
        assert_same_state(&loaded, &model)?;
        agree_everywhere(&loaded, &model, &subjects, &asked, &resources)?;
        for spec in &subjects {
            let s = Resolved::new(spec, &policy, &model);
            prop_assert_eq!(
                decisions(&policy, &model, &s.subject(), &asked, &resources),
                decisions(&loaded, &model, &s.subject(), &asked, &resources)
            );
        }

        // The built-in vocabulary: what names only the twenty loads (plain Deserialize too).
        let extension_grants: BTreeSet<&'static str> = model
            .custom
            .values()
            .flat_map(|role| role.grants.keys().copied())
            .filter(|p| model.vocabulary.extensions().iter().any(|e| e.name == *p))
            .collect();
        let plain: Result<Policy, _> = serde_json::from_str(&json);
        prop_assert_eq!(plain.is_ok(), extension_grants.is_empty(), "{:?}", plain.err());
        match Policy::from_json(&json, &Vocabulary::builtin()) {
            Ok(_) => prop_assert!(extension_grants.is_empty()),
            Err(e) => {
                let message = e.to_string();
                prop_assert!(
                    extension_grants.iter().any(|name| message.contains(name)),
                    "{} names none of {:?}", message, extension_grants
                );
            }
        }
        let older = Policy::from_json_keeping_unknown(&json, &Vocabulary::builtin())
            .map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
        prop_assert_eq!(serde_json::to_string(&older).unwrap(), json.clone());
        let builtin = ModelVocabulary::builtin();
        let twenty = |grants: &Grants| -> Grants {
            grants.iter().filter(|(p, _)| builtin.permissions.iter().any(|b| b.name == **p)).map(|(p, s)| (*p, *s)).collect()
        };
        let stripped = Model {
            vocabulary: Rc::clone(&builtin),
            custom: model
                .custom
                .iter()
                .map(|(id, role)| (*id, ModelRole { grants: twenty(&role.grants), ..role.clone() }))
                .collect(),
            ..model.clone()
        };
        agree_everywhere(&older, &stripped, &subjects, &asked, &resources)?;
        // When the older replica changes those roles (revoking reply, a permission it knows),
        // what it set aside survives: the newer one reads every extension grant back.
        let (mut older, mut newer_model) = (older, model.clone());
        apply(&mut older, &mut newer_model, &owner(), &Op::SetPlan(Plan::Pro), false)?;
        for &id in model.custom.keys() {
            older.revoke(&owner(), id, Permissions::REPLY).unwrap();
            newer_model.revoke(owner().role, id, &BTreeSet::from(["reply"])).unwrap();
        }
        let written = serde_json::to_string(&older).unwrap();
        let newer = Policy::from_json(&written, &vocabulary)
            .map_err(|e| TestCaseError::fail(format!("{e}: {written}")))?;
        assert_same_state(&newer, &newer_model)?;

        // A role created after loading gets a fresh id, never a deleted one's.
        let (mut original, mut reloaded) = (policy.clone(), loaded);
        original.set_plan(Plan::Pro).unwrap();
        reloaded.set_plan(Plan::Pro).unwrap();
        let a = original.clone_role(&owner(), BUILTINS[3].id(), "zz after load");
        let b = reloaded.clone_role(&owner(), BUILTINS[3].id(), "zz after load");
        prop_assert_eq!(&a, &b);
        let id = a.unwrap();
        prop_assert!(!model.ever.contains(&id));
    }
}

/// Actors for governance: the Account Admin often, anyone else too.
fn actor_pick() -> impl Strategy<Value = RolePick> {
    prop_oneof![
        2 => Just(RolePick::Builtin(0)),
        3 => role_pick(),
    ]
}

proptest! {
    // 10,000 cases.
    #![proptest_config(config(10_000))]

    /// Governance: random operations by random actors, sometimes at revisions close to
    /// `u64::MAX`. Only a holder of manage_custom_roles changes a custom role; a refused
    /// operation changes nothing; below Pro only narrowing (revoke, narrower grants) and
    /// deleting succeed, never creating, widening, renaming or describing; a change at
    /// `u64::MAX` is refused; the engine's roles and revision always equal the model's.
    #[test]
    fn governance_holds(
        extensions in vocabulary_strategy(),
        setup in ops_strategy(),
        near_max in proptest::option::weighted(0.25, 0u64..3),
        steps in vec((actor_pick(), 0u64..4, op_strategy()), 1..8),
    ) {
        let (mut policy, mut model) = build(&extensions, &setup)?;
        if let Some(k) = near_max {
            (policy, model) = at_revision(&policy, &model, u64::MAX - k)?;
        }
        for (actor, user, op) in &steps {
            let actor = Subject::new(UserId(*user), resolve(actor, &policy, &model), &[]);
            let plan_before = model.plan;
            let holder = model.holds(actor.role, MANAGE_CUSTOM_ROLES);
            let before = policy.clone();
            let custom_before = model.custom.clone();
            let ok = apply(&mut policy, &mut model, &actor, op, true)?;
            match op {
                Op::SetPlan(_) => {}
                Op::Delete { .. } | Op::Revoke { .. } | Op::Grant { .. } | Op::SetGrants { .. } => {
                    prop_assert!(!ok || holder, "{:?} by {:?} succeeded", op, actor.role);
                }
                Op::Clone { .. } | Op::Rename { .. } | Op::Describe { .. } => {
                    prop_assert!(!ok || (holder && plan_has_custom_roles(plan_before)),
                        "{:?} by {:?} on {:?} succeeded", op, actor.role, plan_before);
                }
            }
            if ok && !matches!(op, Op::SetPlan(_)) {
                prop_assert_eq!(actor.role, BuiltInRole::AccountAdmin.id());
            }
            // Below Pro, nothing that succeeds widens a custom role or adds one.
            if !plan_has_custom_roles(plan_before) && !matches!(op, Op::SetPlan(_)) {
                for (id, role) in &model.custom {
                    let Some(old) = custom_before.get(id) else {
                        return Err(TestCaseError::fail(format!("{op:?} created {id:?} on {plan_before:?}")));
                    };
                    for (p, s) in &role.grants {
                        prop_assert!(old.grants.get(p).is_some_and(|o| o >= s), "{:?} widened {}", op, p);
                    }
                    prop_assert_eq!(&role.name, &old.name);
                    prop_assert_eq!(&role.description, &old.description);
                }
            }
            // Built-in roles never change.
            for b in BUILTINS {
                prop_assert_eq!(policy.role(b.id()), before.role(b.id()));
            }
            assert_same_state(&policy, &model)?;
        }
    }
}

/// The role a decision names, if it names one.
trait ReasonRole {
    fn reason_role_id(&self) -> Option<RoleId>;
}

impl ReasonRole for Decision<'_> {
    fn reason_role_id(&self) -> Option<RoleId> {
        match *self.reason() {
            Reason::Granted { role, .. }
            | Reason::NotGranted { role, .. }
            | Reason::OutOfScope { role, .. } => Some(role.id()),
            Reason::UnknownRole { role } => Some(role),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabularies: what the design accepts and refuses
// ---------------------------------------------------------------------------------------------

/// One way a host can declare a vocabulary wrong.
#[derive(Clone, Debug)]
enum Flaw {
    BadName(&'static str),
    /// The name of an extension declared before.
    Duplicate,
    /// A requirement on itself or on an extension declared after it.
    RequiresLater(u32),
    /// A default grant of an account extension at a scope.
    ScopedAccountDefault(usize, ModelScope),
    /// A 45th extension.
    TooMany,
}

fn flaw_strategy() -> impl Strategy<Value = Flaw> {
    prop_oneof![
        3 => select(&BAD_EXTENSION_NAMES[..]).prop_map(Flaw::BadName),
        1 => Just(Flaw::Duplicate),
        1 => (0u32..3).prop_map(Flaw::RequiresLater),
        1 => (2usize..9, select(&[ModelScope::Restricted, ModelScope::Group][..]))
            .prop_map(|(role, scope)| Flaw::ScopedAccountDefault(role, scope)),
        1 => Just(Flaw::TooMany),
    ]
}

/// Applies `flaw` to the extension at `at` (modulo the count; none is added to an empty list
/// but by `TooMany`).
fn apply_flaw(extensions: &mut Vec<ExtSpec>, flaw: &Flaw, at: usize) {
    if let Flaw::TooMany = flaw {
        while extensions.len() <= MAX_EXTENSIONS {
            extensions.push(ExtSpec {
                name: "",
                kind: Kind::Account,
                requires: Vec::new(),
                defaults: Vec::new(),
            });
        }
        // Distinct valid names, so that the count is what is wrong.
        for (i, ext) in extensions.iter_mut().enumerate() {
            ext.name = EXTENSION_NAMES.get(i).copied().unwrap_or("one_too_many");
        }
        return;
    }
    if extensions.is_empty() {
        return;
    }
    let at = at % extensions.len();
    match *flaw {
        Flaw::BadName(name) => extensions[at].name = name,
        Flaw::Duplicate => {
            if at > 0 {
                extensions[at].name = extensions[at - 1].name;
            }
        }
        Flaw::RequiresLater(ahead) => {
            let bit = (u32::try_from(20 + at).unwrap() + ahead).min(63);
            extensions[at].requires.push(bit);
        }
        Flaw::ScopedAccountDefault(role, scope) => {
            extensions[at].kind = Kind::Account;
            extensions[at].defaults = vec![(role, scope)];
        }
        Flaw::TooMany => unreachable!(),
    }
}

/// Random vocabularies, consistent or not, flawed or not: the engine accepts exactly what the
/// model accepts, and an accepted one gives each extension its bit, name, kind, scopes and
/// requirements in the catalogue, and the built-in roles their grants: the two admins every
/// extension at Global, the other seven their default grants alone. A refusal names the
/// offending extension. 4,000 cases; each outcome must be common.
#[test]
fn vocabulary_follows_design() {
    let strategy = (
        0..=MAX_EXTENSIONS,
        any::<u64>(),
        any::<bool>(),
        proptest::option::weighted(0.4, (flaw_strategy(), any::<usize>())),
    )
        .prop_map(|(count, seed, repair, flaw)| {
            let mut rng = Rng(seed);
            let rotation = rng.below(MAX_EXTENSIONS);
            let mut extensions = declare(raw_extensions(count, &mut rng), rotation, repair);
            if let Some((flaw, at)) = &flaw {
                apply_flaw(&mut extensions, flaw, *at);
            }
            extensions
        });
    let accepted = Cell::new(0u32);
    let refused = Cell::new(0u32);
    let config = config(4_000);
    let cases = config.cases;
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |extensions| {
        let engine = engine_vocabulary(&extensions);
        let model = ModelVocabulary::new(&extensions);
        match (&engine, &model) {
            (Ok(engine), Ok(model)) => {
                accepted.set(accepted.get() + 1);
                let catalogue = engine.catalogue();
                prop_assert_eq!(catalogue.len(), model.permissions.len());
                for (info, p) in catalogue.iter().zip(&model.permissions) {
                    prop_assert_eq!(info.permission, p.bit);
                    prop_assert_eq!(info.name, p.name);
                    prop_assert_eq!(info.kind, p.kind.engine());
                    prop_assert_eq!(model.bits(&p.requires), info.requires, "{}", p.name);
                    let scopes: &[Scope] = if p.kind == Kind::Account {
                        &[Scope::Global]
                    } else {
                        &Scope::ALL
                    };
                    let mut given = info.scopes.to_vec();
                    given.sort();
                    prop_assert_eq!(given.as_slice(), scopes, "{}", p.name);
                    prop_assert_eq!(engine.permission(p.name), Some(p.bit));
                }
                let policy = Policy::with_vocabulary(Plan::Free, engine.clone());
                for (id, role) in &model.builtin {
                    let engine_role = policy.role(*id).unwrap();
                    for p in &model.permissions {
                        prop_assert_eq!(
                            engine_role.scope_of(p.bit).map(ModelScope::from_engine),
                            role.grants.get(p.name).copied(),
                            "{} {}",
                            role.name,
                            p.name
                        );
                    }
                    prop_assert!(engine_role.unmet_requirements().is_empty());
                }
            }
            (Err(error), Err((offending, why))) => {
                refused.set(refused.get() + 1);
                prop_assert!(
                    matches!(error, PolicyError::InvalidExtension { .. }),
                    "{:?} ({})",
                    error,
                    why
                );
                // "A bad vocabulary is an error naming the offending extension."
                if let Some(name) = offending {
                    prop_assert!(error.to_string().contains(name), "{} ({})", error, why);
                }
            }
            _ => {
                return Err(TestCaseError::fail(format!(
                    "engine {:?}, model {:?}",
                    engine.as_ref().err(),
                    model.as_ref().err()
                )))
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let (accepted, refused) = (accepted.get(), refused.get());
    // A fifth of the draws at least on each side (about 35% and 65% are expected).
    assert!(
        accepted * 5 > cases && refused * 5 > cases,
        "accepted {accepted}, refused {refused}: the draw lost its balance"
    );
}

// ---------------------------------------------------------------------------------------------
// Plain tests of the model's own tables and of the engine's built-ins against them
// ---------------------------------------------------------------------------------------------

/// The table as pasted satisfies the design's own summary lines, every built-in role meets
/// the requirements, and the engine's built-in roles, catalogue and view-only reach carry
/// exactly the model's names, grants and sets.
#[test]
fn builtin_table_matches_design_and_engine() {
    let roles = builtin_roles();
    let by_name = |n: &str| roles.iter().find(|r| r.name == n).unwrap().grants.clone();
    // "Support Manager = Support Agent + campaigns + FAQs."
    let mut manager = by_name("Support Agent");
    manager.insert("manage_campaigns", ModelScope::Global);
    manager.insert("manage_faqs", ModelScope::Global);
    assert_eq!(manager, by_name("Support Manager"));
    // "Administrator = everything but custom roles."
    let mut admin = by_name("Account Admin");
    assert_eq!(admin.len(), 20);
    admin.remove(MANAGE_CUSTOM_ROLES);
    assert_eq!(admin, by_name("Administrator"));
    // Only the Account Admin holds manage_custom_roles.
    assert_eq!(
        roles
            .iter()
            .filter(|r| r.grants.contains_key(MANAGE_CUSTOM_ROLES))
            .count(),
        1
    );
    // "Every built-in role meets all of them."
    let vocabulary = ModelVocabulary::builtin();
    for role in &roles {
        assert_eq!(vocabulary.unmet(&role.grants), vec![], "{}", role.name);
    }

    let policy = Policy::new(Plan::Free);
    for (b, expected) in BUILTINS.iter().zip(&roles) {
        let role = policy.role(policy.builtin(*b)).unwrap();
        assert_eq!(role.name(), expected.name);
        assert_eq!(role.builtin(), Some(*b));
        for (name, p, _) in BUILTIN_PERMISSIONS {
            assert_eq!(
                role.scope_of(p).map(ModelScope::from_engine),
                expected.grants.get(name).copied(),
                "{} {name}",
                expected.name
            );
        }
        assert!(role.unmet_requirements().is_empty(), "{}", expected.name);
    }
    // The vocabulary: each name is its constant's serialized name, with the design's kind and
    // requirements; the view-only reach is the design's two permissions, conversation ones.
    let catalogue = Permissions::catalogue();
    assert_eq!(catalogue.len(), 20);
    for ((name, p, kind), info) in BUILTIN_PERMISSIONS.iter().zip(catalogue) {
        assert_eq!(Permissions::from_permission_name(name), Some(*p));
        assert_eq!(p.permission_name(), Some(*name));
        assert_eq!(info.permission, *p);
        assert_eq!(info.name, *name);
        assert_eq!(info.kind, kind.engine());
        assert_eq!(
            info.requires,
            vocabulary.bits(&vocabulary.perm(name).requires),
            "{name}"
        );
    }
    assert_eq!(
        Permissions::VIEW_ONLY_REACH,
        vocabulary.bits(&VIEW_ONLY_REACH)
    );
    for name in VIEW_ONLY_REACH {
        assert_eq!(vocabulary.kind(name), Kind::Conversation);
    }
    // The extension names the generator uses are valid, distinct, and one is 64 long.
    let names: BTreeSet<&str> = EXTENSION_NAMES.iter().copied().collect();
    assert_eq!(names.len(), MAX_EXTENSIONS);
    assert!(EXTENSION_NAMES.iter().any(|n| n.len() == 64));
    assert!(BAD_EXTENSION_NAMES.iter().any(|n| n.len() == 65));
    let all =
        Vocabulary::new(EXTENSION_NAMES.map(|n| ExtensionPermission::new(n, PermissionKind::Team)));
    assert!(all.is_ok(), "{all:?}");
}

/// Hand-picked decisions the design spells out, through the model and the engine alike.
#[test]
fn design_examples() {
    let policy = Policy::new(Plan::Pro);
    let model = Model::new(Plan::Pro, ModelVocabulary::builtin());
    let sales = BuiltInRole::SalesUser.id();
    let restricted = BuiltInRole::RestrictedUser.id();
    let conversation = |group: Option<u64>, assignee: Option<u64>, participants: Vec<u64>| {
        ResourceSpec::Conversation {
            group,
            assignee,
            participants,
        }
    };
    // (role, permissions, view-only groups, resource, allowed); the user is 7, in group 2.
    let cases: Vec<(RoleId, Permissions, &[u64], ResourceSpec, bool)> = vec![
        // A conversation assigned to the user stays reachable when it moves to another group.
        (
            sales,
            Permissions::REPLY,
            &[],
            conversation(Some(9), Some(7), vec![]),
            true,
        ),
        // No group and no assignee: Global only.
        (
            sales,
            Permissions::REPLY,
            &[],
            conversation(None, None, vec![]),
            false,
        ),
        // A participant is taking it up.
        (
            restricted,
            Permissions::VIEW_CONVERSATIONS,
            &[],
            conversation(None, Some(3), vec![7]),
            true,
        ),
        (
            restricted,
            Permissions::empty(),
            &[],
            ResourceSpec::Account,
            false,
        ),
        (
            BuiltInRole::MarketingManager.id(),
            Permissions::VIEW_REPORTS,
            &[],
            ResourceSpec::Account,
            true,
        ),
        (
            BuiltInRole::MarketingUser.id(),
            Permissions::MANAGE_CAMPAIGNS | Permissions::VIEW_PEOPLE,
            &[],
            ResourceSpec::Team(4),
            true,
        ),
        // A view-only group reaches viewing and notes at Group scope ...
        (
            sales,
            Permissions::VIEW_CONVERSATIONS | Permissions::ADD_PRIVATE_NOTE,
            &[9],
            conversation(Some(9), None, vec![]),
            true,
        ),
        // ... but not reply, alone or with viewing ...
        (
            sales,
            Permissions::REPLY,
            &[9],
            conversation(Some(9), None, vec![]),
            false,
        ),
        (
            sales,
            Permissions::VIEW_CONVERSATIONS | Permissions::REPLY,
            &[9],
            conversation(Some(9), None, vec![]),
            false,
        ),
        // ... unless the user is a full member too (the full membership wins) ...
        (
            sales,
            Permissions::REPLY,
            &[2, 9],
            conversation(Some(2), None, vec![]),
            true,
        ),
        // ... and it never widens Restricted.
        (
            restricted,
            Permissions::VIEW_CONVERSATIONS,
            &[9],
            conversation(Some(9), None, vec![]),
            false,
        ),
    ];
    for (role, bits, view_only, resource, allowed) in cases {
        let groups = [GroupId(2)];
        let view_only_ids: Vec<GroupId> = view_only.iter().copied().map(GroupId).collect();
        let subject = Subject::new(UserId(7), role, &groups).with_view_only(&view_only_ids);
        let asked = Asked {
            bits,
            names: BUILTIN_PERMISSIONS
                .iter()
                .filter(|(_, p, _)| bits.contains(*p))
                .map(|&(n, _, _)| n)
                .collect(),
            unknown: false,
        };
        let who = Who {
            user: 7,
            groups: &[2],
            view_only,
        };
        let verdict = model_check(&model, role, &who, &asked, &resource.facts());
        assert_eq!(verdict.allowed(), allowed, "{resource:?} {asked:?}");
        let decision = decide(&policy, &subject, bits, &resource);
        assert_eq!(decision.is_allowed(), allowed, "{decision}");
    }
    // A permission set with bits that name nothing is denied.
    let subject = Subject::new(UserId(7), BuiltInRole::AccountAdmin.id(), &[GroupId(2)]);
    let unknown = Permissions::from_bits_retain(1 << 31) | Permissions::VIEW_PEOPLE;
    assert!(policy.check(&subject, unknown, &Account).is_denied());
}

/// "Names that look alike are the same name" (0.2): normalised (NFKC), whitespace runs
/// collapsed, default-ignorable code points refused, compared by confusable skeleton after
/// case folding. The design's own examples (the random names of `NAME_POOL` exercise the
/// same rules against the model).
#[test]
fn names_that_look_alike_are_the_same_name() {
    let mut policy = Policy::new(Plan::Pro);
    let owner = owner();
    let agent = BuiltInRole::SupportAgent.id();
    for name in [
        "Account\u{A0}Admin",
        "\u{410}ccount Admin",
        "Support  Agent",
        "Hangul\u{3164}Filler",
    ] {
        let result = policy.clone_role(&owner, agent, name);
        assert!(result.is_err(), "{name:?} accepted as {result:?}");
    }
    let id = policy.clone_role(&owner, agent, "Night  shift").unwrap();
    assert_eq!(policy.role(id).unwrap().name(), "Night shift");
    assert!(policy.clone_role(&owner, agent, "night shift").is_err());
}
