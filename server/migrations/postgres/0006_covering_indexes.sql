-- Busy ranges are the read of every availability query and booking check. With the
-- columns it returns and filters on in the index, Postgres answers it from the index
-- (an index-only scan) instead of fetching each booking's row from the table, which was
-- the largest item in the profile of a month's availability.
DROP INDEX bookings_org_blocked;
CREATE INDEX bookings_org_blocked ON bookings (org_id, blocked_start)
    INCLUDE (blocked_end, practitioner_id, id) WHERE status = 'confirmed';

-- The same for the starts around a booking that least-loaded selection counts: practitioner
-- and status in the index that already orders an org's bookings by start.
DROP INDEX bookings_org_start;
CREATE INDEX bookings_org_start ON bookings (org_id, start_at, id) INCLUDE (practitioner_id, status);
