//! The role editor: catalogue, roles, clone, patch and delete with If-Match, users' roles,
//! the plan, the audit log, and a restart on the same database file.

use serde_json::{json, Value};

use super::common::*;

async fn clone_intern(app: &axum::Router) -> Reply {
    let reply = send(
        app,
        "POST",
        "/api/roles",
        ADA,
        json!({"source": 4, "name": "Intern"}),
    )
    .await;
    reply.expect(201, None);
    reply
}

#[tokio::test]
async fn the_catalogue_lists_the_twenty_permissions() {
    let Some(app) = demo().await else { return };
    let reply = get(&app, "/api/permissions", FINN).await;
    reply.expect(200, None);
    let list = reply.json["permissions"].as_array().unwrap();
    assert_eq!(list.len(), 20);
    assert_eq!(list[0]["name"], "view_conversations");
    assert_eq!(list[0]["kind"], "conversation");
    assert_eq!(list[0]["scopes"], json!(["restricted", "group", "global"]));
    assert_eq!(list[1]["requires"], json!(["view_conversations"]));
    assert_eq!(list[18]["name"], "manage_custom_roles");
    assert_eq!(list[18]["scopes"], json!(["global"]));
    assert!(list
        .iter()
        .all(|p| p["label"].as_str().is_some_and(|l| !l.is_empty())));
}

#[tokio::test]
async fn roles_carry_grants_descriptions_and_the_revision() {
    let Some(app) = demo().await else { return };
    let reply = get(&app, "/api/roles", CLEO).await;
    reply.expect(200, None);
    assert_eq!(reply.etag(), Some("\"0\""));
    assert_eq!(reply.json["revision"], 0);
    let roles = reply.json["roles"].as_array().unwrap();
    assert_eq!(ids(&reply.json["roles"]), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(roles[3]["name"], "Support Agent");
    assert_eq!(roles[3]["grants"]["reply"], "global");
    assert_eq!(roles[7]["grants"]["reply"], "group");
    assert_eq!(roles[8]["grants"]["reply"], "restricted");
    assert!(roles
        .iter()
        .all(|r| r["description"].as_str().is_some_and(|d| !d.is_empty())));

    let one = get(&app, "/api/roles/8", CLEO).await;
    one.expect(200, None);
    assert_eq!(one.etag(), Some("\"0\""));
    assert_eq!(one.json["name"], "Sales User");
    assert_eq!(one.json["revision"], 0);
    assert_eq!(one.json["unmet_requirements"], json!([]));
    assert!(one.json["grants"].get("assign_conversation").is_none());

    get(&app, "/api/roles/100", CLEO)
        .await
        .expect(404, Some("not_found"));
    get(&app, "/api/roles/4294967296", CLEO)
        .await
        .expect(404, Some("not_found"));
    get(&app, "/api/roles/-4", CLEO)
        .await
        .expect(404, Some("not_found"));
    get(&app, "/api/roles/four", CLEO)
        .await
        .expect(400, Some("bad_request"));
}

#[tokio::test]
async fn cloning_a_role() {
    let Some(app) = demo().await else { return };
    let reply = send(
        &app,
        "POST",
        "/api/roles",
        ADA,
        json!({"source": 4, "name": "Intern", "description": "Learns the ropes"}),
    )
    .await;
    reply.expect(201, None);
    assert_eq!(reply.json["id"], 100);
    assert_eq!(reply.json["name"], "Intern");
    assert_eq!(reply.json["description"], "Learns the ropes");
    assert_eq!(reply.json["cloned_from"], 4);
    assert_eq!(reply.json["grants"]["reply"], "global");
    assert_eq!(reply.headers["location"], "/api/roles/100");
    let revision = reply.json["revision"].as_u64().unwrap();
    assert!(revision >= 1);
    assert_eq!(reply.etag(), Some(format!("\"{revision}\"").as_str()));
    assert_eq!(
        get(&app, "/api/roles/100", FINN).await.json["name"],
        "Intern"
    );

    let refused = send(
        &app,
        "POST",
        "/api/roles",
        BEN,
        json!({"source": 4, "name": "Lead"}),
    )
    .await;
    refused.expect(403, Some("forbidden"));
    assert!(
        refused.reason().contains("Administrator"),
        "{}",
        refused.text
    );
    for name in [
        "",
        "   ",
        "intern",
        "Support Agent",
        &"x".repeat(65),
        "tab\there",
    ] {
        send(
            &app,
            "POST",
            "/api/roles",
            ADA,
            json!({"source": 4, "name": name}),
        )
        .await
        .expect(422, Some("invalid_input"));
    }
    send(
        &app,
        "POST",
        "/api/roles",
        ADA,
        json!({"source": 55, "name": "Ghost"}),
    )
    .await
    .expect(404, Some("not_found"));
    send(
        &app,
        "POST",
        "/api/roles",
        ADA,
        json!({"source": -1, "name": "Ghost"}),
    )
    .await
    .expect(404, Some("not_found"));
    // Nothing refused changed the policy.
    assert_eq!(etag(&app).await, format!("\"{revision}\""));
}

#[tokio::test]
async fn a_plan_without_custom_roles_answers_402() {
    let Some(app) = demo().await else { return };
    let tag = etag(&app).await;
    let reply = edit(
        &app,
        "PUT",
        "/api/plan",
        ADA,
        &tag,
        json!({"plan": "growth"}),
    )
    .await;
    reply.expect(200, None);
    assert_eq!(reply.json["plan"], "growth");
    let reply = send(
        &app,
        "POST",
        "/api/roles",
        ADA,
        json!({"source": 4, "name": "Intern"}),
    )
    .await;
    reply.expect(402, Some("plan"));
    assert!(reply.reason().contains("growth"), "{}", reply.text);
    // Only manage_account changes the plan.
    let tag = etag(&app).await;
    edit(&app, "PUT", "/api/plan", CLEO, &tag, json!({"plan": "pro"}))
        .await
        .expect(403, Some("forbidden"));
    call(
        &app,
        "PUT",
        "/api/plan",
        Some(ADA),
        None,
        Some(json!({"plan": "pro"}).to_string()),
    )
    .await
    .expect(428, Some("precondition_required"));
    edit(
        &app,
        "PUT",
        "/api/plan",
        ADA,
        &tag,
        json!({"plan": "platinum"}),
    )
    .await
    .expect(400, Some("bad_request"));
}

#[tokio::test]
async fn patching_a_role_all_or_nothing_with_if_match() {
    let Some(app) = demo().await else { return };
    let created = clone_intern(&app).await;
    let tag = created.etag().unwrap().to_owned();

    call(
        &app,
        "PATCH",
        "/api/roles/100",
        Some(ADA),
        None,
        Some(json!({"revoke": ["reply"]}).to_string()),
    )
    .await
    .expect(428, Some("precondition_required"));
    let stale = edit(
        &app,
        "PATCH",
        "/api/roles/100",
        ADA,
        "\"0\"",
        json!({"revoke": ["reply"]}),
    )
    .await;
    stale.expect(409, Some("conflict"));
    assert_eq!(stale.etag(), Some(tag.as_str()));

    let patched = edit(
        &app,
        "PATCH",
        "/api/roles/100",
        ADA,
        &tag,
        json!({"name": "Trainee", "description": "Notes, no replies", "grant": {"add_private_note": "group"}, "revoke": ["reply", "delete_conversation"]}),
    )
    .await;
    patched.expect(200, None);
    assert_eq!(patched.json["name"], "Trainee");
    assert_eq!(patched.json["description"], "Notes, no replies");
    assert_eq!(patched.json["grants"]["add_private_note"], "group");
    assert!(patched.json["grants"].get("reply").is_none());
    let revision = patched.json["revision"].as_u64().unwrap();
    assert!(revision > created.json["revision"].as_u64().unwrap());
    assert_eq!(patched.etag(), Some(format!("\"{revision}\"").as_str()));

    // A bare revision is accepted as If-Match too.
    let bare = edit(
        &app,
        "PATCH",
        "/api/roles/100",
        ADA,
        &revision.to_string(),
        json!({"grant": {"resolve_conversation": "restricted"}}),
    )
    .await;
    bare.expect(200, None);
    assert_eq!(bare.json["grants"]["resolve_conversation"], "restricted");
    let tag = bare.etag().unwrap().to_owned();

    // Each refusal changes nothing, not even the revision.
    let refusals = [
        (json!({"grant": {"fly": "global"}}), 422, "invalid_input"),
        (
            json!({"revoke": ["reply", "teleport"]}),
            422,
            "invalid_input",
        ),
        (
            json!({"grant": {"reply": "everywhere"}}),
            422,
            "invalid_input",
        ),
        (
            json!({"grant": {"view_people": "group"}}),
            422,
            "invalid_input",
        ),
        (
            json!({"grant": {"manage_custom_roles": "global"}}),
            403,
            "forbidden",
        ),
        (
            json!({"grant": {"reply": "group"}, "revoke": ["reply"]}),
            422,
            "invalid_input",
        ),
        (json!({"name": "Support Agent"}), 422, "invalid_input"),
        (
            json!({"name": "Trainee2", "grant": {"fly": "group"}}),
            422,
            "invalid_input",
        ),
        (json!({"colour": "red"}), 400, "bad_request"),
        (json!({"grant": ["reply"]}), 400, "bad_request"),
    ];
    for (body, status, kind) in refusals {
        let reply = edit(&app, "PATCH", "/api/roles/100", ADA, &tag, body.clone()).await;
        assert_eq!(reply.status.as_u16(), status, "{body}: {}", reply.text);
        assert_eq!(reply.json["error"], kind, "{body}: {}", reply.text);
    }
    assert_eq!(etag(&app).await, tag);
    assert_eq!(
        get(&app, "/api/roles/100", ADA).await.json["name"],
        "Trainee"
    );

    let unknown = edit(
        &app,
        "PATCH",
        "/api/roles/100",
        ADA,
        &tag,
        json!({"grant": {"fly": "global"}}),
    )
    .await;
    assert!(unknown.reason().contains("fly"), "{}", unknown.text);

    // Built-in roles never change; only the Account Admin edits; no such role.
    edit(
        &app,
        "PATCH",
        "/api/roles/4",
        ADA,
        &tag,
        json!({"revoke": ["reply"]}),
    )
    .await
    .expect(403, Some("forbidden"));
    edit(
        &app,
        "PATCH",
        "/api/roles/100",
        BEN,
        &tag,
        json!({"revoke": ["reply"]}),
    )
    .await
    .expect(403, Some("forbidden"));
    edit(
        &app,
        "PATCH",
        "/api/roles/321",
        ADA,
        &tag,
        json!({"revoke": ["reply"]}),
    )
    .await
    .expect(404, Some("not_found"));
    for bad in ["*", "W/\"3\"", "\"3\", \"4\"", "three", ""] {
        edit(&app, "PATCH", "/api/roles/100", ADA, bad, json!({}))
            .await
            .expect(400, Some("bad_request"));
    }
}

#[tokio::test]
async fn a_patch_leaving_requirements_unmet_is_422_naming_them() {
    let Some(app) = demo().await else { return };
    let tag = clone_intern(&app).await.etag().unwrap().to_owned();
    let reply = edit(
        &app,
        "PATCH",
        "/api/roles/100",
        ADA,
        &tag,
        json!({"revoke": ["view_conversations"]}),
    )
    .await;
    reply.expect(422, Some("invalid_input"));
    assert!(
        reply.reason().contains("view_conversations"),
        "{}",
        reply.text
    );
    assert!(reply.reason().contains("reply"), "{}", reply.text);
    assert!(!reply.json["details"]["unmet_requirements"]
        .as_array()
        .unwrap()
        .is_empty());
    let reply = edit(
        &app,
        "PATCH",
        "/api/roles/100",
        ADA,
        &tag,
        json!({"grant": {"reply": "global", "view_conversations": "group"}}),
    )
    .await;
    reply.expect(422, Some("invalid_input"));
    let unmet = reply.json["details"]["unmet_requirements"]
        .as_array()
        .unwrap();
    let requiring: Vec<&str> = unmet
        .iter()
        .map(|u| u["permission"].as_str().unwrap())
        .collect();
    assert_eq!(
        requiring,
        [
            "reply",
            "add_private_note",
            "assign_conversation",
            "resolve_conversation"
        ]
    );
    assert_eq!(unmet[0]["requires"], "view_conversations");
    assert_eq!(unmet[0]["scope"], "global");
    assert_eq!(unmet[0]["granted"], "group");
    // Narrowing everything that needs viewing together with it meets them.
    let reply = edit(
        &app,
        "PATCH",
        "/api/roles/100",
        ADA,
        &tag,
        json!({"grant": {"view_conversations": "group", "reply": "group", "add_private_note": "group",
                         "assign_conversation": "group", "resolve_conversation": "restricted"}}),
    )
    .await;
    reply.expect(200, None);
    assert_eq!(reply.json["unmet_requirements"], json!([]));
    assert_eq!(reply.json["grants"]["view_conversations"], "group");
    assert_eq!(etag(&app).await, reply.etag().unwrap());
}

#[tokio::test]
async fn two_concurrent_edits_from_one_revision_give_one_200_and_one_409() {
    let Some(app) = demo().await else { return };
    let tag = clone_intern(&app).await.etag().unwrap().to_owned();
    let (a, b) = tokio::join!(
        edit(
            &app,
            "PATCH",
            "/api/roles/100",
            ADA,
            &tag,
            json!({"revoke": ["reply"]})
        ),
        edit(
            &app,
            "PATCH",
            "/api/roles/100",
            ADA,
            &tag,
            json!({"name": "Junior"})
        ),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{} / {}", a.text, b.text);
    let role = get(&app, "/api/roles/100", ADA).await;
    let winner = if a.status == 200 { &a } else { &b };
    assert_eq!(role.json["name"], winner.json["name"]);
    assert_eq!(role.json["grants"], winner.json["grants"]);
    // Exactly one of the two changes landed.
    let renamed = role.json["name"] == "Junior";
    let revoked = role.json["grants"].get("reply").is_none();
    assert!(renamed != revoked, "{}", role.text);
}

#[tokio::test]
async fn deleting_a_role_with_if_match_and_its_holders_are_denied() {
    let Some(app) = demo().await else { return };
    let tag = clone_intern(&app).await.etag().unwrap().to_owned();
    send(&app, "PUT", "/api/users/3/role", ADA, json!({"role": 100}))
        .await
        .expect(200, None);
    call(&app, "DELETE", "/api/roles/100", Some(ADA), None, None)
        .await
        .expect(428, Some("precondition_required"));
    call(
        &app,
        "DELETE",
        "/api/roles/100",
        Some(BEN),
        Some(&tag),
        None,
    )
    .await
    .expect(403, Some("forbidden"));
    call(&app, "DELETE", "/api/roles/4", Some(ADA), Some(&tag), None)
        .await
        .expect(403, Some("forbidden"));
    let deleted = call(
        &app,
        "DELETE",
        "/api/roles/100",
        Some(ADA),
        Some(&tag),
        None,
    )
    .await;
    deleted.expect(200, None);
    assert_eq!(deleted.json["deleted"], 100);
    assert_eq!(deleted.json["holders"], json!([CLEO]));
    assert_ne!(deleted.etag(), Some(tag.as_str()));
    call(
        &app,
        "DELETE",
        "/api/roles/100",
        Some(ADA),
        Some(&tag),
        None,
    )
    .await
    .expect(409, Some("conflict"));
    let tag = deleted.etag().unwrap();
    call(&app, "DELETE", "/api/roles/100", Some(ADA), Some(tag), None)
        .await
        .expect(404, Some("not_found"));
    get(&app, "/api/roles/100", ADA)
        .await
        .expect(404, Some("not_found"));
    // Cleo still signs in, holds nothing.
    assert_eq!(inbox(&app, CLEO).await, Vec::<i64>::new());
    let reply = get(&app, "/api/conversations/1", CLEO).await;
    reply.expect(403, Some("forbidden"));
    assert!(reply.reason().contains("unknown"), "{}", reply.text);
}

#[tokio::test]
async fn users_roles_go_through_check_assignment() {
    let Some(app) = demo().await else { return };
    clone_intern(&app).await;
    let reply = send(&app, "PUT", "/api/users/3/role", ADA, json!({"role": 100})).await;
    reply.expect(200, None);
    assert_eq!(reply.json["role"], 100);
    assert_eq!(reply.json["decision"]["allowed"], true);
    assert_eq!(reply.json["decision"]["reason"], "assignment_allowed");
    assert!(reply.json["decision"]["sentence"]
        .as_str()
        .unwrap()
        .starts_with("allowed"));
    // Ben (Administrator) may not touch Ada, whose role exceeds his.
    let refused = send(&app, "PUT", "/api/users/1/role", BEN, json!({"role": 4})).await;
    refused.expect(403, Some("forbidden"));
    let decision = &refused.json["details"]["decision"];
    assert_eq!(decision["allowed"], false);
    assert_eq!(decision["reason"], "target_exceeds_actor");
    assert_eq!(decision["sentence"], refused.json["reason"]);
    assert!(refused.reason().starts_with("denied"), "{}", refused.text);
    // Nobody changes their own role.
    send(&app, "PUT", "/api/users/1/role", ADA, json!({"role": 2}))
        .await
        .expect(403, Some("forbidden"));
    // Ben may not hand out the Account Admin role.
    send(&app, "PUT", "/api/users/5/role", BEN, json!({"role": 1}))
        .await
        .expect(403, Some("forbidden"));
    // Cleo lacks manage_users.
    let refused = send(&app, "PUT", "/api/users/5/role", CLEO, json!({"role": 9})).await;
    refused.expect(403, Some("forbidden"));
    send(&app, "PUT", "/api/users/5/role", BEN, json!({"role": 8}))
        .await
        .expect(200, None);
    send(&app, "PUT", "/api/users/77/role", ADA, json!({"role": 4}))
        .await
        .expect(404, Some("not_found"));
    send(&app, "PUT", "/api/users/-7/role", ADA, json!({"role": 4}))
        .await
        .expect(404, Some("not_found"));
    send(&app, "PUT", "/api/users/5/role", ADA, json!({"role": 4444}))
        .await
        .expect(422, Some("invalid_input"));
    send(
        &app,
        "PUT",
        "/api/users/5/role",
        ADA,
        json!({"role": "admin"}),
    )
    .await
    .expect(400, Some("bad_request"));
    // The new roles decide: Cleo is an Intern (Support Agent clone), Eve a Sales User.
    assert_eq!(inbox(&app, EVE).await, [1, 3, 5]);
}

#[tokio::test]
async fn the_audit_log_lists_every_stored_change_newest_first() {
    let Some(app) = demo().await else { return };
    let tag = clone_intern(&app).await.etag().unwrap().to_owned();
    edit(
        &app,
        "PATCH",
        "/api/roles/100",
        ADA,
        &tag,
        json!({"grant": {"delete_conversation": "group"}, "revoke": ["assign_conversation"]}),
    )
    .await
    .expect(200, None);
    send(&app, "PUT", "/api/users/5/role", BEN, json!({"role": 8}))
        .await
        .expect(200, None);
    // A refused change stores nothing.
    edit(
        &app,
        "PATCH",
        "/api/roles/100",
        ADA,
        "\"0\"",
        json!({"name": "X"}),
    )
    .await
    .expect(409, Some("conflict"));

    let reply = get(&app, "/api/audit", BEN).await;
    reply.expect(200, None);
    let entries = reply.json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{}", reply.text);
    assert_eq!(entries[0]["actor"], json!({"id": BEN, "name": "Ben"}));
    assert_eq!(entries[1]["actor"]["id"], ADA);
    assert_eq!(entries[2]["actor"]["id"], ADA);
    let revisions: Vec<u64> = entries
        .iter()
        .map(|e| e["revision"].as_u64().unwrap())
        .collect();
    assert!(
        revisions[0] >= revisions[1] && revisions[1] > revisions[2],
        "{revisions:?}"
    );
    assert!(entries[0]["time"].as_str().unwrap().ends_with('Z'));

    let patch: &Vec<Value> = entries[1]["changes"].as_array().unwrap();
    let sentences: Vec<&str> = patch
        .iter()
        .map(|c| c["sentence"].as_str().unwrap())
        .collect();
    assert_eq!(patch.len(), 2, "{sentences:?}");
    assert!(
        sentences.iter().any(|s| s.contains("assign_conversation")),
        "{sentences:?}"
    );
    let widening = patch
        .iter()
        .find(|c| {
            c["sentence"]
                .as_str()
                .unwrap()
                .contains("delete_conversation")
        })
        .unwrap();
    assert_eq!(widening["widens"], true);
    let narrowing = patch
        .iter()
        .find(|c| {
            c["sentence"]
                .as_str()
                .unwrap()
                .contains("assign_conversation")
        })
        .unwrap();
    assert_eq!(narrowing["widens"], false);
    assert_eq!(widening["change"]["change"], "grant_changed");
    assert_eq!(widening["change"]["after"], "group");
    assert_eq!(entries[2]["changes"][0]["change"]["change"], "role_created");
    // A created role lists each of its grants as changed from nothing.
    assert!(entries[2]["changes"].as_array().unwrap().len() > 5);
    let created: Vec<&str> = entries[2]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sentence"].as_str().unwrap())
        .collect();
    assert!(created[0].contains("Intern"), "{created:?}");

    let refused = get(&app, "/api/audit", CLEO).await;
    refused.expect(403, Some("forbidden"));
    assert_eq!(
        refused.reason(),
        "denied: role \"Support Agent\" does not grant manage_account"
    );
}

#[tokio::test]
async fn a_restart_on_the_same_database_file_keeps_roles_and_audit() {
    let Some(store) = Store::new("restart").await else {
        return;
    };
    let (roles, audit) = {
        let app = store.open().await;
        let tag = clone_intern(&app).await.etag().unwrap().to_owned();
        edit(
            &app,
            "PATCH",
            "/api/roles/100",
            ADA,
            &tag,
            json!({"revoke": ["reply"]}),
        )
        .await
        .expect(200, None);
        send(
            &app,
            "POST",
            "/api/conversations/1/notes",
            CLEO,
            json!({"body": "kept"}),
        )
        .await
        .expect(201, None);
        (
            get(&app, "/api/roles", ADA).await,
            get(&app, "/api/audit", ADA).await,
        )
    };
    let app = store.open().await;
    let again = get(&app, "/api/roles", ADA).await;
    assert_eq!(again.json, roles.json);
    assert_eq!(again.etag(), roles.etag());
    assert_eq!(again.json["roles"][9]["name"], "Intern");
    let audit_again = get(&app, "/api/audit", ADA).await;
    assert_eq!(audit_again.json, audit.json);
    assert_eq!(audit_again.json["entries"].as_array().unwrap().len(), 2);
    let page = get(&app, "/api/conversations/1", ADA).await;
    assert_eq!(page.json["messages"][0]["body"], "kept");
    // The demo data was not seeded twice, and ids go on after the stored ones.
    assert_eq!(inbox(&app, ADA).await, [1, 2, 3, 4, 5, 6]);
    let next = send(
        &app,
        "POST",
        "/api/roles",
        ADA,
        json!({"source": 8, "name": "Closer"}),
    )
    .await;
    next.expect(201, None);
    assert_eq!(next.json["id"], 101);
}

#[tokio::test]
async fn two_servers_on_one_database_never_overwrite_each_other() {
    let Some(store) = Store::new("cas").await else {
        return;
    };
    let (one, two) = (store.open().await, store.open().await);
    let tag = etag(&two).await;
    let first = send(
        &one,
        "POST",
        "/api/roles",
        ADA,
        json!({"source": 4, "name": "Intern"}),
    )
    .await;
    first.expect(201, None);
    // The second server still caches the old revision; the UPDATE ... WHERE revision = ?
    // finds the stored one moved on, so it refuses, and reloads what the first stored.
    let second = call(
        &two,
        "POST",
        "/api/roles",
        Some(ADA),
        Some(&tag),
        Some(json!({"source": 8, "name": "Closer"}).to_string()),
    )
    .await;
    second.expect(409, Some("conflict"));
    assert_eq!(second.etag(), first.etag());
    let roles = get(&two, "/api/roles", ADA).await;
    assert_eq!(roles.json["roles"][9]["name"], "Intern");
    assert_eq!(roles.json["roles"].as_array().unwrap().len(), 10);
    let audit = get(&two, "/api/audit", ADA).await;
    assert_eq!(audit.json["entries"].as_array().unwrap().len(), 1);
}
