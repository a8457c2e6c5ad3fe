/* Quill from C: load a model file, run its self-test, feed text, print the top-k next chars.
 *
 *   cargo build --release --manifest-path runtime/capi/Cargo.toml
 *   gcc -O2 -I runtime/include runtime/examples/c/predict.c runtime/capi/target/release/libquill.a -o predict
 *   ./predict model.quill "the quick brown fo" 5 [table]
 *
 * With "table", the predictor is built with QUILL_INPUT_TABLE (more memory, faster, same output).
 * Output: one line per candidate, "U+XXXX<TAB>probability" (6 decimals), most likely first.
 */
#include <stdio.h>
#include <stdlib.h>
#include "quill.h"

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL TEXT [K] [table]\n", argv[0]);
        return 2;
    }
    size_t k = argc > 3 ? (size_t)atoi(argv[3]) : 3;
    size_t model_len;
    unsigned char *model = read_file(argv[1], &model_len);
    if (!model) { perror(argv[1]); return 1; }

    uint32_t flags = argc > 4 && argv[4][0] == 't' ? QUILL_INPUT_TABLE : 0;
    size_t need;
    int rc = quill_memory_size_ex(model, model_len, flags, &need);
    if (rc != QUILL_OK) {
        char msg[512];
        quill_model_error(model, model_len, msg, sizeof msg);
        fprintf(stderr, "%s: %s\n", argv[1], msg);
        return 1;
    }
    unsigned char *mem = malloc(need);
    QuillPredictor *p;
    rc = quill_init_ex(mem, need, model, model_len, flags, &p);
    if (rc != QUILL_OK) { fprintf(stderr, "init: %s\n", quill_error_message(rc)); return 1; }

    rc = quill_self_test(p);
    if (rc != QUILL_OK && rc != QUILL_ERR_NO_SELF_TEST) {
        fprintf(stderr, "self-test: %s\n", quill_error_message(rc));
        return 1;
    }

    const char *text = argv[2];
    size_t text_len = 0;
    while (text[text_len]) text_len++;

    /* Type the text, take a snapshot, type a detour, restore: the prediction is unchanged. */
    quill_feed_utf8(p, (const uint8_t *)text, text_len);
    size_t snap_len = quill_snapshot_size(p);
    float *snap = malloc(snap_len);
    quill_snapshot(p, (uint8_t *)snap, snap_len);
    quill_feed_utf8(p, (const uint8_t *)"zzz", 3);
    quill_restore(p, (const uint8_t *)snap, snap_len);

    uint32_t chars[QUILL_MAX_K];
    float probs[QUILL_MAX_K];
    size_t n;
    rc = quill_top_k(p, chars, probs, k, &n);
    if (rc != QUILL_OK) { fprintf(stderr, "top_k: %s\n", quill_error_message(rc)); return 1; }
    for (size_t i = 0; i < n; i++) printf("U+%04X\t%.6f\n", chars[i], probs[i]);
    free(snap);
    free(mem);
    free(model);
    return 0;
}
