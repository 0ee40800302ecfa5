//! `witgis basemap fetch`: a territory's street map cut from a remote
//! PMTiles archive (the Protomaps planet build by default) with HTTP range
//! requests, written as a local archive that `--basemap` serves.
//!
//! The remote directories are walked only where they hold tiles of the box
//! (zooms up to `max_zoom`); the tiles' bytes are fetched in few large
//! requests (neighbouring tiles merged, small gaps read through), appended
//! to `OUTPUT.part` as they arrive; `OUTPUT.part.json` names the source
//! version, box, zooms and plan, so a rerun of the same command resumes at
//! the byte where the last one stopped. The archive is then written with
//! the `pmtiles` crate, re-opened with the crate's reader and every tile
//! compared with the bytes fetched before it replaces `OUTPUT`.

pub mod archive;
pub mod remote;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use url::Url;

use archive::{Entry, Header};
use remote::{Remote, Version};

/// Where Protomaps publishes its daily planet builds (one file per day,
/// listed at <https://maps.protomaps.com/builds/>).
pub const PROTOMAPS_BUILDS: &str = "https://build.protomaps.com";

/// The highest zoom fetched unless `--maxzoom` says otherwise: 15, the
/// Protomaps build's own (street names and buildings); MapLibre over-zooms.
pub const DEFAULT_MAX_ZOOM: u8 = 15;

/// Most tiles one extract may plan (the planet to zoom 15 has 1.4 billion).
pub const MAX_TILES: u64 = 20_000_000;

/// How much of the remote file one request asks for at most.
pub const DEFAULT_MAX_REQUEST: u64 = 32 << 20;

/// Bytes between two wanted pieces read through rather than asked for
/// separately.
pub const GAP: u64 = 256 << 10;

/// The URL of the Protomaps planet build of one day (`YYYYMMDD`).
pub fn build_url(day: chrono::NaiveDate) -> Url {
    let text = format!("{PROTOMAPS_BUILDS}/{}.pmtiles", day.format("%Y%m%d"));
    Url::parse(&text).unwrap_or_else(|_| unreachable!("a fixed https URL with a date parses"))
}

/// What to fetch.
#[derive(Debug, Clone)]
pub struct Options {
    /// The remote archives to try, in order: the first that exists is read.
    pub urls: Vec<Url>,
    /// The territory: west, south, east, north in degrees.
    pub bbox: [f64; 4],
    /// The highest zoom wanted.
    pub max_zoom: u8,
    /// The archive to write.
    pub output: PathBuf,
    /// Most bytes one request asks for.
    pub max_request: u64,
    /// How many times a request is asked again after a passing failure.
    pub retries: u32,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The source read.
    pub source: String,
    /// Tiles written.
    pub tiles: u64,
    /// Bytes of tile data fetched in all (earlier runs included).
    pub bytes: u64,
    /// Of which this run fetched.
    pub fetched_now: u64,
    /// The zooms written.
    pub zooms: (u8, u8),
    /// The output's size.
    pub size: u64,
}

/// One request's worth of the data section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Chunk {
    start: u64,
    len: u64,
}

/// What a partial fetch was for: a rerun resumes it only if all agree.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Identity {
    source: String,
    version: Version,
    bbox: [f64; 4],
    max_zoom: u8,
    chunks: usize,
    bytes: u64,
    plan_sha256: String,
}

/// Sidecar paths of an output.
fn sidecar(output: &Path, suffix: &str) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Fetches the extract `options` describe, reporting progress to `say`.
pub async fn fetch(options: &Options, say: &dyn Fn(&str)) -> Result<Summary, String> {
    let [w, s, e, n] = options.bbox;
    if !(w < e && s < n) {
        return Err("the box must have west < east and south < north".into());
    }
    let (mut remote, head) = open_first(&options.urls, options.retries, say).await?;
    let source = remote.shown();
    let header = archive::parse_header(&head)
        .map_err(|why| format!("{source} is not a PMTiles v3 vector archive: {why}"))?;
    let metadata = if header.metadata_length == 0 {
        "{}".to_owned()
    } else {
        let raw = remote.read(header.metadata_offset, header.metadata_length).await?;
        let text = archive::decompress(header.internal_compression, &raw)?;
        String::from_utf8(text).map_err(|_| format!("the metadata of {source} is not UTF-8"))?
    };
    let max_zoom = options.max_zoom.min(header.max_zoom);
    let min_zoom = header.min_zoom.min(max_zoom);
    let planned = archive::count_tiles(max_zoom, options.bbox);
    if planned > MAX_TILES {
        return Err(format!(
            "the box holds {planned} tiles to zoom {max_zoom}, more than {MAX_TILES}: narrow the box or lower --maxzoom"
        ));
    }
    let wanted = archive::wanted_ids(min_zoom, max_zoom, options.bbox)?;
    say(&format!(
        "reading the directories of {source} for {} tile positions, zooms {min_zoom}-{max_zoom}",
        wanted.len()
    ));
    let tiles = walk(&mut remote, &header, &head, &wanted).await?;
    if tiles.is_empty() {
        return Err(format!(
            "{source} has no tiles in the box {w},{s},{e},{n}: is it the territory you meant?"
        ));
    }
    let chunks = plan(&tiles, options.max_request);
    let total: u64 = chunks.iter().map(|c| c.len).sum();
    let version = remote.version().cloned().ok_or("the source gave no version")?;
    let identity = Identity {
        source: source.clone(),
        version,
        bbox: options.bbox,
        max_zoom,
        chunks: chunks.len(),
        bytes: total,
        plan_sha256: plan_digest(&tiles, &chunks),
    };
    let part = sidecar(&options.output, ".part");
    let state = sidecar(&options.output, ".part.json");
    let io = |what: &str, path: &Path, e: std::io::Error| format!("cannot {what} {}: {e}", path.display());
    let resumed = resume_point(&part, &state, &identity, total, say)?;
    if resumed == 0 {
        let text = serde_json::to_string_pretty(&identity).map_err(|e| e.to_string())?;
        std::fs::write(&state, text).map_err(|e| io("write", &state, e))?;
    }
    let mut file =
        OpenOptions::new().create(true).append(true).open(&part).map_err(|e| io("open", &part, e))?;
    say(&format!(
        "{} tiles in {} requests, {} of tile data{}",
        tiles.len(),
        chunks.len(),
        size(total),
        if resumed > 0 { format!(", resuming after {}", size(resumed)) } else { String::new() }
    ));
    let mut progress =
        Progress { done: resumed, total, tiles: tiles.len(), last: Instant::now(), started: resumed };
    let mut base = 0u64;
    for chunk in &chunks {
        let end = base + chunk.len;
        if end > progress.done {
            let skip = progress.done - base;
            remote
                .read_into(
                    header.data_offset + chunk.start + skip,
                    chunk.len - skip,
                    |bytes| {
                        file.write_all(bytes).map_err(|e| io("write", &part, e))?;
                        progress.done += bytes.len() as u64;
                        progress.maybe_say(say, false);
                        Ok(())
                    },
                    say,
                )
                .await?;
            file.sync_data().map_err(|e| io("write", &part, e))?;
        }
        base = end;
    }
    progress.maybe_say(say, true);
    drop(file);
    let written = sidecar(&options.output, ".writing");
    write_archive(&written, &part, &header, &metadata, &tiles, &chunks, options.bbox, (min_zoom, max_zoom))?;
    check(&written, &part, &tiles, &chunks, header.tile_compression).await?;
    std::fs::rename(&written, &options.output).map_err(|e| io("move the archive to", &options.output, e))?;
    let _ = std::fs::remove_file(&part);
    let _ = std::fs::remove_file(&state);
    let size = std::fs::metadata(&options.output).map(|m| m.len()).unwrap_or(0);
    Ok(Summary {
        source,
        tiles: tiles.len() as u64,
        bytes: total,
        fetched_now: total - resumed,
        zooms: (min_zoom, max_zoom),
        size,
    })
}

/// Reads the first 16 KiB (header and root directory) of the first URL that
/// exists.
async fn open_first(urls: &[Url], retries: u32, say: &dyn Fn(&str)) -> Result<(Remote, Vec<u8>), String> {
    let mut last = String::from("no URL to read");
    for url in urls {
        let mut remote = Remote::new(url.clone(), retries);
        match remote.read(0, 16_384).await {
            Ok(head) => return Ok((remote, head)),
            Err(e) if urls.len() > 1 && e.contains("(404)") => {
                say(&format!("{} does not exist; trying the day before", remote.shown()));
                last = e;
            }
            Err(e) => return Err(e),
        }
    }
    Err(if urls.len() > 1 {
        format!(
            "{last}; no build of the last {} days was found: pick one listed at https://maps.protomaps.com/builds/ with --build YYYYMMDD, or give --url",
            urls.len()
        )
    } else {
        last
    })
}

/// A tile wanted: its id and where its bytes are in the data section.
#[derive(Debug, Clone, Copy)]
struct Tile {
    id: u64,
    offset: u64,
    length: u32,
}

/// Walks the directories down to the wanted tiles, reading only the leaf
/// directories that hold some.
async fn walk(
    remote: &mut Remote,
    header: &Header,
    head: &[u8],
    wanted: &[u64],
) -> Result<Vec<Tile>, String> {
    let root = {
        let (start, len) = (header.root_offset, header.root_length);
        let inside = start.checked_add(len).is_some_and(|end| end <= head.len() as u64);
        let raw = if inside {
            head[usize::try_from(start).unwrap_or(0)..usize::try_from(start + len).unwrap_or(0)].to_vec()
        } else {
            remote.read(start, len).await?
        };
        archive::parse_directory(&archive::decompress(header.internal_compression, &raw)?)?
    };
    let mut tiles = Vec::new();
    let mut level = vec![(root, u64::MAX)];
    for depth in 0..=archive::MAX_DEPTH {
        let mut leaves: Vec<(Entry, u64)> = Vec::new();
        for (entries, bound) in &level {
            for (i, e) in entries.iter().enumerate() {
                let end = if e.is_leaf() {
                    entries.get(i + 1).map_or(*bound, |next| next.tile_id)
                } else {
                    e.tile_id.saturating_add(u64::from(e.run_length))
                };
                let lo = wanted.partition_point(|&w| w < e.tile_id);
                let hi = wanted.partition_point(|&w| w < end);
                if lo == hi {
                    continue;
                }
                if e.is_leaf() {
                    leaves.push((*e, end));
                } else {
                    if e.offset.checked_add(u64::from(e.length)).is_none_or(|end| end > header.data_length) {
                        return Err("a directory entry points past the tile data".into());
                    }
                    tiles.extend(wanted[lo..hi].iter().map(|&id| Tile {
                        id,
                        offset: e.offset,
                        length: e.length,
                    }));
                }
            }
        }
        if leaves.is_empty() {
            tiles.sort_unstable_by_key(|t| t.id);
            tiles.dedup_by_key(|t| t.id);
            return Ok(tiles);
        }
        if depth == archive::MAX_DEPTH {
            break;
        }
        level = read_leaves(remote, header, leaves).await?;
    }
    Err(format!("the leaf directories nest deeper than {} levels", archive::MAX_DEPTH))
}

/// Reads leaf directories, neighbours in one request.
async fn read_leaves(
    remote: &mut Remote,
    header: &Header,
    mut leaves: Vec<(Entry, u64)>,
) -> Result<Vec<(Vec<Entry>, u64)>, String> {
    leaves.sort_unstable_by_key(|(e, _)| e.offset);
    let mut out = Vec::with_capacity(leaves.len());
    let mut i = 0;
    while i < leaves.len() {
        let start = leaves[i].0.offset;
        let mut end = start + u64::from(leaves[i].0.length);
        let mut j = i + 1;
        while j < leaves.len() {
            let e = leaves[j].0;
            let e_end = e.offset + u64::from(e.length);
            if e.offset > end + GAP || e_end.max(end) - start > DEFAULT_MAX_REQUEST {
                break;
            }
            end = end.max(e_end);
            j += 1;
        }
        if end > header.leaf_length {
            return Err("a directory entry points past the leaf directories".into());
        }
        let bytes = remote.read(header.leaf_offset + start, end - start).await?;
        for (e, bound) in &leaves[i..j] {
            let at = usize::try_from(e.offset - start).map_err(|e| e.to_string())?;
            let raw = bytes.get(at..at + e.length as usize).ok_or("a leaf directory was cut short")?;
            out.push((
                archive::parse_directory(&archive::decompress(header.internal_compression, raw)?)?,
                *bound,
            ));
        }
        i = j;
    }
    Ok(out)
}

/// Merges the tiles' bytes into requests of at most `max_request` bytes,
/// reading through gaps up to [`GAP`].
fn plan(tiles: &[Tile], max_request: u64) -> Vec<Chunk> {
    let mut blobs: Vec<(u64, u64)> =
        tiles.iter().map(|t| (t.offset, t.offset + u64::from(t.length))).collect();
    blobs.sort_unstable();
    blobs.dedup();
    let mut chunks: Vec<Chunk> = Vec::new();
    for (start, end) in blobs {
        match chunks.last_mut() {
            Some(c)
                if start <= c.start + c.len + GAP.min(max_request)
                    && end.max(c.start + c.len) - c.start <= max_request =>
            {
                c.len = end.max(c.start + c.len) - c.start;
            }
            _ => chunks.push(Chunk { start, len: end - start }),
        }
    }
    chunks
}

fn plan_digest(tiles: &[Tile], chunks: &[Chunk]) -> String {
    let mut h = Sha256::new();
    for t in tiles {
        h.update(t.id.to_le_bytes());
        h.update(t.offset.to_le_bytes());
        h.update(t.length.to_le_bytes());
    }
    for c in chunks {
        h.update(c.start.to_le_bytes());
        h.update(c.len.to_le_bytes());
    }
    hex::encode(h.finalize())
}

/// How many bytes of an earlier run of the same fetch can be kept (0 when
/// there is none, or it was for another source, box, zoom or plan).
fn resume_point(
    part: &Path,
    state: &Path,
    identity: &Identity,
    total: u64,
    say: &dyn Fn(&str),
) -> Result<u64, String> {
    let earlier = std::fs::read_to_string(state).ok().and_then(|t| serde_json::from_str::<Identity>(&t).ok());
    let have = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
    let io = |e: std::io::Error| format!("cannot prepare {}: {e}", part.display());
    match earlier {
        Some(earlier) if &earlier == identity && have <= total => Ok(have),
        Some(_) => {
            say("an earlier partial fetch was of another source version, box or zoom: starting over");
            File::create(part).map_err(io)?;
            Ok(0)
        }
        None => {
            File::create(part).map_err(io)?;
            Ok(0)
        }
    }
}

struct Progress {
    done: u64,
    total: u64,
    tiles: usize,
    last: Instant,
    started: u64,
}

impl Progress {
    fn maybe_say(&mut self, say: &dyn Fn(&str), last: bool) {
        if !last && self.last.elapsed() < Duration::from_secs(1) {
            return;
        }
        self.last = Instant::now();
        let share = if self.total == 0 { 1.0 } else { self.done as f64 / self.total as f64 };
        say(&format!(
            "fetched {} of {} ({:.0}%, about {} of {} tiles; {} this run)",
            size(self.done),
            size(self.total),
            share * 100.0,
            (share * self.tiles as f64).round() as u64,
            self.tiles,
            size(self.done - self.started)
        ));
    }
}

/// A byte count for people: B, KiB, MiB or GiB.
pub fn size(bytes: u64) -> String {
    let b = bytes as f64;
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", b / 1024.0),
        1_048_576..1_073_741_824 => format!("{:.1} MiB", b / 1_048_576.0),
        _ => format!("{:.2} GiB", b / 1_073_741_824.0),
    }
}

/// Where a tile's bytes are in the part file.
fn part_offset(chunks: &[Chunk], bases: &[u64], tile: &Tile) -> Option<u64> {
    let k = chunks.partition_point(|c| c.start <= tile.offset).checked_sub(1)?;
    let c = chunks[k];
    (tile.offset + u64::from(tile.length) <= c.start + c.len).then(|| bases[k] + tile.offset - c.start)
}

fn bases(chunks: &[Chunk]) -> Vec<u64> {
    chunks
        .iter()
        .scan(0u64, |at, c| {
            let here = *at;
            *at += c.len;
            Some(here)
        })
        .collect()
}

fn read_tile(part: &File, at: u64, len: u32) -> Result<Vec<u8>, String> {
    let mut buf = vec![0; len as usize];
    #[cfg(unix)]
    std::os::unix::fs::FileExt::read_exact_at(part, &mut buf, at)
        .map_err(|e| format!("cannot read the fetched tiles: {e}"))?;
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_read(part, &mut buf[done..], at + done as u64)
                .map_err(|e| format!("cannot read the fetched tiles: {e}"))?;
            if n == 0 {
                return Err("the fetched tiles were cut short".into());
            }
            done += n;
        }
    }
    Ok(buf)
}

fn compression(code: u8) -> pmtiles::Compression {
    match code {
        1 => pmtiles::Compression::None,
        2 => pmtiles::Compression::Gzip,
        3 => pmtiles::Compression::Brotli,
        4 => pmtiles::Compression::Zstd,
        _ => pmtiles::Compression::Unknown,
    }
}

/// Writes the extract with the `pmtiles` crate: the source's tiles as they
/// are (compressed as they were), its metadata, the box as bounds.
#[allow(clippy::too_many_arguments)]
fn write_archive(
    path: &Path,
    part: &Path,
    header: &Header,
    metadata: &str,
    tiles: &[Tile],
    chunks: &[Chunk],
    bbox: [f64; 4],
    (min_zoom, max_zoom): (u8, u8),
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
    let source = File::open(part).map_err(|e| format!("cannot read {}: {e}", part.display()))?;
    let bases = bases(chunks);
    let [sw, ss, se, sn] = header.bounds;
    let [w, s, e, n] = bbox;
    let (w, s, e, n) =
        if sw < se && ss < sn { (w.max(sw), s.max(ss), e.min(se), n.min(sn)) } else { (w, s, e, n) };
    let (w, s, e, n) = if w < e && s < n { (w, s, e, n) } else { (bbox[0], bbox[1], bbox[2], bbox[3]) };
    let file = File::create(path).map_err(|e| err(&e))?;
    let mut writer = pmtiles::PmTilesWriter::new(pmtiles::TileType::Mvt)
        .dedup_by_key::<u64>()
        .precompressed(compression(header.tile_compression))
        .min_zoom(min_zoom)
        .max_zoom(max_zoom)
        .bounds(w, s, e, n)
        .center((w + e) / 2.0, (s + n) / 2.0)
        .center_zoom(max_zoom.min(12).max(min_zoom))
        .metadata(metadata)
        .create(file)
        .map_err(|e| err(&e))?;
    for t in tiles {
        let at = part_offset(chunks, &bases, t).ok_or("a planned tile lies outside the fetched bytes")?;
        let bytes = read_tile(&source, at, t.length)?;
        let id = pmtiles::TileId::new(t.id).map_err(|e| err(&e))?;
        writer.add_tile(id.into(), &bytes, Some(t.offset)).map_err(|e| err(&e))?;
    }
    writer.finalize().map_err(|e| err(&e))
}

/// Re-opens the written archive with the `pmtiles` crate's reader and
/// compares every tile with the bytes fetched; checks the header as
/// `--basemap` does.
async fn check(
    path: &Path,
    part: &Path,
    tiles: &[Tile],
    chunks: &[Chunk],
    tile_compression: u8,
) -> Result<(), String> {
    let bad = |why: String| format!("the written archive {} is wrong: {why}", path.display());
    crate::basemap::Basemap::open(path).map_err(|e| bad(e.to_string()))?;
    let reader = pmtiles::AsyncPmTilesReader::new_with_path(path).await.map_err(|e| bad(e.to_string()))?;
    if reader.get_header().tile_compression != compression(tile_compression) {
        return Err(bad("its tile compression differs from the source's".into()));
    }
    let source = File::open(part).map_err(|e| format!("cannot read {}: {e}", part.display()))?;
    let bases = bases(chunks);
    for t in tiles {
        let at = part_offset(chunks, &bases, t).ok_or("a planned tile lies outside the fetched bytes")?;
        let want = read_tile(&source, at, t.length)?;
        let id = pmtiles::TileId::new(t.id).map_err(|e| bad(e.to_string()))?;
        let got = reader.get_tile(id).await.map_err(|e| bad(e.to_string()))?;
        if got.as_deref() != Some(&want[..]) {
            let c = pmtiles::TileCoord::from(id);
            return Err(bad(format!("tile {}/{}/{} differs from the source's", c.z(), c.x(), c.y())));
        }
    }
    let addressed = reader.get_header().n_addressed_tiles().map_or(0, |n| n.get());
    if addressed != tiles.len() as u64 {
        return Err(bad(format!("it addresses {addressed} tiles, not the {} fetched", tiles.len())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(id: u64, offset: u64, length: u32) -> Tile {
        Tile { id, offset, length }
    }

    #[test]
    fn neighbours_share_a_request_and_far_pieces_do_not() {
        let tiles = [tile(1, 0, 100), tile(2, 100, 50), tile(3, 0, 100), tile(4, 10_000_000, 10)];
        assert_eq!(
            plan(&tiles, 1 << 20),
            vec![Chunk { start: 0, len: 150 }, Chunk { start: 10_000_000, len: 10 }]
        );
        // A request never exceeds the limit.
        assert_eq!(plan(&tiles[..2], 120), vec![Chunk { start: 0, len: 100 }, Chunk { start: 100, len: 50 }]);
        let chunks = plan(&tiles, 1 << 20);
        let b = bases(&chunks);
        assert_eq!(part_offset(&chunks, &b, &tiles[1]), Some(100));
        assert_eq!(part_offset(&chunks, &b, &tiles[3]), Some(150));
    }
}
