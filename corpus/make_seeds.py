#!/usr/bin/env python3
"""Writes the seed corpora and dictionaries of //fuzz:osmem_fuzz (input format 1) and
//fuzz:osmem_misuse_fuzz (misuse format 1), fuzz/README.md.

One seed per contract rule (format 1) and per misuse or corruption kind (misuse format), each
spelled as readable ops. Run from the repository root:
    python3 corpus/make_seeds.py
It rewrites corpus/<fuzzer>/ and corpus/<fuzzer>.dict; regressions are never touched.
"""
import os
import random
import sys

MALLOC, FREE, CALLOC, REALLOC, CHECK, REFUSE = range(6)

# Format 1 size-table indices used by the seeds (decoder.c, size_table).
TABLE = {"SIZE_MAX": 61, "SIZE_MAX-39": 55, "1<<40": 52, "1MiB": 48, "4MiB": 49, "8MiB": 50}
# Format 1 count-table indices (decoder.c, count_table).
COUNT = {0: 0, 1: 1, 2: 3, 8: 8, "SIZE_MAX/2+1": 25, "1<<32": 21}


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
    # realloc rule 4 before rule 5: the whole preallocated block (131040 bytes) asked for 131040
    # must move to a mapping (32 + 131040 reaches the threshold), not stay as a shrink in place.
    "realloc_rule4_before_rule5": malloc(0, 131032) + realloc(0, 131040) + check(),
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

def fill(slots, table_index=5):
    """malloc(slot, 8) for every slot below `slots`: that many live heap blocks, each one split off
    the free rest (5 is the size table's 8)."""
    return b"".join(bytes([MALLOC, slot, table_index]) for slot in range(slots))


def drain(slots):
    """Every slot below `slots` freed, with no search in between."""
    return b"".join(free(slot) for slot in range(slots))


# Whole ops worth splicing in: each contract boundary once, and runs of ops that single ops make
# unlikely: 20 live blocks split off one after the other, and 20 frees in a row (the next search
# merges them back into one block, which the next fill splits again), past a batch bound of 16 in
# the allocator (planted bugs 9 and 13, fuzz/planted/README.md). libFuzzer takes entries of at most
# 64 bytes.
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
    "fill_20_slots": fill(20),
    "drain_20_slots": drain(20),
}
assert all(len(entry) <= 64 for entry in DICT.values())


# ---- Misuse format 1: format 1's ops (kinds 0-5, same operands) plus kinds 6-8 (byte % 9) ----
MISUSE, CORRUPT_CHECK, FOREIGN_SBRK = 6, 7, 8
# enum fuzz_misuse, enum fuzz_call, enum fuzz_field (fuzz/ops.h).
DEAD, INTERIOR, MISALIGNED, STACK, GLOBAL, BREAK, CORRUPT_HEADER, REFUSED_MUNMAP, NEAR_NULL = range(9)
BY_FREE, BY_REALLOC_ZERO, BY_REALLOC = range(3)
(PREV, NEXT, NEXT_NULL, SIZE_MISALIGNED, SIZE_GROWN, SIZE_SHRUNK, STATUS, SEAL, NEXT_FORGED,
 PREV_SELF) = range(10)
RESEALED = 10  # added to a field: the header is sealed again after the corruption


def misuse(slot, what, call=BY_FREE, arg=0):
    """A bad pointer given back by os_free, os_realloc(p, 0) or os_realloc(p, 64)."""
    return bytes([MISUSE, slot, what + 9 * call, arg])


def corrupt_check(slot, field):
    """Corrupts one header field of the slot's block; osmem_heap_check must name it."""
    return bytes([CORRUPT_CHECK, slot, field])


def foreign_sbrk(arg):
    """arg < 0x80: another sbrk user takes 8 * (arg + 1) bytes; else up to (arg - 0x80) pages
    below the emulated heap limit."""
    return bytes([FOREIGN_SBRK, arg])


def misuse_churn(seed, ops):
    """Format 1 churn over 8 slots mixed with every misuse op."""
    rng = random.Random(seed)
    out = bytearray()
    for _ in range(ops):
        slot = rng.randrange(8)
        n = rng.choice([rng.randrange(1, 200), rng.randrange(1, 4100), rng.randrange(131033, 140000)])
        out += rng.choice([
            lambda: malloc(slot, n), lambda: malloc(slot, n), lambda: free(slot),
            lambda: realloc(slot, n), lambda: check(),
            lambda: misuse(slot, rng.randrange(9), rng.randrange(3), rng.randrange(256)),
            lambda: corrupt_check(slot, rng.randrange(20)),
            lambda: foreign_sbrk(rng.randrange(16))])()
    return bytes(out)


ALL_FIELDS = range(10)
ALL_FIELDS_RESEALED = range(20)
MISUSE_SEEDS = {
    # A heap block given back twice: os_free says double free, os_realloc(p, 64) is rule 2 (NULL).
    "double_free_heap": malloc(0, 100) + malloc(1, 100) + free(0) + misuse(0, DEAD)
    + misuse(0, DEAD, BY_REALLOC) + misuse(0, DEAD, BY_REALLOC_ZERO) + check(),
    # Still a double free once coalescing merged it into its free neighbour.
    "double_free_coalesced": malloc(0, 100) + malloc(1, 100) + malloc(2, 100) + free(0) + free(1)
    + malloc(3, 5000) + misuse(1, DEAD) + misuse(0, DEAD, BY_REALLOC_ZERO) + check(),
    # Its memory handed out again: an invalid pointer.
    "dead_pointer_reused": malloc(5, 100) + malloc(0, 100) + free(0) + free(5) + malloc(1, 200)
    + misuse(0, DEAD)
    + misuse(0, DEAD, BY_REALLOC) + check(),
    # A mapping given back twice: remembered (double free), os_realloc(p, 64) an invalid pointer.
    "double_free_mapped": malloc(0, 200000) + free(0) + misuse(0, DEAD) + misuse(0, DEAD, BY_REALLOC)
    + misuse(0, DEAD, BY_REALLOC_ZERO),
    # The ring remembers 16 mappings: the 17th given back before is an invalid pointer.
    "unmapped_ring": b"".join(malloc(i, 200000) for i in range(17))
    + b"".join(free(i) for i in range(17)) + misuse(0, DEAD) + misuse(16, DEAD) + misuse(1, DEAD),
    # Pointers into a payload, heap and mapped.
    "interior_pointer": malloc(0, 100) + misuse(0, INTERIOR, BY_FREE, 3)
    + misuse(0, INTERIOR, BY_REALLOC, 0) + malloc(1, 200000) + misuse(1, INTERIOR, BY_FREE, 5)
    + misuse(1, INTERIOR, BY_REALLOC_ZERO, 200) + check(),
    "misaligned_pointer": malloc(0, 100) + misuse(0, MISALIGNED) + misuse(0, MISALIGNED, BY_REALLOC, 3)
    + malloc(1, 200000) + misuse(1, MISALIGNED, BY_REALLOC_ZERO, 6),
    # Stack, global, near NULL and the break, before and after the heap exists.
    "foreign_pointers": misuse(0, STACK) + misuse(0, GLOBAL, BY_REALLOC) + misuse(0, BREAK)
    + misuse(0, NEAR_NULL)
    + malloc(0, 100) + misuse(0, BREAK, BY_REALLOC) + misuse(0, STACK, BY_REALLOC_ZERO)
    + misuse(0, GLOBAL) + check(),
    # Every header field overwritten (a status also forged with a valid seal), on heap blocks
    # (head, middle, allocated tail) and a mapping.
    "corrupted_header": malloc(0, 100) + malloc(1, 100) + malloc(3, 130768) + malloc(2, 200000)
    + b"".join(misuse(1, CORRUPT_HEADER, BY_FREE, f) for f in ALL_FIELDS_RESEALED)
    + b"".join(misuse(0, CORRUPT_HEADER, BY_REALLOC, f) for f in ALL_FIELDS)
    + b"".join(misuse(3, CORRUPT_HEADER, BY_FREE, f) for f in (NEXT, NEXT_NULL))
    + b"".join(misuse(2, CORRUPT_HEADER, BY_REALLOC_ZERO, f) for f in ALL_FIELDS_RESEALED)
    + check(),
    # munmap refused: the fault, and the block stays valid (freed for real afterwards).
    "refused_munmap": malloc(0, 200000) + misuse(0, REFUSED_MUNMAP) + check()
    + misuse(0, REFUSED_MUNMAP, BY_REALLOC_ZERO) + free(0),
    # The checker of the checker: each field of a head, a middle and an allocated tail block.
    "checker_heap": malloc(0, 100) + malloc(1, 100) + malloc(2, 100) + malloc(4, 8)
    + malloc(3, 130592) + b"".join(corrupt_check(s, f) for s in (0, 1, 3, 4)
                                   for f in ALL_FIELDS_RESEALED) + check(),
    "checker_mapped": malloc(0, 200000) + malloc(1, 200000)
    + b"".join(corrupt_check(s, f) for s in (0, 1) for f in ALL_FIELDS_RESEALED) + check(),
    # Another sbrk user: before the heap exists, and after it (the tail cannot grow in place).
    "foreign_sbrk": foreign_sbrk(0) + malloc(0, 100) + foreign_sbrk(7) + malloc(1, 131000) + check()
    + realloc(1, 131020) + free(0) + malloc(2, 100) + corrupt_check(1, SIZE_GROWN) + check()
    + free(1) + malloc(3, 8) + corrupt_check(3, SEAL) + corrupt_check(2, NEXT_FORGED),
    # Over the emulated heap limit: the break taken to one page below it, then to it.
    "heap_limit": malloc(0, 100) + foreign_sbrk(0x81) + malloc(1, 131000) + malloc(2, 4000)
    + realloc(0, 100000) + foreign_sbrk(0x80) + foreign_sbrk(5) + check(),
    # The OS refuses the growth of a free tail, of an allocated tail (realloc rule 6) and a calloc;
    # a refusal plan that lets one request pass first; calloc's NULL cases.
    "tail_growth_refused": malloc(0, 100) + refuse(0, 1) + malloc(1, 131000) + malloc(2, 130904)
    + refuse(0, 1) + realloc(2, 131000) + refuse(1, 1) + calloc(3, 1, 100) + calloc(4, 1, 5000)
    + calloc(5, 0, 100) + calloc(6, 1, "SIZE_MAX") + check(),
    # A moved break under an allocated tail: realloc rule 6 moves the block instead.
    "tail_growth_break_moved": malloc(0, 100) + malloc(1, 130904) + foreign_sbrk(3)
    + realloc(1, 131000) + check(),
    # Free neighbours (legal after os_free): OSMEM_CHECK_COALESCED must name them.
    "checker_coalesced": malloc(0, 100) + malloc(1, 100) + malloc(2, 100) + free(0) + free(1)
    + corrupt_check(2, SEAL) + malloc(3, 8) + corrupt_check(2, SEAL),
    "misuse_churn_1": misuse_churn(1, 150),
    "misuse_churn_2": misuse_churn(2, 150),
}

MISUSE_DICT = {
    "double_free": misuse(0, DEAD),
    "interior": misuse(0, INTERIOR),
    "corrupt_header": misuse(0, CORRUPT_HEADER),
    "refused_munmap": misuse(0, REFUSED_MUNMAP),
    "corrupt_check": corrupt_check(0, SEAL),
    "foreign_sbrk": foreign_sbrk(7),
    "heap_limit": foreign_sbrk(0x81),
    "malloc_mapped": malloc(0, 200000),
}


def write_corpus(root, fuzzer, seeds, dictionary, what):
    seed_dir = os.path.join(root, fuzzer)
    os.makedirs(seed_dir, exist_ok=True)
    for old in os.listdir(seed_dir):
        os.remove(os.path.join(seed_dir, old))
    for name, data in seeds.items():
        with open(os.path.join(seed_dir, name), "wb") as f:
            f.write(data)
    with open(os.path.join(root, fuzzer + ".dict"), "w") as f:
        f.write("# %s (corpus/make_seeds.py).\n" % what)
        for name, data in dictionary.items():
            f.write('%s="%s"\n' % (name, "".join("\\x%02x" % b for b in data)))
    print("wrote %d seeds to %s and %d dictionary entries" % (len(seeds), seed_dir, len(dictionary)),
          file=sys.stderr)


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)))
    write_corpus(root, "osmem_fuzz", SEEDS, DICT,
                 "Whole format-1 ops at the contract's boundaries")
    write_corpus(root, "osmem_misuse_fuzz", MISUSE_SEEDS, MISUSE_DICT,
                 "Whole misuse-format ops: one per misuse kind")


if __name__ == "__main__":
    main()
