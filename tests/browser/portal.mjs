// Browser tests of a built strata portal: Debian's chromium driven by
// playwright-core, accessibility checked by axe-core.
//
//   node portal.mjs CHECKS.json
//
// CHECKS.json:
// {
//   "base": "http://127.0.0.1:8080/",   // a served site, or
//   "root": "/path/to/site",            // a site directory this script serves
//                                        // (HEAD, Range, index.html for folders)
//   "pages": [{"path": "index.html",
//              "viewers": ["frames", {"kind": "frames", "id": "x",
//                          "state": "error", "error": "pcodec"},
//                          {"kind": "tilt-series", "thumbnails": false},
//                          {"kind": "saxs", "rg": [29, 31]}]}],
//   "crawl": true,          // also visit every site page linked from those
//   "maxPages": 400,
//   "search": {"path": "search/index.html", "term": "…", "expect": "…",
//              "input": "input[type=search]", "results": "main"},
//   "forbidden": ["a private dataset's identifier", …],
//   "axe": true,            // default true
//   "noScript": true,       // default true: pages read without JS too
//   "proxy": {"url": "http://127.0.0.1:3000", "paths": ["/zarr/", "/files/"]},
//                            // with "root": pass those paths to the data server
//   "allowOrigins": ["http://127.0.0.1:3000"],  // the data server, if the
//                            // site reads from it; any other origin fails
//   "screenshots": "/tmp/shots"   // optional: a PNG of every page
// }
//
// Every page must load without console errors, page errors, failed requests
// or HTTP errors; every viewer on it must mount, and each expected one must
// really draw: its canvases and images are read back and must not be
// uniform. Prints "ok"/"FAIL" lines, then "N passed, N failed"; exits 1 on
// any failure.
//
// Modules come from $STRATA_NODE_MODULES (tests/browser.rs installs them,
// keyed on package-lock.json), else from node_modules beside this file.
// Chromium is $STRATA_CHROMIUM, else /usr/bin/chromium.

import { createRequire } from "node:module";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = process.env.STRATA_NODE_MODULES ?? path.join(here, "node_modules");
const require = createRequire(path.join(modules, "resolver.js"));
const { chromium } = require("playwright-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const checks = JSON.parse(fs.readFileSync(process.argv[2] ?? "/dev/stdin", "utf8"));
const results = [];
function record(ok, name, detail = "") {
  results.push({ ok, name, detail });
  console.log(`${ok ? "ok" : "FAIL"} - ${name}${detail ? `\n    ${detail.replace(/\n/g, "\n    ")}` : ""}`);
}

// ---------------------------------------------------------------- serving
const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript",
  ".css": "text/css", ".json": "application/json", ".png": "image/png", ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg", ".svg": "image/svg+xml", ".txt": "text/plain; charset=utf-8",
  ".dat": "text/plain; charset=utf-8", ".xml": "application/xml", ".bib": "text/plain; charset=utf-8",
};

// A static server like a plain web host, with the Range and HEAD requests
// that zarrita's sharded reads need.
// With "proxy": {"url": data server, "paths": ["/zarr/", "/files/"]}, those
// paths are passed to the data server, as a reverse proxy in front of both
// would: the site built with an empty data URL then reads its data from its
// own origin (the server sends no CORS headers).
function forward(req, res, proxy) {
  const target = new URL(req.url, proxy.url);
  const headers = { ...req.headers, host: target.host };
  const upstream = http.request(target, { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  upstream.on("error", (e) => res.writeHead(502).end(`proxy: ${e.message}`));
  req.pipe(upstream);
}

function serve(root, proxy) {
  const server = http.createServer((req, res) => {
    if (proxy?.paths?.some((p) => req.url.startsWith(p))) { forward(req, res, proxy); return; }
    let rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file = path.join(root, path.normalize(rel).replace(/^(\.\.[/\\])+/, ""));
    if (!file.startsWith(path.resolve(root))) { res.writeHead(403).end(); return; }
    try {
      if (fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
      const stat = fs.statSync(file);
      const type = TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
      const headers = { "Content-Type": type, "Accept-Ranges": "bytes" };
      const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
      let start = 0, end = stat.size - 1, status = 200;
      if (range) {
        if (range[1] === "") start = Math.max(0, stat.size - Number(range[2]));
        else { start = Number(range[1]); if (range[2] !== "") end = Math.min(end, Number(range[2])); }
        if (start > end) { res.writeHead(416, { "Content-Range": `bytes */${stat.size}` }).end(); return; }
        status = 206;
        headers["Content-Range"] = `bytes ${start}-${end}/${stat.size}`;
      }
      headers["Content-Length"] = end - start + 1;
      res.writeHead(status, headers);
      if (req.method === "HEAD" || stat.size === 0) { res.end(); return; }
      fs.createReadStream(file, { start, end }).pipe(res);
    } catch {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// ---------------------------------------------------------------- in the page
// Read back a figure's canvases and images: how many differ from uniform.
// Runs in the browser.
function pixelReport(figure) {
  const report = [];
  const stats = (source, w, h) => {
    const c = document.createElement("canvas");
    c.width = w; c.height = h;
    const ctx = c.getContext("2d");
    ctx.drawImage(source, 0, 0);
    const data = ctx.getImageData(0, 0, w, h).data;
    const seen = new Set();
    let opaque = 0, hash = 0;
    for (let i = 0; i < data.length; i += 4) {
      const v = (data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3];
      if (seen.size < 4096) seen.add(v);
      if (data[i + 3]) opaque++;
      hash = (Math.imul(hash, 31) + v) | 0;
    }
    return { distinct: seen.size, opaque, hash };
  };
  for (const canvas of figure.querySelectorAll("canvas")) {
    if (!canvas.width || !canvas.height) { report.push({ what: "canvas", empty: true }); continue; }
    report.push({ what: `canvas.${canvas.className || "?"}`, w: canvas.width, h: canvas.height,
      ...stats(canvas, canvas.width, canvas.height) });
  }
  for (const img of figure.querySelectorAll("img")) {
    if (!img.complete || !img.naturalWidth) { report.push({ what: `img ${img.src}`, empty: true }); continue; }
    report.push({ what: `img ${img.getAttribute("src")}`, w: img.naturalWidth, h: img.naturalHeight,
      ...stats(img, img.naturalWidth, img.naturalHeight) });
  }
  return report;
}

const drew = (p) => !p.empty && p.distinct >= 4 && p.opaque > 0;

async function checkViewer(page, label, figure, expect) {
  const info = await figure.evaluate((f) => ({
    id: f.id, kind: f.dataset.viewer, state: f.dataset.viewerState, error: f.dataset.viewerError,
    config: JSON.parse(f.dataset.config || "{}"),
  }));
  const name = `${label}: ${info.kind} viewer${info.id ? ` #${info.id}` : ""}`;
  const want = expect.state ?? "ready";
  if (info.state !== want) {
    record(false, name, `state ${info.state}, expected ${want}${info.error ? `: ${info.error}` : ""}`);
    return;
  }
  if (want === "error") {
    const ok = !expect.error || (info.error ?? "").includes(expect.error);
    record(ok, `${name} fails as expected`, `${info.error}`);
    return;
  }
  const pixels = await figure.evaluate(pixelReport);
  const show = () => JSON.stringify(pixels);
  const problems = [];
  const drawn = pixels.filter(drew);
  if (info.kind === "frames") {
    if (drawn.length < 1) problems.push(`no canvas drew an image: ${show()}`);
    // Each slider must change what is drawn.
    const sliders = await figure.$$("input[type=range]");
    for (const slider of sliders) {
      const before = (await figure.evaluate(pixelReport))[0]?.hash;
      const drawnBefore = await figure.evaluate((f) => Number(f.dataset.drawn));
      const label = await slider.evaluate((s) => s.labels?.[0]?.textContent ?? s.id);
      // Keyboard, as a person would: focus the slider and press End.
      await slider.focus();
      await page.keyboard.press("End");
      try {
        await page.waitForFunction((args) => Number(args.f.dataset.drawn) > args.n,
          { f: await figure.evaluateHandle((f) => f), n: drawnBefore }, { timeout: 10000 });
      } catch {
        problems.push(`moving the ${label} slider drew nothing new`);
        continue;
      }
      const after = (await figure.evaluate(pixelReport))[0]?.hash;
      if (after === before) problems.push(`the ${label} slider did not change the image`);
      await slider.focus();
      await page.keyboard.press("Home");
    }
    // One slider per axis (t, c, z) longer than one.
    const axes = (info.config.shape ?? []).slice(0, 3).filter((n) => n > 1).length;
    if (sliders.length < axes) problems.push(`${sliders.length} sliders for ${axes} axes (t, c, z) longer than one`);
  } else if (info.kind === "tilt-series") {
    const tilts = info.config.tilts ?? [];
    const angles = await figure.$$eval(".tilt-card", (cards) => cards.map((c) => Number(c.dataset.angle)));
    if (angles.length !== tilts.length) problems.push(`${angles.length} cards for ${tilts.length} tilts`);
    const sorted = [...angles].sort((a, b) => a - b);
    if (JSON.stringify(sorted) !== JSON.stringify(angles)) problems.push(`cards not sorted by angle: ${angles}`);
    // Thumbnails when the series has an image, unless the checks say the
    // image is one the browser cannot decode ("thumbnails": false).
    if (info.config.zarr && expect.thumbnails !== false && drawn.length < tilts.length) {
      const note = await figure.evaluate((f) => f.dataset.thumbnails);
      problems.push(`${drawn.length} thumbnails drew for ${tilts.length} tilts (${note}): ${show()}`);
    }
  } else if (info.kind === "saxs") {
    if (drawn.length < 2) problems.push(`expected two plots (curve, Guinier) to draw: ${show()}`);
    const rg = Number(await figure.evaluate((f) => f.dataset.rg));
    if (expect.rg && !(rg >= expect.rg[0] && rg <= expect.rg[1])) {
      problems.push(`Guinier Rg ${rg}, expected within ${expect.rg}`);
    }
  } else if (info.kind === "mx") {
    const n = (info.config.images ?? []).length;
    const imgs = pixels.filter((p) => p.what.startsWith("img"));
    if (imgs.filter(drew).length !== n) problems.push(`${imgs.filter(drew).length} of ${n} images show: ${show()}`);
    const rows = await figure.$$eval(".mx-summary tr", (r) => r.length);
    const want = Object.keys(info.config.summary ?? {}).length;
    if (rows !== want) problems.push(`${rows} summary rows for ${want} values`);
  } else if (drawn.length < 1) {
    problems.push(`nothing drew: ${show()}`);
  }
  record(!problems.length, `${name} draws`, problems.join("\n"));
}

// ---------------------------------------------------------------- pages
function watch(page, origin, seenBodies) {
  const issues = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !/favicon\.ico/.test(m.location()?.url ?? "")) {
      issues.push(`console error: ${m.text()} (${m.location()?.url ?? ""})`);
    }
  });
  page.on("pageerror", (e) => issues.push(`page error: ${e.message}`));
  page.on("requestfailed", async (r) => {
    // Chromium reports a request answered without a body (HEAD, 204) as
    // "failed, net::ERR_ABORTED" to Playwright (microsoft/playwright#32752);
    // zarrita HEADs a shard for its size. Such a one had a real answer.
    const answer = await r.response().catch(() => null);
    if (r.method() === "HEAD" && answer && answer.status() < 400) return;
    issues.push(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`);
  });
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (!["data:", "blob:"].includes(url.protocol) && url.origin !== origin && !checks.allowOrigins?.includes(url.origin)) {
      issues.push(`request outside the site: ${r.url()}`);
    }
  });
  page.on("response", async (r) => {
    const url = new URL(r.url());
    if (r.status() >= 400 && url.pathname !== "/favicon.ico") issues.push(`HTTP ${r.status()}: ${r.url()}`);
    if (seenBodies && /text|json|javascript|xml/.test(r.headers()["content-type"] ?? "")) {
      seenBodies.push(r.text().then((body) => ({ url: r.url(), body })).catch(() => null));
    }
  });
  return issues;
}

async function visit(context, base, spec, found) {
  const page = await context.newPage();
  const bodies = [];
  const issues = watch(page, new URL(base).origin, bodies);
  const url = new URL(spec.path, base).href;
  const label = spec.path;
  try {
    const response = await page.goto(url, { waitUntil: "load", timeout: 30000 });
    if (!response || !response.ok()) issues.push(`HTTP ${response?.status()} for the page`);
    // Every viewer must settle (mounted or failed) before judging.
    await page.waitForFunction(() => [...document.querySelectorAll("figure.viewer")]
      .every((f) => ["ready", "error"].includes(f.dataset.viewerState)), null, { timeout: 30000 })
      .catch(() => issues.push("viewers still loading after 30 s"));
    const figures = await page.$$("figure.viewer");
    const expected = (spec.viewers ?? []).map((v) => (typeof v === "string" ? { kind: v } : v));
    const used = new Set();
    for (const exp of expected) {
      let match = null;
      for (const [k, f] of figures.entries()) {
        if (used.has(k)) continue;
        const ok = await f.evaluate((f, e) => f.dataset.viewer === e.kind && (!e.id || f.id === e.id), exp);
        if (ok) { match = f; used.add(k); break; }
      }
      if (!match) { record(false, `${label}: a ${exp.kind} viewer${exp.id ? ` #${exp.id}` : ""}`, "not on the page"); continue; }
      await checkViewer(page, label, match, exp);
    }
    // Viewers nobody named still must not fail.
    for (const [k, f] of figures.entries()) {
      if (used.has(k)) continue;
      const s = await f.evaluate((f) => [f.dataset.viewer, f.dataset.viewerState, f.dataset.viewerError]);
      if (s[1] !== "ready") issues.push(`${s[0]} viewer is ${s[1]}: ${s[2] ?? ""}`);
    }
    if (checks.axe !== false) {
      await page.addScriptTag({ content: axeSource });
      const violations = await page.evaluate(async () =>
        (await window.axe.run(document, { resultTypes: ["violations"] })).violations.map((v) =>
          `${v.id} (${v.impact}): ${v.help}: ${v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join(", ")}`));
      record(!violations.length, `${label}: axe-core finds no violations`, violations.join("\n"));
    }
    if (checks.screenshots) {
      fs.mkdirSync(checks.screenshots, { recursive: true });
      await page.screenshot({ path: path.join(checks.screenshots, `${label.replace(/[^\w.-]+/g, "_") || "root"}.png`), fullPage: true });
    }
    // An SVG <a> (the lineage graph) has an SVGAnimatedString for href.
    const links = await page.$$eval("a[href]", (as) =>
      as.map((a) => (typeof a.href === "string" ? a.href : new URL(a.href.baseVal, document.baseURI).href)));
    for (const link of links) {
      const u = new URL(link);
      u.hash = "";
      // Pages of the site only: under the base, not the data server's paths.
      if (u.href.startsWith(new URL(base).href) && /(\/|\.html?)$/.test(u.pathname)) found.add(u.href);
    }
    found.add(new URL(url).href);
  } catch (error) {
    issues.push(`could not load: ${error.message}`);
  }
  for (const body of (await Promise.all(bodies)).filter(Boolean)) {
    for (const word of checks.forbidden ?? []) {
      if (body.body.includes(word)) issues.push(`forbidden "${word}" served in ${body.url}`);
    }
  }
  record(!issues.length, `${label}: loads cleanly`, issues.join("\n"));
  await page.close();
}

// Without JS a page must still read: its text is there and every viewer's
// fallback says something.
async function visitWithoutScript(browser, base, spec) {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await page.goto(new URL(spec.path, base).href, { timeout: 30000 });
    const problems = await page.evaluate(() => {
      const out = [];
      if ((document.body.innerText ?? "").trim().length < 20) out.push("the page has almost no text");
      for (const f of document.querySelectorAll("figure.viewer")) {
        if (!f.innerText.trim()) out.push(`the ${f.dataset.viewer} viewer has no fallback content`);
      }
      return out;
    });
    record(!problems.length, `${spec.path}: readable without JavaScript`, problems.join("\n"));
  } catch (error) {
    record(false, `${spec.path}: readable without JavaScript`, error.message);
  }
  await context.close();
}

async function search(context, base, spec) {
  const page = await context.newPage();
  const issues = watch(page, new URL(base).origin, null);
  const name = `search for "${spec.term}" finds "${spec.expect}"`;
  try {
    await page.goto(new URL(spec.path, base).href, { waitUntil: "load", timeout: 30000 });
    const input = page.locator(spec.input ?? "input[type=search]").first();
    await input.fill(spec.term);
    await input.press("Enter");
    const results = page.locator(spec.results ?? "main").first();
    try {
      await results.filter({ hasText: spec.expect }).waitFor({ timeout: 10000 });
    } catch {
      issues.push(`not found; the results say:\n${(await results.innerText()).trim().slice(0, 1500) || "(nothing)"}`);
    }
  } catch (error) {
    issues.push(error.message);
  }
  record(!issues.length, name, issues.join("\n"));
  await page.close();
}

// Every file of a served directory, for the forbidden strings.
function scanFiles(root, forbidden) {
  const hits = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) { walk(full); continue; }
      if (forbidden.some((w) => entry.name.includes(w))) hits.push(`file name ${full}`);
      const bytes = fs.readFileSync(full);
      for (const word of forbidden) if (bytes.includes(word)) hits.push(`"${word}" in ${full}`);
    }
  };
  walk(root);
  return hits;
}

// ---------------------------------------------------------------- main
const executablePath = process.env.STRATA_CHROMIUM ?? "/usr/bin/chromium";
let server = null;
let base = checks.base;
if (checks.root) {
  server = await serve(path.resolve(checks.root), checks.proxy);
  base = `http://127.0.0.1:${server.address().port}/`;
}
if (!base) throw new Error("the checks name neither a base URL nor a root directory");
if (!base.endsWith("/")) base += "/";

const browser = await chromium.launch({
  executablePath,
  headless: true,
  // The flags this machine kind needs: without the background-networking
  // ones chromium keeps calling out to a closed network.
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const found = new Set();
  const visited = new Set();
  for (const spec of checks.pages ?? []) {
    visited.add(new URL(spec.path, base).href);
    await visit(context, base, spec, found);
    if (checks.noScript !== false) await visitWithoutScript(browser, base, spec);
  }
  if (checks.crawl) {
    const max = checks.maxPages ?? 400;
    while (visited.size < max) {
      const next = [...found].find((u) => !visited.has(u));
      if (!next) break;
      visited.add(next);
      await visit(context, base, { path: next }, found);
    }
    record(visited.size < max || ![...found].some((u) => !visited.has(u)),
      `crawled ${visited.size} pages`, visited.size >= max ? `stopped at maxPages ${max}` : "");
  }
  if (checks.search) await search(context, base, checks.search);
  if (checks.root && checks.forbidden?.length) {
    const hits = scanFiles(path.resolve(checks.root), checks.forbidden);
    record(!hits.length, `no file of the site holds a forbidden string`, hits.join("\n"));
  }
} finally {
  await browser.close();
  server?.close();
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
