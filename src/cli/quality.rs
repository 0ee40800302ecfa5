//! `witgis quality`: the data-quality report, as GET /api/quality answers it.

use super::{CliError, open_store};
use crate::config::{QualityArgs, QualityFormat, QualityTable};

pub(super) async fn run(args: QualityArgs) -> Result<(), CliError> {
    let store = open_store(&args.store).await?;
    let (resources, areas) = (store.resources().await?, store.areas().await?);
    let as_of = args.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let snapshot = crate::index::Snapshot::with_areas(resources, areas);
    let report = crate::quality::report(&snapshot, as_of);
    let io = |e: String| CliError::Io(format!("cannot write the report: {e}"));
    let body = match (args.format, args.table) {
        (QualityFormat::Json, QualityTable::Groups) => {
            serde_json::to_vec_pretty(&report).map_err(|e| io(e.to_string()))?
        }
        (QualityFormat::Json, QualityTable::WorkList) => {
            return Err(CliError::Invalid("--table chooses the CSV's rows: add --format csv".into()));
        }
        (QualityFormat::Csv, QualityTable::Groups) => {
            crate::quality::groups_csv(&report).map_err(|e| io(e.to_string()))?
        }
        (QualityFormat::Csv, QualityTable::WorkList) => {
            crate::quality::work_list_csv(&report).map_err(|e| io(e.to_string()))?
        }
    };
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(&body).and_then(|()| out.flush()).map_err(|e| io(e.to_string()))
}
