#!/usr/bin/env bash
# The one-command demo: 3 local Redis nodes, 2 instances of samples/scheduled-jobs, a verdict.
#   samples/demo.sh                      # 30 seconds
#   samples/demo.sh --duration=60s
#   samples/demo.sh --instances=4 --skew=400   # 4 instances, scheduler clocks up to 400 ms apart
#   samples/demo.sh --servers=redis://10.0.0.1:6379,redis://10.0.0.2:6379,redis://10.0.0.3:6379
# Needs only a JDK 17+: Maven comes with ./mvnw, redis-server from PATH or the embedded-redis jar.
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./mvnw -q -B -pl samples/scheduled-jobs -am test-compile exec:exec -Ddemo.args="$*"
