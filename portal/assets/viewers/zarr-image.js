// Reading planes of an OME-Zarr 0.5 image (Zarr v3, 5-D t, c, z, y, x, as
// strata writes it) straight from the site or the server's /zarr endpoint,
// with zarrita. Shared by the frames and tilt-series viewers.

import * as zarr from "./vendor/zarrita/zarrita.js";

// A Range request answered 200 with the whole object (a static host that
// ignores Range) would hand zarrita the wrong bytes for a shard's index or
// chunk: cut the asked-for range out of the whole body instead.
async function rangeSafeFetch(request) {
  const response = await fetch(request);
  const range = request.headers.get("Range");
  if (response.status !== 200 || !range) return response;
  const m = /^bytes=(\d*)-(\d*)$/.exec(range);
  if (!m) return response;
  const body = new Uint8Array(await response.arrayBuffer());
  let start, end;
  if (m[1] === "") { // suffix: the last N bytes
    start = Math.max(0, body.length - Number(m[2]));
    end = body.length;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? body.length : Number(m[2]) + 1;
  }
  return new Response(body.slice(start, end), { status: 206 });
}

export class ZarrImage {
  // `url`: the image group; `levels`: level paths, largest first (the
  // config's "levels", else the multiscales' datasets).
  static async open(url, levels) {
    const base = new URL(url, document.baseURI).href.replace(/\/+$/, "");
    const store = new zarr.FetchStore(base, { fetch: rangeSafeFetch });
    const root = zarr.root(store);
    const group = await zarr.open.v3(root, { kind: "group" });
    const ome = group.attrs?.ome ?? {};
    const paths = levels?.length
      ? levels
      : (ome.multiscales?.[0]?.datasets ?? []).map((d) => d.path);
    if (!paths.length) throw new Error(`${base} names no image levels`);
    return new ZarrImage(root, ome, paths);
  }

  constructor(root, ome, paths) {
    this.root = root;
    this.ome = ome;
    this.paths = paths;
    this.array = null; // the level chosen by `choose()`
    this.level = null;
    this.cache = new Map();
  }

  // The smallest level (a preview, the last) whose codecs zarrita decodes,
  // tried by reading one plane; larger levels only if the previews fail.
  async choose(t = 0, c = 0, z = 0) {
    const failures = [];
    for (const path of [...this.paths].reverse()) {
      try {
        const array = await zarr.open.v3(this.root.resolve(path), { kind: "array" });
        const plane = await zarr.get(array, [t, c, z, null, null]);
        this.array = array;
        this.level = path;
        this.cache.set(`${t},${c},${z}`, plane);
        return;
      } catch (error) {
        // zarrita says "Unknown codec: numcodecs.pcodec" (possibly wrapped):
        // say plainly that the browser cannot decode it.
        const codec = /Unknown codec: (\S+)/.exec(String(error?.message ?? error))?.[1];
        failures.push(codec
          ? `level ${path} is compressed with ${codec}, which has no decoder in the browser`
          : `level ${path}: ${error?.message ?? error}`);
      }
    }
    throw new Error(failures.join("; "));
  }

  get shape() {
    return this.array.shape; // t, c, z, y, x of the chosen level
  }

  // One (y, x) plane as {data: TypedArray, shape: [y, x]}, cached.
  async plane(t, c, z) {
    const key = `${t},${c},${z}`;
    if (!this.cache.has(key)) {
      this.cache.set(key, zarr.get(this.array, [t, c, z, null, null]));
    }
    try {
      return await this.cache.get(key);
    } catch (error) {
      this.cache.delete(key); // let a later try fetch it again
      throw error;
    }
  }
}

// Display range from the data: the 0.5th and 99.5th percentiles, so a few
// hot or dead pixels do not wash the image out.
export function percentiles(data, low = 0.005, high = 0.995) {
  const step = Math.max(1, Math.floor(data.length / 65536)); // sample big planes
  const sample = [];
  for (let i = 0; i < data.length; i += step) {
    const v = Number(data[i]);
    if (Number.isFinite(v)) sample.push(v);
  }
  if (!sample.length) return [0, 1];
  sample.sort((a, b) => a - b);
  const at = (p) => sample[Math.min(sample.length - 1, Math.floor(p * (sample.length - 1)))];
  let lo = at(low), hi = at(high);
  if (hi <= lo) { lo = sample[0]; hi = sample[sample.length - 1]; }
  if (hi <= lo) hi = lo + 1;
  return [lo, hi];
}

// Draws a plane in grey, `lo` → black and `hi` → white, at its own size
// (CSS scales the canvas).
export function drawPlane(canvas, plane, lo, hi) {
  const [h, w] = plane.shape;
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(w, h);
  const px = image.data;
  const scale = 255 / Math.max(hi - lo, Number.EPSILON);
  const data = plane.data;
  for (let i = 0; i < w * h; i++) {
    const g = Math.max(0, Math.min(255, (Number(data[i]) - lo) * scale));
    px[4 * i] = px[4 * i + 1] = px[4 * i + 2] = g;
    px[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}
