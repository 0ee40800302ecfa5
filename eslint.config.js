// ESLint (flat config) for the web page's modules and the browser tests.
// ESLint is a dev dependency of the browser tests (tests/e2e/package.json):
// run it as scripts/test does,
//   tests/e2e/node_modules/.bin/eslint web/js tests/e2e
// Its recommended rules come from the same install (no plugin is downloaded).
import js from "./tests/e2e/node_modules/@eslint/js/src/index.js";

/** Globals of a browser page (the ones the modules use). */
const browser = Object.fromEntries(
  [
    "window", "document", "location", "history", "navigator", "fetch", "URL", "URLSearchParams", "AbortController",
    "Intl", "Option", "Node", "Element", "HTMLElement", "HTMLInputElement", "HTMLSelectElement", "HTMLButtonElement",
    "HTMLTextAreaElement", "HTMLTableElement", "HTMLCanvasElement", "OffscreenCanvas", "ImageData", "Image", "Blob",
    "getComputedStyle", "setTimeout", "clearTimeout", "requestAnimationFrame", "console", "Response", "DOMException",
    "CSS", "ResizeObserver", "matchMedia", "performance", "structuredClone", "Event", "KeyboardEvent", "MouseEvent", "localStorage", "sessionStorage",
  ].map((g) => [g, "readonly"]),
);
/** Globals of Node (the test files). */
const node = Object.fromEntries(
  ["process", "console", "setTimeout", "clearTimeout", "setInterval", "clearInterval", "URL", "URLSearchParams", "fetch", "Buffer", "AbortController", "TextDecoder", "TextEncoder"].map((g) => [g, "readonly"]),
);

export default [
  { ignores: ["web/vendor/**", "target/**", "tests/e2e/node_modules/**", "tools/**"] },
  js.configs.recommended,
  {
    files: ["web/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      // The vendored libraries loaded by index.html before the modules.
      globals: { ...browser, maplibregl: "readonly", pmtiles: "readonly", basemaps: "readonly" },
    },
  },
  {
    files: ["tests/e2e/**/*.mjs", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: { ...node, ...browser } },
  },
  { rules: { "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }] } },
];
