-- The anonymous demand log: one row per help-desk request. It holds no name,
-- no phone number, no free text and no precise location: only the area and a
-- point rounded to 3 decimals (about 100 m). Rows are append-only.
CREATE TABLE demand (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    date         date NOT NULL,
    need         text NOT NULL CONSTRAINT demand_need_word CHECK (need ~ '^[a-z_]{1,64}$'),
    channel      text NOT NULL CONSTRAINT demand_channel_known CHECK (channel IN ('phone', 'email', 'in_person')),
    requester    text NOT NULL CONSTRAINT demand_requester_known
                 CHECK (requester IN ('person_concerned', 'family_member', 'service_staff', 'other')),
    area         text NOT NULL CONSTRAINT demand_area_slug CHECK (area ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    lon          float8 CONSTRAINT demand_lon_range CHECK (lon BETWEEN -180 AND 180),
    lat          float8 CONSTRAINT demand_lat_range CHECK (lat BETWEEN -90 AND 90),
    -- The rounded point, for analysts in QGIS.
    geom         geometry(Point, 4326)
                 GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED,
    referred_to  text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL,
    CONSTRAINT demand_point_whole CHECK ((lon IS NULL) = (lat IS NULL))
);

CREATE INDEX demand_date ON demand (date);
CREATE INDEX demand_geom ON demand USING gist (geom);

COMMENT ON TABLE demand IS 'Anonymous help-desk requests (witgis): no personal data; append-only.';

CREATE FUNCTION demand_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'demand records are append-only';
END $$;

CREATE TRIGGER demand_append_only BEFORE UPDATE OR DELETE ON demand
    FOR EACH ROW EXECUTE FUNCTION demand_append_only();
