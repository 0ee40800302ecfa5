// The vendored libraries that web/index.html loads before the modules
// (web/vendor/): globals to the type check of the `// @ts-check` modules.
declare const maplibregl: any;
declare const pmtiles: any;
declare const basemaps: any;
