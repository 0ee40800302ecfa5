-- The deployment's street map for place search (`witgis import-places`):
-- houses, streets (with their extent) and named places from an
-- OpenStreetMap extract. Each import replaces every row in one transaction;
-- `place_import` says what was imported last.
CREATE TABLE place (
  kind text NOT NULL CONSTRAINT place_kind_known CHECK (kind IN ('house', 'street', 'neighbourhood')),
  name text NOT NULL CONSTRAINT place_name_given CHECK (name <> ''),
  housenumber text,
  city text,
  lon double precision NOT NULL CONSTRAINT place_lon CHECK (lon BETWEEN -180 AND 180),
  lat double precision NOT NULL CONSTRAINT place_lat CHECK (lat BETWEEN -90 AND 90),
  west double precision,
  south double precision,
  east double precision,
  north double precision
);

CREATE TABLE place_import (
  id integer PRIMARY KEY CHECK (id = 1),
  source text NOT NULL,
  imported_at text NOT NULL,
  places bigint NOT NULL
);
