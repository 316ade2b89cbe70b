#!/usr/bin/env python3
"""Keeps a small committed corpus: the inputs that cover the most code edges.

Usage: trim-corpus.py TARGET FULL_CORPUS_DIR [MAX_FILES]

Runs the built fuzz target (cargo +nightly fuzz build -s none) in libFuzzer's
merge mode over FULL_CORPUS_DIR to learn which edges each input covers, then
picks greedily the input adding the most new edges (the smaller on a tie)
until nothing new is added or MAX_FILES (default 50) are picked. The picks
replace fuzz/corpus/TARGET.
"""

import os
import shutil
import subprocess
import sys
import tempfile

target, full = sys.argv[1], sys.argv[2]
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 50
here = os.path.dirname(os.path.abspath(__file__))
binary = os.path.join(here, "target/x86_64-unknown-linux-gnu/release", target)

with tempfile.TemporaryDirectory() as scratch:
    control = os.path.join(scratch, "control")
    empty = os.path.join(scratch, "empty")
    os.mkdir(empty)
    subprocess.run(
        [binary, "-merge=1", "-use_counters=0", "-use_value_profile=0",
         f"-merge_control_file={control}", empty, full],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    with open(control) as f:
        lines = f.read().splitlines()

count = int(lines[0])
files = lines[2:2 + count]
edges = {}
for line in lines[2 + count:]:
    parts = line.split()
    if parts and parts[0] == "COV":
        edges[int(parts[1])] = set(parts[2:])

covered, picked = set(), []
while len(picked) < limit:
    best = max(
        edges,
        key=lambda i: (len(edges[i] - covered), -os.path.getsize(files[i])),
        default=None,
    )
    if best is None or not edges[best] - covered:
        break
    covered |= edges.pop(best)
    picked.append(files[best])

out = os.path.join(here, "corpus", target)
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
for path in picked:
    shutil.copy(path, out)
total = set().union(covered, *edges.values())
print(f"{target}: kept {len(picked)} inputs covering {len(covered)} of {len(total)} edges")
