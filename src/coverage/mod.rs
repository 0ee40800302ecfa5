//! Coverage for policymakers: supply by country or area (resources per
//! category and per 100,000 inhabitants), the distance from every populated
//! locality to the nearest matching resource, the localities left farthest
//! away ([`gaps`]), and where new services would reach the most people
//! ([`suggest`]), and logged demand against supply ([`demand_vs_supply`]);
//! their CSV and GeoJSON forms in [`export`].
//!
//! Distances come from the snapshot's exact geodesic nearest search, one query
//! per locality (never an all-pairs matrix). Population-weighted figures
//! weigh each GeoNames locality by its population.

mod completeness;
mod demand;
mod distance;
pub mod export;
mod gaps;
mod localities;
mod populations;
mod published;
mod regions;
mod report;
mod suggest;
pub mod transit;

pub use self::completeness::{Completeness, CompletenessError, Declaration};
pub use self::demand::{
    AreaRank, DemandQuery, DemandReport, DemandRow, Period, Supply, demand_points, demand_vs_supply, supply,
};
pub use self::distance::{
    DistanceStats, EDGE_TOLERANCE_M, WITHIN_KM, is_within, nearest_hits, search_chord_2,
};
pub use self::gaps::{Gap, gaps};
pub use self::localities::{Localities, Locality};
pub use self::populations::{COUNTRY_POPULATION_SOURCE, Populations};
pub use self::published::{Group, GroupBy, PublishedRange, Summary, summarise};
pub use self::regions::{
    REGION_POPULATION_SOURCE, REGION_SOURCE, estimated_regions, with_estimated_population,
};
pub use self::report::{CategoryCount, Census, Level, Query, Report, Row, basis, records_by_country, report};
pub use self::suggest::{Suggestion, Suggestions, Weight, suggest, suggest_for, suggest_within};
