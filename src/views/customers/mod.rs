//! The customer pages: list/search, form, record, history, tags. One file per page;
//! their items are re-exported here, so `views::customers::X` names any of them.

mod form;
mod history;
mod labels;
mod list;
mod show;
mod tags;

pub use form::{form_fields, FormField, FormPage};
pub use history::{HistoryPage, VersionView};
pub use labels::{
    display_value, field_label_key, in_form_order, role_label, source_label, status_label,
    type_label,
};
pub use list::{ListPage, ListQuery, Row};
pub use show::{RecordForms, ShowPage};
pub use tags::{TagRow, TagsPage};
