//! The redirect's own work per request, without I/O: verify the link token, classify the hit,
//! sign a contact session, build the destination. `cargo bench -p shared --bench tokens`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use shared::activity::{Activity, ObjectKind};
use shared::contact_session::{ContactSession, SessionHit};
use shared::link_token::{LinkDetails, LinkToken};
use shared::planroom::target_url;
use shared::scanner::{Hit, Rules};
use shared::signing::Keyring;

fn keys() -> Keyring {
    Keyring::new(vec![("k2026".into(), vec![42u8; 32]), ("k2025".into(), vec![7u8; 32])]).expect("bench keys")
}

fn link() -> LinkToken {
    LinkToken {
        planroom: "acme-planroom".into(),
        blast: "b-4f1c2a9e0d7b4c61a3e5f8d2c1b0a987".into(),
        recipient: "5e0c2b1d9a8f7e6d5c4b3a2910fedcba".into(),
        job: "job-24-017".into(),
        target_kind: ObjectKind::File,
        target_id: "addendum-3".into(),
        action: Activity::View,
        expires_at: i64::MAX,
        details: Some(LinkDetails {
            email: "estimator@bidder.test".into(),
            name: "Pat Estimator".into(),
            company: Some("Bidder Mechanical".into()),
            target_name: "Addendum 3".into(),
            sent_at_ms: 1_799_990_000_000,
            job_name: "Riverside Library".into(),
            job_number: Some("24-017".into()),
            job_is_demo: false,
            job_time_zone: "America/Chicago".into(),
        }),
    }
}

fn tokens(c: &mut Criterion) {
    let keys = keys();
    let token = link().encode(&keys);
    let rules = Rules::default();
    c.bench_function("link token: seal", |b| b.iter(|| black_box(link()).encode(&keys)));
    c.bench_function("link token: open", |b| b.iter(|| LinkToken::decode(black_box(&token), &keys, 1_800_000_000)));
    c.bench_function("redirect: own work per request", |b| {
        b.iter(|| {
            let link = LinkToken::decode(black_box(&token), &keys, 1_800_000_000).expect("valid");
            let hit = Hit {
                method: "GET",
                user_agent: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0"),
                source_ip: "203.0.113.7".parse().ok(),
            };
            let verdict = rules.classify(&hit);
            let session = ContactSession {
                planroom: link.planroom.clone(),
                job: link.job.clone(),
                blast: link.blast.clone(),
                recipient: link.recipient.clone(),
                expires_at: 1_800_028_800,
                automated: verdict.map(|signal| signal.code().to_owned()),
                hit: Some(SessionHit {
                    row: "1800000000000#0123456789abcdef0123456789abcdef".into(),
                    at_ms: 1_800_000_000_000,
                    record: "FA#f#addendum-3#view#5e0c2b1d9a8f7e6d5c4b3a2910fedcba".into(),
                }),
            }
            .encode(&keys);
            let target = target_url("https://plans.acme.test", &link.job, link.target_kind, &link.target_id);
            black_box((verdict, format!("{target}?contact_session={session}")))
        })
    });
}

criterion_group!(benches, tokens);
criterion_main!(benches);
