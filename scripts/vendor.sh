#!/usr/bin/env bash
# Refresh the vendored front-end libraries from the npm registry at the versions pinned in package.json.
# The copies (with their licences) are committed; run this only to upgrade.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/src/smarthall/web/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pins=$(python3 -c "import json;j=json.load(open('$root/package.json'));d={**j['dependencies'],**j.get('devDependencies',{})};print(' '.join(f'{k}@{v}' for k,v in d.items()))")
for pin in $pins; do
  npm pack --silent "$pin" >/dev/null
done
for tgz in *.tgz; do
  name=${tgz%-*.tgz}
  mkdir -p "x/$name" && tar -xzf "$tgz" -C "x/$name"
done
mkdir -p "$dest/htmx" "$dest/htmx-ext-sse"
cp x/htmx.org/package/dist/htmx.min.js x/htmx.org/package/LICENSE "$dest/htmx/"
cp x/htmx-ext-sse/package/dist/sse.min.js "$dest/htmx-ext-sse/" 2>/dev/null || cp x/htmx-ext-sse/package/sse.js "$dest/htmx-ext-sse/sse.min.js"
cp x/htmx-ext-sse/package/LICENSE "$dest/htmx-ext-sse/" 2>/dev/null || true
mkdir -p "$dest/echarts"
cp x/echarts/package/dist/echarts.min.js x/echarts/package/LICENSE "$dest/echarts/"
cp x/echarts/package/NOTICE "$dest/echarts/" 2>/dev/null || true
mkdir -p "$dest/swagger-ui"
cp x/swagger-ui-dist/package/{swagger-ui-bundle.js,swagger-ui.css,LICENSE,NOTICE,favicon-32x32.png} "$dest/swagger-ui/"
mkdir -p "$root/tests/e2e/vendor/axe-core"  # for the browser tests only, never served
cp x/axe-core/package/{axe.min.js,LICENSE} "$root/tests/e2e/vendor/axe-core/"
echo "vendored: $pins"
