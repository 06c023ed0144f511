-- The audit queue: views an agent made from the cache while offline, until the server has
-- acknowledged them. Only what the audit entry needs, never record content: the idempotency key,
-- when, which view, and the record's id. `audit_queue::AuditQueue::queue` refuses anything else.
CREATE TABLE views (
    idempotency_key TEXT    PRIMARY KEY,
    time            INTEGER NOT NULL,
    action          TEXT    NOT NULL,
    resource        TEXT    NOT NULL
);

CREATE INDEX views_by_time ON views (time, idempotency_key);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

INSERT INTO meta (key, value) VALUES ('format', 'desk-cache audit queue v1');
