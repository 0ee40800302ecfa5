// The vendored libraries that web/index.html loads before the modules
// (web/vendor/): globals to the type check of the `// @ts-check` modules
// (`maplibregl` is declared in maplibre.d.ts).
declare const pmtiles: any;
declare const basemaps: any;
