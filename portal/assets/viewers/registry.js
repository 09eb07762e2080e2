// The portal's viewer registry: one module per kind of figure, chosen by the
// page's markup rather than by the page, so that the generator only writes
//
//   <figure class="viewer" data-viewer="KIND" data-config="{…JSON…}">fallback</figure>
//   <script type="module" src="…/assets/viewers/registry.js"></script>
//
// and a new technique is one new module and one line below.
//
// Each module exports `mount(figure, config)`, which may be async. The
// figure's fallback content (written by the generator, readable without JS)
// stays in place until the viewer has drawn, and stays for good if it fails.
//
// State, for people and for the browser tests, is on the figure:
// data-viewer-state = "loading" | "ready" | "error"; an error also sets
// data-viewer-error and shows its message.

const KINDS = {
  frames: "./frames.js",
  "tilt-series": "./tilt-series.js",
  saxs: "./saxs.js",
  mx: "./mx.js",
};

// The viewers' stylesheets, added once and relative to this file, so pages
// need no <link> of their own and keep working from any depth of the site.
function addStyles() {
  for (const href of ["./viewers.css", "./vendor/uPlot.min.css"]) {
    const url = new URL(href, import.meta.url).href;
    if (document.querySelector(`link[rel="stylesheet"][href="${url}"]`)) continue;
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = url;
    document.head.append(link);
  }
}

async function mountOne(figure) {
  const kind = figure.dataset.viewer;
  figure.dataset.viewerState = "loading";
  try {
    const path = KINDS[kind];
    if (!path) throw new Error(`no viewer for "${kind}"`);
    const config = JSON.parse(figure.dataset.config || "{}");
    const module = await import(path);
    await module.mount(figure, config);
    figure.dataset.viewerState = "ready";
  } catch (error) {
    figure.dataset.viewerState = "error";
    figure.dataset.viewerError = String(error?.message ?? error);
    const note = document.createElement("p");
    note.className = "viewer-error";
    note.setAttribute("role", "status");
    note.textContent = `The ${kind} viewer could not be shown: ${figure.dataset.viewerError}`;
    figure.append(note);
    // A warning, not an error: the page is still usable through its fallback.
    console.warn(`viewer ${kind}:`, error);
  }
}

export async function mountAll(root = document) {
  const figures = [...root.querySelectorAll("figure.viewer[data-viewer]")]
    .filter((f) => !f.dataset.viewerState);
  if (figures.length) addStyles();
  await Promise.all(figures.map(mountOne));
}

mountAll();
