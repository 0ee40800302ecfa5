// @ts-check
// One symbol per category: an Okabe–Ito colour AND a shape, so that the
// category can be told without colour vision. Drawn on a canvas, so no
// sprite is fetched from anywhere.

/** category → { color, shape }. */
export const SYMBOLS = {
  mental_health_centre: { color: "#D55E00", shape: "circle" },
  day_centre: { color: "#E69F00", shape: "square" },
  self_help_group: { color: "#009E73", shape: "triangle" },
  crisis_service: { color: "#CC79A7", shape: "diamond" },
  other_service: { color: "#999999", shape: "ring" },
  good_practice: { color: "#009E73", shape: "star" },
  library: { color: "#0072B2", shape: "pentagon" },
  university: { color: "#56B4E9", shape: "hexagon" },
  training_research_centre: { color: "#F0E442", shape: "triangle_down" },
  professional_association: { color: "#000000", shape: "cross" },
};

function polygon(ctx, cx, cy, r, n, rotation) {
  ctx.beginPath();
  for (let i = 0; i < n; i++) {
    const a = rotation + (i * 2 * Math.PI) / n;
    ctx.lineTo(cx + r * Math.cos(a), cy + r * Math.sin(a));
  }
  ctx.closePath();
}

function shapePath(ctx, shape, c, r) {
  const up = -Math.PI / 2;
  switch (shape) {
    case "circle":
      ctx.beginPath();
      ctx.arc(c, c, r * 0.9, 0, 2 * Math.PI);
      break;
    case "ring":
      ctx.beginPath();
      ctx.arc(c, c, r * 0.9, 0, 2 * Math.PI);
      ctx.moveTo(c + r * 0.38, c);
      ctx.arc(c, c, r * 0.38, 0, 2 * Math.PI, true);
      break;
    case "square":
      ctx.beginPath();
      ctx.rect(c - r * 0.8, c - r * 0.8, r * 1.6, r * 1.6);
      break;
    case "triangle":
      polygon(ctx, c, c + r * 0.15, r * 1.05, 3, up);
      break;
    case "triangle_down":
      polygon(ctx, c, c - r * 0.15, r * 1.05, 3, -up);
      break;
    case "diamond":
      polygon(ctx, c, c, r, 4, up);
      break;
    case "pentagon":
      polygon(ctx, c, c, r * 0.95, 5, up);
      break;
    case "hexagon":
      polygon(ctx, c, c, r * 0.95, 6, 0);
      break;
    case "star": {
      ctx.beginPath();
      for (let i = 0; i < 10; i++) {
        const rr = i % 2 ? r * 0.45 : r * 1.05;
        const a = up + (i * Math.PI) / 5;
        ctx.lineTo(c + rr * Math.cos(a), c + rr * Math.sin(a));
      }
      ctx.closePath();
      break;
    }
    case "cross": {
      const w = r * 0.36;
      ctx.beginPath();
      ctx.moveTo(c - w, c - r);
      ctx.lineTo(c + w, c - r);
      ctx.lineTo(c + w, c - w);
      ctx.lineTo(c + r, c - w);
      ctx.lineTo(c + r, c + w);
      ctx.lineTo(c + w, c + w);
      ctx.lineTo(c + w, c + r);
      ctx.lineTo(c - w, c + r);
      ctx.lineTo(c - w, c + w);
      ctx.lineTo(c - r, c + w);
      ctx.lineTo(c - r, c - w);
      ctx.lineTo(c - w, c - w);
      ctx.closePath();
      break;
    }
    default:
      throw new Error(`unknown shape ${shape}`);
  }
}

/** The symbol of a point shared by services of several categories: three dots in a dark disc. */
export const MIXED = "mixed";

function mixedCanvas(size, ratio) {
  const px = Math.round(size * ratio);
  const canvas = document.createElement("canvas");
  canvas.width = px;
  canvas.height = px;
  const ctx = canvas.getContext("2d");
  const c = px / 2;
  ctx.beginPath();
  ctx.arc(c, c, c - 2 * ratio, 0, 2 * Math.PI);
  ctx.fillStyle = "#33414f";
  ctx.fill();
  ctx.lineWidth = 2 * ratio;
  ctx.strokeStyle = "#ffffff";
  ctx.stroke();
  ctx.fillStyle = "#ffffff";
  for (const dx of [-1, 0, 1]) {
    ctx.beginPath();
    ctx.arc(c + dx * px * 0.22, c, px * 0.08, 0, 2 * Math.PI);
    ctx.fill();
  }
  return canvas;
}

/**
 * The marker of an approximate point (the centre of a quarter or a city):
 * the category's symbol, smaller, inside a dashed ring, so that it never
 * looks like a pin on the building.
 */
export function approxCanvas(category, size = 30, ratio = 2) {
  const px = Math.round(size * ratio);
  const canvas = document.createElement("canvas");
  canvas.width = px;
  canvas.height = px;
  const ctx = canvas.getContext("2d");
  const c = px / 2;
  ctx.beginPath();
  ctx.arc(c, c, c - 2 * ratio, 0, 2 * Math.PI);
  ctx.fillStyle = "rgba(255,255,255,0.75)";
  ctx.fill();
  ctx.setLineDash([3 * ratio, 2.5 * ratio]);
  ctx.lineWidth = 2 * ratio;
  ctx.strokeStyle = "#1b1b1b";
  ctx.stroke();
  const inner = symbolCanvas(category, size * 0.6, ratio);
  ctx.drawImage(inner, (px - inner.width) / 2, (px - inner.height) / 2);
  return canvas;
}

/** A canvas of `size` CSS pixels (times `ratio`) with the category's symbol. */
export function symbolCanvas(category, size = 22, ratio = 2) {
  if (category === MIXED) return mixedCanvas(size, ratio);
  const { color, shape } = SYMBOLS[category] ?? SYMBOLS.other_service;
  const px = Math.round(size * ratio);
  const canvas = document.createElement("canvas");
  canvas.width = px;
  canvas.height = px;
  const ctx = canvas.getContext("2d");
  const c = px / 2;
  const r = px / 2 - 3 * ratio;
  ctx.lineJoin = "round";
  shapePath(ctx, shape, c, r);
  ctx.fillStyle = color;
  ctx.fill("evenodd");
  ctx.lineWidth = 3.2 * ratio;
  ctx.strokeStyle = "#ffffff";
  ctx.stroke();
  shapePath(ctx, shape, c, r);
  ctx.fill("evenodd");
  ctx.lineWidth = 1.2 * ratio;
  ctx.strokeStyle = "#1b1b1b";
  ctx.stroke();
  return canvas;
}

/** The symbol as image data for `map.addImage(name, data, { pixelRatio })`; `approx` for an approximate point. */
export function symbolImageData(category, size = 22, ratio = 2, approx = false) {
  const canvas = approx ? approxCanvas(category, size * 1.4, ratio) : symbolCanvas(category, size, ratio);
  return canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
}

/** The map image name of a category's symbol, exact or approximate. */
export function imageName(category, approx) {
  return `sym-${approx ? "approx-" : ""}${category}`;
}

/** The symbol as a data: URL for an <img> in the legend and lists. */
export function symbolDataUrl(category, size = 20, approx = false) {
  return (approx ? approxCanvas(category, size, 2) : symbolCanvas(category, size, 2)).toDataURL("image/png");
}
