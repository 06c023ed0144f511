-- What each device of an agent reported it carried out: the last wipe it acted on. The server
-- sends a device the wipes after this, never after what the device says it did elsewhere (a
-- header or a parameter), so a device that edits its own files still gets every wipe it has not
-- acknowledged here. A device is a random id the client makes once per installation; one not
-- in this table has acknowledged nothing.
CREATE TABLE device_wipes (
    subject         TEXT    NOT NULL,
    device          TEXT    NOT NULL,
    acknowledged    INTEGER NOT NULL,
    acknowledged_at TEXT    NOT NULL,
    PRIMARY KEY (subject, device)
);
