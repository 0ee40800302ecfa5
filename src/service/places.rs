//! Place search for callers: the built-in gazetteer (localities, Rome's
//! quarters and municipi, loaded areas, resources' addresses), the
//! deployment's street map, and an external geocoder's addresses merged
//! after them without repeating a place already listed.

use crate::geocoder::{self, GeocoderError, Query};
use crate::model::Country;
use crate::places::{Bias, Bounds, Found, Home, Place, PlaceKind, ambiguous, is_street_address, search};
use crate::streets::{OsmPlace, Precision, StreetMatch};

use super::Service;

/// The note for a street with a house number that no geocoder can place.
pub const NEEDS_GEOCODER: &str = "street addresses need a geocoder: pick the quarter, or click the map";

/// What a caller searches for (already checked).
#[derive(Debug, Clone)]
pub struct PlaceQuery {
    /// The text typed, trimmed, 1 to 100 characters.
    pub text: String,
    /// Only this country.
    pub country: Option<Country>,
    /// How many of each source.
    pub limit: usize,
    /// The language of names.
    pub lang: Option<String>,
    /// Whether to ask the configured geocoder too.
    pub geocoder: bool,
    /// The map view, to rank near places first.
    pub view: Option<Bounds>,
}

/// One place found.
#[derive(Debug, Clone)]
pub enum Hit {
    /// From the built-in gazetteer (`external: false`) or the geocoder.
    Gazetteer {
        /// The place.
        place: Place,
        /// Found by the external geocoder.
        external: bool,
    },
    /// From the street map.
    Street(StreetHit),
}

/// A house, street or named place of the street map.
#[derive(Debug, Clone)]
pub struct StreetHit {
    /// The place.
    pub place: OsmPlace,
    /// House, street or neighbourhood.
    pub precision: Precision,
    /// The house number asked for that the street map lacks.
    pub missing_number: Option<String>,
}

impl From<&StreetMatch<'_>> for StreetHit {
    fn from(m: &StreetMatch<'_>) -> StreetHit {
        StreetHit { place: m.place.clone(), precision: m.precision, missing_number: m.missing_number.clone() }
    }
}

/// What the text was read as, when it reads as an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressFound {
    /// A house of the street map.
    House,
    /// A street of the street map, without the house number asked for.
    Street,
    /// A street address, but no geocoder is configured to place it.
    NeedsGeocoder,
}

/// The answer of a place search.
#[derive(Debug, Clone)]
pub struct PlaceAnswer {
    /// Best first, at most `limit` built-in and street-map places, then
    /// the geocoder's new ones.
    pub hits: Vec<Hit>,
    /// Whether the best matches are far apart (the same name in two cities).
    pub ambiguous: bool,
    /// What the text was read as, when an address.
    pub address: Option<AddressFound>,
    /// Notes for the operator, in words.
    pub notes: Vec<String>,
    /// Whether any place came from the street map (its credit is due).
    pub street_map: bool,
    /// The geocoder's outcome (`ok`, `busy`, `unavailable`), when asked.
    pub geocoder: Option<&'static str>,
}

/// The note for a house number the street map does not hold.
pub fn missing_number_note(number: &str, street: &str) -> String {
    format!("house number {number} of {street} is not in the street map: the street is given, not a house")
}

impl Service {
    /// The places matching `query`, ranked (see the module's doc).
    pub async fn places(&self, query: PlaceQuery) -> PlaceAnswer {
        let state = &self.state;
        let snapshot = state.snapshot();
        let reference = state.reference();
        let q = query.text.as_str();
        let (country, limit) = (query.country, query.limit);
        let bias = Bias { home: state.home().clone(), view: query.view };
        let own = snapshot.places(&reference.quarters);
        let mut found: Vec<Found> = search(q, own, reference.places(), country, limit, &bias);
        // A house number asked for: a resource's address with another number is
        // another house, not an answer.
        if let Some(n) = crate::streets::parse(q).number {
            found.retain(|f| {
                f.place.kind != PlaceKind::Address
                    || crate::streets::parse(&f.place.name)
                        .number
                        .is_some_and(|m| crate::streets::same_number(&m, &n))
            });
        }
        let map = state.streets();
        let streets = street_matches(&map.streets, q, &query, &bias, &found, reference);
        // A shipped neighbourhood point (Who's On First, approximate) gives way to
        // the deployment's own street map for the same name within 10 km.
        found.retain(|f| {
            f.place.kind != PlaceKind::Neighbourhood
                || !streets.iter().any(|m| {
                    m.precision == Precision::Neighbourhood
                        && within(f.place, m.place.point, 10_000.0)
                        && crate::streets::key(&f.place.name) == crate::streets::key(&m.place.name)
                })
        });
        // A resource's address that is also a house of the street map is listed once.
        found.retain(|f| {
            f.place.kind != PlaceKind::Address
                || !streets
                    .iter()
                    .any(|m| m.precision == Precision::House && within(f.place, m.place.point, 100.0))
        });
        let house = streets.iter().any(|m| m.precision == Precision::House);
        let street_only = !house && streets.iter().any(|m| m.missing_number.is_some());
        // A house or street asked for comes first; otherwise the gazetteer's good
        // matches near home, the street map's exact ones, the rest, its typos.
        let (good, rest): (Vec<&Found>, Vec<&Found>) =
            found.iter().partition(|f| f.tier() <= 1 && !house && !street_only);
        let (exact, typos): (Vec<&StreetMatch>, Vec<&StreetMatch>) =
            streets.iter().partition(|m| m.edits == 0);
        let built = |f: &&Found| Hit::Gazetteer { place: f.place.clone(), external: false };
        let street = |m: &&StreetMatch| Hit::Street(StreetHit::from(*m));
        let mut hits: Vec<Hit> = Vec::new();
        hits.extend(good.iter().map(built));
        hits.extend(exact.iter().map(street));
        hits.extend(rest.iter().map(built));
        hits.extend(typos.iter().map(street));
        hits.truncate(limit);
        let mut listed: Vec<Place> = found.iter().map(|f| f.place.clone()).collect();
        listed.extend(streets.iter().map(|m| Place {
            name: m.place.name.clone(),
            kind: PlaceKind::Address,
            lon: m.place.point[0],
            lat: m.place.point[1],
            ..Place::default()
        }));
        let is_ambiguous = if house || street_only { streets_apart(&streets) } else { ambiguous(&found) };
        let mut notes: Vec<String> = Vec::new();
        let address = if house {
            Some(AddressFound::House)
        } else if street_only {
            if let Some(m) = streets.iter().find(|m| m.missing_number.is_some()) {
                notes.push(missing_number_note(
                    m.missing_number.as_deref().unwrap_or_default(),
                    &m.place.name,
                ));
            }
            Some(AddressFound::Street)
        } else if state.geocoder().is_none()
            && (is_street_address(q) || is_street_address(q.split(',').next().unwrap_or(q)))
        {
            notes.push(NEEDS_GEOCODER.to_owned());
            Some(AddressFound::NeedsGeocoder)
        } else {
            None
        };
        let street_map = !streets.is_empty();
        let mut outcome = None;
        if let (Some(g), true) = (state.geocoder(), query.geocoder) {
            let ask = Query { text: query.text.clone(), country, lang: query.lang.clone(), limit };
            match g.search(&ask).await {
                Ok(external) => {
                    let listed: Vec<&Place> = listed.iter().collect();
                    hits.extend(
                        geocoder::new_results(&listed, &external)
                            .into_iter()
                            .map(|p| Hit::Gazetteer { place: p.clone(), external: true }),
                    );
                    outcome = Some("ok");
                }
                Err(e) => {
                    outcome = Some(e.code());
                    let why = match e {
                        GeocoderError::Busy => "was skipped to keep to its request rate",
                        _ => "is not available right now",
                    };
                    notes.push(format!("the external address search {why}; only built-in places are listed"));
                }
            }
        }
        PlaceAnswer { hits, ambiguous: is_ambiguous, address, notes, street_map, geocoder: outcome }
    }

    /// The deployment's home, which distances in place answers are from.
    pub fn home(&self) -> &Home {
        self.state.home()
    }
}

/// Whether the place has a point within `metres` of `point`.
fn within(place: &Place, point: [f64; 2], metres: f64) -> bool {
    place.point().is_some_and(|at| crate::sphere::geodesic_m(at, point) <= metres)
}

/// The street map's matches: among equally good ones (the same street name
/// in several towns) the nearest to the view or home first; in the country
/// asked for; a named place the gazetteer also knows as a locality or
/// quarter within 2 km is left to the gazetteer, which names its municipi.
fn street_matches<'a>(
    streets: &'a crate::streets::Streets,
    q: &str,
    query: &PlaceQuery,
    bias: &Bias,
    found: &[Found],
    reference: &crate::reference::ReferenceData,
) -> Vec<StreetMatch<'a>> {
    let centre = query.view.map(|v| v.centre()).or_else(|| bias.home.centre());
    let mut matches: Vec<StreetMatch> = streets.search(q, query.limit.saturating_mul(20));
    if let Some(c) = centre {
        matches.sort_by(|a, b| {
            (a.edits, a.prefix).cmp(&(b.edits, b.prefix)).then(a.precision.cmp(&b.precision)).then(
                crate::sphere::geodesic_m(c, a.place.point)
                    .total_cmp(&crate::sphere::geodesic_m(c, b.place.point)),
            )
        });
    }
    matches.truncate(query.limit);
    matches
        .into_iter()
        .filter(|m| {
            query.country.is_none()
                || reference.countries.at(m.place.point[0], m.place.point[1]) == query.country
        })
        .filter(|m| {
            m.precision != Precision::Neighbourhood
                || !found.iter().any(|f| {
                    f.place.kind != PlaceKind::Neighbourhood
                        && within(f.place, m.place.point, 2_000.0)
                        && crate::streets::key(&f.place.name) == crate::streets::key(&m.place.name)
                })
        })
        .collect()
}

/// Do the first two houses or streets found lie more than 20 km apart (the
/// same street name in two cities)?
fn streets_apart(found: &[StreetMatch]) -> bool {
    match found {
        [a, b, ..] if a.edits == b.edits && a.precision == b.precision => {
            crate::sphere::geodesic_m(a.place.point, b.place.point) > 20_000.0
        }
        _ => false,
    }
}
