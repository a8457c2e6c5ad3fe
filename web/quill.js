// Quill in the browser: the runtime's C ABI (runtime/include/quill.h), exported by quill.wasm,
// wrapped for JavaScript. The typing goes through the runtime's keyboard session
// (`quill_session_*`: the same code as the firmware, the C example and `quill keyboard`). No
// allocator runs inside the module: this file lays out everything in the module's memory
// itself, from `__heap_base` up (model bytes, the session's block, a predictor for the speed
// test, a few I/O slots), and grows the memory once to fit.
//
//   const wasm = await Quill.compile(fetch('pkg/quill-simd.wasm'));   // or loadWasm() below
//   const q = await Quill.open(wasm, modelBytes);                      // throws the runtime's message
//   // or, for a large file, read and checked in a worker so the page never waits on it:
//   const bytes = await Quill.verify(wasm, file);                     // a File, Blob or bytes
//   const q = await Quill.open(wasm, bytes, { verified: true });
//   q.type('hel'); q.topK();        // [{char: 'l', p: 0.91}, …]
//   q.words();                      // [{suffix: 'lo', p: 0.41}, …]  (the session's panel)
//   q.backspace(2);                 // exact, through the session's history
//   q.reprime('any text before the cursor');

const OK = 0;
const INPUT_TABLE = 1; // QUILL_INPUT_TABLE
const MODEL_VERIFIED = 2; // QUILL_MODEL_VERIFIED
const KEY_BACKSPACE = 1; // QUILL_KEY_BACKSPACE
const KEY_ACCEPT = 2; // QUILL_KEY_ACCEPT
const WORD_BYTES = 108; // sizeof(QuillWord): char suffix[100]; uint32_t suffix_len; float p
const CONFIG_BYTES = 44; // sizeof(QuillSessionConfig): 9 uint32_t and 2 floats
const TOKEN_PAST_END = 13; // QUILL_ERR_TOKEN: past the last learned word
const MAX_K = 4; // QUILL_SESSION_MAX_WORDS (the next characters are 3)
const TEXT_BYTES = 1024; // text handed over per call (longer text goes in pieces)
const MSG_BYTES = 512;
/** `open` copies a model into the module's memory this much at a time. */
const COPY_SLICE = 4 << 20;
/** The constructor's option, set by `open` only: the model is already in place. */
const PLACED = Symbol('placed');
/** `table: 'auto'` builds the input table up to this many weights (a larger model's table
 * takes long to build and saves little per step). */
const TABLE_WEIGHTS = 4e6;
/** `maxSteps: 'auto'` lets one key's word search step the model at most this many weights'
 * worth (at least one step): a key stays in the tens of milliseconds whatever the model. */
const KEY_WEIGHTS = 50e6;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Tiny modules that validate only where the engine has SIMD128 / relaxed SIMD. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253,
  15, 253, 98, 11,
]); // (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 0, 253,
  15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 147, 2, 11,
]); // three i8x16.splat, then i32x4.relaxed_dot_i8x16_i7x16_add_s

export function simdSupported() {
  return WebAssembly.validate(SIMD_PROBE);
}

export function relaxedSimdSupported() {
  return WebAssembly.validate(RELAXED_PROBE);
}

/** The builds, fastest first: the file and whether this engine can take it at all. */
export function builds() {
  return [
    { name: 'quill-relaxed', ok: relaxedSimdSupported() },
    { name: 'quill-simd', ok: simdSupported() },
    { name: 'quill', ok: true },
  ];
}

export class QuillError extends Error {}

export class Quill {
  /** Compiles quill.wasm from a Response, a promise of one, or its bytes. */
  static async compile(source) {
    const r = await source;
    if (r instanceof Response) {
      if (!r.ok) throw new QuillError(`cannot load ${r.url}: HTTP ${r.status}`);
      return WebAssembly.compile(await r.arrayBuffer());
    }
    return WebAssembly.compile(r);
  }

  /**
   * A keyboard session for `modelBytes` (Uint8Array) in a fresh instance of `module`.
   * Options: `history` (characters Backspace undoes exactly, default 64), `context`
   * (characters re-primed from the text when the cursor moves or a deletion goes past the
   * history, default 64), `table` (the first layer's input side from a per-character table:
   * faster, more memory; default 'auto': for models of up to 4 M weights), `maxSteps` (model
   * steps one key's word search may take, 0 for no limit; default 'auto': 50 M weights' worth,
   * at least one — far more than a phone-sized model needs, a bound for a huge one),
   * `verified` (the bytes passed `Quill.verify`: only their structure is read again),
   * `lexicon` and `blocked` (QLEX files' bytes: complete
   * only the lexicon's words and the learned ones, never the blocked ones; default none). The
   * rest are the session's defaults (`quill_session_default_config`).
   */
  static async open(module, modelBytes, options = {}) {
    const { exports: x } = await WebAssembly.instantiate(module, {});
    // The model goes where the constructor lays it out, copied a slice at a time with the page
    // given back between slices (copying 50 MB at once is tens of ms of the page's time).
    const { modelAt, top } = Quill.#layout(x.__heap_base.value, modelBytes.length);
    const missing = top - x.memory.buffer.byteLength;
    if (missing > 0) x.memory.grow(Math.ceil(missing / 65536));
    for (let i = 0; i < modelBytes.length; i += COPY_SLICE) {
      new Uint8Array(x.memory.buffer).set(modelBytes.subarray(i, i + COPY_SLICE), modelAt + i);
      if (modelBytes.length > COPY_SLICE) await new Promise((r) => setTimeout(r, 0));
    }
    return new Quill(x, modelBytes, { ...options, [PLACED]: true });
  }

  /** Where the I/O slots and the model go in a fresh instance, from `__heap_base` up, and the
   * first byte after them. */
  static #layout(heapBase, modelLen) {
    let top = heapBase;
    const take = (bytes, align = 16) => {
      top = Math.ceil(top / align) * align;
      const at = top;
      top += bytes;
      return at;
    };
    const slots = {
      out: take(8), // one size_t / uint32
      msg: take(MSG_BYTES),
      chars: take(4 * MAX_K),
      probs: take(4 * MAX_K),
      wordsAt: take(WORD_BYTES * MAX_K, 4),
      config: take(CONFIG_BYTES, 4),
      text: take(TEXT_BYTES),
      modelAt: take(modelLen, 64),
    };
    return { ...slots, top };
  }

  /**
   * Checks a model as `open` does (framing, checksum, every shape, every weight's value)
   * without blocking the page: in a worker where the engine has them (the check reads every
   * byte: a third of a second for a 50 MB model), else here. `source` is the model's bytes
   * (a Uint8Array) or a Blob/File: a file is read in the worker too (reading 50 MB into an
   * ArrayBuffer on the page held it for up to 140 ms at once). Throws the runtime's message for
   * a file that is not a usable model, or says the file could not be read. Returns the bytes:
   * in a worker they are handed over and back, and a Uint8Array `source` is left empty
   * (detached) — use the array returned. Then `open(module, bytes, { verified: true })` reads
   * only the structure of these bytes again.
   */
  static async verify(module, source) {
    const isBlob = typeof Blob !== 'undefined' && source instanceof Blob;
    if (typeof Worker === 'undefined') return Quill.#verifyHere(module, source, isBlob);
    const worker = new Worker(new URL('./verify-worker.js', import.meta.url), { type: 'module' });
    try {
      // The worker says it runs before it is handed the model: if it cannot start (an engine
      // without module workers), the bytes are still here for the check on this thread.
      await new Promise((resolve, reject) => {
        worker.onmessage = resolve;
        worker.onerror = reject;
      });
    } catch {
      worker.terminate();
      return Quill.#verifyHere(module, source, isBlob);
    }
    // A file goes as a handle (the worker reads it); bytes go and come back transferred, not
    // copied (cloning 50 MB took tens of ms of the page's time); a view of part of a larger
    // buffer is copied first.
    let message;
    if (isBlob) {
      message = [{ module, file: source }, []];
    } else {
      const whole = source.byteOffset === 0 && source.byteLength === source.buffer.byteLength;
      const sent = whole ? source : source.slice();
      message = [{ module, bytes: sent }, [sent.buffer]];
    }
    const reply = await new Promise((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => resolve({ error: `the check failed in its worker: ${e.message}`, bytes: null });
      worker.postMessage(...message);
    });
    worker.terminate();
    if (reply.unread !== undefined) throw new QuillError(`cannot be read: ${reply.unread}`);
    if (reply.error !== null) throw new QuillError(`not a usable model: ${reply.error}`);
    return reply.bytes;
  }

  static async #verifyHere(module, source, isBlob) {
    let bytes = source;
    if (isBlob) {
      try {
        bytes = new Uint8Array(await source.arrayBuffer());
      } catch (e) {
        throw new QuillError(`cannot be read: ${e?.message ?? e}`);
      }
    }
    const error = modelError((await WebAssembly.instantiate(module, {})).exports, bytes);
    if (error !== null) throw new QuillError(`not a usable model: ${error}`);
    return bytes;
  }

  constructor(
    exports,
    modelBytes,
    {
      history = 64,
      context = 64,
      table = 'auto',
      maxSteps = 'auto',
      lexicon = null,
      blocked = null,
      verified = false,
      [PLACED]: placed = false,
    } = {},
  ) {
    this.x = exports;
    this.history = history;
    this.context = context;
    const x = exports;
    // I/O slots first (fixed size), then the model and the blocks sized from it.
    const { top, ...slots } = Quill.#layout(x.__heap_base.value, modelBytes.length);
    Object.assign(this, slots);
    this.#top = top;
    this.#reserve(top);
    const take = (bytes, align = 16) => this.#take(bytes, align);
    this.modelLen = modelBytes.length;
    if (!placed) this.#u8().set(modelBytes, this.modelAt);
    // The word lists stay in the module's memory for the session's life.
    const place = (bytes) => {
      if (!bytes) return [0, 0];
      const at = take(bytes.length, 4);
      this.#u8().set(bytes, at);
      return [at, bytes.length];
    };
    const [lexAt, lexLen] = place(lexicon);
    const [blkAt, blkLen] = place(blocked);

    // Bytes `verify` accepted are read for their structure only (QUILL_MODEL_VERIFIED).
    if (!verified && x.quill_model_error(this.modelAt, this.modelLen, this.msg, MSG_BYTES) !== OK) {
      throw new QuillError(`not a usable model: ${this.#cstr(this.msg)}`);
    }
    const weights = x.quill_web_weights(this.modelAt, this.modelLen);
    const useTable = table === 'auto' ? weights <= TABLE_WEIGHTS : table;
    const steps = maxSteps === 'auto' ? (weights ? Math.max(1, Math.floor(KEY_WEIGHTS / weights)) : 0) : maxSteps;
    const flags = (useTable ? INPUT_TABLE : 0) | (verified ? MODEL_VERIFIED : 0);
    // The session: the defaults, with this page's history, context and input side.
    this.#check(x.quill_session_default_config(this.config), 'session config');
    const cfg = new DataView(x.memory.buffer, this.config, CONFIG_BYTES);
    cfg.setUint32(0, flags, true);
    cfg.setUint32(4, history, true);
    cfg.setUint32(8, context, true);
    cfg.setUint32(28, steps, true); // max_steps
    this.#check(x.quill_session_size(this.modelAt, this.modelLen, this.config, this.out), 'sizing');
    const sessionBytes = this.#size();
    const sessionAt = take(sessionBytes, 16);
    this.#check(
      x.quill_session_init(sessionAt, sessionBytes, this.modelAt, this.modelLen, this.config, this.out),
      'quill_session_init',
    );
    this.s = this.#u32(this.out);
    if (lexLen || blkLen) {
      this.#check(x.quill_session_set_word_lists(this.s, lexAt, lexLen, blkAt, blkLen, 0), 'word lists');
    }
    this.userWordsLen = x.quill_session_user_words_size(this.s);
    this.userWordsAt = take(Math.max(this.userWordsLen, 4), 4);
    this.flags = flags;
    this.description = this.#fill((o, n) => x.quill_web_describe(this.modelAt, this.modelLen, o, n));
    this.kernel = this.#fill((o, n) => x.quill_web_kernel(o, n));
  }

  /** Types text: each character a key of the session (the panel is updated once, at the end). */
  type(text) {
    for (const piece of this.#pieces(text)) {
      const n = this.#put(piece);
      this.#check(this.x.quill_session_type_utf8(this.s, this.text, n), 'typing');
    }
  }

  /** Deletes the `n` characters before the cursor: exact, through the session's history, for
   * up to `history` characters (`reprime` with the text left for more). */
  backspace(n = 1) {
    if (n === 1) this.#check(this.x.quill_session_press(this.s, KEY_BACKSPACE, 0), 'Backspace');
    else this.#check(this.x.quill_session_delete(this.s, n), 'deleting');
  }

  /** Types the `n`-th completion shown (0: what Tab accepts); returns its suffix. */
  accept(n = 0) {
    const word = this.words()[n];
    this.#check(this.x.quill_session_press(this.s, KEY_ACCEPT, n), 'accepting a word');
    return word?.suffix ?? '';
  }

  /** Starts over from `before` (the text before the cursor; '' for a new field): its last
   * `context` characters are typed afresh. */
  reprime(before) {
    const n = this.#put(this.#tail(before));
    this.#check(this.x.quill_session_reprime(this.s, this.text, n), 're-prime');
  }

  /** Feeds `text` `count` times into the speed-test predictor, one call each: the
   * per-character path as a keyboard drives it, with the UTF-8 written once so no JS string
   * work runs in the loop. */
  feedRepeated(text, count) {
    const n = this.#put(text);
    const { x, text: at } = this;
    const p = this.#predictor();
    for (let i = 0; i < count; i++) x.quill_feed_utf8(p, at, n);
  }

  /** Characters in the model's vocabulary (the unknown token included). */
  get vocab() {
    return this.x.quill_vocab_size(this.#predictor());
  }

  /** A predictor of its own for the speed test (feeding the session's would desynchronise
   * it), made on first use: building its input table is a task of its own for a large model,
   * not part of opening it. */
  #predictor() {
    if (this.#p === null) {
      const x = this.x;
      this.#check(x.quill_memory_size_ex(this.modelAt, this.modelLen, this.flags, this.out), 'sizing');
      const block = this.#size();
      const blockAt = this.#take(block, 16);
      this.#check(
        x.quill_init_ex(blockAt, block, this.modelAt, this.modelLen, this.flags, this.out),
        'quill_init_ex',
      );
      this.#p = this.#u32(this.out);
    }
    return this.#p;
  }

  reset() {
    this.reprime('');
  }

  /** The panel's next characters (3), most likely first. */
  topK() {
    this.#check(this.x.quill_session_next(this.s, this.chars, this.probs, 3, this.out), 'next');
    const n = this.#u32(this.out);
    const chars = new Uint32Array(this.x.memory.buffer, this.chars, n);
    const probs = new Float32Array(this.x.memory.buffer, this.probs, n);
    return Array.from(chars, (c, i) => ({ char: String.fromCodePoint(c), p: probs[i] }));
  }

  /** The panel's word completions: the characters that finish the current word. */
  words() {
    const x = this.x;
    this.#check(x.quill_session_words(this.s, this.wordsAt, MAX_K, this.out), 'words');
    const n = this.#u32(this.out);
    const view = new DataView(x.memory.buffer);
    const out = [];
    for (let i = 0; i < n; i++) {
      const at = this.wordsAt + i * WORD_BYTES;
      const len = view.getUint32(at + 100, true);
      out.push({
        suffix: fromUtf8.decode(new Uint8Array(x.memory.buffer, at, len)),
        p: view.getFloat32(at + 104, true),
      });
    }
    return out;
  }

  /** The learned words as bytes to keep (localStorage), or null when none are learned. */
  saveUserWords() {
    if (!this.userWordsLen) return null;
    this.#check(
      this.x.quill_session_save_user_words(this.s, this.userWordsAt, this.userWordsLen, this.out),
      'saving your words',
    );
    return new Uint8Array(this.x.memory.buffer, this.userWordsAt, this.#size()).slice();
  }

  /** Restores what saveUserWords returned; throws (the words unchanged) on damaged bytes. */
  restoreUserWords(bytes) {
    if (!this.userWordsLen || bytes.length > this.userWordsLen) {
      throw new QuillError('these saved words belong to another session (another size)');
    }
    this.#u8().set(bytes, this.userWordsAt);
    this.#check(
      this.x.quill_session_restore_user_words(this.s, this.userWordsAt, bytes.length),
      'restoring your words',
    );
  }

  /** The words held: [{word, uses}] (suggested from 2 uses). */
  userWords() {
    const out = [];
    for (let i = 0; ; i++) {
      const code = this.x.quill_session_user_word(this.s, i, this.msg, MSG_BYTES, this.out);
      if (code === TOKEN_PAST_END) break;
      this.#check(code, 'listing your words');
      out.push({ word: this.#cstr(this.msg), uses: this.#u32(this.out) });
    }
    return out;
  }

  forgetWord(word) {
    const n = this.#put(word);
    this.#check(this.x.quill_session_forget_word(this.s, this.text, n), 'forgetting a word');
  }

  clearUserWords() {
    this.#check(this.x.quill_session_clear_user_words(this.s), 'forgetting your words');
  }

  /** Model steps the last call took, and whether its word search was exact. */
  cost() {
    this.#check(this.x.quill_session_cost(this.s, this.out, this.out + 4), 'cost');
    const view = new DataView(this.x.memory.buffer);
    return { steps: view.getUint32(this.out, true), exact: view.getInt32(this.out + 4, true) === 1 };
  }

  // ---- memory ----------------------------------------------------------------------------

  /** The next free byte of the module's memory: blocks are laid out upwards from `__heap_base`. */
  #top = 0;
  /** The speed test's predictor, once made. */
  #p = null;

  #take(bytes, align = 16) {
    this.#top = Math.ceil(this.#top / align) * align;
    const at = this.#top;
    this.#top += bytes;
    this.#reserve(this.#top);
    return at;
  }

  #reserve(end) {
    const mem = this.x.memory;
    const missing = end - mem.buffer.byteLength;
    if (missing > 0) mem.grow(Math.ceil(missing / 65536));
  }

  #u8() {
    return new Uint8Array(this.x.memory.buffer);
  }

  #u32(at) {
    return new DataView(this.x.memory.buffer).getUint32(at, true);
  }

  #size() {
    return this.#u32(this.out); // size_t is 32 bits on wasm32
  }

  #put(text) {
    const room = new Uint8Array(this.x.memory.buffer, this.text, TEXT_BYTES);
    const { read, written } = utf8.encodeInto(text, room);
    if (read < text.length) throw new QuillError(`text longer than ${TEXT_BYTES} bytes of UTF-8`);
    return written;
  }

  /** The last `context` characters of `s` (all that re-priming reads), whole code points;
   * only the end of a long text is looked at. */
  #tail(s) {
    const end = s.slice(-2 * this.context - 1); // UTF-16: at most 2 units per code point
    const cps = Array.from(end);
    const first = end.charCodeAt(0);
    if (end.length < s.length && first >= 0xdc00 && first <= 0xdfff) cps.shift(); // half a pair
    return cps.slice(Math.max(0, cps.length - this.context)).join('');
  }

  /** `text` in pieces that fit the I/O slot as UTF-8, whole code points each. */
  *#pieces(text) {
    const cps = Array.from(text);
    for (let i = 0; i < cps.length; i += TEXT_BYTES / 4) yield cps.slice(i, i + TEXT_BYTES / 4).join('');
  }

  #cstr(at) {
    const bytes = this.#u8();
    let end = at;
    while (bytes[end] !== 0) end++;
    return fromUtf8.decode(bytes.subarray(at, end));
  }

  #fill(write) {
    const n = write(this.msg, MSG_BYTES);
    return fromUtf8.decode(this.#u8().subarray(this.msg, this.msg + n));
  }

  #check(code, what) {
    if (code === OK) return;
    const msg = this.#cstr(this.x.quill_error_message(code));
    throw new QuillError(`${what}: ${msg}`);
  }
}

/** `quill_model_error` on a copy of `bytes` in the fresh instance `x` (its memory from
 * `__heap_base` up): null for a usable model, else the runtime's message. */
export function modelError(x, bytes) {
  const at = Math.ceil(x.__heap_base.value / 64) * 64;
  const msg = at + bytes.length;
  const missing = msg + MSG_BYTES - x.memory.buffer.byteLength;
  if (missing > 0) x.memory.grow(Math.ceil(missing / 65536));
  const mem = new Uint8Array(x.memory.buffer);
  mem.set(bytes, at);
  if (x.quill_model_error(at, bytes.length, msg, MSG_BYTES) === OK) return null;
  const end = mem.indexOf(0, msg);
  return fromUtf8.decode(mem.subarray(msg, end < 0 ? msg + MSG_BYTES : end));
}

/** Whether this build's kernel computes as the portable one does in this engine
 * (`Kernel::verify` in a throwaway instance). */
export async function kernelAgrees(module) {
  const { exports } = await WebAssembly.instantiate(module, {});
  return exports.quill_web_verify() === 0;
}

/**
 * Compiles the fastest build this engine runs correctly: the first of `builds()` that
 * validates and whose kernel agrees with the portable one here (`quill_web_verify`, int8 bit
 * for bit). `only` names one build instead (for comparisons). Returns `{module, name, rejected}`
 * (`rejected`: builds that validated but failed the check).
 */
export async function loadWasm(dir = 'pkg', only = null) {
  const rejected = [];
  for (const { name, ok } of builds()) {
    if (only ? name !== only : !ok) continue;
    const module = await Quill.compile(fetch(`${dir}/${name}.wasm`));
    if (await kernelAgrees(module)) return { module, name, rejected };
    rejected.push(name);
  }
  throw new QuillError(`no build of quill.wasm computes correctly here (rejected: ${rejected.join(', ')})`);
}
