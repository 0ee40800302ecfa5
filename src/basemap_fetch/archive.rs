//! Reading a PMTiles v3 archive's header and directories from their bytes.
//!
//! The `pmtiles` crate's reader keeps the header's section offsets and the
//! directory entries' offsets and lengths to itself, and an extract needs
//! them to plan few, large range requests; the format (the PMTiles v3
//! specification, github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md) is
//! small enough to read here. Tile ids (the Hilbert curve) are the crate's.

use std::io::Read;

/// The length of a PMTiles v3 header.
pub use crate::basemap::HEADER_LEN;

/// How deep leaf directories may nest (the crate's readers stop there too).
pub const MAX_DEPTH: u8 = 5;

/// The fields of a PMTiles v3 header an extract uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Where the root directory is, from the start of the archive.
    pub root_offset: u64,
    /// Its length in bytes.
    pub root_length: u64,
    /// Where the JSON metadata is.
    pub metadata_offset: u64,
    /// Its length.
    pub metadata_length: u64,
    /// Where the leaf directories are.
    pub leaf_offset: u64,
    /// Their length.
    pub leaf_length: u64,
    /// Where the tile data is.
    pub data_offset: u64,
    /// Its length.
    pub data_length: u64,
    /// Compression of directories and metadata (1 none, 2 gzip, 3 brotli, 4 zstd).
    pub internal_compression: u8,
    /// Compression of the tiles, same codes.
    pub tile_compression: u8,
    /// 1 for vector tiles (MVT).
    pub tile_type: u8,
    /// The lowest zoom with tiles.
    pub min_zoom: u8,
    /// The highest zoom with tiles.
    pub max_zoom: u8,
    /// west, south, east, north in degrees.
    pub bounds: [f64; 4],
}

/// Parses the first [`HEADER_LEN`] bytes of an archive.
pub fn parse_header(b: &[u8]) -> Result<Header, String> {
    // The magic, the version and the tile type, as `--basemap` checks them.
    crate::basemap::check_header(b)?;
    let u = |at: usize| {
        let mut v = [0u8; 8];
        v.copy_from_slice(&b[at..at + 8]);
        u64::from_le_bytes(v)
    };
    let deg = |at: usize| {
        let mut v = [0u8; 4];
        v.copy_from_slice(&b[at..at + 4]);
        f64::from(i32::from_le_bytes(v)) / 10_000_000.0
    };
    let header = Header {
        root_offset: u(8),
        root_length: u(16),
        metadata_offset: u(24),
        metadata_length: u(32),
        leaf_offset: u(40),
        leaf_length: u(48),
        data_offset: u(56),
        data_length: u(64),
        internal_compression: b[97],
        tile_compression: b[98],
        tile_type: b[99],
        min_zoom: b[100],
        max_zoom: b[101],
        bounds: [deg(102), deg(106), deg(110), deg(114)],
    };
    for (name, offset, length) in [
        ("root directory", header.root_offset, header.root_length),
        ("metadata", header.metadata_offset, header.metadata_length),
        ("leaf directories", header.leaf_offset, header.leaf_length),
        ("tile data", header.data_offset, header.data_length),
    ] {
        if offset.checked_add(length).is_none() {
            return Err(format!("its {name} section overflows"));
        }
    }
    if header.max_zoom > 31 || header.min_zoom > header.max_zoom {
        return Err(format!("its zooms {}..{} are not a range of 0..31", header.min_zoom, header.max_zoom));
    }
    Ok(header)
}

/// Undoes the archive's internal compression (none or gzip).
pub fn decompress(compression: u8, bytes: &[u8]) -> Result<Vec<u8>, String> {
    match compression {
        1 => Ok(bytes.to_vec()),
        2 => {
            let mut out = Vec::with_capacity(bytes.len() * 3);
            flate2::read::GzDecoder::new(bytes)
                .read_to_end(&mut out)
                .map_err(|e| format!("a gzip directory does not decompress: {e}"))?;
            Ok(out)
        }
        3 => Err("its directories are brotli-compressed; witgis reads gzip or uncompressed ones".into()),
        4 => Err("its directories are zstd-compressed; witgis reads gzip or uncompressed ones".into()),
        other => Err(format!("its directory compression {other} is unknown")),
    }
}

/// One directory entry: `run_length` tiles from `tile_id` sharing the bytes
/// at `offset` (in the data section), or with `run_length` 0 a leaf
/// directory at `offset` (in the leaf section).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The first tile id.
    pub tile_id: u64,
    /// Where its bytes are, within their section.
    pub offset: u64,
    /// How many bytes.
    pub length: u32,
    /// Tiles in the run; 0 for a leaf directory.
    pub run_length: u32,
}

impl Entry {
    /// Whether the entry points at a leaf directory.
    pub fn is_leaf(&self) -> bool {
        self.run_length == 0
    }
}

fn varint(buf: &mut &[u8]) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = buf.split_first().ok_or("a directory ends inside a number")?;
        *buf = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("a directory holds a number longer than 64 bits".into())
}

/// Parses an uncompressed directory.
pub fn parse_directory(mut buf: &[u8]) -> Result<Vec<Entry>, String> {
    let bad = |what: &str| format!("a directory is malformed: {what}");
    let n = usize::try_from(varint(&mut buf)?).map_err(|_| bad("too many entries"))?;
    if n > buf.len() / 4 {
        return Err(bad("it counts more entries than it holds"));
    }
    let mut entries = vec![Entry { tile_id: 0, offset: 0, length: 0, run_length: 0 }; n];
    let mut id = 0u64;
    for e in &mut entries {
        id = id.checked_add(varint(&mut buf)?).ok_or_else(|| bad("a tile id overflows"))?;
        e.tile_id = id;
    }
    for e in &mut entries {
        e.run_length = u32::try_from(varint(&mut buf)?).map_err(|_| bad("a run is too long"))?;
    }
    for e in &mut entries {
        e.length = u32::try_from(varint(&mut buf)?).map_err(|_| bad("an entry is too long"))?;
        if e.length == 0 {
            return Err(bad("an entry has no bytes"));
        }
    }
    for i in 0..n {
        let v = varint(&mut buf)?;
        entries[i].offset = if v == 0 {
            let prev = i.checked_sub(1).map(|j| entries[j]).ok_or_else(|| bad("the first offset is 0"))?;
            prev.offset.checked_add(u64::from(prev.length)).ok_or_else(|| bad("an offset overflows"))?
        } else {
            v - 1
        };
    }
    Ok(entries)
}

/// The spherical Mercator latitude limit of tiles.
const MAX_LAT: f64 = 85.051_128_779_806_6;

/// The tiles of zoom `z` that a lon/lat box touches: x and y ranges, both
/// ends included.
pub fn tile_ranges(
    z: u8,
    [west, south, east, north]: [f64; 4],
) -> (std::ops::RangeInclusive<u32>, std::ops::RangeInclusive<u32>) {
    let n = f64::from(1u32 << z);
    let last = (1u32 << z) - 1;
    let x = |lon: f64| (((lon + 180.0) / 360.0 * n).floor().max(0.0) as u32).min(last);
    let y = |lat: f64| {
        let lat = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
        let v = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
        (v.floor().max(0.0) as u32).min(last)
    };
    (x(west)..=x(east), y(north)..=y(south))
}

/// How many tiles zooms `0..=max_zoom` of a box hold.
pub fn count_tiles(max_zoom: u8, bbox: [f64; 4]) -> u64 {
    (0..=max_zoom)
        .map(|z| {
            let (xs, ys) = tile_ranges(z, bbox);
            u64::from(xs.end() - xs.start() + 1) * u64::from(ys.end() - ys.start() + 1)
        })
        .sum()
}

/// The tile ids of zooms `min_zoom..=max_zoom` touching a box, sorted.
pub fn wanted_ids(min_zoom: u8, max_zoom: u8, bbox: [f64; 4]) -> Result<Vec<u64>, String> {
    let mut ids = Vec::new();
    for z in min_zoom..=max_zoom {
        let (xs, ys) = tile_ranges(z, bbox);
        for x in xs {
            for y in ys.clone() {
                let coord = pmtiles::TileCoord::new(z, x, y).map_err(|e| e.to_string())?;
                ids.push(pmtiles::TileId::from(coord).value());
            }
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_a_directory_read_back() {
        // 3 entries: ids 0, 1, 5; runs 1, 2, 0 (leaf); lengths 10, 20, 30;
        // offsets 0 (+1 = 1), then "0" (follows the previous), then 99 (+1).
        let bytes = [3, 0, 1, 4, 1, 2, 0, 10, 20, 30, 1, 0, 100];
        let entries = parse_directory(&bytes).expect("a valid directory");
        assert_eq!(
            entries,
            vec![
                Entry { tile_id: 0, offset: 0, length: 10, run_length: 1 },
                Entry { tile_id: 1, offset: 10, length: 20, run_length: 2 },
                Entry { tile_id: 5, offset: 99, length: 30, run_length: 0 },
            ]
        );
        assert!(entries[2].is_leaf());
        assert!(parse_directory(&[200]).is_err(), "a number cut short");
        assert!(parse_directory(&[1, 0, 1, 0, 1]).is_err(), "a zero length");
        assert!(parse_directory(&[9, 0, 1, 1, 1]).is_err(), "more entries than bytes");
    }

    #[test]
    fn a_box_covers_the_tiles_it_touches() {
        let rome = [12.4, 41.8, 12.6, 41.95];
        assert_eq!(tile_ranges(0, rome), (0..=0, 0..=0));
        // At zoom 1 Rome is in the north-east quarter.
        assert_eq!(tile_ranges(1, rome), (1..=1, 0..=0));
        let world = [-180.0, -90.0, 180.0, 90.0];
        assert_eq!(tile_ranges(3, world), (0..=7, 0..=7));
        assert_eq!(count_tiles(2, world), 1 + 4 + 16);
    }
}
