//! `access.first`: a person's first access of a file, from the table's stream (inserts of
//! people's file records only: the event source's filter), to every endpoint of the planroom that
//! wants it, and to the bus.

use std::collections::HashMap;

use shared::Result;
use shared::ids::Id;
use shared::records::AccessRecord;
use shared::store::Item;
use shared::store::records::access_record;
use shared::store::webhooks::Endpoint;
use shared::webhook::{self, EventKind};

use crate::{App, Event};

/// The body of an `access.first` delivery.
pub fn payload(planroom: &str, record: &AccessRecord) -> serde_json::Value {
    webhook::payload(
        EventKind::AccessFirst,
        &record.first_at,
        serde_json::json!({
            "planroom_id": planroom,
            "job_id": record.job_id,
            "individual_id": record.individual_id,
            "name": record.name,
            "email": record.email,
            "company_name": record.company_name,
            "activity": record.activity,
            "object": record.object,
            "first_at": record.first_at,
            "source": record.source,
        }),
    )
}

/// Alerts about the first accesses among `items` (new record items).
pub async fn first_accesses(app: &App, items: &[Item]) -> Result<()> {
    let mut endpoints: HashMap<String, Vec<Endpoint>> = HashMap::new();
    let mut events = Vec::new();
    for item in items {
        let record = access_record(item);
        let planroom = shared::store::get_s(item, "planroom_id").unwrap_or_default().to_owned();
        if record.automated || record.object.kind != "file" || planroom.is_empty() {
            continue;
        }
        let key = format!(
            "access.first:{}:{}",
            shared::store::get_s(item, "pk").unwrap_or_default(),
            shared::store::get_s(item, "sk").unwrap_or_default()
        );
        events.push((planroom, key, record));
    }
    for (planroom, key, record) in &events {
        let planroom_id = Id::parse("planroom", planroom)?;
        if !endpoints.contains_key(planroom) {
            endpoints.insert(planroom.clone(), app.store.endpoints(&planroom_id).await?);
        }
        let event = Event { kind: EventKind::AccessFirst, key, at: &record.first_at, body: payload(planroom, record) };
        for endpoint in endpoints.get(planroom).into_iter().flatten() {
            if endpoint.wants(EventKind::AccessFirst, &record.job_id) {
                app.enqueue(&planroom_id, endpoint, &event).await?;
            }
        }
        app.publish(&planroom_id, &[event]).await?;
    }
    Ok(())
}

/// The new items of a stream batch (inserts only: the event source's filter keeps people's first
/// accesses of files; this keeps the function right without it).
pub fn items_of(event: &aws_lambda_events::event::dynamodb::Event) -> Vec<Item> {
    event
        .records
        .iter()
        .filter(|r| r.event_name == "INSERT")
        .map(|r| shared::store::stream_item(&r.change.new_image))
        .collect()
}
