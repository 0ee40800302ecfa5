//! OGC API - Features Part 3 filters in Basic CQL2: comparisons, `and`,
//! `or`, `not`, `like`, `between`, `in`, `is null` on a collection's
//! queryables, and `s_intersects` of the geometry with a bbox, a point or a
//! polygon. The `cql2` crate parses both encodings (text and JSON); this
//! module checks the expression against the queryables and evaluates it on
//! records, in SQL's three-valued logic: a comparison with a missing value
//! is unknown, and only a filter that is true of a record admits it.

use geo::Intersects;
use serde_json::Value;

/// Longest filter accepted, in bytes.
pub const MAX_FILTER_BYTES: usize = 8_192;

/// How deep an expression may nest.
const MAX_DEPTH: usize = 32;

/// The filter's encoding (`filter-lang`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// `cql2-text`, the default.
    Text,
    /// `cql2-json`.
    Json,
}

impl Lang {
    /// The `filter-lang` values, in this order.
    pub const NAMES: [&'static str; 2] = ["cql2-text", "cql2-json"];

    /// Reads a `filter-lang` value.
    pub fn parse(raw: &str) -> Option<Lang> {
        match raw {
            "cql2-text" => Some(Lang::Text),
            "cql2-json" => Some(Lang::Json),
            _ => None,
        }
    }
}

/// What a filter may name: the collection's queryables, each single- or
/// many-valued text, and whether the geometry may be tested.
#[derive(Debug, Clone, Copy)]
pub struct Queryables {
    /// Text properties, by name.
    pub text: &'static [&'static str],
    /// Queryables that are searches, not properties (`q`): parameters only.
    pub searches: &'static [&'static str],
}

impl Queryables {
    /// The resources': `category`, `country`, `topic` (and `q`, a search).
    pub const RESOURCES: Queryables =
        Queryables { text: &["category", "country", "topic"], searches: &["q"] };
    /// The areas' and regions': `kind`, `country`.
    pub const AREAS: Queryables = Queryables { text: &["kind", "country"], searches: &[] };
}

/// Why a filter was refused, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct FilterError {
    /// What is wrong, and where (a character position for text).
    pub reason: String,
}

fn fail<T>(reason: impl Into<String>) -> Result<T, FilterError> {
    Err(FilterError { reason: reason.into() })
}

/// The name of the geometry queryable.
pub const GEOMETRY: &str = "geometry";

/// A checked filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter(Node);

#[derive(Debug, Clone, PartialEq)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Const(bool),
    Compare { property: String, op: Cmp, value: String },
    Like { property: String, pattern: Vec<LikeToken> },
    Between { property: String, low: String, high: String },
    In { property: String, values: Vec<String> },
    IsNull(String),
    Intersects(geo::Geometry<f64>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LikeToken {
    Char(char),
    /// `_`: one character.
    One,
    /// `%`: any run of characters.
    Any,
}

/// A record as a filter reads it.
pub trait Record {
    /// The values of a text queryable (none when it has no value).
    fn values(&self, property: &str) -> Vec<&str>;
    /// Whether the record's geometry intersects `shape` (`None`: no geometry).
    fn intersects(&self, shape: &geo::Geometry<f64>) -> Option<bool>;
}

impl Filter {
    /// Parses and checks a filter against the queryables.
    pub fn parse(raw: &str, lang: Lang, queryables: Queryables) -> Result<Filter, FilterError> {
        if raw.len() > MAX_FILTER_BYTES {
            return fail(format!("is longer than {MAX_FILTER_BYTES} bytes"));
        }
        let expr = match lang {
            Lang::Text => cql2::parse_text(raw).map_err(|e| FilterError { reason: text_error(raw, &e) })?,
            Lang::Json => cql2::parse_json(raw).map_err(|e| FilterError {
                reason: format!("is not CQL2 JSON: {e} (line {}, column {})", e.line(), e.column()),
            })?,
        };
        let value = serde_json::to_value(&expr)
            .map_err(|e| FilterError { reason: format!("cannot be read as CQL2: {e}") })?;
        let node = node(&value, queryables, 0).map_err(|e| match lang {
            Lang::Text => FilterError { reason: locate(raw, e.reason) },
            Lang::Json => e,
        })?;
        Ok(Filter(node))
    }

    /// Does the filter admit the record (is it true of it)?
    pub fn matches(&self, record: &dyn Record) -> bool {
        eval(&self.0, record) == Some(true)
    }
}

/// A syntax error of the text encoding, with its character position.
fn text_error(raw: &str, e: &cql2::Error) -> String {
    if let cql2::Error::Pest(p) = e {
        let at = match p.location {
            pest::error::InputLocation::Pos(at) | pest::error::InputLocation::Span((at, _)) => at,
        };
        let column = raw.get(..at).map_or(at, |s| s.chars().count()) + 1;
        let near: String = raw.get(at..).unwrap_or("").chars().take(20).collect();
        let near = if near.is_empty() { "the end".to_owned() } else { format!("'{near}'") };
        return format!("is not CQL2 text: unexpected {near} at character {column}");
    }
    format!("is not CQL2 text: {e}")
}

/// Adds where a named property or operator first appears in the text.
fn locate(raw: &str, reason: String) -> String {
    let quoted = reason.split('\'').nth(1).filter(|n| !n.is_empty());
    match quoted.and_then(|name| raw.to_lowercase().find(&name.to_lowercase()).map(|at| (name, at))) {
        Some((_, at)) => format!("{reason} (at character {})", raw[..at].chars().count() + 1),
        None => reason,
    }
}

/// One CQL2 JSON node (the crate's output) as a checked [`Node`].
fn node(v: &Value, q: Queryables, depth: usize) -> Result<Node, FilterError> {
    if depth > MAX_DEPTH {
        return fail(format!("nests deeper than {MAX_DEPTH} levels"));
    }
    if let Value::Bool(b) = v {
        return Ok(Node::Const(*b));
    }
    let Some(op) = v.get("op").and_then(Value::as_str) else {
        return fail(format!(
            "{} is not a predicate (a comparison, like, between, in, is null or s_intersects)",
            show(v)
        ));
    };
    let args: &[Value] = v.get("args").and_then(Value::as_array).map_or(&[], Vec::as_slice);
    let arity = |n: usize| -> Result<(), FilterError> {
        if args.len() == n { Ok(()) } else { fail(format!("'{op}' takes {n} arguments, not {}", args.len())) }
    };
    let nodes = |args: &[Value]| args.iter().map(|a| node(a, q, depth + 1)).collect::<Result<Vec<_>, _>>();
    Ok(match op {
        "and" => Node::And(nodes(args)?),
        "or" => Node::Or(nodes(args)?),
        "not" => {
            arity(1)?;
            Node::Not(Box::new(node(&args[0], q, depth + 1)?))
        }
        "=" | "<>" | "<" | "<=" | ">" | ">=" => {
            arity(2)?;
            let (property, value, flipped) = match (property(&args[0], q), property(&args[1], q)) {
                (Ok(p), _) => (p, text(&args[1], op)?, false),
                (Err(_), Ok(p)) => (p, text(&args[0], op)?, true),
                (Err(e), Err(_)) => return Err(e),
            };
            let op = match (op, flipped) {
                ("=", _) => Cmp::Eq,
                ("<>", _) => Cmp::Ne,
                ("<", false) | (">", true) => Cmp::Lt,
                ("<=", false) | (">=", true) => Cmp::Le,
                (">", false) | ("<", true) => Cmp::Gt,
                _ => Cmp::Ge,
            };
            Node::Compare { property, op, value }
        }
        "like" => {
            arity(2)?;
            Node::Like { property: property(&args[0], q)?, pattern: like_pattern(&text(&args[1], op)?) }
        }
        "between" => {
            arity(3)?;
            Node::Between {
                property: property(&args[0], q)?,
                low: text(&args[1], op)?,
                high: text(&args[2], op)?,
            }
        }
        "in" => {
            arity(2)?;
            let Some(list) = args[1].as_array() else {
                return fail(format!("'in' needs a list of values, not {}", show(&args[1])));
            };
            let values = list.iter().map(|v| text(v, op)).collect::<Result<_, _>>()?;
            Node::In { property: property(&args[0], q)?, values }
        }
        "isNull" => {
            arity(1)?;
            Node::IsNull(property(&args[0], q)?)
        }
        "s_intersects" => {
            arity(2)?;
            let (geom, shape) =
                if is_geometry(&args[0]) { (&args[0], &args[1]) } else { (&args[1], &args[0]) };
            if !is_geometry(geom) {
                return fail(format!(
                    "'s_intersects' tests the property '{GEOMETRY}' against a bbox, point or polygon"
                ));
            }
            Node::Intersects(shape_of(shape)?)
        }
        other => {
            return fail(format!(
                "the operator '{other}' is not supported: Basic CQL2 (=, <>, <, <=, >, >=, and, or, not, like, \
                 between, in, is null) and s_intersects are"
            ));
        }
    })
}

fn is_geometry(v: &Value) -> bool {
    v.get("property").and_then(Value::as_str) == Some(GEOMETRY)
}

/// A text queryable named by a `{"property": …}` node.
fn property(v: &Value, q: Queryables) -> Result<String, FilterError> {
    match v.get("property").and_then(Value::as_str) {
        Some(name) if q.text.contains(&name) => Ok(name.to_owned()),
        Some(GEOMETRY) => fail(format!("'{GEOMETRY}' can only be tested with s_intersects")),
        Some(name) if q.searches.contains(&name) => fail(format!(
            "'{name}' is a text search, not a property: give it as the {name} parameter beside the filter"
        )),
        Some(name) => fail(format!(
            "'{name}' is not a queryable; the queryables are: {}, {GEOMETRY}",
            q.text.join(", ")
        )),
        None => match v.get("op").and_then(Value::as_str) {
            Some(function) => fail(format!(
                "the function '{function}' is not supported: compare a queryable itself (Basic CQL2)"
            )),
            None => fail(format!("{} is not a property", show(v))),
        },
    }
}

/// A string literal.
fn text(v: &Value, op: &str) -> Result<String, FilterError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => fail(format!(
            "'{op}' compares a text queryable with a text value in single quotes, not {}",
            show(other)
        )),
    }
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 { format!("{}…", s.chars().take(60).collect::<String>()) } else { s }
}

/// `%` any run, `_` one character, `\` escapes the next.
fn like_pattern(raw: &str) -> Vec<LikeToken> {
    let mut out = Vec::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '%' => LikeToken::Any,
            '_' => LikeToken::One,
            '\\' => LikeToken::Char(chars.next().unwrap_or('\\')),
            c => LikeToken::Char(c),
        });
    }
    out
}

fn like(text: &[char], pattern: &[LikeToken]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((LikeToken::Any, rest)) => (0..=text.len()).any(|i| like(&text[i..], rest)),
        Some((LikeToken::One, rest)) => !text.is_empty() && like(&text[1..], rest),
        Some((LikeToken::Char(c), rest)) => text.first() == Some(c) && like(&text[1..], rest),
    }
}

/// A bbox, or a GeoJSON geometry, in CRS84.
fn shape_of(v: &Value) -> Result<geo::Geometry<f64>, FilterError> {
    if let Some(bbox) = v.get("bbox").and_then(Value::as_array) {
        let n: Vec<f64> = bbox.iter().filter_map(Value::as_f64).collect();
        let [w, s, e, n] = match n.as_slice() {
            [w, s, e, n] => [*w, *s, *e, *n],
            [w, s, _, e, n, _] => [*w, *s, *e, *n],
            _ => return fail("a bbox has 4 numbers: west, south, east, north"),
        };
        if !(-180.0..=180.0).contains(&w)
            || !(-180.0..=180.0).contains(&e)
            || !(-90.0..=90.0).contains(&s)
            || !(-90.0..=90.0).contains(&n)
            || s > n
        {
            return fail("a bbox is west, south, east, north in degrees, south below north");
        }
        let rect = |w: f64, e: f64| {
            geo::Rect::new(geo::coord! { x: w, y: s }, geo::coord! { x: e, y: n }).to_polygon()
        };
        return Ok(if w <= e {
            geo::Geometry::Polygon(rect(w, e))
        } else {
            geo::Geometry::MultiPolygon(geo::MultiPolygon(vec![rect(w, 180.0), rect(-180.0, e)]))
        });
    }
    let geometry = serde_json::from_value::<geojson::Geometry>(v.clone())
        .map_err(|_| FilterError { reason: format!("{} is not a bbox or a GeoJSON geometry", show(v)) })?;
    let shape: geo::Geometry<f64> = geometry
        .try_into()
        .map_err(|_| FilterError { reason: format!("{} is not a geometry witgis can test", show(v)) })?;
    Ok(shape)
}

/// The node's truth for the record: `None` is unknown.
fn eval(n: &Node, r: &dyn Record) -> Option<bool> {
    match n {
        Node::Const(b) => Some(*b),
        Node::And(list) => list
            .iter()
            .try_fold(Some(true), |acc, n| match eval(n, r) {
                Some(false) => Err(()),
                v => Ok(if acc == Some(true) && v == Some(true) { Some(true) } else { None }),
            })
            .unwrap_or(Some(false)),
        Node::Or(list) => list
            .iter()
            .try_fold(Some(false), |acc, n| match eval(n, r) {
                Some(true) => Err(()),
                v => Ok(if acc == Some(false) && v == Some(false) { Some(false) } else { None }),
            })
            .unwrap_or(Some(true)),
        Node::Not(inner) => eval(inner, r).map(|b| !b),
        Node::IsNull(p) => Some(r.values(p).is_empty()),
        Node::Intersects(shape) => r.intersects(shape),
        Node::Compare { property, op, value } => any(r, property, |v| match op {
            Cmp::Eq => v == value,
            Cmp::Ne => v != value,
            Cmp::Lt => v < value.as_str(),
            Cmp::Le => v <= value.as_str(),
            Cmp::Gt => v > value.as_str(),
            Cmp::Ge => v >= value.as_str(),
        }),
        Node::Like { property, pattern } => {
            any(r, property, |v| like(&v.chars().collect::<Vec<_>>(), pattern))
        }
        Node::Between { property, low, high } => {
            any(r, property, |v| low.as_str() <= v && v <= high.as_str())
        }
        Node::In { property, values } => any(r, property, |v| values.iter().any(|x| x == v)),
    }
}

/// True when any of the property's values passes; unknown when it has none.
fn any(r: &dyn Record, property: &str, test: impl Fn(&str) -> bool) -> Option<bool> {
    let values = r.values(property);
    if values.is_empty() { None } else { Some(values.into_iter().any(test)) }
}

/// A resource as a filter reads it: `category`, `country`, `topic` (any of
/// its topics), its point.
impl Record for crate::model::Resource {
    fn values(&self, property: &str) -> Vec<&str> {
        match property {
            "category" => vec![self.category.as_str()],
            "country" => vec![self.country.as_str()],
            "topic" => self.topics.iter().map(|t| t.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    fn intersects(&self, shape: &geo::Geometry<f64>) -> Option<bool> {
        self.point().map(|[lon, lat]| shape.intersects(&geo::Point::new(lon, lat)))
    }
}

/// An area or region as a filter reads it: `kind`, `country`, its outline.
impl Record for crate::model::Area {
    fn values(&self, property: &str) -> Vec<&str> {
        match property {
            "kind" => vec![self.kind.as_str()],
            "country" => self.country.iter().map(|c| c.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    fn intersects(&self, shape: &geo::Geometry<f64>) -> Option<bool> {
        Some(shape.intersects(&self.geometry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: Queryables = Queryables::RESOURCES;

    /// A record of our own making, so the tests do not lean on the model.
    struct R {
        category: Option<&'static str>,
        topics: Vec<&'static str>,
        point: Option<[f64; 2]>,
    }

    impl Record for R {
        fn values(&self, property: &str) -> Vec<&str> {
            match property {
                "category" => self.category.into_iter().collect(),
                "topic" => self.topics.clone(),
                _ => Vec::new(),
            }
        }
        fn intersects(&self, shape: &geo::Geometry<f64>) -> Option<bool> {
            self.point.map(|[x, y]| shape.intersects(&geo::Point::new(x, y)))
        }
    }

    fn rec(category: Option<&'static str>, topics: &[&'static str], point: Option<[f64; 2]>) -> R {
        R { category, topics: topics.to_vec(), point }
    }

    fn text(f: &str) -> Filter {
        Filter::parse(f, Lang::Text, Q).unwrap_or_else(|e| panic!("{f}: {e}"))
    }

    #[test]
    fn comparisons_and_logic_follow_three_valued_truth() {
        let csm = rec(Some("mental_health_centre"), &["crisis"], Some([12.5, 41.9]));
        let none = rec(None, &[], None);
        for (f, on_csm, on_none) in [
            ("category = 'mental_health_centre'", true, false),
            ("category <> 'library'", true, false),
            ("NOT (category = 'library')", true, false),
            ("category IS NULL", false, true),
            ("NOT category IS NULL", true, false),
            ("category < 'n'", true, false),
            ("'n' > category", true, false),
            ("category BETWEEN 'a' AND 'z'", true, false),
            ("category IN ('library', 'mental_health_centre')", true, false),
            ("category LIKE 'mental%'", true, false),
            ("category LIKE 'mental_health_centr_'", true, false),
            ("category LIKE 'Mental%'", false, false),
            ("topic = 'crisis'", true, false),
            ("topic = 'housing'", false, false),
            ("category = 'x' OR topic = 'crisis'", true, false),
            ("category = 'x' OR category IS NULL", false, true),
            ("NOT (category = 'x' AND topic = 'crisis')", true, false),
            ("S_INTERSECTS(geometry, BBOX(12, 41, 13, 42))", true, false),
            ("S_INTERSECTS(geometry, BBOX(13, 41, 14, 42))", false, false),
            ("S_INTERSECTS(geometry, POINT(12.5 41.9))", true, false),
            ("S_INTERSECTS(geometry, POLYGON((12 41, 13 41, 13 42, 12 42, 12 41)))", true, false),
            ("true", true, true),
        ] {
            assert_eq!(text(f).matches(&csm), on_csm, "{f} on a centre");
            assert_eq!(text(f).matches(&none), on_none, "{f} on a record with no values");
        }
    }

    #[test]
    fn the_json_encoding_means_the_same() {
        let csm = rec(Some("mental_health_centre"), &["crisis"], Some([12.5, 41.9]));
        let json = r#"{"op":"and","args":[{"op":"=","args":[{"property":"category"},"mental_health_centre"]},
            {"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[12,41,13,42]}]}]}"#;
        assert!(Filter::parse(json, Lang::Json, Q).expect("json").matches(&csm));
        let outside =
            r#"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[0,0]}]}"#;
        assert!(!Filter::parse(outside, Lang::Json, Q).expect("json").matches(&csm));
    }

    #[test]
    fn a_bbox_across_the_antimeridian_holds_both_sides() {
        let east = rec(Some("x"), &[], Some([179.5, 0.0]));
        let west = rec(Some("x"), &[], Some([-179.5, 0.0]));
        let f = text("S_INTERSECTS(geometry, BBOX(179, -1, -179, 1))");
        assert!(f.matches(&east) && f.matches(&west));
    }

    #[test]
    fn bad_filters_say_what_and_where() {
        let err = |f: &str| Filter::parse(f, Lang::Text, Q).expect_err(f).reason;
        assert!(err("category = 'x' AND").contains("at character 19"), "{}", err("category = 'x' AND"));
        let unknown = err("country = 'IT' AND nme = 'x'");
        assert!(
            unknown.contains("'nme' is not a queryable") && unknown.contains("at character 20"),
            "{unknown}"
        );
        assert!(err("category = 3").contains("text value"));
        assert!(err("q = 'x'").contains("q parameter"));
        assert!(err("CASEI(category) = 'x'").contains("not supported"));
        assert!(err("geometry = 'x'").contains("s_intersects"));
        assert!(err("S_INTERSECTS(geometry, BBOX(12, 43, 13, 42))").contains("south below north"));
        let json = Filter::parse(r#"{"op":"="#, Lang::Json, Q).expect_err("broken json").reason;
        assert!(json.contains("line 1"), "{json}");
        assert!(Filter::parse(&"category = 'x' OR ".repeat(600), Lang::Text, Q).is_err());
    }
}
