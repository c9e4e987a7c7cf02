-- Reads by time touch the rows of their window only, whatever an org's history holds.
-- Listing bookings by start (also keyset pages), and the day's loads of least-loaded selection.
CREATE INDEX bookings_org_start ON bookings (org_id, start_at, id);
-- Busy ranges for availability: blocked_start bounded on both sides (see model::MAX_BLOCKED).
CREATE INDEX bookings_org_blocked ON bookings (org_id, blocked_start) WHERE status = 'confirmed';
-- A practitioner's latest booking, for least-loaded selection: one index probe each.
CREATE INDEX bookings_practitioner_created ON bookings (practitioner_id, created_at) WHERE status = 'confirmed';
-- What is in flight per endpoint and org, for the webhook claim's fair shares.
CREATE INDEX webhook_deliveries_locked ON webhook_deliveries (locked_until) WHERE state = 'pending';
