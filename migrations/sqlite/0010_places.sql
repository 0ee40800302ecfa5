-- The deployment's street map for place search (`witgis import-places`):
-- houses, streets (with their extent) and named places from an
-- OpenStreetMap extract. Each import replaces every row in one transaction;
-- `place_import` says what was imported last.
CREATE TABLE place (
  kind TEXT NOT NULL CHECK (kind IN ('house', 'street', 'neighbourhood')),
  name TEXT NOT NULL CHECK (name <> ''),
  housenumber TEXT,
  city TEXT,
  lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
  lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
  west REAL,
  south REAL,
  east REAL,
  north REAL
);

CREATE TABLE place_import (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  source TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  places INTEGER NOT NULL
);
