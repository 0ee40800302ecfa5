-- A service's status and dated alerts (see docs/editing.md). NULL status
-- reads as open; alerts are a JSON array of {kind, since, until, note},
-- NULL when there is none. The CHECKs mirror the model's validation.
ALTER TABLE resource
    ADD COLUMN status text CONSTRAINT resource_status_known
        CHECK (status IN ('open', 'temporarily_closed', 'closed', 'moved')),
    ADD COLUMN status_since date,
    ADD COLUMN status_until date CONSTRAINT resource_status_until_after
        CHECK (status_until IS NULL OR status_since IS NULL OR status_until >= status_since),
    ADD COLUMN moved_to text,
    ADD COLUMN moved_address text,
    ADD COLUMN alerts jsonb CONSTRAINT resource_alerts_list
        CHECK (alerts IS NULL OR jsonb_typeof(alerts) = 'array');

COMMENT ON COLUMN resource.status IS 'open (also when NULL), temporarily_closed, closed or moved';
COMMENT ON COLUMN resource.alerts IS 'Dated alerts: [{kind, since, until, note}], kind admissions_suspended, reduced_service or other';

-- The view lists the new columns too.
CREATE OR REPLACE VIEW resource_current AS SELECT * FROM resource WHERE deleted_at IS NULL;
