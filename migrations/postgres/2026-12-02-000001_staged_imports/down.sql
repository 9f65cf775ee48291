ALTER TABLE audit_events DROP COLUMN import_id;
ALTER TABLE title_aliases DROP COLUMN import_id;
ALTER TABLE titles DROP COLUMN import_id;
ALTER TABLE commitments DROP COLUMN import_id;
DROP TABLE imports;
