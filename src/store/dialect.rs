//! The dialect seam: what the SQL of SQLite and PostGIS differ in
//! (placeholders, `now()`, timestamps and dates as text, the point and area
//! geometry), and every statement of the shared layer, built once per
//! dialect from it.

use std::sync::LazyLock;

use super::columns::{DATES, JSON, LISTS, TEXT};

/// One of the two SQL dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The embedded store: times and dates as text, lists and JSON as text,
    /// points as `lon`/`lat` columns.
    Sqlite,
    /// PostgreSQL with PostGIS: `timestamptz`, `date`, `text[]`, `jsonb`,
    /// `geometry`.
    Postgis,
}

impl Dialect {
    /// The `i`-th placeholder (from 1).
    pub(crate) fn p(self, i: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{i}"),
            Dialect::Postgis => format!("${i}"),
        }
    }

    /// The placeholders `from..from + n`, comma-separated.
    fn ps(self, from: usize, n: usize) -> Vec<String> {
        (from..from + n).map(|i| self.p(i)).collect()
    }

    /// The current time, as the dialect stores it.
    fn now(self) -> &'static str {
        match self {
            Dialect::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            Dialect::Postgis => "now()",
        }
    }

    /// The current time as text (for `store_meta`).
    fn now_text(self) -> &'static str {
        match self {
            Dialect::Sqlite => self.now(),
            Dialect::Postgis => "now()::text",
        }
    }

    /// A timestamp column as RFC 3339 text in UTC, named as the column.
    fn utc(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => column.to_owned(),
            Dialect::Postgis => format!(
                "to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS {column}"
            ),
        }
    }

    /// A date column read as `YYYY-MM-DD` text, named as the column.
    fn date_out(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => column.to_owned(),
            Dialect::Postgis => format!("{column}::text AS {column}"),
        }
    }

    /// A text or date column read as text, named as the column.
    fn text_out(self, column: &str) -> String {
        match self {
            Dialect::Postgis if JSON.contains(&column) => format!("{column}::text AS {column}"),
            _ if DATES.contains(&column) => self.date_out(column),
            _ => column.to_owned(),
        }
    }

    /// A placeholder for a text or date column.
    fn text_in(self, column: &str, i: usize) -> String {
        match self {
            Dialect::Postgis if DATES.contains(&column) => format!("${i}::date"),
            Dialect::Postgis if JSON.contains(&column) => format!("${i}::jsonb"),
            _ => self.p(i),
        }
    }

    /// A placeholder typed as a date (so that `IS NULL` on it is typed).
    fn date_param(self, i: usize) -> String {
        match self {
            Dialect::Sqlite => self.p(i),
            Dialect::Postgis => format!("${i}::date"),
        }
    }

    /// The point read as `lon`, `lat`.
    fn point_out(self) -> &'static str {
        match self {
            Dialect::Sqlite => "lon, lat",
            Dialect::Postgis => "ST_X(geom) AS lon, ST_Y(geom) AS lat",
        }
    }

    /// The point's columns and their values from the placeholders `lon`, `lat`.
    fn point_in(self, lon: usize, lat: usize) -> Vec<(&'static str, String)> {
        match self {
            Dialect::Sqlite => vec![("lon", self.p(lon)), ("lat", self.p(lat))],
            Dialect::Postgis => {
                vec![("geom", format!("ST_SetSRID(ST_MakePoint(${lon}::float8, ${lat}::float8), 4326)"))]
            }
        }
    }

    /// Whether an area's outline binds its bounds (min lon, min lat, max lon,
    /// max lat) after its GeoJSON text: SQLite stores them beside it.
    pub fn area_bounds(self) -> bool {
        self == Dialect::Sqlite
    }

    /// The area outline read as GeoJSON text named `geometry`.
    fn area_out(self) -> &'static str {
        match self {
            Dialect::Sqlite => "geometry",
            Dialect::Postgis => "ST_AsGeoJSON(geom) AS geometry",
        }
    }

    /// The outline's columns and values from the placeholders from `i` on.
    fn area_in(self, i: usize) -> Vec<(&'static str, String)> {
        match self {
            Dialect::Sqlite => ["geometry", "min_lon", "min_lat", "max_lon", "max_lat"]
                .into_iter()
                .zip(self.ps(i, 5))
                .collect(),
            Dialect::Postgis => {
                vec![("geom", format!("ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${i}), 4326))"))]
            }
        }
    }

    /// Locks the rows a select reads until commit (SQLite locks the whole
    /// file at `BEGIN IMMEDIATE` instead).
    fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgis => " FOR UPDATE",
        }
    }

    /// Whether `column` starts with the text parameter `n`: not `LIKE` (no
    /// escaping of `_` and `%`), not a range (a collation may not order ids
    /// bytewise).
    fn starts_with(self, column: &str, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("substr({column}, 1, length(?{n})) = ?{n}"),
            Dialect::Postgis => format!("starts_with({column}, ${n})"),
        }
    }

    /// A text or date property read from the staged Feature `after`.
    fn feature_text(self, property: &str) -> String {
        match self {
            // An empty list is stored as NULL, as a write stores it.
            Dialect::Sqlite if JSON.contains(&property) => format!(
                "CASE WHEN json_array_length(after, '$.properties.{property}') > 0 \
                 THEN json_extract(after, '$.properties.{property}') END"
            ),
            Dialect::Sqlite => format!("json_extract(after, '$.properties.{property}')"),
            Dialect::Postgis if JSON.contains(&property) => format!(
                "CASE WHEN jsonb_typeof(after->'properties'->'{property}') = 'array' \
                 AND jsonb_array_length(after->'properties'->'{property}') > 0 \
                 THEN after->'properties'->'{property}' END"
            ),
            Dialect::Postgis if DATES.contains(&property) => {
                format!("(after->'properties'->>'{property}')::date")
            }
            Dialect::Postgis => format!("after->'properties'->>'{property}'"),
        }
    }

    /// A list property read from the staged Feature `after` (empty if absent).
    fn feature_list(self, property: &str) -> String {
        match self {
            Dialect::Sqlite => format!("COALESCE(json_extract(after, '$.properties.{property}'), '[]')"),
            Dialect::Postgis => format!(
                "ARRAY(SELECT jsonb_array_elements_text(COALESCE(after->'properties'->'{property}', '[]')))"
            ),
        }
    }

    /// The column type of a JSON document.
    fn json_type(self) -> &'static str {
        match self {
            Dialect::Sqlite => "TEXT",
            Dialect::Postgis => "jsonb",
        }
    }

    /// The column type of a coordinate.
    fn float_type(self) -> &'static str {
        match self {
            Dialect::Sqlite => "REAL",
            Dialect::Postgis => "float8",
        }
    }
}

/// Every statement of the shared layer in one dialect, built once.
#[derive(Debug)]
pub struct Statements {
    /// The dialect they are written in.
    pub dialect: Dialect,
    /// One resource by id (`?1`), deleted or not.
    pub get: String,
    /// The same, locked for a write transaction.
    pub current: String,
    /// Every resource not deleted, by id.
    pub live: String,
    /// Every resource whose id starts with `?1`, deleted ones too, by id.
    pub prefixed: String,
    /// A new resource; returns `version`.
    pub insert: String,
    /// Replaces a resource's values (id `?1`); returns `version`.
    pub update: String,
    /// Soft-deletes the resource `?1`; returns `version`.
    pub delete: String,
    /// Undoes a soft delete of `?1`; returns `version`.
    pub restore: String,
    /// Appends a history entry.
    pub record: String,
    /// A resource's history, oldest first.
    pub history: String,
    /// A new token, unless its name is taken.
    pub token_insert: String,
    /// Every token by name.
    pub tokens: String,
    /// The active token with a hash.
    pub token_by_hash: String,
    /// Revokes an active token by name.
    pub token_revoke: String,
    /// `seeded`: whether the store was ever seeded or holds any resource.
    pub seeded: String,
    /// Records that the store was seeded.
    pub mark_seeded: String,
    /// Every area by id.
    pub areas: String,
    /// `found` when an area has the id.
    pub area_exists: String,
    /// `found` when the store holds any area.
    pub area_any: String,
    /// A new area or a replacement.
    pub area_upsert: String,
    /// A new demand record, returned.
    pub demand_insert: String,
    /// Demand records between two optional dates.
    pub demand_range: String,
    /// One demand record.
    pub demand_one: String,
    /// Demand records of one author since a time.
    pub demand_by: String,
    /// Withdraws one record of its author since a time.
    pub demand_withdraw: String,
    /// The import staging table: each record's `id`, its point as `lon`,
    /// `lat`, and its Feature as `after` (what the history keeps), from
    /// which the upsert reads the other columns.
    pub staging_create: String,
    /// Stages [`STAGING_BATCH`] rows, each bound as id, lon, lat, Feature text.
    pub staging_batch: String,
    /// A history entry by the actor `?1` for every staged row, with the
    /// version the upsert will give it (run before the upsert).
    pub staging_history: String,
    /// `new`: how many staged ids the resource table does not hold yet.
    pub staging_new: String,
    /// Every staged row inserted, or replacing the resource with its id.
    pub staging_upsert: String,
    /// Drops the staging table.
    pub staging_drop: String,
}

/// Rows per staging insert.
pub const STAGING_BATCH: usize = 500;

/// The SQLite statements.
pub static SQLITE: LazyLock<Statements> = LazyLock::new(|| Statements::new(Dialect::Sqlite));

/// The PostGIS statements.
pub static POSTGIS: LazyLock<Statements> = LazyLock::new(|| Statements::new(Dialect::Postgis));

/// The demand table's columns, in the order [`Statements::demand_insert`] binds them.
const DEMAND_COLUMNS: &str =
    "id, date, need, channel, requester, area, lon, lat, referred_to, created_by, created_at";

impl Statements {
    /// Stages `rows` rows in one statement (see [`Statements::staging_batch`]).
    pub fn staging_insert(&self, rows: usize) -> String {
        let tuples: Vec<String> = (0..rows)
            .map(|r| match self.dialect {
                // Anonymous: SQLite finds a numbered parameter's name by a
                // linear search, which a binding of every value makes quadratic.
                Dialect::Sqlite => "(?, ?, ?, ?)".to_owned(),
                Dialect::Postgis => {
                    let p = self.dialect.ps(r * 4 + 1, 4);
                    format!("({}, {}, {}, {}::jsonb)", p[0], p[1], p[2], p[3])
                }
            })
            .collect();
        format!("INSERT INTO import_staging VALUES {}", tuples.join(", "))
    }

    fn new(d: Dialect) -> Statements {
        let n = TEXT.len() + LISTS.len();
        // Resource values bind as TEXT, then LISTS, then lon and lat.
        let mut writes: Vec<(&str, String)> =
            TEXT.iter().enumerate().map(|(i, &c)| (c, d.text_in(c, i + 1))).collect();
        writes.extend(LISTS.iter().enumerate().map(|(i, &c)| (c, d.p(TEXT.len() + i + 1))));
        writes.extend(d.point_in(n + 1, n + 2));
        let names: Vec<&str> = writes.iter().map(|(c, _)| *c).collect();
        let values: Vec<&str> = writes.iter().map(|(_, v)| v.as_str()).collect();
        let insert_head =
            format!("INSERT INTO resource ({}) VALUES ({})", names.join(", "), values.join(", "));
        let excluded: Vec<String> = names.iter().skip(1).map(|c| format!("{c} = excluded.{c}")).collect();
        let sets: Vec<String> = writes.iter().skip(1).map(|(c, v)| format!("{c} = {v}")).collect();
        let mut reads: Vec<String> = TEXT.iter().map(|&c| d.text_out(c)).collect();
        reads.extend(LISTS.iter().map(|&c| c.to_owned()));
        let select = format!(
            "SELECT {}, {}, version, deleted_at IS NOT NULL AS deleted, {} FROM resource",
            reads.join(", "),
            d.point_out(),
            d.utc("updated_at")
        );
        let now = d.now();
        let bump = format!("version = version + 1, updated_at = {now}");
        let p = |i| d.p(i);

        let token_select = format!(
            "SELECT name, role, {}, revoked_at IS NOT NULL AS revoked, {} FROM api_token",
            d.utc("created_at"),
            d.utc("expires_at")
        );

        let area = d.area_in(6);
        let area_names: Vec<&str> = area.iter().map(|(c, _)| *c).collect();
        let area_values: Vec<&str> = area.iter().map(|(_, v)| v.as_str()).collect();
        let area_excluded: Vec<String> = ["name", "kind", "country", "population"]
            .iter()
            .chain(&area_names)
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();

        let demand_reads: Vec<String> = DEMAND_COLUMNS
            .split(", ")
            .map(|c| match c {
                "date" => d.date_out(c),
                "created_at" => d.utc(c),
                _ => c.to_owned(),
            })
            .collect();
        let demand_select = format!("SELECT {} FROM demand", demand_reads.join(", "));
        let (from, to) = (d.date_param(1), d.date_param(2));

        // The staging table holds each record's id, point and Feature; the
        // upsert reads the other columns out of the Feature's properties,
        // which are the record's properties by the same names.
        let staged_columns = format!("id TEXT, lon {0}, lat {0}, after {1}", d.float_type(), d.json_type());
        let mut staged_values: Vec<String> =
            TEXT.iter().map(|&c| if c == "id" { "id".to_owned() } else { d.feature_text(c) }).collect();
        staged_values.extend(LISTS.iter().map(|&c| d.feature_list(c)));
        match d {
            Dialect::Sqlite => staged_values.extend(["lon".to_owned(), "lat".to_owned()]),
            Dialect::Postgis => staged_values.push("ST_SetSRID(ST_MakePoint(lon, lat), 4326)".into()),
        }

        let mut statements = Statements {
            dialect: d,
            get: format!("{select} WHERE id = {}", p(1)),
            current: format!("{select} WHERE id = {}{}", p(1), d.for_update()),
            live: format!("{select} WHERE deleted_at IS NULL ORDER BY id"),
            prefixed: format!("{select} WHERE {} ORDER BY id", d.starts_with("id", 1)),
            insert: format!("{insert_head} RETURNING version"),
            update: format!(
                "UPDATE resource SET {}, {bump} WHERE id = {} RETURNING version",
                sets.join(", "),
                p(1)
            ),
            delete: format!(
                "UPDATE resource SET deleted_at = {now}, {bump} WHERE id = {} RETURNING version",
                p(1)
            ),
            restore: format!(
                "UPDATE resource SET deleted_at = NULL, {bump} WHERE id = {} RETURNING version",
                p(1)
            ),
            record: format!(
                "INSERT INTO resource_change (resource_id, version, action, actor, before, after) VALUES ({})",
                d.ps(1, 6).join(", ")
            ),
            history: format!(
                "SELECT version, action, actor, {}, before, after FROM resource_change \
                 WHERE resource_id = {} ORDER BY seq",
                d.utc("changed_at"),
                p(1)
            ),
            token_insert: format!(
                "INSERT INTO api_token (name, role, token_hash, expires_at) VALUES ({}) ON CONFLICT (name) DO NOTHING",
                d.ps(1, 4).join(", ")
            ),
            tokens: format!("{token_select} ORDER BY name"),
            token_by_hash: format!("{token_select} WHERE token_hash = {} AND revoked_at IS NULL", p(1)),
            token_revoke: format!(
                "UPDATE api_token SET revoked_at = {now} WHERE name = {} AND revoked_at IS NULL",
                p(1)
            ),
            seeded: "SELECT (EXISTS (SELECT 1 FROM store_meta WHERE key = 'seeded_at') \
                     OR EXISTS (SELECT 1 FROM resource)) AS seeded"
                .into(),
            mark_seeded: format!(
                "INSERT INTO store_meta (key, value) VALUES ('seeded_at', {})",
                d.now_text()
            ),
            areas: format!(
                "SELECT id, name, kind, country, population, {} FROM area ORDER BY id",
                d.area_out()
            ),
            area_exists: format!("SELECT 1 AS found FROM area WHERE id = {}", p(1)),
            area_any: "SELECT 1 AS found FROM area LIMIT 1".to_owned(),
            area_upsert: format!(
                "INSERT INTO area (id, name, kind, country, population, {}) VALUES ({}, {}) \
                 ON CONFLICT (id) DO UPDATE SET {}, updated_at = {now}",
                area_names.join(", "),
                d.ps(1, 5).join(", "),
                area_values.join(", "),
                area_excluded.join(", ")
            ),
            demand_insert: format!(
                "INSERT INTO demand ({}) VALUES ({}) RETURNING {}",
                DEMAND_COLUMNS,
                d.ps(1, demand_reads.len()).join(", "),
                demand_reads.join(", ")
            ),
            demand_range: format!(
                "{demand_select} WHERE ({from} IS NULL OR date >= {from}) AND ({to} IS NULL OR date <= {to}) \
                 ORDER BY date, created_at, id"
            ),
            demand_one: format!("{demand_select} WHERE id = {}", p(1)),
            demand_by: format!(
                "{demand_select} WHERE created_by = {} AND created_at >= {} ORDER BY created_at, id",
                p(1),
                p(2)
            ),
            demand_withdraw: format!(
                "DELETE FROM demand WHERE id = {} AND created_by = {} AND created_at >= {}",
                p(1),
                p(2),
                p(3)
            ),
            staging_create: format!("CREATE TEMP TABLE import_staging ({staged_columns})"),
            staging_batch: String::new(),
            staging_history: format!(
                "INSERT INTO resource_change (resource_id, version, action, actor, before, after) \
                 SELECT s.id, COALESCE(r.version + 1, 1), '{}', {}, \
                 CASE WHEN r.id IS NULL THEN NULL ELSE (SELECT c.after FROM resource_change c \
                 WHERE c.resource_id = s.id AND c.after IS NOT NULL ORDER BY c.seq DESC LIMIT 1) END, \
                 s.after FROM import_staging s LEFT JOIN resource r ON r.id = s.id",
                super::action::IMPORT,
                p(1)
            ),
            staging_new: "SELECT count(*) AS new FROM import_staging s \
                          WHERE NOT EXISTS (SELECT 1 FROM resource r WHERE r.id = s.id)"
                .into(),
            // `WHERE true` tells SQLite's parser that ON CONFLICT is the upsert's.
            staging_upsert: format!(
                "INSERT INTO resource ({}) SELECT {} FROM import_staging WHERE true \
                 ON CONFLICT (id) DO UPDATE SET {}, version = resource.version + 1, \
                 updated_at = {now}, deleted_at = NULL",
                names.join(", "),
                staged_values.join(", "),
                excluded.join(", ")
            ),
            staging_drop: "DROP TABLE import_staging".into(),
        };
        statements.staging_batch = statements.staging_insert(STAGING_BATCH);
        statements
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The placeholder numbers a statement uses, in the dialect's syntax,
    /// and whether it uses the other dialect's.
    fn placeholders(sql: &str, mark: char, other: char) -> (Vec<usize>, bool) {
        let mut found = Vec::new();
        for (i, c) in sql.char_indices() {
            if c == mark || c == other {
                let digits: String = sql[i + 1..].chars().take_while(char::is_ascii_digit).collect();
                if let Ok(n) = digits.parse::<usize>() {
                    if c == other {
                        return (found, true);
                    }
                    found.push(n);
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        (found, false)
    }

    fn all(s: &Statements) -> Vec<&str> {
        vec![
            &s.get,
            &s.current,
            &s.live,
            &s.prefixed,
            &s.insert,
            &s.update,
            &s.delete,
            &s.restore,
            &s.record,
            &s.history,
            &s.token_insert,
            &s.tokens,
            &s.token_by_hash,
            &s.token_revoke,
            &s.seeded,
            &s.mark_seeded,
            &s.areas,
            &s.area_exists,
            &s.area_any,
            &s.area_upsert,
            &s.demand_insert,
            &s.demand_range,
            &s.demand_one,
            &s.demand_by,
            &s.demand_withdraw,
            &s.staging_create,
            &s.staging_batch,
            &s.staging_history,
            &s.staging_new,
            &s.staging_upsert,
            &s.staging_drop,
        ]
    }

    #[test]
    fn every_statement_numbers_its_placeholders_from_one_without_gaps() {
        for (statements, mark, other) in [(&*SQLITE, '?', '$'), (&*POSTGIS, '$', '?')] {
            for sql in all(statements) {
                let (found, foreign) = placeholders(sql, mark, other);
                assert!(!foreign, "{sql}");
                assert_eq!(found, (1..=found.len()).collect::<Vec<_>>(), "{sql}");
            }
        }
    }

    #[test]
    fn resource_statements_bind_every_column_and_the_point() {
        let n = TEXT.len() + LISTS.len() + 2;
        for statements in [&*SQLITE, &*POSTGIS] {
            for sql in [&statements.insert, &statements.update] {
                let mark = if statements.dialect == Dialect::Sqlite { '?' } else { '$' };
                assert_eq!(placeholders(sql, mark, '\0').0.len(), n, "{sql}");
            }
        }
    }
}
