-- Reads by time touch the rows of their window only, whatever an org's history holds.
-- Listing bookings by start (also keyset pages), and the day's loads of least-loaded selection.
CREATE INDEX bookings_org_start ON bookings (org_id, start_at, id);
-- Busy ranges for availability: blocked_start bounded on both sides (see model::MAX_BLOCKED).
CREATE INDEX bookings_org_blocked ON bookings (org_id, blocked_start) WHERE status = 'confirmed';
-- A practitioner's latest booking, for least-loaded selection: one index probe each.
CREATE INDEX bookings_practitioner_created ON bookings (practitioner_id, created_at) WHERE status = 'confirmed';
-- What is in flight per endpoint and org, for the webhook claim's fair shares.
CREATE INDEX webhook_deliveries_locked ON webhook_deliveries (locked_until) WHERE state = 'pending';

-- The no-overlap triggers looked at every earlier booking of the practitioner. A
-- practitioner's confirmed bookings never overlap (these triggers see to it from the first
-- row), so ordered by blocked_start their blocked_end grows too: a new range overlaps one
-- of them exactly when it overlaps the last one starting before it ends. One index probe
-- (bookings_practitioner_time), however long the history.
DROP TRIGGER bookings_no_overlap_insert;
CREATE TRIGGER bookings_no_overlap_insert
BEFORE INSERT ON bookings
WHEN NEW.status = 'confirmed'
BEGIN
    SELECT RAISE(ABORT, 'bookings_no_overlap')
    WHERE (
        SELECT b.blocked_end FROM bookings b
        WHERE b.practitioner_id = NEW.practitioner_id
          AND b.status = 'confirmed'
          AND b.blocked_start < NEW.blocked_end
        ORDER BY b.blocked_start DESC LIMIT 1
    ) > NEW.blocked_start;
END;

DROP TRIGGER bookings_no_overlap_update;
CREATE TRIGGER bookings_no_overlap_update
BEFORE UPDATE OF status, practitioner_id, blocked_start, blocked_end ON bookings
WHEN NEW.status = 'confirmed'
BEGIN
    SELECT RAISE(ABORT, 'bookings_no_overlap')
    WHERE (
        SELECT b.blocked_end FROM bookings b
        WHERE b.practitioner_id = NEW.practitioner_id
          AND b.id <> NEW.id
          AND b.status = 'confirmed'
          AND b.blocked_start < NEW.blocked_end
        ORDER BY b.blocked_start DESC LIMIT 1
    ) > NEW.blocked_start;
END;
