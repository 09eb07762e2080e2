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
  const q = new URLSearchParams(window.location.search).get("q");
  if (q) ui.triggerSearch(q);
});
