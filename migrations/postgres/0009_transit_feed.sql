-- GTFS feeds for reach by public transport (see docs/transit.md): one row
-- per feed id, replaced whole by a re-import. `timetable` is the feed
-- compacted for routing (src/transit/model.rs) as JSON text.
CREATE TABLE transit_feed (
  id text PRIMARY KEY,
  source text NOT NULL,
  imported_at text NOT NULL,
  timezone text NOT NULL,
  stops bigint NOT NULL,
  trips bigint NOT NULL,
  stop_times bigint NOT NULL,
  timetable text NOT NULL
);
