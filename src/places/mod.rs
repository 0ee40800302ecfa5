//! Place search for callers: localities of the four countries (GeoNames), the
//! loaded areas (e.g. Rome's municipi) and the resources' own addresses,
//! matched case- and accent-insensitively by prefix and with typos.
//!
//! The shipped files are read in `quarters` and `localities`; the names are
//! indexed in the `gazetteer`; `numerals` tells a municipio or a street
//! address in a query; `ranking` orders what is found for a caller.

mod gazetteer;
mod localities;
mod numerals;
mod quarters;
mod ranking;
mod snapshot;

pub use gazetteer::{Gazetteer, Match};
pub use localities::{PlacesRow, places_rows};
pub use numerals::{is_street_address, municipio_number};
pub use quarters::{QuarterRow, Quarters};
pub use ranking::{Bias, Bounds, CITY_RADIUS_M, Found, Home, Shipped, ambiguous, search};
pub use snapshot::from_snapshot;

use serde::{Deserialize, Serialize};

use crate::model::Country;
use crate::model::text::fold;

/// Where a place comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// A city, town or village (GeoNames).
    #[default]
    Locality,
    /// A loaded area, e.g. a municipio.
    Area,
    /// A resource's street address.
    Address,
    /// One of Rome's quarters (`data/rome-quarters.tsv`), naming its municipi.
    Quarter,
    /// One of Rome's municipi, known by name even when no outline is loaded.
    Municipio,
    /// A neighbourhood of a capital (Who's On First, `data/neighbourhoods.tsv`).
    Neighbourhood,
}

/// How much of a quarter lies in the municipi it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Extent {
    /// All of it, in its one municipio.
    Whole,
    /// It spans the municipi named: the caller's street decides.
    Split,
    /// Only part of it is known to lie in the municipio named.
    Part,
    /// A GeoNames place: its municipio is the one holding its point.
    Point,
}

/// A named place, with a point when one is known.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Place {
    /// A stable id for quarters, municipi and areas (`/api/referral?place=`).
    pub id: Option<String>,
    /// The name as written locally.
    pub name: String,
    /// What it is.
    pub kind: PlaceKind,
    /// Its country, when known.
    pub country: Option<Country>,
    /// Longitude (NaN when no point is known: see [`Place::point`]).
    pub lon: f64,
    /// Latitude (NaN when no point is known).
    pub lat: f64,
    /// Inhabitants, for localities and areas.
    pub population: Option<u64>,
    /// The city it belongs to ("Roma" for a quarter; a locality's own name).
    pub city: Option<String>,
    /// The municipi (area ids) a quarter or municipio lies in.
    pub municipi: Vec<String>,
    /// How much of it lies in those municipi.
    pub extent: Option<Extent>,
    /// Where an approximate point comes from: `geonames`, `source` or
    /// `area_interior`; `None` for a place's own point.
    pub point_source: Option<&'static str>,
    /// What kind of quarter, with its code ("zona urbanistica 8F").
    pub detail: Option<String>,
}

impl Place {
    /// The point, when one is known.
    pub fn point(&self) -> Option<[f64; 2]> {
        (self.lon.is_finite() && self.lat.is_finite()).then_some([self.lon, self.lat])
    }
}

/// Rome's centre: GeoNames 3169070 in `data/places.tsv`, where a Roman place
/// without a point is taken to be when ranking (never for a distance shown).
pub const ROME: [f64; 2] = [12.51133, 41.89193];

/// The folded form names are indexed and looked up by: case, accents and
/// the kind of apostrophe aside.
fn key(s: &str) -> String {
    let folded = fold(s.trim());
    if folded.contains(['\u{2019}', '\u{2018}', '`']) {
        folded.replace(['\u{2019}', '\u{2018}', '`'], "'")
    } else {
        folded
    }
}
