//! Types, validation and rules: no HTTP, no SQL.

pub mod audit;
pub mod call_list;
pub mod change_report;
pub mod community;
pub mod customer;
pub mod dormancy;
pub mod history;
pub mod interaction;
pub mod key_contact;
pub mod legal_review;
pub mod office;
pub mod outbox;
pub mod password;
pub mod personal_link;
pub mod record_rules;
pub mod reverify;
pub mod role;
pub mod spreadsheet;
pub mod user;
pub mod validation;
