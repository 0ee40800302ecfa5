-- witgis on PostGIS: one spatial table a GIS analyst can open as it is
-- (QGIS, ogr2ogr): geometry(Point, 4326) with a GiST index. The CHECK
-- constraints mirror the model's validation, so that a row written by hand
-- cannot break the service at start-up.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE resource (
    id              text PRIMARY KEY
                    CONSTRAINT resource_id_slug CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(id) <= 100),
    name            text NOT NULL
                    CONSTRAINT resource_name_length CHECK (length(btrim(name)) > 0 AND char_length(name) <= 200),
    name_en         text CONSTRAINT resource_name_en_length CHECK (char_length(name_en) <= 200),
    category        text NOT NULL CONSTRAINT resource_category_known CHECK (category IN (
                        'library', 'training_research_centre', 'university', 'professional_association',
                        'good_practice', 'mental_health_centre', 'day_centre', 'self_help_group',
                        'crisis_service', 'other_service')),
    country         text NOT NULL CONSTRAINT resource_country_code CHECK (country ~ '^[A-Z]{2}$'),
    city            text,
    address         text,
    postcode        text,
    -- WGS84 longitude/latitude; NULL for a service reached only by phone.
    geom            geometry(Point, 4326)
                    CONSTRAINT resource_geom_range CHECK (
                        geom IS NULL OR (ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90)),
    coord_precision text CONSTRAINT resource_coord_precision_known
                    CHECK (coord_precision IN ('building', 'street', 'district', 'city')),
    website         text CONSTRAINT resource_website_http CHECK (website ~ '^https?://'),
    phone           text,
    email           text CONSTRAINT resource_email_shape CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    topics          text[] NOT NULL DEFAULT '{}' CONSTRAINT resource_topics_known CHECK (topics <@ ARRAY[
                        'social_work_education', 'continuing_training', 'research', 'library_services',
                        'peer_support', 'self_help', 'socialisation', 'job_placement', 'housing',
                        'counselling', 'crisis', 'family_support', 'mental_health_care', 'rehabilitation',
                        'e_learning', 'intergenerational', 'disability', 'women', 'youth']::text[]),
    target_groups   text[] NOT NULL DEFAULT '{}',
    languages       text[] NOT NULL DEFAULT '{}',
    opening_hours   text,
    access          text CONSTRAINT resource_access_known
                    CHECK (access IN ('walk_in', 'appointment', 'referral_required')),
    cost            text CONSTRAINT resource_cost_known CHECK (cost IN ('free', 'fee')),
    serves_areas    text[] NOT NULL DEFAULT '{}',
    source          text,
    last_verified   date,
    description     text,
    -- Bookkeeping: a version per row (the API's ETag), times, soft deletion.
    version         bigint NOT NULL DEFAULT 1 CONSTRAINT resource_version_positive CHECK (version > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    CONSTRAINT resource_point_has_precision CHECK ((geom IS NULL) = (coord_precision IS NULL))
);

CREATE INDEX resource_geom ON resource USING gist (geom);
CREATE INDEX resource_category ON resource (category);
CREATE INDEX resource_country ON resource (country);

COMMENT ON TABLE resource IS 'Places and programmes that help people (witgis). Rows with deleted_at set are soft-deleted; the view resource_current hides them.';
COMMENT ON COLUMN resource.geom IS 'WGS84 point; NULL for services reached only by phone or online';
COMMENT ON COLUMN resource.version IS 'Starts at 1, +1 on every change; the HTTP ETag';

-- What QGIS users normally want: the resources the service shows.
CREATE VIEW resource_current AS SELECT * FROM resource WHERE deleted_at IS NULL;

-- History: one row per change, written in the same transaction as the change.
-- Rows outlive the resource (soft deletion keeps both).
CREATE TABLE resource_change (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    resource_id  text NOT NULL,
    version      bigint NOT NULL CHECK (version > 0),
    action       text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore', 'import')),
    actor        text NOT NULL,
    changed_at   timestamptz NOT NULL DEFAULT now(),
    -- The resource as a GeoJSON Feature before and after (NULL: did not
    -- exist, or deleted).
    before       jsonb,
    after        jsonb
);

CREATE INDEX resource_change_resource ON resource_change (resource_id, seq);

-- API tokens: only the SHA-256 of each token is kept. Revoked tokens stay
-- listed (their names appear in the history) and their names are not reused.
CREATE TABLE api_token (
    name        text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    role        text NOT NULL CHECK (role IN ('viewer', 'operator', 'editor', 'admin')),
    token_hash  text NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- Facts about the store itself, e.g. when it was seeded from data/.
CREATE TABLE store_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
