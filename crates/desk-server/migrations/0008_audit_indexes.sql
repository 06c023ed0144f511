-- The trail read by actor or by action (`GET /v1/audit?actor=…&action=…`, `desk admin audit`,
-- `audit find`) walks these instead of the whole table; newest first or in chain order alike.
CREATE INDEX audit_actor ON audit (actor, seq);
CREATE INDEX audit_action ON audit (action, seq);
