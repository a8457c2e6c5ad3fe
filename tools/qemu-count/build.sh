#!/usr/bin/env bash
# Builds the instruction/cycle counting plugin: tools/qemu-count/libcount.so (or $1).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/libcount.so}"
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$out" "$here/count.c"
