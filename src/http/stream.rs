//! Large answers written a batch at a time, as the client reads them: a
//! slow reader holds one batch (about [`BATCH_BYTES`]) of its answer, never
//! the whole of it, and the work of writing it is spread over the reads, so
//! that other requests are answered in between.
//!
//! An answer is a head, then items joined by commas, then a tail: a JSON
//! array inside a document (`{"type":"FeatureCollection","features":[` …
//! `]}`), or CSV rows after a header line (no commas then: see
//! [`Items::rows`]). The items come from something shared and immutable
//! (the snapshot, a shared report), looked up by position as they are
//! written.

use std::convert::Infallible;

use axum::body::{Body, Bytes};

/// A batch is sent once it holds at least this many bytes (or the answer
/// ends): one item may take it past, by that item's size.
pub const BATCH_BYTES: usize = 64 * 1024;

/// How the items of an answer are written.
pub struct Items<F> {
    head: Vec<u8>,
    count: usize,
    separator: &'static [u8],
    tail: Vec<u8>,
    write: F,
}

impl<F> Items<F>
where
    F: FnMut(usize, &mut Vec<u8>) + Send + 'static,
{
    /// `count` JSON values between `head` and `tail`, joined by commas;
    /// `write(i, out)` appends the `i`-th.
    pub fn json(head: impl Into<Vec<u8>>, count: usize, tail: impl Into<Vec<u8>>, write: F) -> Items<F> {
        Items { head: head.into(), count, separator: b",", tail: tail.into(), write }
    }

    /// `count` lines after `head`; `write(i, out)` appends the `i`-th, its
    /// line end included.
    pub fn rows(head: impl Into<Vec<u8>>, count: usize, write: F) -> Items<F> {
        Items { head: head.into(), count, separator: b"", tail: Vec::new(), write }
    }

    /// The answer's body, written a batch at a time as it is read.
    pub fn into_body(self) -> Body {
        let state = (self, 0usize, false);
        let batches = futures_util::stream::unfold(state, |(mut items, mut next, done)| async move {
            if done {
                return None;
            }
            let mut batch = if next == 0 { std::mem::take(&mut items.head) } else { Vec::new() };
            batch.reserve(BATCH_BYTES);
            while next < items.count && batch.len() < BATCH_BYTES {
                if next > 0 {
                    batch.extend_from_slice(items.separator);
                }
                (items.write)(next, &mut batch);
                next += 1;
            }
            let finished = next >= items.count;
            if finished {
                batch.extend_from_slice(&items.tail);
            }
            Some((Ok::<Bytes, Infallible>(Bytes::from(batch)), (items, next, finished)))
        });
        // Fused: a reader may ask again after the end (the gzip layer does),
        // which an unfold would not survive.
        Body::from_stream(futures_util::StreamExt::fuse(batches))
    }
}

/// Appends `value` as JSON. Serialising our own types into memory cannot
/// fail; should it, the item is written as `null` and the error logged.
pub fn write_json<T: serde::Serialize>(out: &mut Vec<u8>, value: &T) {
    let before = out.len();
    if let Err(e) = serde_json::to_writer(&mut *out, value) {
        out.truncate(before);
        out.extend_from_slice(b"null");
        tracing::error!(error = %e, "cannot serialise an item of a streamed answer");
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt as _;

    use super::{BATCH_BYTES, Items, write_json};

    async fn frames(body: axum::body::Body) -> Vec<Vec<u8>> {
        let mut body = body;
        let mut out = Vec::new();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.expect("a frame").into_data() {
                out.push(data.to_vec());
            }
        }
        out
    }

    #[tokio::test]
    async fn items_are_written_in_bounded_batches_and_joined() {
        let item = "x".repeat(1000);
        let body = Items::json(r#"{"a":["#, 300, "]}", move |_, out| write_json(out, &item)).into_body();
        let frames = frames(body).await;
        assert!(frames.len() >= 4, "{} batches", frames.len());
        assert!(frames.iter().all(|f| f.len() <= BATCH_BYTES + 1003), "bounded by a batch and one item");
        let whole: serde_json::Value = serde_json::from_slice(&frames.concat()).expect("JSON");
        assert_eq!(whole["a"].as_array().map(Vec::len), Some(300));
        let empty = frames_of(Items::json("[", 0, "]", |_, _| {}).into_body()).await;
        assert_eq!(empty, b"[]");
        let rows =
            frames_of(Items::rows("h\n", 2, |i, out| out.extend(format!("{i}\n").bytes())).into_body()).await;
        assert_eq!(rows, b"h\n0\n1\n");
    }

    /// The gzip layer polls a body once more after its end.
    #[tokio::test]
    async fn a_finished_body_can_be_asked_again() {
        let mut body = Items::json("[", 1, "]", |_, out| out.push(b'1')).into_body();
        while body.frame().await.is_some() {}
        assert!(body.frame().await.is_none());
        assert!(body.frame().await.is_none());
    }

    async fn frames_of(body: axum::body::Body) -> Vec<u8> {
        frames(body).await.concat()
    }
}
