-- What each member library holds, committed or not: the ground coverage is measured on.
--
-- A load writes its rows under a new generation in short transactions while readers go on seeing
-- the library's current one (holdings_sets.generation); one short last step makes the new
-- generation current, and the old one's rows are then removed batch by batch. A load that dies
-- leaves rows of a generation never made current: the library's next load removes them.
CREATE TABLE holdings (
    library_id TEXT NOT NULL REFERENCES libraries (id),
    generation BIGINT NOT NULL,
    title_id TEXT NOT NULL REFERENCES titles (id),
    shelving TEXT,
    local_bib_id TEXT,
    PRIMARY KEY (library_id, generation, title_id)
);
-- Who holds a title (coverage, scenarios, the withdrawal check).
CREATE INDEX holdings_title_idx ON holdings (title_id, library_id);
CREATE TABLE holdings_sets (
    library_id TEXT PRIMARY KEY NOT NULL REFERENCES libraries (id),
    -- The generation readers see (0: nothing loaded yet) and the next one a load will write.
    generation BIGINT NOT NULL,
    next_generation BIGINT NOT NULL,
    titles BIGINT NOT NULL,
    updated_at TIMESTAMP
);
