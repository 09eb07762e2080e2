// Small DOM helpers shared by the viewers (no framework: a page has one or
// two viewers and a handful of controls).

// el("input", {type: "range", id: "x"}, [children]): properties are set as
// properties when the element has them (className, textContent, htmlFor…),
// else as attributes (role, aria-*, data-*).
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    // role and aria-* as attributes: not every browser reflects them.
    if (key in node && !key.includes("-") && key !== "role") node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

// A labelled slider over 0..count-1 whose current value is also said in
// words (an <output> for sight, aria-valuetext for screen readers).
export function rangeControl(id, label, count, value, describe) {
  const input = el("input", {
    type: "range", id, name: id.split("-").pop(), min: 0, max: Math.max(0, count - 1),
    step: 1, value,
  });
  const output = el("output", { htmlFor: id });
  const say = () => {
    const text = describe(Number(input.value));
    output.textContent = text;
    input.setAttribute("aria-valuetext", text);
  };
  input.addEventListener("input", say);
  say();
  const element = el("div", { className: "viewer-slider" },
    [el("label", { htmlFor: id, textContent: label }), input, output]);
  return { element, input, count, value: () => Number(input.value) };
}

// Puts a viewer's UI into its figure. Fallback content the generator marked
// with class "viewer-fallback" is hidden (the viewer shows the same thing
// better); anything else, such as the figcaption, stays.
export function replaceFallback(figure, ui) {
  const fallbacks = figure.querySelectorAll(":scope > .viewer-fallback");
  const caption = figure.querySelector(":scope > figcaption");
  figure.insertBefore(ui, fallbacks[0] ?? caption ?? null);
  for (const node of fallbacks) node.hidden = true;
}

// Numbers for people: a few significant digits, no exponent for usual sizes.
export function fmt(value, digits = 3) {
  if (value === null || value === undefined || value === "") return "–";
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  if (n !== 0 && (Math.abs(n) >= 1e5 || Math.abs(n) < 1e-3)) return n.toExponential(digits - 1);
  return String(Number(n.toPrecision(digits)));
}
