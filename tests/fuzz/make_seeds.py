#!/usr/bin/env python3
"""Write the fuzz targets' seed corpora under tests/fuzz/corpus/NAME/ (they
are committed; run this again only to change them). Each seed is one options
byte, then a valid file as the target expects it (see each fuzz_NAME.c)."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def idx_file(dims, payload):
    head = struct.pack(">I", 0x0800 | len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    return head + bytes(payload)


def write(name, seeds):
    d = os.path.join(HERE, "corpus", name)
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        os.remove(os.path.join(d, old))
    for i, data in enumerate(seeds):
        with open(os.path.join(d, "seed%02d" % i), "wb") as f:
            f.write(data)


def pattern(n, k=0):
    return [(i * 37 + k) % 256 for i in range(n)]


# fuzz_idx: bit 0 gzip, bits 1-3 record limit.
idx_seeds = []
for opt in (0, 1, 2 << 1, (3 << 1) | 1):
    idx_seeds.append(bytes([opt]) + idx_file([5, 3, 4], pattern(60)))
idx_seeds.append(bytes([0]) + idx_file([7], [i % 10 for i in range(7)]))
idx_seeds.append(bytes([1 << 1]) + idx_file([2, 2, 3, 2], pattern(24, 5)))
write("idx", idx_seeds)

# fuzz_dataset: bits 0-1 member, bit 2 gzip, bits 3-4 limits. The valid set
# has 4 training and 3 test images of 3x4.
ds_seeds = []
for k in range(4):
    n = 3 if k >= 2 else 4
    member = (idx_file([n, 3, 4], [(i * 37 + k) % 256 for i in range(n * 12)]) if k % 2 == 0
              else idx_file([n], [(i * 3 + k) % 10 for i in range(n)]))
    for gz, lim in ((0, k % 4), (1, (k + 1) % 4)):
        ds_seeds.append(bytes([k | (gz << 2) | (lim << 3)]) + member)
write("dataset", ds_seeds)

# fuzz_cifar: the first byte picks the batch file (mod 6) and the options;
# valid batches of 1 or 2 records of 3073 bytes (label, 3072 pixels).
cifar_seeds = []
for k in range(6):
    records = k % 2 + 1
    body = bytes((i * 7 + k) % 10 if i % 3073 == 0 else (i * 7 + k) % 256
                 for i in range(3073 * records))
    cifar_seeds.append(bytes([k * 41 % 256]) + body)
write("cifar", cifar_seeds)
