// node search.mjs SITE PORT TERM: runs Pagefind's own search (its JS and WebAssembly) over a served site.
const [site, port, term] = process.argv.slice(2);
globalThis.window = globalThis;
globalThis.document = { querySelector: () => ({ getAttribute: () => "en" }), currentScript: null };
const pf = await import(site + "/pagefind/pagefind.js");
await pf.options({ basePath: `http://127.0.0.1:${port}/pagefind/`, baseUrl: "/" });
// The other shards of the index (pagefind-1/, …), merged as the search page does.
const { readdirSync } = await import("node:fs");
for (const dir of readdirSync(site).filter((d) => /^pagefind-\d+$/.test(d))) {
  await pf.mergeIndex(`http://127.0.0.1:${port}/${dir}/`);
}
await pf.init();
const r = await pf.search(term);
const data = await Promise.all(r.results.slice(0, 5).map((x) => x.data()));
console.log(JSON.stringify({ count: r.results.length, urls: data.map((d) => d.url) }));
