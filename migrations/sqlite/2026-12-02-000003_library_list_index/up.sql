-- A library's list in keyset order (`?library_id=…`, a collection manager's everyday view): the
-- (library_id, status, …, id) indexes make SQLite read all of the library's rows and sort them
-- for every page (100,000 rows: 156 ms); this one gives the page in order and stops at its limit.
CREATE INDEX commitments_library_id_idx ON commitments (library_id, id);
