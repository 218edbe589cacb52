/* PDQ (Meta's 256-bit perceptual hash) of a luminance plane, computed sparsely.
 *
 * The reference blurs the whole float luminance image with a Jarosz tent filter (two
 * box passes along rows, two along columns, window ceil(dim / 128)), keeps 64x64 of
 * those blurred pixels (decimation at pixel centres), takes the 16x16 low-frequency
 * block of their 2-D DCT (skipping the DC row and column) and thresholds it at its
 * median.  The filter is linear and separable and only 64 rows and 64 columns of its
 * output are kept, so each kept value is u_i^T X v_j for two weight vectors that depend
 * only on the image dimensions.  We compute those weights exactly (in double) and
 * apply them in one streaming pass: every source row adds a weighted copy of itself
 * into the one or two of 64 accumulator rows it contributes to, then each accumulator
 * row is reduced with the column weights.  That is about one multiply-add per pixel
 * instead of the reference's eight passes over a float copy of the image.
 *
 * Two mappings are folded into the weights rather than applied to pixels:
 *   - EXIF orientation: weights are built in the upright frame, then reversed and/or
 *     swapped between axes so the plane is read as stored.
 *   - DCT-domain downscaling (libjpeg decodes at 1/s scale): a scaled pixel stands
 *     for an s x s block, so its weight is the sum of the full-resolution weights of
 *     the pixels in that block.
 * The pixels come either from a bytes-like object (buffer protocol) or from a
 * Pillow image exported through the Arrow C data interface (zero copy).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OUT 64     /* side of the decimated image */
#define COEF 16    /* side of the kept DCT block */
#define HASH_BYTES 32
#define MIN_DIM 5  /* the reference hashes smaller images as all zeros, quality 0 */
#define NUM_DIHEDRAL 8

/* ------------------------------------------------------------ Arrow C data ABI */
/* Layout fixed by the Arrow C data interface specification. */
struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

/* --------------------------------------------------------------- axis weights */

/* Sparse weights of the 64 kept samples along one axis of the source plane. */
typedef struct {
    int start[OUT];
    int len[OUT];
    float *w[OUT];
    float *pool;
} Axis;

static void axis_free(Axis *ax) {
    free(ax->pool);
    ax->pool = NULL;
}

/* Box window of the reference: out[o] is the mean of in[o-a .. o+b] clipped to the
 * axis, with a = win - half and b = half - 1 (asymmetric when win is even). */
static void box_extent(int n, int *a, int *b) {
    int win = (n + 2 * OUT - 1) / (2 * OUT);
    int half = (win + 2) / 2;
    *a = win - half;
    *b = half - 1;
}

/* Weights for an axis of n full-resolution pixels, read reversed if `reverse`, then
 * summed over blocks of `scale` pixels (the plane holds ceil(n / scale) pixels). */
static int axis_build(Axis *ax, int n, int reverse, int scale) {
    int a, b;
    box_extent(n, &a, &b);
    int span = 2 * (a + b) + 1; /* support of two box passes */
    int cap = span / scale + 2;
    ax->pool = (float *)calloc((size_t)OUT * (size_t)cap, sizeof(float));
    double *dense = (double *)calloc((size_t)span + 1, sizeof(double));
    if (!ax->pool || !dense) {
        free(dense);
        axis_free(ax);
        return -1;
    }
    for (int i = 0; i < OUT; i++) {
        int c = (int)(((i + 0.5) * n) / OUT); /* decimation picks pixel centres */
        int lo1 = c - a < 0 ? 0 : c - a, hi1 = c + b > n - 1 ? n - 1 : c + b;
        int s0 = lo1 - a < 0 ? 0 : lo1 - a, s1 = hi1 + b > n - 1 ? n - 1 : hi1 + b;
        int len = s1 - s0 + 1;
        memset(dense, 0, sizeof(double) * ((size_t)len + 1));
        double outer = 1.0 / (hi1 - lo1 + 1);
        for (int o = lo1; o <= hi1; o++) { /* difference array of the inner boxes */
            int lo = o - a < 0 ? 0 : o - a, hi = o + b > n - 1 ? n - 1 : o + b;
            double v = outer / (hi - lo + 1);
            dense[lo - s0] += v;
            dense[hi - s0 + 1] -= v;
        }
        for (int k = 1; k < len; k++) dense[k] += dense[k - 1];

        /* Position p of the upright axis is pixel n-1-p of the stored one. */
        int first = reverse ? n - 1 - s1 : s0;
        int q0 = first / scale, q1 = (first + len - 1) / scale;
        float *w = ax->pool + (size_t)i * (size_t)cap;
        double acc = 0.0;
        int q = q0;
        for (int k = 0; k < len; k++) {
            int p = first + k; /* stored position */
            double v = reverse ? dense[len - 1 - k] : dense[k];
            if (p / scale != q) {
                w[q - q0] = (float)acc;
                acc = 0.0;
                q = p / scale;
            }
            acc += v;
        }
        w[q - q0] = (float)acc;
        ax->start[i] = q0;
        ax->len[i] = q1 - q0 + 1;
        ax->w[i] = w;
    }
    free(dense);
    return 0;
}

/* ------------------------------------------------------------- pixel reading */

typedef struct {
    const uint8_t *data;
    Py_ssize_t row_bytes;
    int bpp; /* 1: grey; 3 or 4: R, G, B first */
    int width, height;
} Plane;

/* Luminance as the reference computes it (float64 weighted sum rounded to float);
 * the tables hold the same products, so the sums are bit-identical. */
static double LUMA_R[256], LUMA_G[256], LUMA_B[256];

static void luma_init(void) {
    for (int v = 0; v < 256; v++) {
        LUMA_R[v] = v * 0.299;
        LUMA_G[v] = v * 0.587;
        LUMA_B[v] = v * 0.114;
    }
}

static void luma_row(const uint8_t *p, int bpp, int width, float *out) {
    for (int x = 0; x < width; x++, p += bpp)
        out[x] = (float)(LUMA_R[p[0]] + LUMA_G[p[1]] + LUMA_B[p[2]]);
}

/* dst[e][x] += w[e] * src[x] for the n accumulator rows one plane row feeds (nearly
 * always one or two).  Built twice: baseline x86-64 and AVX2, chosen at run time. */
#define ACCUMULATE_BODY                                                             \
    if (n == 1) {                                                                   \
        float *restrict d0 = dst[0];                                                \
        const float f0 = w[0];                                                      \
        for (int x = 0; x < width; x++) d0[x] += f0 * (float)src[x];                \
    } else if (n == 2) {                                                            \
        float *restrict d0 = dst[0], *restrict d1 = dst[1];                         \
        const float f0 = w[0], f1 = w[1];                                           \
        for (int x = 0; x < width; x++) {                                           \
            const float v = (float)src[x];                                          \
            d0[x] += f0 * v;                                                        \
            d1[x] += f1 * v;                                                        \
        }                                                                           \
    } else {                                                                        \
        for (int e = 0; e < n; e++) {                                               \
            float *restrict d = dst[e];                                             \
            const float f = w[e];                                                   \
            for (int x = 0; x < width; x++) d[x] += f * (float)src[x];              \
        }                                                                           \
    }

typedef void (*acc_u8_fn)(const uint8_t *restrict, int, int, float *const *, const float *);
typedef void (*acc_f32_fn)(const float *restrict, int, int, float *const *, const float *);

static void acc_u8_base(const uint8_t *restrict src, int width, int n, float *const *dst,
                        const float *w) {
    ACCUMULATE_BODY
}
static void acc_f32_base(const float *restrict src, int width, int n, float *const *dst,
                         const float *w) {
    ACCUMULATE_BODY
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static void acc_u8_avx2(const uint8_t *restrict src, int width,
                                                        int n, float *const *dst,
                                                        const float *w) {
    ACCUMULATE_BODY
}
__attribute__((target("avx2"))) static void acc_f32_avx2(const float *restrict src, int width,
                                                         int n, float *const *dst,
                                                         const float *w) {
    ACCUMULATE_BODY
}
#endif

static acc_u8_fn ACC_U8 = acc_u8_base;
static acc_f32_fn ACC_F32 = acc_f32_base;

static void accumulate_init(void) {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) {
        ACC_U8 = acc_u8_avx2;
        ACC_F32 = acc_f32_avx2;
    }
#endif
}

/* M[r][c] = sum_y sum_x rows_r(y) cols_c(x) X[y][x] over the stored plane.
 *
 * Plane rows are streamed once.  Kept row r only gathers rows in its support, a
 * contiguous range, so it holds an accumulator row just while that range is read
 * and is reduced with the column weights as soon as it ends: a few rows of floats
 * stay live (cache-resident) instead of 64 full-width rows. */
static int project(const Plane *pl, const Axis *rows, const Axis *cols, double M[OUT][OUT]) {
    int W = pl->width, H = pl->height, rc = -1;
    int *live = (int *)calloc((size_t)H, sizeof(int)); /* kept rows fed by each plane row */
    int *slot_of = NULL, *free_slots = NULL;
    float *pool = NULL, *line = NULL;
    if (!live) return -1;
    for (int r = 0; r < OUT; r++)
        for (int k = 0; k < rows->len[r]; k++) live[rows->start[r] + k]++;
    int slots = 1;
    for (int y = 0; y < H; y++) slots = live[y] > slots ? live[y] : slots;
    slot_of = (int *)malloc(sizeof(int) * OUT);
    free_slots = (int *)malloc(sizeof(int) * (size_t)slots);
    pool = (float *)malloc(sizeof(float) * (size_t)slots * (size_t)W);
    line = pl->bpp == 1 ? NULL : (float *)malloc(sizeof(float) * (size_t)W);
    if (!slot_of || !free_slots || !pool || (pl->bpp != 1 && !line)) goto done;
    for (int r = 0; r < OUT; r++) slot_of[r] = -1;
    int nfree = slots;
    for (int s = 0; s < slots; s++) free_slots[s] = slots - 1 - s;

    /* Kept rows are visited in order of their first plane row. */
    int order[OUT], next = 0;
    for (int r = 0; r < OUT; r++) order[r] = r;
    for (int i = 1; i < OUT; i++) /* insertion sort: already sorted or reversed */
        for (int j = i; j > 0 && rows->start[order[j]] < rows->start[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    int active[OUT], nactive = 0;
    float *dst[OUT];
    float wts[OUT];
    for (int y = 0; y < H; y++) {
        while (next < OUT && rows->start[order[next]] == y) { /* open rows starting here */
            int r = order[next++];
            slot_of[r] = free_slots[--nfree];
            memset(pool + (size_t)slot_of[r] * W, 0, sizeof(float) * (size_t)W);
            active[nactive++] = r;
        }
        if (nactive == 0) continue;
        for (int e = 0; e < nactive; e++) {
            int r = active[e];
            dst[e] = pool + (size_t)slot_of[r] * W;
            wts[e] = rows->w[r][y - rows->start[r]];
        }
        const uint8_t *src = pl->data + (Py_ssize_t)y * pl->row_bytes;
        if (pl->bpp == 1) {
            ACC_U8(src, W, nactive, dst, wts);
        } else {
            luma_row(src, pl->bpp, W, line);
            ACC_F32(line, W, nactive, dst, wts);
        }
        for (int e = 0; e < nactive;) { /* close rows ending here */
            int r = active[e];
            if (rows->start[r] + rows->len[r] - 1 != y) {
                e++;
                continue;
            }
            const float *acc = pool + (size_t)slot_of[r] * W;
            for (int c = 0; c < OUT; c++) {
                const float *wc = cols->w[c], *s = acc + cols->start[c];
                double sum = 0.0;
                for (int k = 0; k < cols->len[c]; k++) sum += (double)wc[k] * s[k];
                M[r][c] = sum;
            }
            free_slots[nfree++] = slot_of[r];
            active[e] = active[--nactive];
        }
    }
    rc = 0;
done:
    free(live);
    free(slot_of);
    free(free_slots);
    free(pool);
    free(line);
    return rc;
}

/* ------------------------------------------------------------ DCT and hashing */

static float DCT[COEF][OUT];

static void dct_init(void) {
    /* Same rounding as the reference: float scale times double cosine, stored float. */
    const float scale = (float)sqrt(2.0 / OUT);
    const double pi = 3.14159265358979323846;
    for (int i = 0; i < COEF; i++)
        for (int j = 0; j < OUT; j++)
            DCT[i][j] = (float)(scale * cos((pi / 2.0 / OUT) * (i + 1) * (2 * j + 1)));
}

/* Rows 1..16 by columns 1..16 of the 2-D DCT, summed in the reference's order. */
static void dct16(float A[OUT][OUT], float B[COEF][COEF]) {
    float T[COEF][OUT];
    for (int i = 0; i < COEF; i++)
        for (int j = 0; j < OUT; j++) {
            float s = 0.0f;
            for (int k = 0; k < OUT; k++) s += DCT[i][k] * A[k][j];
            T[i][j] = s;
        }
    for (int i = 0; i < COEF; i++)
        for (int j = 0; j < COEF; j++) {
            float s = 0.0f;
            for (int k = 0; k < OUT; k++) s += T[i][k] * DCT[j][k];
            B[i][j] = s;
        }
}

/* The reference's gradient-count heuristic on the 64x64 image, 0..100. */
static int quality_of(float A[OUT][OUT]) {
    int sum = 0;
    for (int i = 0; i < OUT - 1; i++)
        for (int j = 0; j < OUT; j++) {
            int d = (int)(((A[i][j] - A[i + 1][j]) * 100) / 255);
            sum += abs(d);
        }
    for (int i = 0; i < OUT; i++)
        for (int j = 0; j < OUT - 1; j++) {
            int d = (int)(((A[i][j] - A[i][j + 1]) * 100) / 255);
            sum += abs(d);
        }
    int q = sum / 90;
    return q > 100 ? 100 : q;
}

static int cmp_float(const void *x, const void *y) {
    float a = *(const float *)x, b = *(const float *)y;
    return (a > b) - (a < b);
}

/* Bit i*16+j is set when B[i][j] exceeds the lower median (the reference's Torben
 * median of 256 values).  Bytes follow PDQ's hex text: bit 255 is the first byte's
 * most significant bit. */
static void bits_of(float B[COEF][COEF], uint8_t out[HASH_BYTES]) {
    float sorted[COEF * COEF];
    memcpy(sorted, B, sizeof(sorted));
    qsort(sorted, COEF * COEF, sizeof(float), cmp_float);
    float median = sorted[COEF * COEF / 2 - 1];
    memset(out, 0, HASH_BYTES);
    for (int k = 0; k < COEF * COEF; k++)
        if (B[k / COEF][k % COEF] > median) {
            int m = COEF * COEF - 1 - k;
            out[m >> 3] |= (uint8_t)(0x80 >> (m & 7));
        }
}

/* The eight dihedral images have DCTs that are sign flips and/or the transpose of the
 * original's (cosine symmetry); order as pdqhash.compute_dihedral returns them. */
enum { SIGN_NONE, SIGN_J_EVEN, SIGN_I_EVEN, SIGN_IJ_ODD };
static const int DIHEDRAL[NUM_DIHEDRAL][2] = {
    {0, SIGN_NONE},   /* original */
    {1, SIGN_J_EVEN}, /* rotate 90 */
    {0, SIGN_IJ_ODD}, /* rotate 180 */
    {1, SIGN_I_EVEN}, /* rotate 270 */
    {0, SIGN_I_EVEN}, /* flip vertical */
    {0, SIGN_J_EVEN}, /* flip horizontal */
    {1, SIGN_NONE},   /* rotate 90 + flip vertical (transpose) */
    {1, SIGN_IJ_ODD}, /* rotate 90 + flip horizontal (anti-transpose) */
};

static void dihedral_of(float B[COEF][COEF], int which, float D[COEF][COEF]) {
    int transpose = DIHEDRAL[which][0], sign = DIHEDRAL[which][1];
    for (int i = 0; i < COEF; i++)
        for (int j = 0; j < COEF; j++) {
            int neg = (sign == SIGN_J_EVEN && !(j & 1)) || (sign == SIGN_I_EVEN && !(i & 1)) ||
                      (sign == SIGN_IJ_ODD && ((i + j) & 1));
            float v = neg ? -B[i][j] : B[i][j];
            if (transpose)
                D[j][i] = v;
            else
                D[i][j] = v;
        }
}

/* ----------------------------------------------------------------- the hash */

typedef struct {
    int full_width, full_height; /* stored frame, before DCT scaling */
    int scale;
    int orientation; /* EXIF 1..8 */
    int variants;    /* 1, or 8 for the dihedral set */
} Job;

/* Stored-frame reading of each EXIF orientation: whether upright rows run along
 * stored columns, and whether stored rows / columns are read backwards. */
static const int ORIENT[9][3] = {
    {0, 0, 0}, {0, 0, 0}, {0, 0, 1}, {0, 1, 1}, {0, 1, 0},
    {1, 0, 0}, {1, 1, 0}, {1, 1, 1}, {1, 0, 1},
};

static int run_job(const Plane *pl, const Job *job, uint8_t hashes[][HASH_BYTES], int *quality) {
    int transposed = ORIENT[job->orientation][0];
    int rev_rows = ORIENT[job->orientation][1], rev_cols = ORIENT[job->orientation][2];
    int up_h = transposed ? job->full_width : job->full_height;
    int up_w = transposed ? job->full_height : job->full_width;
    if (up_h < MIN_DIM || up_w < MIN_DIM) {
        memset(hashes, 0, (size_t)job->variants * HASH_BYTES);
        *quality = 0;
        return 0;
    }
    /* Stored rows carry the weights of upright rows, or of upright columns. */
    Axis rows = {0}, cols = {0};
    if (axis_build(&rows, job->full_height, rev_rows, job->scale) < 0) return -1;
    if (axis_build(&cols, job->full_width, rev_cols, job->scale) < 0) {
        axis_free(&rows);
        return -1;
    }
    /* axis_build computes a kept sample's weights for an axis of that length; an
     * upright axis of the same length is the same axis, so only the output index
     * order (transposition) remains to map. */
    double M[OUT][OUT];
    int rc = project(pl, &rows, &cols, M);
    axis_free(&rows);
    axis_free(&cols);
    if (rc < 0) return -1;

    float A[OUT][OUT], B[COEF][COEF], D[COEF][COEF];
    for (int i = 0; i < OUT; i++)
        for (int j = 0; j < OUT; j++) A[i][j] = (float)(transposed ? M[j][i] : M[i][j]);
    *quality = quality_of(A);
    dct16(A, B);
    for (int v = 0; v < job->variants; v++) {
        dihedral_of(B, v, D);
        bits_of(D, hashes[v]);
    }
    return 0;
}

/* Pixels from Arrow capsules exported by a Pillow image: grey bytes ("C") or four
 * bytes per pixel ("+w:4" of "C"). Raises BufferError if the layout is not that. */
static int arrow_pixels(PyObject *pair, const uint8_t **data, int64_t *count, int *bpp) {
    PyObject *schema_cap = PyTuple_GET_ITEM(pair, 0), *array_cap = PyTuple_GET_ITEM(pair, 1);
    struct ArrowSchema *s = (struct ArrowSchema *)PyCapsule_GetPointer(schema_cap, "arrow_schema");
    if (!s) return -1;
    struct ArrowArray *a = (struct ArrowArray *)PyCapsule_GetPointer(array_cap, "arrow_array");
    if (!a) return -1;
    if (!s->release || !a->release || !s->format) goto bad;
    if (strcmp(s->format, "C") == 0) {
        if (a->n_buffers != 2 || !a->buffers || !a->buffers[1]) goto bad;
        *data = (const uint8_t *)a->buffers[1] + a->offset;
        *count = a->length;
        *bpp = 1;
        return 0;
    }
    if (strcmp(s->format, "+w:4") == 0 && s->n_children == 1 && s->children &&
        s->children[0] && s->children[0]->format && strcmp(s->children[0]->format, "C") == 0 &&
        a->n_children == 1 && a->children && a->offset == 0) {
        struct ArrowArray *c = a->children[0];
        if (!c || c->n_buffers != 2 || !c->buffers || !c->buffers[1] || c->length < 4 * a->length)
            goto bad;
        *data = (const uint8_t *)c->buffers[1] + c->offset;
        *count = a->length;
        *bpp = 4;
        return 0;
    }
bad:
    PyErr_SetString(PyExc_BufferError, "unsupported Arrow pixel layout");
    return -1;
}

PyDoc_STRVAR(hash_plane_doc,
"hash_plane(pixels, bpp, width, height, full_width, full_height, scale, orientation,\n"
"           dihedral) -> (quality, hashes)\n\n"
"PDQ of a stored image plane. ``pixels`` is a bytes-like object of width*height*bpp\n"
"bytes (bpp 1: grey, 3: RGB, 4: RGB + a byte ignored) or a pair of Arrow capsules\n"
"from a Pillow image (bpp is then read from the schema). ``full_width`` and\n"
"``full_height`` are the stored image's size before DCT-domain downscaling by\n"
"``scale``; ``orientation`` is the EXIF value (1..8) that makes it upright.\n"
"Returns the quality and a tuple of 32-byte hashes: the upright image's, or the 8\n"
"dihedral variants in pdqhash.compute_dihedral order when ``dihedral`` is true.");

static PyObject *hash_plane(PyObject *self, PyObject *args) {
    PyObject *pixels;
    int bpp, width, height, dihedral;
    Job job;
    if (!PyArg_ParseTuple(args, "Oiiiiiiip", &pixels, &bpp, &width, &height, &job.full_width,
                          &job.full_height, &job.scale, &job.orientation, &dihedral))
        return NULL;
    if (job.orientation < 1 || job.orientation > 8 || width < 1 || height < 1 ||
        job.scale < 1 || job.full_width < 1 || job.full_height < 1 ||
        (job.full_width + job.scale - 1) / job.scale != width ||
        (job.full_height + job.scale - 1) / job.scale != height) {
        PyErr_SetString(PyExc_ValueError, "inconsistent plane geometry");
        return NULL;
    }
    job.variants = dihedral ? NUM_DIHEDRAL : 1;

    Plane pl = {NULL, 0, 0, width, height};
    Py_buffer view = {0};
    int64_t count;
    if (PyTuple_Check(pixels) && PyTuple_GET_SIZE(pixels) == 2) {
        if (arrow_pixels(pixels, &pl.data, &count, &pl.bpp) < 0) return NULL;
        if (count != (int64_t)width * height) {
            PyErr_SetString(PyExc_BufferError, "Arrow array does not hold the whole image");
            return NULL;
        }
    } else {
        if (bpp != 1 && bpp != 3 && bpp != 4) {
            PyErr_SetString(PyExc_ValueError, "bpp must be 1, 3 or 4");
            return NULL;
        }
        if (PyObject_GetBuffer(pixels, &view, PyBUF_SIMPLE) < 0) return NULL;
        if (view.len != (Py_ssize_t)width * height * bpp) {
            PyBuffer_Release(&view);
            PyErr_SetString(PyExc_ValueError, "buffer size does not match width*height*bpp");
            return NULL;
        }
        pl.data = (const uint8_t *)view.buf;
        pl.bpp = bpp;
    }
    pl.row_bytes = (Py_ssize_t)width * pl.bpp;

    uint8_t hashes[NUM_DIHEDRAL][HASH_BYTES];
    int quality = 0, rc;
    Py_BEGIN_ALLOW_THREADS
    rc = run_job(&pl, &job, hashes, &quality);
    Py_END_ALLOW_THREADS
    if (view.obj) PyBuffer_Release(&view);
    if (rc < 0) return PyErr_NoMemory();

    PyObject *tuple = PyTuple_New(job.variants);
    if (!tuple) return NULL;
    for (int v = 0; v < job.variants; v++) {
        PyObject *h = PyBytes_FromStringAndSize((const char *)hashes[v], HASH_BYTES);
        if (!h) {
            Py_DECREF(tuple);
            return NULL;
        }
        PyTuple_SET_ITEM(tuple, v, h);
    }
    return Py_BuildValue("(iN)", quality, tuple);
}

/* For tests: run the portable loop even where AVX2 is there, so it is exercised. */
static PyObject *set_simd(PyObject *self, PyObject *arg) {
    (void)self;
    int enabled = PyObject_IsTrue(arg);
    if (enabled < 0) {
        return NULL;
    }
    ACC_U8 = acc_u8_base;
    ACC_F32 = acc_f32_base;
    if (enabled) {
        accumulate_init();
    }
    return PyBool_FromLong(ACC_U8 != acc_u8_base);
}

static PyMethodDef methods[] = {
    {"hash_plane", hash_plane, METH_VARARGS, hash_plane_doc},
    {"set_simd", set_simd, METH_O,
     "set_simd(enabled) -> bool: use SIMD where the CPU has it; returns whether in use."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_pdq", "Native PDQ kernel (see _pdq.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__pdq(void) {
    dct_init();
    luma_init();
    accumulate_init();
    return PyModule_Create(&module);
}
