-- What real 583s carry besides the commitment: the other $f values (a tier, a sub-collection) and
-- the $i level and $l terms of validation notes.
ALTER TABLE commitments ADD COLUMN program_note TEXT;
ALTER TABLE commitments ADD COLUMN validation_note TEXT;

-- OCLC numbers merged into a title (019 $a, 035 $z (OCoLC)…): a lookup, proposal or import by one
-- of them finds the title. A number is either a title's own or one title's alias, never both.
CREATE TABLE title_aliases (
    oclc_number BIGINT PRIMARY KEY NOT NULL CHECK (oclc_number > 0),
    title_id TEXT NOT NULL REFERENCES titles (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX title_aliases_title_idx ON title_aliases (title_id);
