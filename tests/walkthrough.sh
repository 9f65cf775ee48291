#!/usr/bin/env bash
# Walks one title through a commitment's whole life against a running registry:
#   propose → accept → request_release → deny_release → transfer → renew → expire
# and prints its history. Needs curl and python3.
#
#   BASE=http://127.0.0.1:8080 ADMIN_EMAIL=admin@localhost ADMIN_PASSWORD=… bash tests/walkthrough.sh
set -euo pipefail
BASE=${BASE:-http://127.0.0.1:8080}
ADMIN_EMAIL=${ADMIN_EMAIL:-admin@localhost}
: "${ADMIN_PASSWORD:?set ADMIN_PASSWORD to the password of the first admin}"
RUN=$(date +%s | tail -c 5)                     # keeps codes and e-mails unique per run
PASSWORD="walkthrough-password-$RUN"

json() { python3 -c "import json,sys; v=json.load(sys.stdin); print(eval(sys.argv[1], {}, {'v': v}))" "$1"; }
call() { # METHOD PATH TOKEN [BODY]: prints the response body, fails on an HTTP error
  local out status
  out=$(mktemp)
  status=$(curl -s -o "$out" -w '%{http_code}' -X "$1" "$BASE$2" -H "Authorization: Bearer $3" \
           -H 'content-type: application/json' ${4:+-d "$4"})
  if [ "$status" -ge 400 ]; then echo "$1 $2 → $status: $(cat "$out")" >&2; rm -f "$out"; exit 1; fi
  cat "$out"; rm -f "$out"
}
login() { curl -s "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
            -d "{\"email\":\"$1\",\"password\":\"$2\"}" | json 'v["token"]'; }
step() { printf '\n== %s\n' "$*"; }

ADMIN=$(login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
step "admin sets up program WALK$RUN with two member libraries and two users"
PROGRAM=$(call POST /api/v1/programs "$ADMIN" "{\"code\":\"WALK$RUN\",\"name\":\"Walkthrough program\",\"uri\":\"https://example.org/walk\",\"default_retention_end\":\"2031-06-30\"}" | json 'v["id"]')
LIB_A=$(call POST /api/v1/libraries "$ADMIN" "{\"name\":\"Library A\",\"oclc_symbol\":\"A$RUN\",\"marc_org_code\":\"WkA$RUN\"}" | json 'v["id"]')
LIB_B=$(call POST /api/v1/libraries "$ADMIN" "{\"name\":\"Library B\",\"oclc_symbol\":\"B$RUN\",\"marc_org_code\":\"WkB$RUN\"}" | json 'v["id"]')
call POST "/api/v1/programs/$PROGRAM/members" "$ADMIN" "{\"library_id\":\"$LIB_A\"}" >/dev/null
call POST "/api/v1/programs/$PROGRAM/members" "$ADMIN" "{\"library_id\":\"$LIB_B\"}" >/dev/null
call POST /api/v1/users "$ADMIN" "{\"email\":\"coord$RUN@example.org\",\"name\":\"Coordinator\",\"password\":\"$PASSWORD\",\"role\":\"coordinator\",\"program_ids\":[\"$PROGRAM\"]}" >/dev/null
call POST /api/v1/users "$ADMIN" "{\"email\":\"cm$RUN@example.org\",\"name\":\"Collection manager\",\"password\":\"$PASSWORD\",\"role\":\"collection_manager\",\"library_id\":\"$LIB_A\"}" >/dev/null
COORD=$(login "coord$RUN@example.org" "$PASSWORD")
CM=$(login "cm$RUN@example.org" "$PASSWORD")

show() { json '"%s  status=%s version=%s library=%s retention_end=%s" % (v["id"], v["status"], v["version"], v["oclc_symbol"], v["retention_end"])'; }

step "the collection manager proposes OCLC (OCoLC)ocm00012345 for library A"
C=$(call POST /api/v1/commitments "$CM" "{\"program_id\":\"$PROGRAM\",\"library_id\":\"$LIB_A\",\"oclc_number\":\"(OCoLC)ocm00012345\",\"title\":\"Middlemarch\",\"format\":\"monograph\"}")
ID=$(echo "$C" | json 'v["id"]'); echo "$C" | show
step "the coordinator accepts";               call POST "/api/v1/commitments/$ID/accept" "$COORD" '{"version":1}' | show
step "the library asks to be released";       call POST "/api/v1/commitments/$ID/request_release" "$CM" '{"version":2,"reason":"space"}' | show
step "the coordinator denies the release";    call POST "/api/v1/commitments/$ID/deny_release" "$COORD" '{"version":3,"reason":"scarcely held"}' | show
step "the coordinator transfers it to library B"
T=$(call POST "/api/v1/commitments/$ID/transfer" "$COORD" "{\"version\":4,\"to_library_id\":\"$LIB_B\"}")
echo "$T" | show; NEW=$(echo "$T" | json 'v["replaced_by"]')
call GET "/api/v1/commitments/$NEW" "$COORD" | show
step "the coordinator renews library B's commitment to 2036-06-30"
call POST "/api/v1/commitments/$NEW/renew" "$COORD" '{"version":1,"retention_end":"2036-06-30"}' | show
step "the program's expiry runs as of 2036-07-01"
call POST "/api/v1/programs/$PROGRAM/expire" "$COORD" '{"as_of":"2036-07-01"}' | json '"expired: %s" % v["expired"]'
call GET "/api/v1/commitments/$NEW" "$COORD" | show
step "history"
for c in "$ID" "$NEW"; do
  call GET "/api/v1/commitments/$c/events" "$COORD" \
    | json '"\n".join("%3s %-16s %-17s → %-17s by %s" % (e["seq"], e["action"], e["from_status"] or "-", e["to_status"], e["actor_role"]) for e in v["items"])'
done
