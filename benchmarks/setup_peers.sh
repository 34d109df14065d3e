#!/usr/bin/env bash
# Create the benchmark's own environment with the peer packages (csdid, differences).
# These are NOT dependencies of eah-eval; they are used only by benchmarks/bench_did.py.
# Usage: bash benchmarks/setup_peers.sh   (re-running is safe)
set -u
here="$(cd "$(dirname "$0")" && pwd)"
env_dir="$here/.envs/peers"
python_bin="${PYTHON:-python3}"
if [ ! -x "$env_dir/bin/python" ]; then
  "$python_bin" -m venv "$env_dir" || { echo "could not create $env_dir"; exit 1; }
fi
"$env_dir/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
for peer in csdid differences; do
  if "$env_dir/bin/python" -m pip install --quiet "$peer"; then
    echo "installed $peer"
  else
    echo "FAILED to install $peer (the benchmark will skip it)"
  fi
done
"$env_dir/bin/python" -m pip install --quiet psutil || true
"$env_dir/bin/python" -m pip list 2>/dev/null | grep -i -E "csdid|differences|drdid|numpy|pandas|scipy" || true
