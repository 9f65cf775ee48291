-- The whole registry schema (SQLite). Keep in step with ../../postgres/ (same folder name).
-- Ids are UUID v7 text (time-ordered, so keyset pagination by id follows creation order).
-- Timestamps are UTC without zone; dates are YYYY-MM-DD.

CREATE TABLE programs (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    uri TEXT,
    target_copies INTEGER NOT NULL CHECK (target_copies BETWEEN 1 AND 20),
    default_retention_end DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX programs_code_key ON programs (lower(code));

CREATE TABLE libraries (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    oclc_symbol TEXT NOT NULL,
    marc_org_code TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX libraries_oclc_symbol_key ON libraries (oclc_symbol);
CREATE INDEX libraries_marc_org_code_idx ON libraries (marc_org_code);

CREATE TABLE program_members (
    program_id TEXT NOT NULL REFERENCES programs (id),
    library_id TEXT NOT NULL REFERENCES libraries (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (program_id, library_id)
);
CREATE INDEX program_members_library_idx ON program_members (library_id, program_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'collection_manager', 'auditor')),
    library_id TEXT REFERENCES libraries (id),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    token_version INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (role <> 'collection_manager' OR library_id IS NOT NULL)
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_library_idx ON users (library_id);

CREATE TABLE user_programs (
    user_id TEXT NOT NULL REFERENCES users (id),
    program_id TEXT NOT NULL REFERENCES programs (id),
    PRIMARY KEY (user_id, program_id)
);
CREATE INDEX user_programs_program_idx ON user_programs (program_id);

CREATE TABLE titles (
    id TEXT PRIMARY KEY NOT NULL,
    oclc_number BIGINT NOT NULL CHECK (oclc_number > 0),
    isbn TEXT,
    issn TEXT,
    title TEXT NOT NULL,
    author TEXT,
    publisher TEXT,
    pub_year INTEGER,
    format TEXT NOT NULL CHECK (format IN ('monograph', 'serial')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX titles_oclc_number_key ON titles (oclc_number);
CREATE INDEX titles_isbn_idx ON titles (isbn);
CREATE INDEX titles_issn_idx ON titles (issn);
-- Title words for the list filter q: a full-text index kept in step by triggers.
CREATE VIRTUAL TABLE titles_search USING fts5 (title_id UNINDEXED, title, tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER titles_search_insert AFTER INSERT ON titles
BEGIN
    INSERT INTO titles_search (title_id, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER titles_search_update AFTER UPDATE OF title ON titles
BEGIN
    UPDATE titles_search SET title = new.title WHERE title_id = new.id;
END;

-- retention_end NULL means "permanent": such a commitment never expires and sorts after every date.
CREATE TABLE commitments (
    id TEXT PRIMARY KEY NOT NULL,
    program_id TEXT NOT NULL REFERENCES programs (id),
    library_id TEXT NOT NULL REFERENCES libraries (id),
    title_id TEXT NOT NULL REFERENCES titles (id),
    status TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'release_requested', 'declined',
                                           'withdrawn', 'released', 'transferred', 'expired')),
    version INTEGER NOT NULL DEFAULT 1,
    proposed_by TEXT REFERENCES users (id),
    proposed_by_role TEXT NOT NULL,
    local_bib_id TEXT,
    local_item_id TEXT,
    barcode TEXT,
    call_number TEXT,
    materials_specified TEXT,
    shelving TEXT CHECK (shelving IN ('open_stacks', 'closed_stacks', 'storage_facility', 'high_density')),
    item_condition TEXT CHECK (item_condition IN ('excellent', 'acceptable', 'poor')),
    validation TEXT CHECK (validation IN ('none', 'completeness_reviewed', 'condition_reviewed')),
    policies TEXT NOT NULL DEFAULT '',
    retention_start DATE NOT NULL,
    retention_end DATE,
    -- A collection manager's proposed renewal ('YYYY-MM-DD' or 'permanent'), until a coordinator renews.
    renewal_proposed_end TEXT,
    public_note TEXT,
    private_note TEXT,
    end_reason TEXT,
    ended_at TIMESTAMP,
    replaces TEXT REFERENCES commitments (id),
    replaced_by TEXT REFERENCES commitments (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (retention_end IS NULL OR retention_end >= retention_start)
);
-- One live commitment per program, library, title and run of volumes, enforced by the database.
CREATE UNIQUE INDEX commitments_live_key ON commitments
    (program_id, library_id, title_id, COALESCE(materials_specified, ''))
    WHERE status IN ('proposed', 'active', 'release_requested');
CREATE INDEX commitments_program_idx ON commitments (program_id, id);
CREATE INDEX commitments_program_status_idx ON commitments (program_id, status, id);
CREATE INDEX commitments_library_idx ON commitments (library_id, status, id);
-- (title_id, id) also orders MARC exports, which group commitments by title.
CREATE INDEX commitments_title_idx ON commitments (title_id, id);
CREATE INDEX commitments_status_idx ON commitments (status, id);
CREATE INDEX commitments_active_end_idx ON commitments (retention_end, program_id) WHERE status = 'active';
CREATE INDEX commitments_updated_idx ON commitments (updated_at, id);

-- Append-only, hash-chained audit trail. seq is gap-free and assigned under the audit_head lock.
CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY NOT NULL,
    id TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    program_id TEXT,
    commitment_id TEXT,
    from_status TEXT,
    to_status TEXT,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE UNIQUE INDEX audit_events_id_key ON audit_events (id);
CREATE INDEX audit_events_commitment_idx ON audit_events (commitment_id, seq);
CREATE INDEX audit_events_program_idx ON audit_events (program_id, seq);
CREATE INDEX audit_events_at_idx ON audit_events (at, seq);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

-- The head of the hash chain: one row, updated in every transaction that appends events, which
-- serialises appenders so that the chain never forks.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
