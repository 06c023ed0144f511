-- Role changes that widen what a role sees of personal or restricted data, waiting for a second
-- administrator (config `role_change_approval`). A change is decided once: approved (and then
-- applied as an ordinary definition change) or rejected.
CREATE TABLE role_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    role        TEXT NOT NULL,
    definition  TEXT NOT NULL,
    changes     TEXT NOT NULL,
    widened     TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by  TEXT,
    decided_at  TEXT
);
CREATE INDEX role_changes_pending ON role_changes (status, id);
