-- Views the server refused for good (a reason it gives whenever the same view is sent): set aside
-- here, never deleted and never uploaded again on their own, so that one view the server will
-- never take does not hold back every view queued after it. The same columns as `views`, and
-- the server's reason (a short name such as `outside_window`) and when it was set aside.
CREATE TABLE set_aside_views (
    idempotency_key TEXT    PRIMARY KEY,
    time            INTEGER NOT NULL,
    action          TEXT    NOT NULL,
    resource        TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    set_aside_at      INTEGER NOT NULL
);

UPDATE meta SET value = 'desk-cache audit queue v2' WHERE key = 'format';
