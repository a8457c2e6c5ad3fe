/* A QEMU TCG plugin that counts the guest instructions a program executes and, for Cortex-M
 * cores, estimates the cycles they take.
 *
 *   qemu-system-arm ... -plugin libcount.so,cpu=m4,out=counts.txt[,mix=mix.txt][,syms=syms.txt]
 *   qemu-aarch64 -plugin libcount.so,out=counts.txt ./prog
 *
 * Each translated block is disassembled once (QEMU's own disassembler) and every instruction
 * given a static cost from the core's Technical Reference Manual timings (cpu=m4: Cortex-M4,
 * cpu=m0: Cortex-M0; assumptions below). When a block runs, its instruction count and cost are
 * added; a conditional branch ending a block costs its refill only if the next block executed
 * is not the fall-through. Output: "instructions N" and "cycles N" (cycles only with cpu=). The
 * optional mix file lists executed instructions and cycles per mnemonic, most cycles first;
 * the optional syms file the same per function (the symbol of each block's first instruction).
 * With mark=SYMBOL and marks=FILE, every entry into the function SYMBOL (a block starting at
 * its address) appends the running totals "instructions cycles" as a line of FILE: the
 * firmware calls such a function between keys, so each key's cost is the difference of two
 * lines.
 *
 * Timing model (zero-wait-state memory, no interrupts):
 *   Cortex-M4 (TRM r0p1, 3.3): ALU, MUL, SMLAD & co., SMULL/SMLAL, SXTB16: 1; MLA/MLS: 2;
 *     LDR family 2, or 1 right after another single load/store (pipelined); STR family 1;
 *     LDRD/STRD 3; LDM/STM/PUSH/POP 1+N (+P with PC); taken branch 1+P, P = 2 (the TRM gives
 *     1 to 3); TBB/TBH 2+P; SDIV/UDIV 12 (the TRM's worst case, 2 to 12);
 *     VFP: VADD/VSUB/VMUL/VCVT/VMOV/VCMP/VABS/VNEG 1, VMLA/VFMA & co. 3, VDIV/VSQRT 14,
 *     VLDR 2 (1 pipelined), VSTR 2, VLDM/VSTM/VPUSH/VPOP 1+N (N single registers).
 *   Cortex-M0 (TRM r0p0, 3.3): ALU and MULS 1 (the single-cycle multiplier), loads and stores
 *     2, LDM/STM/PUSH 1+N, POP 1+N (4+N with PC), taken branch 3, not taken 1, BL 4,
 *     BX/BLX 3, a write to PC 3.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin-api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

enum core { CORE_NONE, CORE_M4, CORE_M0 };

static enum core core = CORE_NONE;
static const char *out_path;
static const char *mix_path;
static const char *sym_path;
static const char *mark_symbol;
static const char *marks_path;
static FILE *marks;
static uint64_t mark_entry;

static uint64_t total_insns;
static uint64_t total_cycles;

/* Per-mnemonic totals for the mix file. */
#define MAX_MNEMONICS 512
static char mnemonics[MAX_MNEMONICS][16];
static uint64_t mix_insns[MAX_MNEMONICS];
static uint64_t mix_cycles[MAX_MNEMONICS];
static int n_mnemonics;

struct block {
    uint64_t start;
    int sym;
    uint64_t insns;
    uint64_t cycles;
    /* A conditional branch ends the block: extra cycles if the next block isn't this. */
    uint64_t fallthrough;
    /* The block starts the mark function: log the totals when it runs. */
    int mark;
    uint32_t taken_extra;
    int n_mix;
    int *mix_id;
    uint32_t *mix_count;
    uint32_t *mix_cost;
};

static struct block *pending; /* the last block, if it ended in a conditional branch */

/* Per-function totals for the syms file. */
#define MAX_SYMS 4096
static const char *sym_names[MAX_SYMS];
static uint64_t sym_insns[MAX_SYMS];
static uint64_t sym_cycles[MAX_SYMS];
static int n_syms;

static int sym_id(const char *name)
{
    if (!name) {
        name = "?";
    }
    for (int i = 0; i < n_syms; i++) {
        if (sym_names[i] == name || strcmp(sym_names[i], name) == 0) {
            return i;
        }
    }
    if (n_syms == MAX_SYMS) {
        return MAX_SYMS - 1;
    }
    sym_names[n_syms] = name;
    return n_syms++;
}

static const char *const conds[] = {"eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs",
                                    "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", NULL};

static int in_list(const char *m, const char *const *list)
{
    for (; *list; list++) {
        if (strcmp(m, *list) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Registers in the first {...} list of the operands; d registers count 2 (VLDM/VPUSH move
 * single-precision words), ranges like r4-r7 expand. Sets *has_pc if PC is in it. */
static int count_regs(const char *ops, int *has_pc)
{
    const char *p = strchr(ops, '{');
    int n = 0;
    *has_pc = 0;
    if (!p) {
        return 0;
    }
    for (p++; *p && *p != '}';) {
        while (*p == ' ' || *p == ',') {
            p++;
        }
        if (*p == '}' || !*p) {
            break;
        }
        char kind = *p;
        int first = -1, last = -1;
        if (strncmp(p, "pc", 2) == 0) {
            *has_pc = 1;
        }
        if (isdigit((unsigned char)p[1])) {
            first = atoi(p + 1);
        }
        while (*p && *p != ',' && *p != '}' && *p != '-') {
            p++;
        }
        if (*p == '-') {
            p++;
            if (isdigit((unsigned char)p[1])) {
                last = atoi(p + 1);
            }
            while (*p && *p != ',' && *p != '}') {
                p++;
            }
        }
        int regs = (first >= 0 && last >= first) ? last - first + 1 : 1;
        n += kind == 'd' ? 2 * regs : regs;
    }
    return n;
}

/* The mnemonic without width qualifiers (.w, .n, .f32, ...). */
static void base_mnemonic(const char *dis, char *m, size_t cap, const char **ops)
{
    size_t i = 0;
    while (dis[i] && !isspace((unsigned char)dis[i]) && i + 1 < cap) {
        m[i] = (char)tolower((unsigned char)dis[i]);
        i++;
    }
    m[i] = 0;
    const char *rest = dis + i;
    while (*rest && !isspace((unsigned char)*rest)) {
        rest++;
    }
    while (isspace((unsigned char)*rest)) {
        rest++;
    }
    *ops = rest;
    char *dot = strchr(m, '.');
    if (dot) {
        *dot = 0;
    }
}

/* Drops a condition code ("addeq" -> "add") if what remains is in `known`. */
static int strip_cond(char *m, const char *const *known)
{
    size_t n = strlen(m);
    if (n < 3) {
        return 0;
    }
    for (const char *const *c = conds; *c; c++) {
        if (strcmp(m + n - 2, *c) == 0) {
            char save = m[n - 2];
            m[n - 2] = 0;
            if (in_list(m, known)) {
                return 1;
            }
            m[n - 2] = save;
        }
    }
    return 0;
}

static const char *const loads[] = {"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrex", "ldrt",
                                    "ldrbt", "ldrht", "vldr", NULL};
static const char *const stores[] = {"str", "strb", "strh", "strex", "strt", "vstr", NULL};
static const char *const multi_loads[] = {"ldm", "ldmia", "ldmdb", "ldmfd", "pop", "vldm",
                                          "vldmia", "vldmdb", "vpop", NULL};
static const char *const multi_stores[] = {"stm", "stmia", "stmdb", "stmea", "push", "vstm",
                                           "vstmia", "vstmdb", "vpush", NULL};
static const char *const mla2[] = {"mla", "mls", NULL};
static const char *const fp3[] = {"vmla", "vmls", "vnmla", "vnmls", "vfma", "vfms", "vfnma",
                                   "vfnms", NULL};
static const char *const fp14[] = {"vdiv", "vsqrt", NULL};
static const char *const divs[] = {"sdiv", "udiv", NULL};
static const char *const indirect[] = {"bx", "blx", NULL};
static const char *const cbz[] = {"cbz", "cbnz", NULL};
static const char *const tbb[] = {"tbb", "tbh", NULL};
static const char *const ld2[] = {"ldrd", "strd", NULL};

static const char *const *const all_known[] = {loads,  stores, multi_loads, multi_stores,
                                               mla2,   fp3,    fp14,        divs,
                                               indirect, cbz,  tbb,         ld2,
                                               NULL};

static int known(const char *m)
{
    if (strcmp(m, "b") == 0 || strcmp(m, "bl") == 0) {
        return 1;
    }
    for (const char *const *const *l = all_known; *l; l++) {
        if (in_list(m, *l)) {
            return 1;
        }
    }
    return 0;
}

static int is_cond_branch(const char *m)
{
    return m[0] == 'b' && strlen(m) == 3 && in_list(m + 1, conds) && strcmp(m + 1, "al") != 0;
}

struct cost {
    uint32_t base;
    uint32_t taken_extra; /* > 0: a conditional branch */
    int load_store_single;
};

/* The cost of one instruction; `prev_ls`: the previous one was a single load or store. */
static struct cost cost_of(const char *dis, int prev_ls, char *name, size_t name_cap)
{
    const char *ops;
    char m[32];
    base_mnemonic(dis, m, sizeof m, &ops);
    struct cost c = {1, 0, 0};
    int cond_branch = is_cond_branch(m);
    if (!cond_branch && !known(m)) {
        /* "adds" -> "add", "ldreq" -> "ldr" (inside IT blocks). */
        if (!strip_cond(m, loads) && !strip_cond(m, stores) && !strip_cond(m, multi_loads) &&
            !strip_cond(m, multi_stores) && !strip_cond(m, indirect) && !strip_cond(m, mla2)) {
            size_t n = strlen(m);
            if (n > 1 && m[n - 1] == 's' && strcmp(m, "vabs") != 0 && strcmp(m, "vmls") != 0 &&
                strcmp(m, "mls") != 0 && strcmp(m, "vnmls") != 0 && strcmp(m, "vfms") != 0 &&
                strcmp(m, "vfnms") != 0) {
                m[n - 1] = 0;
            }
        }
    }
    snprintf(name, name_cap, "%s", m);
    if (core == CORE_NONE) {
        return c;
    }
    int has_pc = 0;
    int writes_pc = strncmp(ops, "pc,", 3) == 0 || strncmp(ops, "pc ", 3) == 0;
    uint32_t refill = core == CORE_M4 ? 2 : 2; /* M4: P; M0: a taken branch is 3 = 1 + 2 */
    if (cond_branch || in_list(m, cbz)) {
        c.base = 1;
        c.taken_extra = refill;
    } else if (strcmp(m, "b") == 0) {
        c.base = 1 + refill;
    } else if (strcmp(m, "bl") == 0) {
        c.base = core == CORE_M4 ? 1 + refill : 4;
    } else if (in_list(m, indirect)) {
        c.base = core == CORE_M4 ? 1 + refill : 3;
    } else if (in_list(m, tbb)) {
        c.base = 2 + refill;
    } else if (in_list(m, loads)) {
        c.load_store_single = 1;
        c.base = (core == CORE_M4 && prev_ls) ? 1 : 2;
        if (writes_pc) {
            c.base += refill;
        }
    } else if (in_list(m, stores)) {
        c.load_store_single = 1;
        c.base = core == CORE_M4 ? (m[0] == 'v' ? 2 : 1) : 2;
    } else if (in_list(m, ld2)) {
        c.base = 3;
    } else if (in_list(m, multi_loads) || in_list(m, multi_stores)) {
        int n = count_regs(ops, &has_pc);
        c.base = 1 + (uint32_t)n;
        if (has_pc && in_list(m, multi_loads)) {
            c.base += core == CORE_M4 ? refill : 3;
        }
    } else if (core == CORE_M4 && in_list(m, mla2)) {
        c.base = 2;
    } else if (in_list(m, fp3)) {
        c.base = 3;
    } else if (in_list(m, fp14)) {
        c.base = 14;
    } else if (in_list(m, divs)) {
        c.base = 12;
    } else if (strcmp(m, "vmov") == 0) {
        /* Two core registers to or from a double: 2. */
        int commas = 0;
        for (const char *p = ops; *p; p++) {
            commas += *p == ',';
        }
        c.base = commas >= 2 ? 2 : 1;
    } else if (writes_pc) {
        c.base = core == CORE_M4 ? 1 + refill : 3;
    }
    return c;
}

static int mnemonic_id(const char *m)
{
    for (int i = 0; i < n_mnemonics; i++) {
        if (strcmp(mnemonics[i], m) == 0) {
            return i;
        }
    }
    if (n_mnemonics == MAX_MNEMONICS) {
        return MAX_MNEMONICS - 1; /* lumped together in the last slot */
    }
    snprintf(mnemonics[n_mnemonics], sizeof mnemonics[0], "%s", m);
    return n_mnemonics++;
}

static void block_exec(unsigned int vcpu, void *udata)
{
    struct block *b = udata;
    (void)vcpu;
    if (pending && b->start != pending->fallthrough) {
        /* The previous block's closing conditional branch was taken. */
        total_cycles += pending->taken_extra;
        if (mix_path) {
            mix_cycles[pending->mix_id[pending->n_mix - 1]] += pending->taken_extra;
        }
        if (sym_path) {
            sym_cycles[pending->sym] += pending->taken_extra;
        }
    }
    pending = b->taken_extra ? b : NULL;
    if (b->mark && marks) {
        fprintf(marks, "%llu %llu\n", (unsigned long long)total_insns,
                (unsigned long long)total_cycles);
    }
    total_insns += b->insns;
    total_cycles += b->cycles;
    if (sym_path) {
        sym_insns[b->sym] += b->insns;
        sym_cycles[b->sym] += b->cycles;
    }
    if (mix_path) {
        for (int i = 0; i < b->n_mix; i++) {
            mix_insns[b->mix_id[i]] += b->mix_count[i];
            mix_cycles[b->mix_id[i]] += b->mix_cost[i];
        }
    }
}

static void block_translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    struct block *b = calloc(1, sizeof *b);
    if (!b) {
        return;
    }
    b->start = qemu_plugin_tb_vaddr(tb);
    if (sym_path && n) {
        b->sym = sym_id(qemu_plugin_insn_symbol(qemu_plugin_tb_get_insn(tb, 0)));
    }
    if (mark_symbol && n) {
        const char *s = qemu_plugin_insn_symbol(qemu_plugin_tb_get_insn(tb, 0));
        /* Only the function's entry: the first of its blocks translated is where it was
         * called (a mark function is one small block; later blocks would be inside it). */
        if (s && strcmp(s, mark_symbol) == 0) {
            if (!mark_entry) {
                mark_entry = b->start;
            }
            b->mark = b->start == mark_entry;
        }
    }
    b->insns = n;
    b->mix_id = calloc(n ? n : 1, sizeof *b->mix_id);
    b->mix_count = calloc(n ? n : 1, sizeof *b->mix_count);
    b->mix_cost = calloc(n ? n : 1, sizeof *b->mix_cost);
    int prev_ls = 0;
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        char *dis = qemu_plugin_insn_disas(insn);
        char name[16];
        struct cost c = cost_of(dis ? dis : "?", prev_ls, name, sizeof name);
        free(dis);
        prev_ls = c.load_store_single;
        b->cycles += c.base;
        if (i + 1 == n) {
            b->taken_extra = c.taken_extra;
            b->fallthrough = qemu_plugin_insn_vaddr(insn) + qemu_plugin_insn_size(insn);
        }
        if (b->mix_id) {
            int id_ = mnemonic_id(name);
            int j = 0;
            while (j < b->n_mix && b->mix_id[j] != id_) {
                j++;
            }
            /* Keep the closing instruction last, where a taken branch's refill is charged. */
            if (j == b->n_mix || i + 1 == n) {
                j = b->n_mix++;
                b->mix_id[j] = id_;
            }
            b->mix_count[j] += 1;
            b->mix_cost[j] += c.base;
        }
    }
    qemu_plugin_register_vcpu_tb_exec_cb(tb, block_exec, QEMU_PLUGIN_CB_NO_REGS, b);
}

static int syms_by_cycles(const void *a, const void *b)
{
    int i = *(const int *)a, j = *(const int *)b;
    uint64_t x = sym_cycles[i] ? sym_cycles[i] : sym_insns[i];
    uint64_t y = sym_cycles[j] ? sym_cycles[j] : sym_insns[j];
    return x < y ? 1 : x > y ? -1 : 0;
}

static int by_cycles(const void *a, const void *b)
{
    int i = *(const int *)a, j = *(const int *)b;
    uint64_t x = mix_cycles[i] ? mix_cycles[i] : mix_insns[i];
    uint64_t y = mix_cycles[j] ? mix_cycles[j] : mix_insns[j];
    return x < y ? 1 : x > y ? -1 : 0;
}

static void report(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    if (marks) {
        fclose(marks);
        marks = NULL;
    }
    char line[128];
    FILE *f = out_path ? fopen(out_path, "w") : NULL;
    snprintf(line, sizeof line, "instructions %llu\n", (unsigned long long)total_insns);
    f ? (void)fputs(line, f) : qemu_plugin_outs(line);
    if (core != CORE_NONE) {
        snprintf(line, sizeof line, "cycles %llu\n", (unsigned long long)total_cycles);
        f ? (void)fputs(line, f) : qemu_plugin_outs(line);
    }
    if (f) {
        fclose(f);
    }
    if (mix_path) {
        FILE *m = fopen(mix_path, "w");
        int order[MAX_MNEMONICS];
        for (int i = 0; i < n_mnemonics; i++) {
            order[i] = i;
        }
        qsort(order, (size_t)n_mnemonics, sizeof order[0], by_cycles);
        for (int k = 0; m && k < n_mnemonics; k++) {
            int i = order[k];
            fprintf(m, "%-10s %14llu %14llu\n", mnemonics[i], (unsigned long long)mix_insns[i],
                    (unsigned long long)mix_cycles[i]);
        }
        if (m) {
            fclose(m);
        }
    }
    if (sym_path) {
        FILE *m = fopen(sym_path, "w");
        static int order[MAX_SYMS];
        for (int i = 0; i < n_syms; i++) {
            order[i] = i;
        }
        qsort(order, (size_t)n_syms, sizeof order[0], syms_by_cycles);
        for (int k = 0; m && k < n_syms; k++) {
            int i = order[k];
            fprintf(m, "%14llu %14llu %s\n", (unsigned long long)sym_insns[i],
                    (unsigned long long)sym_cycles[i], sym_names[i]);
        }
        if (m) {
            fclose(m);
        }
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "cpu=m4") == 0) {
            core = CORE_M4;
        } else if (strcmp(a, "cpu=m0") == 0) {
            core = CORE_M0;
        } else if (strncmp(a, "out=", 4) == 0) {
            out_path = a + 4;
        } else if (strncmp(a, "mix=", 4) == 0) {
            mix_path = a + 4;
        } else if (strncmp(a, "syms=", 5) == 0) {
            sym_path = a + 5;
        } else if (strncmp(a, "mark=", 5) == 0) {
            mark_symbol = a + 5;
        } else if (strncmp(a, "marks=", 6) == 0) {
            marks_path = a + 6;
        } else {
            fprintf(stderr, "count: unknown argument '%s' (cpu=m4|m0, out=FILE, mix=FILE, "
                            "syms=FILE, mark=SYMBOL, marks=FILE)\n", a);
            return -1;
        }
    }
    if (mark_symbol && marks_path) {
        marks = fopen(marks_path, "w");
        if (!marks) {
            fprintf(stderr, "count: cannot write %s\n", marks_path);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, block_translated);
    qemu_plugin_register_atexit_cb(id, report, NULL);
    return 0;
}
