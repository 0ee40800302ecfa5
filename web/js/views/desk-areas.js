// @ts-check
// The help-desk view's areas on the map: every loaded outline (from
// /api/areas, loaded when first shown), and the answer's areas highlighted.

import { desk, dk } from "./desk-context.js";

/** @typedef {import("../types.js").AnyFeature} AnyFeature */
/** @typedef {import("../types.js").FeatureCollection} FeatureCollection */

let areasLoaded = false;

/** Shows the outlines in the desk view (when chosen), hides them elsewhere. */
export async function showAreas() {
  const map = dk.getMap();
  if (!map || !dk.isMapReady()) return;
  const on = dk.state.mode === "desk" && desk.areasShown;
  if (on && !areasLoaded) {
    areasLoaded = true;
    try {
      const fc = /** @type {FeatureCollection} */ (await dk.getJson("areas", "/api/areas"));
      const features = fc.features.map((/** @type {AnyFeature} */ f) => ({ ...f, properties: { aid: f.id ?? f.properties.id, name: f.properties.name } }));
      map.addSource("desk-areas", { type: "geojson", data: { type: "FeatureCollection", features } });
      const before = map.getLayer("clusters") ? "clusters" : undefined;
      map.addLayer({ id: "desk-area-fill", type: "fill", source: "desk-areas", filter: ["==", ["get", "aid"], ""], paint: { "fill-color": "#e69f00", "fill-opacity": 0.18 } }, before);
      map.addLayer({ id: "desk-area-line", type: "line", source: "desk-areas", paint: { "line-color": "#5a4a7a", "line-width": 1.2 } }, before);
      map.addLayer({ id: "desk-area-hl", type: "line", source: "desk-areas", filter: ["==", ["get", "aid"], ""], paint: { "line-color": "#1b1b1b", "line-width": 3 } }, before);
    } catch {
      areasLoaded = false;
      return;
    }
  }
  for (const id of ["desk-area-fill", "desk-area-line", "desk-area-hl"]) {
    if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
  }
  highlightArea();
}

/** Highlights the areas of the answer (none without one). */
export function highlightArea() {
  const map = dk.getMap();
  if (!map || !map.getLayer("desk-area-hl")) return;
  const ids = (desk.answer?.areas ?? []).map((a) => a.id);
  const filter = ["in", ["get", "aid"], ["literal", ids]];
  map.setFilter("desk-area-hl", filter);
  map.setFilter("desk-area-fill", filter);
}
