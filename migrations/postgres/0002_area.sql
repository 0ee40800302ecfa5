-- Areas: territories a service can be competent for (municipi, ASLs,
-- regions…), one MultiPolygon each, with a GiST index for point-in-area
-- queries by analysts. witgis itself answers those from its snapshot.
CREATE TABLE area (
    id          text PRIMARY KEY
                CONSTRAINT area_id_slug CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(id) <= 100),
    name        text NOT NULL CONSTRAINT area_name_length CHECK (length(btrim(name)) > 0 AND char_length(name) <= 200),
    kind        text NOT NULL CONSTRAINT area_kind_known
                CHECK (kind IN ('municipio', 'asl', 'comune', 'district', 'region', 'country', 'other')),
    country     text CONSTRAINT area_country_code CHECK (country ~ '^[A-Z]{2}$'),
    population  bigint CONSTRAINT area_population_positive CHECK (population >= 0),
    geom        geometry(MultiPolygon, 4326) NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX area_geom ON area USING gist (geom);
