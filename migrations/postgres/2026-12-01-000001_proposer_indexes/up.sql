-- What waits for whom: proposals of one side (a library's own, or the program's allocations) in one
-- program or library, in keyset order, without reading the other side's proposals.
CREATE INDEX commitments_program_proposer_idx ON commitments (program_id, status, proposed_by_role, id);
CREATE INDEX commitments_library_proposer_idx ON commitments (library_id, status, proposed_by_role, id);
