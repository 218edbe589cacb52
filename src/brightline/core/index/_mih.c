/* Multi-index hashing kernel for 256-bit hashes (see mih_segment.py for the layout).
 *
 * A segment holds n hash rows (32 bytes each) and m tables.  Table k indexes the
 * bit range [off[k], off[k] + width[k]) of every row (bits of the hash read as four
 * little-endian uint64 words).  Its directory gives offset(b) for b in 0 .. 2^width; the
 * rows whose chunk equals b are postings offset(b) .. offset(b+1)-1.  The directory is
 * stored in two parts, offset(b) = hi[b >> shift] + lo[b] with uint32 hi and uint16 lo,
 * which halves its size (shift 6: one hi per 64 buckets); shift 0 with lo = 0 holds
 * data so skewed that a block of 64 buckets has more than 65535 rows.  Rows are stored
 * sorted by chunk 0, so table 0 needs no postings: its postings are the row numbers.
 * Postings of the other tables are packed little-endian integers of pbytes (3 or 4)
 * bytes, with one spare byte at the end so a 3-byte entry can be read as 4 bytes.
 *
 * Search uses the general pigeonhole principle: if per-chunk thresholds t_k satisfy
 * sum(t_k + 1) > r, every row within distance r of the query is within t_k of it on
 * some chunk k (t_k = -1 skips table k).  The planner spreads the r + 1 units over the
 * chunks greedily by estimated cost, or chooses a flat scan when that is cheaper.
 * A candidate found through table k is reported only if no earlier probed table j
 * also reaches it (its chunk j distance exceeds t_j): every match is reported once
 * without a visited set.  Candidate rows are random reads into the hash array, so
 * they are collected into a buffer and checked with software prefetch ahead.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HASH_BYTES 32
#define MAXM 32
#ifndef PROBE_GROUP
#define PROBE_GROUP 32
#endif
#define CAND_CAP 8192
#ifndef PREFETCH_AHEAD
#define PREFETCH_AHEAD 32
#endif

/* Planner cost units: one random candidate check = 1. */
#define COST_PROBE 2.0
#define COST_FLAT_ROW 0.12

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* ------------------------------------------------------------------ helpers */

ALWAYS_INLINE uint64_t load_le64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

ALWAYS_INLINE void load_words(const uint8_t *p, uint64_t w[4]) {
    w[0] = load_le64(p);
    w[1] = load_le64(p + 8);
    w[2] = load_le64(p + 16);
    w[3] = load_le64(p + 24);
}

ALWAYS_INLINE uint32_t chunk_of(const uint64_t w[4], int off, int width) {
    int wi = off >> 6, bi = off & 63;
    uint64_t v = w[wi] >> bi;
    if (bi + width > 64) v |= w[wi + 1] << (64 - bi);
    return (uint32_t)(v & ((1ull << width) - 1));
}

ALWAYS_INLINE int popcount64(uint64_t x) { return __builtin_popcountll(x); }

ALWAYS_INLINE int distance(const uint64_t q[4], const uint8_t *row, uint64_t x[4]) {
    uint64_t h[4];
    load_words(row, h);
    x[0] = q[0] ^ h[0];
    x[1] = q[1] ^ h[1];
    x[2] = q[2] ^ h[2];
    x[3] = q[3] ^ h[3];
    return popcount64(x[0]) + popcount64(x[1]) + popcount64(x[2]) + popcount64(x[3]);
}

ALWAYS_INLINE uint32_t posting(const uint8_t *posts, int pbytes, uint64_t i) {
    uint32_t v;
    memcpy(&v, posts + i * (uint64_t)pbytes, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return pbytes == 4 ? v : (v & 0xFFFFFFu);
}

ALWAYS_INLINE int is_dead(const uint8_t *dead, uint64_t row) {
    return dead && ((dead[row >> 3] >> (row & 7)) & 1);
}

/* Growable output: (query, row, distance) triples. */
typedef struct {
    int64_t *q;
    int64_t *row;
    int32_t *dist;
    size_t len, cap;
    int failed;
} Out;

static int out_push(Out *o, int64_t q, int64_t row, int32_t d) {
    if (o->len == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 256;
        int64_t *nq = realloc(o->q, cap * sizeof *nq);
        if (nq) o->q = nq;
        int64_t *nr = realloc(o->row, cap * sizeof *nr);
        if (nr) o->row = nr;
        int32_t *nd = realloc(o->dist, cap * sizeof *nd);
        if (nd) o->dist = nd;
        if (!nq || !nr || !nd) {
            o->failed = 1;
            return -1;
        }
        o->cap = cap;
    }
    o->q[o->len] = q;
    o->row[o->len] = row;
    o->dist[o->len] = d;
    o->len++;
    return 0;
}

static void out_free(Out *o) {
    free(o->q);
    free(o->row);
    free(o->dist);
}

static PyObject *out_to_tuple(Out *o) {
    if (o->failed) {
        out_free(o);
        return PyErr_NoMemory();
    }
    /* "y#" turns a NULL pointer into None, so empty results point at "". */
    const char *none = "";
    PyObject *res = Py_BuildValue(
        "(y#y#y#)", o->q ? (const char *)o->q : none, (Py_ssize_t)(o->len * sizeof(int64_t)),
        o->row ? (const char *)o->row : none, (Py_ssize_t)(o->len * sizeof(int64_t)),
        o->dist ? (const char *)o->dist : none, (Py_ssize_t)(o->len * sizeof(int32_t)));
    out_free(o);
    return res;
}

/* ------------------------------------------------------------------ flat scan */

ALWAYS_INLINE void scan_body(const uint8_t *rows, uint64_t n, const uint8_t *dead,
                             const uint8_t *queries, uint64_t nq, int radius, Out *out) {
    for (uint64_t qi = 0; qi < nq; qi++) {
        uint64_t q[4], x[4];
        load_words(queries + qi * HASH_BYTES, q);
        for (uint64_t i = 0; i < n; i++) {
            int d = distance(q, rows + i * HASH_BYTES, x);
            if (d <= radius && !is_dead(dead, i) && out_push(out, (int64_t)qi, (int64_t)i, d))
                return;
        }
    }
}

/* ------------------------------------------------------------------ segment type */

typedef struct {
    PyObject_HEAD
    uint64_t n;
    int m, pbytes;
    int off[MAXM], width[MAXM];
    int shift[MAXM];
    Py_buffer hashes, dead;
    Py_buffer dhi[MAXM], dlo[MAXM], posts[MAXM];
    int have[2 + 3 * MAXM]; /* which buffers are held, for dealloc */
} Segment;

ALWAYS_INLINE uint32_t dir_at(const uint32_t *hi, const uint16_t *lo, int shift, uint32_t b) {
    return hi[b >> shift] + lo[b];
}

typedef struct {
    const Segment *s;
    const uint8_t *rows, *dead;
    const uint32_t *dhi[MAXM];
    const uint16_t *dlo[MAXM];
    const uint8_t *post[MAXM];
    int t[MAXM];
    uint32_t *masks;      /* masks by width: all masks of popcount <= tmax, by popcount */
    uint64_t nmasks[MAXM]; /* masks to probe for table k */
    uint64_t mask_start[MAXM];
    uint32_t cand_row[CAND_CAP];
    uint8_t cand_k[CAND_CAP];
    int ncand;
    uint64_t probes, candidates; /* work done, for probe_stats() */
} Ctx;

static double binom(int n, int k) {
    if (k < 0 || k > n) return 0.0;
    double r = 1.0;
    for (int i = 1; i <= k; i++) r = r * (n - k + i) / i;
    return r;
}

/* Spread r + 1 units over the chunks (t_k starts at -1).  Returns 1 if a flat scan is
 * estimated cheaper (or, with always_probe, if no plan exists), 0 with t filled. */
static int plan(const Segment *s, int radius, int always_probe, int t[MAXM]) {
    double est = 0.0, flat = (double)s->n * COST_FLAT_ROW;
    for (int k = 0; k < s->m; k++) t[k] = -1;
    for (int unit = 0; unit <= radius; unit++) {
        int best = -1;
        double best_cost = 0.0;
        for (int k = 0; k < s->m; k++) {
            int nt = t[k] + 1;
            if (nt > s->width[k] / 2) continue; /* past the convex part: scan instead */
            double bucket = (double)s->n / (double)(1ull << s->width[k]);
            double c = binom(s->width[k], nt) * (COST_PROBE + bucket);
            if (best < 0 || c < best_cost) {
                best = k;
                best_cost = c;
            }
        }
        if (best < 0) return 1;
        t[best]++;
        est += best_cost;
        if (est > flat && !always_probe) return 1;
    }
    return 0;
}

/* Masks of `width` bits with popcount <= tmax, ordered by popcount (Gosper's hack). */
static uint64_t fill_masks(uint32_t *dst, int width, int tmax) {
    uint64_t n = 0;
    dst[n++] = 0;
    for (int p = 1; p <= tmax; p++) {
        uint64_t v = (1ull << p) - 1, limit = 1ull << width;
        while (v < limit) {
            dst[n++] = (uint32_t)v;
            uint64_t c = v & -v, r = v + c;
            v = (((r ^ v) >> 2) / c) | r;
        }
    }
    return n;
}

static uint64_t count_masks(int width, int tmax) {
    double total = 0.0;
    for (int p = 0; p <= tmax; p++) total += binom(width, p);
    return (uint64_t)total;
}

/* Build the mask lists for the plan: one list per table (tables of equal width and
 * threshold could share, but lists are small next to the probe work). */
static int ctx_masks(Ctx *c) {
    const Segment *s = c->s;
    uint64_t total = 0;
    for (int k = 0; k < s->m; k++) {
        c->mask_start[k] = total;
        c->nmasks[k] = c->t[k] >= 0 ? count_masks(s->width[k], c->t[k]) : 0;
        total += c->nmasks[k];
    }
    c->masks = malloc((total ? total : 1) * sizeof(uint32_t));
    if (!c->masks) return -1;
    for (int k = 0; k < s->m; k++)
        if (c->t[k] >= 0) fill_masks(c->masks + c->mask_start[k], s->width[k], c->t[k]);
    return 0;
}

ALWAYS_INLINE int verify_flush(Ctx *c, const uint64_t q[4], int64_t qi, int radius, Out *out) {
    const Segment *s = c->s;
    const uint8_t *rows = c->rows;
    int n = c->ncand;
    c->candidates += (uint64_t)n;
    for (int i = 0; i < n; i++) {
        if (i + PREFETCH_AHEAD < n)
            __builtin_prefetch(rows + (uint64_t)c->cand_row[i + PREFETCH_AHEAD] * HASH_BYTES);
        uint32_t row = c->cand_row[i];
        uint64_t x[4];
        int d = distance(q, rows + (uint64_t)row * HASH_BYTES, x);
        if (d > radius || is_dead(c->dead, row)) continue;
        int k = c->cand_k[i], first = 1;
        for (int j = 0; j < k; j++) {
            if (c->t[j] >= 0 && popcount64(chunk_of(x, s->off[j], s->width[j])) <= c->t[j]) {
                first = 0; /* table j reaches it too and reports it */
                break;
            }
        }
        if (first && out_push(out, qi, row, d)) return -1;
    }
    c->ncand = 0;
    return 0;
}

ALWAYS_INLINE int push_range(Ctx *c, int k, uint32_t lo, uint32_t hi, const uint64_t q[4],
                             int64_t qi, int radius, Out *out) {
    const uint8_t *post = c->post[k];
    int pbytes = c->s->pbytes;
    for (uint32_t i = lo; i < hi; i++) {
        c->cand_row[c->ncand] = k == 0 ? i : posting(post, pbytes, i);
        c->cand_k[c->ncand] = (uint8_t)k;
        if (++c->ncand == CAND_CAP && verify_flush(c, q, qi, radius, out)) return -1;
    }
    return 0;
}

ALWAYS_INLINE int probe_query(Ctx *c, const uint8_t *query, int64_t qi, int radius, Out *out) {
    const Segment *s = c->s;
    uint64_t q[4];
    load_words(query, q);
    c->ncand = 0;
    for (int k = 0; k < s->m; k++) {
        if (c->t[k] < 0) continue;
        const uint32_t *dhi = c->dhi[k];
        const uint16_t *dlo = c->dlo[k];
        int shift = s->shift[k];
        const uint32_t *masks = c->masks + c->mask_start[k];
        uint32_t key = chunk_of(q, s->off[k], s->width[k]);
        uint64_t total = c->nmasks[k];
        c->probes += total;
        for (uint64_t g = 0; g < total; g += PROBE_GROUP) {
            uint32_t bucket[PROBE_GROUP], lo[PROBE_GROUP], hi[PROBE_GROUP];
            int ng = (int)(total - g < PROBE_GROUP ? total - g : PROBE_GROUP);
            /* Three passes so the directory and postings misses overlap. */
            for (int j = 0; j < ng; j++) {
                bucket[j] = key ^ masks[g + j];
                __builtin_prefetch(dlo + bucket[j]);
                __builtin_prefetch(dhi + (bucket[j] >> shift));
            }
            for (int j = 0; j < ng; j++) {
                lo[j] = dir_at(dhi, dlo, shift, bucket[j]);
                hi[j] = dir_at(dhi, dlo, shift, bucket[j] + 1);
                if (k && lo[j] < hi[j])
                    __builtin_prefetch(c->post[k] + (uint64_t)lo[j] * s->pbytes);
            }
            for (int j = 0; j < ng; j++)
                if (lo[j] < hi[j] && push_range(c, k, lo[j], hi[j], q, qi, radius, out))
                    return -1;
        }
    }
    return verify_flush(c, q, qi, radius, out);
}

ALWAYS_INLINE int search_body(Ctx *c, const uint8_t *queries, uint64_t nq, int radius,
                              int flat, Out *out) {
    const Segment *s = c->s;
    if (flat) {
        scan_body(c->rows, s->n, c->dead, queries, nq, radius, out);
        return out->failed ? -1 : 0;
    }
    for (uint64_t qi = 0; qi < nq; qi++)
        if (probe_query(c, queries + qi * HASH_BYTES, (int64_t)qi, radius, out)) return -1;
    return 0;
}

/* Two compilations of the hot loops: popcnt where the CPU has it, portable otherwise. */
__attribute__((target("popcnt"))) static int search_popcnt(Ctx *c, const uint8_t *queries,
                                                           uint64_t nq, int radius, int flat,
                                                           Out *out) {
    return search_body(c, queries, nq, radius, flat, out);
}

static int search_generic(Ctx *c, const uint8_t *queries, uint64_t nq, int radius, int flat,
                          Out *out) {
    return search_body(c, queries, nq, radius, flat, out);
}

__attribute__((target("popcnt"))) static void scan_popcnt(const uint8_t *rows, uint64_t n,
                                                         const uint8_t *dead,
                                                         const uint8_t *queries, uint64_t nq,
                                                         int radius, Out *out) {
    scan_body(rows, n, dead, queries, nq, radius, out);
}

static void scan_generic(const uint8_t *rows, uint64_t n, const uint8_t *dead,
                         const uint8_t *queries, uint64_t nq, int radius, Out *out) {
    scan_body(rows, n, dead, queries, nq, radius, out);
}

static int have_popcnt;

static int get_queries(PyObject *obj, Py_buffer *buf, uint64_t *nq) {
    if (PyObject_GetBuffer(obj, buf, PyBUF_SIMPLE) < 0) return -1;
    if (buf->len % HASH_BYTES) {
        PyBuffer_Release(buf);
        PyErr_SetString(PyExc_ValueError, "queries must be a multiple of 32 bytes");
        return -1;
    }
    *nq = (uint64_t)buf->len / HASH_BYTES;
    return 0;
}

/* Search with the GIL released; stats (probes, candidates) are added to when given. */
static int run_search(Segment *self, const Py_buffer *qbuf, uint64_t nq, int radius,
                      int always_probe, Out *out, uint64_t stats[2]) {
    if (radius < 0 || self->n == 0 || nq == 0) return 0;
    Ctx *c = calloc(1, sizeof *c);
    if (!c) {
        PyErr_NoMemory();
        return -1;
    }
    c->s = self;
    c->rows = self->hashes.buf;
    c->dead = self->dead.buf;
    for (int k = 0; k < self->m; k++) {
        c->dhi[k] = self->dhi[k].buf;
        c->dlo[k] = self->dlo[k].buf;
        c->post[k] = k ? self->posts[k].buf : NULL;
    }
    int flat = self->m == 0 || plan(self, radius, always_probe, c->t);
    int rc = 0;
    if (!flat && ctx_masks(c) < 0) rc = -1;
    if (rc == 0) {
        Py_BEGIN_ALLOW_THREADS
        rc = have_popcnt ? search_popcnt(c, qbuf->buf, nq, radius, flat, out)
                         : search_generic(c, qbuf->buf, nq, radius, flat, out);
        Py_END_ALLOW_THREADS
    }
    if (stats) {
        stats[0] += c->probes;
        stats[1] += flat ? self->n * nq : c->candidates;
    }
    free(c->masks);
    free(c);
    if (rc < 0) out->failed = 1;
    return 0;
}

static PyObject *Segment_search(Segment *self, PyObject *args) {
    PyObject *qobj;
    int radius, always_probe = 0;
    if (!PyArg_ParseTuple(args, "Oi|p", &qobj, &radius, &always_probe)) return NULL;
    Py_buffer qbuf;
    uint64_t nq;
    if (get_queries(qobj, &qbuf, &nq) < 0) return NULL;
    Out out = {0};
    int rc = run_search(self, &qbuf, nq, radius, always_probe, &out, NULL);
    PyBuffer_Release(&qbuf);
    if (rc < 0) {
        out_free(&out);
        return NULL;
    }
    return out_to_tuple(&out);
}

/* probe_stats(queries, radius) -> (bucket probes, candidate checks, hits), summed. */
static PyObject *Segment_probe_stats(Segment *self, PyObject *args) {
    PyObject *qobj;
    int radius;
    if (!PyArg_ParseTuple(args, "Oi", &qobj, &radius)) return NULL;
    Py_buffer qbuf;
    uint64_t nq, stats[2] = {0, 0};
    if (get_queries(qobj, &qbuf, &nq) < 0) return NULL;
    Out out = {0};
    int rc = run_search(self, &qbuf, nq, radius, 0, &out, stats);
    PyBuffer_Release(&qbuf);
    size_t hits = out.len;
    int failed = out.failed;
    out_free(&out);
    if (rc < 0) return NULL;
    if (failed) return PyErr_NoMemory();
    return Py_BuildValue("(KKK)", (unsigned long long)stats[0], (unsigned long long)stats[1],
                         (unsigned long long)hits);
}

static PyObject *Segment_plan(Segment *self, PyObject *args) {
    int radius, t[MAXM];
    if (!PyArg_ParseTuple(args, "i", &radius)) return NULL;
    if (radius < 0 || self->m == 0 || plan(self, radius, 0, t)) Py_RETURN_NONE;
    PyObject *res = PyTuple_New(self->m);
    if (!res) return NULL;
    for (int k = 0; k < self->m; k++) PyTuple_SET_ITEM(res, k, PyLong_FromLong(t[k]));
    return res;
}

static void Segment_dealloc(Segment *self) {
    if (self->have[0]) PyBuffer_Release(&self->hashes);
    if (self->have[1]) PyBuffer_Release(&self->dead);
    for (int k = 0; k < MAXM; k++) {
        if (self->have[2 + k]) PyBuffer_Release(&self->dhi[k]);
        if (self->have[2 + MAXM + k]) PyBuffer_Release(&self->posts[k]);
        if (self->have[2 + 2 * MAXM + k]) PyBuffer_Release(&self->dlo[k]);
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int grab(PyObject *obj, Py_buffer *buf, int *have, Py_ssize_t want, const char *what) {
    if (PyObject_GetBuffer(obj, buf, PyBUF_SIMPLE) < 0) return -1;
    *have = 1;
    if (buf->len != want) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd bytes, got %zd", what, want, buf->len);
        return -1;
    }
    return 0;
}

/* Segment(n, offsets, widths, shifts, pbytes, hashes, dead, dir_his, dir_los, posts)
 * Buffer sizes are checked here; directory and posting contents by check_table(). */
static int Segment_init(Segment *self, PyObject *args, PyObject *kwds) {
    unsigned long long n;
    PyObject *offs, *widths, *shifts, *hashes, *dead, *his, *los, *posts;
    int pbytes;
    if (!PyArg_ParseTuple(args, "KO!O!O!iOOO!O!O!", &n, &PyTuple_Type, &offs, &PyTuple_Type,
                          &widths, &PyTuple_Type, &shifts, &pbytes, &hashes, &dead,
                          &PyTuple_Type, &his, &PyTuple_Type, &los, &PyTuple_Type, &posts))
        return -1;
    Py_ssize_t m = PyTuple_GET_SIZE(offs);
    if (self->m || self->have[0]) {
        PyErr_SetString(PyExc_RuntimeError, "Segment is already initialised");
        return -1;
    }
    if (m > MAXM || PyTuple_GET_SIZE(widths) != m || PyTuple_GET_SIZE(shifts) != m ||
        PyTuple_GET_SIZE(his) != m || PyTuple_GET_SIZE(los) != m ||
        PyTuple_GET_SIZE(posts) != m || (pbytes != 3 && pbytes != 4) ||
        (pbytes == 3 && n > 0xFFFFFFu) || n > 0xFFFFFFFFu) {
        PyErr_SetString(PyExc_ValueError, "inconsistent segment layout");
        return -1;
    }
    int covered = 0;
    for (Py_ssize_t k = 0; k < m; k++) {
        long o = PyLong_AsLong(PyTuple_GET_ITEM(offs, k));
        long w = PyLong_AsLong(PyTuple_GET_ITEM(widths, k));
        long sh = PyLong_AsLong(PyTuple_GET_ITEM(shifts, k));
        if (PyErr_Occurred()) return -1;
        if (o != covered || w < 1 || w > 30 || o + w > 256 || sh < 0 || sh > w) {
            PyErr_SetString(PyExc_ValueError, "chunks must tile the 256 bits in order");
            return -1;
        }
        self->off[k] = (int)o;
        self->width[k] = (int)w;
        self->shift[k] = (int)sh;
        covered += (int)w;
    }
    if (m && covered != 256) {
        PyErr_SetString(PyExc_ValueError, "chunks must cover all 256 bits");
        return -1;
    }
    self->n = n;
    self->pbytes = pbytes;
    if (grab(hashes, &self->hashes, &self->have[0], (Py_ssize_t)(n * HASH_BYTES), "hashes"))
        return -1;
    if (grab(dead, &self->dead, &self->have[1], (Py_ssize_t)((n + 7) / 8), "dead")) return -1;
    for (Py_ssize_t k = 0; k < m; k++) {
        uint64_t buckets = 1ull << self->width[k];
        Py_ssize_t hlen = (Py_ssize_t)(((buckets >> self->shift[k]) + 1) * 4);
        Py_ssize_t llen = (Py_ssize_t)((buckets + 1) * 2);
        Py_ssize_t plen = k ? (Py_ssize_t)(n * pbytes + (pbytes == 3)) : 0;
        if (grab(PyTuple_GET_ITEM(his, k), &self->dhi[k], &self->have[2 + k], hlen, "dir hi") ||
            grab(PyTuple_GET_ITEM(los, k), &self->dlo[k], &self->have[2 + 2 * MAXM + k], llen,
                 "dir lo") ||
            grab(PyTuple_GET_ITEM(posts, k), &self->posts[k], &self->have[2 + MAXM + k], plen,
                 "postings"))
            return -1;
    }
    self->m = (int)m;
    return 0;
}

static PyMethodDef Segment_methods[] = {
    {"search", (PyCFunction)Segment_search, METH_VARARGS,
     "search(queries, radius, always_probe=False) -> (query int64, row int64, distance int32)"
     " as bytes; always_probe uses the tables whenever a plan exists (for tests)"},
    {"probe_stats", (PyCFunction)Segment_probe_stats, METH_VARARGS,
     "probe_stats(queries, radius) -> (bucket probes, candidate checks, hits), summed"},
    {"plan", (PyCFunction)Segment_plan, METH_VARARGS,
     "plan(radius) -> per-table thresholds, or None for a flat scan"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject SegmentType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "brightline.core.index._mih.Segment",
    .tp_basicsize = sizeof(Segment),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Immutable MIH segment over caller-owned buffers.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Segment_init,
    .tp_dealloc = (destructor)Segment_dealloc,
    .tp_methods = Segment_methods,
};

/* ------------------------------------------------------------------ module functions */

/* scan(rows, queries, radius) -> like Segment.search, over an unindexed row array. */
static PyObject *mod_scan(PyObject *mod, PyObject *args) {
    PyObject *robj, *qobj;
    int radius;
    if (!PyArg_ParseTuple(args, "OOi", &robj, &qobj, &radius)) return NULL;
    Py_buffer rbuf, qbuf;
    uint64_t nq, n;
    if (get_queries(robj, &rbuf, &n) < 0) return NULL;
    if (get_queries(qobj, &qbuf, &nq) < 0) {
        PyBuffer_Release(&rbuf);
        return NULL;
    }
    Out out = {0};
    if (radius >= 0) {
        Py_BEGIN_ALLOW_THREADS
        if (have_popcnt)
            scan_popcnt(rbuf.buf, n, NULL, qbuf.buf, nq, radius, &out);
        else
            scan_generic(rbuf.buf, n, NULL, qbuf.buf, nq, radius, &out);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&rbuf);
    PyBuffer_Release(&qbuf);
    return out_to_tuple(&out);
}

/* build_table(rows, off, width, dir_out, posts_out, pbytes): counting sort of the rows
 * by chunk; posts_out receives row numbers (ascending within a bucket). */
static PyObject *mod_build_table(PyObject *mod, PyObject *args) {
    PyObject *robj, *dobj, *pobj;
    int off, width, pbytes;
    if (!PyArg_ParseTuple(args, "OiiOOi", &robj, &off, &width, &dobj, &pobj, &pbytes))
        return NULL;
    Py_buffer rbuf, dbuf, pbuf;
    uint64_t n;
    if (width < 1 || width > 30 || off < 0 || off + width > 256 || (pbytes != 3 && pbytes != 4)) {
        PyErr_SetString(PyExc_ValueError, "bad chunk");
        return NULL;
    }
    if (get_queries(robj, &rbuf, &n) < 0) return NULL;
    if (PyObject_GetBuffer(dobj, &dbuf, PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&rbuf);
        return NULL;
    }
    if (PyObject_GetBuffer(pobj, &pbuf, PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&rbuf);
        PyBuffer_Release(&dbuf);
        return NULL;
    }
    uint64_t buckets = 1ull << width;
    PyObject *res = NULL;
    uint32_t *cursor = NULL;
    if ((uint64_t)dbuf.len != (buckets + 1) * 4 ||
        (uint64_t)pbuf.len != n * pbytes + (pbytes == 3) || (pbytes == 3 && n > 0xFFFFFFu) ||
        n > 0xFFFFFFFFu) {
        PyErr_SetString(PyExc_ValueError, "output buffers have the wrong size");
        goto done;
    }
    cursor = calloc(buckets, sizeof *cursor);
    if (!cursor) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    const uint8_t *rows = rbuf.buf;
    uint32_t *dir = dbuf.buf;
    uint8_t *posts = pbuf.buf;
    uint64_t w[4];
    for (uint64_t i = 0; i < n; i++) {
        load_words(rows + i * HASH_BYTES, w);
        cursor[chunk_of(w, off, width)]++;
    }
    uint32_t run = 0;
    for (uint64_t b = 0; b < buckets; b++) {
        uint32_t c = cursor[b];
        dir[b] = cursor[b] = run;
        run += c;
    }
    dir[buckets] = run;
    for (uint64_t i = 0; i < n; i++) {
        load_words(rows + i * HASH_BYTES, w);
        uint32_t at = cursor[chunk_of(w, off, width)]++;
        uint8_t *p = posts + (uint64_t)at * pbytes;
        p[0] = (uint8_t)i;
        p[1] = (uint8_t)(i >> 8);
        p[2] = (uint8_t)(i >> 16);
        if (pbytes == 4) p[3] = (uint8_t)(i >> 24);
    }
    if (pbytes == 3) posts[n * 3] = 0;
    Py_END_ALLOW_THREADS
    res = Py_NewRef(Py_None);
done:
    free(cursor);
    PyBuffer_Release(&rbuf);
    PyBuffer_Release(&dbuf);
    PyBuffer_Release(&pbuf);
    return res;
}

/* check_table(n, dir_hi, dir_lo, shift, posts, pbytes) -> bool: the directory's offsets
 * ascend from 0 to n and every posting names a row < n (pbytes 0: no postings), so
 * searching a loaded file cannot read out of bounds. */
static PyObject *mod_check_table(PyObject *mod, PyObject *args) {
    unsigned long long n;
    PyObject *hobj, *lobj, *pobj;
    int shift, pbytes;
    if (!PyArg_ParseTuple(args, "KOOiOi", &n, &hobj, &lobj, &shift, &pobj, &pbytes))
        return NULL;
    Py_buffer hb, lb, pb;
    if (PyObject_GetBuffer(hobj, &hb, PyBUF_SIMPLE) < 0) return NULL;
    if (PyObject_GetBuffer(lobj, &lb, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&hb);
        return NULL;
    }
    if (PyObject_GetBuffer(pobj, &pb, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&hb);
        PyBuffer_Release(&lb);
        return NULL;
    }
    uint64_t nlo = (uint64_t)lb.len / 2, buckets = nlo - 1;
    int ok = lb.len % 2 == 0 && nlo >= 2 && (buckets & (buckets - 1)) == 0 && shift >= 0 &&
             shift <= 30 && (uint64_t)hb.len == ((buckets >> shift) + 1) * 4 &&
             (pbytes == 3 || pbytes == 4 || pbytes == 0);
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        const uint8_t *hi = hb.buf, *lo = lb.buf;
        uint64_t prev = 0, v = 0;
        for (uint64_t b = 0; ok && b <= buckets; b++) {
            uint32_t h;
            uint16_t l;
            memcpy(&h, hi + 4 * (b >> shift), 4);
            memcpy(&l, lo + 2 * b, 2);
            v = (uint64_t)h + l;
            ok = v >= prev && (b || v == 0);
            prev = v;
        }
        ok = ok && v == n;
        if (ok && pbytes) {
            const uint8_t *p = pb.buf;
            ok = (uint64_t)pb.len == n * pbytes + (pbytes == 3);
            for (uint64_t i = 0; ok && i < n; i++) ok = posting(p, pbytes, i) < n;
        }
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&hb);
    PyBuffer_Release(&lb);
    PyBuffer_Release(&pb);
    return PyBool_FromLong(ok);
}

/* lookup(ids, wide, base, order, keys) -> int64 row per key, -1 if absent.
 * ids are int64 (wide=1) or uint32 offsets from base (wide=0); order sorts them. */
static PyObject *mod_lookup(PyObject *mod, PyObject *args) {
    PyObject *iobj, *oobj, *kobj;
    int wide;
    long long base;
    if (!PyArg_ParseTuple(args, "OpLOO", &iobj, &wide, &base, &oobj, &kobj)) return NULL;
    Py_buffer ib, ob, kb;
    if (PyObject_GetBuffer(iobj, &ib, PyBUF_SIMPLE) < 0) return NULL;
    if (PyObject_GetBuffer(oobj, &ob, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&ib);
        return NULL;
    }
    if (PyObject_GetBuffer(kobj, &kb, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&ib);
        PyBuffer_Release(&ob);
        return NULL;
    }
    uint64_t n = (uint64_t)ob.len / 4, nk = (uint64_t)kb.len / 8;
    PyObject *res = NULL;
    if ((uint64_t)ib.len != n * (wide ? 8 : 4)) {
        PyErr_SetString(PyExc_ValueError, "ids and order differ in length");
        goto done;
    }
    res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(nk * 8));
    if (!res) goto done;
    int64_t *dst = (int64_t *)PyBytes_AS_STRING(res);
    const uint32_t *order = ob.buf;
    const int64_t *keys = kb.buf;
    const int64_t *id64 = ib.buf;
    const uint32_t *id32 = ib.buf;
    Py_BEGIN_ALLOW_THREADS
    for (uint64_t j = 0; j < nk; j++) {
        uint64_t lo = 0, hi = n;
        int64_t key = keys[j], found = -1;
        while (lo < hi) {
            uint64_t mid = (lo + hi) / 2;
            uint32_t row = order[mid];
            /* A corrupt order entry past n is treated as absent, never read through. */
            int64_t v = row >= n ? INT64_MAX : wide ? id64[row] : base + (int64_t)id32[row];
            if (v < key) lo = mid + 1;
            else hi = mid;
        }
        if (lo < n && order[lo] < n) {
            uint32_t row = order[lo];
            int64_t v = wide ? id64[row] : base + (int64_t)id32[row];
            if (v == key) found = row;
        }
        dst[j] = found;
    }
    Py_END_ALLOW_THREADS
done:
    PyBuffer_Release(&ib);
    PyBuffer_Release(&ob);
    PyBuffer_Release(&kb);
    return res;
}

/* random_reads(rows, count, seed) -> int: reads `count` rows at pseudo-random positions
 * with the same prefetch distance as candidate checks and returns a checksum.  The
 * benchmark times it to state the machine's random-read limit next to the figures. */
static PyObject *mod_random_reads(PyObject *mod, PyObject *args) {
    PyObject *robj;
    unsigned long long count, seed;
    if (!PyArg_ParseTuple(args, "OKK", &robj, &count, &seed)) return NULL;
    Py_buffer rbuf;
    uint64_t n;
    if (get_queries(robj, &rbuf, &n) < 0) return NULL;
    uint64_t sum = 0;
    if (n) {
        Py_BEGIN_ALLOW_THREADS
        const uint8_t *rows = rbuf.buf;
        uint64_t idx[PREFETCH_AHEAD], x = seed | 1;
        for (int i = 0; i < PREFETCH_AHEAD; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            idx[i] = (uint64_t)(((unsigned __int128)x * n) >> 64);
            __builtin_prefetch(rows + idx[i] * HASH_BYTES);
        }
        for (uint64_t i = 0; i < count; i++) {
            uint64_t at = idx[i % PREFETCH_AHEAD];
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            idx[i % PREFETCH_AHEAD] = (uint64_t)(((unsigned __int128)x * n) >> 64);
            __builtin_prefetch(rows + idx[i % PREFETCH_AHEAD] * HASH_BYTES);
            sum += load_le64(rows + at * HASH_BYTES) ^ load_le64(rows + at * HASH_BYTES + 24);
        }
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&rbuf);
    return PyLong_FromUnsignedLongLong(sum);
}

static PyMethodDef module_methods[] = {
    {"scan", mod_scan, METH_VARARGS, "scan(rows, queries, radius) -> (q, row, dist) bytes"},
    {"build_table", mod_build_table, METH_VARARGS,
     "build_table(rows, off, width, dir_out, posts_out, pbytes)"},
    {"check_table", mod_check_table, METH_VARARGS,
     "check_table(n, dir_hi, dir_lo, shift, posts, pbytes) -> bool"},
    {"random_reads", mod_random_reads, METH_VARARGS,
     "random_reads(rows, count, seed) -> checksum (times the random-read limit)"},
    {"lookup", mod_lookup, METH_VARARGS, "lookup(ids, wide, base, order, keys) -> int64 rows"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_mih", "Multi-index hashing kernel for 256-bit hashes.", -1,
    module_methods,
};

PyMODINIT_FUNC PyInit__mih(void) {
    __builtin_cpu_init();
    have_popcnt = __builtin_cpu_supports("popcnt");
    if (PyType_Ready(&SegmentType) < 0) return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (!m) return NULL;
    if (PyModule_AddObjectRef(m, "Segment", (PyObject *)&SegmentType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
