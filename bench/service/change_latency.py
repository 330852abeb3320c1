"""Change-to-match latency across two bulwark processes sharing one database.

Adds an entry through server A, then asks server B to match it until it does; repeats and
reports percentiles. Also disables entries through A and waits until B stops matching them.
Usage: change_latency.py URL_A URL_B KEY [ROUNDS]
"""
import json, random, sys, time, urllib.request

a, b, key = sys.argv[1], sys.argv[2], sys.argv[3]
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 200
headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

def call(base, method, path, body=None):
    req = urllib.request.Request(base + path, method=method, headers=headers,
                                 data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")

status, _ = call(a, "POST", "/v1/banks", {"name": "LATENCY"})
assert status in (201, 409), status
rng = random.Random(7)
add_latency, disable_latency = [], []
for i in range(rounds):
    value = "%064x" % rng.getrandbits(256)
    t0 = time.monotonic()
    status, out = call(a, "POST", "/v1/banks/LATENCY/entries", {"entries": [{"signalType": "pdq", "value": value}]})
    assert status == 201, (status, out)
    entry = out["results"][0]["id"]
    while True:
        status, out = call(b, "POST", "/v1/match", {"pdq": value})
        if any(m["entryId"] == entry for m in out.get("matches", [])):
            break
        if time.monotonic() - t0 > 10:
            raise SystemExit(f"entry {entry} not matched on B within 10 s")
        time.sleep(0.005)
    add_latency.append(time.monotonic() - t0)
    if i % 4 == 0:
        t0 = time.monotonic()
        status, _ = call(a, "PATCH", f"/v1/entries/{entry}", {"enabled": False})
        assert status == 200, status
        while True:
            status, out = call(b, "POST", "/v1/match", {"pdq": value})
            if not any(m["entryId"] == entry for m in out.get("matches", [])):
                break
            if time.monotonic() - t0 > 10:
                raise SystemExit(f"entry {entry} still matched on B 10 s after disabling")
            time.sleep(0.005)
        disable_latency.append(time.monotonic() - t0)

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000

result = {
    "rounds": rounds,
    "add_ms": {"p50": pct(add_latency, 50), "p99": pct(add_latency, 99), "max": max(add_latency) * 1000},
    "disable_ms": {"p50": pct(disable_latency, 50), "p99": pct(disable_latency, 99), "max": max(disable_latency) * 1000},
}
print(json.dumps(result))
