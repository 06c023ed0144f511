-- SCIM users and groups (RFC 7643), as provisioning clients (Entra ID, Okta) create them at
-- /scim/v2. A user's `userName` is unique whatever its case (user_name_key is it lowercased) and
-- links the user to the agent whose access tokens carry it in `scim_user_claim`. `attributes` is
-- the JSON of the other attributes kept and returned (displayName, name, emails); `active` is a
-- column of its own since every agent request reads it.
CREATE TABLE scim_users (
    id            TEXT    PRIMARY KEY,
    user_name     TEXT    NOT NULL,
    user_name_key TEXT    NOT NULL UNIQUE,
    external_id   TEXT,
    active        INTEGER NOT NULL,
    attributes    TEXT    NOT NULL,
    created       TEXT    NOT NULL,
    last_modified TEXT    NOT NULL
);
CREATE INDEX scim_users_external_id ON scim_users (external_id);

CREATE TABLE scim_groups (
    id            TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    external_id   TEXT,
    created       TEXT NOT NULL,
    last_modified TEXT NOT NULL
);
CREATE INDEX scim_groups_display_name ON scim_groups (display_name COLLATE NOCASE);
CREATE INDEX scim_groups_external_id ON scim_groups (external_id);

CREATE TABLE scim_members (
    group_id TEXT NOT NULL REFERENCES scim_groups (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES scim_users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX scim_members_user ON scim_members (user_id);

-- When each user name last lost access (made inactive or deleted), in seconds since the epoch:
-- access tokens issued until then stay refused, also after the user is made active again or
-- created anew, so access comes back only with a new sign-in. Kept after the user is deleted.
CREATE TABLE scim_withdrawn (
    user_name_key TEXT    PRIMARY KEY,
    withdrawn_at  INTEGER NOT NULL
);

-- The agents' subjects each user name signed in as (recorded at a token's first use), so that
-- withdrawing a user's access can order a wipe of those agents' devices and end their streams.
CREATE TABLE scim_subjects (
    user_name_key TEXT NOT NULL,
    subject       TEXT NOT NULL,
    PRIMARY KEY (user_name_key, subject)
);
