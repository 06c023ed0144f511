-- Role layouts as administrators published them, and the policy version every change bumps.

CREATE TABLE layouts (
    role       TEXT PRIMARY KEY,
    layout     TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

-- One row: the version of every issued policy. It only grows: each change sets it to the larger
-- of (previous + 1) and the time in milliseconds, so a database created later starts higher.
CREATE TABLE policy_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
