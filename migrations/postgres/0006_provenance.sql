-- Provenance per fact (issue 35): `provenance` is a JSON array of sources
-- (publisher, url, page_date, read_on, via_copy, copy, licence, facts);
-- `open_questions` what an editor should settle. `source` keeps its free
-- text for the readers that know only that.
ALTER TABLE resource ADD COLUMN provenance jsonb
    CONSTRAINT resource_provenance_list CHECK (provenance IS NULL OR jsonb_typeof(provenance) = 'array');
ALTER TABLE resource ADD COLUMN open_questions text[] NOT NULL DEFAULT '{}';
COMMENT ON COLUMN resource.provenance IS 'Where each fact comes from: [{publisher, url, page_date, read_on, via_copy, copy, licence, facts}]';
COMMENT ON COLUMN resource.open_questions IS 'What an editor should settle, e.g. values that sources disagree on';

-- The topic of child and adolescent mental health services.
ALTER TABLE resource DROP CONSTRAINT resource_topics_known;
ALTER TABLE resource ADD CONSTRAINT resource_topics_known CHECK (topics <@ ARRAY[
    'social_work_education', 'continuing_training', 'research', 'library_services',
    'peer_support', 'self_help', 'socialisation', 'job_placement', 'housing',
    'counselling', 'crisis', 'family_support', 'mental_health_care', 'rehabilitation',
    'e_learning', 'intergenerational', 'disability', 'women', 'youth', 'child_adolescent']::text[]);
