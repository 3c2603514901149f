-- Customer records (客户档案), their versions, contacts, tags, interactions and reported changes.

-- The last serial used per code prefix (e.g. 'P-2026'): codes are never reused.
CREATE TABLE code_serials (
    prefix TEXT PRIMARY KEY NOT NULL,
    last_serial INTEGER NOT NULL
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    customer_type TEXT NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT,
    community TEXT NOT NULL,
    building TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT '',
    occupant_role TEXT,
    -- The resident ID: AES-256-GCM ciphertext, a keyed blind index for exact lookups, and
    -- the masked form shown on screen. The plain number is never stored.
    id_number_enc TEXT,
    id_number_index TEXT,
    id_number_masked TEXT,
    credit_code TEXT,
    legal_representative TEXT,
    source TEXT NOT NULL,
    first_contact_at DATE NOT NULL,
    last_interaction_at DATE,
    last_verified_at DATE,
    notes TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active',
    -- Optimistic lock: every save names the version it was made from.
    version INTEGER NOT NULL DEFAULT 1,
    -- Lower-cased code, name, phone, email, unit: what the search box matches.
    search_text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX customers_phone ON customers (phone);
CREATE INDEX customers_email ON customers (email);
CREATE INDEX customers_id_number_index ON customers (id_number_index);
CREATE INDEX customers_name_unit ON customers (name, community, unit);
CREATE INDEX customers_community ON customers (community, id);
CREATE INDEX customers_status ON customers (status, id);
CREATE INDEX customers_type ON customers (customer_type, id);

-- Substring search for three characters and more.
CREATE VIRTUAL TABLE customers_fts USING fts5(
    search_text, content = 'customers', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER customers_fts_update AFTER UPDATE OF search_text ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO customers_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;

-- One- and two-character pieces of names: trigrams cannot find a surname like 王.
CREATE TABLE customer_grams (
    gram TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (gram, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_grams_customer ON customer_grams (customer_id);

-- Every version of a record: who, when, why, and the fields that changed (old → new).
CREATE TABLE customer_versions (
    id INTEGER PRIMARY KEY NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by_id INTEGER,
    changed_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- JSON array of {"field", "old", "new"}; only the fields that changed.
    changes TEXT NOT NULL,
    restored_from INTEGER,
    change_report_id INTEGER,
    UNIQUE (customer_id, version)
);

-- Phones and emails a record has had; a replaced one stays, marked with its end date.
CREATE TABLE customer_contacts (
    id INTEGER PRIMARY KEY NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    valid_from TIMESTAMP NOT NULL,
    valid_until TIMESTAMP
);
CREATE INDEX customer_contacts_customer ON customer_contacts (customer_id, kind);

-- Key contacts of an enterprise customer.
CREATE TABLE enterprise_contacts (
    id INTEGER PRIMARY KEY NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT ''
);
CREATE INDEX enterprise_contacts_customer ON enterprise_contacts (customer_id);

-- The tag tree: `path` is the full name, e.g. '风险/欠费'.
CREATE TABLE tags (
    id INTEGER PRIMARY KEY NOT NULL,
    path TEXT NOT NULL UNIQUE,
    parent_id INTEGER REFERENCES tags (id)
);

CREATE TABLE customer_tags (
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id),
    PRIMARY KEY (customer_id, tag_id)
);
CREATE INDEX customer_tags_tag ON customer_tags (tag_id, customer_id);

CREATE TABLE interactions (
    id INTEGER PRIMARY KEY NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    occurred_on DATE NOT NULL,
    channel TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_by_id INTEGER,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX interactions_customer ON interactions (customer_id, occurred_on);

-- Reported changes (变更登记): to be applied within two days of being reported.
CREATE TABLE change_reports (
    id INTEGER PRIMARY KEY NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    reported_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    description TEXT NOT NULL,
    reported_by_id INTEGER,
    reported_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    applied_at TIMESTAMP,
    applied_version INTEGER,
    applied_by TEXT
);
CREATE INDEX change_reports_open ON change_reports (applied_at, due_at);
CREATE INDEX change_reports_customer ON change_reports (customer_id);

-- Fingerprint of the encryption keys the data was written with (never the keys).
CREATE TABLE key_check (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    fingerprint TEXT NOT NULL
);
