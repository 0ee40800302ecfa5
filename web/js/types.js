// @ts-check
// The shapes of what the API answers, for the modules' type check: JSDoc
// typedefs only, no code (`@typedef {import("../types.js").Feature} Feature`).
// The MapLibre types (`maplibregl.Map`, `maplibregl.Marker`…) are declared in
// tests/e2e/types/maplibre.d.ts.

/**
 * A position or nested arrays of positions: the coordinates of a point, line,
 * polygon or multipolygon.
 * @typedef {number[] | number[][] | number[][][] | number[][][][]} Coordinates
 */

/**
 * A GeoJSON geometry.
 * @typedef {object} Geometry
 * @property {string} type
 * @property {Coordinates} coordinates
 */

/**
 * A value of a feature's properties, as JSON gives it.
 * @typedef {string | number | boolean | null | undefined | object} Value
 */

/**
 * A GeoJSON Feature of an area, a coverage row or a place, as the API gives it.
 * @typedef {object} AnyFeature
 * @property {string} [type] `Feature`
 * @property {string | number} [id]
 * @property {Geometry | null} geometry
 * @property {{ [key: string]: Value }} properties
 */

/**
 * A row of `/api/coverage?format=geojson`: a country or an area, by its id.
 * @typedef {AnyFeature & { id: string }} CoverageFeature
 */

/**
 * The report of `/api/coverage?format=geojson`.
 * @typedef {object} CoverageReport
 * @property {CoverageFeature[]} features
 * @property {{ depart?: string }} [transit] the departure of the shares by public transport, when the server has a timetable
 */

/**
 * A GeoJSON Feature of a resource, as the API gives it. Its properties are
 * the record's fields (docs/data.md), which the views read by name.
 * @typedef {object} ResourceFeature
 * @property {string} [id]
 * @property {string} [type] `Feature`
 * @property {{ type: string, coordinates: [number, number] } | null} geometry
 * @property {Record<string, any>} properties
 */

/**
 * A GeoJSON FeatureCollection, as the API gives it.
 * @typedef {object} FeatureCollection
 * @property {string} [type]
 * @property {AnyFeature[]} features
 */

/**
 * A place `/api/places` found: a locality, quarter, area, address…
 * @typedef {object} PlaceFeature
 * @property {string} [id]
 * @property {string} [type] `Feature`
 * @property {{ type: string, coordinates: [number, number] } | null} geometry
 * @property {number[]} [bbox] a street's extent: west, south, east, north
 * @property {{ [key: string]: Value }} properties
 */

/**
 * The places `/api/places` found, and how the external geocoder fared.
 * @typedef {object} PlacesAnswer
 * @property {PlaceFeature[]} features
 * @property {string} [geocoder] `ok`, `busy` or why it is down
 * @property {string} [address] what the query looked like: `house`, `street`…
 * @property {boolean} [ambiguous] no place is clearly first: the operator must ask
 * @property {string} [attribution] the geocoder's credit, when it answered
 */

/**
 * The resources per category of every country (`/api/coverage?format=json`).
 * @typedef {object} CoverageChart
 * @property {Array<{ id: string, by_category: Array<{ category: string, count: number }> }>} rows
 */

/**
 * A request logged in the demand log (`/api/demand`), as the API answers it.
 * @typedef {object} DemandRecord
 * @property {string} id
 * @property {string} date the day, YYYY-MM-DD
 * @property {string} need
 * @property {string} channel
 * @property {string} requester
 * @property {string | null} area the area's id
 * @property {string[]} referred_to the services' ids
 */

/**
 * A row of `/api/coverage/demand`'s ranking: an area's requests and those not met.
 * @typedef {object} DemandRank
 * @property {number} rank
 * @property {string} area
 * @property {string} [area_name]
 * @property {number | string} requests a multiple of 5, or "<5"
 * @property {number | string} unmet the same for those not met
 * @property {string[]} unmet_needs
 */

/**
 * The answer of `/api/coverage/demand`.
 * @typedef {object} DemandAnswer
 * @property {DemandRank[]} ranking
 * @property {string | null} [published_through] the last month published
 */

/**
 * A leg of a public transport route (`/api/referral`'s `transit`).
 * @typedef {object} TransitLeg
 * @property {string} mode `walk`, `bus`, `tram`, `metro`, `rail`…
 * @property {string} [line] the line's name, for a ride
 */

export {};
