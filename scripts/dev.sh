#!/usr/bin/env bash
# Run the service locally on embedded defaults, with a sample book ready to chat.
#   scripts/dev.sh           # set up, run, print curl commands; Ctrl-C stops everything
#   scripts/dev.sh --smoke   # the whole flow once, no waiting; exit 0 only if every step worked
#
# What it starts (and stops on exit, nothing else): a private redis-server when
# REDIS_URL is unset and none answers on 127.0.0.1:6379 (with --smoke: whenever
# REDIS_URL is unset); `python3 -m http.server` serving falsafa/samples/ as the
# stand-in for Supabase storage; `falsafa serve` (api + worker) on the embedded
# SQLite store. The offline responder answers unless OPENAI_API_KEY is set.
# FALSAFA_BIND (default 127.0.0.1:8000) moves to a free port when taken.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

usage() { sed -n '2,4s/^# \{0,1\}//p' "$0"; }
smoke=0
case "${1:-}" in
  "") ;;
  --smoke) smoke=1 ;;
  -h | --help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

say() { printf 'dev.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

pids=()    # what this script started, stopped in reverse order on exit
tmp=""
serve_log=""
# shellcheck disable=SC2329  # run by the EXIT trap
cleanup() {
  local status=$? i pid waited
  trap - INT TERM EXIT
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    kill -TERM "$pid" 2>/dev/null || continue
    # falsafa drains within FALSAFA_GRACEFUL_TIMEOUT; past it (+ 5 s), kill.
    for ((waited = 0; waited < ${stop_grace:-10} * 10; waited++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if ((status != 0 && status != 130 && status != 143)) && [[ -n $serve_log && -s $serve_log ]]; then
    say "last lines of the service log ($serve_log):"
    tail -n 20 "$serve_log" >&2 || true
  fi
  [[ -n $tmp ]] && rm -rf "$tmp"
  ((${#pids[@]})) && say "stopped everything it started"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tmp=$(mktemp -d "${TMPDIR:-/tmp}/falsafa-dev.XXXXXX")

# -- 1. the virtualenv and the package ----------------------------------------
say "setting up .venv (scripts/setup.sh --service)"
scripts/setup.sh --service >"$tmp/setup.log" 2>&1 || {
  cat "$tmp/setup.log" >&2
  die "scripts/setup.sh --service failed"
}
py=$root/.venv/bin/python
falsafa=$root/.venv/bin/falsafa

need() {  # need COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing $2 from Debian packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
  else
    die "$1 is missing: install it (sudo apt-get install $2) and re-run"
  fi
}
need curl curl

free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_taken() {  # port_taken HOST PORT: is something listening there already?
  "$py" - "$1" "$2" <<'EOF'
import socket, sys
host, port = sys.argv[1].strip("[]"), int(sys.argv[2])
family = socket.AF_INET6 if ":" in host else socket.AF_INET
with socket.socket(family) as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((host, port))
    except OSError:
        sys.exit(0)
sys.exit(1)
EOF
}
redis_answers() {
  "$py" -c 'import redis, sys; redis.Redis.from_url(sys.argv[1], socket_timeout=1, socket_connect_timeout=1).ping()' "$1" 2>/dev/null
}
wait_until() {  # wait_until SECONDS PID WHAT COMMAND...: poll COMMAND while PID lives
  local limit=$1 pid=$2 what=$3
  local deadline=$((SECONDS + limit))
  shift 3
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || die "$what exited during start-up"
    ((SECONDS < deadline)) || die "$what did not answer within $limit s"
    sleep 0.1
  done
}
json_field() { "$py" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# -- 2. Redis ------------------------------------------------------------------
if [[ -n ${REDIS_URL:-} ]]; then
  redis_answers "$REDIS_URL" || die "REDIS_URL=$REDIS_URL does not answer"
  say "using Redis at $REDIS_URL (from REDIS_URL)"
elif ((!smoke)) && redis_answers redis://127.0.0.1:6379/0; then
  # (--smoke never shares it: another worker on it could take the smoke's job)
  export REDIS_URL=redis://127.0.0.1:6379/0
  say "using the Redis that answers on 127.0.0.1:6379"
else
  need redis-server redis-server
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$tmp" --save "" \
    --appendonly no --protected-mode yes --daemonize no >"$tmp/redis.log" 2>&1 &
  pids+=($!)
  export REDIS_URL=redis://127.0.0.1:$redis_port/0
  wait_until 10 "$!" redis-server redis_answers "$REDIS_URL"
  say "started a private redis-server on 127.0.0.1:$redis_port (pid $!)"
fi

# -- 3. the stand-in for Supabase storage --------------------------------------
storage_port=$(free_port)
storage=http://127.0.0.1:$storage_port
"$py" -m http.server --bind 127.0.0.1 --directory "$root/falsafa/samples" "$storage_port" \
  >"$tmp/storage.log" 2>&1 &
pids+=($!)
wait_until 10 "$!" "the storage server" curl -fsS -o /dev/null "$storage/a_christmas_carol.txt"
say "serving falsafa/samples/ at $storage (stand-in for Supabase storage)"

# -- 4. the service ------------------------------------------------------------
bind=${FALSAFA_BIND:-127.0.0.1:8000}
host=${bind%:*}
port=${bind##*:}
if port_taken "$host" "$port"; then
  port=$(free_port)
  say "$bind is taken; using $host:$port instead"
fi
[[ $host == 0.0.0.0 || $host == "[::]" || $host == :: ]] && url_host=127.0.0.1 || url_host=$host
base=http://$url_host:$port

export FALSAFA_BIND=$host:$port FALSAFA_STORE=sqlite FALSAFA_ROLES=api,worker
export FALSAFA_STORAGE_ORIGINS=$storage
export FALSAFA_GRACEFUL_TIMEOUT=${FALSAFA_GRACEFUL_TIMEOUT:-5}
stop_grace=$(("${FALSAFA_GRACEFUL_TIMEOUT%.*}" + 5))
if ((smoke)); then
  export FALSAFA_SQLITE_PATH=$tmp/falsafa.sqlite3
  serve_log=$tmp/serve.log
else
  mkdir -p var
  FALSAFA_SQLITE_PATH=$(realpath -m "${FALSAFA_SQLITE_PATH:-var/falsafa.sqlite3}")
  export FALSAFA_SQLITE_PATH
  serve_log=$root/var/dev-serve.log
fi
if [[ -n ${OPENAI_API_KEY:-} ]]; then responder="the LLM (${OPENAI_MODEL:-gpt-4o-mini})"; else
  responder="the offline responder (set OPENAI_API_KEY for a real LLM)"; fi
secret=()
[[ -n ${FALSAFA_API_SECRET:-} ]] && secret=(-H "X-Falsafa-Secret: $FALSAFA_API_SECRET")

"$falsafa" serve >"$serve_log" 2>&1 &
serve_pid=$!
pids+=("$serve_pid")
wait_until 60 "$serve_pid" "falsafa serve" curl -fsS -o /dev/null "$base/health"
say "falsafa serve is up at $base (pid $serve_pid, store $FALSAFA_SQLITE_PATH, replies from $responder)"

# -- 5. a sample book, processed ---------------------------------------------
created=$("$falsafa" dev create-book --title "A Christmas Carol") || die "falsafa dev create-book failed"
book_id=$(json_field "$created" book_id)
user_id=$(json_field "$created" user_id)
body=$(printf '{"book_id": "%s", "user_id": "%s", "file_url": "%s/a_christmas_carol.txt"}' \
  "$book_id" "$user_id" "$storage")
code=$(curl -sS -o "$tmp/processing.json" -w '%{http_code}' "${secret[@]}" \
  -H 'Content-Type: application/json' -d "$body" "$base/character/processing") || code=000
[[ $code == 202 ]] || die "POST /character/processing answered $code: $(cat "$tmp/processing.json" 2>/dev/null)"
say "book $book_id accepted: $(cat "$tmp/processing.json")"
"$falsafa" dev wait --book-id "$book_id" --timeout 120 >/dev/null || die "the book was not processed"
"$falsafa" dev characters --book-id "$book_id" >"$tmp/characters.txt"
say "book processed; top characters:"
head -n 5 "$tmp/characters.txt" | sed 's/^/    /' >&2

# -- 6. a chat session with the main character ---------------------------------
session=$("$falsafa" dev create-session --book-id "$book_id" --user-id "$user_id" --rank 0) ||
  die "falsafa dev create-session failed"
session_id=$(json_field "$session" session_id)
character_id=$(json_field "$session" character_id)
character=$(json_field "$session" character_name)
say "chat session $session_id with $character"

chat_body() {  # chat_body MESSAGE
  printf '{"user_id": "%s", "book_id": "%s", "character_id": "%s", "session_id": "%s", "user_message": "%s"}' \
    "$user_id" "$book_id" "$character_id" "$session_id" "$1"
}
secret_flag=""
[[ -n ${FALSAFA_API_SECRET:-} ]] && secret_flag=" -H \"X-Falsafa-Secret: \$FALSAFA_API_SECRET\""

if ((smoke)); then
  curl -sS -N --max-time 120 -o "$tmp/chat.sse" "${secret[@]}" -H 'Content-Type: application/json' \
    -d "$(chat_body "Who are you, and what do you think of Christmas?")" "$base/character/chat" ||
    die "POST /character/chat failed"
  cat "$tmp/chat.sse"
  reply=$("$py" - "$tmp/chat.sse" <<'EOF'
import json, sys
events = [json.loads(line[5:]) for line in open(sys.argv[1], encoding="utf-8") if line.startswith("data:")]
tokens = "".join(e.get("token", "") for e in events)
last = events[-1] if events else {}
if last.get("done") is not True or not last.get("full_response"):
    sys.exit(f"the stream did not end with a done event: {last}")
if last["full_response"] != tokens:
    sys.exit("the tokens do not add up to full_response")
print(last["full_response"])
EOF
  ) || die "bad SSE stream"
  printf '\n%s says: %s\n' "$character" "$reply"
  say "smoke test passed in ${SECONDS} s"
  exit 0
fi

cat <<EOF

Falsafa is running at $base with "A Christmas Carol" processed.
Talk with $character (a reply streams token by token):

  curl -N$secret_flag -H 'Content-Type: application/json' \\
    -d '$(chat_body "Who are you, and what do you think of Christmas?")' \\
    $base/character/chat

Talk with someone else: create a session, then put its session_id and
character_id in the body above (the frontend does this in production):

  export FALSAFA_STORE=sqlite FALSAFA_SQLITE_PATH=$FALSAFA_SQLITE_PATH
  $falsafa dev characters --book-id $book_id
  $falsafa dev create-session --book-id $book_id --user-id $user_id --rank 1  # or --character NAME

Operations:

  curl $base/health
  curl -s $base/metrics | grep '^falsafa_'

Service log: $serve_log
Press Ctrl-C to stop everything this script started.
EOF
wait "$serve_pid" || die "falsafa serve exited with status $?"
die "falsafa serve exited"
