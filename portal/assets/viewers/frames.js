// Light-microscopy frames: one plane of an OME-Zarr image at a time, with
// channel, z and t sliders and a contrast window.
//
// config: {"zarr": image group URL, "shape": [t, c, z, y, x] (level 0),
//          "channels": [names], "dtype": "uint16", "levels": ["0", "1", …]}
//
// Reads the smallest preview level that the browser can decode (see
// zarr-image.js); the full-resolution level stays on the server.

import { ZarrImage, drawPlane, percentiles } from "./zarr-image.js";
import { el, rangeControl, replaceFallback } from "./ui.js";

export async function mount(figure, config) {
  if (!config.zarr) throw new Error("no image (config.zarr) to show");
  const image = await ZarrImage.open(config.zarr, config.levels);
  const ome = image.ome;
  const defaultZ = ome.omero?.rdefs?.defaultZ;
  const given = config.shape ?? [];
  // Start where OME's rendering defaults say (strata writes the middle z).
  const start = { t: 0, c: 0, z: 0 };
  const zCount = given[2] ?? 1;
  if (Number.isInteger(defaultZ) && defaultZ < zCount) start.z = defaultZ;
  else start.z = Math.floor(zCount / 2);
  await image.choose(start.t, start.c, start.z);

  const [nt, nc, nz, ny, nx] = image.shape;
  const names = config.channels?.length === nc
    ? config.channels
    : (ome.omero?.channels ?? []).map((ch, i) => ch.label ?? `C${i}`);
  const channelName = (c) => names[c] ?? `channel ${c}`;
  const id = figure.id || `viewer-${Math.random().toString(36).slice(2, 8)}`;

  const canvas = el("canvas", { className: "frames-canvas", role: "img", width: nx, height: ny });
  const status = el("p", { className: "viewer-note", "aria-live": "polite" });
  const sliders = [
    rangeControl(`${id}-c`, "Channel", nc, start.c, channelName),
    rangeControl(`${id}-z`, "z", nz, start.z, (v) => `${v + 1} of ${nz}`),
    rangeControl(`${id}-t`, "t", nt, start.t, (v) => `${v + 1} of ${nt}`),
  ];
  const [cSlider, zSlider, tSlider] = sliders;
  const lo = el("input", { type: "number", id: `${id}-min`, step: "any", name: "min" });
  const hi = el("input", { type: "number", id: `${id}-max`, step: "any", name: "max" });
  const auto = el("button", { type: "button", textContent: "Auto contrast" });
  const contrast = el("fieldset", { className: "viewer-contrast" }, [
    el("legend", { textContent: "Contrast" }),
    el("label", { htmlFor: lo.id, textContent: "Black at" }), lo,
    el("label", { htmlFor: hi.id, textContent: "White at" }), hi,
    auto,
  ]);
  const controls = el("div", { className: "viewer-controls" },
    [...sliders.filter((s) => s.count > 1).map((s) => s.element), contrast]);
  const ui = el("div", { className: "viewer-ui frames-viewer" }, [canvas, controls, status]);

  // "auto": the window follows each plane's percentiles until the reader
  // types a value; the Auto button goes back to following.
  let autoContrast = true;
  let drawn = 0;
  let request = 0;
  async function show() {
    const mine = ++request; // a slider dragged fast: only the last plane is drawn
    const t = tSlider.value(), c = cSlider.value(), z = zSlider.value();
    status.textContent = "Loading…";
    let plane;
    try {
      plane = await image.plane(t, c, z);
    } catch (error) {
      if (mine === request) status.textContent = `This plane could not be read: ${error.message ?? error}`;
      return;
    }
    if (mine !== request) return;
    if (autoContrast) [lo.value, hi.value] = percentiles(plane.data);
    drawPlane(canvas, plane, Number(lo.value), Number(hi.value));
    const what = `${channelName(c)}, z ${z + 1} of ${nz}, t ${t + 1} of ${nt}`;
    canvas.setAttribute("aria-label",
      `Frame: ${what}; grey from ${lo.value} (black) to ${hi.value} (white)`);
    status.textContent = `${what}. Preview level ${image.level}: ${nx} × ${ny} pixels` +
      (given[4] ? ` (full size ${given[4]} × ${given[3]})` : "") + ".";
    figure.dataset.drawn = String(++drawn); // for tests: a new plane is on the canvas
  }
  for (const s of sliders) s.input.addEventListener("input", show);
  for (const input of [lo, hi]) {
    input.addEventListener("change", () => { autoContrast = false; show(); });
  }
  auto.addEventListener("click", () => { autoContrast = true; show(); });

  replaceFallback(figure, ui);
  await show();
}
