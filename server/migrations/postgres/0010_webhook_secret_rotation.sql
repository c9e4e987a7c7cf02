-- A rotated webhook secret keeps signing (beside the new one) until previous_secret_until,
-- so receivers can switch over: POST /api/v1/webhooks/{id}/rotate-secret.
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret text;
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_until timestamptz;
