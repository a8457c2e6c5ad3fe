// The typing page: keeps one keyboard session (the runtime's `quill_session_*`) in step with
// the text before the cursor, and after every change shows its panel: the top-3 next characters
// and the word completions.
//
// The session has consumed `consumed` (the text before the cursor when last synced). On each
// change: characters added at the end are typed; characters removed from the end are undone
// exactly through the session's history — or, past it, re-primed from the last 64 characters
// left (a bounded amount of work however much was deleted); anything else (cursor moved, an
// edit in the middle, a long paste) re-primes from the last 64 characters before the cursor.

import { Quill, QuillError, loadWasm } from './quill.js';

const DEFAULT_MODEL = 'pkg/english-gru-1x256-int8.quill';
/** The words completion offers, and the words it never offers (QLEX files, see web/build.sh). */
const LEXICON = 'pkg/english.qlex';
const BLOCKED = 'pkg/blocked-en.qlex';
/** Where the learned words are kept between visits (they never leave the browser). */
const USER_WORDS_KEY = 'quill.userWords.v1';
const BENCH_CHARS = 2000;
/** The speed test stops after this long, however slow the model (a 50 MB model takes ms per
 * character), and gives the page back between slices. */
const BENCH_MS = 60;
const SLICE_MS = 15;
const LONG_PASTE = 64;
const HISTORY = 64;
/** Characters a re-prime types afresh (the session's context), fewer for a model so slow that
 * they would block the page longer than PRIME_MS (never fewer than MIN_CONTEXT). */
const CONTEXT = 64;
const MIN_CONTEXT = 8;
const PRIME_MS = 50;

const $ = (id) => document.getElementById(id);
const area = $('text');
let wasm = null;
let q = null;
let consumed = '';
let words = [];
let lists = { lexicon: null, blocked: null };
/** The model load in progress: a newer one makes an older one give up. */
let loading = 0;
/** With ?trace, every state the session was brought to — the text before the cursor, and
 * whether it was re-primed regardless — for the page's edit test (web/test/edits.mjs). */
const trace = new URLSearchParams(location.search).has('trace') ? (window.__synced = []) : null;

/** Code points in `s`, without building an array of them. */
function codePoints(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

/** Gives the page back for a moment (input, painting) during long work. */
const yieldToPage = () => new Promise((r) => setTimeout(r, 0));

/** Microseconds per character of `q`, measured in slices of at most SLICE_MS on the main
 * thread, BENCH_MS in all (after a warm-up slice, so the engine's optimising tier is in). */
async function speedTest(q, stillWanted) {
  let per = null;
  let chars = 0;
  let spent = 0;
  for (let round = 0; spent < BENCH_MS && chars < BENCH_CHARS; round++) {
    // Slice size from the last estimate, so one slice stays under SLICE_MS.
    const n = per === null ? 1 : Math.max(1, Math.min(BENCH_CHARS, Math.floor(SLICE_MS / per)));
    const t = performance.now();
    q.feedRepeated('e', n);
    const ms = performance.now() - t;
    per = ms / n;
    if (round > 0) {
      chars += n;
      spent += ms;
    }
    await yieldToPage();
    if (!stillWanted()) return null;
  }
  return chars ? (spent * 1000) / chars : per * 1000;
}

function showError(e) {
  const el = $('error');
  el.hidden = !e;
  el.textContent = e ? (e instanceof QuillError ? e.message : `error: ${e.message ?? e}`) : '';
}

/** Opens a model from a File/Blob (or a promise of one, or of its bytes); on failure the
 * previous one stays. A newer call supersedes an older one still loading (its result, or its
 * failure, is dropped): the order is the order of the calls, not of the files' reading. */
async function openModel(source, name) {
  const id = ++loading;
  const stillWanted = () => id === loading;
  const t0 = performance.now();
  let bytes;
  // The file is read and checked (every byte) in a worker; the page then reads the structure.
  try {
    source = await source;
    if (!stillWanted()) return;
    bytes = await Quill.verify(wasm.module, source);
  } catch (e) {
    if (stillWanted()) throw e; // a superseded load's failure is not the page's news
    return;
  }
  if (!stillWanted()) return;
  const next = await Quill.open(wasm.module, bytes, { history: HISTORY, context: CONTEXT, verified: true, ...lists });
  restoreUserWords(next);
  const loadMs = performance.now() - t0;
  await yieldToPage();
  if (!stillWanted()) return;
  const us = await speedTest(next, stillWanted);
  if (us === null) return;
  next.context = Math.max(MIN_CONTEXT, Math.min(CONTEXT, Math.floor((PRIME_MS * 1000) / us)));
  q = next;
  $('model-name').textContent = `${name} (${bytes.length.toLocaleString('en')} bytes)`;
  $('model-arch').textContent = q.description;
  const skipped = wasm.rejected.length ? ` (${wasm.rejected.join(', ')} failed its check here)` : '';
  $('kernel').textContent = `${q.kernel} · ${wasm.name}.wasm${skipped}`;
  $('speed').textContent = `${us.toFixed(1)} µs per character · loaded and validated in ${loadMs.toFixed(1)} ms`;
  document.body.dataset.usPerChar = us.toFixed(3);
  consumed = '';
  area.disabled = false;
  showUserWords();
  sync(true);
}

/** Brings the session in step with the text before the cursor, then shows its panel. */
function sync(force = false) {
  if (!q) return;
  const before = area.value.slice(0, area.selectionStart);
  if (before === consumed && !force) return;
  const t0 = performance.now();
  try {
    if (force) {
      q.reprime(before);
    } else if (before.startsWith(consumed) && codePoints(before) - codePoints(consumed) <= LONG_PASTE) {
      q.type(before.slice(consumed.length));
    } else if (consumed.startsWith(before) && codePoints(consumed) - codePoints(before) <= HISTORY) {
      q.backspace(codePoints(consumed) - codePoints(before));
    } else {
      q.reprime(before);
    }
    consumed = before;
    trace?.push({ before, force });
    render();
    showError(null);
    if (/[^\p{L}\p{N}']$/u.test(before)) keepUserWords(); // a word just ended
  } catch (e) {
    showError(e);
  }
  const { steps } = q.cost();
  $('key-time').textContent = `${(performance.now() - t0).toFixed(1)} ms and ${steps} model steps for the state and all suggestions`;
}

/** The learned words from the browser's storage, if any (bad bytes are dropped, said once). */
function restoreUserWords(session) {
  const saved = localStorage.getItem(USER_WORDS_KEY);
  if (!saved) return;
  try {
    session.restoreUserWords(Uint8Array.from(atob(saved), (c) => c.charCodeAt(0)));
  } catch (e) {
    localStorage.removeItem(USER_WORDS_KEY);
    showError(new QuillError(`your saved words could not be read and were dropped (${e.message})`));
  }
}

/** Saves the learned words into the browser's storage and shows them. */
function keepUserWords() {
  const bytes = q?.saveUserWords();
  if (!bytes) return;
  localStorage.setItem(USER_WORDS_KEY, btoa(String.fromCharCode(...bytes)));
  showUserWords();
}

function showUserWords() {
  const learned = q ? q.userWords().filter((w) => w.uses >= 2) : [];
  $('user-words').textContent = learned.length ? learned.map((w) => w.word).join(', ') : 'none yet';
  $('forget').disabled = learned.length === 0;
}

$('forget').addEventListener('click', () => {
  q?.clearUserWords();
  localStorage.removeItem(USER_WORDS_KEY);
  showUserWords();
  sync(true);
  area.focus();
});

/** The word lists, if this deployment has them (the page works without). */
async function fetchLists() {
  const get = async (url) => {
    const r = await fetch(url);
    return r.ok ? new Uint8Array(await r.arrayBuffer()) : null;
  };
  lists = { lexicon: await get(LEXICON), blocked: await get(BLOCKED) };
}

const visible = (c) => ({ ' ': '␣', '\n': '⏎', '\t': '⇥' })[c] ?? c;
const percent = (p) => `${(p * 100).toFixed(p >= 0.1 ? 0 : 1)}%`;

function render() {
  const next = $('next');
  next.replaceChildren(
    ...q.topK().map(({ char, p }) => {
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
  words = q.words();
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
  showError(null);
  try {
    await openModel(file, file.name);
  } catch (err) {
    showError(new QuillError(`${file.name}: ${err?.message || String(err) || 'cannot be opened'}`));
  }
});

async function main() {
  if ('serviceWorker' in navigator && location.protocol !== 'file:') {
    navigator.serviceWorker.register('sw.js').catch(() => {}); // offline use is a bonus
  }
  try {
    // ?wasm=quill-simd (or quill) runs that build instead of the fastest, for comparison.
    wasm = await loadWasm('pkg', new URLSearchParams(location.search).get('wasm'));
    await fetchLists();
    const r = await fetch(DEFAULT_MODEL);
    if (!r.ok) throw new QuillError(`cannot load ${DEFAULT_MODEL}: HTTP ${r.status} (run bash web/build.sh)`);
    await openModel(r.blob(), DEFAULT_MODEL.split('/').pop());
    area.focus();
  } catch (e) {
    $('model-name').textContent = 'none';
    showError(e);
  }
  document.body.dataset.ready = 'true';
}

main();
