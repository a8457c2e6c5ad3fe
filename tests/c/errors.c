/* Every error code a C caller can cause, caused from C: one line per case,
 *   NAME <TAB> code <TAB> quill_error_message(code)
 * and the predictor checked unchanged after each refused call.
 *   errors GOOD.quill NO_SELF_TEST.quill BAD_SELF_TEST.quill
 * (Not reachable from C, so not here: QUILL_ERR_MODEL_TOO_LARGE needs buffers beyond the
 * address space, and QUILL_ERR_OUTPUT_TOO_SMALL / _TEMPERATURE / _NO_PREDICTION come from Rust
 * calls the C ABI does not expose; tests/tests/c_abi_keyboard_errors.rs maps them.) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "quill.h"

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "cannot open %s\n", path); exit(2); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) exit(2);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void report(const char *name, int rc) {
    printf("%s\t%d\t%s\n", name, rc, quill_error_message(rc));
}

static QuillPredictor *open_model(const unsigned char *m, size_t len, unsigned char **mem) {
    size_t need = 0;
    QuillPredictor *p = NULL;
    if (quill_memory_size(m, len, &need) != QUILL_OK) exit(3);
    *mem = aligned_alloc(16, (need + 15) / 16 * 16);
    if (quill_init(*mem, need, m, len, &p) != QUILL_OK) exit(3);
    return p;
}

/* The top-3 as one comparable value. */
static void top3(QuillPredictor *p, uint32_t c[3], float pr[3]) {
    size_t n = 0;
    memset(c, 0, 12);
    memset(pr, 0, 12);
    if (quill_top_k(p, c, pr, 3, &n) != QUILL_OK) exit(4);
}

static int unchanged = 1;
static void expect_unchanged(QuillPredictor *p, const uint32_t c0[3], const float p0[3], const char *after) {
    uint32_t c[3]; float pr[3];
    top3(p, c, pr);
    if (memcmp(c, c0, 12) != 0 || memcmp(pr, p0, 12) != 0) {
        printf("CHANGED after %s\n", after);
        unchanged = 0;
    }
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: errors GOOD NO_SELF_TEST BAD_SELF_TEST\n"); return 2; }
    size_t len, len_nst, len_bst;
    unsigned char *good = read_file(argv[1], &len);
    unsigned char *nst = read_file(argv[2], &len_nst);
    unsigned char *bst = read_file(argv[3], &len_bst);
    unsigned char *mem, *mem2, *mem3;
    QuillPredictor *p = open_model(good, len, &mem), *q = NULL;
    size_t need = 0, n = 0;
    uint32_t c0[3]; float p0[3];

    quill_feed_utf8(p, (const uint8_t *)"ab", 2);
    top3(p, c0, p0);

    report("NULL", quill_top_k(p, NULL, NULL, 3, &n));
    good[len / 2] ^= 0x10;
    report("MODEL", quill_memory_size(good, len, &need));
    good[len / 2] ^= 0x10;
    quill_memory_size(good, len, &need);
    unsigned char *small = aligned_alloc(16, 64);
    report("MEMORY_TOO_SMALL", quill_init(small, 64, good, len, &q));
    size_t snap_len = quill_snapshot_size(p);
    float *snap = calloc(snap_len / 4 + 1, 4);
    report("SNAPSHOT_SIZE", quill_snapshot(p, (uint8_t *)snap, snap_len - 4));
    expect_unchanged(p, c0, p0, "SNAPSHOT_SIZE");
    if (quill_snapshot(p, (uint8_t *)snap, snap_len) != QUILL_OK) return 5;
    snap[0] = NAN;
    report("SNAPSHOT_INVALID", quill_restore(p, (const uint8_t *)snap, snap_len));
    expect_unchanged(p, c0, p0, "SNAPSHOT_INVALID");

    QuillPredictor *pb = open_model(bst, len_bst, &mem2);
    report("SELF_TEST_FAILED", quill_self_test(pb));
    QuillPredictor *pn = open_model(nst, len_nst, &mem3);
    report("NO_SELF_TEST", quill_self_test(pn));
    report("FLAGS", quill_memory_size_ex(good, len, 4, &need));
    uint32_t token = 0;
    report("CHAR", quill_token_of(p, 0xD800, &token));
    report("TOKEN", quill_token_char(p, 0, &token));

    size_t vocab = quill_vocab_size(p);
    float *bias = calloc(vocab + 1, sizeof(float));
    uint32_t c[3]; float pr[3];
    report("BIAS", quill_top_k_biased(p, bias, vocab - 1, c, pr, 3, &n));
    bias[1] = NAN;
    report("BIAS", quill_top_k_biased(p, bias, vocab, c, pr, 3, &n));

    size_t scratch_len = 0;
    report("BEAM", quill_completion_scratch_size(p, 0, &scratch_len));
    quill_completion_scratch_size(p, 4, &scratch_len);
    unsigned char *scratch = malloc(scratch_len + 4);
    QuillWord words[3];
    report("SCRATCH_TOO_SMALL",
           quill_complete_words(p, scratch, scratch_len - 8, 4, NULL, 0, words, 3, &n));
    report("SCRATCH_TOO_SMALL",
           quill_complete_words(p, scratch + 1, 2, 4, NULL, 0, words, 3, &n));
    expect_unchanged(p, c0, p0, "SCRATCH_TOO_SMALL");

    size_t hist_len = 0;
    report("HISTORY_DEPTH", quill_history_size(p, 0, &hist_len));
    quill_history_size(p, 4, &hist_len);
    unsigned char *hist_mem = aligned_alloc(16, (hist_len + 15) / 16 * 16);
    QuillHistory *h = NULL;
    report("HISTORY_TOO_SMALL", quill_history_init(p, hist_mem, 32, &h));
    if (quill_history_init(p, hist_mem, hist_len, &h) != QUILL_OK) return 6;
    report("HISTORY_EMPTY", quill_history_backspace(h, p));
    expect_unchanged(p, c0, p0, "HISTORY_EMPTY");
    report("CHAR", quill_history_type_utf8(h, p, (const uint8_t *)"\xff", 1));
    expect_unchanged(p, c0, p0, "CHAR");
    printf(unchanged ? "predictor unchanged by every refused call\n" : "FAIL\n");
    return unchanged ? 0 : 1;
}
