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

-- The titles per state follow the coverage rows.
CREATE TRIGGER coverage_state_inserted AFTER INSERT ON coverage
WHEN NEW.state IS NOT NULL
BEGIN
    INSERT INTO coverage_states (program_id, state, titles) VALUES (NEW.program_id, NEW.state, 1)
    ON CONFLICT (program_id, state) DO UPDATE SET titles = titles + 1;
END;

CREATE TRIGGER coverage_state_updated AFTER UPDATE ON coverage
WHEN OLD.state IS NOT NEW.state
BEGIN
    UPDATE coverage_states SET titles = titles - 1
     WHERE program_id = OLD.program_id AND state = OLD.state;
    INSERT INTO coverage_states (program_id, state, titles)
    SELECT NEW.program_id, NEW.state, 1 WHERE NEW.state IS NOT NULL
    ON CONFLICT (program_id, state) DO UPDATE SET titles = titles + 1;
END;

-- Commitments: one written outside a staging import counts at once.
CREATE TRIGGER coverage_commitment_inserted AFTER INSERT ON commitments
WHEN NEW.import_id IS NULL AND NEW.status IN ('proposed', 'active', 'release_requested')
BEGIN
    INSERT INTO coverage (program_id, title_id, oclc_number, target, committed, proposed)
    SELECT NEW.program_id, NEW.title_id, t.oclc_number, p.target_copies,
           NEW.status <> 'proposed', NEW.status = 'proposed'
      FROM titles t, programs p
     WHERE t.id = NEW.title_id AND p.id = NEW.program_id
    ON CONFLICT (program_id, title_id) DO UPDATE
       SET committed = committed + excluded.committed, proposed = proposed + excluded.proposed;
    INSERT INTO coverage_libraries (program_id, library_id, committed)
    SELECT NEW.program_id, NEW.library_id, 1 WHERE NEW.status <> 'proposed'
    ON CONFLICT (program_id, library_id) DO UPDATE SET committed = committed + 1;
END;

CREATE TRIGGER coverage_commitment_updated AFTER UPDATE OF status ON commitments
WHEN OLD.status <> NEW.status
 AND (NEW.import_id IS NULL
      OR EXISTS (SELECT 1 FROM imports i WHERE i.id = NEW.import_id AND i.state = 'published'))
BEGIN
    INSERT INTO coverage (program_id, title_id, oclc_number, target, committed, proposed)
    SELECT NEW.program_id, NEW.title_id, t.oclc_number, p.target_copies,
           (NEW.status IN ('active', 'release_requested')) - (OLD.status IN ('active', 'release_requested')),
           (NEW.status = 'proposed') - (OLD.status = 'proposed')
      FROM titles t, programs p
     WHERE t.id = NEW.title_id AND p.id = NEW.program_id
    ON CONFLICT (program_id, title_id) DO UPDATE
       SET committed = committed + excluded.committed, proposed = proposed + excluded.proposed;
    INSERT INTO coverage_libraries (program_id, library_id, committed)
    SELECT NEW.program_id, NEW.library_id,
           (NEW.status IN ('active', 'release_requested')) - (OLD.status IN ('active', 'release_requested'))
     WHERE (NEW.status IN ('active', 'release_requested')) <> (OLD.status IN ('active', 'release_requested'))
    ON CONFLICT (program_id, library_id) DO UPDATE SET committed = committed + excluded.committed;
END;

CREATE TRIGGER coverage_commitment_deleted AFTER DELETE ON commitments
WHEN OLD.status IN ('proposed', 'active', 'release_requested')
 AND (OLD.import_id IS NULL
      OR EXISTS (SELECT 1 FROM imports i WHERE i.id = OLD.import_id AND i.state = 'published'))
BEGIN
    UPDATE coverage
       SET committed = committed - (OLD.status <> 'proposed'),
           proposed = proposed - (OLD.status = 'proposed')
     WHERE program_id = OLD.program_id AND title_id = OLD.title_id;
    UPDATE coverage_libraries SET committed = committed - 1
     WHERE program_id = OLD.program_id AND library_id = OLD.library_id
       AND OLD.status <> 'proposed';
END;

-- A staging import's commitments count when it is published, all at once.
CREATE TRIGGER coverage_import_published AFTER UPDATE OF state ON imports
WHEN NEW.state = 'published' AND OLD.state <> 'published'
BEGIN
    INSERT INTO coverage (program_id, title_id, oclc_number, target, committed, proposed)
    SELECT c.program_id, c.title_id, t.oclc_number, p.target_copies,
           SUM(c.status <> 'proposed'), SUM(c.status = 'proposed')
      FROM commitments c
      JOIN titles t ON t.id = c.title_id
      JOIN programs p ON p.id = c.program_id
     WHERE c.import_id = NEW.id AND c.status IN ('proposed', 'active', 'release_requested')
     GROUP BY c.program_id, c.title_id, t.oclc_number, p.target_copies
    ON CONFLICT (program_id, title_id) DO UPDATE
       SET committed = committed + excluded.committed, proposed = proposed + excluded.proposed;
    INSERT INTO coverage_libraries (program_id, library_id, committed)
    SELECT c.program_id, c.library_id, COUNT(*)
      FROM commitments c
     WHERE c.import_id = NEW.id AND c.status IN ('active', 'release_requested')
     GROUP BY c.program_id, c.library_id
    ON CONFLICT (program_id, library_id) DO UPDATE SET committed = committed + excluded.committed;
END;

-- Holdings: a row of the library's current generation (an adding load) counts at once.
CREATE TRIGGER coverage_holding_inserted AFTER INSERT ON holdings
WHEN NEW.generation = (SELECT s.generation FROM holdings_sets s WHERE s.library_id = NEW.library_id)
BEGIN
    INSERT INTO coverage (program_id, title_id, oclc_number, target, held)
    SELECT m.program_id, NEW.title_id, t.oclc_number, p.target_copies, 1
      FROM program_members m
      JOIN programs p ON p.id = m.program_id
      JOIN titles t ON t.id = NEW.title_id
     WHERE m.library_id = NEW.library_id
    ON CONFLICT (program_id, title_id) DO UPDATE SET held = held + 1;
END;

CREATE TRIGGER coverage_holding_deleted AFTER DELETE ON holdings
WHEN OLD.generation = (SELECT s.generation FROM holdings_sets s WHERE s.library_id = OLD.library_id)
BEGIN
    UPDATE coverage SET held = held - 1
     WHERE title_id = OLD.title_id
       AND program_id IN (SELECT m.program_id FROM program_members m WHERE m.library_id = OLD.library_id);
END;

-- A replacing load made current: the titles it gained and lost.
CREATE TRIGGER coverage_holdings_published AFTER UPDATE OF generation ON holdings_sets
WHEN NEW.generation <> OLD.generation
BEGIN
    INSERT INTO coverage (program_id, title_id, oclc_number, target, held)
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
     WHERE true
    ON CONFLICT (program_id, title_id) DO UPDATE SET held = held + excluded.held;
END;

-- A library joining or leaving a program brings or takes its holdings.
CREATE TRIGGER coverage_member_added AFTER INSERT ON program_members
BEGIN
    INSERT INTO coverage (program_id, title_id, oclc_number, target, held)
    SELECT NEW.program_id, h.title_id, t.oclc_number, p.target_copies, 1
      FROM holdings_sets s
      JOIN holdings h ON h.library_id = s.library_id AND h.generation = s.generation
      JOIN titles t ON t.id = h.title_id
      JOIN programs p ON p.id = NEW.program_id
     WHERE s.library_id = NEW.library_id
    ON CONFLICT (program_id, title_id) DO UPDATE SET held = held + 1;
END;

CREATE TRIGGER coverage_member_removed AFTER DELETE ON program_members
BEGIN
    UPDATE coverage SET held = held - 1
     WHERE program_id = OLD.program_id
       AND title_id IN (SELECT h.title_id FROM holdings_sets s
                          JOIN holdings h ON h.library_id = s.library_id AND h.generation = s.generation
                         WHERE s.library_id = OLD.library_id);
END;

CREATE TRIGGER coverage_target_changed AFTER UPDATE OF target_copies ON programs
WHEN NEW.target_copies <> OLD.target_copies
BEGIN
    UPDATE coverage SET target = NEW.target_copies WHERE program_id = NEW.id;
END;
