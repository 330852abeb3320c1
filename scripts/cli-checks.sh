#!/usr/bin/env bash
# End-to-end checks of `bulwark hash` against the shared reference data and the CLI contract
# (JSON lines, errors that do not stop the run, exit codes, stdin, directories).
set -uo pipefail
bin="$1"; shared="$2"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
failures=0; passes=0
check() { if eval "$2"; then passes=$((passes+1)); else echo "FAIL: $1" >&2; failures=$((failures+1)); fi; }

# Every reference image, hashed through a directory walk with two jobs, equals expected.csv.
"$bin" hash --json --jobs 2 "$shared/pdq/images" > "$tmp/all.jsonl"; status=$?
check "directory of reference images exits 0" '[ $status -eq 0 ]'
check "every reference hash and quality is exact" 'python3 - "$shared/pdq/expected.csv" "$tmp/all.jsonl" <<"PY"
import csv, json, sys
expected = {r["file"]: r for r in csv.DictReader(open(sys.argv[1]))}
seen = 0
for line in open(sys.argv[2]):
    o = json.loads(line)
    e = expected[o["file"].rsplit("/", 1)[-1]]
    assert (o["pdq"], o["quality"], o["width"], o["height"]) == (e["pdq"], int(e["quality"]), int(e["width"]), int(e["height"])), o
    assert len(o["md5"]) == 32 and len(o["sha256"]) == 64
    seen += 1
assert seen == len(expected), (seen, len(expected))
PY'

# A bad file among good ones: reported as {"file","error"}, the run goes on, exit 1.
printf 'this is not an image' > "$tmp/bad.jpg"
head -c 5000 "$shared/pdq/images/bridge-mods__aaa-orig.jpg" > "$tmp/truncated.jpg"
"$bin" hash --json "$shared/pdq/images/misc-images__wee.jpg" "$tmp/bad.jpg" "$tmp/truncated.jpg" "$tmp/missing.png" > "$tmp/mixed.jsonl"; status=$?
check "a failed file makes the exit status 1" '[ $status -eq 1 ]'
check "failures are JSON lines with an error and the run goes on" 'python3 -c "
import json,sys
rows=[json.loads(l) for l in open(\"$tmp/mixed.jsonl\")]
assert len(rows)==4, rows
assert \"pdq\" in rows[0] and all(\"error\" in r and r[\"error\"] for r in rows[1:]), rows
"'

# Standard input, and the dihedral output.
"$bin" hash --json --dihedral - < "$shared/pdq/images/reg-test-input__dih__bridge-1-original.jpg" > "$tmp/stdin.jsonl"; status=$?
check "stdin hashes and exits 0" '[ $status -eq 0 ]'
check "dihedral variants equal dihedral-bridge-1.csv" 'python3 -c "
import json, csv
o=json.loads(open(\"$tmp/stdin.jsonl\").read())
assert o[\"file\"]==\"-\"
rows=list(csv.DictReader(open(\"$shared/pdq/dihedral-bridge-1.csv\")))
assert o[\"dihedral\"]==[r[\"pdq\"] for r in rows], o
"'

# Human-readable table and argument errors.
"$bin" hash "$shared/pdq/images/misc-images__wee.jpg" > "$tmp/table.txt"; status=$?
check "table output has a header and the hash" '[ $status -eq 0 ] && grep -q "^PDQ" "$tmp/table.txt" && grep -q 6227401f601ff4cc "$tmp/table.txt"'
"$bin" hash --jobs 0 x > /dev/null 2>&1; status=$?
check "--jobs 0 is a usage error (exit 64)" '[ $status -eq 64 ]'
"$bin" hash --json --max-pixels 1000 "$shared/pdq/images/misc-images__wee.jpg" > "$tmp/limit.jsonl"; status=$?
check "--max-pixels refuses a larger image" '[ $status -eq 1 ] && grep -q "pixels" "$tmp/limit.jsonl"'

# bulwark text scan: the JSON-lines contract, list files, errors that do not stop the run.
cat > "$tmp/lists.txt" <<'LISTS'
# a comment
url https://t.me/SellerName
domain bad-host.net
handle telegram:other_seller
wallet 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa
not-a-type value
LISTS
printf '%s\n' \
  '{"id":"a","text":"menu on t . me / sellername"}' \
  '{"id":"b","text":"tg: @other_seller"}' \
  '{"id":"c","text":"pay 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa or files at bad-host[.]net/x"}' \
  'not json' \
  '{"id":"d","text":"gym VIP packages $30, join our telegram t.me/city_gym_club"}' \
  > "$tmp/posts.jsonl"
"$bin" text scan --lists "$tmp/lists.txt" < "$tmp/posts.jsonl" > "$tmp/scan.jsonl" 2> "$tmp/scan.err"; status=$?
check "text scan: a bad input line makes the exit status 1" '[ $status -eq 1 ]'
check "text scan: a malformed list line is reported with its number" 'grep -q "line 6" "$tmp/scan.err"'
check "text scan: one JSON line per input, matches as the list wrote them" 'python3 - "$tmp/scan.jsonl" <<"PY"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 5, rows
a, b, c, bad, d = rows
assert a["id"] == "a" and a["urls"] == ["https://t.me/sellername"] and a["handles"] == ["telegram:sellername"], a
assert [(m["type"], m["value"], m["bank"]) for m in a["matches"]] == [("url", "https://t.me/SellerName", "lists")], a
assert [m["value"] for m in b["matches"]] == ["telegram:other_seller"], b
assert sorted(m["value"] for m in c["matches"]) == ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "bad-host.net"], c
assert c["wallets"] == ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"], c
assert "error" in bad and bad["id"] is None, bad
assert d["matches"] == [] and d["band"] != "solicitation", d
for r in (a, b, c, d):
    assert 0 <= r["score"] <= 1 and r["band"] in ("none", "low", "suspicious", "solicitation")
PY'
printf '{"id":"x","text":"\xff\xfe"}\n' | "$bin" text scan > "$tmp/utf8.jsonl"; status=$?
check "text scan: invalid UTF-8 is an error line, not a crash" '[ $status -eq 1 ] && grep -q "UTF-8" "$tmp/utf8.jsonl"'
python3 -c 'import json; print(json.dumps({"id": "big", "text": "t.me/a " * 300000}))' | "$bin" text scan > "$tmp/big.jsonl"; status=$?
check "text scan: a 2 MB post is bounded (truncated), not a crash" '[ $status -eq 0 ] && grep -q "\"truncated\":true" "$tmp/big.jsonl"'
"$bin" text eval --targets 100 --posts-per-target 10 > "$tmp/eval.txt"; status=$?
check "text eval runs and reports recall per disguise" '[ $status -eq 0 ] && grep -q "spelled-out" "$tmp/eval.txt" && grep -q "Solicitation band" "$tmp/eval.txt"'

# Accounts: the replay contract.
printf '%s\n' \
  '{"event":"account","id":"s1","at":"2026-01-01T10:00:00Z","handle":"vip_shop1","bio":"menu: t.me/vipshop_x","signals":{"devices":["dev-1"]}}' \
  '{"event":"account","id":"o1","at":"2026-01-01T10:05:00Z","handle":"anna","bio":"marathons </script>"}' \
  '{"event":"ban","id":"s1","at":"2026-01-01T11:00:00Z","reason":"solicitation"}' \
  'not json' \
  '{"event":"account","id":"s2","at":1767268800,"bio":"new page"}' \
  '{"event":"account","id":"bad","avatarPdq":"xyz"}' \
  '{"event":"ban","id":"ghost","at":1767268801}' \
  '{"event":"account","id":"s2","at":1767272400,"bio":"dm on tg: vipshop_x"}' \
  '{"event":"account","id":"s3","at":1767276000,"signals":{"devices":["dev-1"]}}' \
  > "$tmp/history.jsonl"
"$bin" accounts replay < "$tmp/history.jsonl" > "$tmp/screens.jsonl" 2> "$tmp/replay.err"; status=$?
check "accounts replay: malformed lines do not stop the replay (exit 0)" '[ $status -eq 0 ]'
check "accounts replay: malformed lines are reported with their line numbers" 'grep -q "^line 4: not valid JSON" "$tmp/replay.err" && grep -q "^line 6: \"avatarPdq\"" "$tmp/replay.err" && grep -q "^line 7: ban for an account never seen" "$tmp/replay.err"'
check "accounts replay: one line per account event, evasion caught at the first edit" 'python3 - "$tmp/screens.jsonl" <<"PY"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["id"] for r in rows] == ["s1", "o1", "s2", "s2", "s3"], rows
s1, o1, s2a, s2b, s3 = rows
assert s1["at"] == "2026-01-01T10:00:00Z" and s2a["at"] == 1767268800, rows
for r in rows:
    assert set(r) >= {"id", "at", "risk", "decision", "bannedMatch", "evidence"}, r
    assert 0 <= r["risk"] <= 1 and r["decision"] in ("allow", "review", "block"), r
assert o1["decision"] == "allow" and o1["bannedMatch"] is None, o1
assert s2a["decision"] == "allow" and s2a["signup"] is True, s2a
assert s2b["decision"] == "block" and s2b["bannedMatch"] == "s1" and s2b["signup"] is False, s2b
assert s2b["evidence"][0]["kind"] == "handle" and s2b["evidence"][0]["value"] == "telegram:vipshop_x", s2b
assert s3["decision"] != "allow" and s3["bannedMatch"] == "s1", s3
PY'
check "accounts replay: bios are JSON-escaped in output" '! grep -q "</script>" "$tmp/screens.jsonl"'
"$bin" accounts replay --strict < "$tmp/history.jsonl" > /dev/null 2>&1; status=$?
check "accounts replay --strict: malformed lines make the exit status 1" '[ $status -eq 1 ]'
"$bin" accounts replay --db "$tmp/accounts.sqlite" < "$tmp/history.jsonl" > "$tmp/screens-db.jsonl" 2>/dev/null; status=$?
check "accounts replay --db: same answers as in memory" '[ $status -eq 0 ] && cmp -s "$tmp/screens.jsonl" "$tmp/screens-db.jsonl"'
printf '%s\n' '{"event":"account","id":"s4","at":1767279600,"bio":"t.me/vipshop_x"}' \
  | "$bin" accounts replay --db "$tmp/accounts.sqlite" > "$tmp/continued.jsonl" 2>/dev/null; status=$?
check "accounts replay --db: a second replay continues the stored history" '[ $status -eq 0 ] && grep -q "\"bannedMatch\":\"s1\"" "$tmp/continued.jsonl"'
"$bin" accounts eval --users 2000 --traders 30 --days 20 --write "$tmp/acct-eval" > "$tmp/acct-eval.txt"; status=$?
check "accounts eval runs, reports both targets and writes a replayable history" '[ $status -eq 0 ] && grep -q "re-created accounts caught" "$tmp/acct-eval.txt" && grep -q "false positives" "$tmp/acct-eval.txt" && [ -s "$tmp/acct-eval/events.jsonl" ]'
"$bin" accounts replay < "$tmp/acct-eval/events.jsonl" > "$tmp/acct-eval/replayed.jsonl" 2>/dev/null
check "accounts eval: replaying its history gives the same screens" 'cmp -s "$tmp/acct-eval/screens.jsonl" "$tmp/acct-eval/replayed.jsonl"'

# Policy: the shipped default validates, its example cases pass, errors point at the line.
"$bin" policy check policies/default.yaml > "$tmp/policy.txt" 2>&1; status=$?
check "policy check: the shipped default policy is valid" '[ $status -eq 0 ] && grep -q "default" "$tmp/policy.txt"'
"$bin" policy test policies/default.yaml --cases policies/cases > "$tmp/policy-test.txt" 2>&1; status=$?
check "policy test: the shipped cases pass against the default policy" '[ $status -eq 0 ]'
printf 'policy: broken\nversion: 1\nrules:\n  - id: r1\n    when: {kind: post}\n    then: {actions: [explode], severity: low}\n' > "$tmp/broken.yaml"
"$bin" policy check "$tmp/broken.yaml" > "$tmp/broken.txt" 2>&1; status=$?
check "policy check: an invalid policy exits 1 and names file, line and column" '[ $status -ne 0 ] && grep -q "broken.yaml:6:" "$tmp/broken.txt"'

# Audit log: CLI changes are audited; verify passes, then names an edited record.
"$bin" keys create --role admin --name audit-check --data-dir "$tmp/audit" > /dev/null 2>&1
"$bin" bank create AUDITED --data-dir "$tmp/audit" > /dev/null 2>&1
"$bin" audit verify --data-dir "$tmp/audit" > "$tmp/audit.txt" 2>&1; status=$?
check "audit verify: an intact chain verifies (exit 0)" '[ $status -eq 0 ] && grep -q "verified: 2 records" "$tmp/audit.txt"'
python3 -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute(\"UPDATE bulwark_audit_log SET detail = '{}' WHERE seq = 2\"); db.commit()" "$tmp/audit/bulwark.sqlite"
"$bin" audit verify --data-dir "$tmp/audit" > "$tmp/audit-broken.txt" 2>&1; status=$?
check "audit verify: an edited record makes it exit 1 and says which" '[ $status -eq 1 ] && grep -q "record 2 was edited" "$tmp/audit-broken.txt"'

# The demo: from nothing to a seeded server and console links, on the embedded database.
"$bin" demo --port 18799 --data-dir "$tmp/demo" --exit-after-seed > "$tmp/demo.txt" 2>"$tmp/demo-err.txt"; status=$?
check "demo: plays the story with the verdicts it expects and prints one-time logins" '[ $status -eq 0 ] && ! grep -q "did not get the verdict" "$tmp/demo.txt" && grep -q "One-time login (specialist): http://127.0.0.1:18799/console/login?token=" "$tmp/demo.txt"'
check "demo: the trader's accounts end up in one case on the actor" 'grep -q "Cases waiting for review: known-media (1)" "$tmp/demo.txt"'
check "demo: the vault key it generated is readable by its owner only" '[ "$(stat -c %a "$tmp/demo/vault.key")" = "600" ]'

# Reviewers: one-time links; a second reviewer with the same name is refused.
"$bin" reviewers add casey --role specialist --url http://127.0.0.1:9 --data-dir "$tmp/rev" > "$tmp/rev.txt" 2>/dev/null; status=$?
check "reviewers add: prints a one-time console link" '[ $status -eq 0 ] && grep -q "^http://127.0.0.1:9/console/login?token=" "$tmp/rev.txt"'
"$bin" reviewers add casey --data-dir "$tmp/rev" > /dev/null 2>&1; status=$?
check "reviewers add: a taken name exits non-zero" '[ $status -ne 0 ]'
"$bin" vault keygen "$tmp/vault.key" > /dev/null 2>&1 && "$bin" vault keygen "$tmp/vault.key" > /dev/null 2>&1; status=$?
check "vault keygen: writes a 0600 key and never overwrites one" '[ $status -ne 0 ] && [ "$(stat -c %a "$tmp/vault.key")" = "600" ] && [ "$(tr -d "\n" < "$tmp/vault.key" | wc -c)" = "64" ]'

echo "cli: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
