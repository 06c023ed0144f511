-- The agents the server saw sign in (a token's first use, audited as `sign_in`): when first and
-- last, and the roles their groups mapped to at the last (a JSON list of role names). The
-- administrator's list of agents (GET /v1/admin/agents) reads it with the SCIM users provisioned
-- and the devices the server saw.
CREATE TABLE agents (
    subject       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    first_sign_in TEXT COLLATE "C" NOT NULL,
    last_sign_in  TEXT COLLATE "C" NOT NULL,
    roles         TEXT COLLATE "C" NOT NULL
);

-- The sign-ins the trail holds already; their roles come with the next sign-in.
INSERT INTO agents (subject, first_sign_in, last_sign_in, roles)
SELECT actor, MIN(time), MAX(time), '[]' FROM audit WHERE action = 'sign_in' GROUP BY actor;

-- The agent a subject is provisioned as, looked up by subject.
CREATE INDEX scim_subjects_subject ON scim_subjects (subject);
