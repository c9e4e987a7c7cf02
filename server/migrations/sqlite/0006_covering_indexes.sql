-- Busy ranges are the read of every availability query and booking check. With the
-- columns it returns and filters on in the index, it is answered from the index alone
-- instead of a lookup of each booking's row.
DROP INDEX bookings_org_blocked;
CREATE INDEX bookings_org_blocked ON bookings (org_id, blocked_start, blocked_end, practitioner_id, id)
    WHERE status = 'confirmed';

-- The same for the starts around a booking that least-loaded selection counts: practitioner
-- and status in the index that already orders an org's bookings by start.
DROP INDEX bookings_org_start;
CREATE INDEX bookings_org_start ON bookings (org_id, start_at, id, practitioner_id, status);
