#!/usr/bin/env python3
"""A burst of turns through a broker hang (issue 13, item 4), against a running `./switchboard up`.

N sessions of a sim agent; the broker is stopped (SIGSTOP), one message is posted to each session, the broker resumes
AWAY seconds after the posts began, and every turn's end is awaited. Prints the posts' answers, the turns' outcome
(completed, failed by code) and the CPU each service used from the posts to the last turn's end.

    ./switchboard up   (in another terminal)
    e2e/bench/hang-burst.py [N=1300] [AWAY=25]
"""
import collections, json, os, signal, sys, threading, time, urllib.error, urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
HOME = os.environ.get("SWITCHBOARD_HOME", os.path.join(ROOT, ".switchboard"))
TOKEN = open(os.path.join(HOME, "admin-token")).read().strip()
API = "http://localhost:%s" % os.environ.get("SWITCHBOARD_API_PORT", "8081")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 1300
AWAY = int(sys.argv[2]) if len(sys.argv) > 2 else 25


def call(method, path, body=None, timeout=120):
    request = urllib.request.Request(API + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except Exception as e:  # a refused or cut connection counts as an answer of its own
        return -1, str(e)


def each(task, count, at_once=100):
    for start in range(0, count, at_once):
        threads = [threading.Thread(target=task, args=(i,)) for i in range(start, min(count, start + at_once))]
        [t.start() for t in threads]
        [t.join() for t in threads]


agent = json.loads(call("POST", "/api/agents", {"name": "hang-burst-%d" % time.time(), "model": "sim"})[1])["id"]
sessions = [None] * N
each(lambda i: sessions.__setitem__(i, json.loads(call("POST", "/api/sessions", {"agentId": agent})[1])["id"]), N, 50)
lock = threading.Lock()


def cpu_seconds():
    """Each service's CPU time so far (user and system), by the jar `up` runs it from."""
    used = {}
    for service in ("agent-runtime", "llm-gateway", "eval-runner", "admin-ui"):
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if ("services/%s/target/quarkus-app" % service).encode() in open("/proc/%s/cmdline" % pid, "rb").read():
                    fields = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
                    used[service] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except OSError:
                pass
    return used


cpu_before = cpu_seconds()
kafka = int(open(os.path.join(HOME, "run", "kafka.pid")).read().split()[0])
os.kill(kafka, signal.SIGSTOP)
began = time.time()
posts = collections.Counter()
try:
    def post(i):
        code, _ = call("POST", "/api/sessions/%s/messages" % sessions[i], {"text": "message %d" % i})
        with lock:
            posts[code] += 1
    each(post, N)
    print("%d posts with the broker stopped: %s in %.1f s" % (N, dict(posts), time.time() - began))
    time.sleep(max(0.0, AWAY - (time.time() - began)))
finally:
    os.kill(kafka, signal.SIGCONT)
print("broker back after %.0f s" % (time.time() - began))

deadline = time.time() + 300
while True:
    ends, codes = collections.Counter(), collections.Counter()

    def check(i):
        code, body = call("GET", "/api/sessions/%s" % sessions[i])
        turn = json.loads(body)["turns"][-1] if code == 200 and json.loads(body)["turns"] else None
        with lock:
            ends[turn["status"] if turn else "unknown"] += 1
            if turn and turn["status"] == "failed":
                codes[turn.get("errorCode")] += 1
    each(check, N)
    if ends["completed"] + ends["failed"] == posts[202] or time.time() > deadline:
        break
    time.sleep(5)
print("turns %.0f s after the posts began: %s; failed by code: %s" % (time.time() - began, dict(ends), dict(codes)))
cpu_after = cpu_seconds()
print("CPU seconds: " + ", ".join("%s %.1f" % (s, cpu_after[s] - cpu_before[s]) for s in cpu_after if s in cpu_before))
