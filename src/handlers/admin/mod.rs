//! The admin's pages: users and offices. None of them touches customer data.

pub mod backups;
pub mod jobs;
pub mod offices;
pub mod outbox;
pub mod users;
