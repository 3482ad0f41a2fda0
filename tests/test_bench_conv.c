/*
 * test_bench_conv.c — burstccn-bench with convolutional networks (--arch)
 * on the reference backend: angles per layer with the conv layers among
 * them, learning curves, timing of a conv network beside the dense ones
 * and of the paper's CIFAR-10 net on random inputs (no CIFAR data needed),
 * the architecture recorded in every CSV/JSON/metadata file, and the usage
 * errors of bad or conflicting --arch options. Values are checked against
 * what SPEC fixes independently of the code: every rule's output-layer
 * update parallel to backprop's, no Y/Q learning in conv layers by default
 * (SPEC §12), the conv output sizes ⌊(H − k)/s⌋ + 1, and the FLOPs of the
 * step's GEMMs in im2col form.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_testutil.h"
#include "burstccn.h"

static char *tmp;  /* temporary folder of the test */
static char *data; /* the small 1x28x28 dataset inside it */

static void setup(void)
{
    tmp = fx_tmpdir();
    data = fx_path(tmp, "data");
    cr_assert_eq(mkdir(data, 0755), 0);
    fx_write_dataset(data, 200, 60);
}

static void teardown(void)
{
    free(data);
    fx_rmtree(tmp);
}

TestSuite(bench_conv, .init = setup, .fini = teardown, .timeout = 300);

static const char *const rules[4] = {"burstccn", "burstprop", "fa", "backprop"};

/* Row of (step, rule, layer) in the angles table, -1 when absent. */
static int angles_row(const bt_csv *t, long step, const char *rule, const char *layer)
{
    for (int i = 1; i < t->nrows; i++)
        if ((long)bt_num(t->cell[i][0]) == step && strcmp(t->cell[i][1], rule) == 0 &&
            strcmp(t->cell[i][2], layer) == 0)
            return i;
    return -1;
}

/* A JSON array of three integers equal to (a, b, c). */
static void assert_triple(const jv *v, int a, int b, int c, const char *what)
{
    cr_assert(v->type == JV_ARRAY && v->n == 3, "%s is not a triple", what);
    cr_assert(v->items[0]->number == a && v->items[1]->number == b && v->items[2]->number == c,
              "%s is [%g, %g, %g], want [%d, %d, %d]", what, v->items[0]->number,
              v->items[1]->number, v->items[2]->number, a, b, c);
}

/* 1 when the file holds `text`. */
static int file_has(const char *dir, const char *name, const char *text)
{
    char *p = fx_path(dir, name), *s = fx_slurp(p);
    int found = s && strstr(s, text) != NULL;
    free(s);
    free(p);
    return found;
}

/* 1x28x28 -> conv 4@12x12 (5x5/2) -> conv 6@5x5 (3x3/2) -> 12 -> 10:
 * (28 - 5)/2 + 1 = 12, (12 - 3)/2 + 1 = 5. */
#define ARCH2 "conv:4:5:2,conv:6:3:2,dense:12"

Test(bench_conv, angles_per_layer_with_conv_layers)
{
    char *out = fx_path(tmp, "angles");
    const char *args[] = {"angles", "--data", data, "--train-limit", "100", "--arch", ARCH2,
                          "--batch", "8", "--steps", "4", "--every", "2", "--device", "ref",
                          "--out", out, "--no-plots", "--quiet", NULL};
    bt_run_expect(tmp, args, 0);
    bt_csv t;
    bt_read_csv_header(out, "angles.csv", BT_ANGLES_COLS, &t);
    /* Steps 0, 2, 4 x four rules x (layers 1-4 and "all"). */
    cr_assert_eq(t.nrows - 1, 3 * 4 * 5, "%d data rows", t.nrows - 1);
    const char *layers[5] = {"1", "2", "3", "4", "all"};
    const char *kinds[5] = {"conv2d", "conv2d", "dense", "dense", ""};
    for (long s = 0; s <= 4; s += 2) {
        for (int r = 0; r < 4; r++) {
            for (int l = 0; l < 5; l++) {
                int i = angles_row(&t, s, rules[r], layers[l]);
                cr_assert_geq(i, 1, "no row step %ld rule %s layer %s", s, rules[r], layers[l]);
                cr_assert_str_eq(t.cell[i][8], kinds[l], "kind of layer %s", layers[l]);
                double a = bt_num(t.cell[i][3]), nb = bt_num(t.cell[i][5]);
                /* Y is random (std 0.5), never zero: every angle exists. */
                cr_assert(a >= 0 && a <= 180, "%s layer %s angle '%s'", rules[r], layers[l],
                          t.cell[i][3]);
                cr_assert(isfinite(nb) && nb > 0, "backprop's norm at layer %s", layers[l]);
                if (strcmp(rules[r], "backprop") == 0)
                    cr_assert_lt(a, 1e-3);
                /* W-Y and Y-Q for the hidden layers 1-3 (conv ones too). */
                cr_assert_eq(t.cell[i][6][0] != '\0', l < 3, "w_y_deg at layer %s", layers[l]);
                /* Q = p_b Y (sym) and conv layers learn no Y or Q (SPEC §12):
                 * their Y-Q angle stays 0 throughout. */
                if (l < 2)
                    cr_assert_lt(bt_num(t.cell[i][7]), 1e-3, "conv layer %s Y-Q angle %s",
                                 layers[l], t.cell[i][7]);
            }
            /* Output layer: every rule's update parallel to backprop's,
             * BurstCCN's and Burstprop's at p_b = 0.5 of its norm. */
            int o = angles_row(&t, s, rules[r], "4");
            cr_assert_lt(bt_num(t.cell[o][3]), 1e-3, "%s output angle", rules[r]);
            double ratio = bt_num(t.cell[o][4]) / bt_num(t.cell[o][5]);
            cr_assert(bt_rel_close(ratio, r < 2 ? 0.5 : 1.0, 1e-4), "%s output norm ratio %g",
                      rules[r], ratio);
        }
    }
    bt_csv_free(&t);

    jv *j = bt_read_json(out, "angles.json");
    const jv *net = bt_jget(j, "net");
    cr_assert_str_eq(bt_jstr(net, "arch"), ARCH2 ",dense:10");
    cr_assert_str_eq(bt_jstr(net, "network"), "1x28x28," ARCH2 ",dense:10");
    assert_triple(bt_jget(net, "input"), 1, 28, 28, "input");
    const jv *ls = bt_jget(net, "layers");
    cr_assert_eq(ls->n, 4);
    cr_assert_str_eq(bt_jstr(ls->items[0], "kind"), "conv2d");
    cr_assert_eq((int)bt_jnum(ls->items[0], "kernel"), 5);
    cr_assert_eq((int)bt_jnum(ls->items[0], "stride"), 2);
    assert_triple(bt_jget(ls->items[0], "shape"), 4, 12, 12, "layer 1 shape");
    assert_triple(bt_jget(ls->items[1], "shape"), 6, 5, 5, "layer 2 shape");
    cr_assert_str_eq(bt_jstr(ls->items[2], "kind"), "dense");
    const jv *labels = bt_jget(j, "layer_labels");
    cr_assert_str_eq(bt_jstr(labels, "1"), "conv 1 (4@12x12, 5x5/2)");
    cr_assert_str_eq(bt_jstr(labels, "2"), "conv 2 (6@5x5, 3x3/2)");
    cr_assert_str_eq(bt_jstr(labels, "3"), "dense 3 (12)");
    /* Mean angles exist for the conv layers too. */
    cr_assert_eq(bt_jget(bt_jget(bt_jget(j, "mean_angle_deg"), "fa"), "1")->type, JV_NUMBER);
    jv_free(j);

    cr_assert(file_has(out, "angles_meta.gp", "meta_layers = 4\n"));
    cr_assert(file_has(out, "angles_meta.gp", "meta_has_conv = 1\n"));
    cr_assert(file_has(out, "angles_meta.gp",
                       "meta_layer_label_2 = \"conv 2 (6@5x5, 3x3/2)\"\n"));
    cr_assert(file_has(out, "angles_meta.gp", "meta_layer_name_1 = \"conv1\"\n"));
    cr_assert(file_has(out, "angles_meta.gp", "1x28x28," ARCH2 ",dense:10"), "info names the net");
    free(out);
}

Test(bench_conv, curves_of_a_conv_network)
{
    char *out = fx_path(tmp, "curves");
    const char *args[] = {"curves", "--data", data, "--train-limit", "60", "--test-limit", "30",
                          "--arch", "conv:4:5:2,dense:12", "--batch", "10", "--epochs", "1",
                          "--device", "ref", "--out", out, "--no-plots", "--quiet", NULL};
    bt_run_expect(tmp, args, 0);
    bt_csv t;
    bt_read_csv_header(out, "curves.csv", BT_CURVES_COLS, &t);
    cr_assert_eq(t.nrows - 1, 4 * 2, "%d data rows", t.nrows - 1);
    for (int r = 0; r < 4; r++) {
        /* Same initial weights: identical untrained test error. */
        cr_assert_str_eq(t.cell[1 + 2 * r][1], rules[r]);
        cr_assert_float_eq(bt_num(t.cell[1 + 2 * r][5]), bt_num(t.cell[1][5]), 0.0);
        double te = bt_num(t.cell[2 + 2 * r][5]);
        cr_assert(te >= 0 && te <= 100, "%s test error %g", rules[r], te);
    }
    bt_csv_free(&t);
    jv *j = bt_read_json(out, "curves.json");
    cr_assert_eq(bt_jget(j, "same_init")->number, 1.0);
    const jv *net = bt_jget(bt_jget(bt_jget(j, "rules"), "fa"), "net");
    cr_assert_str_eq(bt_jstr(net, "arch"), "conv:4:5:2,dense:12,dense:10");
    cr_assert_str_eq(bt_jstr(bt_jget(net, "layers")->items[0], "kind"), "conv2d");
    jv_free(j);
    cr_assert(file_has(out, "curves_meta.gp", "meta_has_conv = 1\n"));
    cr_assert(file_has(out, "curves_meta.gp", "meta_layer_label_1 = \"conv 1 (4@12x12, 5x5/2)\""));
    free(out);
}

/* GEMM FLOPs of one step in im2col form, worked by hand: F_l = 2 B MACs_l
 * for the forward map of layer l; the step does each forward map and each
 * weight gradient once, and one transposed map through every layer above
 * the first per top-down pass (BurstCCN and Burstprop: two). */
static double conv_net_gemm_flops(int B, int passes)
{
    double f1 = 2.0 * B * 4 * 12 * 12 * (1 * 5 * 5), /* conv 1->4, 5x5, 12x12 out */
        f2 = 2.0 * B * 12 * (4 * 12 * 12),           /* dense 576 -> 12 */
        f3 = 2.0 * B * 10 * 12;                      /* dense 12 -> 10 */
    return 2 * (f1 + f2 + f3) + passes * (f2 + f3);
}

Test(bench_conv, timing_of_a_conv_network_beside_the_dense_ones)
{
    char *out = fx_path(tmp, "timing");
    const char *args[] = {"timing", "--devices", "ref", "--rules", "burstccn,backprop",
                          "--batches", "8", "--widths", "16", "--arch", "conv:4:5:2,dense:12",
                          "--reps", "2", "--warmup", "1", "--target-time", "0.01", "--out", out,
                          "--no-plots", NULL};
    bt_run_expect(tmp, args, 0);
    bt_csv t;
    bt_read_csv_header(out, "timing.csv", BT_TIMING_COLS, &t);
    cr_assert_eq(t.nrows - 1, 4, "2 rules x (dense, conv)");
    int conv_rows = 0;
    for (int i = 1; i < t.nrows; i++) {
        char **c = t.cell[i];
        cr_assert_str_eq(c[18], "ok", "row %d: %s", i, c[20]);
        double med = bt_num(c[7]), flops = bt_num(c[11]);
        cr_assert(bt_rel_close(bt_num(c[10]), 8 / (med * 1e-3), 1e-4), "samples/s");
        cr_assert(bt_rel_close(bt_num(c[12]), flops / (med * 1e-3) * 1e-9, 1e-4), "GFLOP/s");
        if (strcmp(c[21], "conv") != 0) {
            cr_assert_str_eq(c[21], "dense");
            cr_assert_str_eq(c[22], "784-16-16-16-10");
            continue;
        }
        conv_rows++;
        cr_assert_str_eq(c[22], "1x28x28,conv:4:5:2,dense:12,dense:10");
        cr_assert_str_eq(c[3], "", "no dense hidden widths for a conv row");
        cr_assert_str_eq(c[4], "");
        double g = conv_net_gemm_flops(8, strcmp(c[1], "burstccn") == 0 ? 2 : 1);
        cr_assert(flops >= g && flops <= 1.5 * g, "%s flops %g, GEMMs %g", c[1], flops, g);
        cr_assert_gt(bt_num(c[16]), 0, "SGEMM rate at the conv step's shapes");
    }
    cr_assert_eq(conv_rows, 2);
    bt_csv_free(&t);
    jv *j = bt_read_json(out, "timing.json");
    const jv *nets = bt_jget(j, "networks");
    cr_assert_eq(nets->type, JV_ARRAY);
    cr_assert_eq(nets->n, 2);
    cr_assert_str_eq(bt_jstr(nets->items[1], "net"), "conv");
    cr_assert_str_eq(bt_jstr(nets->items[1], "arch"), "conv:4:5:2,dense:12,dense:10");
    cr_assert_str_eq(bt_jstr(bt_jget(nets->items[1], "layers")->items[0], "kind"), "conv2d");
    cr_assert_str_eq(bt_jstr(bt_jget(j, "rows")->items[3], "net"), "conv");
    jv_free(j);
    cr_assert(file_has(out, "timing_meta.gp", "meta_nets = \"dense conv\"\n"));
    cr_assert(file_has(out, "timing_meta.gp", "conv net: 1x28x28 → 4@12x12 → 12 → 10"));
    free(out);
}

Test(bench_conv, timing_of_the_cifar10_net_needs_no_cifar_data)
{
    /* Random 3x32x32 inputs: no dataset is read. A batch of 2 and one
     * repetition keep the test short. */
    char *out = fx_path(tmp, "cifar");
    const char *args[] = {"timing", "--devices", "ref", "--rules", "burstccn", "--batches", "2",
                          "--arch", "cifar", "--reps", "1", "--warmup", "1", "--target-time",
                          "0.001", "--out", out, "--no-plots", NULL};
    bt_run_expect(tmp, args, 0);
    bt_csv t;
    bt_read_csv_header(out, "timing.csv", BT_TIMING_COLS, &t);
    cr_assert_eq(t.nrows - 1, 1, "only the CIFAR-10 net (no dense family without --widths)");
    char **c = t.cell[1];
    cr_assert_str_eq(c[18], "ok", "%s", c[20]);
    cr_assert_str_eq(c[21], "cifar");
    cr_assert_str_eq(c[22], "3x32x32,conv:64:5:2,conv:128:5:2,conv:256:3:1,dense:1480,dense:10");
    /* SPEC §10: 32 -> 14 -> 5 -> 3; forward MACs per image
     * 64*14²*75 + 128*5²*1600 + 256*3²*1152 + 1480*2304 + 10*1480. */
    double macs = 64.0 * 196 * 75 + 128.0 * 25 * 1600 + 256.0 * 9 * 1152 + 1480.0 * 2304 +
                  10.0 * 1480;
    double flops = bt_num(c[11]);
    cr_assert(flops > 2 * 2 * 2 * macs && flops < 2 * 2 * 5 * macs, "flops %g, forward %g", flops,
              2 * 2 * macs);
    cr_assert_gt(bt_num(c[12]), 0, "GFLOP/s");
    bt_csv_free(&t);
    jv *j = bt_read_json(out, "timing.json");
    const jv *net = bt_jget(j, "networks")->items[0];
    assert_triple(bt_jget(net, "input"), 3, 32, 32, "CIFAR-10 input");
    cr_assert_eq(bt_jget(net, "layers")->n, 5);
    assert_triple(bt_jget(bt_jget(net, "layers")->items[2], "shape"), 256, 3, 3, "conv 3");
    jv_free(j);
    cr_assert(file_has(out, "timing_meta.gp", "meta_nets = \"cifar\"\n"));
    free(out);
}

Test(bench_conv, bad_or_conflicting_arch_is_a_usage_error)
{
    const char *a1[] = {"angles", "--arch", "conv:0:5", NULL};
    const char *a2[] = {"curves", "--arch", "conv:8:5", "--hidden", "16", NULL};
    const char *a3[] = {"timing", "--arch", "conv:8:40", NULL};
    const char *a4[] = {"timing", "--input", "3x32", NULL};
    const char *a5[] = {"angles", "--arch", "conv:4:5", "--arch", "dense:8", NULL};
    const char *a6[] = {"timing", "--arch", "dense:8,conv:4:3", NULL};
    const char *a7[] = {"curves", "--hidden", "16", "--arch", "cifar", NULL};
    const char *const *bad[] = {a1, a2, a3, a4, a5, a6, a7};
    const char *says[] = {"--arch", "--hidden", "does not fit", "--input", "--arch", "--arch",
                          "--hidden"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bt_run_result r = bt_run_bench(tmp, bad[i]);
        cr_assert_eq(r.status, 2, "case %zu (%s %s): exit %d", i, bad[i][0], bad[i][1], r.status);
        cr_assert_not_null(strstr(r.err, says[i]), "case %zu: '%s' does not say '%s'", i, r.err,
                           says[i]);
        bt_run_free(&r);
    }
    /* A conv layer larger than the data's images: a usage error too, found
     * once the data's shape is known. */
    const char *big[] = {"angles", "--data", data, "--arch", "conv:4:29", "--device", "ref",
                         "--out", tmp, "--no-plots", "--quiet", NULL};
    bt_run_result r = bt_run_bench(tmp, big);
    cr_assert_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_assert_not_null(strstr(r.err, "does not fit the 1x28x28 images"), "%s", r.err);
    bt_run_free(&r);
    const char *help[] = {"timing", "--help", NULL};
    r = bt_run_bench(tmp, help);
    cr_assert_eq(r.status, 0);
    cr_assert_not_null(strstr(r.out, "--arch ARCH"));
    cr_assert_not_null(strstr(r.out, "--input CxHxW"));
    bt_run_free(&r);
}
