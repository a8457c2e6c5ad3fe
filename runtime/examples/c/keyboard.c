/* A keyboard from C: next-key hints, word completions, Tab to accept, exact Backspace.
 *
 *   cargo build --release --manifest-path runtime/capi/Cargo.toml
 *   gcc -O2 -I runtime/include runtime/examples/c/keyboard.c runtime/capi/target/release/libquill.a -o keyboard
 *   ./keyboard model.quill 'the c\tsat\b\b'
 *
 * KEYS is typed one character at a time: "\b" is Backspace, "\t" accepts the first completion
 * (its suffix, then a space), anything else is typed (UTF-8). After each key one line:
 * KEY <TAB> top-3 next chars "U+XXXX:p" <TAB> top-3 words "suffix:p" (p with 6 decimals).
 * Memory: everything in static/caller blocks sized by the library; nothing else is allocated
 * but the model file's buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "quill.h"

#define BEAM 4
#define DEPTH 16

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

static int check(int rc, const char *what) {
    if (rc != QUILL_OK) fprintf(stderr, "%s: %s\n", what, quill_error_message(rc));
    return rc != QUILL_OK;
}

/* Bytes in the UTF-8 sequence led by byte b. */
static size_t utf8_len(unsigned char b) {
    return b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
}

static unsigned char state_mem[1 << 20], history_mem[1 << 16], scratch[1 << 16];
static char text[4096]; /* what has been typed: the context a re-prime needs */

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL KEYS\n", argv[0]);
        return 2;
    }
    size_t model_len, need, scratch_len, len = 0;
    unsigned char *model = read_file(argv[1], &model_len);
    if (!model) { perror(argv[1]); return 1; }
    QuillPredictor *p;
    QuillHistory *h;
    if (check(quill_memory_size_ex(model, model_len, QUILL_INPUT_TABLE, &need), "model")) return 1;
    if (need > sizeof state_mem) { fprintf(stderr, "model needs %zu bytes\n", need); return 1; }
    if (check(quill_init_ex(state_mem, sizeof state_mem, model, model_len, QUILL_INPUT_TABLE, &p), "init") ||
        check(quill_self_test(p), "self-test") ||
        check(quill_history_size(p, DEPTH, &need), "history size") ||
        need > sizeof history_mem ||
        check(quill_history_init(p, history_mem, need, &h), "history") ||
        check(quill_completion_scratch_size(p, BEAM, &scratch_len), "scratch size") ||
        scratch_len > sizeof scratch)
        return 1;

    const char *k = argv[2];
    while (*k) {
        const char *key = k;
        size_t n = 1;
        int rc;
        QuillWord w[3];
        size_t words;
        if (k[0] == '\\' && k[1] == 'b') {
            n = 2;
            while (len > 0 && (text[len - 1] & 0xC0) == 0x80) len--; /* drop one UTF-8 char */
            if (len > 0) len--;
            rc = quill_history_backspace_or_reprime(h, p, (const uint8_t *)text, len, 64);
        } else if (k[0] == '\\' && k[1] == 't') {
            n = 2;
            rc = quill_complete_words(p, scratch, scratch_len, BEAM, NULL, 0, w, 1, &words);
            if (rc == QUILL_OK && words == 1 && len + w[0].suffix_len + 1 < sizeof text) {
                memcpy(text + len, w[0].suffix, w[0].suffix_len);
                len += w[0].suffix_len;
                text[len++] = ' ';
                rc = quill_history_type_utf8(h, p, (const uint8_t *)w[0].suffix, w[0].suffix_len);
                if (rc == QUILL_OK) rc = quill_history_type(h, p, ' ');
            }
        } else {
            n = utf8_len((unsigned char)k[0]);
            if (strnlen(k, n) < n || len + n >= sizeof text) return 1;
            memcpy(text + len, k, n);
            len += n;
            rc = quill_history_type_utf8(h, p, (const uint8_t *)k, n);
        }
        if (check(rc, "key")) return 1;
        k += n;

        uint32_t c[3];
        float pr[3];
        size_t got;
        if (check(quill_top_k(p, c, pr, 3, &got), "top-k")) return 1;
        printf("%.*s\t", (int)n, key);
        for (size_t i = 0; i < got; i++) printf("%sU+%04X:%.6f", i ? " " : "", (unsigned)c[i], pr[i]);
        if (check(quill_complete_words(p, scratch, scratch_len, BEAM, NULL, 0, w, 3, &words), "words"))
            return 1;
        printf("\t");
        for (size_t i = 0; i < words; i++) printf("%s%s:%.6f", i ? " " : "", w[i].suffix, w[i].probability);
        printf("\n");
    }
    free(model);
    return 0;
}
