-- The anonymous demand log: one row per help-desk request. It holds no name,
-- no phone number, no free text and no precise location: only the area and a
-- point rounded to 3 decimals (about 100 m). Rows are append-only.
CREATE TABLE demand (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    date         TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    need         TEXT NOT NULL CHECK (length(need) BETWEEN 1 AND 64),
    channel      TEXT NOT NULL CHECK (channel IN ('phone', 'email', 'in_person')),
    requester    TEXT NOT NULL
                 CHECK (requester IN ('person_concerned', 'family_member', 'service_staff', 'other')),
    area         TEXT NOT NULL CHECK (length(area) BETWEEN 1 AND 100),
    lon          REAL CHECK (lon BETWEEN -180 AND 180),
    lat          REAL CHECK (lat BETWEEN -90 AND 90),
    -- A JSON array of resource ids.
    referred_to  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(referred_to) AND json_type(referred_to) = 'array'),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_by   TEXT NOT NULL,
    CHECK ((lon IS NULL) = (lat IS NULL))
);

CREATE INDEX demand_date ON demand (date);

CREATE TRIGGER demand_no_update BEFORE UPDATE ON demand
BEGIN SELECT RAISE(ABORT, 'demand records are append-only'); END;

CREATE TRIGGER demand_no_delete BEFORE DELETE ON demand
BEGIN SELECT RAISE(ABORT, 'demand records are append-only'); END;
