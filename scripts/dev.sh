#!/usr/bin/env bash
# Run the service locally on embedded defaults, with a book processed and ready to chat.
#   scripts/dev.sh                # the sample book: its cast and chat commands; Ctrl-C stops all
#   scripts/dev.sh FILE           # the same with your own .txt or .md book (falsafa add FILE)
#   scripts/dev.sh --smoke [FILE] # the whole flow once, no waiting; exit 0 only if every step worked
#
# What it starts (and stops on exit, nothing else): a private redis-server when
# REDIS_URL is unset and none answers on 127.0.0.1:6379 (with --smoke: whenever
# REDIS_URL is unset); `python3 -m http.server` serving var/dev-storage/ as the
# stand-in for Supabase storage; `falsafa serve` (api + worker) on the embedded
# SQLite store. The offline responder answers unless OPENAI_API_KEY is set.
# FALSAFA_BIND (default 127.0.0.1:8000) moves to a free port when taken. Every
# Redis key is under FALSAFA_REDIS_PREFIX, derived from the store's path unless
# set: another checkout's dev.sh on the same Redis never takes this one's jobs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

usage() { sed -n '2,5s/^# \{0,1\}//p' "$0"; }
smoke=0
book_file=""
for arg in "$@"; do
  case "$arg" in
    --smoke) smoke=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; exit 2 ;;
    *)
      [[ -z $book_file ]] || { usage >&2; exit 2; }
      book_file=$arg
      ;;
  esac
done
if [[ -n $book_file ]]; then
  [[ -f $book_file ]] || { printf 'dev.sh: error: %s is not a file\n' "$book_file" >&2; exit 2; }
  book_file=$(realpath "$book_file")
fi

say() { printf 'dev.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

pids=()    # what this script started, stopped in reverse order on exit
tmp=""
serve_log=""
stack_file=""
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
  [[ -n $stack_file ]] && rm -f "$stack_file"
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
    kill -0 "$pid" 2>/dev/null || return 1
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
  wait_until 10 "$!" redis-server redis_answers "$REDIS_URL" ||
    die "redis-server exited during start-up"
  say "started a private redis-server on 127.0.0.1:$redis_port (pid $!)"
fi

# -- 3. the store, and the stand-in for Supabase storage -----------------------
if ((smoke)); then
  export FALSAFA_SQLITE_PATH=$tmp/falsafa.sqlite3
else
  mkdir -p var
  FALSAFA_SQLITE_PATH=$(realpath -m "${FALSAFA_SQLITE_PATH:-var/falsafa.sqlite3}")
  export FALSAFA_SQLITE_PATH
fi
storage_dir=$(dirname "$FALSAFA_SQLITE_PATH")/dev-storage
mkdir -p "$storage_dir"
# This store's own keys on a shared Redis: two checkouts never share a queue.
if [[ -z ${FALSAFA_REDIS_PREFIX:-} ]]; then
  FALSAFA_REDIS_PREFIX=local-$(printf '%s' "$FALSAFA_SQLITE_PATH" | sha256sum | cut -c1-12)
  export FALSAFA_REDIS_PREFIX
fi
storage_port=$(free_port)
storage=http://127.0.0.1:$storage_port
"$py" -m http.server --bind 127.0.0.1 --directory "$storage_dir" "$storage_port" \
  >"$tmp/storage.log" 2>&1 &
pids+=($!)
wait_until 10 "$!" "the storage server" curl -fsS -o /dev/null "$storage/" ||
  die "the storage server exited during start-up"
say "serving $storage_dir at $storage (stand-in for Supabase storage)"

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
  serve_log=$tmp/serve.log
else
  # Beside the store; earlier runs' logs are kept: .1 is the run before this one.
  serve_log=$(dirname "$FALSAFA_SQLITE_PATH")/dev-serve.log
  for i in 4 3 2 1; do
    if [[ -f $serve_log.$i ]]; then mv -f "$serve_log.$i" "$serve_log.$((i + 1))"; fi
  done
  if [[ -f $serve_log ]]; then mv -f "$serve_log" "$serve_log.1"; fi
fi
if [[ -n ${OPENAI_API_KEY:-} ]]; then responder="the LLM (${OPENAI_MODEL:-gpt-4o-mini})"; else
  responder="the offline responder (set OPENAI_API_KEY for a real LLM)"; fi
secret=()
[[ -n ${FALSAFA_API_SECRET:-} ]] && secret=(-H "X-Falsafa-Secret: $FALSAFA_API_SECRET")

# Another dev.sh starting at the same moment may take the port between the
# check above and the bind: then take a free one and start again. Ours is up
# when its own log says so (a /health answer could be the other service's).
for attempt in 1 2 3; do
  "$falsafa" serve >"$serve_log" 2>&1 &
  serve_pid=$!
  pids+=("$serve_pid")
  wait_until 60 "$serve_pid" "falsafa serve" grep -q '"msg": "service started"' "$serve_log" ||
    true
  if kill -0 "$serve_pid" 2>/dev/null; then break; fi
  if ((attempt == 3)) || ! grep -q "Address already in use" "$serve_log"; then
    die "falsafa serve exited during start-up"
  fi
  port=$(free_port)
  base=http://$url_host:$port
  export FALSAFA_BIND=$host:$port
  say "the port was taken meanwhile; using $host:$port instead"
done
curl -fsS -o /dev/null "$base/health" || die "falsafa serve does not answer at $base/health"
say "falsafa serve is up at $base (pid $serve_pid, store $FALSAFA_SQLITE_PATH, replies from $responder)"
# What `falsafa add` and `falsafa dev chat` read to find this service.
stack_file=$(dirname "$FALSAFA_SQLITE_PATH")/dev-stack.json
"$py" - "$stack_file" "$base" "$storage" "$storage_dir" "$FALSAFA_SQLITE_PATH" <<'EOF'
import sys
from pathlib import Path
from falsafa.devstack import DevStack
path, service, storage, storage_dir, store = sys.argv[1:]
DevStack(service, storage, Path(storage_dir), Path(store)).write(Path(path))
EOF

# -- 5. a book, processed: falsafa add does what the frontend does ------------
if [[ -n $book_file ]]; then
  add=("$falsafa" add "$book_file")
else
  add=("$falsafa" add "$root/falsafa/samples/a_christmas_carol.txt" --title "A Christmas Carol")
fi
"${add[@]}" | tee "$tmp/added.txt" || die "falsafa add failed"
chat_command=$(grep -m1 ' dev chat --book-id ' "$tmp/added.txt" | sed 's/^ *//') ||
  die "falsafa add printed no chat command (no character has enough lines for a persona)"
book_id=$(sed -E 's/.*--book-id ([0-9a-f-]+).*/\1/' <<<"$chat_command")

# -- 6. a chat session with the main character, as the frontend opens one -----
session=$("$falsafa" dev create-session --book-id "$book_id" --rank 0) ||
  die "falsafa dev create-session failed"
session_id=$(json_field "$session" session_id)
character_id=$(json_field "$session" character_id)
character=$(json_field "$session" character_name)
user_id=$(json_field "$session" user_id)
say "chat session $session_id with $character"

chat_body() {  # chat_body MESSAGE
  printf '{"user_id": "%s", "book_id": "%s", "character_id": "%s", "session_id": "%s", "user_message": "%s"}' \
    "$user_id" "$book_id" "$character_id" "$session_id" "$1"
}
secret_flag=""
[[ -n ${FALSAFA_API_SECRET:-} ]] && secret_flag=" -H \"X-Falsafa-Secret: \$FALSAFA_API_SECRET\""

if ((smoke)); then
  say "running the chat command falsafa add printed"
  bash -c "$chat_command" >"$tmp/chat.txt" || die "the printed chat command failed"
  cat "$tmp/chat.txt"
  [[ $(wc -w <"$tmp/chat.txt") -gt 1 ]] || die "the printed chat command streamed no reply"
  curl -sS -N --max-time 120 -o "$tmp/chat.sse" "${secret[@]}" -H 'Content-Type: application/json' \
    -d "$(chat_body "Who are you, and what do you think of this story?")" "$base/character/chat" ||
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

Falsafa is running at $base; replies come from $responder.
The same over HTTP, as the frontend does it (a session with $character):

  curl -N$secret_flag -H 'Content-Type: application/json' \\
    -d '$(chat_body "Who are you, and what do you think of this story?")' \\
    $base/character/chat

Another book, while this runs (from any directory):
  FALSAFA_SQLITE_PATH=$FALSAFA_SQLITE_PATH $falsafa add path/to/book.txt

Operations: curl $base/health; curl -s $base/metrics | grep '^falsafa_'
Service log: $serve_log
Press Ctrl-C to stop everything this script started.
EOF
wait "$serve_pid" || die "falsafa serve exited with status $?"
die "falsafa serve exited"
