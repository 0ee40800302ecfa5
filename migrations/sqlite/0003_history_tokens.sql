-- History: one row per change to a resource, written in the same transaction
-- as the change. Rows outlive the resource (soft deletion keeps both).
CREATE TABLE resource_change (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id  TEXT NOT NULL,
    version      INTEGER NOT NULL CHECK (version > 0),
    action       TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore', 'import')),
    actor        TEXT NOT NULL,
    changed_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- The resource as a GeoJSON Feature before and after (NULL: did not exist
    -- or was deleted).
    before       TEXT CHECK (before IS NULL OR json_valid(before)),
    after        TEXT CHECK (after IS NULL OR json_valid(after))
);

CREATE INDEX resource_change_resource ON resource_change (resource_id, seq);

-- API tokens: only the SHA-256 of each token is kept. Revoked tokens stay
-- listed (their names appear in the history) and their names are not reused.
CREATE TABLE api_token (
    name        TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    role        TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'editor', 'admin')),
    token_hash  TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    revoked_at  TEXT
);
