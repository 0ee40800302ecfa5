//! The process's metrics, served at `GET /metrics` in the OpenMetrics text
//! format (which Prometheus scrapes): requests by route template, method
//! and status; their latency; the snapshot; store errors; connections.
//!
//! Every label takes a bounded set of values, so that no client can make
//! the registry grow: the route is the matched template (`/api/resources/{id}`,
//! never the path or query a client sent; `static` for the page's files and
//! unmatched paths), the method one of the standard ones or `other`.
//!
//! The figures are one process's since it started (a process-wide
//! registry: the HTTP layer, the accept loop and the store all report to
//! it). Who may read them is [`MetricsAccess`].

use std::sync::LazyLock;

use axum::http::{Method, StatusCode};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The content type of the answer.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Who may read `/metrics` (`--metrics`, `WITGIS_METRICS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum MetricsAccess {
    /// Clients connecting from a loopback address (127.0.0.0/8, ::1) only:
    /// a Prometheus on the same machine, or through an SSH tunnel.
    #[default]
    Loopback,
    /// Any client (put the server behind a firewall or a proxy that limits
    /// `/metrics`).
    Any,
    /// Nobody: `/metrics` answers 404.
    Off,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

/// Every metric of the process.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    store_errors: Family<KindLabels, Counter>,
    snapshot_generation: Gauge,
    snapshot_resources: Gauge,
    snapshot_areas: Gauge,
    connections_open: Gauge,
    connections_accepted: Counter,
    connections_refused: Counter,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("witgis");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer's head, by route template",
            latency.clone(),
        );
        let store_errors = Family::<KindLabels, Counter>::default();
        registry.register(
            "store_errors",
            "Store operations that failed: unavailable (the database could not be reached) or other",
            store_errors.clone(),
        );
        // Both kinds from the start, at 0, so that a rate can be taken.
        for kind in ["unavailable", "other"] {
            let _ = store_errors.get_or_create(&KindLabels { kind });
        }
        let snapshot_generation = Gauge::default();
        registry.register(
            "snapshot_generation",
            "Snapshots in use since start: 1 after the first load, one more for each reload or applied \
             batch of changes",
            snapshot_generation.clone(),
        );
        let snapshot_resources = Gauge::default();
        registry.register(
            "snapshot_resources",
            "Resources in the current snapshot",
            snapshot_resources.clone(),
        );
        let snapshot_areas = Gauge::default();
        registry.register("snapshot_areas", "Areas in the current snapshot", snapshot_areas.clone());
        let connections_open = Gauge::default();
        registry.register("connections_open", "Client connections open now", connections_open.clone());
        let connections_accepted = Counter::default();
        registry.register(
            "connections_accepted",
            "Client connections accepted",
            connections_accepted.clone(),
        );
        let connections_refused = Counter::default();
        registry.register(
            "connections_refused",
            "Client connections closed at once because their address held its most connections",
            connections_refused.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            store_errors,
            snapshot_generation,
            snapshot_resources,
            snapshot_areas,
            connections_open,
            connections_accepted,
            connections_refused,
        }
    }

    /// Notes one answered request.
    pub fn request(&self, route: &str, method: &Method, status: StatusCode, seconds: f64) {
        let route = route.to_owned();
        self.requests
            .get_or_create(&RequestLabels {
                route: route.clone(),
                method: method_label(method),
                status: status.as_u16(),
            })
            .inc();
        self.latency.get_or_create(&RouteLabels { route }).observe(seconds);
    }

    /// Notes a failed store operation; `unavailable` when the database
    /// could not be reached.
    pub fn store_error(&self, unavailable: bool) {
        let kind = if unavailable { "unavailable" } else { "other" };
        self.store_errors.get_or_create(&KindLabels { kind }).inc();
    }

    /// Notes a new snapshot swapped in.
    pub fn snapshot_swapped(&self) {
        self.snapshot_generation.inc();
    }

    /// Notes a connection accepted (and now open).
    pub fn connection_opened(&self) {
        self.connections_accepted.inc();
        self.connections_open.inc();
    }

    /// Notes a connection closed.
    pub fn connection_closed(&self) {
        self.connections_open.dec();
    }

    /// Notes a connection refused by the per-address limit.
    pub fn connection_refused(&self) {
        self.connections_refused.inc();
    }

    /// The exposition, with the snapshot's size as of now.
    pub fn render(&self, resources: usize, areas: usize) -> String {
        self.snapshot_resources.set(i64::try_from(resources).unwrap_or(i64::MAX));
        self.snapshot_areas.set(i64::try_from(areas).unwrap_or(i64::MAX));
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The method as a label: a standard one, or `other` (a client may send any
/// token as a method).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The process's metrics.
pub fn global() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}
