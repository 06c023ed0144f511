-- What one replica tells the others once a change committed (api::replicas, Store::announce):
-- role definitions or layouts changed, a wipe ordered, provisioning changed. Followers read the
-- rows after the last one they handled whenever a notification (LISTEN desk_announcements)
-- wakes them, and after a reconnect, so a notification lost with a connection loses nothing.
-- Ids grow in the order announcements commit: each is drawn under an advisory lock held until
-- its commit (store::postgres: ANNOUNCE_LOCK). Rows older than a day are deleted as new ones
-- come, never the newest.
CREATE TABLE announcements (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    origin       TEXT COLLATE "C" NOT NULL,
    body         TEXT COLLATE "C" NOT NULL,
    announced_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX announcements_at ON announcements (announced_at);
