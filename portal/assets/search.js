// The search page: Pagefind's UI over the index built with the site. The
// site may live under any path: results are resolved against the site's
// root, one directory up from this page.
window.addEventListener("DOMContentLoaded", () => {
  const root = new URL("../", document.baseURI).pathname;
  // The index is built in shards (pagefind/, pagefind-1/, …); a search covers them all.
  const shards = Number(document.getElementById("search").dataset.shards || "1");
  const mergeIndex = [];
  for (let n = 1; n < shards; n++) mergeIndex.push({ bundlePath: root + "pagefind-" + n + "/" });
  const ui = new PagefindUI({
    element: "#search",
    baseUrl: root,
    bundlePath: root + "pagefind/",
    mergeIndex,
    showImages: false,
    showSubResults: false,
    resetStyles: false,
  });
  // Pagefind's input has a placeholder but no label: give it a visible one.
  const input = document.querySelector("#search input");
  if (input && !input.labels?.length) {
    input.id ||= "search-input";
    const label = document.createElement("label");
    label.htmlFor = input.id;
    label.textContent = "Search the public datasets";
    input.before(label);
  }
  const q = new URLSearchParams(window.location.search).get("q");
  if (q) ui.triggerSearch(q);
});
