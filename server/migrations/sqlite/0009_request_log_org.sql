-- The org's own request log, newest first (GET /api/v1/request-log pages it by id).
CREATE INDEX request_log_org ON request_log (org_id, id);
