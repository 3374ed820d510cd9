#!/usr/bin/env bash
# Install the Tryton web client (sao) into <repo>/.sao/package.
#
# Idempotent: does nothing when .sao/package/index.html exists and
# .sao/package/package.json is version $SAO_VERSION.
# The web root for trytond's [web] root is then <repo>/.sao/package
# (give trytond an absolute path: it resolves a relative one against the
# server's working directory, not against the config file).
#
# Usage: scripts/install_sao.sh            (from anywhere)
#        SAO_VERSION=8.0.11 scripts/install_sao.sh
set -euo pipefail

SAO_VERSION="${SAO_VERSION:-8.0.11}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SAO_DIR="${SAO_DIR:-$REPO/.sao}"
WEB_ROOT="$SAO_DIR/package"

installed_version() {
    [ -f "$WEB_ROOT/package.json" ] || return 0
    sed -n 's/^[[:space:]]*"version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' \
        "$WEB_ROOT/package.json" | head -n 1
}

# The project's overlay, applied on every run (cheap, idempotent):
# - scripts/sao/zh_CN.json completes sao's own zh_CN catalogue (gaps users
#   see on every screen); entries are merged into locale/zh_CN.json, the
#   catalogue sao loads, so sao itself is never edited by hand;
# - custom.js / custom.css, which sao's index.html requests from its root,
#   show the product's name instead of "Tryton".
apply_overlay() {
    local catalog="$WEB_ROOT/locale/zh_CN.json"
    [ -f "$catalog.orig" ] || cp "$catalog" "$catalog.orig"
    node -e '
        const fs = require("fs");
        const [orig, override, out] = process.argv.slice(1);
        const catalog = JSON.parse(fs.readFileSync(orig, "utf8"));
        const extra = JSON.parse(fs.readFileSync(override, "utf8"));
        for (const [msgid, msgstr] of Object.entries(extra)) {
            catalog[msgid] = [null, msgstr];
        }
        fs.writeFileSync(out, JSON.stringify(catalog));
        ' "$catalog.orig" "$REPO/scripts/sao/zh_CN.json" "$catalog"
    cp "$REPO/scripts/sao/custom.js" "$REPO/scripts/sao/custom.css" "$WEB_ROOT/"
    touch "$WEB_ROOT/index.html"   # make: the overlay is up to date
}

if [ -f "$WEB_ROOT/index.html" ] \
        && [ "$(installed_version)" = "$SAO_VERSION" ] \
        && [ -d "$WEB_ROOT/node_modules" ]; then
    apply_overlay
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "install_sao.sh: error: npm not found; install Node.js and npm" \
        "(Debian: apt-get install -y nodejs npm)" >&2
    exit 1
fi

echo "install_sao.sh: installing tryton-sao@$SAO_VERSION into $WEB_ROOT"
mkdir -p "$SAO_DIR"
tmp="$(mktemp -d "$SAO_DIR/.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

log="$tmp/npm.log"
run_npm() {
    if ! "$@" >"$log" 2>&1; then
        echo "install_sao.sh: error: '$*' failed:" >&2
        tail -n 30 "$log" >&2
        exit 1
    fi
}

(cd "$tmp" && run_npm npm pack --silent "tryton-sao@$SAO_VERSION")
tarball="$(ls "$tmp"/tryton-sao-*.tgz 2>/dev/null | head -n 1)"
if [ -z "$tarball" ]; then
    echo "install_sao.sh: error: npm pack produced no tarball" >&2
    exit 1
fi
tar -xzf "$tarball" -C "$tmp"   # unpacks to $tmp/package

# sao's index.html loads its third-party scripts from node_modules/
# (jquery, bootstrap, moment, d3, c3, ...): install the runtime dependencies.
(cd "$tmp/package" && run_npm npm install --omit=dev --legacy-peer-deps \
    --no-audit --no-fund --loglevel=error)

if [ ! -f "$tmp/package/index.html" ] || [ ! -f "$tmp/package/dist/tryton-sao.js" ]; then
    echo "install_sao.sh: error: unpacked sao has no index.html or dist/tryton-sao.js" >&2
    exit 1
fi

rm -rf "$WEB_ROOT"
mv "$tmp/package" "$WEB_ROOT"
apply_overlay
echo "install_sao.sh: sao $SAO_VERSION ready in $WEB_ROOT"
