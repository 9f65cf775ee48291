DROP INDEX audit_events_import_idx;
ALTER TABLE audit_events DROP COLUMN import_id;
DROP INDEX title_aliases_import_idx;
ALTER TABLE title_aliases DROP COLUMN import_id;
DROP INDEX titles_import_idx;
ALTER TABLE titles DROP COLUMN import_id;
DROP INDEX commitments_import_idx;
ALTER TABLE commitments DROP COLUMN import_id;
DROP TABLE imports;
