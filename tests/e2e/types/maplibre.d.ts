// The part of MapLibre GL JS 5 (web/vendor/maplibre-gl, loaded as the global
// `maplibregl`; the vendored build ships no declarations) that the page uses,
// written from its API reference (https://maplibre.org/maplibre-gl-js/docs/API/)
// so that `tsc` checks our calls. Add a member here when the page needs one.

declare namespace maplibregl {
  type LngLatLike = [number, number] | { lng: number; lat: number };
  type LngLatBoundsLike = [[number, number], [number, number]] | [number, number, number, number];
  type PointLike = [number, number] | { x: number; y: number };
  /** A style, source or layer specification: MapLibre's own JSON. */
  type Spec = { [key: string]: unknown };
  /** A filter or paint expression. */
  type Expression = unknown[] | string | number | boolean | null;

  /** A style layer. */
  interface LayerSpecification {
    id: string;
    type: string;
    source?: string;
    layout?: { [name: string]: unknown };
    paint?: { [name: string]: unknown };
    [key: string]: unknown;
  }

  interface LngLat {
    lng: number;
    lat: number;
    toArray(): [number, number];
  }

  interface LngLatBounds {
    toArray(): [[number, number], [number, number]];
    getWest(): number;
    getSouth(): number;
    getEast(): number;
    getNorth(): number;
  }

  interface Point {
    x: number;
    y: number;
  }

  /** A feature the map rendered or holds in a source. */
  interface MapGeoJSONFeature {
    id?: string | number;
    type: "Feature";
    /** The page reads only points' coordinates. */
    geometry: { type: string; coordinates: [number, number] };
    /** As MapLibre declares them: any JSON the source holds. */
    properties: { [name: string]: any };
    layer: { id: string };
    source: string;
  }

  /** A mouse event on the map. */
  interface MapMouseEvent {
    lngLat: LngLat;
    point: Point;
    originalEvent: MouseEvent;
    features?: MapGeoJSONFeature[];
  }

  /** Any event of the map: a mouse event, or `styleimagemissing` with its `id`. */
  type MapEvent = MapMouseEvent & { id: string };

  /** A GeoJSON, vector or raster source. */
  interface Source {
    setData(data: object): this;
    setTiles(tiles: string[]): this;
  }

  interface CameraOptions {
    center?: LngLatLike;
    zoom?: number;
  }

  interface Evented {
    on(type: string, listener: (e: MapEvent) => void): this;
    on(type: string, layer: string, listener: (e: MapEvent) => void): this;
    once(type: string, listener: (e: MapEvent) => void): this;
    off(type: string, listener: (e: MapEvent) => void): this;
  }

  interface IControl {
    onAdd(map: Map): HTMLElement;
    onRemove(map: Map): void;
  }

  class Map implements Evented {
    constructor(options: Spec);
    touchZoomRotate: { disableRotation(): void };
    on(type: string, listener: (e: MapEvent) => void): this;
    on(type: string, layer: string, listener: (e: MapEvent) => void): this;
    once(type: string, listener: (e: MapEvent) => void): this;
    off(type: string, listener: (e: MapEvent) => void): this;
    addControl(control: IControl, position?: string): this;
    addSource(id: string, source: Spec): this;
    removeSource(id: string): this;
    getSource(id: string): Source | undefined;
    isSourceLoaded(id: string): boolean;
    addLayer(layer: LayerSpecification, beforeId?: string): this;
    removeLayer(id: string): this;
    getLayer(id: string): LayerSpecification | undefined;
    setFilter(layer: string, filter: Expression): this;
    setLayoutProperty(layer: string, name: string, value: unknown): this;
    addImage(id: string, image: ImageData | HTMLImageElement | { width: number; height: number; data: Uint8Array | Uint8ClampedArray }, options?: { pixelRatio?: number; sdf?: boolean }): void;
    hasImage(id: string): boolean;
    getCanvas(): HTMLCanvasElement;
    getContainer(): HTMLElement;
    getZoom(): number;
    getCenter(): LngLat;
    getBounds(): LngLatBounds;
    project(lngLat: LngLatLike): Point;
    queryRenderedFeatures(geometry?: PointLike | [PointLike, PointLike], options?: { layers?: string[] }): MapGeoJSONFeature[];
    querySourceFeatures(source: string, options?: { sourceLayer?: string; filter?: Expression }): MapGeoJSONFeature[];
    cameraForBounds(bounds: LngLatBoundsLike, options?: { padding?: number; maxZoom?: number }): CameraOptions | undefined;
    fitBounds(bounds: LngLatBoundsLike, options?: Spec): this;
    easeTo(options: Spec, eventData?: Spec): this;
    jumpTo(options: Spec): this;
    remove(): void;
  }

  class Marker implements Evented {
    constructor(options?: { element?: HTMLElement; offset?: PointLike; draggable?: boolean; color?: string });
    on(type: string, listener: (e: MapEvent) => void): this;
    on(type: string, layer: string, listener: (e: MapEvent) => void): this;
    once(type: string, listener: (e: MapEvent) => void): this;
    off(type: string, listener: (e: MapEvent) => void): this;
    setLngLat(lngLat: LngLatLike): this;
    getLngLat(): LngLat;
    getElement(): HTMLElement;
    addTo(map: Map): this;
    remove(): this;
  }

  class Popup implements Evented {
    constructor(options?: { closeOnClick?: boolean; maxWidth?: string; focusAfterOpen?: boolean; offset?: number });
    on(type: string, listener: (e: MapEvent) => void): this;
    on(type: string, layer: string, listener: (e: MapEvent) => void): this;
    once(type: string, listener: (e: MapEvent) => void): this;
    off(type: string, listener: (e: MapEvent) => void): this;
    setLngLat(lngLat: LngLatLike): this;
    setDOMContent(node: Node): this;
    addTo(map: Map): this;
    remove(): this;
  }

  class NavigationControl implements IControl {
    constructor(options?: { showCompass?: boolean });
    onAdd(map: Map): HTMLElement;
    onRemove(map: Map): void;
  }

  class ScaleControl implements IControl {
    constructor(options?: Spec);
    onAdd(map: Map): HTMLElement;
    onRemove(map: Map): void;
  }

  function addProtocol(name: string, handler: (...args: never[]) => unknown): void;
}
