-- desk-server's embedded SQLite store. Released migrations are never edited: add a new one.

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL,
    phone         TEXT NOT NULL,
    -- The last nine digits of the phone number, so "07700 900123" finds "+44 7700 900123".
    phone_tail    TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    address       TEXT NOT NULL,
    tier          TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX customers_email ON customers (email COLLATE NOCASE);
CREATE INDEX customers_phone_tail ON customers (phone_tail);
CREATE INDEX customers_name ON customers (name COLLATE NOCASE, id);

-- Name search. External content: rebuilt after each import, as customers are written only there.
CREATE VIRTUAL TABLE customers_fts USING fts5 (
    name,
    content = 'customers',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    number      TEXT NOT NULL,
    -- The IBAN in upper case without spaces, for search.
    number_norm TEXT NOT NULL,
    currency    TEXT NOT NULL,
    balance     INTEGER NOT NULL,
    status      TEXT NOT NULL,
    opened_at   TEXT NOT NULL
);
CREATE INDEX accounts_customer ON accounts (customer_id);
CREATE INDEX accounts_number ON accounts (number_norm);

CREATE TABLE cards (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    number     TEXT NOT NULL,
    brand      TEXT NOT NULL,
    expiry     TEXT NOT NULL,
    status     TEXT NOT NULL
);
CREATE INDEX cards_account ON cards (account_id);

CREATE TABLE transactions (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    time        TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    currency    TEXT NOT NULL,
    merchant    TEXT NOT NULL,
    status      TEXT NOT NULL,
    card_number TEXT,
    ip_address  TEXT,
    description TEXT NOT NULL
);
-- Newest first per customer, the order every transaction page is read in.
CREATE INDEX transactions_customer_time ON transactions (customer_id, time DESC, id DESC);

CREATE TABLE tickets (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    subject     TEXT NOT NULL,
    status      TEXT NOT NULL,
    priority    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX tickets_customer ON tickets (customer_id, updated_at DESC, id DESC);

CREATE TABLE messages (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    internal  INTEGER NOT NULL CHECK (internal IN (0, 1)),
    author    TEXT NOT NULL,
    time      TEXT NOT NULL,
    body      TEXT NOT NULL
);
CREATE INDEX messages_ticket ON messages (ticket_id, id);

-- Append-only, hash-chained: each entry's hash covers its fields and the previous entry's hash.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    time      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    resource  TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

-- Role definitions as administrators last saved them (JSON, validated before it is stored).
CREATE TABLE role_definitions (
    role       TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
