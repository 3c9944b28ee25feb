#!/usr/bin/env bash
# Starts parleyd with demo data that mirrors the situation Parley was built
# for: two delegations preparing a video call between their leaders. The
# negotiators' preparatory call is agreed and announced; the leaders' call is
# under negotiation, built on it, and waits on the eastern side. All state
# lives in .demo/ (delete it to start over). Ctrl-C stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/release/src/app
PORT=${PORT:-8080}
URL=http://127.0.0.1:$PORT
DEMO=.demo
DATA=$DEMO/data
PROFILES=$DEMO/profiles
mkdir -p "$DEMO"

"$BIN/parleyd" --data-dir "$DATA" --port "$PORT" 2>"$DEMO/parleyd.log" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT INT TERM
for _ in $(seq 100); do
  grep -q event=listening "$DEMO/parleyd.log" && break
  kill -0 $PID 2>/dev/null || { cat "$DEMO/parleyd.log"; exit 1; }
  sleep 0.1
done

parley() { "$BIN/parley" --config-dir "$PROFILES" "$@"; }
member() { sed -n 's/.*"member": *"\([^"]*\)".*/\1/p' "$PROFILES/$1/profile.json"; }
admin() { "$BIN/parley" admin --server "$URL" --data-dir "$DATA" "$@"; }
at() { date -u -d "$1" +%Y-%m-%dT%H:00:00Z; }

if [ ! -f "$DEMO/meeting" ]; then
  echo "Setting up the demo..."
  admin create-party --id east --name "Eastern Delegation" --time-zone Europe/Moscow
  admin create-party --id west --name "Western Delegation" --time-zone America/New_York
  enroll() {  # profile party name roles...
    local profile=$1 party=$2 name=$3; shift 3
    local roles=()
    for r in "$@"; do roles+=(--role "$r"); done
    code=$(admin invite --party "$party" --name "$name" "${roles[@]}" 2>/dev/null)
    parley --profile "$profile" enroll --server "$URL" --code "$code" >/dev/null
    echo "  enrolled $name ($party: $*) as profile $profile"
  }
  enroll east    east "Irina Sokolova"  negotiator aide
  enroll east-2  east "Mikhail Orlov"   leader
  enroll east-3  east "Olga Ivanova"    interpreter
  enroll west    west "James Carter"    negotiator aide
  enroll west-2  west "Helen Brooks"    leader
  enroll west-3  west "Daniel Moore"    interpreter

  # 1. The negotiators' preparatory call: agreed and announced.
  prep=mtg_preparatory_call_01
  parley --profile west create --id $prep --with east --title "Preparatory call of the negotiators" \
    --start "$(at '+2 days 14:00')" --duration 60 \
    --roster "James Carter:negotiator" --roster "Irina Sokolova:negotiator" \
    --roster "Daniel Moore:interpreter" --language en,ru --interpreter "Daniel Moore:en-ru" \
    --agenda "Date and format of the leaders' call" --agenda "Topics for the leaders" \
    --announce-text "The negotiators of both delegations will confer by video." \
    --announce-at on_agreement --set 'format="video"' --predecessor none >/dev/null
  parley --profile east accept $prep --all >/dev/null
  parley --profile west sign $prep >/dev/null
  parley --profile east sign $prep >/dev/null
  # Its record: a session with a minute, a statement, an assurance given by
  # the west and acknowledged by the east; both cosign after the close, and
  # each side publishes its readout (docs/record.md).
  parley --profile east record open $prep --present "$(member east)" --present "$(member west)" >/dev/null
  parley --profile east record minute $prep --item 1 --text "The leaders' call to be held by video, two hours, with interpretation." >/dev/null
  parley --profile west record statement $prep --item 2 --text "We propose to begin with arms control." >/dev/null
  assurance=$(parley --profile west record assure $prep --item 1 --scope "Preparation of the leaders' call" \
    --text "The western delegation will send its draft agenda for the leaders' call within three days." \
    --until "$(at '+10 days 00:00')" | sed -n 's/^Entry //p')
  parley --profile east record acknowledge $prep "$assurance" >/dev/null
  parley --profile east record close $prep --present "$(member east)" --present "$(member west)" >/dev/null
  parley --profile east record cosign $prep >/dev/null 2>&1
  parley --profile west record cosign $prep >/dev/null 2>&1
  parley --profile east record readout $prep --text "The negotiators agreed the format of the leaders' call." >/dev/null
  parley --profile west record readout $prep --text "A constructive preparatory call; the agenda follows." >/dev/null
  # Cosigned again, so that the published readouts are proved by a
  # checkpoint both sides signed.
  parley --profile east record cosign $prep >/dev/null 2>&1
  parley --profile west record cosign $prep >/dev/null 2>&1

  # 2. The leaders' call: under negotiation.
  main=mtg_leaders_video_call_01
  parley --profile east create --id $main --with west --title "Video call between the leaders" \
    --start "$(at '+5 days 15:00')" --duration 120 \
    --roster "Irina Sokolova:aide" --roster "Mikhail Orlov:leader" --roster "Olga Ivanova:interpreter" \
    --roster "James Carter:aide" --roster "Helen Brooks:leader" --roster "Daniel Moore:interpreter" \
    --language ru,en --interpreter "Olga Ivanova:ru-en" --interpreter "Daniel Moore:en-ru" \
    --agenda "Security guarantees in Europe" --agenda "Arms control" --agenda "Next steps" \
    --announce-text "The leaders will hold a video call to discuss European security." \
    --announce-at on_agreement --set 'format="video"' --predecessor $prep >/dev/null
  # The western side wants a different hour and a different agenda order.
  parley --profile west propose $main --start "$(at '+5 days 17:00')" >/dev/null
  parley --profile west propose $main --agenda "Arms control" --agenda "Security guarantees in Europe" --agenda "Next steps" >/dev/null
  parley --profile west accept $main title format duration_minutes roster languages announcement predecessor >/dev/null
  echo "$main" > "$DEMO/meeting"
fi
main=$(cat "$DEMO/meeting")

# Fresh one-time codes at every start for two negotiators who use the browser.
# Each browser profile holds one identity: use two browsers, or one normal and
# one private window, one per delegation.
code_east=$(admin invite --party east --name "Anna Petrova" --role negotiator --expires-hours 24 2>/dev/null)
code_west=$(admin invite --party west --name "Sarah Lee" --role negotiator --expires-hours 24 2>/dev/null)
# And an interpreter for the demo call's Russian–English booth (a third window).
code_interp=$(admin invite --party east --name "Elena Volkova" --role interpreter --expires-hours 24 2>/dev/null)

cat <<MSG

parleyd is running at $URL (data in $DATA, log in $DEMO/parleyd.log).

The leaders' call is under negotiation; the west counter-proposed the start and the
agenda, and now it waits on the east.

In the browser (two windows that do not share storage, e.g. a normal and a private one):
  $URL/app            enroll, one window per delegation:
      Eastern Delegation, Anna Petrova (negotiator):  $code_east
      Western Delegation, Sarah Lee (negotiator):     $code_west
      Eastern Delegation, Elena Volkova (interpreter), optional, a third window: $code_interp
                        then open "Video call between the leaders", accept, counter-propose,
                        sign; changes appear in the other window as they happen
                        after both have enrolled: scripts/demo-call.sh agrees a call that starts in
                        ten minutes with both on the roster (and Elena, if she enrolled, as its
                        Russian–English interpreter); then "Go to the call" in each window: choose
                        what you hear under "Interpretation", and interpret from Elena's window
  $URL/announcements  the public page (the preparatory call is announced, with both readouts to verify)
  $URL/verify         drop an exported log to check its signatures

In another terminal, the CLI:

  alias parley='$PWD/$BIN/parley --config-dir $PWD/$PROFILES'
  parley --profile east meetings                 # what waits on whom
  parley --profile east show $main               # every parameter, both time zones
  parley --profile east accept $main --all       # east accepts the counter-proposals
  parley --profile east sign $main               # shows and signs the terms hash
  parley --profile west sign $main               # both signed: announced
  curl $URL/public/announcements                 # the public side
  curl $URL/public/announcements.atom
  curl $URL/public/meetings/$main.ics
  parley --profile west export $main -o log.json && parley verify log.json
  parley --profile east record show mtg_preparatory_call_01     # its record: an assurance given, acknowledged, FINAL
  parley --profile east record export mtg_preparatory_call_01 -o record.json
  parley --profile east record pin mtg_preparatory_call_01 -o trust.json
  parley verify record.json --trust trust.json                 # offline; also on $URL/verify

Before both sign, nothing about the leaders' call is public: try the curl lines first.
Metrics: $URL/metrics. Stop with Ctrl-C.
MSG
wait $PID
