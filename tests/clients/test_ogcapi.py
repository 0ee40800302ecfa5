"""witgis read by the clients GIS people use: GDAL's OAPIF driver (ogrinfo,
ogr2ogr) and OWSLib, against the real binary over a fresh seeded store.

The oracle is witgis's own GeoJSON API (/api/resources), which shares none of
the /ogcapi code, and GDAL's and OWSLib's own parsing.
"""

import json
import os
import subprocess
import urllib.request

import pytest
from openapi_spec_validator import validate
from owslib.ogcapi.features import Features

from conftest import get_json, run


def test_ogrinfo_lists_the_layer_with_every_field_and_the_count(server, export):
    base, _ = server
    info = run("ogrinfo", "-ro", "-so", f"OAPIF:{base}/ogcapi", "resources")
    assert f"Feature Count: {len(export)}" in info
    assert "Geometry: Point" in info
    fields = {line.split(":")[0].strip() for line in info.splitlines() if ": " in line and "(" in line}
    some = next(iter(export.values()))
    for name in some["properties"]:
        assert name in fields, f"field {name} missing from {sorted(fields)}"


def test_ogr2ogr_follows_next_links_and_the_copy_equals_the_export(server, export):
    base, tmp = server
    gpkg = tmp / "copy.gpkg"
    page = 50
    assert page < len(export), "the copy must take several pages"
    run("ogr2ogr", "-f", "GPKG", str(gpkg), f"OAPIF:{base}/ogcapi", "resources", "-oo", f"PAGE_SIZE={page}")
    copy = json.loads(run("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(gpkg), "resources"))
    got = {f["properties"]["id"]: f for f in copy["features"]}
    assert len(copy["features"]) == len(export), "no record lost or repeated"
    assert set(got) == set(export)
    for id_, want in export.items():
        have = got[id_]
        for key in ("name", "category", "country", "city", "address", "phone", "coord_precision"):
            assert have["properties"].get(key) == want["properties"].get(key), (id_, key)
        if want["geometry"] is None:
            assert have["geometry"] is None, id_
        else:
            assert have["geometry"]["coordinates"] == pytest.approx(want["geometry"]["coordinates"], abs=1e-9)


def test_a_bbox_and_an_attribute_filter_pass_through(server, export):
    base, _ = server
    w, s, e, n = 12.3, 41.8, 12.7, 42.0
    want = sorted(
        i
        for i, f in export.items()
        if f["geometry"]
        and w <= f["geometry"]["coordinates"][0] <= e
        and s <= f["geometry"]["coordinates"][1] <= n
        and f["properties"]["category"] == "mental_health_centre"
    )
    assert len(want) > 5
    out = json.loads(
        run(
            "ogr2ogr", "-f", "GeoJSON", "/vsistdout/", f"OAPIF:{base}/ogcapi", "resources",
            "-spat", str(w), str(s), str(e), str(n),
            "-where", "category = 'mental_health_centre'",
            "-oo", "PAGE_SIZE=7",
        )
    )
    assert sorted(f["properties"]["id"] for f in out["features"]) == want


def test_owslib_reads_landing_conformance_collections_and_items(server, export):
    base, _ = server
    api = Features(f"{base}/ogcapi")
    assert api.links and any(link["rel"] == "data" for link in api.links)
    conformance = api.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance
    assert [c["id"] for c in api.collections()["collections"]] == ["resources", "areas", "regions"]
    coll = api.collection("resources")
    assert coll["itemType"] == "feature"

    items = api.collection_items("resources", bbox=[12.3, 41.8, 12.7, 42.0], limit=5)
    assert items["numberReturned"] == 5 and len(items["features"]) == 5
    for f in items["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert 12.3 <= lon <= 12.7 and 41.8 <= lat <= 42.0
        assert export[f["id"]]["properties"]["name"] == f["properties"]["name"]
    assert any(link["rel"] == "next" for link in items["links"])

    one_id = sorted(export)[0]
    one = api.collection_item("resources", one_id)
    assert one["id"] == one_id and one["properties"] == export[one_id]["properties"]


def gdal_debug(*args):
    """Runs a GDAL tool with CPL_DEBUG=ON: its stdout, and its stderr (the
    debug lines name every URL fetched and where a filter is evaluated)."""
    env = {**os.environ, "CPL_DEBUG": "ON"}
    out = subprocess.run(args, capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout, out.stderr


@pytest.mark.parametrize(
    "where, param",
    [
        ("category = 'mental_health_centre'", "category=mental_health_centre"),
        ("country = 'BG'", "country=BG"),
    ],
)
def test_gdal_filters_an_attribute_and_a_bbox_on_the_server(server, where, param):
    base, _ = server
    w, s, e, n = 12.3, 41.8, 12.7, 42.0
    if param.startswith("country"):
        w, s, e, n = 22.0, 41.0, 29.0, 44.5
    stdout, stderr = gdal_debug(
        "ogr2ogr", "-f", "GeoJSON", "/vsistdout/", f"OAPIF:{base}/ogcapi", "resources",
        "-spat", str(w), str(s), str(e), str(n), "-where", where, "-oo", "PAGE_SIZE=7",
    )
    assert "Unexpected Content-Type" not in stderr, stderr
    assert "client side" not in stderr, "GDAL evaluated the filter itself:\n" + stderr
    fetched = [line for line in stderr.splitlines() if "HTTP: Fetch(" in line and "/items?" in line]
    assert fetched and all(param in url and "bbox=" in url for url in fetched[1:]), fetched
    # The oracle: witgis's own GeoJSON API, which shares no code with /ogcapi.
    name, value = param.split("=")
    api = get_json(f"{base}/api/resources?{name}={value}&bbox={w},{s},{e},{n}&limit=10000")
    got = sorted(f["properties"]["id"] for f in json.loads(stdout)["features"])
    assert got == sorted(f["id"] for f in api["features"])
    assert len(got) > 3


def fetch(url, accept=None):
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.headers["Content-Type"], json.load(r)


GDAL_ACCEPT = "application/vnd.oai.openapi+json;version=3.0, application/openapi+json;version=3.0, application/json"


@pytest.mark.parametrize(
    "path, accept, version, media_type",
    [
        ("/ogcapi/api", None, "3.1", "application/vnd.oai.openapi+json;version=3.1"),
        ("/ogcapi/api", GDAL_ACCEPT, "3.0", "application/vnd.oai.openapi+json;version=3.0"),
        ("/ogcapi/api?version=3.0", None, "3.0", "application/vnd.oai.openapi+json;version=3.0"),
        ("/api/openapi.json", None, "3.1", "application/json"),
        ("/api/openapi.json?version=3.0", None, "3.0", "application/json"),
    ],
)
def test_the_openapi_documents_are_valid_against_the_official_schemas(server, path, accept, version, media_type):
    base, _ = server
    content_type, doc = fetch(base + path, accept)
    assert content_type == media_type
    assert doc["openapi"].startswith(version)
    validate(doc)  # openapi-spec-validator: the OpenAPI Initiative's JSON Schemas


def test_each_collection_lists_its_queryables_as_parameters_of_its_own_items_path(server):
    """Where QGIS and GDAL look for filters they may send to the server."""
    base, _ = server
    landing = get_json(base + "/ogcapi")
    descs = {link["type"]: link["href"] for link in landing["links"] if link["rel"] == "service-desc"}
    _, doc = fetch(descs["application/vnd.oai.openapi+json;version=3.0"])
    assert doc["openapi"].startswith("3.0")
    for collection in ("resources", "areas", "regions"):
        queryables = get_json(f"{base}/ogcapi/collections/{collection}/queryables")["properties"]
        op = doc["paths"][f"/collections/{collection}/items"]["get"]
        params = {p["name"]: p for p in op["parameters"] if p["in"] == "query"}
        for name, schema in queryables.items():
            if schema.get("x-ogc-role") == "primary-geometry":
                continue  # filtered with s_intersects in CQL2, not a query parameter
            assert name in params, (collection, name)
            assert params[name].get("style") == "form" and params[name].get("explode") is False
        assert {"limit", "bbox"} <= set(params)
