-- Resources: one row per place or programme. Lists are JSON arrays of strings.
-- The CHECK constraints mirror the model's validation so that a row written
-- by hand (sqlite3, a GIS tool) cannot break the service at start-up.
CREATE TABLE resource (
    id              TEXT PRIMARY KEY CHECK (id GLOB '[a-z0-9]*' AND length(id) <= 100),
    name            TEXT NOT NULL CHECK (length(trim(name)) > 0 AND length(name) <= 200),
    name_en         TEXT,
    category        TEXT NOT NULL,
    country         TEXT NOT NULL CHECK (length(country) = 2),
    city            TEXT,
    address         TEXT,
    postcode        TEXT,
    lon             REAL CHECK (lon BETWEEN -180 AND 180),
    lat             REAL CHECK (lat BETWEEN -90 AND 90),
    coord_precision TEXT,
    website         TEXT,
    phone           TEXT,
    email           TEXT,
    topics          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(topics)),
    target_groups   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(target_groups)),
    languages       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(languages)),
    opening_hours   TEXT,
    access          TEXT,
    cost            TEXT,
    serves_areas    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(serves_areas)),
    source          TEXT,
    last_verified   TEXT,
    description     TEXT,
    -- Bookkeeping: a version per row (ETags), times in UTC, soft deletion.
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at      TEXT,
    CHECK ((lon IS NULL) = (lat IS NULL) AND (lon IS NULL) = (coord_precision IS NULL))
);

CREATE INDEX resource_category ON resource (category);
CREATE INDEX resource_country ON resource (country);

-- Facts about the store itself, e.g. when it was seeded from data/.
CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
