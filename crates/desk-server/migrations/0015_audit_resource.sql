-- The trail filtered by resource (`GET /v1/audit?resource=customer:42`) reads an index, as by actor
-- and by action.
CREATE INDEX audit_resource ON audit (resource, seq);
