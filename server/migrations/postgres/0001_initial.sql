-- Cadence data model, Postgres flavour. Instants are timestamptz; ids are prefixed ULIDs.
-- The SQLite twin lives in ../sqlite/0001_initial.sql and must describe the same model.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE orgs (
    id          text PRIMARY KEY,
    slug        text NOT NULL UNIQUE,
    name        text NOT NULL,
    timezone    text NOT NULL,
    branding    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE users (
    id            text PRIMARY KEY,
    email         text NOT NULL UNIQUE,          -- stored lower-cased
    password_hash text NOT NULL,                 -- Argon2id PHC string
    display_name  text NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE org_members (
    org_id     text NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id    text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('owner', 'member')),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

CREATE TABLE sessions (
    id           text PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash   text NOT NULL UNIQUE,           -- SHA-256 of the random token
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz
);

CREATE TABLE api_keys (
    id           text PRIMARY KEY,
    org_id       text NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name         text NOT NULL,
    key_hash     text NOT NULL UNIQUE,           -- SHA-256 of the plain key
    key_prefix   text NOT NULL,                  -- for display: ck_live_…a1b2
    scopes       jsonb NOT NULL,                 -- array of scope names
    created_by   text REFERENCES users(id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_keys_org ON api_keys (org_id, id);

CREATE TABLE practitioners (
    id           text PRIMARY KEY,
    org_id       text NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name         text NOT NULL,
    email        text,
    timezone     text,                           -- NULL: the org's timezone
    weekly_hours jsonb NOT NULL,                 -- { "monday": [{ "start": "09:00", "end": "12:00" }], … }
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX practitioners_org ON practitioners (org_id, id);

CREATE TABLE practitioner_date_overrides (
    practitioner_id text NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    date            date NOT NULL,               -- local date in the practitioner's timezone
    intervals       jsonb NOT NULL,              -- [] is a day off
    PRIMARY KEY (practitioner_id, date)
);

CREATE TABLE services (
    id                     text PRIMARY KEY,
    org_id                 text NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name                   text NOT NULL,
    description            text NOT NULL DEFAULT '',
    duration_minutes       integer NOT NULL CHECK (duration_minutes > 0),
    buffer_before_minutes  integer NOT NULL DEFAULT 0 CHECK (buffer_before_minutes >= 0),
    buffer_after_minutes   integer NOT NULL DEFAULT 0 CHECK (buffer_after_minutes >= 0),
    slot_interval_minutes  integer NOT NULL CHECK (slot_interval_minutes > 0),
    min_notice_minutes     integer NOT NULL DEFAULT 0 CHECK (min_notice_minutes >= 0),
    booking_window_days    integer NOT NULL CHECK (booking_window_days > 0),
    active                 boolean NOT NULL DEFAULT true,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL
);
CREATE INDEX services_org ON services (org_id, id);

CREATE TABLE service_practitioners (
    service_id      text NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    practitioner_id text NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    PRIMARY KEY (service_id, practitioner_id)
);

CREATE TABLE customers (
    id         text PRIMARY KEY,
    org_id     text NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name       text NOT NULL,
    email      text,                             -- lower-cased
    phone      text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
CREATE UNIQUE INDEX customers_org_email ON customers (org_id, email) WHERE email IS NOT NULL;
CREATE INDEX customers_org_phone ON customers (org_id, phone) WHERE phone IS NOT NULL;

CREATE TABLE bookings (
    id                text PRIMARY KEY,
    org_id            text NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    service_id        text NOT NULL REFERENCES services(id),
    practitioner_id   text NOT NULL REFERENCES practitioners(id),
    customer_id       text NOT NULL REFERENCES customers(id),
    start_at          timestamptz NOT NULL,
    end_at            timestamptz NOT NULL,
    -- [start - buffer_before, end + buffer_after): what no other confirmed booking may touch
    blocked_start     timestamptz NOT NULL,
    blocked_end       timestamptz NOT NULL,
    status            text NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    customer_name     text NOT NULL,             -- as given on this booking
    customer_email    text,
    customer_phone    text,
    notes             text,
    manage_token_hash text,                      -- SHA-256 of the public manage token
    cancel_reason     text,
    cancelled_at      timestamptz,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    CHECK (end_at > start_at),
    CHECK (blocked_start <= start_at AND blocked_end >= end_at),
    -- The no-double-booking rule, enforced by the database for every process.
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
        practitioner_id WITH =,
        tstzrange(blocked_start, blocked_end, '[)') WITH &&
    ) WHERE (status = 'confirmed')
);
CREATE INDEX bookings_org ON bookings (org_id, id);
CREATE INDEX bookings_practitioner_time ON bookings (practitioner_id, blocked_start) WHERE status = 'confirmed';
CREATE INDEX bookings_customer ON bookings (customer_id);

CREATE TABLE idempotency_keys (
    scope           text NOT NULL,               -- 'org:<org id>' or 'public:<org id>:<client>'
    key             text NOT NULL,
    request_hash    text NOT NULL,               -- SHA-256 of method, path and body
    state           text NOT NULL CHECK (state IN ('in_flight', 'done')),
    response_status integer,
    response_body   text,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

CREATE TABLE webhook_endpoints (
    id              text PRIMARY KEY,
    org_id          text NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    url             text NOT NULL,
    events          jsonb NOT NULL,              -- ["booking.created", …] or ["*"]
    description     text,
    secret          text NOT NULL,               -- whsec_…; kept to sign deliveries
    active          boolean NOT NULL DEFAULT true,
    disabled_reason text,
    created_at      timestamptz NOT NULL,
    deleted_at      timestamptz
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id, id);

-- The outbox: written in the same transaction as the booking change.
CREATE TABLE webhook_events (
    id         text PRIMARY KEY,
    org_id     text NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    type       text NOT NULL,
    booking_id text,
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX webhook_events_booking ON webhook_events (booking_id, id);

-- One row per (event, endpoint): the unit the worker claims, retries and finishes.
CREATE TABLE webhook_deliveries (
    id              text PRIMARY KEY,
    event_id        text NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
    endpoint_id     text NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    state           text NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';

CREATE TABLE webhook_attempts (
    id               text PRIMARY KEY,
    delivery_id      text NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempted_at     timestamptz NOT NULL,
    response_status  integer,
    latency_ms       integer NOT NULL,
    error            text,
    response_excerpt text
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at);

-- Request log: metadata only, never bodies (they hold customers' personal data).
CREATE TABLE request_log (
    id         bigserial PRIMARY KEY,
    request_id text NOT NULL,
    at         timestamptz NOT NULL,
    method     text NOT NULL,
    route      text NOT NULL,
    status     integer NOT NULL,
    latency_ms integer NOT NULL,
    org_id     text,
    key_id     text
);
CREATE INDEX request_log_at ON request_log (at);
CREATE INDEX request_log_request_id ON request_log (request_id);
