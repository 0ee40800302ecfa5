// @ts-check
// Without a street map (no `--basemap` archive and no `--basemap-style`), the
// offline basemap is only country outlines: at street zoom the map would be
// an empty field. There the page says so, and how to get one.

/** The zoom from which streets are expected: the notice shows from here on. */
export const STREET_ZOOM = 13;

/** Half the side, in degrees, of the box the suggested command fetches around the view (about a city). */
const HALF_SIDE = 0.3;

/**
 * Whether the server gives the page a street map.
 * @param {{ basemap_style?: string | null, basemap_pmtiles?: string | null }} config
 */
export function hasStreetMap(config) {
  return Boolean(config.basemap_style || config.basemap_pmtiles);
}

/**
 * The command that fetches a street map for a city-sized box around a point.
 * @param {{ lng: number, lat: number }} at
 */
export function fetchCommand(at) {
  const d = (/** @type {number} */ v) => v.toFixed(2);
  const box = [
    Math.max(-180, at.lng - HALF_SIDE),
    Math.max(-85, at.lat - HALF_SIDE),
    Math.min(180, at.lng + HALF_SIDE),
    Math.min(85, at.lat + HALF_SIDE),
  ];
  return `witgis basemap fetch --bbox ${box.map(d).join(",")} --output basemap.pmtiles`;
}

/**
 * Shows `#basemap-notice` at street zoom when the server has no street map;
 * its command follows the view. Its texts carry `data-i18n` and change with
 * the page's language.
 * @param {maplibregl.Map} map the MapLibre map
 * @param {{ basemap_style?: string | null, basemap_pmtiles?: string | null }} config
 */
export function mountBasemapNotice(map, config) {
  const box = document.getElementById("basemap-notice");
  if (!box || hasStreetMap(config)) return;
  const code = box.querySelector("code[data-fetch]");
  const update = () => {
    const show = map.getZoom() >= STREET_ZOOM;
    box.hidden = !show;
    if (show && code) code.textContent = fetchCommand(map.getCenter());
  };
  map.on("moveend", update);
  update();
}
