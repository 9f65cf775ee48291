ALTER TABLE scenario_allocations
    ADD CONSTRAINT scenario_allocations_title_id_fkey FOREIGN KEY (title_id) REFERENCES titles (id),
    ADD CONSTRAINT scenario_allocations_library_id_fkey FOREIGN KEY (library_id) REFERENCES libraries (id);
DELETE FROM scenario_allocations WHERE scenario_id IN (SELECT id FROM scenarios WHERE NOT ready);
DELETE FROM scenarios WHERE NOT ready;
ALTER TABLE scenarios DROP COLUMN ready;
