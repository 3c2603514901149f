//! What a customer record allows and shows, whoever looks at it: an archived record is
//! read-only; only an enterprise record has key contacts, and it should have a few.

use super::customer::{CustomerType, Status};

/// Fewer key contacts than this on an enterprise record is worth a badge.
pub const KEY_CONTACTS_EXPECTED: usize = 3;

/// Whether the record may still be changed: archived records are read-only.
pub fn is_editable(status: &str) -> bool {
    status != Status::Archived.as_str()
}

/// Whether the record has key contacts at all: enterprise records only.
pub fn has_key_contacts(customer_type: &str) -> bool {
    customer_type == CustomerType::Enterprise.as_str()
}

/// Whether an enterprise record lacks key contacts (`count` of them on file).
pub fn key_contacts_missing(customer_type: &str, count: usize) -> bool {
    has_key_contacts(customer_type) && count < KEY_CONTACTS_EXPECTED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_archived_record_is_read_only_and_the_others_are_not() {
        assert!(!is_editable("archived"));
        assert!(is_editable("active"));
        assert!(is_editable("pending_activation"));
    }

    #[test]
    fn only_an_enterprise_record_with_fewer_than_three_key_contacts_lacks_them() {
        assert!(has_key_contacts("enterprise"));
        assert!(!has_key_contacts("personal"));
        assert!(key_contacts_missing("enterprise", 2));
        assert!(!key_contacts_missing("enterprise", 3));
        assert!(!key_contacts_missing("personal", 0));
    }
}
