-- Coverage counts, kept by the database itself in the transaction of every change that moves
-- them, so that the next read after any action, import, expiry or holdings load sees it and a
-- program's summary is a few rows whatever its size (a query over the tables themselves took
-- seconds at a few million titles).
--
-- coverage: per program and title, the member libraries holding it (their current holdings
-- generation), its kept commitments (active, release_requested) and its proposed ones; `state`
-- follows from them and the program's target (the domain's CoverageState::of), NULL for a title
-- neither held nor kept. Rows of a staging import count once it is published.
-- coverage_libraries: kept commitments per program and library. coverage_states: titles per
-- program and state. Every write of these tables is a trigger below; the application only reads.
CREATE TABLE coverage (
    program_id TEXT NOT NULL,
    title_id TEXT NOT NULL,
    oclc_number BIGINT NOT NULL,
    target INTEGER NOT NULL,
    held INTEGER NOT NULL DEFAULT 0,
    committed INTEGER NOT NULL DEFAULT 0,
    proposed INTEGER NOT NULL DEFAULT 0,
    state TEXT GENERATED ALWAYS AS (
        CASE WHEN committed <= 0 THEN CASE WHEN held > 0 THEN 'unretained' END
             WHEN committed < target THEN 'at_risk'
             WHEN committed = target THEN 'met'
             ELSE 'over_retained' END) STORED,
    PRIMARY KEY (program_id, title_id)
);
-- A state's titles in OCLC number order (lists, scenarios), and all of them.
CREATE INDEX coverage_state_idx ON coverage (program_id, state, oclc_number);
CREATE INDEX coverage_number_idx ON coverage (program_id, oclc_number) WHERE state IS NOT NULL;

CREATE TABLE coverage_libraries (
    program_id TEXT NOT NULL,
    library_id TEXT NOT NULL,
    committed BIGINT NOT NULL,
    PRIMARY KEY (program_id, library_id)
);

CREATE TABLE coverage_states (
    program_id TEXT NOT NULL,
    state TEXT NOT NULL,
    titles BIGINT NOT NULL,
    PRIMARY KEY (program_id, state)
);

-- What is there already.
INSERT INTO coverage (program_id, title_id, oclc_number, target, held, committed, proposed)
SELECT u.program_id, u.title_id, t.oclc_number, p.target_copies,
       SUM(u.held), SUM(u.committed), SUM(u.proposed)
  FROM (SELECT m.program_id AS program_id, h.title_id AS title_id,
               1 AS held, 0 AS committed, 0 AS proposed
          FROM holdings h
          JOIN holdings_sets s ON s.library_id = h.library_id AND s.generation = h.generation
          JOIN program_members m ON m.library_id = h.library_id
        UNION ALL
        SELECT c.program_id, c.title_id, 0,
               CASE WHEN c.status = 'proposed' THEN 0 ELSE 1 END,
               CASE WHEN c.status = 'proposed' THEN 1 ELSE 0 END
          FROM commitments c
         WHERE c.status IN ('proposed', 'active', 'release_requested')
           AND (c.import_id IS NULL
                OR c.import_id IN (SELECT id FROM imports WHERE state = 'published'))) u
  JOIN titles t ON t.id = u.title_id
  JOIN programs p ON p.id = u.program_id
 GROUP BY u.program_id, u.title_id, t.oclc_number, p.target_copies;

INSERT INTO coverage_libraries (program_id, library_id, committed)
SELECT c.program_id, c.library_id, COUNT(*)
  FROM commitments c
 WHERE c.status IN ('active', 'release_requested')
   AND (c.import_id IS NULL
        OR c.import_id IN (SELECT id FROM imports WHERE state = 'published'))
 GROUP BY c.program_id, c.library_id;

INSERT INTO coverage_states (program_id, state, titles)
SELECT program_id, state, COUNT(*) FROM coverage WHERE state IS NOT NULL GROUP BY program_id, state;

-- Whether a commitment in this status keeps a copy, or is proposed: 1 or 0.
CREATE FUNCTION coverage_kept(status TEXT) RETURNS INTEGER LANGUAGE SQL IMMUTABLE AS
$$ SELECT CASE WHEN status IN ('active', 'release_requested') THEN 1 ELSE 0 END $$;
CREATE FUNCTION coverage_proposed(status TEXT) RETURNS INTEGER LANGUAGE SQL IMMUTABLE AS
$$ SELECT CASE WHEN status = 'proposed' THEN 1 ELSE 0 END $$;

-- The titles per state follow the coverage rows. Statement triggers over the transition tables:
-- one statement of a batch or a publish moves many rows, and each count once.
CREATE FUNCTION coverage_states_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO coverage_states AS s (program_id, state, titles)
    SELECT n.program_id, n.state, COUNT(*) FROM new_rows n WHERE n.state IS NOT NULL
     GROUP BY n.program_id, n.state ORDER BY 1, 2
    ON CONFLICT (program_id, state) DO UPDATE SET titles = s.titles + EXCLUDED.titles;
    RETURN NULL;
END $$;
CREATE TRIGGER coverage_state_inserted AFTER INSERT ON coverage
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_states_inserted();

CREATE FUNCTION coverage_states_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO coverage_states AS s (program_id, state, titles)
    SELECT x.program_id, x.state, SUM(x.n)
      FROM (SELECT n.program_id, n.state, 1 AS n FROM new_rows n WHERE n.state IS NOT NULL
            UNION ALL
            SELECT o.program_id, o.state, -1 FROM old_rows o WHERE o.state IS NOT NULL) x
     GROUP BY x.program_id, x.state HAVING SUM(x.n) <> 0 ORDER BY 1, 2
    ON CONFLICT (program_id, state) DO UPDATE SET titles = s.titles + EXCLUDED.titles;
    RETURN NULL;
END $$;
CREATE TRIGGER coverage_state_updated AFTER UPDATE ON coverage
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION coverage_states_updated();

-- Commitments: those written outside a staging import, or of a published one, count; a staging
-- import's count when it is published (below).
CREATE FUNCTION coverage_commitments_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    the_programs TEXT[]; the_libraries TEXT[]; the_titles TEXT[]; the_kept INTEGER[]; the_proposed INTEGER[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(n.program_id), array_agg(n.library_id), array_agg(n.title_id),
               array_agg(coverage_kept(n.status)), array_agg(coverage_proposed(n.status))
          INTO the_programs, the_libraries, the_titles, the_kept, the_proposed
          FROM new_rows n
         WHERE n.import_id IS NULL AND n.status IN ('proposed', 'active', 'release_requested');
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(n.program_id), array_agg(n.library_id), array_agg(n.title_id),
               array_agg(coverage_kept(n.status) - coverage_kept(o.status)),
               array_agg(coverage_proposed(n.status) - coverage_proposed(o.status))
          INTO the_programs, the_libraries, the_titles, the_kept, the_proposed
          FROM old_rows o JOIN new_rows n ON n.id = o.id
         WHERE o.status <> n.status
           AND (n.import_id IS NULL
                OR EXISTS (SELECT 1 FROM imports i WHERE i.id = n.import_id AND i.state = 'published'));
    ELSE
        SELECT array_agg(o.program_id), array_agg(o.library_id), array_agg(o.title_id),
               array_agg(-coverage_kept(o.status)), array_agg(-coverage_proposed(o.status))
          INTO the_programs, the_libraries, the_titles, the_kept, the_proposed
          FROM old_rows o
         WHERE o.status IN ('proposed', 'active', 'release_requested')
           AND (o.import_id IS NULL
                OR EXISTS (SELECT 1 FROM imports i WHERE i.id = o.import_id AND i.state = 'published'));
    END IF;
    IF the_programs IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO coverage AS c (program_id, title_id, oclc_number, target, committed, proposed)
    SELECT d.program_id, d.title_id, t.oclc_number, p.target_copies, SUM(d.kept), SUM(d.proposed)
      FROM unnest(the_programs, the_libraries, the_titles, the_kept, the_proposed)
           AS d (program_id, library_id, title_id, kept, proposed)
      JOIN titles t ON t.id = d.title_id
      JOIN programs p ON p.id = d.program_id
     GROUP BY d.program_id, d.title_id, t.oclc_number, p.target_copies
    HAVING SUM(d.kept) <> 0 OR SUM(d.proposed) <> 0
     ORDER BY 1, 2
    ON CONFLICT (program_id, title_id) DO UPDATE
       SET committed = c.committed + EXCLUDED.committed, proposed = c.proposed + EXCLUDED.proposed;
    INSERT INTO coverage_libraries AS l (program_id, library_id, committed)
    SELECT d.program_id, d.library_id, SUM(d.kept)
      FROM unnest(the_programs, the_libraries, the_kept) AS d (program_id, library_id, kept)
     GROUP BY d.program_id, d.library_id
    HAVING SUM(d.kept) <> 0
     ORDER BY 1, 2
    ON CONFLICT (program_id, library_id) DO UPDATE SET committed = l.committed + EXCLUDED.committed;
    RETURN NULL;
END $$;
CREATE TRIGGER coverage_commitments_inserted AFTER INSERT ON commitments
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_commitments_changed();
CREATE TRIGGER coverage_commitments_updated AFTER UPDATE ON commitments
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION coverage_commitments_changed();
CREATE TRIGGER coverage_commitments_deleted AFTER DELETE ON commitments
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_commitments_changed();

-- A staging import's commitments count when it is published, all at once.
CREATE FUNCTION coverage_import_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO coverage AS c (program_id, title_id, oclc_number, target, committed, proposed)
    SELECT k.program_id, k.title_id, t.oclc_number, p.target_copies,
           SUM(coverage_kept(k.status)), SUM(coverage_proposed(k.status))
      FROM commitments k
      JOIN titles t ON t.id = k.title_id
      JOIN programs p ON p.id = k.program_id
     WHERE k.import_id = NEW.id AND k.status IN ('proposed', 'active', 'release_requested')
     GROUP BY k.program_id, k.title_id, t.oclc_number, p.target_copies
     ORDER BY 1, 2
    ON CONFLICT (program_id, title_id) DO UPDATE
       SET committed = c.committed + EXCLUDED.committed, proposed = c.proposed + EXCLUDED.proposed;
    INSERT INTO coverage_libraries AS l (program_id, library_id, committed)
    SELECT k.program_id, k.library_id, COUNT(*)
      FROM commitments k
     WHERE k.import_id = NEW.id AND k.status IN ('active', 'release_requested')
     GROUP BY k.program_id, k.library_id
     ORDER BY 1, 2
    ON CONFLICT (program_id, library_id) DO UPDATE SET committed = l.committed + EXCLUDED.committed;
    RETURN NULL;
END $$;
CREATE TRIGGER coverage_import_published AFTER UPDATE OF state ON imports
FOR EACH ROW WHEN (NEW.state = 'published' AND OLD.state <> 'published')
EXECUTE FUNCTION coverage_import_published();

-- Holdings: rows of the library's current generation (an adding load) count at once.
CREATE FUNCTION coverage_holdings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO coverage AS c (program_id, title_id, oclc_number, target, held)
        SELECT m.program_id, n.title_id, t.oclc_number, p.target_copies, COUNT(*)
          FROM new_rows n
          JOIN holdings_sets s ON s.library_id = n.library_id AND s.generation = n.generation
          JOIN program_members m ON m.library_id = n.library_id
          JOIN programs p ON p.id = m.program_id
          JOIN titles t ON t.id = n.title_id
         GROUP BY m.program_id, n.title_id, t.oclc_number, p.target_copies
         ORDER BY 1, 2
        ON CONFLICT (program_id, title_id) DO UPDATE SET held = c.held + EXCLUDED.held;
    ELSE
        INSERT INTO coverage AS c (program_id, title_id, oclc_number, target, held)
        SELECT m.program_id, o.title_id, t.oclc_number, p.target_copies, -COUNT(*)
          FROM old_rows o
          JOIN holdings_sets s ON s.library_id = o.library_id AND s.generation = o.generation
          JOIN program_members m ON m.library_id = o.library_id
          JOIN programs p ON p.id = m.program_id
          JOIN titles t ON t.id = o.title_id
         GROUP BY m.program_id, o.title_id, t.oclc_number, p.target_copies
         ORDER BY 1, 2
        ON CONFLICT (program_id, title_id) DO UPDATE SET held = c.held + EXCLUDED.held;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER coverage_holdings_inserted AFTER INSERT ON holdings
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_holdings_changed();
CREATE TRIGGER coverage_holdings_deleted AFTER DELETE ON holdings
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_holdings_changed();

-- A replacing load made current: the titles it gained and lost.
CREATE FUNCTION coverage_holdings_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO coverage AS c (program_id, title_id, oclc_number, target, held)
    SELECT m.program_id, d.title_id, t.oclc_number, p.target_copies, d.delta
      FROM (SELECT x.title_id AS title_id, SUM(x.delta) AS delta
              FROM (SELECT h.title_id AS title_id, 1 AS delta FROM holdings h
                     WHERE h.library_id = NEW.library_id AND h.generation = NEW.generation
                    UNION ALL
                    SELECT h.title_id, -1 FROM holdings h
                     WHERE h.library_id = NEW.library_id AND h.generation = OLD.generation) x
             GROUP BY x.title_id
            HAVING SUM(x.delta) <> 0) d
      JOIN titles t ON t.id = d.title_id
      JOIN program_members m ON m.library_id = NEW.library_id
      JOIN programs p ON p.id = m.program_id
     ORDER BY 1, 2
    ON CONFLICT (program_id, title_id) DO UPDATE SET held = c.held + EXCLUDED.held;
    RETURN NULL;
END $$;
CREATE TRIGGER coverage_holdings_published AFTER UPDATE OF generation ON holdings_sets
FOR EACH ROW WHEN (NEW.generation <> OLD.generation)
EXECUTE FUNCTION coverage_holdings_published();

-- A library joining or leaving a program brings or takes its holdings.
CREATE FUNCTION coverage_member_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO coverage AS c (program_id, title_id, oclc_number, target, held)
        SELECT NEW.program_id, h.title_id, t.oclc_number, p.target_copies, 1
          FROM holdings_sets s
          JOIN holdings h ON h.library_id = s.library_id AND h.generation = s.generation
          JOIN titles t ON t.id = h.title_id
          JOIN programs p ON p.id = NEW.program_id
         WHERE s.library_id = NEW.library_id
         ORDER BY 1, 2
        ON CONFLICT (program_id, title_id) DO UPDATE SET held = c.held + 1;
    ELSE
        UPDATE coverage SET held = held - 1
         WHERE program_id = OLD.program_id
           AND title_id IN (SELECT h.title_id FROM holdings_sets s
                              JOIN holdings h ON h.library_id = s.library_id AND h.generation = s.generation
                             WHERE s.library_id = OLD.library_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER coverage_member_added AFTER INSERT ON program_members
FOR EACH ROW EXECUTE FUNCTION coverage_member_changed();
CREATE TRIGGER coverage_member_removed AFTER DELETE ON program_members
FOR EACH ROW EXECUTE FUNCTION coverage_member_changed();

CREATE FUNCTION coverage_target_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE coverage SET target = NEW.target_copies WHERE program_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER coverage_target_changed AFTER UPDATE OF target_copies ON programs
FOR EACH ROW WHEN (NEW.target_copies <> OLD.target_copies)
EXECUTE FUNCTION coverage_target_changed();
