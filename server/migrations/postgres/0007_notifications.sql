-- Notifications: e-mails about bookings (a mail outbox written in the booking's own
-- transaction), reminders, the links those mails carry, and practitioners' calendar feeds.

-- Minutes before the start that the customer's reminder goes out; 0: none.
ALTER TABLE services ADD COLUMN reminder_minutes_before integer NOT NULL DEFAULT 1440
    CHECK (reminder_minutes_before >= 0);

-- The iCalendar SEQUENCE of the booking's event: grows with every reschedule and cancel.
ALTER TABLE bookings ADD COLUMN sequence integer NOT NULL DEFAULT 0;
-- The customer's IANA timezone, for the times in their mails (NULL: the org's).
ALTER TABLE bookings ADD COLUMN customer_timezone text;

-- One row per message to send: written with the booking change it tells of (reminders
-- with their due time), claimed and sent by the mail worker of any process, retried with
-- backoff. The row id is the message's Message-ID, so a resend is recognisable.
CREATE TABLE mail_outbox (
    id              text PRIMARY KEY,
    org_id          text NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    booking_id      text NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('confirmation', 'rescheduled', 'cancelled', 'reminder')),
    audience        text NOT NULL CHECK (audience IN ('customer', 'practitioner')),
    practitioner_id text NOT NULL,               -- whose mail it is, or whose booking it was
    sequence        integer NOT NULL,            -- the booking's SEQUENCE as of this change
    details         jsonb NOT NULL,              -- the times then, the previous times, who cancelled
    state           text NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
    attempts        integer NOT NULL DEFAULT 0,
    due_at          timestamptz NOT NULL,
    locked_until    timestamptz,
    last_error      text,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox (due_at) WHERE state = 'pending';
CREATE INDEX mail_outbox_booking ON mail_outbox (booking_id);
CREATE INDEX mail_outbox_created ON mail_outbox (created_at);

-- Manage links sent by mail: each mail to the customer carries its own token (only its
-- hash is kept), valid like the one the booking response carried.
CREATE TABLE booking_mail_tokens (
    booking_id text NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    token_hash text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (booking_id, token_hash)
);

-- A practitioner's calendar feed: the hash of the secret in its URL (one per practitioner;
-- a new secret replaces the old one).
CREATE TABLE calendar_feeds (
    practitioner_id text PRIMARY KEY REFERENCES practitioners(id) ON DELETE CASCADE,
    org_id          text NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    token_hash      text NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL
);
