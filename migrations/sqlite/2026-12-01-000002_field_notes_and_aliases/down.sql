DROP TABLE title_aliases;
ALTER TABLE commitments DROP COLUMN validation_note;
ALTER TABLE commitments DROP COLUMN program_note;
