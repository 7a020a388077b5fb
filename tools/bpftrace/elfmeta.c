/*
 * elfmeta.c: what the target's executable says about its probes.
 *
 * A Lucent tracepoint is both a USDT probe (a note in .note.stapsdt, which
 * libbpf attaches to) and a `struct lu_tracepoint` in the `lu_tracepoints`
 * section (name, category, kind, argument names and types), which is what
 * the Perfetto encoder needs. Both are read from the file, not the running
 * process, so a binary can be traced from its first instruction and
 * strings can still be read after it has exited.
 *
 * A probe is matched to its metadata by the struct's symbol (`lu_tp_<probe>`,
 * from .symtab), or, in a stripped binary, by name and kind (a slice's
 * probes are `<name>_begin`/`<name>_end`). A lucent probe with no metadata
 * at all still traces, as an instant with arguments arg0.. in category
 * "usdt".
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lbt.h"

#define TP_SIZE sizeof(struct lu_tracepoint)

struct elf {
    const uint8_t *d;
    size_t n;
    const Elf64_Ehdr *eh;
    const Elf64_Shdr *sh;
};

static const Elf64_Shdr *section(const struct elf *e, const char *want)
{
    const Elf64_Shdr *strs = &e->sh[e->eh->e_shstrndx];
    for (unsigned i = 0; i < e->eh->e_shnum; i++) {
        size_t off = strs->sh_offset + e->sh[i].sh_name;
        if (off < e->n && strncmp((const char *)e->d + off, want, e->n - off) == 0)
            return &e->sh[i];
    }
    return NULL;
}

static bool in_file(const struct elf *e, const Elf64_Shdr *s)
{
    return s->sh_type != SHT_NOBITS && s->sh_offset <= e->n && s->sh_size <= e->n - s->sh_offset;
}

int lbt_meta_str(const struct lbt_meta *m, uint64_t vaddr, char *buf, size_t len)
{
    const uint8_t *d = m->elf_data;
    const Elf64_Ehdr *eh = m->elf_data;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(d + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        const Elf64_Shdr *s = &sh[i];
        if (!(s->sh_flags & SHF_ALLOC) || s->sh_type == SHT_NOBITS || vaddr < s->sh_addr ||
            vaddr >= s->sh_addr + s->sh_size || s->sh_offset + s->sh_size > m->elf_len)
            continue;
        size_t at = s->sh_offset + (vaddr - s->sh_addr), end = s->sh_offset + s->sh_size, n = 0;
        while (n + 1 < len && at + n < end && d[at + n]) {
            buf[n] = (char)d[at + n];
            n++;
        }
        buf[n] = 0;
        return (int)n;
    }
    return -EFAULT;
}

static const char *dup_str(const struct lbt_meta *m, uint64_t vaddr, const char *dflt)
{
    char s[128];
    return strdup(vaddr && lbt_meta_str(m, vaddr, s, sizeof s) > 0 ? s : dflt);
}

static int add_tp(struct lbt_meta *m, const struct lu_tracepoint *tp)
{
    if (m->ntps >= sizeof m->tps / sizeof m->tps[0])
        return -E2BIG;
    struct lu_tracepoint *t = &m->tps[m->ntps];
    *t = *tp;
    t->on = 1;
    t->id = (uint16_t)m->ntps;
    /* categories are numbered in order of first appearance */
    unsigned ncats = 0;
    t->cat_id = UINT16_MAX;
    for (unsigned i = 0; i < m->ntps; i++) {
        if (m->tps[i].cat_id >= ncats)
            ncats = m->tps[i].cat_id + 1u;
        if (t->cat_id == UINT16_MAX && strcmp(m->tps[i].category, t->category) == 0)
            t->cat_id = m->tps[i].cat_id;
    }
    if (t->cat_id == UINT16_MAX)
        t->cat_id = (uint16_t)ncats;
    return (int)m->ntps++;
}

int lbt_meta_add(struct lbt_meta *m, const char *name, const char *cat, int kind, int nargs,
                 const char *const *arg_names, const uint8_t *arg_types)
{
    struct lu_tracepoint tp = {.kind = (uint8_t)kind, .nargs = (uint8_t)nargs, .name = name, .category = cat};
    for (int i = 0; i < nargs && i < LU_TRACE_MAX_ARGS; i++) {
        tp.arg_names[i] = arg_names[i];
        tp.arg_types[i] = arg_types[i];
    }
    return add_tp(m, &tp);
}

/* The struct lu_tracepoint table as linked, pointers relocated. */
struct raw_tps {
    uint8_t *bytes;
    uint64_t addr;
    size_t n;
    const char **ident; /* from lu_tp_<ident> symbols; NULL where unknown */
};

static void read_tps(const struct elf *e, struct raw_tps *r)
{
    const Elf64_Shdr *s = section(e, "lu_tracepoints");
    if (!s || !in_file(e, s))
        return;
    r->n = s->sh_size / TP_SIZE;
    r->addr = s->sh_addr;
    r->bytes = malloc(s->sh_size + 1);
    r->ident = calloc(r->n + 1, sizeof *r->ident);
    memcpy(r->bytes, e->d + s->sh_offset, s->sh_size);
    /* A PIE's pointers are R_X86_64_RELATIVE relocations; GNU ld also
     * writes their value in place, other linkers may not. */
    for (unsigned i = 0; i < e->eh->e_shnum; i++) {
        const Elf64_Shdr *rs = &e->sh[i];
        if (rs->sh_type != SHT_RELA || !in_file(e, rs))
            continue;
        const Elf64_Rela *ra = (const Elf64_Rela *)(e->d + rs->sh_offset);
        for (size_t k = 0; k < rs->sh_size / sizeof *ra; k++)
            if (ELF64_R_TYPE(ra[k].r_info) == R_X86_64_RELATIVE && ra[k].r_offset >= r->addr &&
                ra[k].r_offset + 8 <= r->addr + s->sh_size)
                memcpy(r->bytes + (ra[k].r_offset - r->addr), &ra[k].r_addend, 8);
    }
    for (unsigned i = 0; i < e->eh->e_shnum; i++) {
        const Elf64_Shdr *ss = &e->sh[i];
        if (ss->sh_type != SHT_SYMTAB || !in_file(e, ss) || ss->sh_link >= e->eh->e_shnum)
            continue;
        const Elf64_Shdr *str = &e->sh[ss->sh_link];
        const Elf64_Sym *sym = (const Elf64_Sym *)(e->d + ss->sh_offset);
        for (size_t k = 0; k < ss->sh_size / sizeof *sym; k++) {
            size_t off = str->sh_offset + sym[k].st_name;
            if (off + 7 > e->n || strncmp((const char *)e->d + off, "lu_tp_", 6) != 0)
                continue;
            uint64_t v = sym[k].st_value;
            if (v >= r->addr && v < r->addr + r->n * TP_SIZE && (v - r->addr) % TP_SIZE == 0)
                r->ident[(v - r->addr) / TP_SIZE] = (const char *)e->d + off + 6;
        }
    }
}

/* The metadata entry for probe @name, or -1. */
static int match(const struct lbt_meta *m, const struct raw_tps *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->ident[i] && strcmp(r->ident[i], name) == 0)
            return (int)i;
    for (size_t i = 0; i < r->n; i++) {
        const struct lu_tracepoint *tp = (const void *)(r->bytes + i * TP_SIZE);
        char tn[128], want[160];
        if (lbt_meta_str(m, (uint64_t)(uintptr_t)tp->name, tn, sizeof tn) <= 0)
            continue;
        snprintf(want, sizeof want, "%s%s", tn,
                 tp->kind == LU_TRACE_BEGIN ? "_begin"
                 : tp->kind == LU_TRACE_END ? "_end"
                                            : "");
        if (strcmp(want, name) == 0 || strcmp(tn, name) == 0)
            return (int)i;
    }
    return -1;
}

static int tp_for_probe(struct lbt_meta *m, const struct raw_tps *r, const char *name, int nargs)
{
    int i = match(m, r, name);
    if (i < 0) {
        static const char *const argn[] = {"arg0", "arg1", "arg2", "arg3", "arg4"};
        static const uint8_t u64s[] = {LU_TRACE_U64, LU_TRACE_U64, LU_TRACE_U64, LU_TRACE_U64, LU_TRACE_U64};
        return lbt_meta_add(m, strdup(name), "usdt", LU_TRACE_INSTANT,
                            nargs < LU_TRACE_MAX_ARGS ? nargs : LU_TRACE_MAX_ARGS, argn, u64s);
    }
    const struct lu_tracepoint *raw = (const void *)(r->bytes + (size_t)i * TP_SIZE);
    struct lu_tracepoint tp = *raw;
    if (tp.nargs > LU_TRACE_MAX_ARGS || tp.kind < LU_TRACE_BEGIN || tp.kind > LU_TRACE_IRQ_END)
        return -EINVAL;
    tp.name = dup_str(m, (uint64_t)(uintptr_t)raw->name, name);
    tp.category = dup_str(m, (uint64_t)(uintptr_t)raw->category, "lucent");
    for (int k = 0; k < tp.nargs; k++)
        tp.arg_names[k] = dup_str(m, (uint64_t)(uintptr_t)raw->arg_names[k], "arg");
    return add_tp(m, &tp);
}

/* Walks .note.stapsdt; adds each distinct lucent probe. */
static int read_probes(struct lbt_meta *m, const struct elf *e, const struct raw_tps *r)
{
    const Elf64_Shdr *s = section(e, ".note.stapsdt");
    if (!s || !in_file(e, s))
        return 0;
    const uint8_t *p = e->d + s->sh_offset, *end = p + s->sh_size;
    while (end - p >= (long)sizeof(Elf64_Nhdr)) {
        const Elf64_Nhdr *nh = (const void *)p;
        const uint8_t *name = p + sizeof *nh;
        const uint8_t *desc = name + ((nh->n_namesz + 3) & ~3u);
        const uint8_t *next = desc + ((nh->n_descsz + 3) & ~3u);
        if (next > end || desc > end)
            break;
        p = next;
        if (nh->n_type != 3 || nh->n_namesz != 8 || memcmp(name, "stapsdt", 8) != 0 ||
            nh->n_descsz < 3 * 8 + 3 || desc[nh->n_descsz - 1] != 0)
            continue;
        const char *prov = (const char *)desc + 24;
        const char *pname = prov + strlen(prov) + 1;
        if ((const uint8_t *)pname >= desc + nh->n_descsz || strcmp(prov, "lucent") != 0 ||
            strlen(pname) >= sizeof m->probes[0].name)
            continue;
        const char *args = pname + strlen(pname) + 1;
        int nargs = 0;
        for (const char *a = args; (const uint8_t *)a < desc + nh->n_descsz && *a; a++)
            nargs += (a == args || a[-1] == ' ') && *a != ' ';
        bool seen = false;
        for (unsigned i = 0; i < m->nprobes && !seen; i++)
            seen = strcmp(m->probes[i].name, pname) == 0;
        if (seen)
            continue;
        int tp = tp_for_probe(m, r, pname, nargs);
        if (tp < 0)
            return tp;
        m->probes = realloc(m->probes, (m->nprobes + 1) * sizeof *m->probes);
        snprintf(m->probes[m->nprobes].name, sizeof m->probes[0].name, "%s", pname);
        m->probes[m->nprobes++].tp = (uint32_t)tp;
    }
    return 0;
}

int lbt_meta_load(struct lbt_meta *m, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        int r = -errno;
        fprintf(stderr, "lucent-bpftrace: %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return r;
    }
    m->elf_len = (size_t)st.st_size;
    m->elf_data = malloc(m->elf_len ? m->elf_len : 1);
    size_t got = 0;
    while (got < m->elf_len) {
        ssize_t n = read(fd, (uint8_t *)m->elf_data + got, m->elf_len - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    struct elf e = {.d = m->elf_data, .n = got, .eh = m->elf_data};
    if (got < sizeof(Elf64_Ehdr) || memcmp(e.d, ELFMAG, SELFMAG) != 0 ||
        e.eh->e_ident[EI_CLASS] != ELFCLASS64 || e.eh->e_machine != EM_X86_64 || e.eh->e_shoff > got ||
        e.eh->e_shnum * sizeof(Elf64_Shdr) > got - e.eh->e_shoff || e.eh->e_shstrndx >= e.eh->e_shnum) {
        fprintf(stderr, "lucent-bpftrace: %s: not an x86_64 ELF executable\n", path);
        return -ENOEXEC;
    }
    m->elf_len = got;
    e.sh = (const Elf64_Shdr *)(e.d + e.eh->e_shoff);
    struct raw_tps r = {0};
    read_tps(&e, &r);
    int err = read_probes(m, &e, &r);
    free(r.bytes);
    free(r.ident);
    if (err)
        return err;
    if (!m->nprobes) {
        fprintf(stderr,
                "lucent-bpftrace: %s has no Lucent USDT probes (provider \"lucent\"): not a Lucent "
                "hostbuild app, or built with -Dusdt=disabled or -Dtracing=false\n",
                path);
        return -ENOENT;
    }
    /* where the first PT_LOAD sits, to turn a runtime address into a link-time one */
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(e.d + e.eh->e_phoff);
    bool ph_ok = e.eh->e_phoff < got && e.eh->e_phnum * sizeof *ph <= got - e.eh->e_phoff;
    for (unsigned i = 0; ph_ok && i < e.eh->e_phnum; i++)
        if (ph[i].p_type == PT_LOAD) {
            if (!m->first_load_vaddr)
                m->first_load_vaddr = ph[i].p_vaddr & ~0xfffULL;
            if ((ph[i].p_flags & PF_X) && (!m->first_exec_vaddr || ph[i].p_vaddr < m->first_exec_vaddr))
                m->first_exec_vaddr = ph[i].p_vaddr;
        }
    return 0;
}
