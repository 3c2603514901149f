//! Read-models: what one page shows, read from several tables in one call, so that its
//! handler makes one read and composes no queries itself.

pub mod customer_list;
pub mod home;
pub mod record_details;
pub mod reverify_due;
pub mod reviews;
