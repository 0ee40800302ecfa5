//! `witgis export` and `witgis export-demand`: write the store's resources or demand log to standard output.

use super::{CliError, open_store};
use crate::config::{ExportArgs, ExportDemandArgs};
use crate::formats::{self, Format};

pub(super) async fn run(args: ExportArgs) -> Result<(), CliError> {
    let store = open_store(&args.store).await?;
    let resources = store.resources().await?;
    let format = args.format.format();
    let names: std::collections::HashMap<String, String> = if format == Format::Hsds {
        store.areas().await?.into_iter().map(|a| (a.id, a.name)).collect()
    } else {
        Default::default()
    };
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        Format::Hsds => formats::hsds::write(out, &resources, |id| names.get(id).cloned()),
        format => formats::write(out, &resources, format),
    }
    .map_err(|e| CliError::Io(format!("cannot write the export: {e}")))
}

/// The columns of `export-demand`, in order.
pub const DEMAND_CSV_HEADER: [&str; 11] = [
    "id",
    "date",
    "need",
    "channel",
    "requester",
    "area",
    "lon",
    "lat",
    "referred_to",
    "created_at",
    "created_by",
];

pub(super) async fn demand(args: ExportDemandArgs) -> Result<(), CliError> {
    if let (Some(from), Some(to)) = (args.from, args.to) {
        if from > to {
            return Err(CliError::Invalid(format!("--from {from} is after --to {to}")));
        }
    }
    let store = open_store(&args.store).await?;
    if args.published {
        return published(store.as_ref(), args.from, args.to).await;
    }
    let records = store.demand(args.from, args.to).await?;
    let io = |e: csv::Error| CliError::Io(format!("cannot write the export: {e}"));
    let mut out = csv::Writer::from_writer(std::io::BufWriter::new(std::io::stdout().lock()));
    out.write_record(DEMAND_CSV_HEADER).map_err(io)?;
    let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for d in &records {
        out.write_record([
            d.id.to_string(),
            d.date.to_string(),
            d.need.to_string(),
            d.channel.to_string(),
            d.requester.to_string(),
            d.area.clone(),
            number(d.lon),
            number(d.lat),
            d.referred_to.join(";"),
            d.created_at.clone(),
            d.created_by.clone(),
        ])
        .map_err(io)?;
    }
    out.flush().map_err(|e| CliError::Io(format!("cannot write the export: {e}")))?;
    eprintln!("exported {} demand records", records.len());
    Ok(())
}

/// The columns of `export-demand --published`, in order.
pub const PUBLISHED_CSV_HEADER: [&str; 5] = ["month", "area", "need", "requests", "not_referred"];

/// The published cells of the months `from`..`to` overlap (whole months,
/// up to the last published one at the help desk today), as CSV.
async fn published(
    store: &dyn crate::store::Store,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> Result<(), CliError> {
    let today = chrono::Utc::now().with_timezone(&crate::state::DEFAULT_DESK_ZONE).date_naive();
    let range = crate::coverage::PublishedRange::new(from, to, today);
    let through = range.through;
    let cells = crate::service::demand::published_cells(store, &range).await?;
    let io = |e: csv::Error| CliError::Io(format!("cannot write the export: {e}"));
    let mut out = csv::Writer::from_writer(std::io::BufWriter::new(std::io::stdout().lock()));
    out.write_record(PUBLISHED_CSV_HEADER).map_err(io)?;
    for c in &cells {
        out.write_record([
            c.month.format("%Y-%m").to_string(),
            c.area.clone(),
            c.need.to_string(),
            c.requests.to_string(),
            c.not_referred.to_string(),
        ])
        .map_err(io)?;
    }
    out.flush().map_err(|e| CliError::Io(format!("cannot write the export: {e}")))?;
    eprintln!("exported {} published cells (through {})", cells.len(), through.format("%Y-%m"));
    Ok(())
}
