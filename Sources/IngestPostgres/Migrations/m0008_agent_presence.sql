-- Several hosts (issue #17): every process that plans or loads (the agent, `import`, `retry`)
-- registers here and holds the session advisory lock (agent lock key, id) for as long as its
-- connection lives. PostgreSQL is the judge of who is alive: a registered process whose lock
-- nobody holds is gone (crash, kill -9, or a host whose connection the server dropped), and
-- any other agent takes over its claims and jobs.
CREATE TABLE ingest_agent (
    id          bigserial PRIMARY KEY,
    host        text        NOT NULL,
    pid         integer     NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('agent', 'import', 'retry')),
    version     text        NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    -- Set when it stopped, or when another agent found it gone and took over what it held.
    ended_at    timestamptz,
    ended_by    bigint,
    CHECK (id < 2147483648)  -- the second key of its advisory lock is an int4
);
CREATE INDEX ingest_agent_running ON ingest_agent (id) WHERE ended_at IS NULL;

-- The registered process that owns a job (planning it, or adopted after its owner was gone)
-- and the one that made a chunk's current attempt: a load counts only for that attempt.
ALTER TABLE import_job ADD COLUMN agent_id bigint;
ALTER TABLE import_chunk ADD COLUMN agent_id bigint;
