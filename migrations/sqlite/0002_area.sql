-- Areas: territories a service can be competent for. The outline is a GeoJSON
-- Polygon or MultiPolygon in WGS84; its bounding box is kept for quick looks.
CREATE TABLE area (
    id          TEXT PRIMARY KEY CHECK (id GLOB '[a-z0-9]*' AND length(id) <= 100),
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    kind        TEXT NOT NULL,
    country     TEXT CHECK (country IS NULL OR length(country) = 2),
    population  INTEGER CHECK (population IS NULL OR population >= 0),
    geometry    TEXT NOT NULL CHECK (json_valid(geometry)),
    min_lon     REAL NOT NULL,
    min_lat     REAL NOT NULL,
    max_lon     REAL NOT NULL,
    max_lat     REAL NOT NULL,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
