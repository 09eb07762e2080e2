// MX: the collection summary as a table and the diffraction previews as a
// strip of images (each opens full size in the browser).
//
// config: {"summary": {name: "value with unit", …}, "images": [URLs of PNG
//          or JPEG previews], "alt": optional [descriptions, one per image]}

import { el, replaceFallback } from "./ui.js";

// Values come as text ("0.9763 Å"), numbers, or {value, unit} objects.
function show(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "object" && "value" in value) {
    return value.unit ? `${value.value} ${value.unit}` : String(value.value);
  }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export async function mount(figure, config) {
  const rows = Object.entries(config.summary ?? {});
  const images = config.images ?? [];
  if (!rows.length && !images.length) throw new Error("nothing to show (no summary, no images)");
  const parts = [];
  if (rows.length) {
    parts.push(el("table", { className: "mx-summary" }, [
      el("caption", { textContent: "Collection summary" }),
      el("tbody", {}, rows.map(([name, value]) => el("tr", {}, [
        el("th", { scope: "row", textContent: name }),
        el("td", { textContent: show(value) }),
      ]))),
    ]));
  }
  const strip = el("ul", { className: "mx-strip", "aria-label": "Diffraction images" });
  parts.push(strip);
  const ui = el("div", { className: "viewer-ui mx-viewer" }, parts);
  replaceFallback(figure, ui);

  // Wait for every image: a broken one is an error the page should show.
  await Promise.all(images.map((src, k) => {
    const alt = config.alt?.[k] ?? `Diffraction image ${k + 1} of ${images.length}`;
    const img = el("img", { src, alt, loading: "eager", decoding: "async" });
    strip.append(el("li", {}, [el("a", { href: src }, [img])]));
    return img.decode().catch(() => { throw new Error(`image ${src} could not be loaded`); });
  }));
}
