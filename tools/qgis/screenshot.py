"""docs/screenshot-qgis.png: QGIS with witgis's OGC API - Features layers.

Run from the repository root against a running witgis (see docs/ogcapi.md):

    WITGIS_OGCAPI=http://127.0.0.1:8080/ogcapi \
    xvfb-run -a -s "-screen 0 1280x800x24" qgis --noversioncheck --nologo --code tools/qgis/screenshot.py

It adds the `areas` and `resources` collections as QGIS adds them from
Layer > Add Layer > Add WFS / OGC API - Features Layer (the `oapif`
provider), zooms to Rome, saves the main window as a PNG and quits.
"""

import os

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFillSymbol,
    QgsMarkerSymbol,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication
from qgis.utils import iface

BASE = os.environ.get("WITGIS_OGCAPI", "http://127.0.0.1:8080/ogcapi")
OUT = os.environ.get("WITGIS_SHOT", "docs/screenshot-qgis.png")

layers = []
for name, collection in [("Rome municipi (witgis areas)", "areas"), ("witgis resources", "resources")]:
    layer = QgsVectorLayer(f"url='{BASE}' typename='{collection}'", name, "oapif")
    print(name, "valid:", layer.isValid(), "features:", layer.featureCount())
    QgsProject.instance().addMapLayer(layer)
    layers.append(layer)

layers[0].renderer().setSymbol(
    QgsFillSymbol.createSimple({"color": "235,232,220,255", "outline_color": "90,90,110,255", "outline_width": "0.4"})
)
layers[1].renderer().setSymbol(
    QgsMarkerSymbol.createSimple(
        {"name": "circle", "color": "200,40,60,255", "outline_color": "255,255,255,255", "size": "2.6"}
    )
)
for layer in layers:
    layer.triggerRepaint()
    iface.layerTreeView().refreshLayerSymbology(layer.id())
iface.mainWindow().resize(1280, 800)


def zoom():
    """Rome, from Fiumicino's coast to the eastern ring."""
    canvas = iface.mapCanvas()
    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    to_map = QgsCoordinateTransform(wgs84, canvas.mapSettings().destinationCrs(), QgsProject.instance())
    canvas.setExtent(to_map.transformBoundingBox(QgsRectangle(12.23, 41.75, 12.75, 42.02)))
    canvas.refresh()


def grab():
    iface.mainWindow().grab().save(OUT)
    print("saved", OUT)
    QApplication.instance().quit()


# The layers load their pages in the background: wait, then grab.
QTimer.singleShot(8000, zoom)
QTimer.singleShot(30000, grab)
