-- Provisioning (SCIM) clients' bearer tokens, by name: made by `desk-server scim token create`,
-- which shows a token once. Only its SHA-256 is kept (a token is 256 random bits, so a slow hash
-- would add nothing); the server looks a presented token up by that hash on every SCIM request,
-- so a token made or revoked while it runs counts at once. Revoking deletes the row; the audit
-- trail keeps when each was made and revoked.
CREATE TABLE scim_tokens (
    name       TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
