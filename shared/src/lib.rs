//! Domain types, storage, auth and tokens shared by the planroom activity functions.
//!
//! Each business rule lives in exactly one module named after it: [`first_access`] decides what a
//! capture writes, [`caller`] turns verified claims into a [`caller::Caller`], [`keys`] builds every
//! DynamoDB key, [`table`] holds the single table's definition.

pub mod activity;
pub mod blast;
pub mod budget;
pub mod caller;
pub mod config;
pub mod contact_session;
pub mod coverage;
pub mod coverage_reading;
pub mod cursor;
pub mod distribution;
pub mod download_name;
pub mod engagement;
pub mod error;
pub mod event;
pub mod export;
pub mod first_access;
pub mod hit_judgement;
pub mod http;
pub mod ids;
pub mod individual;
pub mod job;
pub mod json_shape;
pub mod judgement;
pub mod key_source;
pub mod keys;
pub mod lake;
pub mod link_token;
pub mod planroom;
pub mod recording;
pub mod records;
pub mod routes;
pub mod scanner;
pub mod search_text;
pub mod signing;
pub mod spreadsheet;
pub mod store;
pub mod summaries;
pub mod summarizing;
pub mod table;
pub mod time;
pub mod user_activity;
pub mod visibility;
pub mod webhook;

pub use error::{Error, Result};
