-- Offline uploads bounded per agent (issue 15, point 4).

-- Idempotency keys are the uploading agent's own: the same key from two agents is two views, so
-- one agent cannot make another's pending view be skipped by uploading its key first. Every row
-- kept; `actor` was already stored with each key.
CREATE TABLE offline_views_per_agent (
    actor        TEXT NOT NULL,
    key          TEXT NOT NULL,
    recorded_seq INTEGER NOT NULL,
    PRIMARY KEY (actor, key)
) WITHOUT ROWID;
INSERT INTO offline_views_per_agent (actor, key, recorded_seq)
    SELECT actor, key, recorded_seq FROM offline_views;
DROP TABLE offline_views;
ALTER TABLE offline_views_per_agent RENAME TO offline_views;

-- When each agent could read offline, as the server knows it: each policy it signed for an
-- agent that allowed caching opens a window at its issue time and closes it at its expiry plus
-- the policy's offline grace (seconds since the epoch). Overlapping windows are kept as one row,
-- so an agent has one row per stretch of policies without a gap. An uploaded view's time must
-- lie inside one of its agent's windows.
CREATE TABLE offline_windows (
    actor     TEXT NOT NULL,
    opens_at  INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    PRIMARY KEY (actor, opens_at)
) WITHOUT ROWID;
