/*
 * test_handworked.c — FA and Burstprop on a 3-2-2 network, batch 2, with
 * weights set by hand. The expected numbers were worked out from the
 * equations of SPEC §4 and §6 (∇R summed over the batch) step by step in
 * double precision by tests/handworked.py (independent of the library) and
 * pasted here.
 */
#include "model_util.h"

static const float X[] = {0.2f, 0.7f, 0.1f, 0.9f, 0.3f, 0.5f};
static const float T[] = {1, 0, 0, 1};
static const float W1[] = {0.5f, -0.4f, 0.3f, -0.2f, 0.6f, 0.8f}, C1[] = {0.1f, -0.1f};
static const float W2[] = {0.7f, -0.5f, -0.3f, 0.9f}, C2[] = {0.05f, -0.05f};
static const float Y1[] = {0.4f, -0.6f, 0.2f, 0.5f};
static const float R1[] = {0.01f, -0.02f, 0.03f, 0.005f};

typedef struct expected {
    double gW1[6], gc1[2], gW2[4], gc2[2];
} expected;

static const expected FA = {
    {2.987492213118e-03, -5.180275915423e-04, 1.686276867517e-03, -1.140627423162e-02, 7.087201149078e-03, -6.527859468881e-03},
    {1.460311506423e-03, 6.991775702127e-04},
    {1.486814164337e-02, 4.291110301508e-03, 5.833672150502e-04, 1.130559314767e-02},
    {8.978024238950e-03, 1.788064174736e-02}};
static const expected BP_REC = {
    {1.493555435976e-04, -2.588073223382e-05, 8.430277682788e-05, -5.703069046208e-04, 3.543225536949e-04, -3.263884940316e-04},
    {7.302755131636e-05, 3.491759807628e-05},
    {2.973628372985e-03, 8.582220730901e-04, 1.166734447486e-04, 2.261118663227e-03},
    {1.795604874547e-03, 3.576128402761e-03}};
static const expected BP_NOREC = {
    {1.493590998499e-04, -2.588413468781e-05, 8.430483301263e-05, -5.703142069219e-04, 3.543501993721e-04, -3.263930785812e-04},
    {7.302586847963e-05, 3.494642448665e-05},
    {2.973628372985e-03, 8.582220730901e-04, 1.166734447486e-04, 2.261118663227e-03},
    {1.795604874547e-03, 3.576128402761e-03}};
static const double R1_AFTER[] = {1.900884191956e-02, -1.081594473875e-02, 2.607319917116e-02, 1.192863613173e-03};

static bcn_net *hand_net(bcn_ctx *ctx, bcn_rule rule, int recurrent, float r_lr)
{
    bcn_net_config cfg = mu_config(rule, 2, (const int[]){3, 2, 2}, 5);
    cfg.p_baseline = 0.2f;
    cfg.recurrent = recurrent;
    cfg.r_lr = r_lr;
    cfg.y_mode = BCN_FB_RANDOM;
    bcn_net *net = mu_net(ctx, &cfg);
    cr_assert_eq(bcn_net_set_param(net, BCN_PARAM_W, 1, W1), BCN_OK);
    cr_assert_eq(bcn_net_set_param(net, BCN_PARAM_C, 1, C1), BCN_OK);
    cr_assert_eq(bcn_net_set_param(net, BCN_PARAM_W, 2, W2), BCN_OK);
    cr_assert_eq(bcn_net_set_param(net, BCN_PARAM_C, 2, C2), BCN_OK);
    cr_assert_eq(bcn_net_set_param(net, BCN_PARAM_Y, 1, Y1), BCN_OK);
    if (recurrent)
        cr_assert_eq(bcn_net_set_param(net, BCN_PARAM_R, 1, R1), BCN_OK);
    return net;
}

/* The library keeps intermediates (e, δ, b) in float, and a batch mean
 * here can cancel terms 50x larger than the result (gc1 of FA: 0.0344 −
 * 0.0330), so an entry carries float rounding (6e-8) of those terms:
 * compare each entry within 1e-5 of the array's largest magnitude. A wrong
 * formula is off by far more. */
static void expect_close(const float *got, const double *want, int n, const char *what)
{
    double scale = 0;
    for (int i = 0; i < n; i++)
        scale = fmax(scale, fabs(want[i]));
    for (int i = 0; i < n; i++)
        cr_expect(fabs(got[i] - want[i]) <= 1e-5 * scale,
                  "%s[%d] = %.9g, expected %.9g", what, i, (double)got[i], want[i]);
}

static void check_signal(bcn_rule rule, int recurrent, const expected *ex)
{
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net *net = hand_net(ctx, rule, recurrent, 0.0f);
    cr_assert_eq(bcn_net_compute_signals(net, X, T, 2, BCN_RULE_BIT(rule)), BCN_OK, "%s",
                 bcn_errmsg(ctx));
    float gw1[6], gc1[2], gw2[4], gc2[2];
    cr_assert_eq(bcn_net_get_signal(net, rule, 1, gw1, gc1), BCN_OK);
    cr_assert_eq(bcn_net_get_signal(net, rule, 2, gw2, gc2), BCN_OK);
    expect_close(gw1, ex->gW1, 6, "gW1");
    expect_close(gc1, ex->gc1, 2, "gc1");
    expect_close(gw2, ex->gW2, 4, "gW2");
    expect_close(gc2, ex->gc2, 2, "gc2");
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}

Test(handworked, fa) { check_signal(BCN_RULE_FA, 0, &FA); }
Test(handworked, burstprop_recurrent) { check_signal(BCN_RULE_BURSTPROP, 1, &BP_REC); }
Test(handworked, burstprop_no_recurrent) { check_signal(BCN_RULE_BURSTPROP, 0, &BP_NOREC); }

/* One Burstprop training step learns R as SPEC §6 says. */
Test(handworked, burstprop_recurrent_learning)
{
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net *net = hand_net(ctx, BCN_RULE_BURSTPROP, 1, 0.5f);
    cr_assert_eq(bcn_net_train_step(net, X, T, 2, NULL), BCN_OK, "%s", bcn_errmsg(ctx));
    float r[4];
    cr_assert_eq(bcn_net_get_param(net, BCN_PARAM_R, 1, r), BCN_OK);
    expect_close(r, R1_AFTER, 4, "R1");
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}
