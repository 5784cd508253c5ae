#!/usr/bin/env python3
"""The benchmarks' canned OpenAI answers, served by nginx as a fake upstream: canned-answers.py <work dir> writes
<work>/www/<name>/v1/chat/completions for json (one completion), sse1, s20 and s200 (streams of 1, 20 and 200 chunks)."""
import json, os, sys
work = sys.argv[1]
def chunk(delta, finish=None):
    return "data: " + json.dumps({"id": "chatcmpl-b", "object": "chat.completion.chunk", "created": 1764230400,
        "model": "bench", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}) + "\n\n"
usage = "data: " + json.dumps({"id": "chatcmpl-b", "object": "chat.completion.chunk", "created": 1764230400,
        "model": "bench", "choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30}}) + "\n\n"
def stream(n):
    return chunk({"role": "assistant", "content": ""}) + "".join(chunk({"content": f" token{i}"}) for i in range(n)) \
        + chunk({}, "stop") + usage + "data: [DONE]\n\n"
files = {"json": json.dumps({"id": "chatcmpl-b", "object": "chat.completion", "created": 1764230400, "model": "bench",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there, how can I help?"},
            "finish_reason": "stop"}], "usage": {"prompt_tokens": 10, "completion_tokens": 7, "total_tokens": 17}}),
         "sse1": stream(1), "s20": stream(20), "s200": stream(200)}
for name, body in files.items():
    os.makedirs(f"{work}/www/{name}/v1/chat", exist_ok=True)
    open(f"{work}/www/{name}/v1/chat/completions", "w").write(body)
