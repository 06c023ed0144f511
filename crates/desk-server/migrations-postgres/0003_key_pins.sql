-- SQLite's 0014: the keys this database's trail and policies were made under, as fingerprints
-- (never the keys): the audit key's (an HMAC under it of a fixed text) and the policy key's
-- public half. The first start pins them; a later start with other keys (a replica whose data
-- folder holds keys made anew instead of copies) is refused before it links one entry or signs
-- one policy under them.
CREATE TABLE key_pins (
    kind        TEXT COLLATE "C" PRIMARY KEY,
    fingerprint TEXT COLLATE "C" NOT NULL,
    pinned_at   TEXT COLLATE "C" NOT NULL
);
