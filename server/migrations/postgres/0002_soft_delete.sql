-- Deleting a service or practitioner keeps the row (past bookings refer to it) but hides
-- it everywhere; see Store::delete_service / delete_practitioner.
ALTER TABLE services ADD COLUMN deleted_at timestamptz;
ALTER TABLE practitioners ADD COLUMN deleted_at timestamptz;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX org_members_user ON org_members (user_id);
