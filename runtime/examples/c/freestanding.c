/* The no_std proof: Quill's static library linked into a program with no C library at all
 * (gcc -ffreestanding -nostdlib -static), as on a keyboard MCU. It supplies the handful of
 * symbols a freestanding environment must (memcpy & co., the entry point, output), runs the
 * model's self-test and prints the top-3 next characters for a fixed prompt.
 *
 * Built by tests/tests/c_abi.rs with the model embedded as model_data.h (x86_64 Linux only,
 * for the raw write/exit system calls).
 */
#include <stddef.h>
#include <stdint.h>
#include "quill.h"
#include "model_data.h" /* static const uint8_t MODEL[]; static const size_t MODEL_LEN; */

void *memcpy(void *d, const void *s, size_t n) {
    uint8_t *dd = d; const uint8_t *ss = s;
    while (n--) *dd++ = *ss++;
    return d;
}
void *memmove(void *d, const void *s, size_t n) {
    uint8_t *dd = d; const uint8_t *ss = s;
    if (dd < ss) { while (n--) *dd++ = *ss++; }
    else { dd += n; ss += n; while (n--) *--dd = *--ss; }
    return d;
}
void *memset(void *d, int c, size_t n) {
    uint8_t *dd = d;
    while (n--) *dd++ = (uint8_t)c;
    return d;
}
int memcmp(const void *a, const void *b, size_t n) {
    const uint8_t *x = a, *y = b;
    for (; n; n--, x++, y++) if (*x != *y) return *x - *y;
    return 0;
}
int bcmp(const void *a, const void *b, size_t n) { return memcmp(a, b, n); }

static long sys(long n, long a, long b, long c) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}
static void out(const char *s, size_t n) { sys(1, 1, (long)s, (long)n); }
static void puts_(const char *s) { size_t n = 0; while (s[n]) n++; out(s, n); }
static __attribute__((noreturn)) void quit(int code) { for (;;) sys(60, code, 0, 0); }
void __compilerrt_abort_impl(const char *file, int line, const char *fn) {
    (void)file; (void)line; (void)fn;
    quit(134);
}

static void hex4(uint32_t v) {
    char b[8]; int n = 0;
    do { b[n++] = "0123456789ABCDEF"[v & 15]; v >>= 4; } while (v || n < 4);
    while (n) out(&b[--n], 1);
}

/* Memory for the predictor: a static block, as firmware would reserve. */
static uint8_t memory[1 << 16] __attribute__((aligned(16)));

static int run(void) {
    size_t need;
    if (quill_memory_size(MODEL, MODEL_LEN, &need) != QUILL_OK) return 10;
    if (need > sizeof memory) return 11;
    QuillPredictor *p;
    int rc = quill_init(memory, sizeof memory, MODEL, MODEL_LEN, &p);
    if (rc != QUILL_OK) { puts_(quill_error_message(rc)); puts_("\n"); return 12; }
    if (quill_self_test(p) != QUILL_OK) return 13;
    static const char prompt[] = PROMPT;
    quill_feed_utf8(p, (const uint8_t *)prompt, sizeof prompt - 1);
    uint32_t c[3]; float pr[3]; size_t n;
    if (quill_top_k(p, c, pr, 3, &n) != QUILL_OK) return 14;
    for (size_t i = 0; i < n; i++) { puts_("U+"); hex4(c[i]); puts_("\n"); }
    puts_("freestanding ok\n");
    return 0;
}

__attribute__((force_align_arg_pointer)) void _start(void) { quit(run()); }
