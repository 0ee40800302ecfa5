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

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::http::error::problem;
use crate::state::AppState;

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
    pub fn render(&self, state: &AppState) -> String {
        let snapshot = state.snapshot();
        self.snapshot_resources.set(i64::try_from(snapshot.index().len()).unwrap_or(i64::MAX));
        self.snapshot_areas.set(i64::try_from(snapshot.areas().len()).unwrap_or(i64::MAX));
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

/// Notes every request: its route template, method, status and latency.
pub async fn record(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = request.extensions().get::<MatchedPath>().map_or("static", MatchedPath::as_str).to_owned();
    let method = request.method().clone();
    let response = next.run(request).await;
    global().request(&route, &method, response.status(), start.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`: the exposition, to the clients [`MetricsAccess`] allows.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    responses(
        (status = 200, description = "The process's metrics (OpenMetrics 1.0 text, for Prometheus)", body = String, content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8"),
        (status = 403, description = "The client is not on this machine and the server serves metrics to loopback clients only (--metrics loopback)", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Metrics are turned off (--metrics off)", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn serve(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    match state.metrics_access() {
        MetricsAccess::Off => {
            return problem(
                StatusCode::NOT_FOUND,
                "metrics are turned off on this server (--metrics off)".into(),
                None,
            );
        }
        MetricsAccess::Loopback if !peer.is_some_and(|ip| ip.is_loopback()) => {
            return problem(
                StatusCode::FORBIDDEN,
                "metrics are served to clients on this machine only (--metrics loopback); scrape from the \
                 server itself, or start it with --metrics any behind a firewall"
                    .into(),
                None,
            );
        }
        _ => {}
    }
    let mut response = global().render(&state).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
