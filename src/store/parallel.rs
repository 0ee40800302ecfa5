//! Decoding a large read on every core while it is still arriving.

use std::collections::VecDeque;

use tokio::task::JoinHandle;

use super::StoreError;

/// Decodes items a chunk at a time on tokio's blocking pool, with as many
/// chunks at once as this process may use cores, while the caller goes on
/// reading. The results keep the items' order.
pub struct Decoder<I, T> {
    chunk_len: usize,
    width: usize,
    decode: fn(Vec<I>) -> Result<Vec<T>, StoreError>,
    chunk: Vec<I>,
    pending: VecDeque<JoinHandle<Result<Vec<T>, StoreError>>>,
    out: Vec<T>,
}

impl<I: Send + 'static, T: Send + 'static> Decoder<I, T> {
    /// A decoder of `chunk_len` items per call of `decode`.
    pub fn new(chunk_len: usize, decode: fn(Vec<I>) -> Result<Vec<T>, StoreError>) -> Self {
        Decoder {
            chunk_len: chunk_len.max(1),
            width: std::thread::available_parallelism().map_or(1, |n| n.get()),
            decode,
            chunk: Vec::with_capacity(chunk_len.max(1)),
            pending: VecDeque::new(),
            out: Vec::new(),
        }
    }

    /// Adds an item; waits for the oldest chunk when every core is busy.
    pub async fn push(&mut self, item: I) -> Result<(), StoreError> {
        self.chunk.push(item);
        if self.chunk.len() >= self.chunk_len {
            self.send().await?;
        }
        Ok(())
    }

    /// Every item decoded, in order; the first error if one failed.
    pub async fn finish(mut self) -> Result<Vec<T>, StoreError> {
        self.send().await?;
        while !self.pending.is_empty() {
            self.take_oldest().await?;
        }
        Ok(self.out)
    }

    async fn send(&mut self) -> Result<(), StoreError> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.chunk, Vec::with_capacity(self.chunk_len));
        let decode = self.decode;
        self.pending.push_back(tokio::task::spawn_blocking(move || decode(chunk)));
        while self.pending.len() > self.width {
            self.take_oldest().await?;
        }
        Ok(())
    }

    async fn take_oldest(&mut self) -> Result<(), StoreError> {
        if let Some(job) = self.pending.pop_front() {
            let part =
                job.await.map_err(|e| StoreError::Unavailable(format!("decoding the read failed: {e}")))?;
            self.out.extend(part?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double(items: Vec<u32>) -> Result<Vec<u64>, StoreError> {
        items
            .into_iter()
            .map(|i| {
                if i == 4321 {
                    Err(StoreError::Invalid { id: i.to_string(), reason: "odd".into() })
                } else {
                    Ok(u64::from(i) * 2)
                }
            })
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn keeps_the_order_of_every_item_whatever_the_chunk() {
        for chunk in [1, 3, 64, 5000] {
            let mut d = Decoder::new(chunk, double);
            for i in 0..2000u32 {
                d.push(i).await.expect("pushed");
            }
            let want: Vec<u64> = (0..2000u32).map(|i| u64::from(i) * 2).collect();
            assert_eq!(d.finish().await.expect("decoded"), want, "chunk {chunk}");
        }
        assert!(Decoder::new(8, double).finish().await.expect("empty").is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_item_fails_the_read() {
        let mut d = Decoder::new(10, double);
        let mut result = Ok(());
        for i in 0..5000u32 {
            result = result.and(d.push(i).await);
        }
        let err = match result {
            Err(e) => e,
            Ok(()) => d.finish().await.expect_err("4321 fails"),
        };
        assert!(matches!(err, StoreError::Invalid { id, .. } if id == "4321"));
    }
}
