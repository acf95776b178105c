//! A lake query's answer, stored beside exports: a CSV (cells neutralised), a Parquet file with
//! the answer's types, and the pages of JSON the status call serves, 1,000 rows each.

use serde_json::{Value, json};
use shared::export::Format;
use shared::ids::Id;
use shared::lake::parquet_rows;
use shared::lake::results::ResultSet;
use shared::spreadsheet::neutralise;
use shared::store::exports::Outcome;
use shared::{Error, Result, keys};

use crate::activity_csv::cell;
use crate::storage::Bucket;

/// The key of page `n` of a query's answer.
pub fn page_key(planroom: &Id, query_id: &str, n: usize) -> String {
    keys::export_object(planroom, query_id, &format!("page-{n}.json"))
}

/// The key of the answer's Parquet file.
pub fn parquet_key(planroom: &Id, query_id: &str) -> String {
    keys::export_object(planroom, query_id, "parquet")
}

/// The answer as CSV.
pub fn csv_bytes(set: &ResultSet) -> Result<Vec<u8>> {
    let failed = |e: csv::Error| Error::internal("writing a query's CSV", e.to_string());
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(set.columns.iter().map(|c| c.name.as_str())).map_err(failed)?;
    for row in &set.rows {
        out.write_record(row.iter().map(|v| neutralise(&cell(v)).into_owned())).map_err(failed)?;
    }
    out.into_inner().map_err(|e| Error::internal("writing a query's CSV", e.to_string()))
}

/// Stores the answer; the outcome names the CSV (the Parquet and pages are found by the id).
pub async fn store(bucket: &Bucket, planroom: &Id, query_id: &str, set: &ResultSet) -> Result<Outcome> {
    let csv_key = keys::export_object(planroom, query_id, Format::Csv.as_str());
    let csv = csv_bytes(set)?;
    let bytes = csv.len() as u64;
    bucket.put(&csv_key, Format::Csv.content_type(), csv).await?;
    bucket
        .put(
            &parquet_key(planroom, query_id),
            "application/vnd.apache.parquet",
            parquet_rows::write(&set.columns, &set.rows)?,
        )
        .await?;
    let columns: Vec<Value> = set.columns.iter().map(|c| json!({"name": c.name, "type": c.kind.glue_type()})).collect();
    for n in 0..set.pages() {
        let page = json!({ "columns": columns, "items": set.page(n) });
        let body = serde_json::to_vec(&page).map_err(|e| Error::internal("writing a query's page", e))?;
        bucket.put(&page_key(planroom, query_id, n), "application/json", body).await?;
    }
    Ok(Outcome::Ready { rows: set.rows.len() as u64, bytes, s3_key: csv_key, digest: None })
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use shared::lake::{Column, ColumnKind};

    use super::*;

    #[test]
    fn the_csv_has_the_columns_and_neutralised_cells() {
        let set = ResultSet {
            columns: vec![Column::new("user_email", ColumnKind::Text), Column::new("count", ColumnKind::Int)],
            rows: vec![vec![json!("=cmd|'/c calc'!A1"), json!(3)], vec![Value::Null, json!(1)]],
        };
        let text = String::from_utf8(csv_bytes(&set).unwrap()).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), ["user_email", "count"]);
        let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
        assert_eq!(rows, [vec!["'=cmd|'/c calc'!A1".to_owned(), "3".into()], vec!["".into(), "1".into()]]);
    }
}
