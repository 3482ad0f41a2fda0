#!/usr/bin/env python3
"""Write the checkpoint fuzz target's seeds (tests/fuzz/corpus/checkpoint/)
straight from the format in docs/checkpoint.md, independently of the
library: small networks (dense, conv, with momentum and Adam state, a data
order and application bytes). Each seed is one option byte (bit 0: fix up
the checksums, as fuzz_checkpoint.c does) and the file.

    python3 tests/fuzz/make_checkpoint_seeds.py tests/fuzz/corpus/checkpoint
"""
import os
import struct
import sys
import zlib


def u32(v): return struct.pack('<I', v)
def u64(v): return struct.pack('<Q', v)
def i64(v): return struct.pack('<q', v)
def f32(v): return struct.pack('<f', v)
def f64(v): return struct.pack('<d', v)


def section(tag, body):
    return tag + u32(0) + u64(len(body)) + body


def shape_after(shape, layer):
    c, h, w = shape
    kind, units, k, s, p = layer
    if kind == 0:
        return (units, 1, 1)
    return (units, (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1)


def checkpoint(inp, layers, rule=0, optimizer=0, recurrent=0, order=None, app=b''):
    # CONF
    conf = u32(inp[0]) + u32(inp[1]) + u32(inp[2]) + u32(len(layers))
    for kind, units, k, s, p in layers:
        conf += u32(kind) + u32(units) + u32(k) + u32(s) + u32(p) + f32(0.3)
    conf += u32(rule) + f32(0.5) + f32(1.0) + u32(0) + f32(0.5) + f32(0.0)
    conf += u32(1) + f32(1.0) + f32(7.31e-4 if rule == 0 else 0.0)
    conf += u32(0) + u32(recurrent) + f32(0.01) + f32(1e-4 if recurrent else 0.0)
    conf += u32(optimizer) + f32(0.9 if optimizer == 1 else 0.0) + f32(0.9) + f32(0.999)
    conf += f32(1e-8) + f32(0.0) + u64(1)
    # shapes and parameter sizes
    shapes = [inp]
    for ly in layers:
        shapes.append(shape_after(shapes[-1], ly))
    n_w, n_c, n_out = [], [], []
    for i, (kind, units, k, s, p) in enumerate(layers):
        cin = shapes[i][0] * (shapes[i][1] * shapes[i][2] if kind == 0 else 1)
        n_w.append(units * cin * (k * k if kind == 1 else 1))
        n_c.append(units)
        o = shapes[i + 1]
        n_out.append(o[0] * o[1] * o[2])
    recs = []
    L = len(layers)
    for li in range(L):
        recs.append((li + 1, 0, n_w[li]))
        recs.append((li + 1, 1, n_c[li]))
        if optimizer >= 1:
            recs.append((li + 1, 2, n_w[li]))
            recs.append((li + 1, 3, n_c[li]))
        if optimizer == 2:
            recs.append((li + 1, 4, n_w[li]))
            recs.append((li + 1, 5, n_c[li]))
        if li < L - 1:
            recs.append((li + 1, 6, n_w[li + 1]))
            recs.append((li + 1, 7, n_w[li + 1]))
            if recurrent and rule == 1 and layers[li][0] == 0:
                recs.append((li + 1, 8, n_out[li] * n_out[li]))
    parm = u32(len(recs))
    for layer, which, n in recs:
        parm += u32(layer) + u32(which) + u64(n)
        parm += b''.join(f32(((i * 37 + which * 11) % 17 - 8) / 40.0) for i in range(n))
    stat = i64(3) + f64(1.25) + i64(2) + i64(12) + i64(3 if optimizer == 2 else 0) + i64(-1)
    payload = section(b'CONF', conf) + section(b'STAT', stat) + section(b'PARM', parm)
    if order:
        n, batch, pos, perm = order
        body = u32(n) + u32(batch) + u32(pos) + i64(1)
        for seed in (1, 2):
            body += u64(seed) + u64(seed * 3) + u64(seed * 5) + u64(seed * 7) + f64(0.0) + u32(0)
        body += b''.join(u32(v) for v in perm)
        payload += section(b'ORDR', body)
    if app:
        payload += section(b'APPD', app)
    head = b'\x89BCN\r\n\x1a\n' + u32(1) + u32(0x0A0B0C0D) + u64(len(payload))
    head += u32(zlib.crc32(payload) & 0xffffffff)
    head += u32(zlib.crc32(head) & 0xffffffff)
    return head + payload


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 'tests/fuzz/corpus/checkpoint'
    os.makedirs(out, exist_ok=True)
    seeds = {
        'dense_sgd': checkpoint((1, 1, 3), [(0, 2, 0, 0, 0), (0, 2, 0, 0, 0)],
                                order=(5, 2, 2, [3, 0, 4, 1, 2]), app=b'burstccn-train 1\n'),
        'dense_adam': checkpoint((1, 1, 4), [(0, 3, 0, 0, 0), (0, 2, 0, 0, 0)], rule=3,
                                 optimizer=2),
        'burstprop_momentum': checkpoint((1, 1, 3), [(0, 3, 0, 0, 0), (0, 2, 0, 0, 0)],
                                         rule=1, optimizer=1, recurrent=1),
        'conv': checkpoint((1, 4, 4), [(1, 2, 3, 1, 1), (0, 2, 0, 0, 0)],
                           order=(3, 3, 0, [2, 1, 0])),
    }
    for name, data in seeds.items():
        for fix in (0, 1):
            with open(os.path.join(out, f'{name}_{fix}'), 'wb') as f:
                f.write(bytes([fix]) + data)


if __name__ == '__main__':
    main()
