-- A token may carry an expiry (UTC, like created_at); an expired token is refused.
ALTER TABLE api_token ADD COLUMN expires_at TEXT;
