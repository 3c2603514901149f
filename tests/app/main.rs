//! The one integration-test binary. Every test that touches the database runs on SQLite
//! and on PostgreSQL (see `helpers::Backend`).

mod admin;
mod audit;
mod auth;
mod backup;
mod browser;
mod bulk_load;
mod change_reports;
mod cli;
mod communities;
mod customers;
mod helpers;
mod history;
mod import;
mod jobs;
mod local_time;
mod mail;
mod migrations;
mod pages;
mod reverify;
mod reverify_limit;
mod reviews;
mod search_filters;
mod security;
mod shutdown;
mod sweep;
