//! `witgis basemap fetch`: resolves the territory and the source, then runs
//! [`crate::basemap_fetch::fetch`] with progress on standard error.

use geo::BoundingRect;

use super::CliError;
use crate::basemap_fetch::{self, Options};
use crate::config::{BasemapCommand, BasemapFetchArgs, StoreArgs};
use crate::model::text::fold;
use crate::places::{CITY_RADIUS_M, Home};

/// How many days back from yesterday the default looks for a planet build.
const BUILD_DAYS: i64 = 7;

pub(super) async fn run(command: BasemapCommand) -> Result<(), CliError> {
    match command {
        BasemapCommand::Fetch(args) => fetch(args).await,
    }
}

async fn fetch(args: BasemapFetchArgs) -> Result<(), CliError> {
    let bbox = match (&args.bbox, &args.area) {
        (Some(b), _) => *b,
        (None, Some(name)) => {
            let (bbox, what) = area_bbox(name, &args.store).await?;
            eprintln!("{name}: {what}, box {:.4},{:.4},{:.4},{:.4}", bbox[0], bbox[1], bbox[2], bbox[3]);
            bbox
        }
        (None, None) => {
            return Err(CliError::Invalid("give the territory: --bbox W,S,E,N or --area NAME".into()));
        }
    };
    let urls = match (&args.url, args.build) {
        (Some(url), _) => vec![url.clone()],
        (None, Some(day)) => vec![basemap_fetch::build_url(day)],
        (None, None) => {
            let yesterday = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
            (0..BUILD_DAYS)
                .map(|back| basemap_fetch::build_url(yesterday - chrono::Duration::days(back)))
                .collect()
        }
    };
    let options = Options {
        urls,
        bbox,
        max_zoom: args.maxzoom,
        output: args.output.clone(),
        max_request: args.max_request_bytes,
        retries: args.retries,
    };
    let say = |line: &str| eprintln!("{line}");
    let summary = basemap_fetch::fetch(&options, &say).await.map_err(CliError::Io)?;
    eprintln!(
        "wrote {}: {} tiles, zooms {}-{}, {} (fetched {} this run) from {}",
        args.output.display(),
        summary.tiles,
        summary.zooms.0,
        summary.zooms.1,
        basemap_fetch::size(summary.size),
        basemap_fetch::size(summary.fetched_now),
        summary.source
    );
    eprintln!("serve it with: witgis serve --basemap {}", args.output.display());
    Ok(())
}

/// The box of a named territory: a loaded area (in an existing store, or
/// Rome's shipped municipi), else a gazetteer city (centre ± 35 km) or a
/// covered country (its outline's box).
async fn area_bbox(name: &str, store: &StoreArgs) -> Result<([f64; 4], String), CliError> {
    let mut areas =
        crate::store::seed_areas().map_err(|e| CliError::Invalid(e.report("data/rome-municipi.geojson")))?;
    if store_exists(&store.database_url) {
        let store = super::open_store(store).await?;
        areas.splice(0..0, store.areas().await?);
    }
    let key = fold(name.trim());
    let municipio = crate::places::municipio_number(name).map(|n| format!("it-rm-municipio-{n:02}"));
    let found = areas
        .iter()
        .find(|a| fold(&a.id) == key || fold(&a.name) == key)
        .or_else(|| municipio.and_then(|id| areas.iter().find(|a| a.id == id)));
    if let Some(area) = found {
        let r = area
            .geometry
            .bounding_rect()
            .ok_or_else(|| CliError::Invalid(format!("the area '{}' has an empty outline", area.name)))?;
        return Ok((
            [r.min().x, r.min().y, r.max().x, r.max().y],
            format!("the area {} ({})", area.name, area.id),
        ));
    }
    let reference = tokio::task::spawn_blocking(crate::reference::ReferenceData::load)
        .await
        .map_err(|e| CliError::Io(format!("loading the reference data: {e}")))??;
    let shipped = reference.places();
    let unknown = |why: String| {
        CliError::Invalid(format!(
            "--area '{name}' is not a loaded area, a known city or a covered country ({why}); give --bbox west,south,east,north instead"
        ))
    };
    match Home::parse(name, shipped).map_err(unknown)? {
        Home::Box(b) => Ok((b.0, "a box".into())),
        Home::City { name, centre: [lon, lat], radius_m } => {
            let r = radius_m.max(CITY_RADIUS_M);
            let dlat = r / 111_320.0;
            let dlon = dlat / lat.to_radians().cos().max(0.1);
            Ok((
                [lon - dlon, lat - dlat, lon + dlon, lat + dlat],
                format!("the city {name} (its centre ± {:.0} km)", r / 1000.0),
            ))
        }
        Home::Country(c) => {
            let r = shipped
                .countries
                .outline(c)
                .and_then(|o| o.bounding_rect())
                .ok_or_else(|| unknown(format!("no outline of {c:?} ships")))?;
            Ok(([r.min().x, r.min().y, r.max().x, r.max().y], format!("the country {c:?}")))
        }
    }
}

/// Whether the store exists already (a SQLite file is not created for this).
fn store_exists(url: &str) -> bool {
    match url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        Some(rest) => {
            let path = rest.split('?').next().unwrap_or("");
            !path.is_empty() && !path.contains(":memory:") && std::path::Path::new(path).exists()
        }
        None => true,
    }
}
