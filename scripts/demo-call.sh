#!/usr/bin/env bash
# For the demo (scripts/demo.sh must be running): after Anna Petrova and
# Sarah Lee have enrolled in two browsers, the CLI negotiators of both
# delegations agree and sign a short call that starts in ten minutes with
# Anna and Sarah on its roster (and Elena Volkova as the Russian–English
# interpreter if she enrolled in a third browser), so that its call is open
# at once. Open the
# meeting in each browser and choose "Go to the call".
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/release/src/app
PORT=${PORT:-8080}
parley() { "$BIN/parley" --config-dir .demo/profiles "$@"; }
start=$(date -u -d '+10 minutes' +%Y-%m-%dT%H:%M:00Z)
# Elena Volkova, if she enrolled in a third browser, interprets Russian–English.
interp=()
if parley --json --profile east members east | grep -q '"Elena Volkova"'; then
  interp=(--roster "Elena Volkova:interpreter" --interpreter "Elena Volkova:ru-en")
fi
id=$(parley --json --profile east create --with west --title "Demo call between the delegations" \
  --start "$start" --duration 45 \
  --roster "Anna Petrova:negotiator" --roster "Sarah Lee:negotiator" "${interp[@]}" \
  --language ru,en --agenda "Check of the video link" \
  --announce-text "The delegations test their video link." --announce-at on_agreement \
  --set 'format="video"' --predecessor none | sed -n 's/^  "id": "\([^"]*\)".*/\1/p')
parley --profile west accept "$id" --all >/dev/null
parley --profile east sign "$id" >/dev/null
parley --profile west sign "$id" >/dev/null
echo "Announced $id, starting $start; its call is open now:"
echo "  http://127.0.0.1:$PORT/call#$id   (in each browser, or from the meeting's page)"
