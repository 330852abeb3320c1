#!/usr/bin/env bash
# Tests the running HTTP service against its OpenAPI document
# (Sources/BulwarkServer/Resources/openapi.json) with schemathesis.
#
#   scripts/openapi-check.sh
#
# 1. builds `bulwark` (debug), starts a small webhook receiver (2xx for every action but
#    `hold_for_review`, which it fails) and `bulwark serve` on 127.0.0.1 with free ports, a
#    throwaway --data-dir, a copy of policies/default.yaml as --policy and
#    --webhook-max-attempts 1, creates an admin and an ingest key and waits for /readyz;
# 2. checks that GET /openapi.json is the repository file byte for byte, and probes the few
#    responses a generator cannot reach (401 without a key, 403 for a low role, 413);
# 3. seeds a bank with a PDQ and an MD5 entry (the ids and hashes the document's examples use)
#    and a URL list entry (list entry id 1), then decides three items of content through
#    POST /v1/content (`post-1` with the seeded PDQ: actions 1-3, of which 1 and 2 are delivered
#    and 3, `hold_for_review`, is dead-lettered; `signup-1`; `post-2` with the listed URL), and
#    probes the intake (replay, 409, unknown field, 422, 413), the actions routes (400, 404, 409),
#    and the policy reload (422 for an invalid file, which leaves the policy in force);
# 4. runs schemathesis against http://127.0.0.1:PORT/openapi.json with the checks
#    not_a_server_error, status_code_conformance, content_type_conformance and
#    response_schema_conformance, on every operation, with a bounded number of examples.
#
# Exits non-zero on any failure. The server and the webhook receiver are stopped on exit. After
# the build, a run takes one to two minutes on two cores.
#
# Environment:
#   BULWARK_BIN            use this binary instead of building (its resource bundle must hold the
#                          current openapi.json, i.e. it was built after the last edit)
#   OPENAPI_CHECK_VENV     virtualenv for schemathesis (default: .build/openapi-check-venv, gitignored)
#   OPENAPI_CHECK_EXAMPLES examples per operation in the fuzzing phase (default 100)
#   OPENAPI_CHECK_TIMEOUT  seconds before schemathesis is stopped and the check fails (default 150)
#   OPENAPI_CHECK_SEED     schemathesis seed, to reproduce a run (default: random, printed)
#   OPENAPI_CHECK_REPORT_DIR  also write schemathesis' HAR and JUnit reports into this directory
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DOC="$ROOT/Sources/BulwarkServer/Resources/openapi.json"
VENV="${OPENAPI_CHECK_VENV:-$ROOT/.build/openapi-check-venv}"
EXAMPLES="${OPENAPI_CHECK_EXAMPLES:-100}"
ST_TIMEOUT="${OPENAPI_CHECK_TIMEOUT:-150}"
SCHEMATHESIS_VERSION="4.32.5"
MAX_UPLOAD=$((1 << 20))   # the server's --max-upload-bytes: small, so the 413 probe is cheap

# Hashes of the seeded entries; the document's examples use the same values and TEST_BANK.
SEED_PDQ="f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
SEED_MD5="cab08b36195edb1a1231d2d09fa450e0"

log() { printf '\n== %s\n' "$*" >&2; }
fail() { printf 'openapi-check: FAIL: %s\n' "$*" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bulwark-openapi-check.XXXXXX")"
SERVER_PID=""
WEBHOOK_PID=""
cleanup() {
    local status=$?
    if [[ -n "$WEBHOOK_PID" ]] && kill -0 "$WEBHOOK_PID" 2>/dev/null; then
        kill "$WEBHOOK_PID" 2>/dev/null || true
        wait "$WEBHOOK_PID" 2>/dev/null || true
    fi
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ $status -ne 0 && -s "$WORK/server.log" ]]; then
        echo "--- last server log lines ($WORK/server.log):" >&2
        tail -n 20 "$WORK/server.log" >&2
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v curl >/dev/null || fail "curl is required"
command -v python3 >/dev/null || fail "python3 is required"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$DOC" || fail "$DOC is not valid JSON"

# --- 1. build and start ------------------------------------------------------------------------
if [[ -n "${BULWARK_BIN:-}" ]]; then
    BIN="$BULWARK_BIN"
else
    log "building bulwark (debug)"
    (cd "$ROOT" && swift build --product bulwark >&2)
    BIN="$(cd "$ROOT" && swift build --product bulwark --show-bin-path)/bulwark"
fi
[[ -x "$BIN" ]] || fail "no executable at $BIN"

# schemathesis: install (once) while nothing else runs.
if [[ ! -x "$VENV/bin/st" ]] || ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
    python3 -m venv "$VENV" || fail "cannot create a virtualenv at $VENV (on Debian: apt-get install python3-venv)"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
fi

DATA="$WORK/data"
KEY="$("$BIN" keys create --role admin --name openapi-check --data-dir "$DATA" 2>"$WORK/keys.log")" \
    || { cat "$WORK/keys.log" >&2; fail "bulwark keys create failed"; }
INGEST_KEY="$("$BIN" keys create --role ingest --name openapi-check-ingest --data-dir "$DATA" 2>>"$WORK/keys.log")" \
    || { cat "$WORK/keys.log" >&2; fail "bulwark keys create failed"; }
[[ "$KEY" == bwk_* && "$INGEST_KEY" == bwk_* ]] || fail "unexpected output from bulwark keys create"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The platform's webhook endpoint: acknowledges every action but hold_for_review, which it fails,
# so that (with --webhook-max-attempts 1) the outbox holds delivered and dead actions.
WEBHOOK_PORT="$(free_port)"
python3 - "$WEBHOOK_PORT" >"$WORK/webhook.log" 2>&1 <<'PY' &
import http.server, sys
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status = 500 if self.headers.get("Bulwark-Action") == "hold_for_review" else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Hook).serve_forever()
PY
WEBHOOK_PID=$!
for _ in $(seq 100); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEBHOOK_PORT/" || true)" != 000 ]] && break
    kill -0 "$WEBHOOK_PID" 2>/dev/null || { cat "$WORK/webhook.log" >&2; fail "the webhook receiver exited during startup"; }
    sleep 0.1
done

cp "$ROOT/policies/default.yaml" "$WORK/policy.yaml"
PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"
log "starting bulwark serve on $BASE (webhooks to 127.0.0.1:$WEBHOOK_PORT)"
BULWARK_WEBHOOK_SECRET="openapi-check-webhook-secret-0123456789abcdef" \
"$BIN" serve --host 127.0.0.1 --port "$PORT" --data-dir "$DATA" --max-upload-bytes "$MAX_UPLOAD" \
    --policy "$WORK/policy.yaml" --webhook-url "http://127.0.0.1:$WEBHOOK_PORT/hook" --webhook-max-attempts 1 \
    --log-level warning >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

for _ in $(seq 300); do
    kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited during startup"
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/readyz" || true)" == 200 ]] && break
    sleep 0.1
done
[[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/readyz")" == 200 ]] || fail "/readyz did not answer 200 within 30 s"

# --- 2. the served document and probes ---------------------------------------------------------
log "GET /openapi.json equals $DOC byte for byte"
curl -sSf "$BASE/openapi.json" -o "$WORK/served.json" || fail "GET /openapi.json failed"
cmp -s "$WORK/served.json" "$DOC" \
    || fail "GET /openapi.json differs from $DOC (rebuild so the resource bundle holds the current file)"

FAILURES=0
# probe NAME EXPECTED_STATUS EXPECTED_BODY_KIND curl-args...: kinds are v1-error:<code>, hma-error,
# and json (any JSON body). The body and headers stay in $WORK/probe.body and $WORK/probe.headers.
probe() {
    local name="$1" want_status="$2" kind="$3"; shift 3
    local status
    PROBE_FAILED=0
    status="$(curl -s -o "$WORK/probe.body" -D "$WORK/probe.headers" -w '%{http_code}' "$@" || true)"
    if ! python3 - "$status" "$want_status" "$kind" "$WORK/probe.headers" "$WORK/probe.body" <<'PY'
import json, sys
status, want, kind, headers_path, body_path = sys.argv[1:]
headers = {}
for line in open(headers_path, encoding="latin-1"):
    if ":" in line:
        k, v = line.split(":", 1)
        headers[k.strip().lower()] = v.strip()
problems = []
if status != want:
    problems.append(f"status {status}, expected {want}")
ctype = headers.get("content-type", "")
if not ctype.startswith("application/json"):
    problems.append(f"Content-Type {ctype!r}, expected application/json")
try:
    body = json.load(open(body_path, encoding="utf-8"))
except Exception:
    body = None
    problems.append(f"body is not JSON: {open(body_path, 'rb').read()[:200]!r}")
if body is not None:
    if kind.startswith("v1-error:"):
        code = kind.split(":", 1)[1]
        err = body.get("error") if isinstance(body, dict) else None
        if not (isinstance(err, dict) and set(err) == {"code", "message"} and err["code"] == code
                and isinstance(err["message"], str) and set(body) == {"error"}):
            problems.append(f"body {body!r} is not {{\"error\": {{\"code\": \"{code}\", \"message\": ...}}}}")
    elif kind == "hma-error":
        if not (isinstance(body, dict) and set(body) == {"message"} and isinstance(body["message"], str)):
            problems.append(f"body {body!r} is not {{\"message\": ...}}")
    elif kind != "json":
        problems.append(f"unknown probe kind {kind!r}")
if problems:
    print("; ".join(problems))
    sys.exit(1)
PY
    then
        printf 'openapi-check: probe failed: %s\n' "$name" >&2
        FAILURES=$((FAILURES + 1))
        PROBE_FAILED=1
    else
        printf 'probe ok: %s\n' "$name" >&2
    fi
}

log "probes: authentication, roles, body limits"
probe "GET /v1/banks without a key is 401 unauthenticated" 401 v1-error:unauthenticated "$BASE/v1/banks"
grep -qi '^www-authenticate: *bearer' "$WORK/probe.headers" \
    || { echo "openapi-check: probe failed: 401 without WWW-Authenticate: Bearer" >&2; FAILURES=$((FAILURES + 1)); }
probe "GET /v1/banks with an unknown key is 401 invalid_key" 401 v1-error:invalid_key \
    -H "X-API-Key: bwk_notakey" "$BASE/v1/banks"
probe "POST /v1/banks with an ingest key is 403 forbidden" 403 v1-error:forbidden \
    -H "Authorization: Bearer $INGEST_KEY" -H 'Content-Type: application/json' -d '{"name":"x"}' "$BASE/v1/banks"
probe "GET /c/banks without a key is 401 {message}" 401 hma-error "$BASE/c/banks"
probe "POST /c/banks with an ingest key is 403 {message}" 403 hma-error \
    -H "X-API-Key: $INGEST_KEY" -H 'Content-Type: application/json' -d '{"name":"x"}' "$BASE/c/banks"
head -c $((MAX_UPLOAD + (128 << 10))) /dev/zero >"$WORK/too-large.bin"
probe "POST /v1/hash over --max-upload-bytes is 413 payload_too_large" 413 v1-error:payload_too_large \
    -H "X-API-Key: $KEY" -H 'Content-Type: application/octet-stream' --data-binary "@$WORK/too-large.bin" "$BASE/v1/hash"
probe "POST /h/hash over --max-upload-bytes is 413 {message}" 413 hma-error \
    -H "X-API-Key: $KEY" -F "video=@$WORK/too-large.bin;filename=big.bin" "$BASE/h/hash"

# --- 3. seed -----------------------------------------------------------------------------------
log "seeding bank TEST_BANK with one pdq and one md5 entry, and one url list entry"
curl -sSf -X POST "$BASE/v1/banks" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d '{"name":"TEST_BANK","category":"test","action":"review"}' -o /dev/null || fail "creating the seed bank failed"
curl -sSf -X POST "$BASE/v1/banks/TEST_BANK/entries" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d "{\"entries\":[{\"signalType\":\"pdq\",\"value\":\"$SEED_PDQ\",\"source\":\"openapi-check\",\"note\":\"seed\"},{\"signalType\":\"md5\",\"value\":\"$SEED_MD5\"},{\"signalType\":\"url\",\"value\":\"http://listed.example/seed#a\",\"source\":\"openapi-check\"}]}" \
    -o /dev/null || fail "adding the seed entries failed"

# Decisions need the seeded entries in the hash index and the list follower: wait for both.
for _ in $(seq 100); do
    curl -sS -X POST "$BASE/v1/match" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
        -d "{\"pdq\":\"$SEED_PDQ\"}" -o "$WORK/match.json" || true
    curl -sS -X POST "$BASE/v1/text/scan" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
        -d '{"text":"http://listed.example/seed#a"}' -o "$WORK/scan.json" || true
    python3 -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1]))["matches"] and json.load(open(sys.argv[2]))["matches"] else 1)' \
        "$WORK/match.json" "$WORK/scan.json" 2>/dev/null && break
    sleep 0.1
done

log "seeding decisions: post-1 (known media), signup-1 (a profile), post-2 (a listed link); probing the intake"
# The document's examples use these content ids; post-1's actions are 1 (block_upload),
# 2 (report) and 3 (hold_for_review).
printf '%s' "{\"contentId\":\"post-1\",\"kind\":\"post\",\"account\":\"user-1\",\"at\":\"2026-11-22T10:00:00Z\",\"text\":\"hello\",\"media\":[{\"id\":\"img-1\",\"pdq\":\"$SEED_PDQ\"}],\"platform\":{\"postUrl\":\"https://platform.example/p/1\",\"threadId\":991}}" >"$WORK/post-1.json"
printf '%s' '{"contentId":"signup-1","kind":"signup","account":"user-2","at":1795000000,"profile":{"handle":"new_name","displayName":"New","bio":"dm on tg: vipstore_x","signals":{"devices":["8f14e45fceea167a5a36dedd4bea2543"]}}}' >"$WORK/signup-1.json"
printf '%s' '{"contentId":"post-2","kind":"post","account":"user-2","text":"cheap, message me: http://listed.example/seed#a","links":["https://example.org/a"]}' >"$WORK/post-2.json"
expect_json() {  # expect_json NAME PYTHON-EXPRESSION-OF-body: checks the last probe's body
    python3 -c "import json, sys; body = json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$WORK/probe.body" \
        || { echo "openapi-check: probe failed: $1" >&2; FAILURES=$((FAILURES + 1)); }
}
probe "POST /v1/content post-1 is 200" 200 json --data-binary "@$WORK/post-1.json" -X POST \
    -H "X-API-Key: $INGEST_KEY" -H 'Content-Type: application/json' "$BASE/v1/content"
expect_json "post-1 is blocked with 3 actions" 'body["verdict"] == "block" and len(body["actions"]) == 3'
cp "$WORK/probe.body" "$WORK/post-1.answer"
probe "POST /v1/content signup-1 is 200" 200 json --data-binary "@$WORK/signup-1.json" -X POST \
    -H "X-API-Key: $INGEST_KEY" -H 'Content-Type: application/json' "$BASE/v1/content"
expect_json "signup-1 has an evasion screening" 'isinstance(body["signals"]["evasion"], dict)'
probe "POST /v1/content post-2 is 200" 200 json --data-binary "@$WORK/post-2.json" -X POST \
    -H "X-API-Key: $INGEST_KEY" -H 'Content-Type: application/json' "$BASE/v1/content"
expect_json "post-2 matches the listed URL, by an account with an actor" \
    'body["signals"]["lists"] and body["signals"]["actor"] is not None and body["verdict"] == "remove"'
probe "POST /v1/content post-1 again is the stored answer" 200 json --data-binary "@$WORK/post-1.json" -X POST \
    -H "X-API-Key: $INGEST_KEY" -H 'Content-Type: application/json' "$BASE/v1/content"
grep -qi '^bulwark-replayed: *true' "$WORK/probe.headers" && cmp -s "$WORK/probe.body" "$WORK/post-1.answer" \
    || { echo "openapi-check: probe failed: a replay lacks Bulwark-Replayed: true or differs from the first answer" >&2; FAILURES=$((FAILURES + 1)); }
probe "GET /v1/content/post-1 is the stored answer" 200 json -H "X-API-Key: $INGEST_KEY" "$BASE/v1/content/post-1"
cmp -s "$WORK/probe.body" "$WORK/post-1.answer" \
    || { echo "openapi-check: probe failed: GET /v1/content/post-1 differs from the first answer" >&2; FAILURES=$((FAILURES + 1)); }
probe "GET /v1/content/{id} of an unknown id is 404" 404 v1-error:not_found -H "X-API-Key: $INGEST_KEY" "$BASE/v1/content/nope"
probe "POST /v1/content post-1 with another body is 409 conflict" 409 v1-error:conflict -X POST \
    -H "X-API-Key: $INGEST_KEY" -H 'Content-Type: application/json' -d '{"contentId":"post-1","kind":"post","account":"user-1"}' "$BASE/v1/content"
probe "POST /v1/content with an unknown field is 400" 400 v1-error:bad_request -X POST \
    -H "X-API-Key: $INGEST_KEY" -H 'Content-Type: application/json' -d '{"contentId":"x-1","kind":"post","account":"user-1","txt":"typo"}' "$BASE/v1/content"
probe "POST /v1/content with undecodable media is 422" 422 v1-error:unprocessable_media -X POST \
    -H "X-API-Key: $INGEST_KEY" -H 'Content-Type: application/json' -d '{"contentId":"x-2","kind":"post","account":"user-1","media":[{"bytes":"bm90IGFuIGltYWdl"}]}' "$BASE/v1/content"
{ printf '{"contentId":"x-3","kind":"post","account":"user-1","media":[{"bytes":"'; base64 -w0 "$WORK/too-large.bin"; printf '"}]}'; } >"$WORK/big-media.json"
probe "POST /v1/content with a media item over --max-upload-bytes is 413" 413 v1-error:payload_too_large -X POST \
    -H "X-API-Key: $INGEST_KEY" -H 'Content-Type: application/json' --data-binary "@$WORK/big-media.json" "$BASE/v1/content"
head -c $((MAX_UPLOAD / 3 * 4 + (2 << 20) + 1024)) /dev/zero >"$WORK/too-large-body.bin"
probe "POST /v1/content over its body limit is 413" 413 v1-error:payload_too_large -X POST \
    -H "X-API-Key: $INGEST_KEY" -H 'Content-Type: application/json' --data-binary "@$WORK/too-large-body.bin" "$BASE/v1/content"

log "probing the outbox, actions and policy routes"
# Wait for the webhook worker: actions 1 and 2 delivered, 3 (hold_for_review) dead.
for _ in $(seq 100); do
    curl -sS "$BASE/v1/outbox" -H "Authorization: Bearer $KEY" -o "$WORK/outbox.json" || true
    python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); sys.exit(0 if o["pending"] == 0 and o["dead"] >= 1 else 1)' \
        "$WORK/outbox.json" 2>/dev/null && break
    sleep 0.1
done
probe "GET /v1/outbox with an ingest key is 403" 403 v1-error:forbidden -H "X-API-Key: $INGEST_KEY" "$BASE/v1/outbox"
probe "GET /v1/outbox is 200" 200 json -H "X-API-Key: $KEY" "$BASE/v1/outbox"
expect_json "the outbox has delivered and dead actions and none pending" \
    'body["pending"] == 0 and body["delivered"] >= 2 and body["dead"] >= 1 and body["oldestPendingCreatedAt"] is None'
probe "GET /v1/actions?status=dead is 200" 200 json -H "X-API-Key: $KEY" "$BASE/v1/actions?status=dead&limit=1"
expect_json "the first dead action is post-1's hold_for_review" \
    'body["actions"][0]["action"] == "hold_for_review" and body["actions"][0]["lastError"] and body["next"] == body["actions"][0]["id"]'
probe "GET /v1/actions?status=bogus is 400" 400 v1-error:bad_request -H "X-API-Key: $KEY" "$BASE/v1/actions?status=bogus"
probe "GET /v1/actions?after=-1 is 400" 400 v1-error:bad_request -H "X-API-Key: $KEY" "$BASE/v1/actions?after=-1"
probe "GET /v1/actions/0 is 400" 400 v1-error:bad_request -H "X-API-Key: $KEY" "$BASE/v1/actions/0"
probe "GET /v1/actions/x is 400" 400 v1-error:bad_request -H "X-API-Key: $KEY" "$BASE/v1/actions/x"
probe "GET /v1/actions/999999 is 404" 404 v1-error:not_found -H "X-API-Key: $KEY" "$BASE/v1/actions/999999"
probe "GET /v1/actions/1 is 200" 200 json -H "X-API-Key: $KEY" "$BASE/v1/actions/1"
expect_json "action 1 is post-1's delivered block_upload" \
    'body["action"] == "block_upload" and body["status"] == "delivered" and body["contentId"] == "post-1" and body["deliveredAt"]'
probe "POST /v1/actions/1/retry of a delivered action is 409" 409 v1-error:conflict -X POST -H "X-API-Key: $KEY" "$BASE/v1/actions/1/retry"
probe "POST /v1/actions/3/retry of a dead letter is 200" 200 json -X POST -H "X-API-Key: $KEY" "$BASE/v1/actions/3/retry"
expect_json "the retried action is pending with no attempts" 'body["status"] == "pending" and body["attempts"] == 0'
probe "POST /v1/actions/3/retry with an ingest key is 403" 403 v1-error:forbidden -X POST -H "X-API-Key: $INGEST_KEY" "$BASE/v1/actions/3/retry"
probe "GET /v1/audit/head is 200" 200 json -H "X-API-Key: $KEY" "$BASE/v1/audit/head"
expect_json "the audit log is not empty" 'body["sequence"] > 0'
probe "GET /v1/policy is 200" 200 json -H "X-API-Key: $KEY" "$BASE/v1/policy"
cp "$WORK/probe.body" "$WORK/policy.answer"
cp "$WORK/policy.yaml" "$WORK/policy.good"
printf 'policy: broken\nversion: 0\nrules: [\n' >"$WORK/policy.yaml"
probe "POST /v1/policy/reload of an invalid file is 422" 422 v1-error:invalid_policy -X POST -H "X-API-Key: $KEY" "$BASE/v1/policy/reload"
cp "$WORK/policy.good" "$WORK/policy.yaml"
probe "GET /v1/policy after a failed reload is unchanged" 200 json -H "X-API-Key: $KEY" "$BASE/v1/policy"
cmp -s "$WORK/probe.body" "$WORK/policy.answer" \
    || { echo "openapi-check: probe failed: a failed reload changed the policy in force" >&2; FAILURES=$((FAILURES + 1)); }
probe "POST /v1/policy/reload is 200" 200 json -X POST -H "X-API-Key: $KEY" "$BASE/v1/policy/reload"
cmp -s "$WORK/probe.body" "$WORK/policy.answer" \
    || { echo "openapi-check: probe failed: reloading the same file changed the policy" >&2; FAILURES=$((FAILURES + 1)); }

# --- 4. schemathesis ---------------------------------------------------------------------------
log "schemathesis $SCHEMATHESIS_VERSION against $BASE/openapi.json ($EXAMPLES examples per operation, ${ST_TIMEOUT}s limit)"
# One worker: the server has the other core, and with two workers hypothesis (under CPython 3.11)
# sometimes fails inside its own error reporting ("AST constructor recursion depth mismatch").
ST_ARGS=(
    run "$BASE/openapi.json"
    --header "Authorization: Bearer $KEY"
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
    --max-examples "$EXAMPLES"
    --workers 1
    --request-timeout 20
    --generation-with-security-parameters false
    --generation-database none
    --no-color
)
[[ -n "${OPENAPI_CHECK_SEED:-}" ]] && ST_ARGS+=(--seed "$OPENAPI_CHECK_SEED")
[[ -n "${OPENAPI_CHECK_REPORT_DIR:-}" ]] && ST_ARGS+=(--report har,junit --report-dir "$(realpath -m "$OPENAPI_CHECK_REPORT_DIR")")
ST_STATUS=0
# Run from the scratch directory: schemathesis and hypothesis write state to the working directory.
(cd "$WORK" && timeout --kill-after=10 "$ST_TIMEOUT" "$VENV/bin/st" "${ST_ARGS[@]}") || ST_STATUS=$?
kill -0 "$SERVER_PID" 2>/dev/null || fail "the server died during the schemathesis run"

if [[ $ST_STATUS -eq 124 || $ST_STATUS -eq 137 ]]; then
    fail "schemathesis did not finish within ${ST_TIMEOUT}s"
elif [[ $ST_STATUS -ne 0 ]]; then
    fail "schemathesis found failures (exit $ST_STATUS)"
fi
[[ $FAILURES -eq 0 ]] || fail "$FAILURES probe(s) failed (see above)"
echo "openapi-check: OK" >&2
