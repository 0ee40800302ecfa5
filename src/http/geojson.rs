//! A responder for GeoJSON bodies (`application/geo+json`), and the
//! FeatureCollection of resources serialised without an intermediate tree.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::formats::geojson::ResourceFeature;
use crate::model::hours;
use crate::model::{CoordPrecision, Resource};

/// Adds what people read about a resource: see [`annotations`].
pub fn annotate<'a>(
    mut feature: ResourceFeature<'a>,
    r: &Resource,
    at: chrono::DateTime<chrono::Utc>,
    localities: &crate::places::Gazetteer,
) -> ResourceFeature<'a> {
    for (key, value) in annotations(r, at, localities) {
        feature = feature.with(key, value);
    }
    feature
}

/// What people read about a resource at `at`, in this order: `hours_week`
/// (the next seven days in local time) when it has opening hours, and
/// `centre_of` (the one of `localities` a `district` point is the GeoNames
/// centre of), and `unavailable` (closed, temporarily_closed, moved or
/// admissions_suspended) when the service is not offered that day.
pub fn annotations(
    r: &Resource,
    at: chrono::DateTime<chrono::Utc>,
    localities: &crate::places::Gazetteer,
) -> Vec<(&'static str, serde_json::Value)> {
    let mut extra = Vec::new();
    if let Some(week) = r.opening_hours.as_deref().and_then(|oh| hours::week(oh, r.country, at)) {
        extra.push(("hours_week", serde_json::to_value(week).unwrap_or_default()));
    }
    let district = r.location.filter(|l| l.precision == CoordPrecision::District);
    if let Some(name) = district.and_then(|l| localities.centred_at(l.lon, l.lat)) {
        extra.push(("centre_of", serde_json::Value::from(name)));
    }
    if let Some(why) = r.unavailable_at(at) {
        extra.push(("unavailable", serde_json::Value::from(why.as_str())));
    }
    extra
}

/// [`annotations`] of the resource in a slot whose
/// [`Marks`](crate::index::Marks) are `marks`, read from the record only
/// when they say it has something to annotate.
pub fn slot_annotations(
    index: &crate::index::ResourceIndex,
    slot: u32,
    marks: crate::index::Marks,
    at: chrono::DateTime<chrono::Utc>,
    localities: &crate::places::Gazetteer,
) -> Vec<(&'static str, serde_json::Value)> {
    if marks.hours || marks.district || marks.news {
        annotations(index.resource(slot), at, localities)
    } else {
        Vec::new()
    }
}

/// Writes a Feature from its pre-serialised head (see
/// [`crate::formats::geojson::feature_head`]), the annotations, and what
/// `more` writes with [`write_property`]: byte for byte what
/// [`ResourceFeature::with`] would write with the same properties.
pub fn write_spliced(
    out: &mut Vec<u8>,
    head: &str,
    annotations: &[(&'static str, serde_json::Value)],
    more: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>,
) -> serde_json::Result<()> {
    out.extend_from_slice(head.as_bytes());
    for (key, value) in annotations {
        write_property(out, key, value)?;
    }
    more(out)?;
    out.extend_from_slice(b"}}");
    Ok(())
}

/// Writes one property added after a Feature's head: `,"key":value`.
pub fn write_property(out: &mut Vec<u8>, key: &str, value: &impl Serialize) -> serde_json::Result<()> {
    out.push(b',');
    serde_json::to_writer(&mut *out, key)?;
    out.push(b':');
    serde_json::to_writer(&mut *out, value)
}

/// A JSON body already written, sent as `application/geo+json`.
pub fn geojson_bytes(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/geo+json")], body).into_response()
}

/// A value sent as `application/geo+json`.
pub struct GeoJson<T>(pub T);

impl<T: Serialize> IntoResponse for GeoJson<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => geojson_bytes(body),
            Err(e) => {
                super::error::ApiError::Internal(format!("cannot serialise GeoJSON: {e}")).into_response()
            }
        }
    }
}

/// A FeatureCollection of resources; `numberMatched`/`numberReturned` for
/// paged listings.
#[derive(Serialize)]
pub struct Collection<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "numberMatched", skip_serializing_if = "Option::is_none")]
    number_matched: Option<usize>,
    #[serde(rename = "numberReturned", skip_serializing_if = "Option::is_none")]
    number_returned: Option<usize>,
    features: Vec<ResourceFeature<'a>>,
}

impl<'a> Collection<'a> {
    /// A plain collection.
    pub fn new(features: Vec<ResourceFeature<'a>>) -> Self {
        Collection { kind: "FeatureCollection", number_matched: None, number_returned: None, features }
    }

    /// A page of a larger match.
    pub fn page(features: Vec<ResourceFeature<'a>>, matched: usize) -> Self {
        let returned = features.len();
        Collection {
            kind: "FeatureCollection",
            number_matched: Some(matched),
            number_returned: Some(returned),
            features,
        }
    }
}
