-- Demand record ids become random (128 bits, 32 hex digits), so that records
-- cannot be walked one id after another. Existing records get random ids.
-- Records still cannot be changed; the API lets the token that logged a
-- record withdraw it within 24 hours (to correct a mistake), so deletion is
-- no longer refused by the database itself.
DROP TRIGGER demand_append_only ON demand;
ALTER TABLE demand ALTER COLUMN id DROP IDENTITY;
ALTER TABLE demand ALTER COLUMN id TYPE text USING replace(gen_random_uuid()::text, '-', '');
ALTER TABLE demand ADD CONSTRAINT demand_id_random CHECK (id ~ '^[0-9a-f]{32}$');
CREATE INDEX demand_created_by ON demand (created_by, created_at);

CREATE OR REPLACE FUNCTION demand_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'demand records are never changed';
END $$;

CREATE TRIGGER demand_no_update BEFORE UPDATE ON demand
    FOR EACH ROW EXECUTE FUNCTION demand_append_only();

COMMENT ON TABLE demand IS 'Anonymous help-desk requests (witgis): no personal data; never changed, withdrawn only by their author within 24 hours.';
