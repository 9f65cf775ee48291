-- Imports written in short transactions yet seen whole: an import's titles, commitments, aliases
-- and audit events carry its id and stay out of every read while it is `staging`; one short final
-- step makes it `published`. An import whose writer died (no heartbeat) becomes `abandoned`: its
-- rows are removed and its events, already chained, stay hidden.
CREATE TABLE imports (
    id TEXT PRIMARY KEY NOT NULL,
    program_id TEXT NOT NULL REFERENCES programs (id),
    library_id TEXT NOT NULL REFERENCES libraries (id),
    actor_id TEXT REFERENCES users (id),
    format TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('staging', 'published', 'abandoned')),
    rows_stored BIGINT NOT NULL DEFAULT 0,
    started_at TIMESTAMP NOT NULL,
    heartbeat_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
-- Reads ask for the imports not yet published: a handful at most.
CREATE INDEX imports_unpublished_idx ON imports (state, heartbeat_at) WHERE state <> 'published';

ALTER TABLE commitments ADD COLUMN import_id TEXT REFERENCES imports (id);
CREATE INDEX commitments_import_idx ON commitments (import_id) WHERE import_id IS NOT NULL;
ALTER TABLE titles ADD COLUMN import_id TEXT REFERENCES imports (id);
CREATE INDEX titles_import_idx ON titles (import_id) WHERE import_id IS NOT NULL;
ALTER TABLE title_aliases ADD COLUMN import_id TEXT REFERENCES imports (id);
CREATE INDEX title_aliases_import_idx ON title_aliases (import_id) WHERE import_id IS NOT NULL;
ALTER TABLE audit_events ADD COLUMN import_id TEXT;
CREATE INDEX audit_events_import_idx ON audit_events (import_id) WHERE import_id IS NOT NULL;
