//! Re-verification (复核): the customer's personal link and the call list.

pub mod call_list;
pub mod link;
