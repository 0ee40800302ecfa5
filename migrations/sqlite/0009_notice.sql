-- Bulk changes (an import of resources or areas, by any process) bump
-- `seq`; a server on this file polls it and reloads its snapshot when it
-- moves, as PostGIS servers do on NOTIFY. Single writes are the serving
-- process's own and are not counted.
CREATE TABLE notice (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL
);
INSERT INTO notice (id, seq) VALUES (1, 0);
