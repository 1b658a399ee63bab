#!/usr/bin/env bash
# Sums vitest's per-package "Tests  N passed" / "N failed" lines of a test log into one plain closing line.
sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '
  /Tests[[:space:]]+[0-9]/ {
    for (i = 1; i <= NF; i++) {
      if ($(i+1) ~ /^passed/) passed += $i
      if ($(i+1) ~ /^failed/) failed += $i
    }
  }
  END { printf "%d passed, %d failed\n", passed, failed }'
