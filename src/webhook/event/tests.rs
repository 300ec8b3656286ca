use super::*;
use crate::webhook::fixtures::{self, Layout, TokenSource};
use serde_json::json;
use serde_json::Value;

fn fixture_events(name: &str) -> Vec<Event> {
    let f = fixtures::find(name).unwrap_or_else(|| panic!("no fixture {name}"));
    let body = fixtures::render(
        f,
        &mut TokenSource::seeded(1, 1_718_000_000),
        &[],
        Layout::Compact,
    )
    .unwrap();
    extract(&body).unwrap()
}

fn only_message(name: &str) -> Message {
    match fixture_events(name).as_slice() {
        [Event::Message(m)] => m.clone(),
        other => panic!("{name}: expected one message, got {other:?}"),
    }
}

fn only_status(name: &str) -> Status {
    match fixture_events(name).as_slice() {
        [Event::Status(s)] => s.clone(),
        other => panic!("{name}: expected one status, got {other:?}"),
    }
}

#[test]
fn seed_messages_example() {
    let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1234567890","phone_number_id":"P"},"messages":[{"from":"1234567890","id":"wamid.xxx","timestamp":"1234567890","text":{"body":"Hello, I need help with my order"},"type":"text"}]},"field":"messages"}]}]}"#;
    let events = extract(body).unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        e.to_json(),
        json!({"kind":"message","type":"text","id":"wamid.xxx","from":"1234567890",
               "text":"Hello, I need help with my order","timestamp":"1234567890",
               "content":"Hello, I need help with my order",
               "user_id":null,"username":null,"parent_user_id":null})
    );
    assert_eq!(
        e.summary(),
        "message text wamid.xxx from 1234567890: Hello, I need help with my order"
    );
    assert_eq!(e.dedup_key().as_deref(), Some("message:wamid.xxx"));
    // The first four keys are the documented ones, in order.
    let keys: Vec<String> = e.to_json().as_object().unwrap().keys().cloned().collect();
    assert_eq!(&keys[..5], ["kind", "type", "id", "from", "text"]);
}

#[test]
fn seed_status_and_error_examples() {
    let s = only_status("message_status");
    assert_eq!(s.status, "delivered");
    let e = Event::Status(s.clone());
    assert_eq!(
        e.summary(),
        format!("status delivered {} → {}", s.id, s.recipient_id)
    );
    assert_eq!(e.dedup_key().unwrap(), format!("status:{}:delivered", s.id));
    let j = e.to_json();
    assert_eq!(j["kind"], "status");
    assert_eq!(j["recipient_id"], json!(s.recipient_id));
    assert!(j.get("errors").is_none());

    let events = fixture_events("message_errors");
    let [Event::Error(err)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(err.code, Some(131026));
    assert_eq!(
        events[0].summary(),
        "error 131026 Message undeliverable: The message could not be delivered \
         (Recipient phone number is not a WhatsApp number)"
    );
    assert_eq!(
        events[0].to_json(),
        json!({"kind":"error","code":131026,"title":"Message undeliverable",
               "message":"The message could not be delivered",
               "details":"Recipient phone number is not a WhatsApp number"})
    );
    assert_eq!(events[0].dedup_key(), None);
}

#[test]
fn text_message_with_profile_name() {
    let m = only_message("message_text");
    assert_eq!(m.kind, "text");
    assert_eq!(
        m.content,
        "Bonjour, je voudrais changer ma commande — merci 😮"
    );
    assert_eq!(m.profile_name.as_deref(), Some("Amélie Laurent"));
    assert!(m.id.starts_with("wamid.HBg"));
    assert_eq!(m.timestamp.as_deref(), Some("1718000000"));
    let e = Event::Message(m.clone());
    assert_eq!(
        e.summary(),
        format!(
            "message text {} from {} (Amélie Laurent): Bonjour, je voudrais changer ma commande — merci 😮",
            m.id, m.from
        )
    );
    assert_eq!(e.to_json()["profile_name"], "Amélie Laurent");
}

#[test]
fn media_messages() {
    let cases = [
        (
            "message_image",
            "image",
            "image/jpeg \"Voici la photo du colis abîmé\"",
        ),
        (
            "message_video",
            "video",
            "video/mp4 \"Unboxing video / first try\"",
        ),
        ("message_audio", "audio", "audio/ogg; codecs=opus (voice)"),
        (
            "message_document",
            "document",
            "application/pdf facture-2024-0042.pdf \"Facture n°2024-0042\"",
        ),
        ("message_sticker", "sticker", "image/webp"),
    ];
    for (name, kind, content) in cases {
        let m = only_message(name);
        assert_eq!(m.kind, kind, "{name}");
        assert_eq!(m.content, content, "{name}");
        assert!(Event::Message(m).to_json().get("text").is_none());
    }
}

#[test]
fn location_contacts_interactive_button() {
    assert_eq!(
        only_message("message_location").content,
        "Café de Flore, 172 Boulevard Saint-Germain, 75006 Paris (48.854053, 2.332613)"
    );
    assert_eq!(only_message("message_contacts").content, "Jean Dupont");
    let m = only_message("message_button_reply");
    assert_eq!(
        (m.kind.as_str(), m.content.as_str()),
        ("interactive", "Yes, deliver it")
    );
    assert!(m.context_id().unwrap().starts_with("wamid."));
    assert_eq!(
        Event::Message(m.clone()).to_json()["context_id"],
        json!(m.context_id().unwrap())
    );
    assert_eq!(
        only_message("message_list_reply").content,
        "Friday morning (Delivery between 8:00 and 12:00)"
    );
    let m = only_message("message_button");
    assert_eq!(
        (m.kind.as_str(), m.content.as_str()),
        ("button", "Track my order")
    );
}

#[test]
fn reaction_order_system_unsupported() {
    let m = only_message("message_reaction");
    let target = m.raw["reaction"]["message_id"].as_str().unwrap();
    assert_eq!(m.content, format!("❤️ to {target}"));
    assert_eq!(
        only_message("message_order").content,
        "3 items, total 52.48 EUR: Livraison avant vendredi svp"
    );
    let m = only_message("message_system");
    assert!(
        m.content.starts_with("Amélie Laurent changed from "),
        "{}",
        m.content
    );
    assert_eq!(m.profile_name, None);
    assert_eq!(
        only_message("message_unsupported").content,
        "Message type unknown"
    );
}

#[test]
fn removed_reaction() {
    let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"from":"1","id":"wamid.r","type":"reaction","reaction":{"message_id":"wamid.a","emoji":""}}]}}]}]}"#;
    let ev = extract(body).unwrap();
    assert_eq!(
        ev[0].summary(),
        "message reaction wamid.r from 1: removed reaction to wamid.a"
    );
}

#[test]
fn statuses() {
    for st in ["sent", "delivered", "read"] {
        let s = only_status(&format!("status_{st}"));
        assert_eq!(s.status, st);
        assert!(s.errors.is_empty());
    }
    let s = only_status("status_failed");
    assert_eq!(s.errors.len(), 1);
    assert_eq!(s.errors[0].code, Some(131047));
    let e = Event::Status(s.clone());
    let sum = e.summary();
    assert!(
        sum.starts_with(&format!(
            "status failed {} → {}: 131047 Re-engagement message (Message failed",
            s.id, s.recipient_id
        )),
        "{sum}"
    );
    let j = e.to_json();
    assert_eq!(j["errors"][0]["code"], 131047);
    assert_eq!(j["errors"][0]["title"], "Re-engagement message");
}

#[test]
fn out_of_band_errors() {
    let ev = fixture_events("errors");
    let [Event::Error(e)] = ev.as_slice() else {
        panic!("{ev:?}")
    };
    assert_eq!(e.code, Some(131000));
    assert_eq!(e.title, "Something went wrong");
    // The message repeats the title: shown once.
    assert!(ev[0]
        .summary()
        .starts_with("error 131000 Something went wrong (Unknown error."));
}

#[test]
fn batch_yields_every_event_in_document_order() {
    let ev = fixture_events("batch");
    let kinds: Vec<String> = ev
        .iter()
        .map(|e| match e {
            Event::Message(m) => format!("message:{}", m.kind),
            Event::Status(s) => format!("status:{}", s.status),
            other => other.kind_str().to_string(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "message:text",
            "message:reaction",
            "status:sent",
            "status:delivered",
            "status:read",
            "message:text",
            "status:failed"
        ]
    );
    // Labelled tokens tie the reaction and the statuses to one outgoing message.
    let Event::Message(reaction) = &ev[1] else {
        unreachable!()
    };
    let target = reaction.raw["reaction"]["message_id"].as_str().unwrap();
    assert_eq!(ev[2].id(), Some(target));
    assert_eq!(ev[4].id(), Some(target));
    // Same id, different statuses: different dedup keys.
    let keys: std::collections::HashSet<_> = ev.iter().filter_map(Event::dedup_key).collect();
    assert_eq!(keys.len(), ev.len());
    // Profile names come from each change's own contacts.
    let Event::Message(second) = &ev[5] else {
        unreachable!()
    };
    assert_eq!(second.profile_name.as_deref(), Some("Jean Dupont"));
}

#[test]
fn unknown_shapes_are_never_dropped() {
    let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[
        {"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":42,"message_template_name":"order_update"}},
        {"field":"messages","value":{"messaging_product":"whatsapp","messages":[{"from":"9","id":"wamid.n","type":"hologram","hologram":{"label":"3D hello"}}],"calls":[{"id":"c1"}]}},
        {"field":"messages","value":{"messaging_product":"whatsapp","statuses":[]}}
    ]},{"id":"2"}]}"#;
    let ev = extract(body).unwrap();
    assert_eq!(ev.len(), 5, "{ev:?}");
    // A known account field is an account event now, with its facts.
    assert_eq!(
        ev[0],
        Event::Account {
            field: "message_template_status_update".into(),
            summary: "template APPROVED  order_update".into(),
            fields: vec![
                ("event".into(), "APPROVED".into()),
                ("message_template_id".into(), "42".into()),
                ("message_template_name".into(), "order_update".into()),
            ],
        }
    );
    let Event::Message(m) = &ev[1] else {
        panic!("{ev:?}")
    };
    assert_eq!(
        (m.kind.as_str(), m.content.as_str()),
        ("hologram", "3D hello")
    );
    assert!(matches!(&ev[2], Event::Other { summary, .. } if summary == r#"calls=[{"id":"c1"}]"#));
    assert_eq!(
        ev[3].summary(),
        "field messages  keys: messaging_product, statuses"
    );
    assert_eq!(ev[4].summary(), "other: entry 1 has no changes array");
    assert_eq!(
        ev[0].to_json(),
        json!({"kind":"account","field":"message_template_status_update",
               "summary":"template APPROVED  order_update",
               "fields":{"event":"APPROVED","message_template_id":"42",
                         "message_template_name":"order_update"}})
    );
    assert_eq!(ev[0].dedup_key(), None);
}

#[test]
fn odd_values_do_not_panic() {
    let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{
        "messages":[1,{"type":"text"},{"type":"location","location":{"latitude":1.5,"longitude":"2"}},
                    {"type":"order","order":{"product_items":[{"quantity":"2","item_price":"1.5","currency":"USD"},{"currency":"EUR"}]}}],
        "statuses":[null,{"id":"x"}],"errors":[{"code":"12"},{}]}},
        {"value":[]}]}]}"#;
    let ev = extract(body).unwrap();
    let lines: Vec<String> = ev.iter().map(Event::summary).collect();
    assert_eq!(
        lines,
        [
            "field messages  message is a number, not an object",
            "message text  from unknown",
            "message location  from unknown: 1.5, 2",
            "message order  from unknown: 3 items, total 3.00 (mixed currencies: USD, EUR)",
            "field statuses  status is null, not an object",
            "status unknown x → unknown",
            "error 12 unknown error",
            "error unknown error",
            "other: change without a value object",
        ]
    );
    assert_eq!(ev[1].dedup_key(), None);
}

#[test]
fn summaries_are_one_line_and_bounded() {
    let long = "line one\nline two\t".repeat(40);
    let body = json!({"object":"whatsapp_business_account","entry":[{"changes":[{"value":{
        "messages":[{"from":"1","id":"wamid.l","type":"text","text":{"body": long}}]}}]}]});
    let ev = extract_value(&body).unwrap();
    let s = ev[0].summary();
    assert!(!s.contains('\n') && !s.contains('\t'));
    assert!(s.ends_with('…'));
    assert!(s.chars().count() < 220);
    // The JSON view keeps the full text.
    assert_eq!(ev[0].to_json()["text"], json!(long));
}

#[test]
fn bodies_that_are_not_webhooks() {
    let cases: [(&[u8], &str); 7] = [
        (b"", "not JSON: EOF while parsing"),
        (b"hello", "not JSON: expected value"),
        (
            b"[1]",
            "not a WhatsApp webhook: the top level is an array, not an object",
        ),
        (b"{}", "not a WhatsApp webhook: no \"object\" field"),
        (
            br#"{"object":"page","entry":[]}"#,
            "not a WhatsApp webhook: \"object\" is page, expected",
        ),
        (
            br#"{"object":"whatsapp_business_account"}"#,
            "not a WhatsApp webhook: no \"entry\" array",
        ),
        (b"\xff\xfe", "not JSON: "),
    ];
    for (body, want) in cases {
        let err = extract(body).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with(want), "{text} !~ {want}");
        assert!(!text.contains('\n'));
    }
    assert_eq!(
        extract(br#"{"object":"whatsapp_business_account","entry":[]}"#).unwrap(),
        []
    );
}

/// What `extract` gave when it parsed into `serde_json::Value` (the reference).
fn via_value(body: &[u8]) -> Result<Vec<Event>, ParseError> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| ParseError::NotJson(e.to_string()))?;
    extract_value(&root)
}

/// `extract`, `extract_value` and `Document::events` agree on a body, event for event.
fn same_everywhere(body: &[u8]) -> Result<(), String> {
    let owned = extract(body);
    if owned != via_value(body) {
        return Err(format!(
            "extract {owned:?} != via Value {:?}",
            via_value(body)
        ));
    }
    let views = Document::parse(body).and_then(|d| {
        let views = d.events()?;
        for v in &views {
            let mut written = Vec::new();
            v.write_json(&mut written);
            assert_eq!(
                String::from_utf8(written).unwrap(),
                serde_json::to_string(v).unwrap()
            );
        }
        Ok(views
            .iter()
            .map(|v| {
                (
                    v.summary(),
                    serde_json::to_value(v).unwrap(),
                    v.kind_str(),
                    v.dedup_key(),
                )
            })
            .collect::<Vec<_>>())
    });
    let want = owned.map(|events| {
        events
            .iter()
            .map(|e| (e.summary(), e.to_json(), e.kind_str(), e.dedup_key()))
            .collect::<Vec<_>>()
    });
    if views != want {
        return Err(format!("views {views:?} != events {want:?}"));
    }
    Ok(())
}

#[test]
fn borrowed_tree_matches_value_on_odd_json() {
    let cases: &[&[u8]] = &[
        // A repeated key keeps its first position and its last value.
        br#"{"object":"page","object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[{"type":"text","text":{"body":"a"},"text":{"body":"b"}}],"zz":{"a":1},"messages":[{"type":"x","x":"second"}]}}]}]}"#,
        br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k1":[1],"k17":{}}}]}]}"#,
        br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"f\u00e9","value":{"messages":[{"type":"t\u0065xt","text":{"body":"caf\u00e9 \ud83d\ude00"},"context":{"id":7}}],"n":[1e400,-0,1.5e-7,18446744073709551615,-9223372036854775808]}}]}]}"#,
        br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[{"type":"location","location":{"latitude":1e2,"longitude":-0.0}}]}}]}]} "#,
        b"\"\\ud800\"",
        b"{\"a\":\"\xff\"}",
        b"[1,2",
        b"{} x",
        b"",
    ];
    for body in cases {
        same_everywhere(body).unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(body)));
    }
}

#[test]
fn fixtures_are_read_without_serde() {
    for f in fixtures::catalogue() {
        let body = fixtures::render(
            f,
            &mut TokenSource::seeded(1, 1_718_000_000),
            &[],
            Layout::Compact,
        )
        .unwrap();
        let text = std::str::from_utf8(&body).unwrap();
        let theirs: Value = serde_json::from_str(text).unwrap();
        match tape_fast(text) {
            Some(tape) => assert_eq!(At::root(&tape).to_value(), theirs, "{}", f.name),
            // Only floats are left to serde_json.
            None => assert!(text.contains('.'), "{}: {text}", f.name),
        }
    }
    // Deep nesting is left to serde_json, and its recursion limit.
    for depth in [100, 200] {
        let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(tape_fast(&deep).is_none());
        assert_eq!(extract(deep.as_bytes()), via_value(deep.as_bytes()));
    }
    assert!(
        matches!(extract(&[b'['; 200]), Err(ParseError::NotJson(e)) if e.contains("recursion"))
    );
}

fn json_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let key = prop::sample::select(vec![
        "object",
        "entry",
        "changes",
        "value",
        "field",
        "messages",
        "statuses",
        "errors",
        "contacts",
        "profile",
        "name",
        "wa_id",
        "id",
        "from",
        "type",
        "text",
        "body",
        "context",
        "timestamp",
        "status",
        "recipient_id",
        "code",
        "title",
        "message",
        "error_data",
        "details",
        "image",
        "caption",
        "voice",
        "location",
        "latitude",
        "longitude",
        "interactive",
        "button_reply",
        "list_reply",
        "description",
        "reaction",
        "emoji",
        "message_id",
        "order",
        "product_items",
        "quantity",
        "item_price",
        "currency",
        "unsupported",
        "metadata",
        "formatted_name",
        "first_name",
        "te\\u0078t",
    ]);
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (-1e6f64..1e6).prop_map(|f| format!("{f:e}")),
        "[a-zé😀\\\\\"\n\t -]{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        key.clone().prop_map(|k| format!("\"{k}\"")),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((key.clone(), inner), 0..7).prop_map(|fields| {
                let fields: Vec<String> =
                    fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}

proptest::proptest! {
    #[test]
    fn borrowed_tree_matches_value_on_webhooks(
        m in json_text(), s in json_text(), c in json_text(), e in json_text(),
        x in json_text(), k in "[a-z]{1,3}", change in json_text(),
    ) {
        let body = format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"changes":[{{"field":"messages","value":{{"contacts":[{c}],"messages":[{m},{{"type":"text","text":{m}}}],"statuses":[{s}],"errors":[{e}],"{k}":{x}}}}},{change}]}},{x}]}}"#
        );
        if let Err(err) = same_everywhere(body.as_bytes()) {
            proptest::prop_assert!(false, "{body}: {err}");
        }
    }

    #[test]
    fn scanner_reads_what_serde_reads(text in json_text()) {
        if let Some(tape) = tape_fast(&text) {
            let theirs: Value = serde_json::from_str(&text).unwrap();
            proptest::prop_assert_eq!(At::root(&tape).to_value(), theirs, "{}", text);
        }
    }

    #[test]
    fn borrowed_tree_matches_value_on_any_json(text in json_text()) {
        if let Err(err) = same_everywhere(text.as_bytes()) {
            proptest::prop_assert!(false, "{text}: {err}");
        }
    }

    #[test]
    fn borrowed_tree_matches_value_on_any_bytes(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
        if let Err(err) = same_everywhere(&body) {
            proptest::prop_assert!(false, "{body:?}: {err}");
        }
    }
}
