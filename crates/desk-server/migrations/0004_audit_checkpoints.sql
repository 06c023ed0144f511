-- Signed checkpoints of the audit chain's head, as the server made them (see audit::checkpoint).
-- They prove nothing kept here (whoever rewrites the chain can rewrite this table); they are
-- kept for the export stream and for whoever reads them out to keep elsewhere.
CREATE TABLE audit_checkpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    time TEXT NOT NULL,
    signed TEXT NOT NULL
);
