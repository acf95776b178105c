//! End-to-end tests: real HTTP against the dev server, real DynamoDB API of the local stand-in.
//! One binary, one module per capability.

mod capture;
mod cold_start;
mod cors;
mod coverage;
mod dynamo_errors;
mod event_log;
mod expiry;
mod exports;
mod faults;
mod gateway;
mod integrity;
mod jobs;
mod lake;
mod links;
mod person;
mod queries;
mod reports;
mod user_activity;
mod user_activity_api;
mod webhooks;
