# Shared by the scripts in this folder: a registry server on a fresh database of either backend,
# SQL against that database, and a few API calls. Source it; it needs bash, curl and jq, and
# sqlite3 or psql for the backend in use.

bin=${BIN:-$PWD/target/debug/retention-registry}
[[ -x $bin ]] || cargo build --quiet
bin=$(realpath "$bin")
export REGISTRY_ADMIN_EMAIL=ops@example.org REGISTRY_ADMIN_PASSWORD=ops-password-for-scripts
export REGISTRY_LOG=${REGISTRY_LOG:-warn}
PASSWORD=a-long-enough-password

# fresh_database BACKEND DIR: sets url (and db_name on PostgreSQL) to a new, empty database.
fresh_database() {
  case $1 in
    sqlite) url="sqlite://$2/registry.db"; db_name= ;;
    postgres)
      db_name="registry_script_$$_$RANDOM"
      psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $db_name"
      url="postgres://postgres@127.0.0.1:5432/$db_name" ;;
    *) echo "backend is sqlite or postgres" >&2; return 2 ;;
  esac
}

drop_database() {
  [[ -n ${db_name:-} ]] && psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" || true
  db_name=
}

# sql QUERY: one value (or rows, |-separated) from the database at $url.
sql() {
  case $url in
    sqlite://*) sqlite3 -cmd '.timeout 10000' "${url#sqlite://}" "$1" ;;
    postgres://*) psql "$url" -qtAX -c "$1" ;;
  esac
}

# start_server DIR: serves $url on a random port from DIR (where it keeps its secret); sets
# server (its pid), api and port.
start_server() {
  # A random port may be taken (by another program, or an outgoing connection's ephemeral port):
  # a server that exits saying so is started again on another.
  local attempt
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    (cd "$1" && REGISTRY_DATABASE_URL=$url REGISTRY_BIND=127.0.0.1:$port exec "$bin" serve >> "$1/server.log" 2>&1) &
    server=$!
    api=http://127.0.0.1:$port/api/v1
    for _ in $(seq 300); do
      curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && return 0
      kill -0 "$server" 2> /dev/null || break
      sleep 0.1
    done
    tail -1 "$1/server.log" | grep -q "Address already in use" || break
  done
  echo "the server did not start:" >&2; tail -20 "$1/server.log" >&2; return 1
}

stop_server() { [[ -n ${server:-} ]] && kill "$server" 2> /dev/null && wait "$server" 2> /dev/null; server=; }

registry() { REGISTRY_DATABASE_URL=$url "$bin" "$@"; }

login() { # EMAIL PASSWORD → token
  curl -sf "$api/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$2\"}" | jq -r .token
}

call() { # METHOD PATH TOKEN [JSON] → body; fails on an error status
  curl -sf -X "$1" "$api$2" -H "authorization: Bearer $3" -H 'content-type: application/json' ${4:+-d "$4"}
}

# world: a program BENCH with libraries IMP and OTH, a coordinator and each library's collection
# manager; sets admin, program, lib_imp, lib_oth, coord, cm_imp, cm_oth (tokens and ids).
world() {
  admin=$(login "$REGISTRY_ADMIN_EMAIL" "$REGISTRY_ADMIN_PASSWORD")
  program=$(call POST /programs "$admin" '{"code":"BENCH","name":"Script program","target_copies":2,"default_retention_end":"2040-06-30"}' | jq -r .id)
  lib_imp=$(call POST /libraries "$admin" '{"name":"Importing library","oclc_symbol":"IMP","marc_org_code":"XxImp"}' | jq -r .id)
  lib_oth=$(call POST /libraries "$admin" '{"name":"Other library","oclc_symbol":"OTH","marc_org_code":"XxOth"}' | jq -r .id)
  call POST "/programs/$program/members" "$admin" "{\"library_id\":\"$lib_imp\"}" > /dev/null
  call POST "/programs/$program/members" "$admin" "{\"library_id\":\"$lib_oth\"}" > /dev/null
  call POST /users "$admin" "{\"email\":\"coord@script.example\",\"name\":\"Coordinator\",\"password\":\"$PASSWORD\",\"role\":\"coordinator\",\"program_ids\":[\"$program\"]}" > /dev/null
  call POST /users "$admin" "{\"email\":\"cm.imp@script.example\",\"name\":\"IMP manager\",\"password\":\"$PASSWORD\",\"role\":\"collection_manager\",\"library_id\":\"$lib_imp\"}" > /dev/null
  call POST /users "$admin" "{\"email\":\"cm.oth@script.example\",\"name\":\"OTH manager\",\"password\":\"$PASSWORD\",\"role\":\"collection_manager\",\"library_id\":\"$lib_oth\"}" > /dev/null
  call POST /users "$admin" "{\"email\":\"auditor@script.example\",\"name\":\"Auditor\",\"password\":\"$PASSWORD\",\"role\":\"auditor\",\"program_ids\":[\"$program\"]}" > /dev/null
  coord=$(login coord@script.example "$PASSWORD")
  cm_imp=$(login cm.imp@script.example "$PASSWORD")
  cm_oth=$(login cm.oth@script.example "$PASSWORD")
  auditor=$(login auditor@script.example "$PASSWORD")
}

# verify: verify-audit (the hash chain, and every commitment replayed to its state) must pass.
verify() {
  registry verify-audit > "$work/verify.out" 2>&1 || { cat "$work/verify.out" >&2; return 1; }
  sed 's/^/    /' "$work/verify.out"
}

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}'; }
