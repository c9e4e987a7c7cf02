//! A new booking on Postgres in one statement: who takes it, and everything it writes.
//!
//! For a customer with an e-mail, [`book_sql`] chooses the practitioner (the first free
//! candidate, least loaded first) and writes the customer, the booking, its mails, its
//! outbox event with the deliveries and the idempotency record, as data-modifying CTEs of
//! one statement: one round trip and one atomic transaction, where the booking check's
//! read and the write were two statements before (the read was ~40% of the database's
//! time per booking, from `pg_stat_statements` under `scripts/bench.sh`). A phone-only
//! customer needs a lookup first, so that booking takes the two-step way of
//! [`super::bookings::book_in_turn`].

use super::*;
use std::sync::OnceLock;

/// The statement's first part: `pick`, the customer and the booking ([`book_sql`] adds
/// the rest). `$4` the candidates' ids, `$24`/`$25` the bounds of each one's local day (same order),
/// `$26` = `$7 - MAX_BLOCKED` (bounds the busy probe's index scan), `$27`/`$28` the union of
/// the days. `pick` is the least loaded free candidate, ordered as `model::least_loaded`
/// orders (the same-day counts from one scan of the org's bookings in those days, grouped
/// by practitioner so each candidate counts only its own; the last booking of each from
/// `bookings_practitioner_created`); no row when none is free, and
/// then nothing is written.
///
/// `locked` takes transaction-scoped advisory locks on (chosen practitioner, each half hour
/// the blocked range touches), in ascending order, while the rows are written. Two
/// overlapping bookings of one practitioner share at least one such half hour, so they take
/// turns and the later one meets the earlier one's committed row at once in the exclusion
/// check: without the locks both insert and each waits for the other, a deadlock Postgres
/// breaks only after `deadlock_timeout`, 1 s (under a burst of 50 such chains ran into the
/// pool's 10 s acquire timeout, a 500). Bookings of one practitioner at other times do not
/// wait for each other (a lock on the practitioner alone would queue every concurrent
/// booking that picks the same least-loaded practitioner, as all concurrent ones do).
///
/// The customer's and the practitioner's ids are only known inside
/// the statement. The event payload and the stored response are serialised with `$17` and
/// `$29` in their places (`cus_pending_<booking id>`, `prac_pending_<booking id>`, which no
/// request can know in advance) and `replace` puts the ids in.
const BOOK_HEAD: &str = "WITH day AS ( \
        SELECT practitioner_id, array_agg(start_at) AS starts FROM bookings \
        WHERE org_id = $2 AND status = 'confirmed' AND start_at >= $27 AND start_at < $28 \
        GROUP BY practitioner_id), \
    ranked AS ( \
        SELECT c.id, \
          (SELECT count(*) FROM unnest(day.starts) AS s(at) WHERE s.at >= c.day_from AND s.at < c.day_to) AS n, \
          (SELECT max(l.created_at) FROM bookings l WHERE l.practitioner_id = c.id AND l.status = 'confirmed') \
            AS last \
        FROM unnest($4::text[], $24::timestamptz[], $25::timestamptz[]) AS c(id, day_from, day_to) \
        LEFT JOIN day ON day.practitioner_id = c.id \
        ORDER BY n, last NULLS FIRST, c.id COLLATE \"C\"), \
    pick AS ( \
        SELECT r.id FROM ranked r \
        WHERE {guard}NOT EXISTS (SELECT 1 FROM bookings x WHERE x.practitioner_id = r.id AND x.status = 'confirmed' \
          AND x.blocked_start < $8 AND x.blocked_start >= $26 AND x.blocked_end > $7) \
        ORDER BY r.n, r.last NULLS FIRST, r.id COLLATE \"C\" LIMIT 1), \
    locked AS (SELECT pick.id FROM pick, LATERAL (SELECT count(pg_advisory_xact_lock(hashtext(pick.id), h)) \
        FROM generate_series(floor(extract(epoch FROM $7) / 1800)::int, \
                             floor((extract(epoch FROM $8) - 1) / 1800)::int) h) l), \
    customer AS ( \
        INSERT INTO customers (id, org_id, name, email, phone, created_at, updated_at) \
        SELECT $16, $2, $9, $10, $11, $14, $14 FROM locked \
        ON CONFLICT (org_id, email) WHERE email IS NOT NULL DO UPDATE SET \
        name = excluded.name, phone = COALESCE(excluded.phone, customers.phone), updated_at = excluded.updated_at \
        RETURNING id), \
    booking AS ( \
        INSERT INTO bookings (id, org_id, service_id, practitioner_id, customer_id, start_at, end_at, \
        blocked_start, blocked_end, status, customer_name, customer_email, customer_phone, notes, \
        manage_token_hash, created_at, updated_at, customer_timezone) \
        SELECT $1, $2, $3, locked.id, customer.id, $5, $6, $7, $8, 'confirmed', $9, $10, $11, $12, $13, $14, $14, $22 \
        FROM locked, customer RETURNING *), ";

/// The booking's mails (`$23`), when it has any.
const BOOK_MAIL: &str = concat!(
    "mail AS ( \
        INSERT INTO mail_outbox (id, org_id, booking_id, kind, audience, practitioner_id, sequence, details, \
        state, attempts, due_at, created_at) \
        SELECT m.id, $2, booking.id, m.kind, m.audience, booking.practitioner_id, 0, m.details, 'pending', 0, \
        m.due_at, $14 FROM booking, ",
    mail_rows!("$23"),
    "), "
);

/// The outbox event and its deliveries, for the endpoints listening (none: nothing).
const BOOK_EVENT: &str = "event AS ( \
        INSERT INTO webhook_events (id, org_id, type, booking_id, payload, created_at) \
        SELECT $15, $2, 'booking.created', booking.id, \
        replace(replace($18, $17, booking.customer_id), $29, booking.practitioner_id)::jsonb, $14 \
        FROM booking WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.org_id = $2 AND e.active \
        AND e.deleted_at IS NULL AND (e.events ? 'booking.created' OR e.events ? '*')) RETURNING id), \
    deliveries AS ( \
        INSERT INTO webhook_deliveries (id, event_id, endpoint_id, state, attempts, next_attempt_at, \
        created_at, updated_at) \
        SELECT 'dlv_' || substr(event.id, 5) || '_' || substr(e.id, 4), event.id, e.id, 'pending', 0, $14, $14, $14 \
        FROM event, webhook_endpoints e \
        WHERE e.org_id = $2 AND e.active AND e.deleted_at IS NULL \
        AND (e.events ? 'booking.created' OR e.events ? '*'))";

/// The idempotency record (`$19`, `$20`) with the response (`$21`), for a request with a key.
const BOOK_SAVED: &str = ", saved AS ( \
        UPDATE idempotency_keys SET state = 'done', response_status = 201, \
        response_body = replace(replace($21, $17, booking.customer_id), $29, booking.practitioner_id) \
        FROM booking WHERE scope = $19 AND key = $20)";

/// The guard of a booking made with a cached key (`model::KeyGuard`: `$30` the key, `$31`
/// to `$33` the org's catalogue version, timezone and name as cached), a condition of
/// `pick`: when it fails no candidate is picked and nothing is written. It does not depend
/// on the candidate, so Postgres evaluates it once.
const BOOK_GUARD: &str = concat!(
    "EXISTS (SELECT 1 ",
    crate::store::bookings::key_guard!("$30", "$2", "$14", "$31", "$32", "$33"),
    ") AND "
);

/// Parameters only the mail part uses, only the idempotency part, only the guard.
const MAIL_PARAMS: &[u32] = &[23];
const SAVED_PARAMS: &[u32] = &[19, 20, 21];
const GUARD_PARAMS: &[u32] = &[30, 31, 32, 33];

/// The statement for a booking with mails or not, with an idempotency key or not, with a
/// guard or not: parts a request does not need are left out (each would cost the executor
/// its setup and the locks on its table and indexes, also when it writes nothing), and the
/// parameters after theirs renumbered, so every variant binds the same values in the same
/// order without those.
pub(in crate::store) fn book_sql(mail: bool, idempotency: bool, guard: bool) -> &'static str {
    static VARIANTS: OnceLock<Vec<String>> = OnceLock::new();
    let variants = VARIANTS.get_or_init(|| {
        (0..8)
            .map(|v| (v & 4 != 0, v & 2 != 0, v & 1 != 0))
            .map(|(mail, idem, guard)| {
                let mut left_out = Vec::new();
                let mut sql = BOOK_HEAD.replace("{guard}", if guard { BOOK_GUARD } else { "" });
                if !guard {
                    left_out.extend_from_slice(GUARD_PARAMS);
                }
                match mail {
                    true => sql.push_str(BOOK_MAIL),
                    false => left_out.extend_from_slice(MAIL_PARAMS),
                }
                sql.push_str(BOOK_EVENT);
                match idem {
                    true => sql.push_str(BOOK_SAVED),
                    false => left_out.extend_from_slice(SAVED_PARAMS),
                }
                sql.push_str(" SELECT * FROM booking");
                renumber(&sql, &left_out)
            })
            .collect()
    });
    &variants[usize::from(mail) * 4 + usize::from(idempotency) * 2 + usize::from(guard)]
}

/// `sql` with each `$n` lowered by the number of `left_out` parameters below `n`.
fn renumber(sql: &str, left_out: &[u32]) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let n: u32 = rest[..digits].parse().expect("a parameter number after $");
        assert!(!left_out.contains(&n), "parameter ${n} is used outside its part");
        out.push_str(&(n - left_out.iter().filter(|&&o| o < n).count() as u32).to_string());
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

impl PgStore {
    /// See [`BookingStore::book_first_free`]: [`book_sql`] for a customer with an e-mail.
    /// When a concurrent booking takes the chosen practitioner first (the exclusion
    /// constraint refuses this one), the statement runs again and chooses among the rest.
    pub(super) async fn write_first_free(
        &self,
        b: &NewBooking,
        candidates: &[Candidate],
        idem: Option<IdempotencyRef<'_>>,
    ) -> Result<BookingRecord, StoreError> {
        let Some(email) = &b.customer_email else {
            return bookings::book_in_turn(self, b, candidates, idem).await;
        };
        let (customer, practitioner) = (format!("cus_pending_{}", b.id), format!("prac_pending_{}", b.id));
        let expected = b.record(&customer, &practitioner);
        let event_id = crate::ids::new_id("evt");
        let payload = outbox::event_payload(&event_id, "booking.created", b.now, &expected, None).to_string();
        let response = match idem {
            Some(_) => serde_json::to_string(&cadence_shared::Booking::from(&expected))
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            None => String::new(),
        };
        let ids: Vec<&str> = candidates.iter().map(|c| c.practitioner_id.as_str()).collect();
        let (day_from, day_to): (Vec<_>, Vec<_>) = candidates.iter().map(|c| c.day).unzip();
        let days =
            candidates.iter().fold((b.start, b.start), |(lo, hi), c| (lo.min(c.day.0), hi.max(c.day.1)));
        let customer_id = crate::ids::new_id("cus");
        for _ in 0..candidates.len() {
            let mut q = sqlx::query_as(book_sql(!b.mail.is_empty(), idem.is_some(), b.guard.is_some()))
                .bind(&b.id)
                .bind(&b.org_id)
                .bind(&b.service_id)
                .bind(&ids)
                .bind(ts::Ts(b.start))
                .bind(ts::Ts(b.end))
                .bind(ts::Ts(b.blocked_start))
                .bind(ts::Ts(b.blocked_end))
                .bind(&b.customer_name)
                .bind(email)
                .bind(&b.customer_phone)
                .bind(&b.notes)
                .bind(&b.manage_token_hash)
                .bind(ts::Ts(b.now))
                .bind(&event_id)
                .bind(&customer_id)
                .bind(&customer)
                .bind(&payload);
            if let Some(k) = idem {
                q = q.bind(k.scope).bind(k.key).bind(&response);
            }
            q = q.bind(&b.customer_timezone);
            if !b.mail.is_empty() {
                q = q.bind(sqlx::types::Json(&b.mail));
            }
            q = q
                .bind(&day_from)
                .bind(&day_to)
                .bind(ts::Ts(b.blocked_start - MAX_BLOCKED))
                .bind(ts::Ts(days.0))
                .bind(ts::Ts(days.1))
                .bind(&practitioner);
            if let Some(g) = &b.guard {
                q = q.bind(&g.key_id).bind(g.catalog_version).bind(&g.org_timezone).bind(&g.org_name);
            }
            let found: Result<Option<bookings::BookingRow>, _> =
                q.fetch_optional(&self.pool).await.map_err(map_err);
            match found {
                Ok(Some(row)) => return row.try_into(),
                // No candidate is free.
                Ok(None) => return Err(StoreError::Overlap),
                // A concurrent booking took the chosen practitioner: choose among the rest.
                Err(StoreError::Overlap) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::Overlap)
    }
}

#[cfg(test)]
mod tests {
    use super::book_sql;

    /// Every variant numbers its parameters `$1`…`$n` without a gap (Postgres cannot type
    /// a parameter no part uses), the full one all 33.
    #[test]
    fn each_variant_numbers_its_parameters_without_gaps() {
        for (mail, idem, count) in
            [(false, false, 25), (false, true, 28), (true, false, 26), (true, true, 29)]
        {
            for guard in [false, true] {
                let count = count + if guard { 4 } else { 0 };
                let sql = book_sql(mail, idem, guard);
                let mut used: Vec<u32> = sql
                    .split('$')
                    .skip(1)
                    .map(|s| {
                        s.bytes().take_while(u8::is_ascii_digit).fold(0, |n, d| n * 10 + u32::from(d - b'0'))
                    })
                    .collect();
                used.sort_unstable();
                used.dedup();
                assert_eq!(used, (1..=count).collect::<Vec<_>>(), "mail {mail}, idempotency {idem}");
                assert_eq!(sql.contains("mail_outbox"), mail);
                assert_eq!(sql.contains("idempotency_keys"), idem);
                assert_eq!(sql.contains("api_keys"), guard);
                assert!(!sql.contains("{guard}"));
            }
        }
    }
}
