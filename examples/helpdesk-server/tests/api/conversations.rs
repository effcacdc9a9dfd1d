//! Inboxes, buttons, replies and notes, assignees and pickers for each demo user.

use serde_json::json;

use super::common::*;

const CONVERSATION_BUTTONS: [&str; 6] = [
    "view_conversations",
    "reply",
    "add_private_note",
    "assign_conversation",
    "resolve_conversation",
    "delete_conversation",
];

#[tokio::test]
async fn each_demo_users_inbox_is_what_they_may_view() {
    let Some(app) = demo().await else { return };
    assert_eq!(inbox(&app, ADA).await, [1, 2, 3, 4, 5, 6]);
    assert_eq!(inbox(&app, BEN).await, [1, 2, 3, 4, 5, 6]);
    assert_eq!(inbox(&app, CLEO).await, [1, 2, 3, 4, 5, 6]);
    // Sales User at Group: group 1, assigned 4, and group 2 through the view-only membership.
    assert_eq!(inbox(&app, DEV).await, [1, 2, 4]);
    // Restricted User: assigned 3, participant in 5.
    assert_eq!(inbox(&app, EVE).await, [3, 5]);
    assert_eq!(inbox(&app, FINN).await, Vec::<i64>::new());
}

#[tokio::test]
async fn inbox_rows_carry_group_assignee_participants_and_the_filter() {
    let Some(app) = demo().await else { return };
    let reply = get(&app, "/api/conversations", EVE).await;
    reply.expect(200, None);
    let rows = &reply.json["conversations"];
    assert_eq!(rows[1]["id"], 3);
    assert_eq!(rows[1]["group"], 3);
    assert_eq!(rows[1]["assignee"], 5);
    assert_eq!(rows[0]["id"], 5);
    assert_eq!(rows[0]["group"], json!(null));
    assert_eq!(rows[0]["assignee"], json!(null));
    assert_eq!(rows[0]["participants"], json!([5]));
    assert_eq!(reply.json["next"], json!(null));
    assert_eq!(
        reply.json["filter"],
        "conversations assigned to user 5, or with user 5 among the participants"
    );
}

#[tokio::test]
async fn buttons_per_demo_user() {
    let Some(app) = demo().await else { return };
    let actions = |reply: &Reply| -> Vec<String> {
        strings(&reply.json["actions"])
            .into_iter()
            .map(str::to_owned)
            .collect()
    };
    let ada = get(&app, "/api/conversations/1", ADA).await;
    ada.expect(200, None);
    assert_eq!(actions(&ada), CONVERSATION_BUTTONS);
    assert_eq!(ada.json["denied"], json!([]));

    let ben = get(&app, "/api/conversations/6", BEN).await;
    ben.expect(200, None);
    assert_eq!(actions(&ben), CONVERSATION_BUTTONS);

    // Finn sees no conversation at all: every button is refused with the reason.
    let finn = get(&app, "/api/conversations", FINN).await;
    assert_eq!(finn.json["filter"], "no conversation");

    let cleo = get(&app, "/api/conversations/1", CLEO).await;
    assert_eq!(actions(&cleo), CONVERSATION_BUTTONS[..5]);
    assert_eq!(cleo.json["denied"][0]["permission"], "delete_conversation");
    assert_eq!(
        cleo.json["denied"][0]["reason"],
        "denied: role \"Support Agent\" does not grant delete_conversation"
    );

    let eve = get(&app, "/api/conversations/3", EVE).await;
    assert_eq!(
        actions(&eve),
        [
            "view_conversations",
            "reply",
            "add_private_note",
            "resolve_conversation"
        ]
    );

    let dev = get(&app, "/api/conversations/4", DEV).await;
    assert_eq!(
        actions(&dev),
        [
            "view_conversations",
            "reply",
            "add_private_note",
            "resolve_conversation"
        ]
    );
    // Dev's view-only group: read and note, nothing else.
    let dev = get(&app, "/api/conversations/2", DEV).await;
    dev.expect(200, None);
    assert_eq!(actions(&dev), ["view_conversations", "add_private_note"]);
    let reply_denied = dev.json["denied"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["permission"] == "reply")
        .expect("reply is denied");
    assert!(
        reply_denied["reason"]
            .as_str()
            .unwrap()
            .contains("view-only"),
        "{reply_denied}"
    );
}

#[tokio::test]
async fn a_conversation_the_user_may_not_view_is_403_with_the_reason() {
    let Some(app) = demo().await else { return };
    get(&app, "/api/conversations/1", FINN)
        .await
        .expect(403, Some("forbidden"));
    let reply = get(&app, "/api/conversations/1", FINN).await;
    assert_eq!(
        reply.reason(),
        "denied: role \"Marketing User\" does not grant view_conversations"
    );
    let reply = get(&app, "/api/conversations/6", DEV).await;
    reply.expect(403, Some("forbidden"));
    // The decision as data beside its sentence.
    let decision = &reply.json["details"]["decision"];
    assert_eq!(decision["allowed"], false);
    assert_eq!(decision["reason"], "out_of_scope");
    assert_eq!(decision["permission"], "view_conversations");
    assert_eq!(decision["scope"], "group");
    assert_eq!(decision["group"], 3);
    assert_eq!(
        reply.reason(),
        "denied: role \"Sales User\" grants view_conversations at Group scope, and the \
         conversation's group 3 is not one of the user's groups"
    );
    let reply = get(&app, "/api/conversations/1", EVE).await;
    reply.expect(403, Some("forbidden"));
    assert!(
        reply.reason().contains("Restricted scope"),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn missing_negative_huge_and_malformed_conversation_ids() {
    let Some(app) = demo().await else { return };
    get(&app, "/api/conversations/7", ADA)
        .await
        .expect(404, Some("not_found"));
    get(&app, "/api/conversations/-1", ADA)
        .await
        .expect(404, Some("not_found"));
    get(&app, "/api/conversations/9223372036854775808", ADA)
        .await
        .expect(404, Some("not_found"));
    get(&app, "/api/conversations/99999999999999999999999999", ADA)
        .await
        .expect(404, Some("not_found"));
    get(&app, "/api/conversations/%FF", ADA)
        .await
        .expect(400, Some("bad_request"));
    get(&app, "/api/roles/%C3%28", ADA)
        .await
        .expect(400, Some("bad_request"));
    get(&app, "/api/conversations/abc", ADA)
        .await
        .expect(400, Some("bad_request"));
    get(&app, "/api/conversations/1.5", ADA)
        .await
        .expect(400, Some("bad_request"));
    send(
        &app,
        "POST",
        "/api/conversations/-3/replies",
        CLEO,
        json!({"body": "hi"}),
    )
    .await
    .expect(404, Some("not_found"));
    send(
        &app,
        "PUT",
        "/api/conversations/18446744073709551616/assignee",
        CLEO,
        json!({"user": 3}),
    )
    .await
    .expect(404, Some("not_found"));
}

#[tokio::test]
async fn replies_and_notes_are_stored_or_refused_with_the_reason() {
    let Some(app) = demo().await else { return };
    let reply = send(
        &app,
        "POST",
        "/api/conversations/1/replies",
        CLEO,
        json!({"body": "On its way"}),
    )
    .await;
    reply.expect(201, None);
    assert_eq!(reply.json["kind"], "reply");
    assert_eq!(reply.json["author"], CLEO);
    assert_eq!(reply.json["conversation"], 1);
    let note = send(
        &app,
        "POST",
        "/api/conversations/1/notes",
        DEV,
        json!({"body": "VIP <customer>"}),
    )
    .await;
    note.expect(201, None);
    assert_eq!(note.json["kind"], "note");

    let page = get(&app, "/api/conversations/1", ADA).await;
    let messages = page.json["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["body"], "On its way");
    assert_eq!(messages[0]["id"], reply.json["id"]);
    assert_eq!(messages[1]["body"], "VIP <customer>");
    assert_eq!(messages[1]["author"], DEV);

    let refused = send(
        &app,
        "POST",
        "/api/conversations/1/replies",
        EVE,
        json!({"body": "x"}),
    )
    .await;
    refused.expect(403, Some("forbidden"));
    assert!(
        refused
            .reason()
            .starts_with("denied: role \"Restricted User\" grants reply at Restricted scope"),
        "{}",
        refused.text
    );
    send(
        &app,
        "POST",
        "/api/conversations/1/notes",
        FINN,
        json!({"body": "x"}),
    )
    .await
    .expect(403, Some("forbidden"));
    send(
        &app,
        "POST",
        "/api/conversations/1/notes",
        CLEO,
        json!({"body": "  "}),
    )
    .await
    .expect(422, Some("invalid_input"));
    send(
        &app,
        "POST",
        "/api/conversations/9/notes",
        CLEO,
        json!({"body": "x"}),
    )
    .await
    .expect(404, Some("not_found"));
    // Nothing refused was stored.
    let page = get(&app, "/api/conversations/1", ADA).await;
    assert_eq!(page.json["messages"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_view_only_agent_may_add_notes_but_not_replies() {
    let Some(app) = demo().await else { return };
    let note = send(
        &app,
        "POST",
        "/api/conversations/2/notes",
        DEV,
        json!({"body": "seen"}),
    )
    .await;
    note.expect(201, None);
    let reply = send(
        &app,
        "POST",
        "/api/conversations/2/replies",
        DEV,
        json!({"body": "hello"}),
    )
    .await;
    reply.expect(403, Some("forbidden"));
    assert!(reply.reason().contains("view-only"), "{}", reply.text);
    let page = get(&app, "/api/conversations/2", ADA).await;
    assert_eq!(page.json["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn assigning_needs_assign_conversation_and_an_eligible_assignee() {
    let Some(app) = demo().await else { return };
    // Eve: Restricted reply, full member of group 1.
    let reply = send(
        &app,
        "PUT",
        "/api/conversations/1/assignee",
        CLEO,
        json!({"user": EVE}),
    )
    .await;
    reply.expect(200, None);
    assert_eq!(reply.json["assignee"], EVE);
    assert_eq!(inbox(&app, EVE).await, [1, 3, 5]);
    // Unassign.
    let reply = send(
        &app,
        "PUT",
        "/api/conversations/1/assignee",
        CLEO,
        json!({"user": null}),
    )
    .await;
    reply.expect(200, None);
    assert_eq!(reply.json["assignee"], json!(null));
    assert_eq!(inbox(&app, EVE).await, [3, 5]);
    // Cleo reaches every group at Global.
    send(
        &app,
        "PUT",
        "/api/conversations/6/assignee",
        BEN,
        json!({"user": CLEO}),
    )
    .await
    .expect(200, None);

    // Not a member of group 2.
    let reply = send(
        &app,
        "PUT",
        "/api/conversations/2/assignee",
        CLEO,
        json!({"user": EVE}),
    )
    .await;
    reply.expect(422, Some("invalid_input"));
    assert_eq!(
        reply.reason(),
        "Eve (user 5) cannot be assigned conversation 2: its group 2 is not one of their \
         groups, and role \"Restricted User\" grants reply at Restricted scope, not Global"
    );
    // A view-only member cannot be assigned.
    let reply = send(
        &app,
        "PUT",
        "/api/conversations/2/assignee",
        CLEO,
        json!({"user": DEV}),
    )
    .await;
    reply.expect(422, Some("invalid_input"));
    assert_eq!(
        reply.reason(),
        "Dev (user 4) cannot be assigned conversation 2: its group 2 is one of their view-only \
         groups (a view-only member cannot be assigned), and role \"Sales User\" grants reply \
         at Group scope, not Global"
    );
    // No reply at all.
    let reply = send(
        &app,
        "PUT",
        "/api/conversations/5/assignee",
        CLEO,
        json!({"user": FINN}),
    )
    .await;
    reply.expect(422, Some("invalid_input"));
    assert!(
        reply.reason().contains("does not grant reply"),
        "{}",
        reply.text
    );
    // No such user.
    send(
        &app,
        "PUT",
        "/api/conversations/5/assignee",
        CLEO,
        json!({"user": 77}),
    )
    .await
    .expect(422, Some("invalid_input"));
    send(
        &app,
        "PUT",
        "/api/conversations/5/assignee",
        CLEO,
        json!({"user": -1}),
    )
    .await
    .expect(422, Some("invalid_input"));
    // The actor lacks assign_conversation.
    let reply = send(
        &app,
        "PUT",
        "/api/conversations/1/assignee",
        DEV,
        json!({"user": DEV}),
    )
    .await;
    reply.expect(403, Some("forbidden"));
    assert_eq!(
        reply.reason(),
        "denied: role \"Sales User\" does not grant assign_conversation"
    );
    // Refusals changed nothing.
    let page = get(&app, "/api/conversations/2", ADA).await;
    assert_eq!(page.json["assignee"], json!(null));
}

async fn picker(app: &axum::Router, conversation: i64, permission: &str) -> Vec<i64> {
    let reply = get(
        app,
        &format!("/api/conversations/{conversation}/agents?permission={permission}"),
        ADA,
    )
    .await;
    reply.expect(200, None);
    ids(&reply.json["agents"])
}

#[tokio::test]
async fn pickers_list_the_agents_who_may() {
    let Some(app) = demo().await else { return };
    assert_eq!(picker(&app, 1, "view_conversations").await, [1, 2, 3, 4]);
    assert_eq!(picker(&app, 1, "reply").await, [1, 2, 3, 4]);
    assert_eq!(picker(&app, 2, "view_conversations").await, [1, 2, 3, 4]);
    assert_eq!(picker(&app, 2, "add_private_note").await, [1, 2, 3, 4]);
    assert_eq!(picker(&app, 2, "reply").await, [1, 2, 3]);
    assert_eq!(picker(&app, 3, "reply").await, [1, 2, 3, 5]);
    assert_eq!(picker(&app, 4, "reply").await, [1, 2, 3, 4]);
    assert_eq!(picker(&app, 5, "reply").await, [1, 2, 3, 5]);
    assert_eq!(picker(&app, 6, "delete_conversation").await, [1, 2]);
    assert_eq!(
        picker(&app, 1, "reply,assign_conversation").await,
        [1, 2, 3]
    );
    let reply = get(&app, "/api/conversations/5/agents?permission=reply", CLEO).await;
    assert_eq!(reply.json["agents"][3]["name"], "Eve");

    get(&app, "/api/conversations/1/agents?permission=fly", ADA)
        .await
        .expect(400, Some("bad_request"));
    get(&app, "/api/conversations/1/agents", ADA)
        .await
        .expect(400, Some("bad_request"));
    get(&app, "/api/conversations/1/agents?permission=reply", FINN)
        .await
        .expect(403, Some("forbidden"));
    get(&app, "/api/conversations/70/agents?permission=reply", ADA)
        .await
        .expect(404, Some("not_found"));
}
