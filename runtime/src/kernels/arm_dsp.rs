//! Cortex-M4/M7 kernels (`thumbv7em`).
//!
//! int8: the DSP extension's dual 16-bit multiply-accumulate, as CMSIS-NN's s8 fully-connected
//! kernel does it. The activations are re-laid once per product as pairs of signed 16-bit
//! lanes (offset of 64 removed); then three rows per pass share each load of two pairs, and
//! each row loads its 4 weights in one word, widens them into two pairs (`SXTB16`,
//! `SXTB16 … ROR #8`) and adds both pairs' products with one `SMLAD` each: 17 instructions and
//! 18 cycles per 12 multiply-accumulates, the five loads back to back so that they pipeline
//! (a matrix's last one or two rows go two at a time: 13 cycles per 8 and a loop turn a block). Columns past a multiple
//! of 4 are one more block whose missing activations are 0: its weight word reads up to 3 bytes
//! of the next row, which add nothing (the last three rows of a matrix take those columns the
//! portable way instead, so nothing past the matrix is read). The loops are inline
//! assembly because LLVM, given the same instructions as intrinsics-like `asm!` snippets, ran
//! out of registers and spilled. The integers are exactly the portable kernel's, and so is the
//! final `acc as f32 * (scale · sx)`.
//!
//! f32 (with the FPU, `eabihf`): four rows per pass sharing each loaded activation, one
//! accumulator per row (`VLDR` + `VMUL` + `VADD` per multiply-accumulate; `VMLA`/`VFMA` take 3
//! cycles on the M4, a separate multiply and add 2). The sums' order differs from the portable
//! kernel's eight accumulators, so results agree to rounding, not bit for bit.

use super::quantize::ZERO;

/// The activations as 16-bit lane pairs, offset removed: for each block of 4 (the last one
/// partial, with 0 for the columns it lacks), the words `(q0, q2)` and `(q1, q3)` — the order
/// `SXTB16` and `SXTB16 … ROR #8` widen the weights in. Written once per product; every pass of
/// rows then loads them once.
fn activation_pairs(q: &[u8], pairs: &mut [u32]) {
    // Whole blocks of 4, then the partial last one, its missing lanes 0.
    for (b, out) in q.chunks(4).zip(pairs.chunks_exact_mut(2)) {
        let lane = |i: usize| {
            (i32::from(b.get(i).copied().unwrap_or(64)).wrapping_sub(ZERO) as u16) as u32
        };
        if let [a, c] = out {
            *a = lane(0) | lane(2) << 16;
            *c = lane(1) | lane(3) << 16;
        }
    }
}

/// `dst[i] = f32::from_le_bytes(src[4i..4i + 4])` (a bias, from the model's bytes at any
/// alignment), four values a loop turn as unaligned `LDR`s and `STR`s. Written plainly, LLVM
/// makes the loop a `memcpy` call, and the `memcpy` copies unaligned bytes one at a time:
/// 17 cycles a value on the M4, 4 % of a GRU 1×256 step; this loop takes about 3.
pub(crate) fn copy_le_f32(src: &[u8], dst: &mut [f32]) {
    let n = dst.len().min(src.len() / 4);
    let quads = n / 4;
    let (mut s, mut d) = (src.as_ptr(), dst.as_mut_ptr());
    if quads != 0 {
        // SAFETY: `quads` turns read `16 · quads ≤ 4 · n ≤ src.len()` bytes of `src` (unaligned
        // word loads are allowed on the M4/M7) and write `4 · quads ≤ n ≤ dst.len()` words of
        // `dst` (word-aligned as `&mut [f32]`). Only registers and those accesses.
        unsafe {
            core::arch::asm!(
                "2:",
                "ldr {a}, [{s}], #4",
                "ldr {b}, [{s}], #4",
                "ldr {c}, [{s}], #4",
                "ldr {e}, [{s}], #4",
                "str {a}, [{d}], #4",
                "str {b}, [{d}], #4",
                "str {c}, [{d}], #4",
                "str {e}, [{d}], #4",
                "subs {n}, {n}, #1",
                "bne 2b",
                s = inout(reg) s, d = inout(reg) d, n = inout(reg) quads => _,
                a = out(reg) _, b = out(reg) _, c = out(reg) _, e = out(reg) _,
                options(nostack),
            );
        }
    }
    let _ = (s, d);
    let done = quads.saturating_mul(4);
    let rest = dst.get_mut(done..n).unwrap_or_default();
    let src_rest = src.get(done.saturating_mul(4)..).unwrap_or_default();
    for (o, b) in rest.iter_mut().zip(src_rest.as_chunks::<4>().0) {
        *o = f32::from_le_bytes(*b);
    }
}

/// One block of 4 columns for two rows (see `dot2`), as an assembly template.
macro_rules! two_rows_one_block {
    () => {
        concat!(
            "ldr {xa}, [{px}], #4\n",
            "ldr {xb}, [{px}], #4\n",
            "ldr {w}, [{p0}], #4\n",
            "ldr {v}, [{p1}], #4\n",
            "sxtb16 {t}, {w}\n",
            "smlad {a0}, {t}, {xa}, {a0}\n",
            "sxtb16 {t}, {w}, ror #8\n",
            "smlad {a0}, {t}, {xb}, {a0}\n",
            "sxtb16 {t}, {v}\n",
            "smlad {a1}, {t}, {xa}, {a1}\n",
            "sxtb16 {t}, {v}, ror #8\n",
            "smlad {a1}, {t}, {xb}, {a1}\n",
        )
    };
}

/// Two rows' dot products over `groups` blocks of 4 columns, accumulated into `acc`: a
/// matrix's last one or two rows (the three-row loop takes the others), so a block a loop
/// turn, for flash rather than speed.
///
/// Per block: four loads back to back — the two activation pairs (shared by both rows) and
/// each row's 4 weights —, which the M4 pipelines (2 + 1 + 1 + 1 cycles; an `LDRD` of the pairs
/// takes 3 and the load after it 2 again), then per row two `SXTB16` and two `SMLAD`.
#[inline(always)]
fn dot2(r0: &[u8], r1: &[u8], pairs: &[u32], groups: usize, acc: &mut [i32; 2]) {
    // The asm reads `4 · groups` bytes of each row and `2 · groups` words of pairs: checked.
    let enough = |len: usize, per: usize| groups.checked_mul(per).is_some_and(|n| n <= len);
    if groups == 0 || !enough(r0.len(), 4) || !enough(r1.len(), 4) || !enough(pairs.len(), 2) {
        return;
    }
    let (mut p0, mut p1, mut px) = (r0.as_ptr(), r1.as_ptr(), pairs.as_ptr());
    let [mut a0, mut a1] = *acc;
    // SAFETY: the pointers advance over exactly `groups` blocks, which the checks above keep
    // inside `r0`, `r1` (4 bytes a block; unaligned word loads are allowed on the M4/M7) and
    // `pairs` (2 words a block, word-aligned as `&[u32]`). Only registers and those loads.
    unsafe {
        core::arch::asm!(
            "2:",
            two_rows_one_block!(),
            "subs {n}, {n}, #1",
            "bne 2b",
            px = inout(reg) px, p0 = inout(reg) p0, p1 = inout(reg) p1,
            a0 = inout(reg) a0, a1 = inout(reg) a1, n = inout(reg) groups => _,
            xa = out(reg) _, xb = out(reg) _, w = out(reg) _, v = out(reg) _, t = out(reg) _,
            options(nostack, readonly),
        );
    }
    let _ = (p0, p1, px);
    *acc = [a0, a1];
}

/// A word no activation pair can be (each lane is `q − 64` for a byte `q`, so within
/// −64..=191): written after the pairs, it ends the three-row loop, which has no register
/// left for a counter. `CMP` takes it as an immediate (the `0xXYXYXYXY` form).
const END_OF_PAIRS: u32 = 0x7f7f_7f7f;

/// One block of 4 columns for three rows (see `dot3`), its first activation pair `xa` already
/// loaded; it ends loading the next block's.
macro_rules! three_rows_one_block {
    () => {
        concat!(
            "ldr {xb}, [{px}], #4\n",
            "ldr {w1}, [{p0}, {s}]\n",
            "ldr {w2}, [{p0}, {s}, lsl #1]\n",
            "ldr {w0}, [{p0}], #4\n",
            "sxtb16 {t}, {w0}\n",
            "smlad {a0}, {t}, {xa}, {a0}\n",
            "sxtb16 {t}, {w0}, ror #8\n",
            "smlad {a0}, {t}, {xb}, {a0}\n",
            "sxtb16 {t}, {w1}\n",
            "smlad {a1}, {t}, {xa}, {a1}\n",
            "sxtb16 {t}, {w1}, ror #8\n",
            "smlad {a1}, {t}, {xb}, {a1}\n",
            "sxtb16 {t}, {w2}\n",
            "smlad {a2}, {t}, {xa}, {a2}\n",
            "sxtb16 {t}, {w2}, ror #8\n",
            "smlad {a2}, {t}, {xb}, {a2}\n",
            "ldr {xa}, [{px}], #4\n",
        )
    };
}

/// The activation pairs of one product, checked once for every three rows that read them:
/// `pairs` holds `2 · blocks` words and then [`END_OF_PAIRS`], `blocks` being `cols / 4`
/// rounded up (a partial last block's missing columns have activation 0).
#[derive(Clone, Copy)]
struct Triples<'p> {
    pairs: &'p [u32],
    cols: usize,
    blocks: usize,
}

impl<'p> Triples<'p> {
    fn new(pairs: &'p [u32], cols: usize, blocks: usize) -> Option<Self> {
        let fits = Some(blocks) == cols.checked_add(3).map(|c| c / 4)
            && blocks.checked_mul(2).and_then(|n| pairs.get(n)) == Some(&END_OF_PAIRS);
        (fits && blocks != 0).then_some(Triples {
            pairs,
            cols,
            blocks,
        })
    }
}

/// One row's scaling in `Triples::run`: `y[r] += acc as f32 * (scale * sx)` with the scale's
/// 4 bytes at `{w1}` (then moved on), `y` at `{w0}` + `$at` and sx in s17 — the same
/// operations, in the same order, as the Rust around `dot` does.
macro_rules! scale_row {
    ($acc:literal, $at:literal) => {
        concat!(
            "ldr {w2}, [{w1}], #4\n",
            "vmov s0, {w2}\n",
            "vmul.f32 s0, s0, s17\n",
            "vmov s1, ",
            $acc,
            "\n",
            "vcvt.f32.s32 s1, s1\n",
            "vmul.f32 s1, s1, s0\n",
            "vldr s2, [{w0}, ",
            $at,
            "]\n",
            "vadd.f32 s2, s2, s1\n",
            "vstr s2, [{w0}, ",
            $at,
            "]\n",
        )
    };
}

/// What [`Triples::run`]'s loop keeps in memory between the triples (its registers all go to
/// the three rows' inner loop): word offsets 0, 4, 8, 12, 16, 20, 24 in the assembly.
#[repr(C)]
struct RunState {
    y: *mut f32,
    scales: *const u8,
    triples: usize,
    /// Bytes from where a triple's inner loop leaves row 0's pointer to the next triple's
    /// row 0: `3 · cols − 4 · blocks`.
    skip: usize,
    pairs: *const u32,
    /// `blocks % 4`: where the inner loop's first turn is entered.
    entry: usize,
    sx: f32,
}

impl Triples<'_> {
    /// `y[r] += acc_r as f32 · (scale_r · sx)`, `acc_r` row r's integer product over all
    /// `blocks` blocks of 4 columns, for the rows of `w` three at a time, in one assembly loop
    /// (the scaling and the passes' set-up in it too: in Rust around the inner loop they took
    /// about 110 cycles a pass). A partial last block reads up to 3 bytes past its row, into
    /// the next, whose products with the 0 activations are 0; so a pass is taken only where
    /// those bytes are inside `w` (not the matrix's last three rows when `cols` is not a
    /// multiple of 4). Returns how many rows it did (a multiple of 3); the caller does the
    /// rest.
    ///
    /// Per block five loads back to back (the two activation pairs, shared by the three rows,
    /// and each row's 4 weights: rows 1 and 2 at the stride `cols` and twice it from row 0's
    /// pointer, so one pointer serves the three), then per row two `SXTB16` and two `SMLAD`:
    /// 18 cycles per 12 multiply-accumulates (two rows per pass take 13 per 8). Four blocks a
    /// loop turn, the first turn entered `blocks % 4` blocks before its end, the inner loop
    /// ending on the word after the pairs.
    fn run(&self, w: &[u8], scales: &[[u8; 4]], y: &mut [f32], sx: f32) -> usize {
        let Triples {
            pairs,
            cols,
            blocks,
        } = *self;
        let three = cols.saturating_mul(3);
        let extent = cols
            .checked_mul(2)
            .and_then(|c| c.checked_add(blocks.checked_mul(4)?));
        let (Some(extent), Some(skip)) = (extent, three.checked_sub(blocks.saturating_mul(4)))
        else {
            return 0;
        };
        // Passes with their three rows, scales and outputs; the last one also needs its
        // partial block's bytes inside `w`.
        let mut n = (y.len() / 3)
            .min(scales.len() / 3)
            .min(w.len().checked_div(three).unwrap_or(0));
        let reaches = |n: usize| {
            n.checked_sub(1)
                .and_then(|k| k.checked_mul(three))
                .and_then(|start| start.checked_add(extent))
                .is_some_and(|end| end <= w.len())
        };
        if n != 0 && !reaches(n) {
            n = n.saturating_sub(1);
        }
        if n == 0 || !reaches(n) {
            return 0;
        }
        let mut st = RunState {
            y: y.as_mut_ptr(),
            scales: scales.as_ptr().cast(),
            triples: n,
            skip,
            pairs: pairs.as_ptr(),
            entry: blocks % 4,
            sx,
        };
        // SAFETY: `n ≥ 1` passes. Pass k reads the pairs as `dot` does (up to END_OF_PAIRS,
        // checked in `new`), and rows `3k .. 3k + 3` from row 0's pointer, which starts at
        // `w` and moves on by `3 · cols` a pass (`4 · blocks` in the inner loop, `skip` after
        // it): its furthest byte is below `3 · cols · k + 2 · cols + 4 · blocks ≤ w.len()`
        // (`reaches(n)`, for the last pass and so for every pass). It reads scales
        // `3k .. 3k + 3` (4 bytes each, unaligned loads allowed on the M4/M7) and reads and
        // writes `y[3k .. 3k + 3]`, `n ≤ scales.len() / 3, y.len() / 3`; it reads and writes
        // `st` (its fields at the offsets `RunState` documents). FP registers used are
        // declared clobbered; nothing else is touched.
        unsafe {
            core::arch::asm!(
                "vmov s16, {t}",
                "ldr {xb}, [{t}, #24]",
                "vmov s17, {xb}",
                "1:",
                "vmov {t}, s16",
                "ldr {px}, [{t}, #16]",
                "ldr {w0}, [{t}, #20]",
                "movs {a0}, #0",
                "movs {a1}, #0",
                "movs {a2}, #0",
                "ldr {xa}, [{px}], #4",
                // Enter the turn `blocks % 4` blocks before its end (0: at its start).
                "cmp {w0}, #1",
                "beq 5f",
                "cmp {w0}, #2",
                "beq 4f",
                "cmp {w0}, #3",
                "beq 3f",
                "2:",
                three_rows_one_block!(),
                "3:",
                three_rows_one_block!(),
                "4:",
                three_rows_one_block!(),
                "5:",
                three_rows_one_block!(),
                "cmp {xa}, #0x7f7f7f7f",
                "bne 2b",
                // y[r] += acc_r as f32 * (scale_r * sx), rows 0, 1, 2.
                "vmov {t}, s16",
                "ldr {w0}, [{t}, #0]",
                "ldr {w1}, [{t}, #4]",
                scale_row!("{a0}", "#0"),
                scale_row!("{a1}", "#4"),
                scale_row!("{a2}", "#8"),
                "adds {w0}, {w0}, #12",
                "str {w0}, [{t}, #0]",
                "str {w1}, [{t}, #4]",
                "ldr {w2}, [{t}, #12]",
                "add {p0}, {p0}, {w2}",
                "ldr {w2}, [{t}, #8]",
                "subs {w2}, {w2}, #1",
                "str {w2}, [{t}, #8]",
                "bne 1b",
                t = inout(reg) core::ptr::addr_of_mut!(st) => _,
                p0 = inout(reg) w.as_ptr() => _,
                s = in(reg) cols,
                px = out(reg) _, a0 = out(reg) _, a1 = out(reg) _, a2 = out(reg) _,
                xa = out(reg) _, xb = out(reg) _, w0 = out(reg) _, w1 = out(reg) _,
                w2 = out(reg) _,
                out("s0") _, out("s1") _, out("s2") _, out("s16") _, out("s17") _,
                options(nostack),
            );
        }
        n.saturating_mul(3)
    }
}

/// One row against the pairs (the odd last row of a matrix).
#[inline(always)]
fn dot1(r: &[u8], pairs: &[u32], groups: usize) -> i32 {
    let mut acc = [0i32; 2];
    dot2(r, r, pairs, groups, &mut acc);
    acc[0]
}

/// The first one or two rows of `cols` bytes in `rows` against the pairs over `groups` whole
/// blocks (their other columns are the caller's): a matrix's last rows, off the hot path, so
/// kept out of line (each inlined copy of the two-row loops is about 250 bytes of flash).
#[inline(never)]
fn whole_blocks(rows: &[u8], cols: usize, pairs: &[u32], groups: usize) -> [i32; 2] {
    let mut acc = [0i32; 2];
    match rows.split_at_checked(cols) {
        Some((r0, r1)) if r1.len() >= cols => dot2(r0, r1, pairs, groups, &mut acc),
        Some((r0, _)) => acc[0] = dot1(r0, pairs, groups),
        None => {}
    }
    acc
}

/// `y += (W·(q − 64)) · scale_row · sx`; `scratch` holds the activation pairs (2 bytes per
/// column, word-aligned, and a word after them). Three rows per pass, the last one or two
/// rows of a matrix one at a time. Without room for the pairs it computes the same integers
/// the portable way.
pub(super) fn matvec_q8(
    w: &[u8],
    scales: &[u8],
    q: &[u8],
    scratch: &mut [u8],
    sx: f32,
    y: &mut [f32],
) {
    let cols = q.len().max(1);
    let groups = q.len() / 4;
    let whole = groups.saturating_mul(4);
    let qt = q.get(whole..).unwrap_or_default();
    let blocks = q.len().div_ceil(4);
    let pairs: Option<&mut [u32]> = blocks
        .checked_mul(8)
        .and_then(|n| n.checked_add(4))
        .and_then(|n| scratch.get_mut(..n))
        .and_then(|s| bytemuck::try_cast_slice_mut(s).ok());
    let Some(pairs) = pairs else {
        super::portable::matvec_q8(w, scales, q, sx, y);
        return;
    };
    if let Some((end, body)) = pairs.split_last_mut() {
        activation_pairs(q, body);
        *end = END_OF_PAIRS;
    }
    let pairs: &[u32] = pairs;
    let (Some(triples), true) = (Triples::new(pairs, cols, blocks), groups != 0) else {
        // Rows shorter than a block of 4.
        super::portable::matvec_q8(w, scales, q, sx, y);
        return;
    };
    let (scales, _) = scales.as_chunks::<4>();
    // acc + the columns past the last whole block (portable), scaled into `o`.
    let finish = |acc: i32, row: &[u8], s: &[u8; 4], o: &mut f32| {
        let t = super::portable::dot_q8(row.get(whole..).unwrap_or_default(), qt);
        *o += acc.wrapping_add(t) as f32 * (f32::from_le_bytes(*s) * sx);
    };
    // Every pass of three rows the assembly loop can take; then the rest (the last one to
    // five rows) two at a time here.
    let done = triples.run(w, scales, y, sx);
    let (Some(y), Some(scales), Some(w)) = (
        y.get_mut(done..),
        scales.get(done..),
        w.get(done.saturating_mul(cols)..),
    ) else {
        return;
    };
    for ((rows, s), out) in w
        .chunks(cols.saturating_mul(2))
        .zip(scales.chunks(2))
        .zip(y.chunks_mut(2))
    {
        let acc = whole_blocks(rows, cols, pairs, groups);
        for ((a, row), (s, o)) in acc
            .iter()
            .zip(rows.chunks_exact(cols))
            .zip(s.iter().zip(out))
        {
            finish(*a, row, s, o);
        }
    }
}

/// One row's 4 weights (`VLDM` into s4–s7) against the 4 activations in s0–s3, multiplied
/// into s8–s11 and added to accumulator `$acc` in column order.
macro_rules! f32_row_block {
    ($p:literal, $acc:literal) => {
        concat!(
            "vldmia {",
            $p,
            "}!, {{s4-s7}}\n",
            "vmul.f32 s8, s4, s0\n",
            "vmul.f32 s9, s5, s1\n",
            "vmul.f32 s10, s6, s2\n",
            "vmul.f32 s11, s7, s3\n",
            "vadd.f32 ",
            $acc,
            ", ",
            $acc,
            ", s8\n",
            "vadd.f32 ",
            $acc,
            ", ",
            $acc,
            ", s9\n",
            "vadd.f32 ",
            $acc,
            ", ",
            $acc,
            ", s10\n",
            "vadd.f32 ",
            $acc,
            ", ",
            $acc,
            ", s11\n",
        )
    };
}

/// `y += W·x`, four rows per pass; each activation is loaded once for the four rows. The
/// weights are read as `f32` when they are 4-byte aligned, as they are in a model kept 64-byte
/// aligned; otherwise through the portable kernel's byte reads.
///
/// Per block of 4 columns: the activations and then each row's 4 weights as one `VLDM` each
/// (1 + 4 cycles; single `VLDR`s between arithmetic take 2 each), a `VMUL` and a `VADD` per
/// multiply-accumulate (`VMLA` takes 3 cycles on the M4): about 61 cycles per 16, 83 when LLVM
/// interleaved the loads. Each row's sum runs in column order, one accumulator per row, as
/// before (so results agree with the portable kernel's to rounding, not bit for bit).
#[cfg(target_abi = "eabihf")]
pub(super) fn matvec_f32(w: &[u8], x: &[f32], y: &mut [f32]) {
    let Ok(w) = bytemuck::try_cast_slice::<u8, f32>(w) else {
        super::portable::matvec_f32(w, x, y);
        return;
    };
    let cols = x.len().max(1);
    let (xb, xt) = x.as_chunks::<4>();
    let whole = xb.len().saturating_mul(4);
    let mut blocks = w.chunks_exact(cols.saturating_mul(4));
    let mut outs = y.chunks_exact_mut(4);
    for (rows, out) in (&mut blocks).zip(&mut outs) {
        let (r0, rest) = rows.split_at_checked(cols).unwrap_or_default();
        let (r1, rest) = rest.split_at_checked(cols).unwrap_or_default();
        let (r2, r3) = rest.split_at_checked(cols).unwrap_or_default();
        let mut acc = [0f32; 4];
        if !xb.is_empty() && r3.len() == cols {
            let (mut p0, mut p1, mut p2, mut p3) =
                (r0.as_ptr(), r1.as_ptr(), r2.as_ptr(), r3.as_ptr());
            let mut px = x.as_ptr();
            let sums = acc.as_mut_ptr();
            // SAFETY: `xb.len()` turns read 4 f32 a turn from `x` and from each of the four
            // rows (`cols` f32 each, `4 · xb.len() ≤ cols`), all 4-byte aligned (`&[f32]`), as
            // `VLDM` needs; the four sums go through `acc` (4 aligned f32, read at the start
            // and written at the end: FP registers cannot be operands on this target, only
            // clobbers). Nothing else is touched.
            unsafe {
                core::arch::asm!(
                    "vldmia {sums}, {{s12-s15}}",
                    "2:",
                    "vldmia {px}!, {{s0-s3}}",
                    f32_row_block!("p0", "s12"),
                    f32_row_block!("p1", "s13"),
                    f32_row_block!("p2", "s14"),
                    f32_row_block!("p3", "s15"),
                    "subs {n}, {n}, #1",
                    "bne 2b",
                    "vstmia {sums}, {{s12-s15}}",
                    sums = in(reg) sums,
                    px = inout(reg) px, p0 = inout(reg) p0, p1 = inout(reg) p1,
                    p2 = inout(reg) p2, p3 = inout(reg) p3, n = inout(reg) xb.len() => _,
                    out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _,
                    out("s5") _, out("s6") _, out("s7") _, out("s8") _, out("s9") _,
                    out("s10") _, out("s11") _, out("s12") _, out("s13") _, out("s14") _,
                    out("s15") _,
                    options(nostack),
                );
            }
            let _ = (px, p0, p1, p2, p3);
        }
        for ((a, row), o) in acc.iter_mut().zip([r0, r1, r2, r3]).zip(out.iter_mut()) {
            for (wv, xv) in row.get(whole..).unwrap_or_default().iter().zip(xt) {
                *a += wv * xv;
            }
            *o += *a;
        }
    }
    for (row, o) in blocks
        .remainder()
        .chunks_exact(cols)
        .zip(outs.into_remainder())
    {
        *o += row.iter().zip(x).fold(0f32, |acc, (w, xv)| acc + w * xv);
    }
}
