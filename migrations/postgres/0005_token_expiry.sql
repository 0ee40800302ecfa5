-- A token may carry an expiry; an expired token is refused.
ALTER TABLE api_token ADD COLUMN expires_at timestamptz;
