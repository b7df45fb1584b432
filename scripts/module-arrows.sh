#!/usr/bin/env bash
# The import arrows between the library's top-level modules, and any circle among them.
#
# usage: bash scripts/module-arrows.sh [MODULE ...]
#
# An arrow `a -> b` means some file of module `a` (src/a.rs or src/a/...) names `crate::b`
# outside its test module: in a `use`, a `use crate::{...}` group or a path in the code. Names
# the crate root re-exports count for their module (Seeds -> rng, Scenario -> scenario,
# Simulation and RunOutput -> sim). The binary (src/main.rs, src/cli/) is left out: it sits on
# top of everything.
#
# Prints the arrows among MODULE... (by default the modules of the run lifecycle), the circles
# their arrows to one another make, then every circle of the whole library (strongly connected
# groups). Exits 1 when the arrows among MODULE... make a circle, or when any circle is found
# in the whole library.
set -euo pipefail
cd "${ROOT:-$(dirname "$0")/..}"
if [ $# -gt 0 ]; then
  watched="$*"
else
  watched="sim townmap checkpoint summary run branch compare report sweep calibration calibrate"
fi

# Files that are test modules as a whole (`#[cfg(test)] mod testing;`).
test_only=$(
  find src -name '*.rs' | sort | while read -r f; do
    dir=$(dirname "$f")
    case $(basename "$f") in mod.rs | lib.rs | main.rs) ;; *) dir=${f%.rs} ;; esac
    awk '/^#\[cfg\(test\)\]/ { t = 1; next } t && match($0, /^(pub(\([a-z]+\))? )?mod [a-z_0-9]+;/) {
           line = $0; sub(/;.*/, "", line); n = split(line, w, " "); print w[n] } { t = 0 }' "$f" |
      while read -r m; do echo "$dir/$m.rs"; echo "$dir/$m/mod.rs"; done
  done
)

arrows=$(
  find src -name '*.rs' ! -path 'src/main.rs' ! -path 'src/cli/*' ! -path 'src/lib.rs' | sort |
  while read -r f; do
    if grep -qxF "$f" <<<"$test_only"; then continue; fi
    rel=${f#src/}
    from=${rel%%/*}
    from=${from%.rs}
    awk -v from="$from" '
      BEGIN {
        reexport["Seeds"] = "rng"; reexport["Scenario"] = "scenario";
        reexport["ScenarioError"] = "scenario"; reexport["Simulation"] = "sim";
        reexport["RunOutput"] = "sim";
      }
      function name(id) {
        if (id in reexport) return reexport[id];
        if (id ~ /^[a-z_][a-z0-9_]*$/) return id;
        return "";
      }
      function emit(id,   m) { m = name(id); if (m != "" && m != from) print from " " m }
      # The test module, at the end of a file, is not part of the library.
      pending && /^mod [a-z_]+ *\{/ { exit }
      { pending = ($0 ~ /^#\[cfg\(test\)\]/) }
      {
        line = $0
        sub(/\/\/.*/, "", line)
        if (group) {
          text = text " " line
          if (line ~ /\}/) { group = 0; flush() }
          next
        }
        if (line ~ /crate::\{/) {
          text = substr(line, index(line, "crate::{") + 8)
          if (text ~ /\}/) flush(); else group = 1
          sub(/crate::\{.*/, "", line)
        }
        while (match(line, /crate::[A-Za-z_][A-Za-z0-9_]*/)) {
          emit(substr(line, RSTART + 7, RLENGTH - 7))
          line = substr(line, RSTART + RLENGTH)
        }
      }
      # Top-level names of a `crate::{a::b, C, d::{e, f}}` group.
      function flush(   depth, i, c, word, at_start) {
        depth = 0; word = ""; at_start = 1
        for (i = 1; i <= length(text); i++) {
          c = substr(text, i, 1)
          if (c == "{") depth++
          else if (c == "}") { if (depth == 0) break; depth-- }
          if (depth == 0 && c ~ /[A-Za-z0-9_]/ && at_start) word = word c
          else if (word != "") { emit(word); word = ""; at_start = 0 }
          if (depth == 0 && c == ",") at_start = 1
        }
        if (word != "") emit(word)
      }
    ' "$f"
  done | sort -u
)

echo "Arrows among: $watched"
echo "$arrows" | awk -v watched="$watched" '
  BEGIN { n = split(watched, w, " "); for (i = 1; i <= n; i++) keep[w[i]] = 1 }
  ($1 in keep) && ($2 in keep) { out[$1] = out[$1] (out[$1] == "" ? "" : ", ") $2 }
  END { for (i = 1; i <= n; i++) printf "  %-12s -> %s\n", w[i], (w[i] in out ? out[w[i]] : "(none)") }
'

# Circles: strongly connected groups of two or more modules (transitive closure; the graph is
# small), first among MODULE... alone (their arrows to one another), then in the whole library.
circles() {
  awk '
    { reach[$1, $2] = 1; node[$1] = 1; node[$2] = 1 }
    END {
      for (k in node) for (i in node) if ((i, k) in reach) for (j in node) if ((k, j) in reach) reach[i, j] = 1
      found = 0
      for (i in node) {
        if (i in done) continue
        group = i; size = 1
        for (j in node) if (j != i && ((i, j) in reach) && ((j, i) in reach)) {
          group = group " " j; size++; done[j] = 1
        }
        done[i] = 1
        if (size > 1) { found = 1; print "  circle: " group }
      }
      if (!found) print "  no circles"
      exit found
    }
  '
}
echo "Circles among them:"
status=0
echo "$arrows" | awk -v watched="$watched" '
  BEGIN { n = split(watched, w, " "); for (i = 1; i <= n; i++) keep[w[i]] = 1 }
  ($1 in keep) && ($2 in keep)
' | circles || status=1
echo "Circles in the whole library (through any module):"
echo "$arrows" | circles || status=1
exit $status
