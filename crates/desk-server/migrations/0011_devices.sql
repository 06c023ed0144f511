-- The devices the server has seen, per agent, and the last of the agent's wipes ordered before
-- it first saw each one. A device asks for its wipes (GET /v1/me/wipes, or on connecting to
-- GET /v1/events) before it shows or caches anything, so a wipe ordered before the server first
-- saw a device was not meant for it: a replacement laptop signing in after a wipe is neither
-- shredded nor signed out by it. A device is sent the wipes after the later of this and what it
-- acknowledged (device_wipes).
CREATE TABLE devices (
    subject      TEXT    NOT NULL,
    device       TEXT    NOT NULL,
    first_seen   TEXT    NOT NULL,
    wipes_before INTEGER NOT NULL,
    PRIMARY KEY (subject, device)
);

-- Devices that acknowledged a wipe were seen before every wipe after it.
INSERT INTO devices (subject, device, first_seen, wipes_before)
SELECT subject, device, acknowledged_at, 0 FROM device_wipes;
