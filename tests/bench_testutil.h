/*
 * bench_testutil.h — helpers for the burstccn-bench tests (folders and
 * files come from idx_fixture.h): running the built program with its
 * output captured, a CSV reader written independently of bench/table.c,
 * reading back its CSV and JSON files (json_check.h), and a small
 * learnable MNIST-style dataset written at test time.
 */
#ifndef BCN_TEST_BENCH_TESTUTIL_H
#define BCN_TEST_BENCH_TESTUTIL_H

#include <stddef.h>

#include "idx_fixture.h"
#include "json_check.h"
#include "run_program.h"

/* The exact headers of the CSV files burstccn-bench writes. */
#define BT_ANGLES_COLS "step,rule,layer,angle_deg,norm,bp_norm,w_y_deg,y_q_deg,kind"
#define BT_CURVES_COLS "epoch,rule,train_loss,train_error,test_loss,test_error,seconds"
#define BT_TIMING_COLS                                                                      \
    "device,rule,batch,hidden,width,steps,reps,median_ms,min_ms,max_ms,samples_per_s,flops," \
    "gflops,forward_ms,feedback_ms,update_ms,gemm_gflops,gemm_fraction,status,device_name," \
    "error,net,network,launches_per_step,blas_calls_per_step,transfers_per_step," \
    "transfer_bytes_per_step,gemm"
/* gemm_tune.csv's columns (tune_report.c). */
#define BT_GEMM_TUNE_COLS                                                                 \
    "device,op,m,n,k,beta,calls,untuned_gflops,tuned_gflops,own_gflops,own_tuned_gflops," \
    "tuned_set,own_tuned_set,status,error"

/* Size of a file in bytes, -1 when missing. */
long bt_size(const char *path);

typedef tu_run_result bt_run_result;

/* Run $BCN_TOP_BUILDDIR/burstccn-bench with the NULL-terminated arguments;
 * the captured output is kept in files under `logdir`. */
bt_run_result bt_run_bench(const char *logdir, const char *const *args);
/* Free the captured output. */
void bt_run_free(bt_run_result *r);
/* Run burstccn-bench and assert its exit status (printing its stderr). */
void bt_run_expect(const char *logdir, const char *const *args, int expect);

/* A CSV file: cell[r][c] for rows r (row 0 = header) and the header's
 * columns c; missing trailing fields read as "". */
typedef struct bt_csv {
    int nrows, ncols;
    char ***cell;
} bt_csv;

/* Read a CSV file (RFC 4180 quotes); 0 on success. */
int bt_csv_read(const char *path, bt_csv *t);
/* Column index of `name` in the header, -1 when absent. */
int bt_csv_col(const bt_csv *t, const char *name);
/* Cell as a number; NaN when empty or not entirely a number. */
double bt_num(const char *s);
/* 1 when |a − b| <= rel · max(|a|, |b|) + 1e-12. */
int bt_rel_close(double a, double b, double rel);
/* Free the table. */
void bt_csv_free(bt_csv *t);

/* Read dir/name as CSV, asserting its header is exactly `cols`. */
void bt_read_csv_header(const char *dir, const char *name, const char *cols, bt_csv *t);
/* Parse dir/name as JSON, asserting it is valid. */
jv *bt_read_json(const char *dir, const char *name);
/* A JSON member that must exist; one that must be a number; a string. */
const jv *bt_jget(const jv *obj, const char *key);
double bt_jnum(const jv *obj, const char *key);
const char *bt_jstr(const jv *obj, const char *key);


/* 1 when gnuplot can be run. */
int bt_have_gnuplot(void);

#endif
