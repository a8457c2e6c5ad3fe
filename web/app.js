// The typing page: keeps one predictor in step with the text before the cursor, and after
// every change shows the top-3 next characters and up to three word completions.
//
// The predictor has consumed `consumed` (the text before the cursor when last synced). On each
// change: characters added at the end are typed (recorded for Backspace); characters removed
// from the end are undone exactly through the history (re-primed from the text once past it);
// anything else (cursor moved, an edit in the middle, a long paste) re-primes from the last 64
// characters before the cursor.

import { Quill, QuillError, loadWasm } from './quill.js';

const DEFAULT_MODEL = 'pkg/english-gru-1x256-int8.quill';
const BENCH_CHARS = 2000;
const LONG_PASTE = 64;

const $ = (id) => document.getElementById(id);
const area = $('text');
let wasm = null;
let q = null;
let consumed = '';
let words = [];

function showError(e) {
  const el = $('error');
  el.hidden = !e;
  el.textContent = e ? (e instanceof QuillError ? e.message : `error: ${e.message ?? e}`) : '';
}

/** Opens a model from its bytes; on failure the previous one stays. */
async function openModel(bytes, name) {
  const t0 = performance.now();
  const next = await Quill.open(wasm.module, bytes);
  const loadMs = performance.now() - t0;
  // Per-character time: 2,000 characters through the predictor, one call each (performance.now
  // is too coarse to time one character), after as many again to let the engine finish
  // compiling the module with its optimising tier.
  next.feedRepeated('e', BENCH_CHARS);
  const t1 = performance.now();
  next.feedRepeated('e', BENCH_CHARS);
  const us = ((performance.now() - t1) * 1000) / BENCH_CHARS;
  next.reset();
  q = next;
  $('model-name').textContent = `${name} (${bytes.length.toLocaleString('en')} bytes)`;
  $('model-arch').textContent = q.description;
  const skipped = wasm.rejected.length ? ` (${wasm.rejected.join(', ')} failed its check here)` : '';
  $('kernel').textContent = `${q.kernel} · ${wasm.name}.wasm${skipped}`;
  $('speed').textContent = `${us.toFixed(1)} µs per character · loaded and validated in ${loadMs.toFixed(1)} ms`;
  document.body.dataset.usPerChar = us.toFixed(3);
  consumed = '';
  area.disabled = false;
  sync(true);
}

/** Brings the predictor in step with the text before the cursor, then shows suggestions. */
function sync(force = false) {
  if (!q) return;
  const before = area.value.slice(0, area.selectionStart);
  if (before === consumed && !force) return;
  const t0 = performance.now();
  try {
    if (force) {
      q.reprime(before);
    } else if (before.startsWith(consumed) && [...before.slice(consumed.length)].length <= LONG_PASTE) {
      q.type(before.slice(consumed.length));
    } else if (consumed.startsWith(before)) {
      let left = [...consumed];
      const target = [...before].length;
      while (left.length > target) {
        left.pop();
        q.backspace(left.join(''));
      }
    } else {
      q.reprime(before);
    }
    consumed = before;
    render();
    showError(null);
  } catch (e) {
    showError(e);
  }
  $('key-time').textContent = `${(performance.now() - t0).toFixed(1)} ms for the state and all suggestions`;
}

const visible = (c) => ({ ' ': '␣', '\n': '⏎', '\t': '⇥' })[c] ?? c;
const percent = (p) => `${(p * 100).toFixed(p >= 0.1 ? 0 : 1)}%`;

function render() {
  const next = $('next');
  next.replaceChildren(
    ...q.topK(3).map(({ char, p }) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.char = char;
      b.dataset.p = String(p);
      b.append(visible(char));
      const s = document.createElement('small');
      s.textContent = percent(p);
      b.append(s);
      b.addEventListener('click', () => insert(char));
      return b;
    }),
  );
  words = q.words(3);
  const typed = consumed.match(/[\p{L}\p{N}']*$/u)[0];
  $('words').replaceChildren(
    ...words.map(({ suffix, p }) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.suffix = suffix;
      b.dataset.p = String(p);
      const strong = document.createElement('b');
      strong.textContent = suffix;
      b.append(typed, strong);
      const s = document.createElement('small');
      s.textContent = percent(p);
      b.append(s);
      b.addEventListener('click', () => insert(suffix));
      return b;
    }),
  );
}

function insert(text) {
  area.setRangeText(text, area.selectionStart, area.selectionEnd, 'end');
  area.focus();
  sync();
}

area.addEventListener('input', () => sync());
// The cursor can move without input (clicks, arrows, selection): re-sync on those too.
for (const ev of ['keyup', 'click', 'select']) area.addEventListener(ev, () => sync());
area.addEventListener('keydown', (e) => {
  if (e.key === 'Tab' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && words.length) {
    e.preventDefault();
    insert(words[0].suffix);
  }
});

$('file').addEventListener('change', async (e) => {
  const file = e.target.files?.[0];
  if (!file) return;
  try {
    await openModel(new Uint8Array(await file.arrayBuffer()), file.name);
    showError(null);
  } catch (err) {
    showError(new QuillError(`${file.name}: ${err.message}`));
  }
});

async function main() {
  if ('serviceWorker' in navigator && location.protocol !== 'file:') {
    navigator.serviceWorker.register('sw.js').catch(() => {}); // offline use is a bonus
  }
  try {
    // ?wasm=quill-simd (or quill) runs that build instead of the fastest, for comparison.
    wasm = await loadWasm('pkg', new URLSearchParams(location.search).get('wasm'));
    const r = await fetch(DEFAULT_MODEL);
    if (!r.ok) throw new QuillError(`cannot load ${DEFAULT_MODEL}: HTTP ${r.status} (run bash web/build.sh)`);
    await openModel(new Uint8Array(await r.arrayBuffer()), DEFAULT_MODEL.split('/').pop());
    area.focus();
  } catch (e) {
    $('model-name').textContent = 'none';
    showError(e);
  }
  document.body.dataset.ready = 'true';
}

main();
