// Cryo-ET tilt series: one card per tilt with its motion-correction and CTF
// values, sortable by angle or in acquisition order, with a thumbnail of the
// tilt's image when the series has an OME-Zarr preview.
//
// config: {"tilts": [{"angle", "dose", "motionTotal", "defocusU",
//          "defocusV", "ctfResolution", "frame"}], "zarr": URL or null}
// Units: angle in degrees, dose in e⁻/Å², motionTotal, defocus and
// ctfResolution in Å (shown in µm for defocus); frame is the tilt's section
// (z index) in the image, t = c = 0, as strata stores an MRC tilt series.

import { ZarrImage, drawPlane, percentiles } from "./zarr-image.js";
import { el, fmt, replaceFallback } from "./ui.js";

const ROWS = [
  ["Dose", (t) => t.dose, "e⁻/Å²"],
  ["Motion (total)", (t) => t.motionTotal, "Å"],
  ["Defocus U", (t) => (t.defocusU == null ? null : t.defocusU / 1e4), "µm"],
  ["Defocus V", (t) => (t.defocusV == null ? null : t.defocusV / 1e4), "µm"],
  ["CTF fit resolution", (t) => t.ctfResolution, "Å"],
];

function card(tilt, order) {
  const angle = tilt.angle == null ? "(angle unknown)" : `${fmt(tilt.angle, 3)}°`;
  const values = ROWS.flatMap(([name, get, unit]) => {
    const v = get(tilt);
    return [el("dt", { textContent: name }),
      el("dd", { textContent: v == null ? "–" : `${fmt(v)} ${unit}` })];
  });
  const item = el("li", { className: "tilt-card" }, [
    el("h3", { textContent: `Tilt ${angle}` }),
    el("p", { className: "tilt-order", textContent: `acquired ${order + 1}.` }),
    el("dl", {}, values),
  ]);
  item.dataset.angle = tilt.angle ?? "";
  item.dataset.order = order;
  return item;
}

export async function mount(figure, config) {
  const tilts = config.tilts ?? [];
  if (!tilts.length) throw new Error("no tilts to show");
  const id = figure.id || `viewer-${Math.random().toString(36).slice(2, 8)}`;
  const list = el("ol", { className: "tilt-cards", "aria-label": "Tilts" });
  const cards = tilts.map((t, i) => card(t, i));
  const sort = el("select", { id: `${id}-sort` }, [
    el("option", { value: "angle", textContent: "by tilt angle" }),
    el("option", { value: "order", textContent: "in acquisition order" }),
  ]);
  const arrange = () => {
    const key = sort.value;
    // A tilt without an angle (NaN) goes last rather than scrambling the sort.
    const at = (card) => {
      const v = Number(card.dataset[key] === "" ? NaN : card.dataset[key]);
      return Number.isFinite(v) ? v : Infinity;
    };
    list.replaceChildren(...[...cards].sort((a, b) => at(a) - at(b) || a.dataset.order - b.dataset.order));
  };
  sort.addEventListener("change", arrange);
  arrange();
  const ui = el("div", { className: "viewer-ui tilt-viewer" }, [
    el("div", { className: "viewer-controls" },
      [el("label", { htmlFor: sort.id, textContent: "Show tilts" }), sort]),
    list,
  ]);
  replaceFallback(figure, ui);

  if (!config.zarr) return;
  // Thumbnails: the preview level, one plane per tilt, drawn as they arrive.
  // Without them the cards still say everything, so a failure here (an image
  // the browser cannot decode) is a note, not the viewer's failure.
  try {
    const image = await ZarrImage.open(config.zarr, config.levels);
    await image.choose(0, 0, tilts[0].frame ?? 0);
    await Promise.all(tilts.map(async (tilt, i) => {
      const plane = await image.plane(0, 0, tilt.frame ?? i);
      const canvas = el("canvas", {
        className: "tilt-thumb", role: "img",
        "aria-label": `Image of the tilt at ${fmt(tilt.angle, 3)}°`,
      });
      const [lo, hi] = percentiles(plane.data);
      drawPlane(canvas, plane, lo, hi);
      cards[i].querySelector("h3").after(canvas);
    }));
    figure.dataset.thumbnails = "ready";
  } catch (error) {
    const message = String(error?.message ?? error);
    figure.dataset.thumbnails = `error: ${message}`;
    ui.append(el("p", { className: "viewer-note", textContent: `No thumbnails: ${message}` }));
  }
}
