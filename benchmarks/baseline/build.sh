#!/usr/bin/env bash
# Builds the baseline jar of `PairedCheck --observed --baseline JAR`: the code before issue 22's
# telemetry work (2cb96ca, the parent of its first commit) with the same benchmark dependencies and
# an ObservedSide of its own (this folder). Writes DIR/benchmarks/target/benchmarks.jar.
# Usage: benchmarks/baseline/build.sh DIR   (DIR: an empty scratch folder outside the repository)
set -euo pipefail
base=2cb96ca
dir=${1:?usage: build.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(git -C "$here" rev-parse --show-toplevel)
mkdir -p "$dir"
git -C "$repo" archive "$base" | tar -x -C "$dir"
# The benchmark module's Boot dependencies for Boot's meter and observation registries (added after
# 2cb96ca): the pom as of the commit that added this script (fcf8d0c), so that the baseline stays the
# same whatever the benchmarks' pom becomes later.
pom=fcf8d0c477e877823c75aed1c3bc03730dab5230
git -C "$repo" diff "$base" "$pom" -- benchmarks/pom.xml | (cd "$dir" && patch -p1)
cp "$here/ObservedSide.java" "$dir/benchmarks/src/main/java/io/github/redlock/benchmarks/"
(cd "$dir" && ./mvnw -B -q -o -pl benchmarks -am package -DskipTests -Pbenchmarks)
ls -l "$dir/benchmarks/target/benchmarks.jar"
