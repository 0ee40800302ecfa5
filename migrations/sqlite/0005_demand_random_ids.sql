-- Demand record ids become random (128 bits, 32 hex digits), so that records
-- cannot be walked one id after another. Existing records get random ids.
-- Records still cannot be changed; the API lets the token that logged a
-- record withdraw it within 24 hours (to correct a mistake), so deletion is
-- no longer refused by the database itself.
CREATE TABLE demand_new (
    id           TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
    date         TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    need         TEXT NOT NULL CHECK (length(need) BETWEEN 1 AND 64),
    channel      TEXT NOT NULL CHECK (channel IN ('phone', 'email', 'in_person')),
    requester    TEXT NOT NULL
                 CHECK (requester IN ('person_concerned', 'family_member', 'service_staff', 'other')),
    area         TEXT NOT NULL CHECK (length(area) BETWEEN 1 AND 100),
    lon          REAL CHECK (lon BETWEEN -180 AND 180),
    lat          REAL CHECK (lat BETWEEN -90 AND 90),
    referred_to  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(referred_to) AND json_type(referred_to) = 'array'),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_by   TEXT NOT NULL,
    CHECK ((lon IS NULL) = (lat IS NULL))
);

INSERT INTO demand_new (id, date, need, channel, requester, area, lon, lat, referred_to, created_at, created_by)
SELECT lower(hex(randomblob(16))), date, need, channel, requester, area, lon, lat, referred_to, created_at, created_by
FROM demand ORDER BY id;

DROP TRIGGER demand_no_update;
DROP TRIGGER demand_no_delete;
DROP TABLE demand;
ALTER TABLE demand_new RENAME TO demand;

CREATE INDEX demand_date ON demand (date);
CREATE INDEX demand_created_by ON demand (created_by, created_at);

CREATE TRIGGER demand_no_update BEFORE UPDATE ON demand
BEGIN SELECT RAISE(ABORT, 'demand records are never changed'); END;
