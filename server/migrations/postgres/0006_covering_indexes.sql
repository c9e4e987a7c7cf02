-- Reads answered from indexes alone (index-only scans), instead of a fetch of each
-- booking's row from the table; these were the largest items in the profiles of a month's
-- availability and of the booking check.

-- Busy ranges: one range scan per practitioner (store/postgres.rs, BUSY_RANGES), so the
-- practitioner's index carries what the read returns and filters on; the org-wide index
-- of migration 0004 is no longer read.
DROP INDEX bookings_org_blocked;
DROP INDEX bookings_practitioner_time;
CREATE INDEX bookings_practitioner_time ON bookings (practitioner_id, blocked_start)
    INCLUDE (blocked_end, id) WHERE status = 'confirmed';

-- The starts around a booking that least-loaded selection counts: practitioner and status
-- in the index that already orders an org's bookings by start.
DROP INDEX bookings_org_start;
CREATE INDEX bookings_org_start ON bookings (org_id, start_at, id) INCLUDE (practitioner_id, status);
