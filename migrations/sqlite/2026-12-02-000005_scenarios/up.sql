-- Allocation scenarios: a coordinator's rules for the titles short of target in a program, and the
-- allocations they give, kept as a draft to download, delete or apply (each allocation becomes a
-- proposal to its library).
CREATE TABLE scenarios (
    id TEXT PRIMARY KEY NOT NULL,
    program_id TEXT NOT NULL REFERENCES programs (id),
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'applied')),
    rules TEXT NOT NULL,
    allocations BIGINT NOT NULL,
    titles_left_short BIGINT NOT NULL,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    applied_at TIMESTAMP
);
CREATE INDEX scenarios_program_idx ON scenarios (program_id, id);
CREATE TABLE scenario_allocations (
    scenario_id TEXT NOT NULL REFERENCES scenarios (id),
    oclc_number BIGINT NOT NULL,
    title_id TEXT NOT NULL REFERENCES titles (id),
    library_id TEXT NOT NULL REFERENCES libraries (id),
    PRIMARY KEY (scenario_id, oclc_number, library_id)
);
