-- Housekeeping deletes expired sessions and finished webhook history by age.
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX webhook_events_created ON webhook_events (created_at);
