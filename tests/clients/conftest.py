"""What the standard-client tests share: the real witgis binary serving a
fresh seeded store on a free port, its export through its own GeoJSON API,
and helpers to read URLs and run GDAL's tools."""


import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("WITGIS_BIN", str(ROOT / "target" / "debug" / "witgis"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


@pytest.fixture(scope="session")
def server():
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        log = open(Path(tmp) / "server.log", "w")
        proc = subprocess.Popen(
            [BIN, "serve", "--addr", f"127.0.0.1:{port}", "--database-url", f"sqlite://{tmp}/witgis.db"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):  # waits for start-up; asserts no speed
            try:
                urllib.request.urlopen(base + "/readyz", timeout=5)
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError((Path(tmp) / "server.log").read_text())
                time.sleep(0.1)
        try:
            yield base, Path(tmp)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()


@pytest.fixture(scope="session")
def export(server):
    """Every record as witgis's own GeoJSON API serves it, by id."""
    base, _ = server
    fc = get_json(base + "/api/resources?limit=10000")
    assert fc["numberMatched"] == len(fc["features"])
    return {f["id"]: f for f in fc["features"]}


def run(*args):
    out = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout


