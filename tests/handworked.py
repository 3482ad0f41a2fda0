#!/usr/bin/env python3
"""Expected values for tests/test_handworked.c, computed step by step from
the equations of SPEC §4 (FA) and §6 (Burstprop) with Python floats
(double precision), independently of the library. Network 3-2-2, batch 2.
Run: python3 tests/handworked.py  (prints the numbers pasted in the test)."""
from math import exp
import struct

def f32(v):
    """Round to the float32 the C test stores, so only the library's own
    float rounding remains between the two."""
    if isinstance(v, list):
        return [f32(u) for u in v]
    return struct.unpack("f", struct.pack("f", v))[0]

def sig(z): return 1.0 / (1.0 + exp(-z))
def matvec_T(W, x):  # v_j = sum_k x_k W[j][k]
    return [sum(x[k] * W[j][k] for k in range(len(x))) for j in range(len(W))]

x = [[0.2, 0.7, 0.1], [0.9, 0.3, 0.5]]
t = [[1.0, 0.0], [0.0, 1.0]]
W1 = [[0.5, -0.4, 0.3], [-0.2, 0.6, 0.8]]; c1 = [0.1, -0.1]
W2 = [[0.7, -0.5], [-0.3, 0.9]];           c2 = [0.05, -0.05]
Y1 = [[0.4, -0.6], [0.2, 0.5]]   # n_2 x n_1
R1 = [[0.01, -0.02], [0.03, 0.005]]
pb = f32(0.2)
x, W1, c1, W2, c2, Y1, R1 = (f32(v) for v in (x, W1, c1, W2, c2, Y1, R1))
B = len(x)

e1 = [[sig(v + c) for v, c in zip(matvec_T(W1, xr), c1)] for xr in x]
e2 = [[sig(v + c) for v, c in zip(matvec_T(W2, er), c2)] for er in e1]

def grads(d1, d2):
    gW1 = [[sum(d1[b][j] * x[b][k] for b in range(B)) / B for k in range(3)] for j in range(2)]
    gc1 = [sum(d1[b][j] for b in range(B)) / B for j in range(2)]
    gW2 = [[sum(d2[b][j] * e1[b][k] for b in range(B)) / B for k in range(2)] for j in range(2)]
    gc2 = [sum(d2[b][j] for b in range(B)) / B for j in range(2)]
    return gW1, gc1, gW2, gc2

# FA (SPEC §4)
d2 = [[-(t[b][j] - e2[b][j]) * e2[b][j] * (1 - e2[b][j]) for j in range(2)] for b in range(B)]
d1 = [[sum(d2[b][i] * Y1[i][j] for i in range(2)) * e1[b][j] * (1 - e1[b][j]) for j in range(2)] for b in range(B)]
fa = grads(d1, d2)

# Burstprop (SPEC §6), recurrent input on
def burstprop(use_r):
    pL = [[pb * (1 + (t[b][j] - e2[b][j]) * (1 - e2[b][j])) for j in range(2)] for b in range(B)]
    bL = [[pL[b][j] * e2[b][j] for j in range(2)] for b in range(B)]
    bbL = [[pb * e2[b][j] for j in range(2)] for b in range(B)]
    d2 = [[-(bL[b][j] - bbL[b][j]) for j in range(2)] for b in range(B)]
    d1 = []
    for b in range(B):
        ubar = [sum(bbL[b][i] * Y1[i][j] for i in range(2)) for j in range(2)]
        u = [sum(bL[b][i] * Y1[i][j] for i in range(2)) for j in range(2)]
        s = [sig(ubar[j]) * e1[b][j] for j in range(2)]
        r = [sum(s[k] * R1[j][k] for k in range(2)) if use_r else 0.0 for j in range(2)]
        pbar = [sig(ubar[j] * (1 - e1[b][j]) - r[j]) for j in range(2)]
        p = [sig(u[j] * (1 - e1[b][j]) - r[j]) for j in range(2)]
        d1.append([-(p[j] * e1[b][j] - pbar[j] * e1[b][j]) for j in range(2)])
    return grads(d1, d2)

def show(name, g):
    gW1, gc1, gW2, gc2 = g
    flat = lambda m: ", ".join("%.12e" % v for row in m for v in row)
    print("/* %s */" % name)
    print("gW1 = {%s}" % flat(gW1)); print("gc1 = {%s}" % ", ".join("%.12e" % v for v in gc1))
    print("gW2 = {%s}" % flat(gW2)); print("gc2 = {%s}" % ", ".join("%.12e" % v for v in gc2))

show("FA", fa)
show("Burstprop, recurrent on", burstprop(True))
show("Burstprop, recurrent off", burstprop(False))

# Burstprop recurrent-weight learning (SPEC §6): R <- R - lr_R * gR with
# gR = -(ubar (1 - e) - r)^T (sig(ubar) e) SUMMED over the batch (no / B,
# as the authors' grad_weight_r), lr_R = 0.5.
lr_R = 0.5
pL = [[pb * (1 + (t[b][j] - e2[b][j]) * (1 - e2[b][j])) for j in range(2)] for b in range(B)]
gR = [[0.0, 0.0], [0.0, 0.0]]
for b in range(B):
    bbL = [pb * e2[b][j] for j in range(2)]
    ubar = [sum(bbL[i] * Y1[i][j] for i in range(2)) for j in range(2)]
    s = [sig(ubar[j]) * e1[b][j] for j in range(2)]
    r = [sum(s[k] * R1[j][k] for k in range(2)) for j in range(2)]
    a = [ubar[j] * (1 - e1[b][j]) - r[j] for j in range(2)]
    for i in range(2):
        for k in range(2):
            gR[i][k] += -a[i] * s[k]
Rn = [[R1[i][k] - lr_R * gR[i][k] for k in range(2)] for i in range(2)]
print("/* R after one step, lr_R = 0.5 */")
print("R1 = {%s}" % ", ".join("%.12e" % v for row in Rn for v in row))
