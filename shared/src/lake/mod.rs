//! The User Activity lake: every row of the dataset as Parquet on S3, partitioned by planroom and
//! UTC day (Hive-style paths), catalogued in Glue and queried by Athena (locally by an embedded
//! engine over the same objects). DynamoDB keeps the hot window; the lake keeps everything for
//! its retention.
//!
//! - [`columns`]: the table's typed columns (the dataset's 33 fields and `recorded_at`).
//! - [`parquet_rows`]: rows to Parquet and back (zstd, one row group per 100,000 rows).
//! - [`layout`]: where objects live, and what their names say.
//! - [`query`]: a caller's query, validated, as SQL with positional parameters.
//! - [`results`]: the answer of an engine, typed, and its pages.

pub mod columns;
pub mod layout;
pub mod parquet_rows;
pub mod query;
pub mod results;

pub use columns::{Column, ColumnKind};
