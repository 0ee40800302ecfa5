//! The load test's baseline: a trivial axum server answering every GET with
//! the same bytes (a real `/api/nearest` answer read from a file), so that
//! `scripts/loadtest` measures what the machine serves when a request costs
//! nothing but HTTP.
//!
//! Run: `cargo run --release --example fixed_body -- 127.0.0.1:8081 body.json`

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(path)) = (args.next(), args.next()) else {
        return Err("usage: fixed_body ADDR FILE".into());
    };
    let body = Bytes::from(std::fs::read(&path)?);
    let app = Router::new().fallback(get(move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "application/geo+json")], body).into_response() }
    }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
