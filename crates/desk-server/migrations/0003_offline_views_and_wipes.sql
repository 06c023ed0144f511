-- Offline views uploaded by clients, and remote wipes ordered by administrators.

-- Every idempotency key of an offline view already recorded, so a re-upload (after an answer
-- that was lost) records nothing twice. `recorded_seq` is the audit entry that recorded it.
CREATE TABLE offline_views (
    key          TEXT PRIMARY KEY,
    actor        TEXT NOT NULL,
    recorded_seq INTEGER NOT NULL
);

-- Wipes ordered for every device of an agent. Clients acknowledge them by id, so ids must only
-- grow and never be reused: AUTOINCREMENT.
CREATE TABLE wipes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    subject    TEXT NOT NULL,
    ordered_by TEXT NOT NULL,
    ordered_at TEXT NOT NULL
);
CREATE INDEX wipes_subject ON wipes (subject, id);
