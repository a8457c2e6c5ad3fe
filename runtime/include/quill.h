/* Quill runtime: next-character prediction for char RNN/GRU/LSTM models.
 *
 * Freestanding C ABI over caller memory: no malloc, no libc beyond memcpy/memmove/memset/memcmp.
 * Link with libquill.a: cargo build --release --manifest-path runtime/capi/Cargo.toml
 * (it lands in runtime/capi/target/release/libquill.a).
 *
 * Lifetime rule: the model bytes and the memory block passed to quill_init must stay valid and
 * must not move while the predictor is used. There is nothing to free.
 *
 *     size_t need;
 *     quill_memory_size(model, model_len, &need);
 *     static unsigned char mem[64 * 1024];            // or malloc(need)
 *     QuillPredictor *p;
 *     if (quill_init(mem, sizeof mem, model, model_len, &p) != QUILL_OK) { ... }
 *     quill_feed_utf8(p, (const uint8_t *)"hel", 3);
 *     uint32_t c[3]; float pr[3]; size_t n;
 *     quill_top_k(p, c, pr, 3, &n);                    // e.g. 'l' 0.91, 'p' 0.05, ...
 */
#ifndef QUILL_H
#define QUILL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QUILL_OK 0
#define QUILL_ERR_NULL 1               /* a required pointer is NULL */
#define QUILL_ERR_MODEL 2              /* invalid model bytes: see quill_model_error */
#define QUILL_ERR_MEMORY_TOO_SMALL 3   /* memory block smaller than quill_memory_size */
#define QUILL_ERR_SNAPSHOT_SIZE 4      /* snapshot buffer not quill_snapshot_size bytes, or misaligned */
#define QUILL_ERR_SELF_TEST_FAILED 5   /* outputs differ from those recorded at export */
#define QUILL_ERR_NO_SELF_TEST 6       /* the model file has no self-test section */
#define QUILL_ERR_MODEL_TOO_LARGE 7    /* buffers exceed the address space */
#define QUILL_ERR_FLAGS 8              /* unknown bits in the flags of a *_ex call */

/* quill_init_ex flag: compute the first layer's input side W_ih·emb[c] + b_ih for every
 * character once, into the memory block (vocab × gates × hidden floats more), instead of
 * multiplying on every keystroke. Faster; outputs are bit-identical. */
#define QUILL_INPUT_TABLE 1u

#define QUILL_MAX_K 64

typedef struct QuillPredictor QuillPredictor;

/* Bytes of memory quill_init needs for this model. */
int quill_memory_size(const uint8_t *model, size_t model_len, size_t *out_bytes);

/* Validates the model (framing, checksum, every shape) and builds a predictor in `memory`. */
int quill_init(uint8_t *memory, size_t memory_len, const uint8_t *model, size_t model_len,
               QuillPredictor **out);

/* The same with flags (0 or QUILL_INPUT_TABLE); size the memory with quill_memory_size_ex. */
int quill_memory_size_ex(const uint8_t *model, size_t model_len, uint32_t flags, size_t *out_bytes);
int quill_init_ex(uint8_t *memory, size_t memory_len, const uint8_t *model, size_t model_len,
                  uint32_t flags, QuillPredictor **out);

/* Feeds UTF-8 bytes; any bytes are accepted (invalid sequences count as unknown characters). */
int quill_feed_utf8(QuillPredictor *p, const uint8_t *bytes, size_t len);

/* Back to the start of a text. */
int quill_reset(QuillPredictor *p);

/* The k (<= QUILL_MAX_K) most likely next characters as Unicode scalar values, with their
 * probabilities, most likely first. *written receives how many entries were filled. */
int quill_top_k(QuillPredictor *p, uint32_t *chars, float *probs, size_t k, size_t *written);

/* Snapshots: quill_snapshot_size bytes, 4-byte aligned; restore is bit-identical. */
size_t quill_snapshot_size(QuillPredictor *p);
int quill_snapshot(QuillPredictor *p, uint8_t *out, size_t len);
int quill_restore(QuillPredictor *p, const uint8_t *snapshot, size_t len);

/* Checks the model against the outputs recorded at export (after an over-the-air update). */
int quill_self_test(QuillPredictor *p);

/* A static description of an error code. */
const char *quill_error_message(int code);

/* Why these model bytes do not load, written NUL-terminated into msg; QUILL_OK if they do. */
int quill_model_error(const uint8_t *model, size_t model_len, char *msg, size_t msg_len);

#ifdef __cplusplus
}
#endif

#endif /* QUILL_H */
