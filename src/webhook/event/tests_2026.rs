//! The 2026 shapes: business-scoped user ids, username-only senders, account-level fields and
//! fields we do not know. Payloads follow Meta's webhook reference (the URL above each).

use super::*;
use serde_json::json;

fn one(body: &str) -> Event {
    let events = extract(body.as_bytes()).unwrap();
    // The borrowed fast path gives the same events.
    let doc = Document::parse(body.as_bytes()).unwrap();
    let views = doc.events().unwrap();
    assert_eq!(
        views.iter().map(EventView::summary).collect::<Vec<_>>(),
        events.iter().map(Event::summary).collect::<Vec<_>>()
    );
    match <[Event; 1]>::try_from(events) {
        Ok([e]) => e,
        Err(events) => panic!("expected one event, got {events:?}"),
    }
}

fn change(field: &str, value: &str) -> String {
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398","time":1739321024,"changes":[{{"field":"{field}","value":{value}}}]}}]}}"#
    )
}

const META: &str = r#""messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"}"#;

// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/text/
// with the sender's BSUID and parent BSUID on its contact (Meta's "Business-scoped user IDs").
#[test]
fn a_message_carries_its_senders_bsuid() {
    let e = one(&change(
        "messages",
        &format!(
            r#"{{{META},"contacts":[{{"profile":{{"name":"Sheena Nelson"}},"wa_id":"16505551234","user_id":"US.13491208655302741918","parent_user_id":"US.ENT.11815799212886844830"}}],
            "messages":[{{"from":"16505551234","id":"wamid.A","timestamp":"1749416383","type":"text","text":{{"body":"Hi"}}}}]}}"#
        ),
    ));
    assert_eq!(
        e.summary(),
        "message text wamid.A from 16505551234 (Sheena Nelson): Hi"
    );
    let j = e.to_json();
    assert_eq!(j["user_id"], "US.13491208655302741918");
    assert_eq!(j["parent_user_id"], "US.ENT.11815799212886844830");
    assert_eq!(j["username"], json!(null));
    let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
    assert_eq!(
        keys[keys.len() - 3..],
        ["user_id", "username", "parent_user_id"]
    );
    assert_eq!(e.dedup_key().as_deref(), Some("message:wamid.A"));
}

// A username user whose phone number is withheld (mid-2026): no wa_id, no `from`.
#[test]
fn a_username_only_sender_is_shown_by_username() {
    let e = one(&change(
        "messages",
        &format!(
            r#"{{{META},"contacts":[{{"profile":{{"name":"Sheena","username":"@sheena"}},"user_id":"US.13491208655302741918"}}],
            "messages":[{{"id":"wamid.U","timestamp":"1749416383","type":"text","text":{{"body":"Hi"}}}}]}}"#
        ),
    ));
    assert_eq!(
        e.summary(),
        "message text wamid.U from @sheena (Sheena): Hi"
    );
    let j = e.to_json();
    assert_eq!(
        (&j["from"], &j["user_id"], &j["username"]),
        (
            &json!(""),
            &json!("US.13491208655302741918"),
            &json!("@sheena")
        )
    );
    // Still deduplicated by its id.
    assert_eq!(e.dedup_key().as_deref(), Some("message:wamid.U"));
    let Event::Message(m) = &e else {
        unreachable!()
    };
    assert_eq!(
        m.ids.describe().as_deref(),
        Some("user_id US.13491208655302741918  username @sheena")
    );
}

#[test]
fn without_phone_or_username_the_bsuid_and_never_an_empty_sender() {
    // Matched by the message's own BSUID among two contacts.
    let e = one(&change(
        "messages",
        &format!(
            r#"{{{META},"contacts":[{{"profile":{{"name":"A"}},"user_id":"US.1"}},{{"profile":{{"name":""}},"user_id":"BR.1502576394655843"}}],
            "messages":[{{"from_user_id":"BR.1502576394655843","id":"wamid.B","type":"text","text":{{"body":"Oi"}}}}]}}"#
        ),
    ));
    assert_eq!(
        e.summary(),
        "message text wamid.B from BR.1502576394655843: Oi"
    );
    // No from, no contact at all.
    let e = one(&change(
        "messages",
        r#"{"messages":[{"id":"wamid.C","type":"text","text":{"body":"?"}}]}"#,
    ));
    assert_eq!(e.summary(), "message text wamid.C from unknown: ?");
    assert_eq!(e.to_json()["user_id"], json!(null));
}

// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status/
// with the recipient's BSUID beside recipient_id and a contacts array.
#[test]
fn a_status_carries_its_recipients_bsuid() {
    let e = one(&change(
        "messages",
        &format!(
            r#"{{{META},"contacts":[{{"profile":{{"name":"Sheena","username":"sheena"}},"user_id":"US.13491208655302741918"}}],
            "statuses":[{{"id":"wamid.S","status":"delivered","timestamp":"1750263773","recipient_user_id":"US.13491208655302741918","parent_recipient_user_id":"US.ENT.11815799212886844830"}}]}}"#
        ),
    ));
    assert_eq!(e.summary(), "status delivered wamid.S → @sheena");
    let j = e.to_json();
    assert_eq!(j["user_id"], "US.13491208655302741918");
    assert_eq!(j["parent_user_id"], "US.ENT.11815799212886844830");
    assert_eq!(j["username"], "sheena");
    assert_eq!(e.dedup_key().as_deref(), Some("status:wamid.S:delivered"));
    // A phone number still wins; the BSUID is still reported.
    let e = one(&change(
        "messages",
        r#"{"statuses":[{"id":"wamid.T","status":"read","recipient_id":"16505551234","recipient_user_id":"US.9"}]}"#,
    ));
    assert_eq!(e.summary(), "status read wamid.T → 16505551234");
    assert_eq!(e.to_json()["user_id"], "US.9");
}

// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update
#[test]
fn template_status() {
    let e = one(&change(
        "message_template_status_update",
        r#"{"event":"APPROVED","message_template_id":1689556908129832,"message_template_name":"order_update","message_template_language":"en_US","reason":"NONE","message_template_category":"UTILITY"}"#,
    ));
    assert_eq!(e.summary(), "template APPROVED  order_update (en_US)");
    assert_eq!(e.kind_str(), "account");
    let j = e.to_json();
    assert_eq!(j["field"], "message_template_status_update");
    assert_eq!(j["fields"]["message_template_id"], "1689556908129832");
    assert_eq!(j["fields"]["reason"], "NONE");
    assert_eq!(e.dedup_key(), None);
    let e = one(&change(
        "message_template_status_update",
        r#"{"event":"REJECTED","message_template_id":1,"message_template_name":"promo","message_template_language":"pt_BR","reason":"INVALID_FORMAT"}"#,
    ));
    assert_eq!(
        e.summary(),
        "template REJECTED (INVALID_FORMAT)  promo (pt_BR)"
    );
}

// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_quality_update
#[test]
fn template_quality() {
    let e = one(&change(
        "message_template_quality_update",
        r#"{"previous_quality_score":"GREEN","new_quality_score":"YELLOW","message_template_id":1,"message_template_name":"order_update","message_template_language":"en_US"}"#,
    ));
    assert_eq!(e.summary(), "quality  GREEN → YELLOW  order_update (en_US)");
}

// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/template_category_update
#[test]
fn template_category() {
    let done = one(&change(
        "template_category_update",
        r#"{"message_template_id":1,"message_template_name":"order_update","message_template_language":"en_US","previous_category":"UTILITY","new_category":"MARKETING"}"#,
    ));
    assert_eq!(
        done.summary(),
        "category  UTILITY → MARKETING  order_update (en_US)"
    );
    let impending = one(&change(
        "template_category_update",
        r#"{"message_template_id":1,"message_template_name":"order_update","message_template_language":"en_US","correct_category":"MARKETING","new_category":"UTILITY","category_update_timestamp":1739321024}"#,
    ));
    assert_eq!(
        impending.summary(),
        "category  UTILITY → MARKETING (impending)  order_update (en_US)"
    );
}

// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/phone_number_quality_update
#[test]
fn phone_number_quality() {
    let e = one(&change(
        "phone_number_quality_update",
        r#"{"display_phone_number":"15550783881","event":"UPGRADE","old_limit":"TIER_1K","current_limit":"TIER_10K","max_daily_conversations_per_business":"TIER_10K"}"#,
    ));
    assert_eq!(
        e.summary(),
        "phone quality UPGRADE  15550783881  limit TIER_1K → TIER_10K"
    );
    let e = one(&change(
        "phone_number_quality_update",
        r#"{"display_phone_number":"15550783881","event":"FLAGGED","max_daily_conversations_per_business":"TIER_2K"}"#,
    ));
    assert_eq!(
        e.summary(),
        "phone quality FLAGGED  15550783881  max daily TIER_2K"
    );
}

// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/account_update
#[test]
fn account_update() {
    let e = one(&change(
        "account_update",
        r#"{"event":"ACCOUNT_VIOLATION","violation_info":{"violation_type":"SCAM"}}"#,
    ));
    assert_eq!(e.summary(), "account ACCOUNT_VIOLATION  SCAM");
    assert_eq!(
        e.to_json()["fields"]["violation_info.violation_type"],
        "SCAM"
    );
    let e = one(&change(
        "account_update",
        r#"{"event":"PARTNER_ADDED","waba_info":{"waba_id":"1","owner_business_id":"2"}}"#,
    ));
    assert_eq!(e.summary(), "account PARTNER_ADDED");
    let e = one(&change(
        "account_update",
        r#"{"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":"2026-12-31T23:59:59+0000"},{"restriction_type":"RESTRICTED_ADD_PHONE_NUMBER_ACTION","expiration":"2026-12-31T23:59:59+0000"}]}"#,
    ));
    assert_eq!(
        e.summary(),
        "account ACCOUNT_RESTRICTION  RESTRICTED_BIZ_INITIATED_MESSAGING, RESTRICTED_ADD_PHONE_NUMBER_ACTION"
    );
    let j = e.to_json();
    assert_eq!(
        j["fields"]["restriction_info.1.restriction_type"],
        "RESTRICTED_ADD_PHONE_NUMBER_ACTION"
    );
    assert_eq!(
        j["fields"]["restriction_info.0.expiration"],
        "2026-12-31T23:59:59+0000"
    );
}

// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/user_preferences
// with the user's BSUID (Meta's "Business-scoped user IDs").
#[test]
fn user_preferences() {
    let body = change(
        "user_preferences",
        &format!(
            r#"{{{META},"contacts":[{{"profile":{{"name":"Sheena"}},"user_id":"US.13491208655302741918"}}],
            "user_preferences":[{{"user_id":"US.13491208655302741918","detail":"User requested to stop marketing messages","category":"marketing_messages","value":"stop","timestamp":1731705721}}]}}"#
        ),
    );
    let e = one(&body);
    assert_eq!(e.summary(), "marketing opt-out  US.1349…");
    let j = e.to_json();
    assert_eq!(j["fields"]["user_id"], "US.13491208655302741918");
    assert_eq!(j["fields"]["value"], "stop");
    let e = one(&change(
        "user_preferences",
        r#"{"user_preferences":[{"wa_id":"16505551234","category":"marketing_messages","value":"resume","timestamp":1731705721}]}"#,
    ));
    assert_eq!(e.summary(), "marketing opt-in  16505551234");
}

// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/smb_message_echoes
// A message the business sent from the WhatsApp Business app: one event per echo.
#[test]
fn a_business_app_echo_names_its_recipient_and_content() {
    let e = one(&change(
        "smb_message_echoes",
        &format!(
            r#"{{{META},"message_echoes":[{{"from":"15550783881","to":"16505551234","id":"wamid.ECHO1","timestamp":"1739321024","type":"text","text":{{"body":"See you tomorrow"}}}}]}}"#
        ),
    ));
    assert_eq!(e.summary(), "echo text → 16505551234: See you tomorrow");
    assert_eq!(e.kind_str(), "account");
    assert_eq!(e.to_json()["fields"]["to"], "16505551234");
    assert_eq!(e.dedup_key(), None);
    let e = one(&change(
        "smb_message_echoes",
        &format!(r#"{{{META},"message_echoes":[{{"id":"wamid.ECHO2","type":"revoke"}}]}}"#),
    ));
    assert_eq!(e.summary(), "echo revoke → unknown");
}

#[test]
fn a_field_we_do_not_know_is_printed_with_its_keys() {
    let e = one(&change("foo_update", r#"{"a":1,"b":{"c":2},"c":[3]}"#));
    assert_eq!(e.summary(), "field foo_update  keys: a, b, c");
    assert_eq!(
        e.to_json(),
        json!({"kind":"other","field":"foo_update","summary":"keys: a, b, c"})
    );
    // A field Meta sends that we give no summary of yet keeps its name and keys too.
    let e = one(&change(
        "calls",
        &format!(r#"{{{META},"calls":[{{"id":"wacid.1"}}]}}"#),
    ));
    assert_eq!(
        e.summary(),
        "field calls  keys: messaging_product, metadata, calls"
    );
}

// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/system/
// `user_changed_user_id`: no contacts array, no phone number, only the new BSUID.
#[test]
fn a_changed_user_id_names_the_user_by_its_new_bsuid() {
    let e = one(&change(
        "messages",
        &format!(
            r#"{{{META},"messages":[{{"id":"wamid.SYS","timestamp":"1749416383","type":"system","system":{{"body":"User Sheena changed from US.1 to US.2","user_id":"US.2","type":"user_changed_user_id"}}}}]}}"#
        ),
    ));
    assert_eq!(
        e.summary(),
        "message system wamid.SYS from US.2: User Sheena changed from US.1 to US.2"
    );
    assert_eq!(e.to_json()["user_id"], "US.2");
}
