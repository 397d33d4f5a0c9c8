#!/usr/bin/env bash
# Builds the benchmarks, runs the whole comparison against real local redis-server nodes, and
# writes the results table. Sized for a 2-core machine: under 10 minutes including the build.
#
#   benchmarks/run.sh                 # full run
#   benchmarks/run.sh --smoke         # every benchmark once, 1 s: checks the wiring, measures nothing
#   benchmarks/run.sh --only engine   # only the plan entries whose description contains "engine"
#
# Output (git-ignored): benchmarks/results/results.json (JMH), results.md (tables), run.log.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v redis-server >/dev/null || { echo "redis-server is required on the PATH" >&2; exit 1; }
out=benchmarks/results
mkdir -p "$out"
start=$(date +%s)

echo "Building (./mvnw -pl benchmarks -am package -DskipTests -Pbenchmarks)..."
./mvnw -B -q -pl benchmarks -am package -DskipTests -Pbenchmarks
jar=benchmarks/target/benchmarks.jar

{
  echo "Started: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "Machine: $(nproc) cores, $(java -version 2>&1 | head -1), $(redis-server --version | cut -d' ' -f1-3)"
  echo "Load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/environment.txt"

java -cp "$jar" io.github.redlock.benchmarks.Suite --out "$out" "$@" 2>&1 | tee "$out/run.log"

# The targets, measured in one JVM with the clients alternating, so load that comes and goes hits them alike (~1.5 min).
# Should it fail, the report below is still written from the Suite's results.
if [[ " $* " != *" --smoke "* ]]; then
  java -Xms1g -Xmx1g -cp "$jar" io.github.redlock.benchmarks.PairedCheck 5 6 2>&1 | grep -E "^(paired|target|warm-up)" | tee "$out/paired.txt" \
    || echo "PairedCheck failed; see its output above" | tee -a "$out/paired.txt"
else
  : > "$out/paired.txt"
fi

echo "Load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/environment.txt"
end=$(date +%s)
echo "Total time including the build: $(( (end - start) / 60 ))m$(( (end - start) % 60 ))s" | tee -a "$out/environment.txt"

{
  echo "## Results"
  echo
  sed 's/^/    /' "$out/environment.txt"
  echo
  java -cp "$jar" io.github.redlock.benchmarks.Report "$out/results.json"
  if grep -q 'WARNING:' "$out/run.log"; then
    echo "### Warnings from the run"
    echo
    grep -o 'WARNING:.*' "$out/run.log" | sed 's/^/    /'
    echo
  fi
  if [[ -s "$out/paired.txt" ]]; then
    echo "### Targets, paired (the clients alternating in one JVM, warmed up until the JIT is nearly idle)"
    echo
    sed 's/^/    /' "$out/paired.txt"
    echo
  fi
} > "$out/results.md"
echo
cat "$out/results.md"
