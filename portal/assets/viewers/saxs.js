// SAXS: the scattering curve I(q) on log axes, and a Guinier fit (ln I
// against q², least squares over the low-q range where q·Rg ≤ 1.3) as a
// second plot, with Rg and I0 said in words.
//
// config: {"curve": URL of a text file of columns q, I, sigma ('#' starts
//          a comment), "format": "dat", "qUnit": optional, default "1/Å"}

import uPlot from "./vendor/uPlot.esm.js";
import { el, fmt, replaceFallback } from "./ui.js";

// Columns q, I and (optional) sigma, whitespace- or comma-separated; lines
// that are not numbers (headers) are skipped, as ATSAS and BioXTAS do.
export function parseDat(text) {
  const q = [], i = [], s = [];
  for (const line of text.split(/\r?\n/)) {
    const body = line.replace(/#.*/, "").trim();
    if (!body) continue;
    const cols = body.split(/[\s,;]+/).map(Number);
    if (cols.length < 2 || cols.slice(0, 2).some((v) => !Number.isFinite(v))) continue;
    q.push(cols[0]); i.push(cols[1]); s.push(Number.isFinite(cols[2]) ? cols[2] : null);
  }
  return { q, i, s };
}

// Guinier: ln I = ln I0 − (Rg²/3) q². Fits the first points (from the lowest
// q) and keeps the longest run whose last point has q·Rg ≤ 1.3, the usual
// limit for globular particles. Weighted by (I/σ)² when σ is given (the
// error of ln I is σ/I). Null when no run of at least 5 points fits.
export function guinier({ q, i, s }, limit = 1.3, minPoints = 5) {
  let best = null;
  let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let j = 0; j < q.length; j++) {
    if (!(i[j] > 0)) break; // ln I needs I > 0: the run stops here
    const x = q[j] * q[j], y = Math.log(i[j]);
    const w = s[j] > 0 ? (i[j] / s[j]) ** 2 : 1;
    sw += w; sx += w * x; sy += w * y; sxx += w * x * x; sxy += w * x * y;
    if (j + 1 < minPoints) continue;
    const det = sw * sxx - sx * sx;
    if (det <= 0) continue;
    const slope = (sw * sxy - sx * sy) / det;
    const intercept = (sy - slope * sx) / sw;
    if (slope >= 0) continue;
    const rg = Math.sqrt(-3 * slope);
    if (q[j] * rg <= limit) best = { rg, i0: Math.exp(intercept), slope, intercept, first: 0, last: j };
  }
  return best;
}

function plot(title, label, opts, data, width) {
  const options = {
    title, width, height: Math.round(width * 0.6),
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    ...opts,
  };
  const chart = new uPlot(options, data);
  // uPlot draws into a canvas: say what it shows for those who can't see it.
  const canvas = chart.root.querySelector("canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", label);
  return chart;
}

export async function mount(figure, config) {
  if (!config.curve) throw new Error("no curve (config.curve) to plot");
  const url = new URL(config.curve, document.baseURI);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  const curve = parseDat(await response.text());
  if (curve.q.length < 2) throw new Error("the curve has fewer than two points");
  const qUnit = config.qUnit ?? "1/Å";
  const width = Math.max(280, Math.min(640, figure.clientWidth || 640));

  // Log axes: only points with q > 0 and I > 0 can be drawn.
  const keep = curve.q.map((q, k) => q > 0 && curve.i[k] > 0);
  const logData = [curve.q.filter((_, k) => keep[k]), curve.i.filter((_, k) => keep[k])];
  const curveBox = el("div", { className: "saxs-plot" });
  const fitBox = el("div", { className: "saxs-plot" });
  const summary = el("p", { className: "viewer-note", "aria-live": "polite" });
  const ui = el("div", { className: "viewer-ui saxs-viewer" }, [curveBox, summary, fitBox]);
  replaceFallback(figure, ui);

  // Tick labels through fmt(): uPlot's own round small q² values to "0.001".
  const ticks = (u, splits) => splits.map((v) => fmt(v, 2));
  const axes = (x, y, values) => [{ label: x, stroke: "#222", ...(values && { values }) },
    { label: y, stroke: "#222", size: 70 }];
  const curveChart = plot("Scattering curve", `I(q) against q on log axes, ${logData[0].length} points, ` +
    `q from ${fmt(logData[0][0])} to ${fmt(logData[0].at(-1))} ${qUnit}`, {
    scales: { x: { time: false, distr: 3, log: 10 }, y: { distr: 3, log: 10 } },
    axes: axes(`q (${qUnit})`, "I(q)"),
    series: [{ label: "q" }, { label: "I(q)", stroke: "#1f4e9e", width: 1.5 }],
  }, logData, width);
  curveBox.append(curveChart.root);

  const fit = guinier(curve);
  if (!fit) {
    summary.textContent = "No Guinier region found (no run of 5 or more low-q points with a falling ln I and q·Rg ≤ 1.3).";
    return;
  }
  const qMin = curve.q[fit.first], qMax = curve.q[fit.last];
  summary.textContent = `Guinier fit: Rg = ${fmt(fit.rg, 4)} ${qUnit === "1/Å" ? "Å" : `(1/q unit)`}, ` +
    `I0 = ${fmt(fit.i0, 4)}, over q ${fmt(qMin)}–${fmt(qMax)} ${qUnit} ` +
    `(${fit.last - fit.first + 1} points, q·Rg ≤ ${fmt(qMax * fit.rg, 3)}).`;
  figure.dataset.rg = String(fit.rg); // for tests and scripts

  // The Guinier plot shows the fitted points and a little beyond (q·Rg ≤ 2),
  // so one can see where the line stops following the data.
  const xs = [], ys = [], line = [];
  for (let k = 0; k < curve.q.length && curve.q[k] * fit.rg <= 2; k++) {
    if (!(curve.i[k] > 0)) continue;
    const x = curve.q[k] ** 2;
    xs.push(x); ys.push(Math.log(curve.i[k]));
    line.push(k >= fit.first && k <= fit.last ? fit.intercept + fit.slope * x : null);
  }
  const fitChart = plot("Guinier plot", `ln I against q squared with the fitted line: ` +
    `Rg ${fmt(fit.rg, 4)}, I0 ${fmt(fit.i0, 4)}`, {
    scales: { x: { time: false } },
    axes: axes(`q² (${qUnit})²`, "ln I", ticks),
    series: [
      { label: "q²" },
      { label: "ln I", stroke: "#1f4e9e", paths: () => null, points: { show: true, size: 5, fill: "#1f4e9e" } },
      { label: "fit", stroke: "#b3261e", width: 2, points: { show: false } },
    ],
  }, [xs, ys, line], width);
  fitBox.append(fitChart.root);
}
