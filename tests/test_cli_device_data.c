/*
 * test_cli_device_data.c — `burstccn train --data-on-device`, run as a
 * separate process on ref: `on` and `off` give the same JSON results
 * (training, validation and test loss and error after every epoch), the
 * JSON says which path ran, and the flag's misuses are usage errors naming
 * it. Data: a small dataset written at test time.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "burstccn.h"
#include "idx_fixture.h"
#include "json_check.h"
#include "run_program.h"

static char *dir;  /* temporary directory of the test */
static char *data; /* the dataset inside it */

static void setup(void)
{
    dir = fx_tmpdir();
    data = fx_path(dir, "data");
    cr_assert_eq(mkdir(data, 0755), 0);
    fx_write_dataset(data, 160, 40);
}

static void teardown(void)
{
    free(data);
    fx_rmtree(dir);
}

TestSuite(cli_device_data, .init = setup, .fini = teardown, .timeout = 120);

/* Train two epochs on ref with --data-on-device `mode`; the parsed JSON. */
static jv *train(const char *mode)
{
    char *json = fx_path(dir, mode);
    const char *args[] = {"train",   "--device",     "ref",   "--data", data,      "--epochs",
                          "2",       "--hidden",     "20,10", "--batch", "16",     "--validation",
                          "30",      "--data-on-device", mode, "--json", json,     "--quiet",
                          NULL};
    tu_run_result r = tu_run_program("burstccn", dir, args);
    cr_assert_eq(r.status, 0, "--data-on-device %s: exit %d: %s", mode, r.status, r.err);
    tu_run_free(&r);
    char *text = fx_slurp(json);
    cr_assert_not_null(text, "no JSON from --data-on-device %s", mode);
    jv *v = jv_parse(text);
    cr_assert_not_null(v, "the JSON of --data-on-device %s is not valid", mode);
    free(text);
    free(json);
    return v;
}

/* The number `key` of object o (the test fails when it is missing). */
static double num(const jv *o, const char *key)
{
    const jv *m = jv_get(o, key);
    cr_assert(m && m->type == JV_NUMBER, "JSON member '%s' missing or not a number", key);
    return m->number;
}

Test(cli_device_data, on_and_off_give_the_same_results)
{
    jv *on = train("on"), *off = train("off");
    const jv *d_on = jv_get(on, "data_on_device"), *d_off = jv_get(off, "data_on_device");
    cr_assert(d_on && d_on->type == JV_BOOL && d_on->number == 1, "on: data_on_device not true");
    cr_assert(d_off && d_off->type == JV_BOOL && d_off->number == 0,
              "off: data_on_device not false");
    const char *keys[] = {"test_error", "test_errors", "test_loss", "train_loss",
                          "train_error", "val_loss", "val_error"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        cr_expect_eq(num(on, keys[k]), num(off, keys[k]), "%s: %.17g on, %.17g off", keys[k],
                     num(on, keys[k]), num(off, keys[k]));
    const jv *h_on = jv_get(on, "history"), *h_off = jv_get(off, "history");
    cr_assert(h_on && h_off && h_on->type == JV_ARRAY && h_off->type == JV_ARRAY &&
              h_on->n == 2 && h_off->n == 2, "no history of two epochs");
    const char *per_epoch[] = {"train_loss", "train_error", "val_loss", "val_error",
                               "test_loss", "test_error"};
    for (size_t i = 0; i < 2; i++)
        for (size_t k = 0; k < sizeof per_epoch / sizeof per_epoch[0]; k++)
            cr_expect_eq(num(h_on->items[i], per_epoch[k]), num(h_off->items[i], per_epoch[k]),
                         "epoch %zu: %s differs", i + 1, per_epoch[k]);
    cr_expect(num(on, "test_loss") > 0, "no test loss");
    jv_free(on);
    jv_free(off);
}

/* Run train with extra arguments; expect exit 2 and `words` on stderr. */
static void expect_usage(const char *const *extra, const char *words)
{
    const char *args[24] = {"train", "--device", "ref", "--data", data, "--epochs", "1",
                            "--hidden", "5"};
    size_t n = 9;
    for (size_t i = 0; extra[i]; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    tu_run_result r = tu_run_program("burstccn", dir, args);
    cr_expect_eq(r.status, 2, "exit %d for %s: %s", r.status, extra[1], r.err);
    cr_expect(strstr(r.err, words), "stderr does not say '%s': %s", words, r.err);
    tu_run_free(&r);
}

Test(cli_device_data, misuse_is_a_usage_error)
{
    const char *bad[] = {"--data-on-device", "sometimes", NULL};
    expect_usage(bad, "--data-on-device");
    const char *aug[] = {"--data-on-device", "on", "--augment", "on", NULL};
    expect_usage(aug, "--augment");
}
