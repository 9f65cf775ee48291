DROP TABLE scenario_allocations;
DROP TABLE scenarios;
