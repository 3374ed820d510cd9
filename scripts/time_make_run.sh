#!/usr/bin/env bash
# Time `make run` on a fresh clone until sao's login page is served.
# Usage: scripts/time_make_run.sh [clone-dir]   (run it twice: cold, then warm)
# Cold = nothing in the clone (venv, sao, demo database are built);
# warm = the same clone again (everything present, only the server starts).
set -euo pipefail
src=$(git rev-parse --show-toplevel)
dir=${1:-/tmp/med-fresh-clone}
if [ ! -d "$dir/.git" ]; then
    git clone -q "$src" "$dir"
fi
cd "$dir"
start=$(date +%s.%N)
make run > make-run.log 2>&1 &
pid=$!
trap 'kill -- -$pid 2>/dev/null || pkill -P $pid 2>/dev/null || true' EXIT
until curl -sf http://127.0.0.1:8000/ -o /dev/null; do
    if ! kill -0 $pid 2>/dev/null; then
        echo "make run stopped:"; tail -20 make-run.log; exit 1
    fi
    sleep 0.5
done
end=$(date +%s.%N)
curl -sf http://127.0.0.1:8000/ | grep -q '<title>' && echo "login page served"
printf 'make run → login page: %.1f s\n' "$(echo "$end - $start" | bc)"
pkill -f "trytond -c trytond.conf -d demo" || true
