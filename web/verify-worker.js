// Checks a model file off the page's thread (`Quill.verify`): a fresh instance of the page's
// quill.wasm runs quill_model_error on a copy of the bytes and posts back null or the message.
import { modelError } from './quill.js';

self.onmessage = async ({ data: { module, bytes } }) => {
  try {
    const { exports } = await WebAssembly.instantiate(module, {});
    self.postMessage({ error: modelError(exports, bytes) });
  } catch (e) {
    self.postMessage({ error: `the check failed: ${e?.message ?? e}` });
  }
};
