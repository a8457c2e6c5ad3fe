/* A keyboard from C: the runtime's keyboard session (next-key hints, word completions, Tab to
 * accept what was shown, exact Backspace), one call per key.
 *
 *   cargo build --release --manifest-path runtime/capi/Cargo.toml
 *   gcc -O2 -I runtime/include runtime/examples/c/keyboard.c runtime/capi/target/release/libquill.a -o keyboard
 *   ./keyboard model.quill 'the c\tsat\b\b' [lexicon.qlex blocked.qlex]
 *
 * KEYS is typed one character at a time: "\b" is Backspace, "\t" accepts the first completion
 * shown, anything else is typed (UTF-8). After each key one line:
 * KEY <TAB> top-3 next chars "U+XXXX:p" <TAB> the completions shown "suffix:p" (p with 6
 * decimals) <TAB> model steps the key took. With a lexicon and a block list (QLEX files, e.g.
 * models/english.qlex and models/blocked-en.qlex) only the lexicon's words and the words learned
 * as KEYS is typed are completed, never a blocked one.
 * Memory: one static block sized by the library; nothing else is allocated but the model
 * file's buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int check(int rc, const char *what) {
    if (rc != QUILL_OK) fprintf(stderr, "%s: %s\n", what, quill_error_message(rc));
    return rc != QUILL_OK;
}

/* Decodes one UTF-8 character at s (n bytes available); returns its length, 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ch) {
    size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
    if (len == 0 || len > n) return 0;
    uint32_t c = len == 1 ? s[0] : s[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++) c = (c << 6) | (s[i] & 0x3F);
    *ch = c;
    return len;
}

static unsigned char memory[1 << 21];

int main(int argc, char **argv) {
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: %s MODEL KEYS [LEXICON BLOCKED]\n", argv[0]);
        return 2;
    }
    size_t model_len, need, lexicon_len = 0, blocked_len = 0;
    unsigned char *model = read_file(argv[1], &model_len);
    if (!model) { perror(argv[1]); return 1; }
    unsigned char *lexicon = NULL, *blocked = NULL;
    if (argc == 5) {
        lexicon = read_file(argv[3], &lexicon_len);
        blocked = read_file(argv[4], &blocked_len);
        if (!lexicon || !blocked) { perror("word lists"); return 1; }
    }
    QuillSessionConfig cfg;
    QuillSession *s;
    if (check(quill_session_default_config(&cfg), "config")) return 1;
    cfg.flags = QUILL_INPUT_TABLE;
    cfg.history = 16;
    if (check(quill_session_size(model, model_len, &cfg, &need), "model")) return 1;
    if (need > sizeof memory) { fprintf(stderr, "the session needs %zu bytes\n", need); return 1; }
    if (check(quill_session_init(memory, sizeof memory, model, model_len, &cfg, &s), "init"))
        return 1;
    /* The word lists stay valid while the session uses them (freed at the end). */
    if (lexicon &&
        check(quill_session_set_word_lists(s, lexicon, lexicon_len, blocked, blocked_len, 0.0f), "word lists"))
        return 1;

    const unsigned char *k = (const unsigned char *)argv[2];
    size_t left = strlen(argv[2]);
    while (left > 0) {
        const unsigned char *key = k;
        size_t n;
        int rc;
        if (k[0] == '\\' && left >= 2 && k[1] == 'b') {
            n = 2;
            rc = quill_session_press(s, QUILL_KEY_BACKSPACE, 0);
        } else if (k[0] == '\\' && left >= 2 && k[1] == 't') {
            n = 2;
            rc = quill_session_press(s, QUILL_KEY_ACCEPT, 0);
        } else {
            uint32_t ch;
            n = utf8_decode(k, left, &ch);
            if (n == 0) { fprintf(stderr, "KEYS is not UTF-8\n"); return 1; }
            rc = quill_session_press(s, QUILL_KEY_CHAR, ch);
        }
        if (check(rc, "key")) return 1;
        k += n;
        left -= n;

        uint32_t c[3], steps;
        float pr[3];
        QuillWord w[QUILL_SESSION_MAX_WORDS];
        size_t got, words;
        int exact;
        if (check(quill_session_next(s, c, pr, 3, &got), "next") ||
            check(quill_session_words(s, w, QUILL_SESSION_MAX_WORDS, &words), "words") ||
            check(quill_session_cost(s, &steps, &exact), "cost"))
            return 1;
        printf("%.*s\t", (int)n, (const char *)key);
        for (size_t i = 0; i < got; i++) printf("%sU+%04X:%.6f", i ? " " : "", (unsigned)c[i], pr[i]);
        printf("\t");
        for (size_t i = 0; i < words; i++) printf("%s%s:%.6f", i ? " " : "", w[i].suffix, w[i].probability);
        printf("\t%u\n", (unsigned)steps);
    }
    free(model);
    free(lexicon);
    free(blocked);
    return 0;
}
