-- Provenance per fact (issue 35): `provenance` holds a JSON array of sources
-- (publisher, url, page_date, read_on, via_copy, copy, licence, facts);
-- `open_questions` a JSON array of what an editor should settle. `source`
-- keeps its free text for the readers that know only that.
ALTER TABLE resource ADD COLUMN provenance TEXT
    CHECK (provenance IS NULL OR (json_valid(provenance) AND json_type(provenance) = 'array'));
ALTER TABLE resource ADD COLUMN open_questions TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(open_questions));
