//! The schema migrations, embedded in the binary.
//!
//! sqlx's `migrate!` macro would embed them too, but it needs the crate's
//! proc macros, which build both database drivers a second time for the
//! compiler; a list of `include_str!`s is all the macro gives us. Each
//! migration is made as sqlx makes it from a file: the version and
//! description from the name `<VERSION>_<DESCRIPTION>.sql`, the checksum from
//! the text, so stores migrated by earlier builds stay valid. A unit test
//! holds each list against sqlx's own reading of the folder.

use std::borrow::Cow;

use futures_util::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

/// Migration files by name, in the order they apply.
#[derive(Debug, Clone, Copy)]
pub struct Embedded(&'static [(&'static str, &'static str)]);

/// `migrations/sqlite`: the embedded store's schema.
pub const SQLITE: Embedded = Embedded(&[
    ("0001_resource.sql", include_str!("../../migrations/sqlite/0001_resource.sql")),
    ("0002_area.sql", include_str!("../../migrations/sqlite/0002_area.sql")),
    ("0003_history_tokens.sql", include_str!("../../migrations/sqlite/0003_history_tokens.sql")),
    ("0004_demand.sql", include_str!("../../migrations/sqlite/0004_demand.sql")),
    ("0005_demand_random_ids.sql", include_str!("../../migrations/sqlite/0005_demand_random_ids.sql")),
    ("0006_token_expiry.sql", include_str!("../../migrations/sqlite/0006_token_expiry.sql")),
    ("0007_provenance.sql", include_str!("../../migrations/sqlite/0007_provenance.sql")),
    ("0008_status_alerts.sql", include_str!("../../migrations/sqlite/0008_status_alerts.sql")),
    ("0009_notice.sql", include_str!("../../migrations/sqlite/0009_notice.sql")),
    ("0010_places.sql", include_str!("../../migrations/sqlite/0010_places.sql")),
    ("0011_transit_feed.sql", include_str!("../../migrations/sqlite/0011_transit_feed.sql")),
]);

/// `migrations/postgres`: the PostGIS store's schema.
pub const POSTGRES: Embedded = Embedded(&[
    ("0001_resource.sql", include_str!("../../migrations/postgres/0001_resource.sql")),
    ("0002_area.sql", include_str!("../../migrations/postgres/0002_area.sql")),
    ("0003_demand.sql", include_str!("../../migrations/postgres/0003_demand.sql")),
    ("0004_demand_random_ids.sql", include_str!("../../migrations/postgres/0004_demand_random_ids.sql")),
    ("0005_token_expiry.sql", include_str!("../../migrations/postgres/0005_token_expiry.sql")),
    ("0006_provenance.sql", include_str!("../../migrations/postgres/0006_provenance.sql")),
    ("0007_status_alerts.sql", include_str!("../../migrations/postgres/0007_status_alerts.sql")),
    ("0008_places.sql", include_str!("../../migrations/postgres/0008_places.sql")),
    ("0009_transit_feed.sql", include_str!("../../migrations/postgres/0009_transit_feed.sql")),
]);

impl Embedded {
    /// The migrations, as sqlx reads them from files of these names.
    pub fn migrations(self) -> Result<Vec<Migration>, String> {
        self.0.iter().map(|&(name, sql)| migration(name, sql)).collect()
    }

    /// The first `n` migrations: the schema as it was at that point (tests
    /// of a store's upgrade start from it).
    pub fn first(self, n: usize) -> Embedded {
        Embedded(&self.0[..n.min(self.0.len())])
    }

    /// A migrator over these migrations.
    pub async fn migrator(self) -> Result<Migrator, sqlx::migrate::MigrateError> {
        Migrator::new(self).await
    }
}

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move { self.migrations().map_err(BoxDynError::from) })
    }
}

/// One migration from its file name and text, as sqlx's folder source makes it.
fn migration(name: &'static str, sql: &'static str) -> Result<Migration, String> {
    let stem = name.strip_suffix(".sql").ok_or_else(|| format!("{name}: not a .sql file"))?;
    let (version, description) =
        stem.split_once('_').ok_or_else(|| format!("{name}: no <VERSION>_ prefix"))?;
    let version: i64 = version.parse().map_err(|e| format!("{name}: version {version:?}: {e}"))?;
    let no_tx = sql.starts_with("-- no-transaction");
    Ok(Migration::new(
        version,
        Cow::Owned(description.replace('_', " ")),
        MigrationType::Simple,
        Cow::Borrowed(sql),
        no_tx,
    ))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// sqlx's own reading of a folder: every file, its version, description,
    /// checksum and transaction mode.
    async fn from_folder(dir: &str) -> Vec<(i64, String, Vec<u8>, bool)> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut list: Vec<_> = path
            .as_path()
            .resolve()
            .await
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .into_iter()
            .map(|m| (m.version, m.description.into_owned(), m.checksum.into_owned(), m.no_tx))
            .collect();
        list.sort_by_key(|m| m.0);
        list
    }

    fn embedded(e: Embedded) -> Vec<(i64, String, Vec<u8>, bool)> {
        e.migrations()
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|m| (m.version, m.description.into_owned(), m.checksum.into_owned(), m.no_tx))
            .collect()
    }

    #[tokio::test]
    async fn every_sqlite_migration_is_embedded_as_sqlx_reads_it() {
        assert_eq!(embedded(SQLITE), from_folder("migrations/sqlite").await);
    }

    #[tokio::test]
    async fn every_postgres_migration_is_embedded_as_sqlx_reads_it() {
        assert_eq!(embedded(POSTGRES), from_folder("migrations/postgres").await);
    }

    #[test]
    fn a_badly_named_file_is_refused_with_its_name() {
        let err = migration("resource.sql", "").err().unwrap_or_default();
        assert!(err.contains("resource.sql"), "{err}");
        let err = migration("x1_resource.sql", "").err().unwrap_or_default();
        assert!(err.contains("x1"), "{err}");
    }
}
