#!/usr/bin/env bash
# The app ($HH_E2E_SERVER, relative to end2end/) with its worker, keeping every file in a fresh
# Garage S3 node and handing videos to the browser as redirects to presigned URLs: the set-up
# of the browser tests' "production" server. Garage stops when the app does.
#   serve-on-garage.sh <dir for the Garage node>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
node=${1:?usage: serve-on-garage.sh <dir for the Garage node>}
app=""
cleanup() {
  if [ -n "$app" ]; then kill -TERM "$app" 2>/dev/null || true; wait "$app" 2>/dev/null || true; fi
  "$here/../scripts/garage-node" stop "$node" || true
}
trap cleanup EXIT
trap 'exit 143' TERM INT
eval "$("$here/../scripts/garage-node" start "$node" | sed 's/^/export /')"
export HH_MEDIA_DELIVERY=redirect
(cd "$here" && exec "${HH_E2E_SERVER:-../target/release/hidden-hill}" serve) &
app=$!
wait "$app"
