-- GTFS feeds for reach by public transport (see docs/transit.md): one row
-- per feed id, replaced whole by a re-import. `timetable` is the feed
-- compacted for routing (src/transit/model.rs) as JSON.
CREATE TABLE transit_feed (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  timezone TEXT NOT NULL,
  stops INTEGER NOT NULL,
  trips INTEGER NOT NULL,
  stop_times INTEGER NOT NULL,
  timetable TEXT NOT NULL
);
