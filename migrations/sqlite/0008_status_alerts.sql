-- A service's status and dated alerts (see docs/editing.md). NULL status
-- reads as open; alerts are a JSON array of {kind, since, until, note},
-- NULL when there is none. The CHECKs mirror the model's validation.
ALTER TABLE resource ADD COLUMN status TEXT
    CHECK (status IN ('open', 'temporarily_closed', 'closed', 'moved'));
ALTER TABLE resource ADD COLUMN status_since TEXT;
ALTER TABLE resource ADD COLUMN status_until TEXT;
ALTER TABLE resource ADD COLUMN moved_to TEXT;
ALTER TABLE resource ADD COLUMN moved_address TEXT;
ALTER TABLE resource ADD COLUMN alerts TEXT
    CHECK (alerts IS NULL OR (json_valid(alerts) AND json_type(alerts) = 'array'));
