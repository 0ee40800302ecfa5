//! `witgis basemap fetch` against a local range server holding an archive
//! built here: the extract holds exactly the source's tiles in the box
//! (chosen here from the tiles' own edges, not the command's arithmetic),
//! byte for byte as the `pmtiles` crate reads them from the source; `serve
//! --basemap` accepts it; a connection dropped mid-way is resumed by a rerun
//! that fetches only what is missing, with the same result.

#![allow(clippy::unwrap_used)]

use crate::common;
use std::collections::BTreeMap;
use std::f64::consts::PI;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use pmtiles::{AsyncPmTilesReader, PmTilesWriter, TileCoord, TileId, TileType};

/// The source's extent, around Rome, lon/lat (west, south, east, north).
const SOURCE: [f64; 4] = [11.5, 41.0, 13.5, 42.6];
/// Its zooms.
const SOURCE_MAX_ZOOM: u8 = 14;

/// A tile's edges from its own coordinates: west, south, east, north.
fn tile_edges(z: u8, x: u32, y: u32) -> [f64; 4] {
    let n = f64::from(1u32 << z);
    let lon = |x: f64| x / n * 360.0 - 180.0;
    let lat = |y: f64| (PI * (1.0 - 2.0 * y / n)).sinh().atan().to_degrees();
    [lon(f64::from(x)), lat(f64::from(y + 1)), lon(f64::from(x + 1)), lat(f64::from(y))]
}

/// Whether two boxes share a point.
fn touch(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// Every tile of zooms 0..=SOURCE_MAX_ZOOM touching SOURCE, found by
/// scanning the tiles near it.
fn source_tiles() -> Vec<(u8, u32, u32)> {
    let mut out = Vec::new();
    for z in 0..=SOURCE_MAX_ZOOM {
        let n = 1u32 << z;
        let x0 = (((SOURCE[0] + 180.0) / 360.0 * f64::from(n)) as u32).saturating_sub(1);
        let x1 = ((((SOURCE[2] + 180.0) / 360.0) * f64::from(n)) as u32 + 1).min(n - 1);
        for x in x0..=x1 {
            for y in 0..n {
                if touch(tile_edges(z, x, y), SOURCE) {
                    out.push((z, x, y));
                }
            }
        }
    }
    out
}

/// Writes the source archive: most tiles with their own bytes, every
/// seventh with the same "sea" bytes (stored once, as a real planet's
/// oceans are). Returns the tiles.
fn write_source(path: &Path) -> Vec<(u8, u32, u32)> {
    let tiles = source_tiles();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .min_zoom(0)
        .max_zoom(SOURCE_MAX_ZOOM)
        .bounds(SOURCE[0], SOURCE[1], SOURCE[2], SOURCE[3])
        .metadata(
            r#"{"name":"witgis fetch test","attribution":"made up for witgis's tests","vector_layers":[]}"#,
        )
        .create(file)
        .unwrap();
    let mut sorted: Vec<_> =
        tiles.iter().map(|&(z, x, y)| (TileId::from(TileCoord::new(z, x, y).unwrap()), (z, x, y))).collect();
    sorted.sort();
    for (_, (z, x, y)) in sorted {
        let body = if (x + y) % 7 == 0 { b"sea sea sea sea".repeat(20) } else { noise(z, x, y) };
        writer.add_tile(TileCoord::new(z, x, y).unwrap(), &body).unwrap();
    }
    writer.finalize().unwrap();
    tiles
}

/// A tile's own bytes: its name, then 200 to 1200 bytes that do not
/// compress (xorshift from its coordinates), so that tile data dominates
/// what an extract fetches.
fn noise(z: u8, x: u32, y: u32) -> Vec<u8> {
    let mut state = (u64::from(z) << 48 | u64::from(x) << 24 | u64::from(y)) ^ 0x9e37_79b9_7f4a_7c15;
    let mut out = format!("tile {z}/{x}/{y}").into_bytes();
    let len = 200 + (x as usize * 31 + y as usize * 17) % 1000;
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out
}

/// A range server for one file: `bytes=A-B` answered `206` with an ETag;
/// once armed, it drops the connection after sending `drop_after` more
/// body bytes, then serves normally again.
struct RangeServer {
    port: u16,
    served: Arc<AtomicU64>,
    drop_after: Arc<Mutex<Option<u64>>>,
    stop: Arc<AtomicBool>,
}

impl RangeServer {
    fn start(file: PathBuf) -> RangeServer {
        let file = Arc::new(std::fs::read(file).unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = Arc::new(AtomicU64::new(0));
        let drop_after = Arc::new(Mutex::new(None));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, d, st) = (served.clone(), drop_after.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (file, s, d) = (file.clone(), s.clone(), d.clone());
                std::thread::spawn(move || serve(conn, &file, &s, &d));
            }
        });
        RangeServer { port, served, drop_after, stop }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/planet.pmtiles", self.port)
    }
}

impl Drop for RangeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(mut conn: TcpStream, bytes: &[u8], served: &AtomicU64, drop_after: &Mutex<Option<u64>>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    loop {
        let mut range = None;
        let mut first = String::new();
        if reader.read_line(&mut first).unwrap_or(0) == 0 {
            return;
        }
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("range") {
                    range = Some(value.trim().to_owned());
                }
            }
        }
        let len = bytes.len() as u64;
        let Some((a, b)) = range
            .as_deref()
            .and_then(|r| r.strip_prefix("bytes="))
            .and_then(|r| r.split_once('-'))
            .and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)))
        else {
            let _ = write!(conn, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            return;
        };
        if a >= len {
            let _ = write!(
                conn,
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{len}\r\nContent-Length: 0\r\n\r\n"
            );
            continue;
        }
        let b = b.min(len - 1);
        let body = &bytes[a as usize..=b as usize];
        let head = format!(
            "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {a}-{b}/{len}\r\nContent-Length: {}\r\nETag: \"v1\"\r\nAccept-Ranges: bytes\r\n\r\n",
            body.len()
        );
        if conn.write_all(head.as_bytes()).is_err() {
            return;
        }
        let cut = {
            let mut d = drop_after.lock().unwrap();
            match *d {
                Some(n) if n < body.len() as u64 => {
                    *d = None;
                    Some(n as usize)
                }
                Some(n) => {
                    *d = Some(n - body.len() as u64);
                    None
                }
                None => None,
            }
        };
        let send = cut.map_or(body, |n| &body[..n]);
        if conn.write_all(send).is_err() {
            return;
        }
        served.fetch_add(send.len() as u64, Ordering::Relaxed);
        if cut.is_some() {
            let _ = conn.flush();
            let _ = conn.shutdown(std::net::Shutdown::Both);
            return;
        }
    }
}

fn fetch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_witgis")).args(["basemap", "fetch"]).args(args).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The source's tiles touching `bbox` up to `max_zoom`, with their bytes as
/// the crate's reader gives them.
async fn expected(
    source: &Path,
    tiles: &[(u8, u32, u32)],
    bbox: [f64; 4],
    max_zoom: u8,
) -> BTreeMap<(u8, u32, u32), Vec<u8>> {
    let reader = AsyncPmTilesReader::new_with_path(source).await.unwrap();
    let mut out = BTreeMap::new();
    for &(z, x, y) in tiles {
        if z <= max_zoom && touch(tile_edges(z, x, y), bbox) {
            let bytes = reader.get_tile(TileCoord::new(z, x, y).unwrap()).await.unwrap().unwrap();
            out.insert((z, x, y), bytes.to_vec());
        }
    }
    out
}

/// Checks that `out` holds exactly `want`: each tile's bytes, and no other
/// tile (the count of addressed tiles, and every source tile outside).
async fn assert_extract(out: &Path, want: &BTreeMap<(u8, u32, u32), Vec<u8>>, all: &[(u8, u32, u32)]) {
    let reader = AsyncPmTilesReader::new_with_path(out).await.unwrap();
    for (&(z, x, y), bytes) in want {
        let got = reader.get_tile(TileCoord::new(z, x, y).unwrap()).await.unwrap();
        assert_eq!(got.as_deref(), Some(&bytes[..]), "tile {z}/{x}/{y}");
    }
    for &(z, x, y) in all {
        if !want.contains_key(&(z, x, y)) {
            let got = reader.get_tile(TileCoord::new(z, x, y).unwrap()).await.unwrap();
            assert!(got.is_none(), "tile {z}/{x}/{y} lies outside the box but was written");
        }
    }
    assert_eq!(reader.get_header().n_addressed_tiles().map_or(0, |n| n.get()), want.len() as u64);
    let meta = reader.get_metadata().await.unwrap();
    assert!(meta.contains("witgis fetch test"), "the source's metadata is copied: {meta}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_extract_holds_exactly_the_sources_tiles_in_the_box_and_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("planet.pmtiles");
    let all = write_source(&source);
    let head = std::fs::read(&source).unwrap();
    let leaf_length = u64::from_le_bytes(head[48..56].try_into().unwrap());
    assert!(leaf_length > 0, "the source has leaf directories, so the walk reads some");
    let server = RangeServer::start(source.clone());
    // A box of part of Rome: zoom 14 tiles on its edges are in, their
    // neighbours out.
    let bbox = [12.41, 41.84, 12.55, 41.95];
    let out = dir.path().join("rome.pmtiles");
    let result = fetch(&[
        "--url",
        &server.url(),
        "--bbox",
        "12.41,41.84,12.55,41.95",
        "--maxzoom",
        "13",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    let log = stderr(&result);
    assert!(log.contains("fetched") && log.contains("tiles"), "progress on stderr: {log}");
    let want = expected(&source, &all, bbox, 13).await;
    assert!(want.keys().any(|&(z, ..)| z == 13) && want.len() > 20, "the box holds tiles at zoom 13");
    assert_extract(&out, &want, &all).await;
    assert!(!dir.path().join("rome.pmtiles.part").exists(), "the partial file is removed once done");

    // The whole source's zooms by default (14 here, below the default 15).
    let full = dir.path().join("rome-full.pmtiles");
    let result = fetch(&[
        "--url",
        &server.url(),
        "--bbox",
        "12.41,41.84,12.55,41.95",
        "--output",
        full.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    let want = expected(&source, &all, bbox, SOURCE_MAX_ZOOM).await;
    assert_extract(&full, &want, &all).await;

    // `serve --basemap` accepts it and serves it with ranges.
    let db = dir.path().join("serve.db");
    let log = dir.path().join("serve.log");
    let witgis = common::http::Server::start_with(
        &format!("sqlite://{}", db.display()),
        &log,
        "info",
        &["--basemap", full.to_str().unwrap(), "--seed-areas", "false"],
    );
    let reply = witgis.call("GET", "/basemap/basemap.pmtiles", &[("Range", "bytes=0-6")], "");
    assert_eq!(reply.status, 206);
    assert_eq!(reply.body, "PMTiles");
    let size = std::fs::metadata(&full).unwrap().len();
    assert_eq!(reply.header("content-range"), Some(format!("bytes 0-6/{size}").as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_connection_is_resumed_by_a_rerun_that_fetches_only_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("planet.pmtiles");
    let all = write_source(&source);
    let server = RangeServer::start(source.clone());
    let bbox = "12.30,41.80,12.70,42.00";
    let out = dir.path().join("rome.pmtiles");
    let args = [
        "--url",
        &server.url(),
        "--bbox",
        bbox,
        "--output",
        out.to_str().unwrap(),
        "--max-request-bytes",
        "20000",
    ];

    // An undisturbed run of the same extract, for the bytes it needs.
    let clean = dir.path().join("clean.pmtiles");
    let mut clean_args = args;
    clean_args[5] = clean.to_str().unwrap();
    let before = server.served.load(Ordering::Relaxed);
    let result = fetch(&clean_args);
    assert!(result.status.success(), "{}", stderr(&result));
    let whole_run = server.served.load(Ordering::Relaxed) - before;

    // The connection drops once, well into the tile data, and the run is
    // told not to ask again.
    *server.drop_after.lock().unwrap() = Some(whole_run / 2);
    let mut once = args.to_vec();
    once.extend(["--retries", "0"]);
    let first = fetch(&once);
    assert!(!first.status.success(), "the first run fails when its connection drops");
    assert!(stderr(&first).contains("run the command again to resume"), "{}", stderr(&first));
    assert!(!out.exists(), "no archive is written from a partial fetch");
    let kept = std::fs::metadata(dir.path().join("rome.pmtiles.part")).unwrap().len();
    assert!(kept > 0, "the bytes fetched before the drop are kept");

    let before = server.served.load(Ordering::Relaxed);
    let second = fetch(&args);
    assert!(second.status.success(), "{}", stderr(&second));
    let rerun = server.served.load(Ordering::Relaxed) - before;
    assert!(stderr(&second).contains("resuming"), "{}", stderr(&second));
    // The rerun reads the header and directories again, and of the tile
    // data only what the first run did not keep.
    assert_eq!(
        rerun + kept,
        whole_run,
        "the rerun fetched {rerun} bytes with {kept} kept, a whole run {whole_run}"
    );

    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(&clean).unwrap(),
        "the resumed extract equals an undisturbed one"
    );
    let want = expected(&source, &all, witgis::config::parse_bbox(bbox).unwrap(), SOURCE_MAX_ZOOM).await;
    assert_extract(&out, &want, &all).await;

    // By default a dropped connection is asked again from the byte reached,
    // within the same run.
    let retried = dir.path().join("retried.pmtiles");
    let mut retry_args = args;
    retry_args[5] = retried.to_str().unwrap();
    *server.drop_after.lock().unwrap() = Some(whole_run / 3);
    let before = server.served.load(Ordering::Relaxed);
    let one = fetch(&retry_args);
    assert!(one.status.success(), "{}", stderr(&one));
    assert!(stderr(&one).contains("asking again"), "{}", stderr(&one));
    assert_eq!(server.served.load(Ordering::Relaxed) - before, whole_run, "nothing fetched twice");
    assert_eq!(std::fs::read(&retried).unwrap(), std::fs::read(&clean).unwrap());
}

#[test]
fn bad_territories_and_sources_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.pmtiles");
    let o = out.to_str().unwrap();
    let db = format!("sqlite://{}", dir.path().join("none.db").display());
    let unknown = fetch(&[
        "--area",
        "Atlantis",
        "--url",
        "http://127.0.0.1:9/x.pmtiles",
        "--output",
        o,
        "--database-url",
        &db,
    ]);
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("'Atlantis' is not a loaded area"), "{}", stderr(&unknown));
    assert!(!dir.path().join("none.db").exists(), "an --area lookup creates no store");
    let reversed =
        fetch(&["--bbox", "12.9,41.8,12.4,42.0", "--url", "http://127.0.0.1:9/x.pmtiles", "--output", o]);
    assert!(!reversed.status.success());
    assert!(stderr(&reversed).contains("west < east"), "{}", stderr(&reversed));
    let neither = fetch(&["--output", o]);
    assert!(!neither.status.success());

    // A server that ignores ranges is named as such.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut line = String::new();
            let mut r = BufReader::new(conn.try_clone().unwrap());
            while r.read_line(&mut line).unwrap_or(0) > 2 {
                line.clear();
            }
            let _ = write!(conn, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n");
            let _ = conn.write_all(&[0u8; 100_000]);
        }
    });
    let url = format!("http://127.0.0.1:{port}/x.pmtiles");
    let plain = fetch(&["--bbox", "12.4,41.8,12.6,42.0", "--url", &url, "--output", o]);
    assert!(!plain.status.success());
    assert!(stderr(&plain).contains("does not serve byte ranges"), "{}", stderr(&plain));
    assert!(!out.exists());
}

#[test]
fn an_area_by_name_is_a_shipped_municipio_or_a_city() {
    // Resolved before any request: the URL answers nothing, so the run
    // fails after saying which box it chose.
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().join("x.pmtiles");
    let db = format!("sqlite://{}", dir.path().join("none.db").display());
    let run = |area: &str| {
        fetch(&[
            "--retries",
            "0",
            "--area",
            area,
            "--url",
            "http://127.0.0.1:9/x.pmtiles",
            "--output",
            o.to_str().unwrap(),
            "--database-url",
            &db,
        ])
    };
    let municipio = stderr(&run("Municipio II"));
    assert!(municipio.contains("(it-rm-municipio-02)"), "{municipio}");
    let city = stderr(&run("Vilnius"));
    assert!(city.contains("the city Vilnius"), "{city}");
    // Vilnius lies near 25.28 E, 54.69 N: the box holds it.
    let bbox = city.lines().find_map(|l| l.split_once(", box ").map(|(_, b)| b.trim().to_owned())).unwrap();
    let b = witgis::config::parse_bbox(&bbox).unwrap();
    assert!(b[0] < 25.28 && 25.28 < b[2] && b[1] < 54.69 && 54.69 < b[3], "{bbox}");
}
