//! Property-based fuzzing of what comes from outside: link tokens, contact sessions, cursors and
//! event batches. Whatever the input, decoding never panics, and only what we signed verifies.

use proptest::prelude::*;
use shared::activity::{Activity, ObjectKind};
use shared::contact_session::ContactSession;
use shared::event::decode_batch;
use shared::link_token::{LinkDetails, LinkToken};
use shared::signing::Keyring;

fn keys() -> Keyring {
    Keyring::new(vec![("k1".into(), vec![42u8; 32]), ("k0".into(), vec![7u8; 32])]).expect("test keys")
}

/// A version 2 (sealed) token when `name` is given, else a version 1 (signed) one.
fn token(
    planroom: String,
    blast: String,
    recipient: String,
    target: String,
    expires_at: i64,
    name: Option<String>,
) -> LinkToken {
    LinkToken {
        planroom,
        blast,
        recipient,
        job: "job-1".into(),
        target_kind: ObjectKind::File,
        target_id: target,
        action: Activity::View,
        expires_at,
        details: name.map(|name| LinkDetails {
            email: "a@b.test".into(),
            company: Some(name.clone()),
            target_name: name.clone(),
            name,
            sent_at_ms: 1_700_000_000_000,
            job_name: "Job".into(),
            job_number: None,
            job_is_demo: false,
            job_time_zone: "UTC".into(),
        }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_verifies_as_a_link_session_or_cursor(text in ".{0,300}") {
        let keys = keys();
        prop_assert!(LinkToken::decode(&text, &keys, 0).is_err());
        prop_assert!(ContactSession::decode(&text, &keys, 0).is_err());
        prop_assert!(shared::cursor::decode(&keys, "scope", &text).is_err());
    }

    #[test]
    fn tokens_round_trip_and_any_single_change_is_rejected(
        planroom in "\\PC{1,40}", blast in "[a-z0-9-]{1,40}", recipient in "[0-9a-f]{32}", target in "\\PC{1,60}",
        position in any::<prop::sample::Index>(), replacement in "[A-Za-z0-9_.-]",
        name in proptest::option::of("\\PC{0,60}"),
    ) {
        let keys = keys();
        let link = token(planroom, blast, recipient, target, i64::MAX, name);
        let encoded = link.encode(&keys);
        prop_assert_eq!(LinkToken::decode(&encoded, &keys, 0), Ok(link));
        let mut bytes = encoded.clone().into_bytes();
        let i = position.index(bytes.len());
        let new = replacement.as_bytes()[0];
        prop_assume!(bytes[i] != new);
        bytes[i] = new;
        let tampered = String::from_utf8(bytes).expect("ascii");
        prop_assert!(LinkToken::decode(&tampered, &keys, 0).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_event_decoder(body in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Err(err) = decode_batch(&body, jiff::Timestamp::now()) {
            prop_assert!(matches!(err.status().as_u16(), 400 | 422));
        }
    }

    #[test]
    fn arbitrary_json_events_are_accepted_or_rejected_with_400_or_422(
        job in proptest::option::of(".{0,300}"), activity in "[a-z]{0,9}", kind in "[a-z]{0,8}", id in ".{0,300}",
        count in 0usize..30,
    ) {
        let event = serde_json::json!({"job_id": job, "activity": activity, "object": {"kind": kind, "id": id}});
        let body = serde_json::json!({ "events": vec![event; count] }).to_string();
        match decode_batch(body.as_bytes(), jiff::Timestamp::now()) {
            Ok(events) => prop_assert!((1..=25).contains(&events.len())),
            Err(err) => prop_assert!(matches!(err.status().as_u16(), 400 | 422)),
        }
    }
}
