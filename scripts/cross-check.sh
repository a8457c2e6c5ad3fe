#!/usr/bin/env bash
# Quill where keyboards run, checked under emulation (run by .ci/run; needs the packages and
# rustup targets the README's set-up lists for cross targets):
#  - aarch64: the runtime's unit tests and the burn-free integration tests under qemu-aarch64;
#  - the firmware: keyboard session on Cortex-M4F and Cortex-M0 under QEMU, line for line
#    against the host, and a damaged model reported over semihosting (firmware/check.sh);
#  - libquill.a for Android (aarch64-linux-android) and Cortex-M4F: no allocator, no libc
#    beyond mem*, only compiler builtins undefined;
#  - wasm32: the runtime builds for wasm32-unknown-unknown, and its unit tests and the golden
#    tests run as wasm32-wasip1 in Node, with and without SIMD128;
#  - the web page (web/test/run.sh): quill.wasm in Node and the page in headless Chromium,
#    every suggestion equal to the Rust API's;
#  - the per-target measuring tools on one model (scripts/measure-targets.sh --quick, which
#    runs the per-key measurement scripts/measure-keys.sh --quick too).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
step() { echo "== [$(date +%T)] $*"; }
# Emulated tests run optimised (unoptimised runtime code under qemu is ~50x slower), with the
# debug assertions and overflow checks of a test build kept on.
export CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true

step "aarch64: the runtime's and the format's tests, and the cross-crate ones, under qemu-aarch64"
cargo test --release --quiet --target aarch64-unknown-linux-gnu -p runtime -p format --tests
# c_abi and memcheck compile C and run valgrind on the host: not for this target.
cargo test --release --quiet --target aarch64-unknown-linux-gnu -p quill-tests \
  --test fuzz_replay --test c_abi_keyboard_errors

step "firmware: keyboard on Cortex-M4F and Cortex-M0 under QEMU, against the host"
bash firmware/check.sh

step "libquill.a for Android and Cortex-M4F: undefined symbols"
check_undefined() { # nm lib
  # The members compiled from Quill's crates (core included); compiler_builtins' own members are
  # left out: they also carry helpers the library never calls (Android's emulated TLS, which
  # needs pthread and malloc), which a linker drops.
  local undefined bad
  undefined=$("$1" -u -A "$2" 2>/dev/null | grep -E '\.rcgu\.o:[[:space:]]+U ' | grep -v 'compiler_builtins' | awk '{print $NF}' | sort -u)
  echo "   $2: undefined: $(echo $undefined)"
  # mem* from libc or the firmware; __aeabi_* and __<op><type>[23] are compiler builtins.
  bad=$(grep -Ev '^(memcpy|memmove|memset|memcmp|bcmp|fmaxf|fminf|__aeabi_[a-z0-9_]+|__[a-z]+[sdt][fi][23]|__compilerrt_abort_impl|__aarch64_[a-z0-9_]+)$' <<< "$undefined" || true)
  if grep -Eq 'malloc|free|rust_alloc|pthread' <<< "$undefined" || [[ -n "$bad" ]]; then
    echo "FAIL: $2 needs symbols a freestanding target lacks: $bad"
    return 1
  fi
}
for pair in "aarch64-linux-android aarch64-linux-gnu-nm" "thumbv7em-none-eabihf arm-none-eabi-nm"; do
  read -r triple nm <<< "$pair"
  cargo build --release --quiet --manifest-path runtime/capi/Cargo.toml --target "$triple"
  check_undefined "$nm" "runtime/capi/target/$triple/release/libquill.a"
done

step "wasm32: the runtime builds for wasm32-unknown-unknown; unit and golden tests in Node (WASI)"
cargo build --release --quiet -p runtime --target wasm32-unknown-unknown
export CARGO_TARGET_WASM32_WASIP1_RUNNER="node --no-warnings $PWD/scripts/wasi-run.mjs"
cargo test --release --quiet --target wasm32-wasip1 -p runtime --lib --test golden
echo "   again with SIMD128 (Kernel::Simd128: bit-identical to the portable kernel)"
RUSTFLAGS="-C target-feature=+simd128" cargo test --release --quiet --target wasm32-wasip1 \
  --target-dir target/wasm-simd -p runtime --lib --test golden

step "the web page: quill.wasm in Node and the page in headless Chromium against the Rust API"
bash web/test/run.sh

step "per-target measurement tools on one model"
bash scripts/measure-targets.sh --quick
