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
#define QUILL_ERR_MEMORY_TOO_SMALL 3   /* predictor block smaller than quill_memory_size(_ex) */
#define QUILL_ERR_SNAPSHOT_SIZE 4      /* snapshot buffer not quill_snapshot_size bytes, or misaligned */
#define QUILL_ERR_SELF_TEST_FAILED 5   /* outputs differ from those recorded at export */
#define QUILL_ERR_NO_SELF_TEST 6       /* the model file has no self-test section */
#define QUILL_ERR_MODEL_TOO_LARGE 7    /* buffers exceed the address space */
#define QUILL_ERR_FLAGS 8              /* unknown bits in the flags of a *_ex call */
#define QUILL_ERR_CHAR 9               /* not a Unicode scalar value, or text not valid UTF-8 */
#define QUILL_ERR_HISTORY_EMPTY 10     /* Backspace past the history: re-prime instead */
#define QUILL_ERR_BIAS 11              /* bias length != quill_vocab_size, or a NaN/+inf entry */
#define QUILL_ERR_BEAM 12              /* beam width outside 1..QUILL_MAX_BEAM */
#define QUILL_ERR_TOKEN 13             /* token 0 (unknown: no character) or >= quill_vocab_size */
#define QUILL_ERR_OUTPUT_TOO_SMALL 14  /* an output array shorter than the call needs */
#define QUILL_ERR_TEMPERATURE 15       /* temperature negative, NaN or infinite */
#define QUILL_ERR_NO_PREDICTION 16     /* no character has a finite score (overflowing weights) */
#define QUILL_ERR_SCRATCH_TOO_SMALL 17 /* completion scratch < quill_completion_scratch_size */
#define QUILL_ERR_HISTORY_TOO_SMALL 18 /* history block < quill_history_size for depth 1 */
#define QUILL_ERR_HISTORY_DEPTH 19     /* quill_history_size with depth 0 */
#define QUILL_ERR_SNAPSHOT_INVALID 20  /* snapshot contents no predictor state has (predictor untouched) */
#define QUILL_ERR_USER_WORDS 21        /* bytes that are not a save of these user words (unchanged) */
#define QUILL_ERR_LEXICON 22           /* lexicon bytes that are not a valid QLEX file */
#define QUILL_ERR_NOT_BUILT 23         /* the model needs a cell or f32 weights this build leaves out */

/* quill_init_ex flag: compute the first layer's input side W_ih·emb[c] + b_ih for every
 * character once, into the memory block (vocab × gates × hidden floats more), instead of
 * multiplying on every keystroke. Faster; outputs are bit-identical. */
#define QUILL_INPUT_TABLE 1u
/* quill_init_ex and session config flag: these exact model bytes were accepted by
 * quill_model_error before (in another thread, e.g. a web page's worker, or earlier in this
 * process), so only their structure (every length and shape) is checked again, not the checksum
 * nor the weights' values: the passes over every byte. Never set it for bytes that were not
 * verified: they are read without undefined behaviour, but may predict garbage or NaN. */
#define QUILL_MODEL_VERIFIED 2u

#define QUILL_MAX_K 64

typedef struct QuillPredictor QuillPredictor;

/* Bytes of memory quill_init needs for this model. */
int quill_memory_size(const uint8_t *model, size_t model_len, size_t *out_bytes);

/* Validates the model (framing, checksum, every shape) and builds a predictor in `memory`. */
int quill_init(uint8_t *memory, size_t memory_len, const uint8_t *model, size_t model_len,
               QuillPredictor **out);

/* The same with flags (0, QUILL_INPUT_TABLE, QUILL_MODEL_VERIFIED or both); size the memory
 * with quill_memory_size_ex and the same flags. */
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

/* Snapshots: quill_snapshot_size bytes, 4-byte aligned; restore is bit-identical. Restore checks
 * what it can (every value finite, the UTF-8 decoder state well-formed) and refuses the rest with
 * QUILL_ERR_SNAPSHOT_INVALID; a snapshot of another model of the same size cannot be detected. */
size_t quill_snapshot_size(QuillPredictor *p);
int quill_snapshot(QuillPredictor *p, uint8_t *out, size_t len);
int quill_restore(QuillPredictor *p, const uint8_t *snapshot, size_t len);

/* Checks the model against the outputs recorded at export (after an over-the-air update). */
int quill_self_test(QuillPredictor *p);

/* ---- Keyboard features ------------------------------------------------------------------
 *
 *     QuillHistory *h;                                  // exact Backspace for the last N keys
 *     quill_history_size(p, 16, &need);  quill_history_init(p, hist_mem, need, &h);
 *     quill_history_type(h, p, 'h');                    // every typed character
 *     quill_completion_scratch_size(p, 4, &need);       // once
 *     QuillWord w[3]; size_t n;
 *     quill_complete_words(p, scratch, need, 4, NULL, 0, w, 3, &n);   // w[0].suffix: "ello"
 *     quill_history_type_utf8(h, p, (const uint8_t *)w[0].suffix, w[0].suffix_len);  // Tab
 *     quill_history_backspace_or_reprime(h, p, before_cursor, before_len, 64);        // Backspace
 *     quill_history_reprime(h, p, before_cursor, before_len, 64);   // cursor moved, new field
 */

#define QUILL_MAX_BEAM 8
#define QUILL_MAX_WORD_CHARS 24
#define QUILL_MAX_WORDS 16

/* One completion: the characters that finish the current word, NUL-terminated UTF-8. */
typedef struct {
    char suffix[QUILL_MAX_WORD_CHARS * 4 + 4];
    uint32_t suffix_len;   /* bytes before the NUL */
    float probability;     /* P(these characters, then a non-word character) */
} QuillWord;

typedef struct QuillHistory QuillHistory;

/* Tokens in the vocabulary, unknown (0) included: the length of a bias array. */
size_t quill_vocab_size(QuillPredictor *p);
/* Character <-> token, for building bias arrays (token 0: not in the vocabulary). */
int quill_token_of(QuillPredictor *p, uint32_t ch, uint32_t *token);
int quill_token_char(QuillPredictor *p, uint32_t token, uint32_t *ch);

/* quill_top_k with bias[token] added to each logit (-INFINITY: a key the layout lacks;
 * positive: boost); bias_len must be quill_vocab_size. */
int quill_top_k_biased(QuillPredictor *p, const float *bias, size_t bias_len, uint32_t *chars,
                       float *probs, size_t k, size_t *written);

/* Word completion: a beam search (width 1..QUILL_MAX_BEAM) from the current state to the next
 * non-word character (letters, digits and ' continue a word). Fills up to k (<= QUILL_MAX_WORDS)
 * words, most likely first; bias may be NULL. The predictor is left as it was. The scratch
 * block (any alignment) is sized by quill_completion_scratch_size for the same beam. */
int quill_completion_scratch_size(QuillPredictor *p, size_t beam, size_t *out_bytes);
int quill_complete_words(QuillPredictor *p, uint8_t *scratch, size_t scratch_len, size_t beam,
                         const float *bias, size_t bias_len, QuillWord *words, size_t k,
                         size_t *written);

/* Backspace history: the states before the last `depth` typed characters, in `memory` (which
 * must stay valid and unmoved). Backspace within it is bit-identical to never having typed. */
int quill_history_size(QuillPredictor *p, size_t depth, size_t *out_bytes);
int quill_history_init(QuillPredictor *p, uint8_t *memory, size_t memory_len, QuillHistory **out);
size_t quill_history_capacity(QuillHistory *h);
int quill_history_type(QuillHistory *h, QuillPredictor *p, uint32_t ch);
int quill_history_type_utf8(QuillHistory *h, QuillPredictor *p, const uint8_t *utf8, size_t len);
/* QUILL_ERR_HISTORY_EMPTY (predictor untouched) when nothing is left to undo. */
int quill_history_backspace(QuillHistory *h, QuillPredictor *p);
/* Reset, forget the history, type the last max_chars characters of the UTF-8 context. */
int quill_history_reprime(QuillHistory *h, QuillPredictor *p, const uint8_t *context, size_t len,
                          size_t max_chars);
/* Backspace from the history, or past it a re-prime from the text left before the cursor. */
int quill_history_backspace_or_reprime(QuillHistory *h, QuillPredictor *p,
                                       const uint8_t *remaining, size_t len, size_t max_chars);

/* ---- The keyboard session: what every front end uses ----------------------------------
 *
 * One call per key; after it, the panel (next characters and word completions) is read back.
 * The session keeps the predictor, the exact Backspace history, the end of the text and a
 * cache of word prefixes that makes completion cost a few model steps per key. Tab
 * (QUILL_KEY_ACCEPT with 0) types exactly the first completion shown.
 *
 *     QuillSessionConfig cfg; quill_session_default_config(&cfg);
 *     quill_session_size(model, model_len, &cfg, &bytes);
 *     quill_session_init(memory, bytes, model, model_len, &cfg, &s);
 *     quill_session_press(s, QUILL_KEY_CHAR, 'h');
 *     quill_session_next(s, chars, probs, 3, &n);     quill_session_words(s, words, 3, &n);
 *     quill_session_press(s, QUILL_KEY_ACCEPT, 0);    // Tab
 *     quill_session_press(s, QUILL_KEY_BACKSPACE, 0);
 *     quill_session_reprime(s, before_cursor, before_len);   // cursor moved, new field
 */

typedef struct QuillSession QuillSession;

#define QUILL_KEY_CHAR 0
#define QUILL_KEY_BACKSPACE 1
#define QUILL_KEY_ACCEPT 2
#define QUILL_SESSION_MAX_WORDS 4

typedef struct {
    uint32_t flags;      /* 0, QUILL_INPUT_TABLE, QUILL_MODEL_VERIFIED or both */
    uint32_t history;    /* characters Backspace undoes exactly */
    uint32_t text;       /* characters kept to re-prime from past the history */
    uint32_t cache;      /* word prefixes cached across keys (one model state each) */
    uint32_t words;      /* completions shown, <= QUILL_SESSION_MAX_WORDS */
    uint32_t max_suffix; /* longest completion in characters, <= QUILL_MAX_WORD_CHARS */
    float floor;         /* a completion is shown only at or above this probability */
    uint32_t max_steps;  /* model steps one key's word search may take; 0: no limit */
    uint32_t user_words; /* words learned from the text typed (0: none; 64 take 2 KB) */
    float user_weight;   /* learned words' own frequency against the model's, 0..1 */
    uint32_t sibling_sets; /* sets of hidden-side products the word search shares among a
                              prefix's children (each layers x gates x hidden floats; 0: none) */
} QuillSessionConfig;

int quill_session_default_config(QuillSessionConfig *out);
int quill_session_size(const uint8_t *model, size_t model_len, const QuillSessionConfig *cfg,
                       size_t *out_bytes);
int quill_session_init(uint8_t *memory, size_t memory_len, const uint8_t *model,
                       size_t model_len, const QuillSessionConfig *cfg, QuillSession **out);
/* key: QUILL_KEY_CHAR (ch: a Unicode scalar value), QUILL_KEY_BACKSPACE, QUILL_KEY_ACCEPT
 * (ch: which completion shown, 0 for Tab; nothing happens when fewer are shown). */
int quill_session_press(QuillSession *s, uint32_t key, uint32_t ch);
/* Deletes the n characters before the cursor, the panel updated once (as n Backspaces). Past
 * cfg.history characters, call quill_session_reprime with the text left instead. */
int quill_session_delete(QuillSession *s, size_t n);
/* Types UTF-8 text (a paste), the panel updated once at the end. */
int quill_session_type_utf8(QuillSession *s, const uint8_t *text, size_t len);
/* Starts over from the UTF-8 text before the cursor (len 0: a new field). */
int quill_session_reprime(QuillSession *s, const uint8_t *context, size_t len);
int quill_session_next(QuillSession *s, uint32_t *chars, float *probs, size_t k,
                       size_t *written);
int quill_session_words(QuillSession *s, QuillWord *words, size_t k, size_t *written);
/* The typed part of the current word (what a completion finishes), NUL-terminated UTF-8. */
int quill_session_typed_word(QuillSession *s, char *out, size_t out_len, size_t *written);
/* Model steps the last call took, and whether its word search was exact (1) or stopped by
 * max_steps or the cache's size (0). */
int quill_session_cost(QuillSession *s, uint32_t *steps, int *exact);
/* Completes the words of `lexicon` (a QLEX file from `quill lexicon`; NULL for none) and the
 * learned words — only those with `others` 0, or preferring them with `others` in (0, 1], the
 * weight kept on a word the lexicon lacks — never those of `blocked` (a QLEX file; NULL for
 * none). Both stay valid and unmoved while used; bad bytes: QUILL_ERR_LEXICON, nothing changed. */
int quill_session_set_word_lists(QuillSession *s, const uint8_t *lexicon, size_t lexicon_len,
                                 const uint8_t *blocked, size_t blocked_len, float others);
/* The learned words: persist them with save/restore (damaged bytes: QUILL_ERR_USER_WORDS, the
 * words unchanged), list them (index 0.. until QUILL_ERR_TOKEN; a word is suggested from 2
 * uses), forget one or all. */
size_t quill_session_user_words_size(QuillSession *s);
int quill_session_save_user_words(QuillSession *s, uint8_t *out, size_t len, size_t *written);
int quill_session_restore_user_words(QuillSession *s, const uint8_t *data, size_t len);
int quill_session_user_word(QuillSession *s, size_t index, char *out, size_t out_len,
                            uint32_t *uses);
int quill_session_forget_word(QuillSession *s, const uint8_t *word, size_t len);
int quill_session_clear_user_words(QuillSession *s);

/* If the library ever panics (a bug: no input reaches a panic), it calls this hook with a
 * NUL-terminated message, then executes an undefined instruction (HardFault on a Cortex-M,
 * SIGILL on Linux/Android) instead of hanging. NULL clears the hook. A hook that returns does
 * not stop the trap. */
typedef void (*QuillPanicHook)(const char *message);
void quill_set_panic_hook(QuillPanicHook hook);

/* A static description of an error code. */
const char *quill_error_message(int code);

/* Why these model bytes do not load, written NUL-terminated into msg; QUILL_OK if they do. */
int quill_model_error(const uint8_t *model, size_t model_len, char *msg, size_t msg_len);

#ifdef __cplusplus
}
#endif

#endif /* QUILL_H */
