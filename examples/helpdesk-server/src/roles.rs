//! The role editor: the catalogue, roles with grants, clone, patch and delete with
//! `If-Match`, users' roles, the plan and the audit log.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use helpdesk_policy::{
    Account, Permissions, Plan, Policy, Role, RoleId, Scope, Subject, UnmetRequirement, UserId,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::{path_id, short, App, IdSegment, SignedIn};
use crate::audit::{self, ChangeRecord};
use crate::db;
use crate::error::ApiError;
use crate::json::{self, JsonBody};

/// A role as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleView {
    /// Its id.
    pub id: u32,
    /// Its name.
    pub name: String,
    /// Whether it is one of the nine built-in roles (which never change).
    pub builtin: bool,
    /// Its description.
    pub description: String,
    /// The role it was cloned from (informational).
    pub cloned_from: Option<u32>,
    /// Each granted permission's name and scope (account permissions as `"global"`).
    pub grants: BTreeMap<String, Scope>,
}

impl RoleView {
    /// The view of one role of `policy`.
    pub fn of(policy: &Policy, role: &Role) -> RoleView {
        let vocabulary = policy.vocabulary();
        RoleView {
            id: role.id().0,
            name: role.name().to_owned(),
            builtin: !role.is_custom(),
            description: role.description().to_owned(),
            cloned_from: role.cloned_from().map(|id| id.0),
            grants: role
                .grants()
                .flat_map(|(permissions, scope)| permissions.each().map(move |p| (p, scope)))
                .filter_map(|(permission, scope)| {
                    vocabulary
                        .name(permission)
                        .map(|name| (name.to_owned(), scope))
                })
                .collect(),
        }
    }
}

/// An unmet requirement: the crate's data and its sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmet {
    /// The requirement as data (permission, scope, requires, granted).
    #[serde(flatten)]
    pub requirement: UnmetRequirement,
    /// The requirement as a phrase.
    pub sentence: String,
}

/// A role's unmet requirements, as data with sentences.
pub fn unmet(role: &Role) -> Vec<Unmet> {
    role.unmet_requirements()
        .into_iter()
        .map(|requirement| Unmet {
            sentence: requirement.to_string(),
            requirement,
        })
        .collect()
}

/// `GET /api/roles/{id}` and the answers of POST and PATCH: one role with the revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleBody {
    /// The policy's revision (also the `ETag`).
    pub revision: u64,
    /// The role.
    #[serde(flatten)]
    pub role: RoleView,
    /// The role's unmet requirements.
    pub unmet_requirements: Vec<Unmet>,
}

fn role_body(policy: &Policy, id: RoleId) -> Result<RoleBody, ApiError> {
    let role = policy
        .role(id)
        .ok_or_else(|| ApiError::not_found(format!("there is no role {id}")))?;
    Ok(RoleBody {
        revision: policy.revision(),
        role: RoleView::of(policy, role),
        unmet_requirements: unmet(role),
    })
}

fn role_id(text: &str) -> Result<RoleId, ApiError> {
    let id = path_id(text, "role")?;
    u32::try_from(id)
        .map(RoleId)
        .map_err(|_| ApiError::not_found(format!("there is no role {id}")))
}

/// `GET /api/permissions`: the permission catalogue of the policy's vocabulary, in bit order
/// (name, label, description, kind, scopes, requires).
///
/// # Errors
/// 401.
pub async fn permissions(
    State(app): State<App>,
    SignedIn(_): SignedIn,
) -> Result<Response, ApiError> {
    let policy = app.policy().await?;
    Ok(json::response(
        StatusCode::OK,
        &json!({ "permissions": policy.vocabulary().catalogue() }),
    ))
}

/// `GET /api/roles`: every role with its grants and description, and the revision.
///
/// # Errors
/// 401.
pub async fn list(State(app): State<App>, SignedIn(_): SignedIn) -> Result<Response, ApiError> {
    let policy = app.policy().await?;
    let roles: Vec<RoleView> = policy
        .roles()
        .map(|role| RoleView::of(&policy, role))
        .collect();
    Ok(json::with_etag(
        StatusCode::OK,
        policy.revision(),
        &json!({ "revision": policy.revision(), "plan": policy.plan(), "roles": roles }),
    ))
}

/// `GET /api/roles/{id}`: one role, with its unmet requirements, and the revision.
///
/// # Errors
/// 401, 400, 404.
pub async fn show(
    State(app): State<App>,
    SignedIn(_): SignedIn,
    IdSegment(id): IdSegment,
) -> Result<Response, ApiError> {
    let id = role_id(&id)?;
    let policy = app.policy().await?;
    let body = role_body(&policy, id)?;
    Ok(json::with_etag(StatusCode::OK, policy.revision(), &body))
}

/// 403 with the decision's sentence unless the actor may edit roles at all (the crate's
/// governance then decides the rest: plan, names, built-in roles).
fn require_role_editor(policy: &Policy, actor: &Subject<'_>) -> Result<(), ApiError> {
    require_account(policy, actor, Permissions::MANAGE_CUSTOM_ROLES)
}

/// 403 with the decision's sentence unless `actor` holds the account permission.
fn require_account(
    policy: &Policy,
    actor: &Subject<'_>,
    permission: Permissions,
) -> Result<(), ApiError> {
    policy.check(actor, permission, &Account).into_result()?;
    Ok(())
}

/// The body of `POST /api/roles`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    /// The role to clone.
    pub source: i64,
    /// The new role's name.
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
}

/// `POST /api/roles`: clone a role. 201 with the new role; `If-Match` is optional here.
///
/// # Errors
/// 401, 400, 403, 402 on a plan without custom roles, 404 for an unknown source, 409 on a
/// stale `If-Match`, 422 for a bad or taken name.
pub async fn create(
    State(app): State<App>,
    SignedIn(agent): SignedIn,
    headers: HeaderMap,
    JsonBody(body): JsonBody<NewRole>,
) -> Result<Response, ApiError> {
    let expected = json::if_match(&headers)?;
    require_role_editor(&*app.policy().await?, &agent.subject())?;
    let source = u32::try_from(body.source)
        .map(RoleId)
        .map_err(|_| ApiError::not_found(format!("there is no role {}", body.source)))?;
    let (id, policy) = app
        .edit_policy(&agent, expected, move |policy, actor| {
            let id = policy.clone_role(actor, source, &body.name)?;
            if let Some(description) = &body.description {
                policy.set_role_description(actor, id, description)?;
            }
            Ok(id)
        })
        .await?;
    let body = role_body(&policy, id)?;
    let mut response = json::with_etag(StatusCode::CREATED, policy.revision(), &body);
    if let Ok(location) = HeaderValue::from_str(&format!("/api/roles/{id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The body of `PATCH /api/roles/{id}`: any of these, applied all or nothing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolePatch {
    /// A new name.
    pub name: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// Permissions to grant, each at its scope: `{"reply": "group"}`.
    pub grant: Option<BTreeMap<String, String>>,
    /// Permissions to revoke: `["delete_conversation"]`.
    pub revoke: Option<Vec<String>>,
}

/// The grants of a patch by scope, and its revocations; 422 for unknown names or scopes.
fn parse_patch(
    policy: &Policy,
    patch: &RolePatch,
) -> Result<(Vec<(Permissions, Scope)>, Permissions), ApiError> {
    let vocabulary = policy.vocabulary();
    let lookup = |name: &str| {
        vocabulary
            .permission(name)
            .ok_or_else(|| ApiError::invalid(format!("unknown permission `{}`", short(name))))
    };
    let mut grants = Vec::new();
    let mut granted = Permissions::empty();
    for (name, scope) in patch.grant.iter().flatten() {
        let permission = lookup(name)?;
        let scope = Scope::from_name(scope).ok_or_else(|| {
            ApiError::invalid(format!(
                "unknown scope `{}` for {name}: global, group or restricted",
                short(scope)
            ))
        })?;
        granted |= permission;
        grants.push((permission, scope));
    }
    let mut revoked = Permissions::empty();
    for name in patch.revoke.iter().flatten() {
        revoked |= lookup(name)?;
    }
    if granted.intersects(revoked) {
        return Err(ApiError::invalid(format!(
            "both granted and revoked: {}",
            crate::conversations::names(policy, granted & revoked).join(", ")
        )));
    }
    Ok((grants, revoked))
}

/// `PATCH /api/roles/{id}`: rename, describe, grant and revoke at once, all or nothing,
/// with `If-Match`.
///
/// # Errors
/// 401, 400, 428 without `If-Match`, 409 when the policy moved on, 403, 402, 404, 422 for
/// bad input or a change that leaves requirements unmet.
pub async fn patch(
    State(app): State<App>,
    SignedIn(agent): SignedIn,
    IdSegment(id): IdSegment,
    headers: HeaderMap,
    JsonBody(body): JsonBody<RolePatch>,
) -> Result<Response, ApiError> {
    let id = role_id(&id)?;
    let expected = json::if_match(&headers)?.ok_or_else(ApiError::precondition_required)?;
    require_role_editor(&*app.policy().await?, &agent.subject())?;
    let (grants, revoked) = parse_patch(&*app.policy().await?, &body)?;
    let ((), policy) = app
        .edit_policy(&agent, Some(expected), move |policy, actor| {
            if policy.role(id).is_none() {
                return Err(ApiError::not_found(format!("there is no role {id}")));
            }
            if let Some(name) = &body.name {
                policy.rename_role(actor, id, name)?;
            }
            if let Some(description) = &body.description {
                policy.set_role_description(actor, id, description)?;
            }
            if !grants.is_empty() || !revoked.is_empty() {
                // The role's whole new grant set, saved at once (the editor's Save).
                let mut next: BTreeMap<u64, (Permissions, Scope)> = BTreeMap::new();
                let current = policy.role(id).map(Role::grants).into_iter().flatten();
                for (permissions, scope) in current {
                    for permission in permissions.each() {
                        next.insert(permission.bits(), (permission, scope));
                    }
                }
                for permission in revoked.each() {
                    next.remove(&permission.bits());
                }
                for (permission, scope) in grants {
                    next.insert(permission.bits(), (permission, scope));
                }
                policy.set_grants(actor, id, next.into_values())?;
            }
            // The reference backend refuses a role whose grants need what it lacks.
            let left = policy.role(id).map(unmet).unwrap_or_default();
            if !left.is_empty() {
                let sentences: Vec<&str> = left.iter().map(|u| u.sentence.as_str()).collect();
                return Err(ApiError::invalid(format!(
                    "the role would have unmet requirements: {}",
                    sentences.join("; ")
                ))
                .with_details(json!({ "unmet_requirements": left })));
            }
            Ok(())
        })
        .await?;
    let body = role_body(&policy, id)?;
    Ok(json::with_etag(StatusCode::OK, policy.revision(), &body))
}

/// `DELETE /api/roles/{id}`, with `If-Match`. Its holders keep the id and are denied
/// everything ("unknown role") until given another role.
///
/// # Errors
/// 401, 400, 428, 409, 403, 404, 422 for a built-in role.
pub async fn delete(
    State(app): State<App>,
    SignedIn(agent): SignedIn,
    IdSegment(id): IdSegment,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = role_id(&id)?;
    let expected = json::if_match(&headers)?.ok_or_else(ApiError::precondition_required)?;
    require_role_editor(&*app.policy().await?, &agent.subject())?;
    let ((), policy) = app
        .edit_policy(&agent, Some(expected), move |policy, actor| {
            policy.delete_role(actor, id)?;
            Ok(())
        })
        .await?;
    let holders = app
        .db
        .run(move |conn| {
            let rows = conn.query(
                "SELECT id FROM users WHERE role_id = ? ORDER BY id",
                &[i64::from(id.0).into()],
            )?;
            Ok(rows
                .iter()
                .map(|row| row.int(0))
                .collect::<Result<Vec<_>, _>>()?)
        })
        .await?;
    Ok(json::with_etag(
        StatusCode::OK,
        policy.revision(),
        &json!({ "deleted": id.0, "revision": policy.revision(), "holders": holders }),
    ))
}

/// The body of `PUT /api/plan`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPlan {
    /// `free`, `growth`, `pro` or `enterprise`.
    pub plan: Plan,
}

/// `PUT /api/plan`: change the account's plan (needs `manage_account`), with `If-Match`.
///
/// # Errors
/// 401, 400, 428, 409, 403.
pub async fn set_plan(
    State(app): State<App>,
    SignedIn(agent): SignedIn,
    headers: HeaderMap,
    JsonBody(body): JsonBody<NewPlan>,
) -> Result<Response, ApiError> {
    let expected = json::if_match(&headers)?.ok_or_else(ApiError::precondition_required)?;
    require_account(
        &*app.policy().await?,
        &agent.subject(),
        Permissions::MANAGE_ACCOUNT,
    )?;
    let ((), policy) = app
        .edit_policy(&agent, Some(expected), move |policy, _| {
            policy.set_plan(body.plan)?;
            Ok(())
        })
        .await?;
    Ok(json::with_etag(
        StatusCode::OK,
        policy.revision(),
        &json!({ "plan": policy.plan(), "revision": policy.revision() }),
    ))
}

/// The body of `PUT /api/users/{id}/role`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserRole {
    /// The role to give.
    pub role: i64,
}

/// `PUT /api/users/{id}/role`: through `check_assignment`; stored and audited.
///
/// # Errors
/// 401, 400, 404 (no such user), 422 (no such role), 403 with the decision's sentence.
pub async fn set_user_role(
    State(app): State<App>,
    SignedIn(agent): SignedIn,
    IdSegment(id): IdSegment,
    JsonBody(body): JsonBody<NewUserRole>,
) -> Result<Response, ApiError> {
    let user = path_id(&id, "user")?;
    let policy = app.policy().await?;
    let answer = app
        .db
        .run(move |conn| {
            let target = UserId::try_from(user)
                .ok()
                .map(|target| db::load_agent(conn, target))
                .transpose()?
                .flatten()
                .ok_or_else(|| ApiError::not_found(format!("there is no user {user}")))?;
            let new_role = u32::try_from(body.role)
                .ok()
                .map(RoleId)
                .and_then(|id| policy.role(id))
                .ok_or_else(|| ApiError::invalid(format!("there is no role {}", body.role)))?;
            let decision =
                policy.check_assignment(&agent.subject(), &target.subject(), new_role.id());
            decision.into_result()?;
            let old_name = policy.role(target.role).map_or_else(
                || format!("role id {}", target.role),
                |r| format!("\"{}\"", r.name()),
            );
            let record = ChangeRecord {
                sentence: format!(
                    "{} (user {}) now has role \"{}\" instead of {old_name}",
                    target.name,
                    target.id,
                    new_role.name()
                ),
                widens: widens(&policy, target.role, new_role),
                change: json!({
                    "kind": "user_role_changed",
                    "user": user,
                    "before": target.role.0,
                    "after": new_role.id().0,
                }),
            };
            conn.transaction(|tx| {
                tx.execute(
                    "UPDATE users SET role_id = ? WHERE id = ?",
                    &[i64::from(new_role.id().0).into(), user.into()],
                )?;
                audit::insert(tx, agent.id, policy.revision(), &[record])
            })?;
            Ok(json!({
                "user": user,
                "name": target.name,
                "role": new_role.id().0,
                "role_name": new_role.name(),
                "decision": decision.record(),
            }))
        })
        .await?;
    Ok(json::response(StatusCode::OK, &answer))
}

/// Whether `new` grants anything wider than `old` (a deleted `old` grants nothing).
fn widens(policy: &Policy, old: RoleId, new: &Role) -> bool {
    let old = policy.role(old);
    new.grants().any(|(permission, scope)| {
        old.and_then(|role| role.scope_of(permission))
            .is_none_or(|held| held < scope)
    })
}

/// `GET /api/audit`: every stored change, newest first (needs `manage_account`).
///
/// # Errors
/// 401, 403.
pub async fn audit_log(
    State(app): State<App>,
    SignedIn(agent): SignedIn,
) -> Result<Response, ApiError> {
    require_account(
        &*app.policy().await?,
        &agent.subject(),
        Permissions::MANAGE_ACCOUNT,
    )?;
    let entries = app.db.run(move |conn| audit::list(conn)).await?;
    Ok(json::response(
        StatusCode::OK,
        &json!({ "entries": entries }),
    ))
}
