// Per-character time and load + validate time of quill.wasm in headless Chromium, for each
// model given, with the SIMD128 build and without it. One character = one quill_feed_utf8 call
// from JavaScript (what the page does per key, without the suggestions), timed over 20,000
// calls after 20,000 more to let V8 tier the module up, median of 5 rounds. Prints a Markdown
// table, and writes it as JSON to OUT if given.
//
//   node bench.mjs [--out OUT.json] MODEL.quill ...

import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { serve } from './serve.mjs';

let args = process.argv.slice(2);
let out = null;
if (args[0] === '--out') [, out, ...args] = args;
const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const models = args.map((m) => resolve(m));
const dirs = Object.fromEntries(models.map((m, i) => [`/m${i}/`, dirname(m)]));
const server = await serve(web, dirs);
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launchChromium();
const page = await browser.newPage();
await page.goto(`${base}/index.html?bench`);
const rows = [];
for (const [i, model] of models.entries()) {
  for (const build of ['quill-relaxed', 'quill-simd', 'quill']) {
    const r = await page.evaluate(
      async ({ wasmUrl, modelUrl }) => {
        const { Quill } = await import('/quill.js');
        const module = await Quill.compile(fetch(wasmUrl));
        const bytes = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
        const q = await Quill.open(module, bytes, { table: false });
        const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
        const N = 20000;
        q.feedRepeated('e', N); // warm-up: Liftoff first, TurboFan takes over meanwhile
        const perChar = [];
        for (let r = 0; r < 5; r++) {
          const t = performance.now();
          q.feedRepeated('e', N);
          perChar.push(((performance.now() - t) * 1000) / N);
        }
        const x = q.x;
        const load = [];
        for (let r = 0; r < 5; r++) {
          const t = performance.now();
          for (let k = 0; k < 20; k++) x.quill_model_error(q.modelAt, q.modelLen, q.msg, 512);
          load.push(((performance.now() - t) * 1000) / 20);
        }
        return { kernel: q.kernel, arch: q.description, usPerChar: median(perChar), loadUs: median(load) };
      },
      { wasmUrl: `/pkg/${build}.wasm`, modelUrl: `/m${i}/${basename(model)}` },
    );
    rows.push({ model: basename(model), build, bytes: readFileSync(model).length, ...r });
  }
}
await browser.close();
server.close();
console.log(`Chromium ${browser.version()}, one thread`);
console.log('| model | wasm build (kernel) | µs per char | load + validate |');
console.log('|---|---|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.model} (${r.arch}) | ${r.build}.wasm (${r.kernel}) | ${r.usPerChar.toFixed(2)} | ${r.loadUs.toFixed(0)} µs |`);
}
if (out) writeFileSync(out, JSON.stringify({ chromium: browser.version(), rows }, null, 2));
