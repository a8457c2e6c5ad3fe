/* A panic inside libquill.a (forced through the test-only quill_test_panic) must call the hook
 * set with quill_set_panic_hook, then trap instead of hanging.
 *   panic_hook exit     the hook prints the message and exits with status 7
 *   panic_hook return   the hook prints and returns: the library must still trap (SIGILL)
 *   panic_hook none     no hook: the library traps (SIGILL) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "quill.h"

void quill_test_panic(void);

static void print_and_exit(const char *message) {
    printf("hook: %s\n", message);
    fflush(stdout);
    exit(7);
}

static void print_and_return(const char *message) {
    printf("hook: %s\n", message);
    fflush(stdout);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "none";
    if (strcmp(mode, "exit") == 0) quill_set_panic_hook(print_and_exit);
    if (strcmp(mode, "return") == 0) quill_set_panic_hook(print_and_return);
    if (strcmp(mode, "cleared") == 0) {
        quill_set_panic_hook(print_and_exit);
        quill_set_panic_hook(NULL);
    }
    quill_test_panic();
    printf("not reached\n");
    return 0;
}
