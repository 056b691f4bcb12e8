#!/bin/sh
# `make mutate`: mutmut over the modules that compute what users read ([tool.mutmut] in pyproject.toml:
# only_mutate, and the fast tests that cover them), then mutants tried / killed / surviving per module.
# `scripts/mutate.sh --summary` prints the table of the last (or a still running) run only.
# Surviving mutants are listed by name; `.venv/bin/mutmut show NAME` prints one as a diff.
set -eu
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--summary" ]; then
  rm -rf mutants
  .venv/bin/mutmut run >mutants.log 2>&1 || {
    tail -n 40 mutants.log; echo "Error: mutmut run failed (log: mutants.log)" >&2; exit 1; }
  mv mutants.log mutants/run.log
fi
.venv/bin/mutmut results --all true | awk -F': ' '
  NF == 2 {
    n = split($1, part, "."); module = ""
    for (i = 1; i <= n && part[i] !~ /^x/; i++) module = module (module == "" ? "" : ".") part[i]
    gsub(/^ +/, "", module)
    tried[module]++; count[module, $2]++
    if ($2 == "survived") list = list "  " $1 "\n"
  }
  END {
    printf "%-22s %6s %7s %9s %9s %8s %8s\n", "module", "mutants", "killed", "survived", "no tests", "timeout",
           "pending"
    for (m in tried)
      printf "%-22s %6d %7d %9d %9d %8d %8d\n", m, tried[m], count[m, "killed"], count[m, "survived"],
             count[m, "no tests"], count[m, "timeout"], count[m, "not checked"]
    if (list != "") printf "\nsurvived:\n%s", list
  }' | tee mutants/summary.txt
