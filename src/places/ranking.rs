//! Ranking places for a caller: home and the map's view, match quality,
//! kind and population.

use super::{Gazetteer, Match, Place, PlaceKind, ROME, municipio_number};
use crate::countries::Countries;
use crate::model::Country;

/// A lon/lat box: west, south, east, north (west ≤ east).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds(pub [f64; 4]);

impl Bounds {
    /// Does the box hold the point?
    pub fn contains(&self, [lon, lat]: [f64; 2]) -> bool {
        let [w, s, e, n] = self.0;
        w <= lon && lon <= e && s <= lat && lat <= n
    }

    /// Its centre.
    pub fn centre(&self) -> [f64; 2] {
        let [w, s, e, n] = self.0;
        [(w + e) / 2.0, (s + n) / 2.0]
    }

    /// Parses "west,south,east,north" in degrees.
    pub fn parse(s: &str) -> Result<Bounds, String> {
        let v: Vec<f64> =
            s.split(',').map(|x| x.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| {
                format!(
                    "'{s}' is not a box: give west,south,east,north in degrees, e.g. 12.23,41.65,12.86,42.15"
                )
            })?;
        match v[..] {
            [w, s_, e, n]
                if (-180.0..=180.0).contains(&w)
                    && (-180.0..=180.0).contains(&e)
                    && (-90.0..=90.0).contains(&s_)
                    && (-90.0..=90.0).contains(&n)
                    && w < e
                    && s_ < n =>
            {
                Ok(Bounds([w, s_, e, n]))
            }
            _ => Err(format!(
                "'{s}' is not a box: give four numbers west,south,east,north with west < east and south < north"
            )),
        }
    }
}

/// The territory a deployment serves, which place search prefers.
#[derive(Debug, Clone, PartialEq)]
pub enum Home {
    /// A covered country.
    Country(Country),
    /// Within `radius_m` of a city's centre.
    City {
        /// The city's name.
        name: String,
        /// Its centre.
        centre: [f64; 2],
        /// How far from the centre counts as home.
        radius_m: f64,
    },
    /// A box.
    Box(Bounds),
}

/// How far from a home city's centre still counts as home (Rome's own
/// territory reaches about 30 km out, to Ostia and Cesano).
pub const CITY_RADIUS_M: f64 = 35_000.0;

impl Default for Home {
    /// Rome, the help desk's city.
    fn default() -> Home {
        Home::City { name: "Rome".into(), centre: ROME, radius_m: CITY_RADIUS_M }
    }
}

impl Home {
    /// Parses `--home`: a country code (`IT`), a box (`west,south,east,north`)
    /// or the name of a city in the gazetteer (`Roma`, `Vilnius`).
    pub fn parse(s: &str, shipped: Shipped) -> Result<Home, String> {
        let s = s.trim();
        if s.contains(',') {
            return Bounds::parse(s).map(Home::Box);
        }
        let covered = Country::covered_list();
        if s.len() == 2 {
            let code = s.to_ascii_uppercase();
            return match code.parse::<Country>() {
                Ok(c) if c.is_covered() => Ok(Home::Country(c)),
                _ => Err(format!("'{s}' is not one of the covered countries: {covered}")),
            };
        }
        let none = Gazetteer::new(Vec::new());
        let bias = Bias { home: Home::Box(Bounds([0.0, 0.0, 0.0, 0.0])), view: None };
        search(s, &none, shipped, None, 1, &bias)
            .into_iter()
            .find(|f| f.quality == Match::Exact)
            .and_then(|f| Some((f.place.name.clone(), f.place.point()?)))
            .map(|(name, centre)| Home::City { name, centre, radius_m: CITY_RADIUS_M })
            .ok_or_else(|| {
                format!(
                    "'{s}' is not a country code ({covered}), a box west,south,east,north or a known city"
                )
            })
    }

    /// Does home hold the point?
    pub fn contains(&self, p: [f64; 2], countries: &Countries) -> bool {
        match self {
            Home::Country(c) => countries.at(p[0], p[1]) == Some(*c),
            Home::City { centre, radius_m, .. } => crate::sphere::geodesic_m(*centre, p) <= *radius_m,
            Home::Box(b) => b.contains(p),
        }
    }

    /// The point distances from home are measured from (none for a country).
    pub fn centre(&self) -> Option<[f64; 2]> {
        match self {
            Home::Country(_) => None,
            Home::City { centre, .. } => Some(*centre),
            Home::Box(b) => Some(b.centre()),
        }
    }
}

/// What place search prefers: home and, from the page, the map's view.
#[derive(Debug, Clone, Default)]
pub struct Bias {
    /// The deployment's home.
    pub home: Home,
    /// The map view the operator is looking at.
    pub view: Option<Bounds>,
}

impl Bias {
    /// Is the place at home or in view? A Roman place without a point counts
    /// as at Rome's centre.
    fn near(&self, p: &Place, countries: &Countries) -> bool {
        let at = p.point().or_else(|| (p.city.as_deref() == Some("Roma")).then_some(ROME));
        at.is_some_and(|at| self.home.contains(at, countries) || self.view.is_some_and(|v| v.contains(at)))
    }
}

/// A place found, with how well it matched and whether it is near.
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    /// The place.
    pub place: &'a Place,
    /// Exact, prefix or with typos.
    pub quality: Match,
    /// At home or in view.
    pub near: bool,
}

impl Found<'_> {
    /// Rank: an exact or prefix match near home beats an exact one far away,
    /// which beats a near match with typos.
    pub fn tier(&self) -> u8 {
        match (self.quality, self.near) {
            (Match::Exact, true) => 0,
            (Match::Prefix, true) => 1,
            (Match::Exact, false) => 2,
            (Match::Typo(_), true) => 3,
            (Match::Prefix, false) => 4,
            (Match::Typo(_), false) => 5,
        }
    }
}

/// Quarters and imported areas of their size first, then municipi (a loaded
/// municipio's outline too: a quarter named in the text wins over the
/// municipio that contains it, even when the municipio is also known by the
/// quarter's name), addresses, localities.
fn kind_rank(p: &Place) -> u8 {
    match p.kind {
        PlaceKind::Area if !p.municipi.is_empty() => 1,
        PlaceKind::Quarter | PlaceKind::Area | PlaceKind::Neighbourhood => 0,
        PlaceKind::Municipio => 1,
        PlaceKind::Address => 2,
        PlaceKind::Locality => 3,
    }
}

/// What place search needs of the reference data: the shipped localities,
/// and the countries' outlines for a country home.
#[derive(Clone, Copy)]
pub struct Shipped<'a> {
    /// The GeoNames localities.
    pub localities: &'a Gazetteer,
    /// The covered countries' outlines.
    pub countries: &'a Countries,
}

/// Searches the shipped localities and a snapshot's own places together. A
/// municipio named in any usual form comes first; then by [`Found::tier`];
/// within a tier quarters and areas, then municipi, addresses and
/// localities, the most populous first.
pub fn search<'a>(
    query: &str,
    own: &'a Gazetteer,
    shipped: Shipped<'a>,
    country: Option<Country>,
    limit: usize,
    bias: &Bias,
) -> Vec<Found<'a>> {
    let wide = limit.saturating_mul(4).max(40);
    let municipio = municipio_number(query).and_then(|n| own.get(&format!("it-rm-municipio-{n:02}")));
    let mut hits: Vec<(Found, usize)> = municipio
        .map(|p| (p, Match::Exact))
        .into_iter()
        .chain(own.search(query, wide).into_iter().map(|(m, p)| (p, m)))
        .chain(shipped.localities.search(query, wide).into_iter().map(|(m, p)| (p, m)))
        .filter(|(p, _)| country.is_none() || p.country == country)
        .enumerate()
        .map(|(i, (place, quality))| (Found { place, quality, near: bias.near(place, shipped.countries) }, i))
        .collect();
    hits.sort_by(|(a, i), (b, j)| {
        let first = |f: &Found| municipio.is_some_and(|m| std::ptr::eq(m, f.place));
        first(b)
            .cmp(&first(a))
            .then(a.tier().cmp(&b.tier()))
            .then(kind_rank(a.place).cmp(&kind_rank(b.place)))
            .then(b.place.population.unwrap_or(0).cmp(&a.place.population.unwrap_or(0)))
            .then(i.cmp(j))
    });
    let mut seen = std::collections::HashSet::new();
    hits.into_iter().map(|(f, _)| f).filter(|f| seen.insert(f.place as *const Place)).take(limit).collect()
}

/// Is no place clearly first, so that the operator must ask and choose?
/// True when the first two share a tier and either lie in different cities
/// (not both Roman places, more than 20 km apart or one without a point) or
/// are both Roman places in different municipi ("Primavalle": zona 19B in
/// Municipio XIV, quartiere Q27 split between XIII and XIV).
pub fn ambiguous(found: &[Found]) -> bool {
    let [a, b, ..] = found else { return false };
    let apart = match (a.place.point(), b.place.point()) {
        (Some(p), Some(q)) => crate::sphere::geodesic_m(p, q) > 20_000.0,
        _ => true,
    };
    let roman = |f: &Found| f.place.city.as_deref() == Some("Roma");
    let municipi = |f: &Found| {
        let mut m = f.place.municipi.clone();
        m.sort();
        m
    };
    let other_municipi =
        !a.place.municipi.is_empty() && !b.place.municipi.is_empty() && municipi(a) != municipi(b);
    a.tier() == b.tier() && if roman(a) && roman(b) { other_municipi } else { apart }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Resource;
    use crate::places::from_snapshot;

    fn shipped() -> Shipped<'static> {
        crate::reference::tests::shipped().places()
    }

    fn names(found: Vec<Found>) -> Vec<String> {
        found
            .iter()
            .map(|f| {
                format!("{} {}", f.place.name, f.place.country.map(|c| c.to_string()).unwrap_or_default())
            })
            .collect()
    }

    fn search<'a>(q: &str, own: &'a Gazetteer, country: Option<Country>, limit: usize) -> Vec<Found<'a>> {
        // A home far from every covered country: no bias.
        let bias = Bias { home: Home::Box(Bounds([-60.0, -10.0, -59.0, -9.0])), view: None };
        super::search(q, own, shipped(), country, limit, &bias)
    }

    #[test]
    fn localities_by_name_alternate_name_and_with_typos() {
        let none = Gazetteer::new(Vec::new());
        assert!(shipped().localities.len() > 20_000);
        assert_eq!(names(search("Kaunas", &none, None, 1)), ["Kaunas LT"]);
        assert_eq!(names(search("София", &none, None, 1)), ["Sofia BG"]);
        assert_eq!(names(search("Sofiya", &none, None, 1)), ["Sofia BG"]);
        assert_eq!(names(search("sofja", &none, None, 1)), ["Sofia BG"]);
        assert_eq!(names(search("Vilnus", &none, None, 1)), ["Vilnius LT"], "a typo");
        assert_eq!(names(search("münch", &none, Some("DE".parse().unwrap()), 1)), ["Munich DE"]);
        assert!(search("xqzv", &none, None, 5).is_empty());
    }

    #[test]
    fn a_shared_address_is_one_place() {
        let at = |id: &str, address: &str, point: [f64; 2]| {
            let props = serde_json::json!({ "id": id, "name": id, "category": "day_centre", "country": "IT",
                                            "city": "Roma", "address": address, "coord_precision": "street" });
            let serde_json::Value::Object(map) = props else { unreachable!() };
            Resource::from_properties(&map, Some(point)).expect("valid")
        };
        let resources = [
            at("a", "Via Ostiense 106", [12.48, 41.86]),
            at("b", "via ostiense 106", [12.481, 41.861]),
            at("c", "Via Ostiense 110", [12.482, 41.862]),
        ];
        let own = from_snapshot(&[], &resources, &crate::reference::tests::shipped().quarters);
        let found: Vec<(&str, f64)> = search("via ostiense", &own, None, 10)
            .iter()
            .filter(|f| f.place.kind == PlaceKind::Address)
            .map(|f| (f.place.name.as_str(), f.place.lon))
            .collect();
        assert_eq!(found, [("Via Ostiense 106, Roma", 12.48), ("Via Ostiense 110, Roma", 12.482)]);
    }

    #[test]
    fn home_is_a_country_a_city_or_a_box() {
        assert_eq!(Home::parse("it", shipped()), Ok(Home::Country("IT".parse().expect("IT"))));
        assert!(
            matches!(Home::parse("Vilnius", shipped()), Ok(Home::City { name, .. }) if name == "Vilnius")
        );
        assert_eq!(
            Home::parse("12.23,41.65,12.86,42.15", shipped()),
            Ok(Home::Box(Bounds([12.23, 41.65, 12.86, 42.15])))
        );
        for bad in ["Atlantis", "12,41,11,42", "1,2,3", "FR"] {
            assert!(Home::parse(bad, shipped()).is_err(), "{bad}");
        }
        // Rome's centre is GeoNames' Rome point.
        assert!(matches!(Home::parse("Roma", shipped()), Ok(Home::City { centre, .. }) if centre == ROME));
    }
}
