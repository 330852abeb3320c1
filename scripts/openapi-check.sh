#!/usr/bin/env bash
# Tests the running HTTP service against its OpenAPI document
# (Sources/BulwarkServer/Resources/openapi.json) with schemathesis.
#
#   scripts/openapi-check.sh
#
# 1. builds `bulwark` (debug), starts `bulwark serve` on 127.0.0.1 with a free port and a
#    throwaway --data-dir, creates an admin key and waits for /readyz;
# 2. checks that GET /openapi.json is the repository file byte for byte, and probes the few
#    responses a generator cannot reach (401 without a key, 403 for a low role, 413);
# 3. seeds a bank with a PDQ and an MD5 entry (the ids and hashes the document's examples use)
#    and a URL list entry (list entry id 1);
# 4. runs schemathesis against http://127.0.0.1:PORT/openapi.json with the checks
#    not_a_server_error, status_code_conformance, content_type_conformance and
#    response_schema_conformance, on every operation, with a bounded number of examples.
#
# Exits non-zero on any failure. The server is stopped on exit. After the build, a run takes about
# a minute on two cores.
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
cleanup() {
    local status=$?
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

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
log "starting bulwark serve on $BASE"
"$BIN" serve --host 127.0.0.1 --port "$PORT" --data-dir "$DATA" --max-upload-bytes "$MAX_UPLOAD" \
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
# probe NAME EXPECTED_STATUS EXPECTED_BODY_KIND curl-args...: kinds are v1-error:<code>, hma-error.
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
# Known server bug when this was written: /v1 answers 413 with an EMPTY body instead of the
# documented {"error":{"code":"payload_too_large",...}}. Request.body.collect(upTo:) throws
# NIOTooManyBytesError, but V1Routes.media() and V1Routes.decode() only catch HTTPError, so the
# APIError is never built. This probe fails until that is fixed.
probe "POST /v1/hash over --max-upload-bytes is 413 payload_too_large" 413 v1-error:payload_too_large \
    -H "X-API-Key: $KEY" -H 'Content-Type: application/octet-stream' --data-binary "@$WORK/too-large.bin" "$BASE/v1/hash"
[[ $PROBE_FAILED -eq 0 ]] || echo "  (known bug: /v1 413s have an empty body; see the comment above this probe in $0)" >&2
probe "POST /h/hash over --max-upload-bytes is 413 {message}" 413 hma-error \
    -H "X-API-Key: $KEY" -F "video=@$WORK/too-large.bin;filename=big.bin" "$BASE/h/hash"

# --- 3. seed -----------------------------------------------------------------------------------
log "seeding bank TEST_BANK with one pdq and one md5 entry, and one url list entry"
curl -sSf -X POST "$BASE/v1/banks" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d '{"name":"TEST_BANK","category":"test","action":"review"}' -o /dev/null || fail "creating the seed bank failed"
curl -sSf -X POST "$BASE/v1/banks/TEST_BANK/entries" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d "{\"entries\":[{\"signalType\":\"pdq\",\"value\":\"$SEED_PDQ\",\"source\":\"openapi-check\",\"note\":\"seed\"},{\"signalType\":\"md5\",\"value\":\"$SEED_MD5\"},{\"signalType\":\"url\",\"value\":\"http://listed.example/seed#a\",\"source\":\"openapi-check\"}]}" \
    -o /dev/null || fail "adding the seed entries failed"

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
