//! A local PMTiles v3 archive of vector tiles (the street map `--basemap`
//! serves and `basemap fetch` writes): opened once, its header checked,
//! read by position, never loaded into memory whole.

use std::fs::File;
use std::path::Path;

/// The length of a PMTiles v3 header.
pub const HEADER_LEN: usize = 127;

/// Why an archive cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum BasemapError {
    /// The file could not be opened or read.
    #[error("cannot read the basemap {path}: {error}")]
    Io {
        /// The file given.
        path: String,
        /// What the system said.
        error: std::io::Error,
    },
    /// The file is not a PMTiles v3 vector archive.
    #[error("{path} is not a PMTiles v3 vector archive: {why}")]
    NotPmtiles {
        /// The file given.
        path: String,
        /// What is wrong with its header.
        why: String,
    },
}

/// An open PMTiles archive: the file, its length and its ETag.
#[derive(Debug)]
pub struct Basemap {
    file: File,
    len: u64,
    etag: String,
}

impl PartialEq for Basemap {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.etag == other.etag
    }
}

impl Eq for Basemap {}

impl Basemap {
    /// Opens `path` and checks that it starts with a PMTiles v3 header of
    /// vector (MVT) tiles.
    pub fn open(path: &Path) -> Result<Self, BasemapError> {
        let shown = path.display().to_string();
        let io = |error| BasemapError::Io { path: shown.clone(), error };
        let file = File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        let len = meta.len();
        let mut head = vec![0; HEADER_LEN.min(usize::try_from(len).unwrap_or(HEADER_LEN))];
        read_at(&file, &mut head, 0).map_err(io)?;
        check_header(&head).map_err(|why| BasemapError::NotPmtiles { path: shown.clone(), why })?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let etag = format!("\"{len:x}-{modified:x}\"");
        Ok(Self { file, len, etag })
    }

    /// The archive's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the archive is empty (never, once opened: it has a header).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Reads `buf.len()` bytes from `offset`.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        read_at(&self.file, buf, offset)
    }

    /// The archive's strong ETag (its length and modification time).
    pub fn etag(&self) -> &str {
        &self.etag
    }
}

/// Checks the first bytes of a file: the magic `PMTiles`, version 3 and the
/// tile type MVT (1).
pub fn check_header(head: &[u8]) -> Result<(), String> {
    if head.len() < HEADER_LEN {
        return Err(format!("it is {} bytes long, shorter than the 127-byte header", head.len()));
    }
    if &head[..7] != b"PMTiles" {
        return Err("it does not start with \"PMTiles\"".into());
    }
    if head[7] != 3 {
        return Err(format!("its version is {}, witgis reads version 3", head[7]));
    }
    if head[99] != 1 {
        return Err(format!("its tiles are of type {}, not vector tiles (MVT, type 1)", head[99]));
    }
    Ok(())
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_read(file, buf, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_must_be_pmtiles_v3_vector() {
        let mut head = vec![0u8; HEADER_LEN];
        head[..7].copy_from_slice(b"PMTiles");
        head[7] = 3;
        head[99] = 1;
        assert_eq!(check_header(&head), Ok(()));
        let mut v2 = head.clone();
        v2[7] = 2;
        assert!(check_header(&v2).is_err_and(|e| e.contains("version 2") || e.contains("is 2")));
        let mut png = head.clone();
        png[99] = 2;
        assert!(check_header(&png).is_err());
        assert!(check_header(b"{\"type\":\"FeatureCollection\"}").is_err());
        let mut other = head;
        other[..7].copy_from_slice(b"SQLite ");
        assert!(check_header(&other).is_err());
    }
}
