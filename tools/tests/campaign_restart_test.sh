#!/usr/bin/env bash
# A libFuzzer campaign goes on after a failure: tools/fuzz --no-build on a toy fuzzer whose bug
# ("!?" at the start) is found again and again, with a corpus input that fails while loading,
# two jobs (one per core, up to 2) on the one corpus. Wanted: every job restarted after failing
# on the corpus input (both fail on it, one takes it out first) and again after a failure found
# by fuzzing (each libFuzzer process prints "INFO: Seed:" in its job's log), the input out of the
# corpus, one distinct failure counting every failing input, its message printed once, exit 1.
# 20 s leaves room for those starts on a loaded machine. A resume keeps that input out.
# usage: campaign_restart_test.sh TOOLS_FUZZ TOY_FUZZER OPTRACE
set -uo pipefail
fuzz=$1 toy=$2 optrace=$3
tmp=${TEST_TMPDIR:-$(mktemp -d)}
campaign=$tmp/out/campaigns/restart
mkdir -p "$campaign/bin" "$campaign/corpus"
cp "$toy" "$campaign/bin/osmem_fuzz_libfuzzer"
cp "$optrace" "$campaign/bin/optrace"
printf '!?seed' > "$campaign/corpus/fails_while_loading"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

jobs=$(( $(nproc) >= 2 ? 2 : 1 ))
OSMEM_OUT=$tmp/out "$fuzz" --no-setup --no-build --fuzzer osmem_fuzz --campaign restart \
  --time 20s --jobs "$jobs" --minimize-seconds 2 > "$tmp/log" 2>&1
status=$?
cat "$tmp/log"
[ "$status" -eq 1 ] || fail "exit $status, wanted 1 (failures found)"
for ((job = 0; job < jobs; job++)); do
  [ "$(grep -c 'INFO: Seed:' "$campaign/logs/libfuzzer-$job.log")" -ge 2 ] ||
    fail "job $job was not restarted after failing on the corpus input"
done
starts=$(cat "$campaign"/logs/libfuzzer-*.log | grep -c 'INFO: Seed:')
[ "$starts" -ge $((2 * jobs + 1)) ] ||
  fail "$starts libFuzzer processes: no restart after a failure found by fuzzing"
grep -q INITED "$campaign"/logs/libfuzzer-*.log || fail "no job ever got past loading the corpus"
[ ! -e "$campaign/corpus/fails_while_loading" ] || fail "the failing corpus input is still in corpus/"
[ "$(grep -c 'failure: toy rule broken' "$tmp/log")" -eq 1 ] || fail "the failure message is not printed exactly once"
grep -q "1 distinct in this campaign" "$tmp/log" || fail "the summary does not count one distinct failure"
python3 - "$campaign/failures.json" <<'PY' || fail "failures.json does not record one failure for every failing input"
import json, sys
db = json.load(open(sys.argv[1]))
counts = [d["count"] for d in db["distinct"].values()]
sys.exit(0 if len(counts) == 1 and counts[0] == len(db["seen"]) >= 3 else 1)
PY

# Resumed, with the failing input offered again by an earlier campaign's corpus: it stays out, so
# no job stops on it while loading (one restart per known failing input, at every resume).
digest=$(printf '!?seed' | sha1sum | cut -d' ' -f1)
grep -qx "$digest" "$campaign/failing-inputs.txt" || fail "failing-inputs.txt does not hold the input's SHA-1"
mkdir -p "$tmp/out/campaigns/earlier/corpus"
printf '!?seed' > "$tmp/out/campaigns/earlier/corpus/same_input_other_name"
echo '{"seconds": 0, "execs": 0, "runs": 0, "fuzzer": "osmem_fuzz"}' > "$tmp/out/campaigns/earlier/state.json"
OSMEM_OUT=$tmp/out "$fuzz" --no-setup --no-build --fuzzer osmem_fuzz --campaign restart \
  --time 3s --jobs 1 --minimize-seconds 2 > "$tmp/log2" 2>&1
cat "$tmp/log2"
grep -q "1 kept out: they failed before" "$tmp/log2" || fail "the resume does not keep the known failing input out"
[ ! -e "$campaign/corpus/same_input_other_name" ] || fail "the known failing input was imported again"

[ "$failures" -eq 0 ] && echo "PASS: $jobs job(s) went on after $((starts - jobs)) failure(s), one distinct" || exit 1
