-- The replicas serving this database, each with when it last said so (Store::heartbeat, every
-- two seconds): read budgets are counted per replica, so each holds an agent to its part of the
-- budget (ReadBudget::part_of the number serving). A replica that stops deletes its row; one
-- that went without a word stops counting after a few seconds and is deleted after an hour.
CREATE TABLE replicas (
    id      TEXT COLLATE "C" PRIMARY KEY,
    seen_at TIMESTAMPTZ NOT NULL
);
