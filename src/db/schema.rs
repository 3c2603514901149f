//! Portable schema: only column types that mean the same on SQLite and PostgreSQL.

diesel::table! {
    offices (id) {
        id -> Integer,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    communities (id) {
        id -> Integer,
        office_id -> Nullable<Integer>,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        office_id -> Nullable<Integer>,
        must_change_password -> Bool,
        disabled -> Bool,
        session_epoch -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> Integer,
        role -> Text,
    }
}

diesel::table! {
    login_attempts (username) {
        username -> Text,
        failures -> Integer,
        locked_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<Integer>,
        actor -> Text,
        action -> Text,
        target -> Text,
        address -> Text,
        details -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    key_check (id) {
        id -> Integer,
        fingerprint -> Text,
    }
}

diesel::table! {
    code_serials (prefix) {
        prefix -> Text,
        last_serial -> Integer,
    }
}

diesel::table! {
    customers (id) {
        id -> Integer,
        code -> Text,
        customer_type -> Text,
        name -> Text,
        phone -> Text,
        email -> Nullable<Text>,
        community -> Text,
        building -> Text,
        unit -> Text,
        occupant_role -> Nullable<Text>,
        id_number_enc -> Nullable<Text>,
        id_number_index -> Nullable<Text>,
        id_number_masked -> Nullable<Text>,
        credit_code -> Nullable<Text>,
        legal_representative -> Nullable<Text>,
        source -> Text,
        first_contact_at -> Date,
        last_interaction_at -> Nullable<Date>,
        last_verified_at -> Nullable<Date>,
        notes -> Text,
        status -> Text,
        version -> Integer,
        search_text -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        status_changed_at -> Nullable<Timestamp>,
        last_callback_at -> Nullable<Timestamp>,
        import_id -> Nullable<Integer>,
    }
}

diesel::table! {
    customer_grams (gram, customer_id) {
        gram -> Text,
        customer_id -> Integer,
    }
}

diesel::table! {
    customer_versions (id) {
        id -> Integer,
        customer_id -> Integer,
        version -> Integer,
        changed_at -> Timestamp,
        changed_by_id -> Nullable<Integer>,
        changed_by -> Text,
        reason -> Text,
        changes -> Text,
        restored_from -> Nullable<Integer>,
        change_report_id -> Nullable<Integer>,
    }
}

diesel::table! {
    customer_contacts (id) {
        id -> Integer,
        customer_id -> Integer,
        kind -> Text,
        value -> Text,
        valid_from -> Timestamp,
        valid_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    enterprise_contacts (id) {
        id -> Integer,
        customer_id -> Integer,
        name -> Text,
        title -> Text,
        phone -> Text,
        email -> Text,
    }
}

diesel::table! {
    tags (id) {
        id -> Integer,
        path -> Text,
        parent_id -> Nullable<Integer>,
    }
}

diesel::table! {
    customer_tags (customer_id, tag_id) {
        customer_id -> Integer,
        tag_id -> Integer,
    }
}

diesel::table! {
    interactions (id) {
        id -> Integer,
        customer_id -> Integer,
        occurred_on -> Date,
        channel -> Text,
        summary -> Text,
        created_by_id -> Nullable<Integer>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    change_reports (id) {
        id -> Integer,
        customer_id -> Integer,
        reported_at -> Timestamp,
        due_at -> Timestamp,
        description -> Text,
        reported_by_id -> Nullable<Integer>,
        reported_by -> Text,
        created_at -> Timestamp,
        applied_at -> Nullable<Timestamp>,
        applied_version -> Nullable<Integer>,
        applied_by -> Nullable<Text>,
        no_change_reason -> Nullable<Text>,
    }
}

diesel::table! {
    job_runs (id) {
        id -> Integer,
        job -> Text,
        slot -> Timestamp,
        trigger_kind -> Text,
        instance -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        result -> Text,
        counts -> Text,
        error -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> Integer,
        idempotency_key -> Text,
        kind -> Text,
        customer_id -> Nullable<Integer>,
        customer_code -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_answer -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        link_token_enc -> Nullable<Text>,
    }
}

diesel::table! {
    app_flags (name) {
        name -> Text,
        value -> Text,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    imports (id) {
        id -> Integer,
        file -> Text,
        started_by -> Text,
        started_at -> Timestamp,
        status -> Text,
        ended_at -> Nullable<Timestamp>,
        removed_rows -> Nullable<Integer>,
        removed_because -> Nullable<Text>,
    }
}

diesel::table! {
    deferred_indexes (name) {
        name -> Text,
        kind -> Text,
        table_name -> Text,
        definition -> Text,
        deferred_at -> Timestamp,
    }
}

diesel::table! {
    verify_tokens (id) {
        id -> Integer,
        token_hash -> Text,
        customer_id -> Integer,
        cycle -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    legal_reviews (id) {
        id -> Integer,
        reviewer -> Text,
        reviewed_on -> Date,
        note -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    cleanup_decisions (customer_id) {
        customer_id -> Integer,
        decision -> Text,
        reason -> Text,
        decided_by -> Text,
        decided_at -> Timestamp,
        legal_review_id -> Nullable<Integer>,
        archived_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    backups (id) {
        id -> Integer,
        file_name -> Text,
        created_at -> Timestamp,
        size_bytes -> BigInt,
        sha256 -> Text,
        state -> Text,
        detail -> Text,
        customers_count -> BigInt,
        audit_seq -> BigInt,
        audit_hash -> Text,
        verified_at -> Nullable<Timestamp>,
        offsite_path -> Nullable<Text>,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(communities -> offices (office_id));
diesel::joinable!(users -> offices (office_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(customer_grams -> customers (customer_id));
diesel::joinable!(customer_versions -> customers (customer_id));
diesel::joinable!(customer_contacts -> customers (customer_id));
diesel::joinable!(enterprise_contacts -> customers (customer_id));
diesel::joinable!(customer_tags -> customers (customer_id));
diesel::joinable!(customer_tags -> tags (tag_id));
diesel::joinable!(interactions -> customers (customer_id));
diesel::joinable!(change_reports -> customers (customer_id));
diesel::joinable!(outbox -> customers (customer_id));
diesel::joinable!(verify_tokens -> customers (customer_id));
diesel::joinable!(cleanup_decisions -> customers (customer_id));
diesel::joinable!(cleanup_decisions -> legal_reviews (legal_review_id));

diesel::allow_tables_to_appear_in_same_query!(
    offices,
    communities,
    users,
    user_roles,
    login_attempts,
    audit_log,
    audit_head,
    key_check,
    code_serials,
    customers,
    customer_grams,
    customer_versions,
    customer_contacts,
    enterprise_contacts,
    tags,
    customer_tags,
    interactions,
    change_reports,
    job_runs,
    outbox,
    app_flags,
    verify_tokens,
    legal_reviews,
    cleanup_decisions,
    backups,
);
