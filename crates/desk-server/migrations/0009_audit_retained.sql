-- Audit retention (`audit_retention_days`, see audit::retention): the oldest entries are written
-- to an archive file, ending with a signed checkpoint of the last of them, and then deleted. Each
-- row is one such archive: the chain now starts after `through_seq`, whose link was `hash`. A
-- row proves nothing by itself (whoever can write this table can add one): verification accepts
-- the newest only when an `audit.archive` entry, linked under the audit key, names the same
-- position and link.
CREATE TABLE audit_retained (
    through_seq INTEGER PRIMARY KEY,
    hash        TEXT NOT NULL,
    entries     INTEGER NOT NULL,
    archive     TEXT NOT NULL,
    archived_at TEXT NOT NULL,
    checkpoint  TEXT NOT NULL
);
