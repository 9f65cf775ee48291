-- A scenario's allocations are written in short transactions before it is shown: a million of them
-- in one transaction held every other writer back. `ready` hides the scenario until the last
-- step, which writes its audit event; a scenario left unready by a crash is removed by a later run.
ALTER TABLE scenarios ADD COLUMN ready BOOLEAN NOT NULL DEFAULT 1;
-- An allocation's title and library are read from the program's coverage a moment before, and
-- titles and libraries that coverage counts are never deleted: the table loses the two foreign
-- keys (as on PostgreSQL, where they cost a row lock each per allocation). SQLite drops a
-- constraint by copying the table; nothing refers to this one.
CREATE TABLE scenario_allocations_new (
    scenario_id TEXT NOT NULL REFERENCES scenarios (id),
    oclc_number BIGINT NOT NULL,
    title_id TEXT NOT NULL,
    library_id TEXT NOT NULL,
    PRIMARY KEY (scenario_id, oclc_number, library_id)
);
INSERT INTO scenario_allocations_new (scenario_id, oclc_number, title_id, library_id)
    SELECT scenario_id, oclc_number, title_id, library_id FROM scenario_allocations;
DROP TABLE scenario_allocations;
ALTER TABLE scenario_allocations_new RENAME TO scenario_allocations;
