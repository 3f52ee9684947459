#!/bin/sh
# An installed fitformer runs from any folder: `cmake --install` of the build's runtime into a
# fresh prefix, then, from an empty folder outside the source tree with a fresh HOME and none
# of the FITFORMER_* variables, the program finds its catalog and its recipes (share/), its
# trainer (bin/), and names its cache under $HOME/.cache.
# The Python module, where the build has one, does the same from its installed folder.
#   installed_runs_anywhere.sh BUILD_DIR PYTHON_INSTALL_DIR
set -eu
build=$1
pydir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" --component runtime >/dev/null
mkdir -p "$tmp/work" "$tmp/home"
cd "$tmp/work"
unset FITFORMER_DATA_DIR FITFORMER_CACHE_DIR FITFORMER_WORKDIR XDG_CACHE_HOME
export HOME="$tmp/home"
bin=$tmp/prefix/bin/fitformer
fail() { echo "installed_runs_anywhere: $*" >&2; exit 1; }

[ -x "$bin" ] || fail "no $bin after cmake --install"
# The catalog, from share/fitformer/catalog.
"$bin" devices list --json | grep -q '"kv260"' || fail "devices list did not read the installed catalog"
"$bin" devices list --help | grep -q "$tmp/prefix/share/fitformer/catalog/devices.toml" ||
  fail "the default catalog is not the installed one"
# The built-in recipes, from share/fitformer/recipes (a family's model shape comes from them).
"$bin" devices predict --family causal-lm --sparsity 0.9 --json >/dev/null ||
  fail "devices predict --family could not read the installed recipes"
# The cache and data defaults follow the installed layout.
"$bin" --help | grep -q "$tmp/home/.cache/fitformer" || fail "the default cache is not \$HOME/.cache/fitformer"
"$bin" --help | grep -q "$tmp/prefix/share/fitformer/data" || fail "the default data folder is not share/fitformer/data"
# The trainer sits next to the program where the build has one.
if [ -x "$build/fitformer-train" ]; then
  [ -x "$tmp/prefix/bin/fitformer-train" ] || fail "fitformer-train was not installed beside fitformer"
fi
# The Python module, installed under the prefix, finds the same installed files.
if ls "$build"/python/fitformer*.so >/dev/null 2>&1; then
  ls "$tmp/prefix/$pydir"/fitformer*.so >/dev/null 2>&1 || fail "the Python module was not installed in $pydir"
  PYTHONPATH="$tmp/prefix/$pydir" python3 - "$tmp/prefix" "$tmp/home" <<'EOF' ||
import sys, fitformer
prefix, home = sys.argv[1], sys.argv[2]
assert fitformer.__file__.startswith(prefix), fitformer.__file__
assert fitformer.DEFAULT_DATA_DIR == prefix + "/share/fitformer/data", fitformer.DEFAULT_DATA_DIR
assert fitformer.DEFAULT_CACHE_DIR == home + "/.cache/fitformer", fitformer.DEFAULT_CACHE_DIR
# The family's shape comes from the installed recipes, the device from the installed catalog.
r = fitformer.predict_latency("kv260", family="causal-lm", sparsity=0.9)
assert r["latency_ms"] > 0, r
EOF
    fail "the installed Python module did not find its files"
fi
# Nothing was written into the current folder.
[ -z "$(ls -A "$tmp/work")" ] || fail "files appeared in the current folder: $(ls -A "$tmp/work")"
echo "installed_runs_anywhere: ok"
