"""witgis's resource tiles read by GDAL's MVT driver: what GDAL decodes from
a tile counts exactly the records that witgis's own GeoJSON API lists in the
tile's bounds, and the points GDAL places are the records' points.

The oracle is /api/resources?bbox=... (a path that shares no tile code) and
the textbook Web Mercator formulas below.
"""

import json
import math
import urllib.request

import pytest

from conftest import get_json, run

PRECISION_AT_Z = {z: 360.0 / (2**z * 4096) for z in range(17)}  # a tile unit, in degrees of longitude


def tile_bounds(z, x, y):
    n = 2**z
    lon = lambda v: v / n * 360.0 - 180.0  # noqa: E731
    lat = lambda v: math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * v / n))))  # noqa: E731
    return lon(x), lat(y + 1), lon(x + 1), lat(y)


def tile_of(lon, lat, z):
    n = 2**z
    x = min(n - 1, int((lon + 180.0) / 360.0 * n))
    r = math.radians(lat)
    y = min(n - 1, int((1.0 - math.log(math.tan(r) + 1.0 / math.cos(r)) / math.pi) / 2.0 * n))
    return x, y


def decode(base, tmp, z, x, y, query=""):
    """The tile as GDAL reads it: GeoJSON features in degrees."""
    path = tmp / "tiles" / str(z) / str(x) / f"{y}.mvt"
    path.parent.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(f"{base}/tiles/resources/{z}/{x}/{y}.mvt{query}", timeout=60) as r:
        assert r.headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
        path.write_bytes(r.read())
    out = json.loads(run("ogr2ogr", "-f", "GeoJSON", "-t_srs", "EPSG:4326", "/vsistdout/", str(path), "resources"))
    return out["features"]


def in_tile(export, z, x, y, keep=lambda f: True):
    return [
        f for f in export.values() if f["geometry"] and keep(f) and tile_of(*f["geometry"]["coordinates"], z) == (x, y)
    ]


@pytest.mark.parametrize("z", [4, 7, 11, 14])
def test_gdal_reads_every_record_of_the_tiles_over_rome(server, export, z):
    base, tmp = server
    x, y = tile_of(12.4964, 41.9028, z)
    features = decode(base, tmp, z, x, y)
    west, south, east, north = tile_bounds(z, x, y)
    listed = get_json(f"{base}/api/resources?bbox={west},{south},{east},{north}&limit=10000")
    want = in_tile(export, z, x, y)
    assert len(want) > 1
    # The bbox listing includes the tile's edges, which the tile gives to its neighbours.
    assert len(want) <= listed["numberMatched"]
    counted = sum(f["properties"].get("records") or f["properties"]["count"] for f in features)
    assert counted == len(want), f"{z}/{x}/{y}: GDAL reads {counted} records, the API has {len(want)}"
    by_id = {f["id"]: f for f in want}
    for f in features:
        p = f["properties"]
        lon, lat = f["geometry"]["coordinates"]
        assert west - 1e-9 <= lon <= east + 1e-9 and south - 1e-9 <= lat <= north + 1e-9
        if p.get("cluster"):
            assert p["point_count"] >= 2 and p["records"] >= p["point_count"]
            inside = [
                r for r in want
                if p["west"] <= r["geometry"]["coordinates"][0] <= p["east"]
                and p["south"] <= r["geometry"]["coordinates"][1] <= p["north"]
            ]
            assert len(inside) >= p["records"]
        elif p["count"] == 1:
            record = by_id[p["id"]]
            assert p["category"] == record["properties"]["category"]
            rlon, rlat = record["geometry"]["coordinates"]
            # Placed within a tile unit (1/4096 of the tile).
            assert abs(lon - rlon) <= 2 * PRECISION_AT_Z[z] and abs(lat - rlat) <= 2 * PRECISION_AT_Z[z]
        else:
            slon, slat = map(float, p["stack"].split(","))
            sharing = [r for r in want if r["geometry"]["coordinates"] == [slon, slat]]
            assert len(sharing) == p["count"]


def test_a_filtered_tile_counts_only_what_passes(server, export):
    base, tmp = server
    z = 5
    x, y = tile_of(12.4964, 41.9028, z)
    keep = lambda f: f["properties"]["category"] == "mental_health_centre"  # noqa: E731
    features = decode(base, tmp, z, x, y, "?category=mental_health_centre")
    counted = sum(f["properties"].get("records") or f["properties"]["count"] for f in features)
    want = in_tile(export, z, x, y, keep)
    assert counted == len(want) > 0
    assert counted < len(in_tile(export, z, x, y))
