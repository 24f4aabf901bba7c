#!/bin/bash
# Trackio's real Python client logs 24,000 rows over 12 s to dist/trackio; 1.5 s after it starts logging the
# server is stopped, 9 s later it is started again on the same port and data directory. Prints rows logged vs
# stored and the media files stored. Needs TRACKIO_MIRROR (see /work/shared/upstream/README.md).
#   bench/real-client/outage.sh            (UPSTREAM=1 runs Trackio's own server instead, for comparison)
set -u
: "${TRACKIO_MIRROR:?set TRACKIO_MIRROR to the git directory of gradio-app/trackio}"
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$HERE/../../dist/trackio
UP=${UPSTREAM_DIR:-/work/shared/upstream}
DIR=$(mktemp -d /tmp/trackio-outage-XXXX)
PORT=${PORT:-7881}
trap 'kill $(cat $DIR.pid) 2>/dev/null' EXIT
if [ "${UPSTREAM:-}" = 1 ]; then
  start() { python3 $UP/serve.py --dir $DIR --port $PORT --write-token T >> $DIR.server.log 2>&1 & echo $! > $DIR.pid; }
else
  start() { TRACKIO_DIR=$DIR TRACKIO_WRITE_TOKEN=T $BIN show --port $PORT >> $DIR.server.log 2>&1 & echo $! > $DIR.pid; }
fi
waitup() { for i in $(seq 200); do curl -sf http://127.0.0.1:$PORT/version >/dev/null && return; sleep 0.1; done; echo "server did not start"; exit 1; }
start; waitup
STARTED_FILE=$DIR.started UPSTREAM=$UP python3 $HERE/outage_client.py "http://127.0.0.1:$PORT/?write_token=T" 24000 12 > $DIR.client.json 2>$DIR.client.err &
CLIENT=$!
while [ ! -f $DIR.started ]; do kill -0 $CLIENT 2>/dev/null || { echo "client failed:"; tail -5 $DIR.client.err; exit 1; }; sleep 0.05; done
sleep 1.5; kill $(cat $DIR.pid); echo "server stopped"
sleep 9; start; waitup; echo "server started again"
wait $CLIENT
echo "client: $(grep '^{' $DIR.client.json)"
curl -s -X POST http://127.0.0.1:$PORT/api/get_run_summary -d '{"project":"outage","run":"r1"}' | python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]; print("stored rows:", d["num_logs"], "config:", d["config"])'
echo "media files stored: $(find $DIR/media -type f | wc -l)"
