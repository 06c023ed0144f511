-- desk-server's PostgreSQL store: the final state of the SQLite migrations 0001-0013
-- (migrations/), in one step. Released migrations are never edited: add a new one, here and in
-- migrations/ alike when both engines change.
--
-- Column meanings are the SQLite schema's, so the same rows (store/mod.rs) read from both: times
-- are RFC 3339 text, integers BIGINT, JSON documents text (as written, never re-ordered), flags
-- BOOLEAN. Every text column is COLLATE "C": compared and ordered by bytes, as SQLite's BINARY
-- does, whatever collation the database was created with, so an order or a range over text
-- (names, times, ids) is the same on both engines and on every database. Nothing needs an
-- extension: a company's DBA hands over an empty database, often without the right to add one.

CREATE TABLE customers (
    id            BIGINT PRIMARY KEY,
    name          TEXT COLLATE "C" NOT NULL,
    email         TEXT COLLATE "C" NOT NULL,
    phone         TEXT COLLATE "C" NOT NULL,
    -- The last nine digits of the phone number, so "07700 900123" finds "+44 7700 900123".
    phone_tail    TEXT COLLATE "C" NOT NULL,
    date_of_birth TEXT COLLATE "C" NOT NULL,
    address       TEXT COLLATE "C" NOT NULL,
    tier          TEXT COLLATE "C" NOT NULL,
    status        TEXT COLLATE "C" NOT NULL,
    created_at    TEXT COLLATE "C" NOT NULL,
    -- The name's words for search (store::search::name_words: lower case, without diacritics,
    -- split at everything that is not a letter or digit), computed in Rust at import as the
    -- words an agent types are, so stored and searched words always agree.
    name_words    TEXT[] COLLATE "C" NOT NULL
);
-- E-mail addresses match whole, ignoring ASCII case: lower() of a "C" text folds A-Z only, as
-- SQLite's NOCASE does.
CREATE INDEX customers_email ON customers (lower(email));
CREATE INDEX customers_phone_tail ON customers (phone_tail);
-- The order of every name search and its keyset cursor: ASCII case folded, then bytes, then id,
-- as SQLite's `name COLLATE NOCASE, id`.
CREATE INDEX customers_name ON customers (lower(name), id);
-- Name search: full-text, not trigrams. Each word of the name is a lexeme of a tsvector made
-- from name_words as they are (array_to_tsvector: no parser, no dictionary, so nothing depends on
-- the database's locale or text-search configuration), in a GIN index; a search is a tsquery of
-- prefix terms ('jan':* & 'do':*), which the index answers. That is exactly what SQLite's FTS5
-- does (every word must start a word of the name). Trigrams (pg_trgm) would need an extension,
-- which an empty database from a DBA may not allow, and match inside words, which the search
-- does not promise.
CREATE INDEX customers_name_words ON customers USING GIN (array_to_tsvector(name_words));

CREATE TABLE accounts (
    id          BIGINT PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    number      TEXT COLLATE "C" NOT NULL,
    -- The IBAN in upper case without spaces, for search.
    number_norm TEXT COLLATE "C" NOT NULL,
    currency    TEXT COLLATE "C" NOT NULL,
    balance     BIGINT NOT NULL,
    status      TEXT COLLATE "C" NOT NULL,
    opened_at   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX accounts_customer ON accounts (customer_id);
CREATE INDEX accounts_number ON accounts (number_norm);

CREATE TABLE cards (
    id         BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    number     TEXT COLLATE "C" NOT NULL,
    brand      TEXT COLLATE "C" NOT NULL,
    expiry     TEXT COLLATE "C" NOT NULL,
    status     TEXT COLLATE "C" NOT NULL
);
CREATE INDEX cards_account ON cards (account_id);

CREATE TABLE transactions (
    id          BIGINT PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    time        TEXT COLLATE "C" NOT NULL,
    amount      BIGINT NOT NULL,
    currency    TEXT COLLATE "C" NOT NULL,
    merchant    TEXT COLLATE "C" NOT NULL,
    status      TEXT COLLATE "C" NOT NULL,
    card_number TEXT COLLATE "C",
    ip_address  TEXT COLLATE "C",
    description TEXT COLLATE "C" NOT NULL
);
-- Newest first per customer, the order every transaction page is read in.
CREATE INDEX transactions_customer_time ON transactions (customer_id, time DESC, id DESC);
-- SQLite indexes a foreign key's parent only; PostgreSQL checks a deleted account's
-- transactions through this one (clear_records deletes accounts after their transactions).
CREATE INDEX transactions_account ON transactions (account_id);

CREATE TABLE tickets (
    id          BIGINT PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    subject     TEXT COLLATE "C" NOT NULL,
    status      TEXT COLLATE "C" NOT NULL,
    priority    TEXT COLLATE "C" NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX tickets_customer ON tickets (customer_id, updated_at DESC, id DESC);

CREATE TABLE messages (
    id        BIGINT PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    internal  BOOLEAN NOT NULL,
    author    TEXT COLLATE "C" NOT NULL,
    time      TEXT COLLATE "C" NOT NULL,
    body      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX messages_ticket ON messages (ticket_id, id);

-- Append-only, hash-chained: each entry's hash covers its fields and the previous entry's hash.
-- Appends hold a transaction-scoped advisory lock (store::postgres: CHAIN_LOCK) from before they
-- read the head until they commit, so replicas take turns; the primary key refuses a fork even
-- so.
CREATE TABLE audit (
    seq       BIGINT PRIMARY KEY,
    time      TEXT COLLATE "C" NOT NULL,
    actor     TEXT COLLATE "C" NOT NULL,
    action    TEXT COLLATE "C" NOT NULL,
    resource  TEXT COLLATE "C" NOT NULL,
    outcome   TEXT COLLATE "C" NOT NULL,
    detail    TEXT COLLATE "C" NOT NULL,
    prev_hash TEXT COLLATE "C" NOT NULL,
    hash      TEXT COLLATE "C" NOT NULL
);
-- The trail read by actor or by action walks these instead of the whole table.
CREATE INDEX audit_actor ON audit (actor, seq);
CREATE INDEX audit_action ON audit (action, seq);

-- Role definitions as administrators last saved them (JSON, validated before it is stored).
CREATE TABLE role_definitions (
    role       TEXT COLLATE "C" PRIMARY KEY,
    definition TEXT COLLATE "C" NOT NULL,
    version    BIGINT NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    updated_by TEXT COLLATE "C" NOT NULL
);

-- Role layouts as administrators published them.
CREATE TABLE layouts (
    role       TEXT COLLATE "C" PRIMARY KEY,
    layout     TEXT COLLATE "C" NOT NULL,
    version    BIGINT NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    updated_by TEXT COLLATE "C" NOT NULL
);

-- One row: the version of every issued policy. It only grows: each change sets it to the larger
-- of (previous + 1) and the time in milliseconds, in one statement, so replicas bumping it at
-- once each get a larger one.
CREATE TABLE policy_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);

-- Every idempotency key of an offline view already recorded, per uploading agent, and the audit
-- entry that recorded it.
CREATE TABLE offline_views (
    actor        TEXT COLLATE "C" NOT NULL,
    key          TEXT COLLATE "C" NOT NULL,
    recorded_seq BIGINT NOT NULL,
    PRIMARY KEY (actor, key)
);

-- When each agent could read offline (seconds since the epoch); overlapping windows are one row.
CREATE TABLE offline_windows (
    actor     TEXT COLLATE "C" NOT NULL,
    opens_at  BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    PRIMARY KEY (actor, opens_at)
);

-- Wipes ordered for every device of an agent. Clients acknowledge them by id, so ids must only
-- grow and never be reused: an identity column (its sequence never goes back; a rolled-back
-- order leaves a gap, where SQLite's AUTOINCREMENT leaves none). Orders are made under the chain
-- lock, so ids are also committed in the order they are drawn.
CREATE TABLE wipes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject    TEXT COLLATE "C" NOT NULL,
    ordered_by TEXT COLLATE "C" NOT NULL,
    ordered_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX wipes_subject ON wipes (subject, id);

-- Signed checkpoints of the audit chain's head, as the server made them (see audit::checkpoint).
CREATE TABLE audit_checkpoints (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seq    BIGINT NOT NULL,
    hash   TEXT COLLATE "C" NOT NULL,
    time   TEXT COLLATE "C" NOT NULL,
    signed TEXT COLLATE "C" NOT NULL
);

-- Every version of every role definition and layout, as stored: written by triggers, so that no
-- way of changing a definition or a layout can skip it.
CREATE TABLE role_definition_history (
    role       TEXT COLLATE "C" NOT NULL,
    version    BIGINT NOT NULL,
    definition TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    updated_by TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (role, version)
);
CREATE FUNCTION role_definition_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO role_definition_history (role, version, definition, updated_at, updated_by)
        VALUES (NEW.role, NEW.version, NEW.definition, NEW.updated_at, NEW.updated_by);
    RETURN NULL;
END;
$$;
CREATE TRIGGER role_definition_changed AFTER INSERT OR UPDATE ON role_definitions
    FOR EACH ROW EXECUTE FUNCTION role_definition_kept();

CREATE TABLE layout_history (
    role       TEXT COLLATE "C" NOT NULL,
    version    BIGINT NOT NULL,
    layout     TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    updated_by TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (role, version)
);
CREATE FUNCTION layout_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO layout_history (role, version, layout, updated_at, updated_by)
        VALUES (NEW.role, NEW.version, NEW.layout, NEW.updated_at, NEW.updated_by);
    RETURN NULL;
END;
$$;
CREATE TRIGGER layout_changed AFTER INSERT OR UPDATE ON layouts
    FOR EACH ROW EXECUTE FUNCTION layout_kept();

-- Role changes that widen what a role sees of personal or restricted data, waiting for a second
-- administrator. A change is decided once: approved or rejected.
CREATE TABLE role_changes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role        TEXT COLLATE "C" NOT NULL,
    definition  TEXT COLLATE "C" NOT NULL,
    changes     TEXT COLLATE "C" NOT NULL,
    widened     TEXT COLLATE "C" NOT NULL,
    proposed_by TEXT COLLATE "C" NOT NULL,
    proposed_at TEXT COLLATE "C" NOT NULL,
    status      TEXT COLLATE "C" NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by  TEXT COLLATE "C",
    decided_at  TEXT COLLATE "C"
);
CREATE INDEX role_changes_pending ON role_changes (status, id);

-- Audit retention: each row is one archive of the oldest entries; the chain now starts after
-- `through_seq`, whose link was `hash` (see the SQLite migration 0009 for what a row proves).
CREATE TABLE audit_retained (
    through_seq BIGINT PRIMARY KEY,
    hash        TEXT COLLATE "C" NOT NULL,
    entries     BIGINT NOT NULL,
    archive     TEXT COLLATE "C" NOT NULL,
    archived_at TEXT COLLATE "C" NOT NULL,
    checkpoint  TEXT COLLATE "C" NOT NULL
);

-- What each device of an agent reported it carried out: the last wipe it acted on.
CREATE TABLE device_wipes (
    subject         TEXT COLLATE "C" NOT NULL,
    device          TEXT COLLATE "C" NOT NULL,
    acknowledged    BIGINT NOT NULL,
    acknowledged_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (subject, device)
);

-- The devices the server has seen, per agent, and the last of the agent's wipes ordered before
-- it first saw each one (see the SQLite migration 0011).
CREATE TABLE devices (
    subject      TEXT COLLATE "C" NOT NULL,
    device       TEXT COLLATE "C" NOT NULL,
    first_seen   TEXT COLLATE "C" NOT NULL,
    wipes_before BIGINT NOT NULL,
    PRIMARY KEY (subject, device)
);

-- Provisioning (SCIM) clients' bearer tokens, by name; only each token's SHA-256 is kept.
CREATE TABLE scim_tokens (
    name       TEXT COLLATE "C" PRIMARY KEY,
    token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at TEXT COLLATE "C" NOT NULL
);

-- SCIM users and groups (RFC 7643). A user's `userName` is unique whatever its case
-- (user_name_key is it lowercased, in Rust); `attributes` is the JSON of the other attributes.
CREATE TABLE scim_users (
    id            TEXT COLLATE "C" PRIMARY KEY,
    user_name     TEXT COLLATE "C" NOT NULL,
    user_name_key TEXT COLLATE "C" NOT NULL UNIQUE,
    external_id   TEXT COLLATE "C",
    active        BOOLEAN NOT NULL,
    attributes    TEXT COLLATE "C" NOT NULL,
    created       TEXT COLLATE "C" NOT NULL,
    last_modified TEXT COLLATE "C" NOT NULL
);
CREATE INDEX scim_users_external_id ON scim_users (external_id);

CREATE TABLE scim_groups (
    id            TEXT COLLATE "C" PRIMARY KEY,
    display_name  TEXT COLLATE "C" NOT NULL,
    external_id   TEXT COLLATE "C",
    created       TEXT COLLATE "C" NOT NULL,
    last_modified TEXT COLLATE "C" NOT NULL
);
-- A group is looked up by its displayName ignoring ASCII case, as SQLite's NOCASE.
CREATE INDEX scim_groups_display_name ON scim_groups (lower(display_name));
CREATE INDEX scim_groups_external_id ON scim_groups (external_id);

CREATE TABLE scim_members (
    group_id TEXT COLLATE "C" NOT NULL REFERENCES scim_groups (id) ON DELETE CASCADE,
    user_id  TEXT COLLATE "C" NOT NULL REFERENCES scim_users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX scim_members_user ON scim_members (user_id);

-- When each user name last lost access, in seconds since the epoch; kept after the user goes.
CREATE TABLE scim_withdrawn (
    user_name_key TEXT COLLATE "C" PRIMARY KEY,
    withdrawn_at  BIGINT NOT NULL
);

-- The agents' subjects each user name signed in as.
CREATE TABLE scim_subjects (
    user_name_key TEXT COLLATE "C" NOT NULL,
    subject       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (user_name_key, subject)
);
