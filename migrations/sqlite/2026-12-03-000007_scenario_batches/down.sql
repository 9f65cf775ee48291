DELETE FROM scenario_allocations WHERE scenario_id IN (SELECT id FROM scenarios WHERE NOT ready);
DELETE FROM scenarios WHERE NOT ready;
CREATE TABLE scenario_allocations_old (
    scenario_id TEXT NOT NULL REFERENCES scenarios (id),
    oclc_number BIGINT NOT NULL,
    title_id TEXT NOT NULL REFERENCES titles (id),
    library_id TEXT NOT NULL REFERENCES libraries (id),
    PRIMARY KEY (scenario_id, oclc_number, library_id)
);
INSERT INTO scenario_allocations_old (scenario_id, oclc_number, title_id, library_id)
    SELECT scenario_id, oclc_number, title_id, library_id FROM scenario_allocations;
DROP TABLE scenario_allocations;
ALTER TABLE scenario_allocations_old RENAME TO scenario_allocations;
ALTER TABLE scenarios DROP COLUMN ready;
