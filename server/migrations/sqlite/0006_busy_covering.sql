-- Busy ranges are the read of every availability query and booking check. With the
-- columns it returns and filters on in the index, it is answered from the index alone
-- instead of a lookup of each booking's row.
DROP INDEX bookings_org_blocked;
CREATE INDEX bookings_org_blocked ON bookings (org_id, blocked_start, blocked_end, practitioner_id, id)
    WHERE status = 'confirmed';
