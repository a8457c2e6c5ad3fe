// Checks a model file off the page's thread (`Quill.verify`): a fresh instance of the page's
// quill.wasm runs quill_model_error on a copy of the bytes and posts back null or the message,
// with the bytes themselves (transferred both ways, never cloned).
import { modelError } from './quill.js';

self.onmessage = async ({ data: { module, bytes } }) => {
  let error;
  try {
    const { exports } = await WebAssembly.instantiate(module, {});
    error = modelError(exports, bytes);
  } catch (e) {
    error = `the check failed: ${e?.message ?? e}`;
  }
  self.postMessage({ error, bytes }, [bytes.buffer]);
};
// Running, and listening: the page may hand over the bytes now.
self.postMessage({ ready: true });
