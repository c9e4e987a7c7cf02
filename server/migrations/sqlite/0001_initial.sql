-- Cadence data model, SQLite flavour. Instants are INTEGER unix seconds (UTC), so they
-- compare as numbers in the overlap trigger; JSON documents are TEXT; booleans 0/1.
-- The Postgres twin lives in ../postgres/0001_initial.sql and must describe the same model.

CREATE TABLE orgs (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    branding    TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,          -- stored lower-cased
    password_hash TEXT NOT NULL,                 -- Argon2id PHC string
    display_name  TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE org_members (
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,           -- SHA-256 of the random token
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_used_at INTEGER
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,           -- SHA-256 of the plain key
    key_prefix   TEXT NOT NULL,                  -- for display: ck_live_…a1b2
    scopes       TEXT NOT NULL,                 -- array of scope names
    created_by   TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
CREATE INDEX api_keys_org ON api_keys (org_id, id);

CREATE TABLE practitioners (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    email        TEXT,
    timezone     TEXT,                           -- NULL: the org's timezone
    weekly_hours TEXT NOT NULL,                 -- { "monday": [{ "start": "09:00", "end": "12:00" }], … }
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX practitioners_org ON practitioners (org_id, id);

CREATE TABLE practitioner_date_overrides (
    practitioner_id TEXT NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    date            TEXT NOT NULL,               -- local date YYYY-MM-DD in the practitioner's timezone
    intervals       TEXT NOT NULL,              -- [] is a day off
    PRIMARY KEY (practitioner_id, date)
);

CREATE TABLE services (
    id                     TEXT PRIMARY KEY,
    org_id                 TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name                   TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    duration_minutes       INTEGER NOT NULL CHECK (duration_minutes > 0),
    buffer_before_minutes  INTEGER NOT NULL DEFAULT 0 CHECK (buffer_before_minutes >= 0),
    buffer_after_minutes   INTEGER NOT NULL DEFAULT 0 CHECK (buffer_after_minutes >= 0),
    slot_interval_minutes  INTEGER NOT NULL CHECK (slot_interval_minutes > 0),
    min_notice_minutes     INTEGER NOT NULL DEFAULT 0 CHECK (min_notice_minutes >= 0),
    booking_window_days    INTEGER NOT NULL CHECK (booking_window_days > 0),
    active                 INTEGER NOT NULL DEFAULT 1,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
);
CREATE INDEX services_org ON services (org_id, id);

CREATE TABLE service_practitioners (
    service_id      TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    practitioner_id TEXT NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    PRIMARY KEY (service_id, practitioner_id)
);

CREATE TABLE customers (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    email      TEXT,                             -- lower-cased
    phone      TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
CREATE UNIQUE INDEX customers_org_email ON customers (org_id, email) WHERE email IS NOT NULL;
CREATE INDEX customers_org_phone ON customers (org_id, phone) WHERE phone IS NOT NULL;

CREATE TABLE bookings (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    service_id        TEXT NOT NULL REFERENCES services(id),
    practitioner_id   TEXT NOT NULL REFERENCES practitioners(id),
    customer_id       TEXT NOT NULL REFERENCES customers(id),
    start_at          INTEGER NOT NULL,
    end_at            INTEGER NOT NULL,
    -- [start - buffer_before, end + buffer_after): what no other confirmed booking may touch
    blocked_start     INTEGER NOT NULL,
    blocked_end       INTEGER NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    customer_name     TEXT NOT NULL,             -- as given on this booking
    customer_email    TEXT,
    customer_phone    TEXT,
    notes             TEXT,
    manage_token_hash TEXT,                      -- SHA-256 of the public manage token
    cancel_reason     TEXT,
    cancelled_at      INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    CHECK (end_at > start_at),
    CHECK (blocked_start <= start_at AND blocked_end >= end_at)
);
CREATE INDEX bookings_org ON bookings (org_id, id);
CREATE INDEX bookings_practitioner_time ON bookings (practitioner_id, blocked_start) WHERE status = 'confirmed';
CREATE INDEX bookings_customer ON bookings (customer_id);

-- The no-double-booking rule. SQLite has no exclusion constraints, so triggers abort any
-- insert or update that would leave two confirmed bookings of one practitioner with
-- overlapping blocked ranges [blocked_start, blocked_end). Writers use BEGIN IMMEDIATE,
-- so the check and the write happen under the database's single write lock.
CREATE TRIGGER bookings_no_overlap_insert
BEFORE INSERT ON bookings
WHEN NEW.status = 'confirmed'
BEGIN
    SELECT RAISE(ABORT, 'bookings_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.practitioner_id = NEW.practitioner_id
          AND b.status = 'confirmed'
          AND b.blocked_start < NEW.blocked_end
          AND NEW.blocked_start < b.blocked_end
    );
END;

CREATE TRIGGER bookings_no_overlap_update
BEFORE UPDATE OF status, practitioner_id, blocked_start, blocked_end ON bookings
WHEN NEW.status = 'confirmed'
BEGIN
    SELECT RAISE(ABORT, 'bookings_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.practitioner_id = NEW.practitioner_id
          AND b.id <> NEW.id
          AND b.status = 'confirmed'
          AND b.blocked_start < NEW.blocked_end
          AND NEW.blocked_start < b.blocked_end
    );
END;

CREATE TABLE idempotency_keys (
    scope           TEXT NOT NULL,               -- 'org:<org id>' or 'public:<org id>:<client>'
    key             TEXT NOT NULL,
    request_hash    TEXT NOT NULL,               -- SHA-256 of method, path and body
    state           TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
    response_status INTEGER,
    response_body   TEXT,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    events          TEXT NOT NULL,              -- ["booking.created", …] or ["*"]
    description     TEXT,
    secret          TEXT NOT NULL,               -- whsec_…; kept to sign deliveries
    active          INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    created_at      INTEGER NOT NULL,
    deleted_at      INTEGER
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id, id);

-- The outbox: written in the same transaction as the booking change.
CREATE TABLE webhook_events (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    type       TEXT NOT NULL,
    booking_id TEXT,
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhook_events_booking ON webhook_events (booking_id, id);

-- One row per (event, endpoint): the unit the worker claims, retries and finishes.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    event_id        TEXT NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';

CREATE TABLE webhook_attempts (
    id               TEXT PRIMARY KEY,
    delivery_id      TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempted_at     INTEGER NOT NULL,
    response_status  INTEGER,
    latency_ms       INTEGER NOT NULL,
    error            TEXT,
    response_excerpt TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at);

-- Request log: metadata only, never bodies (they hold customers' personal data).
CREATE TABLE request_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL,
    at         INTEGER NOT NULL,
    method     TEXT NOT NULL,
    route      TEXT NOT NULL,
    status     INTEGER NOT NULL,
    latency_ms INTEGER NOT NULL,
    org_id     TEXT,
    key_id     TEXT
);
CREATE INDEX request_log_at ON request_log (at);
CREATE INDEX request_log_request_id ON request_log (request_id);
