#!/usr/bin/env python3
"""Writes the seed corpus and dictionary of //fuzz:osmem_fuzz (input format 1, fuzz/README.md).

One seed per contract rule, each spelled as readable ops. Run from the repository root:
    python3 corpus/make_seeds.py
It rewrites corpus/osmem_fuzz/ and corpus/osmem_fuzz.dict; regressions are never touched.
"""
import os
import random
import sys

MALLOC, FREE, CALLOC, REALLOC, CHECK, REFUSE = range(6)

# Format 1 size-table indices used by the seeds (decoder.c, size_table).
TABLE = {"SIZE_MAX": 61, "SIZE_MAX-39": 55, "1<<40": 52, "1MiB": 48, "4MiB": 49, "8MiB": 50}
# Format 1 count-table indices (decoder.c, count_table).
COUNT = {1: 1, 2: 3, 8: 8, "SIZE_MAX/2+1": 25, "1<<32": 21}


def size(n):
    """Encodes a size: table entry by name, 0..16383 directly, larger as a varint."""
    if isinstance(n, str):
        return bytes([TABLE[n]])
    if n < 16384:
        return bytes([0x80 | n >> 8, n & 0xff])
    assert n <= 4 << 20
    low, rest = n & 0x3f, n >> 6
    out = bytearray([0xc0 | low])
    while True:
        byte = rest & 0x7f
        rest >>= 7
        out.append(byte | (0x80 if rest else 0))
        if not rest:
            return bytes(out)


def malloc(slot, n):
    return bytes([MALLOC, slot]) + size(n)


def free(slot):
    return bytes([FREE, slot])


def calloc(slot, count, n):
    return bytes([CALLOC, slot, COUNT[count]]) + size(n)


def realloc(slot, n):
    return bytes([REALLOC, slot]) + size(n)


def check():
    return bytes([CHECK])


def refuse(skip, count):
    """count 7 refuses every request from then on."""
    return bytes([REFUSE, skip | count << 3])


def churn(seed, ops):
    """Pseudo-random malloc/calloc/realloc/free over 16 slots, with checks: ~`ops` ops."""
    rng = random.Random(seed)
    out = bytearray()
    for _ in range(ops):
        kind = rng.choice([MALLOC, MALLOC, FREE, FREE, CALLOC, REALLOC, REALLOC, CHECK])
        slot = rng.randrange(16)
        n = rng.choice([rng.randrange(1, 200), rng.randrange(1, 4100), rng.randrange(1, 140000)])
        out += {MALLOC: lambda: malloc(slot, n), FREE: lambda: free(slot),
                CALLOC: lambda: calloc(slot, 1, n), REALLOC: lambda: realloc(slot, n),
                CHECK: check}[kind]()
    return bytes(out)


SEEDS = {
    # malloc, a check of the payload pattern, free.
    "malloc_free": malloc(0, 100) + check() + free(0),
    # The NULL cases: malloc(0), calloc(1, 0), realloc(NULL, 0), free(NULL).
    "null_cases": malloc(0, 0) + calloc(1, 1, 0) + realloc(2, 0) + free(3),
    # realloc(p, 0) frees p and returns NULL.
    "realloc_zero": malloc(0, 100) + realloc(0, 0) + check(),
    # Split at the 40-byte rest boundary: reuse a 96-byte hole for 56 (rest 40) and 64 (rest 32).
    "split_boundary": malloc(0, 96) + malloc(1, 8) + free(0) + malloc(2, 56) + free(2)
    + malloc(3, 64) + check(),
    # Best fit among several holes, first in address order on a tie.
    "best_fit": malloc(0, 200) + malloc(1, 8) + malloc(2, 100) + malloc(3, 8) + malloc(4, 100)
    + malloc(5, 8) + free(0) + free(2) + free(4) + malloc(6, 100) + check(),
    # calloc on both sides of the page threshold, and on a dirty reused block.
    "calloc_threshold": calloc(0, 1, 4056) + calloc(1, 1, 4057) + malloc(2, 1000) + free(2)
    + calloc(3, 8, 125) + check(),
    # malloc on both sides of the mmap threshold.
    "mmap_threshold": malloc(0, 131032) + malloc(1, 131033) + free(0) + free(1),
    # realloc: tail growth in place, shrink with split, heap -> mapped, mapped -> heap.
    "realloc_moves": malloc(0, 100) + realloc(0, 300) + realloc(0, 50) + realloc(0, 131072)
    + realloc(0, 64) + check(),
    # realloc absorbing a free follower, and moving when the followers are not enough.
    "realloc_absorb": malloc(0, 100) + malloc(1, 100) + malloc(2, 100) + free(1)
    + realloc(0, 200) + realloc(0, 1000) + check(),
    # Sizes that cannot be represented or that the OS refuses: NULL, nothing changes.
    "impossible_sizes": malloc(0, 100) + malloc(1, "SIZE_MAX") + malloc(2, "SIZE_MAX-39")
    + calloc(3, "SIZE_MAX/2+1", 4) + realloc(0, "SIZE_MAX") + malloc(4, "1<<40") + check(),
    # The OS refuses the preallocation, then a mapping, then a realloc's growth.
    "os_refusal": refuse(0, 1) + malloc(0, 100) + malloc(1, 100) + refuse(0, 1)
    + malloc(2, 200000) + refuse(0, 7) + realloc(1, 20000) + realloc(1, 150000) + check(),
    # Multi-megabyte mappings, and a copy of 1 MiB (the per-input copy budget) between two.
    "multi_megabyte": malloc(0, "4MiB") + calloc(1, 1, "8MiB") + realloc(0, "1MiB") + check(),
    # Everything freed, then one large heap request: coalescing must merge the whole heap.
    "coalesce_all": b"".join(malloc(i, 1000) for i in range(8)) + b"".join(free(i) for i in range(8))
    + malloc(9, 7000) + check(),
    # Long mixed churns (also the inputs for the exec/s figure).
    "churn_1": churn(1, 100),
    "churn_2": churn(2, 100),
    "churn_3": churn(3, 200),
}

# Whole ops worth splicing in: each contract boundary once.
DICT = {
    "malloc_mmap_threshold": malloc(0, 131033),
    "malloc_heap_max": malloc(0, 131032),
    "calloc_page_threshold": calloc(0, 1, 4057),
    "calloc_overflow": calloc(0, "1<<32", "1<<40"),
    "malloc_size_max": malloc(0, "SIZE_MAX"),
    "realloc_size_max": realloc(0, "SIZE_MAX"),
    "refuse_next": refuse(0, 1),
    "refuse_forever": refuse(0, 7),
    "check": check(),
}


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)))
    seed_dir = os.path.join(root, "osmem_fuzz")
    os.makedirs(seed_dir, exist_ok=True)
    for old in os.listdir(seed_dir):
        os.remove(os.path.join(seed_dir, old))
    for name, data in SEEDS.items():
        with open(os.path.join(seed_dir, name), "wb") as f:
            f.write(data)
    with open(os.path.join(root, "osmem_fuzz.dict"), "w") as f:
        f.write("# Whole format-1 ops at the contract's boundaries (corpus/make_seeds.py).\n")
        for name, data in DICT.items():
            f.write('%s="%s"\n' % (name, "".join("\\x%02x" % b for b in data)))
    print("wrote %d seeds to %s and %d dictionary entries" % (len(SEEDS), seed_dir, len(DICT)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
