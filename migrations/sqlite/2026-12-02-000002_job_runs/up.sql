-- Scheduled work done once for the whole registry, however many instances serve it. An instance
-- claims the day's run of a job by inserting its row (the primary key lets one claim win), and
-- records when it finished; one that finds the day's run finished, or claimed by a live run, does
-- not run it (see src/db/models/job_runs.rs; PostgreSQL adds an advisory lock).
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    day DATE NOT NULL,
    instance TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    processed BIGINT,
    PRIMARY KEY (job, day)
);
