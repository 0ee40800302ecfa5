//! Writes the test basemap: a tiny PMTiles v3 archive of vector tiles in the
//! Protomaps layer schema (`earth`, `roads`, `places`), zooms 0 to 15, holding
//! a few streets and places near Rome's centre OF OUR OWN DRAWING. They are
//! made up ("Via di Prova"), not OpenStreetMap data.
//!
//! Usage: `cargo run --example make_basemap -- OUT.pmtiles`

use std::error::Error;
use std::f64::consts::PI;
use std::path::Path;

use mvt::{GeomEncoder, GeomType, Tile};
use pmtiles::{PmTilesWriter, TileCoord, TileType};

/// Highest zoom with tiles (MapLibre over-zooms past it).
pub const MAX_ZOOM: u8 = 15;

const EXTENT: u32 = 4096;

/// A made-up road: kind, names by language, lon/lat points.
pub struct Road {
    /// Protomaps `kind`: `major_road` or `minor_road`.
    pub kind: &'static str,
    /// `name` (the local name) and `name:xx` pairs.
    pub names: &'static [(&'static str, &'static str)],
    /// The line, lon/lat.
    pub line: &'static [(f64, f64)],
}

/// The test archive's roads. "Vicolo Senza Traduzione" has only a local name.
pub const ROADS: &[Road] = &[
    Road {
        kind: "major_road",
        names: &[
            ("name", "Viale delle Prove"),
            ("name:it", "Viale delle Prove"),
            ("name:en", "Trial Avenue"),
            ("name:de", "Prüfungsallee"),
            ("name:bg", "Булевард на Изпитанията"),
            ("name:lt", "Bandymų alėja"),
        ],
        line: &[(12.476, 41.8905), (12.504, 41.8905)],
    },
    Road {
        kind: "minor_road",
        names: &[
            ("name", "Via di Prova"),
            ("name:it", "Via di Prova"),
            ("name:en", "Trial Street"),
            ("name:de", "Probestraße"),
            ("name:bg", "Улица Проба"),
            ("name:lt", "Bandymų gatvė"),
        ],
        line: &[(12.4905, 41.882), (12.4905, 41.899)],
    },
    Road {
        kind: "minor_road",
        names: &[("name", "Vicolo Senza Traduzione")],
        line: &[(12.481, 41.8945), (12.500, 41.8945)],
    },
];

/// The test archive's one place (a `locality`).
pub const PLACE_NAMES: &[(&str, &str)] = &[
    ("name", "Borgo di Prova"),
    ("name:it", "Borgo di Prova"),
    ("name:en", "Trial Village"),
    ("name:de", "Probedorf"),
    ("name:bg", "Пробно село"),
    ("name:lt", "Bandymų kaimas"),
];

/// Where the place is, lon/lat.
pub const PLACE: (f64, f64) = (12.4855, 41.8865);

/// The box around everything drawn, lon/lat (west, south, east, north).
pub const BOUNDS: (f64, f64, f64, f64) = (12.476, 41.882, 12.504, 41.899);

/// Web Mercator: lon/lat to world coordinates at zoom `z` (tile units).
fn world(z: u8, (lon, lat): (f64, f64)) -> (f64, f64) {
    let n = f64::from(1u32 << z);
    let lat = lat.to_radians();
    ((lon + 180.0) / 360.0 * n, (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0 * n)
}

fn tile_point(z: u8, x: u32, y: u32, p: (f64, f64)) -> (f64, f64) {
    let (wx, wy) = world(z, p);
    let e = f64::from(EXTENT);
    (((wx - f64::from(x)) * e).round(), ((wy - f64::from(y)) * e).round())
}

/// One tile's bytes (uncompressed MVT).
fn encode_tile(z: u8, x: u32, y: u32) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut tile = Tile::new(EXTENT);
    let e = f64::from(EXTENT);
    let b = 64.0;
    let land = GeomEncoder::new(GeomType::Polygon)
        .point(-b, -b)?
        .point(e + b, -b)?
        .point(e + b, e + b)?
        .point(-b, e + b)?
        .encode()?;
    let mut earth = tile.create_layer("earth").into_feature(land);
    earth.add_tag_string("kind", "earth");
    tile.add_layer(earth.into_layer())?;

    let mut roads = tile.create_layer("roads");
    for (i, road) in ROADS.iter().enumerate() {
        let mut geom = GeomEncoder::new(GeomType::Linestring);
        for &p in road.line {
            let (px, py) = tile_point(z, x, y, p);
            geom = geom.point(px, py)?;
        }
        let mut feature = roads.into_feature(geom.encode()?);
        feature.set_id(i as u64 + 1);
        feature.add_tag_string("kind", road.kind);
        feature.add_tag_int("min_zoom", if road.kind == "major_road" { 7 } else { 12 });
        for (key, value) in road.names {
            feature.add_tag_string(key, value);
        }
        roads = feature.into_layer();
    }
    tile.add_layer(roads)?;

    let (px, py) = tile_point(z, x, y, PLACE);
    let mut place =
        tile.create_layer("places").into_feature(GeomEncoder::new(GeomType::Point).point(px, py)?.encode()?);
    place.set_id(100);
    place.add_tag_string("kind", "locality");
    place.add_tag_int("min_zoom", 9);
    place.add_tag_int("population_rank", 9);
    for (key, value) in PLACE_NAMES {
        place.add_tag_string(key, value);
    }
    tile.add_layer(place.into_layer())?;
    Ok(tile.to_bytes()?)
}

/// Writes the archive to `path`: every tile of zooms 0..=[`MAX_ZOOM`] that
/// touches [`BOUNDS`].
pub fn write_archive(path: &Path) -> Result<(), Box<dyn Error>> {
    let (west, south, east, north) = BOUNDS;
    let file = std::fs::File::create(path)?;
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .min_zoom(0)
        .max_zoom(MAX_ZOOM)
        .bounds(west, south, east, north)
        .center((west + east) / 2.0, (south + north) / 2.0)
        .center_zoom(15)
        .metadata(
            r#"{"name":"witgis test basemap","description":"made-up streets near Rome, drawn for witgis's tests","attribution":"witgis test data (made up)","vector_layers":[{"id":"earth","fields":{}},{"id":"roads","fields":{}},{"id":"places","fields":{}}]}"#,
        )
        .create(file)?;
    for z in 0..=MAX_ZOOM {
        let (x0, y0) = world(z, (west, north));
        let (x1, y1) = world(z, (east, south));
        for x in x0.floor() as u32..=x1.floor() as u32 {
            for y in y0.floor() as u32..=y1.floor() as u32 {
                writer.add_tile(TileCoord::new(z, x, y)?, &encode_tile(z, x, y)?)?;
            }
        }
    }
    writer.finalize()?;
    Ok(())
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn Error>> {
    let Some(out) = std::env::args_os().nth(1) else {
        return Err("usage: make_basemap OUT.pmtiles".into());
    };
    write_archive(Path::new(&out))?;
    println!("wrote {}", Path::new(&out).display());
    Ok(())
}
