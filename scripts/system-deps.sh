#!/bin/sh
# Install the Debian packages the test suite drives, when missing and when we may:
# chromium (the editor's tests), poppler-utils (pdftotext), nodejs, postgresql, and
# pdflatex with TikZ (the TikZ export compiles in its test), and graphviz (`dot`, the anchor
# that benchmarks/bench_render.py measures against), and wrk (the load in bench_load.py).
set -u
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v pdflatex >/dev/null 2>&1 || missing="$missing texlive-latex-base texlive-pictures"
command -v dot >/dev/null 2>&1 || missing="$missing graphviz"
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
if ! command -v pg_ctl >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    missing="$missing postgresql"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: not root or no apt-get; missing:$missing (their tests will skip)"
    exit 0
fi
echo "system-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null
