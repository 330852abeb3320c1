#!/usr/bin/env python3
"""Crash test: kill -9 the server while 10,000 decisions are in flight, restart it, and check that
every action is delivered exactly once by idempotency key and that the audit chain verifies.

    scripts/crash_test.py BULWARK_BIN [--posts 10000] [--kill-after 3000] [--database-url URL [--servers N]]

What it does:
  1. starts a webhook receiver (this process) that checks every signature and records every key;
  2. starts `bulwark serve` on a fresh SQLite data directory (or the given PostgreSQL database),
     with a listed handle, so that each post is decided `remove` with two actions;
  3. sends the posts from 32 threads and kill -9s the server once `--kill-after` answers are in;
  4. restarts it and sends ALL posts again (the intake is idempotent on contentId): those decided
     before the crash must come back byte for byte, the others are decided now;
  5. waits for the outbox to drain and compares the delivered keys with the keys of the answers.
With --servers N (PostgreSQL only), N servers share the database and the posts; only the first is
killed, the others go on deciding and delivering from the same outbox.
Exit status 0 when everything holds; every failure is printed.
"""
import argparse, base64, hashlib, hmac, http.client, json, os, random, shutil, signal, socket, subprocess
import sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = b"crash-test-secret-" + b"x" * 32


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """The platform's side: verifies signatures, records deliveries per idempotency key."""

    def __init__(self):
        self.lock = threading.Lock()
        self.deliveries = {}      # key -> count
        self.bad_signatures = 0
        self.mismatched = 0       # header key != body key
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                ok = receiver.verify(self.headers.get("Bulwark-Signature", ""), body)
                key = self.headers.get("Bulwark-Idempotency-Key", "")
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = {}
                with receiver.lock:
                    if not ok:
                        receiver.bad_signatures += 1
                    else:
                        if payload.get("idempotencyKey") != key:
                            receiver.mismatched += 1
                        receiver.deliveries[key] = receiver.deliveries.get(key, 0) + 1
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def verify(header, body):
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        t, signature = parts.get("t"), parts.get("v1")
        if not t or not signature or abs(time.time() - int(t)) > 300:
            return False
        expected = hmac.new(SECRET, t.encode() + b"." + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)


class Server:
    def __init__(self, binary, data_dir, database_url, webhook_port, key_file, log):
        self.binary, self.data_dir, self.database_url = binary, data_dir, database_url
        self.webhook_port, self.key_file, self.log = webhook_port, key_file, log
        self.port = free_port()
        self.process = None

    def store_args(self):
        return ["--database-url", self.database_url] if self.database_url else ["--data-dir", self.data_dir]

    def start(self):
        self.port = free_port()
        args = [self.binary, "serve", "--port", str(self.port), "--canary-seconds", "0",
                "--webhook-url", f"http://127.0.0.1:{self.webhook_port}/hook", "--webhook-secret-file", self.key_file,
                "--log-level", "warning"] + self.store_args()
        self.process = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bulwark serve exited with {self.process.returncode}; see its log")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/readyz")
                if c.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit("bulwark serve did not become ready in 120 s")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def request(port, key, method, path, body=None, timeout=60):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"X-API-Key": key}
    if body is not None:
        headers["Content-Type"] = "application/json"
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    return r.status, dict(r.getheaders()), data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--kill-after", type=int, default=3_000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--database-url")
    parser.add_argument("--servers", type=int, default=1)
    args = parser.parse_args()
    if args.servers > 1 and not args.database_url:
        parser.error("--servers needs --database-url: several processes share one PostgreSQL")

    work = tempfile.mkdtemp(prefix="bulwark-crash-")
    data_dir = os.path.join(work, "data")
    key_file = os.path.join(work, "webhook.secret")
    with open(key_file, "wb") as f:
        f.write(SECRET)
    log = open(os.path.join(work, "serve.log"), "ab")
    failures = []

    store = ["--database-url", args.database_url] if args.database_url else ["--data-dir", data_dir]
    key = subprocess.run([args.binary, "keys", "create", "--role", "admin", "--name", "crash-test"] + store,
                         check=True, capture_output=True, text=True).stdout.strip()
    receiver = Receiver()
    servers = [Server(args.binary, data_dir, args.database_url, receiver.port, key_file, log) for _ in range(args.servers)]
    for s in servers:
        s.start()
    server = servers[0]

    status, _, body = request(server.port, key, "POST", "/v1/banks", json.dumps({"name": "crash-listed"}))
    assert status == 201, (status, body)
    status, _, body = request(server.port, key, "POST", "/v1/banks/crash-listed/entries", json.dumps(
        {"entries": [{"signalType": "handle", "value": "telegram:crashtest_seller"}]}))
    assert status == 201, (status, body)
    time.sleep(1.0)  # the list follower polls every 200 ms

    posts = [(f"crash-{i}", json.dumps({"contentId": f"crash-{i}", "kind": "post", "account": f"acct-{i % 500}",
                                         "text": f"new menu every week, message t.me/crashtest_seller (#{i})"}))
             for i in range(args.posts)]
    first = {}          # contentId -> (status, body) answered before the crash
    lock = threading.Lock()
    killed = threading.Event()
    answered = [0]

    def send(batch, ports, into):
        conn = None
        port = ports[0]
        for content_id, body in batch:
            for attempt in range(2):
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    conn.request("POST", "/v1/content", body=body,
                                 headers={"X-API-Key": key, "Content-Type": "application/json"})
                    r = conn.getresponse()
                    data = r.read()
                    with lock:
                        into[content_id] = (r.status, data, r.getheader("Bulwark-Replayed"))
                        answered[0] += 1
                        if answered[0] >= args.kill_after and not killed.is_set() and into is first:
                            killed.set()
                            server.kill()
                    break
                except (OSError, http.client.HTTPException):
                    conn = None
                    if killed.is_set() and port == server.port:
                        return
            if killed.is_set() and into is first and port == server.port:
                return

    def run(into):
        random.seed(7)
        shuffled = posts[:]
        random.shuffle(shuffled)
        chunks = [shuffled[i::args.threads] for i in range(args.threads)]
        # Each thread talks to one server; the threads are spread over all of them.
        threads = [threading.Thread(target=send, args=(chunk, [servers[i % len(servers)].port], into))
                   for i, chunk in enumerate(chunks)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    started = time.time()
    run(first)
    if not killed.is_set():
        failures.append("the server was never killed: fewer answers than --kill-after")
    decided_before = {cid: v for cid, v in first.items() if v[0] == 200}
    print(f"phase 1: {len(decided_before)} decisions answered, then kill -9 "
          f"({sum(receiver.deliveries.values())} webhooks received so far)")

    server.start()
    second = {}
    run(second)
    print(f"phase 2: all {len(second)} posts resubmitted after the restart in {time.time() - started:.1f} s")

    expected_keys = set()
    for content_id, _ in posts:
        status, body, replayed = second.get(content_id, (None, b"", None))
        if status != 200:
            failures.append(f"{content_id}: status {status} after the restart: {body[:200]!r}")
            continue
        answer = json.loads(body)
        keys = [a["idempotencyKey"] for a in answer["actions"]]
        if not keys:
            failures.append(f"{content_id}: no actions (verdict {answer.get('verdict')})")
        expected_keys.update(keys)
        if content_id in decided_before:
            if decided_before[content_id][1] != body:
                failures.append(f"{content_id}: the answer after the restart differs from the answer before the crash")
            if replayed != "true":
                failures.append(f"{content_id}: decided before the crash but not marked Bulwark-Replayed")

    deadline = time.time() + 600
    while time.time() < deadline:
        status, _, body = request(server.port, key, "GET", "/v1/outbox")
        stats = json.loads(body)
        if stats["pending"] == 0:
            break
        time.sleep(0.5)
    print(f"outbox: {stats}")
    if stats["pending"] != 0:
        failures.append(f"the outbox did not drain: {stats}")
    if stats["dead"] != 0:
        failures.append(f"{stats['dead']} actions were dead-lettered")
    for s in servers:
        s.stop()

    with receiver.lock:
        delivered = dict(receiver.deliveries)
    missing = expected_keys - delivered.keys()
    extra = delivered.keys() - expected_keys
    duplicates = sum(count - 1 for count in delivered.values() if count > 1)
    print(f"actions expected {len(expected_keys)}, delivered distinct keys {len(delivered)}, missing {len(missing)}, "
          f"unexpected {len(extra)}, redeliveries of a key {duplicates} (deduplicated by the receiver), "
          f"bad signatures {receiver.bad_signatures}")
    if missing:
        failures.append(f"{len(missing)} actions were never delivered, e.g. {sorted(missing)[:3]}")
    if extra:
        failures.append(f"{len(extra)} deliveries carry keys no answer announced, e.g. {sorted(extra)[:3]}")
    if receiver.bad_signatures:
        failures.append(f"{receiver.bad_signatures} webhooks had invalid signatures")
    if receiver.mismatched:
        failures.append(f"{receiver.mismatched} webhooks had a header key different from the body's")

    verify = subprocess.run([args.binary, "audit", "verify"] + store, capture_output=True, text=True)
    print(verify.stdout.strip())
    if verify.returncode != 0:
        failures.append(f"bulwark audit verify failed: {verify.stdout.strip()} {verify.stderr.strip()}")

    if failures:
        print("CRASH TEST FAILED:")
        for f in failures[:30]:
            print("  - " + f)
        print(f"(work directory kept: {work})")
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)
    print("crash test passed: every action delivered (exactly once by key), answers stable across the crash, audit chain verified")


if __name__ == "__main__":
    main()
