"""A local HTTP server speaking OpenAI's Chat Completions streaming wire format (and /v1/embeddings).

The real ``openai`` client talks to it over a loopback socket, so tests exercise the actual SSE
parsing, tool-call delta assembly, retries, timeouts and connection closing.

Script replies per test (consumed in order; an empty script answers "OK"):
    fake.reply_text(["Hel", "lo"], delay=0.0)
    fake.reply_tool_calls([("query_technicians", '{"district": "Dallas"}')], pieces=3)
    fake.reply_error(500)
    fake.reply_hang(seconds=5, after=["partial "])   # stream some text, then stall
Misbehaving the way real servers and proxies do:
    fake.reply_error(429, retry_after="20")          # rate limit with a Retry-After header
    fake.reply_stall(seconds=5)                      # accept the request, never send headers
    fake.reply_trickle(seconds=5)                    # headers, then only SSE keep-alive comments
    fake.reply_cut(["Hal", "f"], abrupt=True)        # stream ends without finish_reason / [DONE]
                                                     # (abrupt: chunked body cut mid-way, like a dying proxy)
    fake.reply_bad_json(after=["ok "])               # a chunk that is not JSON
    fake.reply_text([...], finish="length")          # any finish_reason; usage=(0, 0) to under-report
    fake.reply_tool_calls([(name, args)] * 50)       # any number of parallel calls, any argument text
Observe: ``fake.requests`` (parsed JSON bodies), ``fake.client_closed`` (threading.Event set when the
client dropped a streaming response before it finished).
"""

from __future__ import annotations

import base64
import json
import select
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

from assistant.embeddings import LocalEmbedder


class _Closed(Exception):
    pass


class FakeOpenAI:
    def __init__(self, model: str = "fake-gpt"):
        self.model = model
        self.script: deque[dict] = deque()
        self.requests: list[dict] = []
        self.paths: list[str] = []
        self.client_closed = threading.Event()
        self.emitted: list[float] = []  # perf_counter() when each content chunk was flushed (benchmarks)
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake.lock:
                    fake.paths.append(self.path)
                if self.path.endswith("/embeddings"):
                    return fake._embeddings(self, body)
                if not self.path.endswith("/chat/completions"):
                    self.send_error(404)
                    return
                with fake.lock:
                    fake.requests.append(body)
                    step = fake.script.popleft() if fake.script else {"kind": "text", "pieces": ["OK"], "delay": 0}
                try:
                    fake._chat(self, body, step)
                except _Closed:
                    fake.client_closed.set()
                except (BrokenPipeError, ConnectionResetError):
                    fake.client_closed.set()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-openai", daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------------ scripting
    def reply_text(self, pieces, delay: float = 0.0, usage=(11, 7), finish: str = "stop"):
        self.script.append({"kind": "text", "pieces": list(pieces), "delay": delay, "usage": usage, "finish": finish})

    def reply_tool_calls(self, calls, pieces: int = 3, text_before: str = "", usage=(20, 9)):
        self.script.append(
            {"kind": "tools", "calls": list(calls), "pieces": pieces, "text": text_before, "usage": usage}
        )

    def reply_echo_tools(self):
        """A 'model' that repeats every tool result it was given (worst case for data leaks)."""
        self.script.append({"kind": "echo_tools"})

    def reply_error(self, status: int = 500, times: int = 1, retry_after: str | None = None):
        for _ in range(times):
            self.script.append({"kind": "error", "status": status, "retry_after": retry_after})

    def reply_stall(self, seconds: float, times: int = 1):
        for _ in range(times):
            self.script.append({"kind": "stall", "seconds": seconds})

    def reply_trickle(self, seconds: float, interval: float = 0.1):
        self.script.append({"kind": "trickle", "seconds": seconds, "interval": interval})

    def reply_cut(self, pieces=(), abrupt: bool = False):
        self.script.append({"kind": "cut", "pieces": list(pieces), "abrupt": abrupt})

    def reply_bad_json(self, after=()):
        self.script.append({"kind": "bad_json", "pieces": list(after)})

    def reply_hang(self, seconds: float, after=()):
        self.script.append({"kind": "hang", "seconds": seconds, "pieces": list(after)})

    def tool_messages(self) -> list[str]:
        """Every tool result the client sent back to the 'model' (the contents of role=tool messages)."""
        return [m.get("content") or "" for r in self.requests for m in r.get("messages", []) if m.get("role") == "tool"]

    # ------------------------------------------------------------------ wire format
    def _chunk(self, delta=None, finish=None, usage=None, choices=True):
        data = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}] if choices else [],
        }
        if usage is not None:
            data["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
        return data

    @staticmethod
    def _write(handler, payload):
        sock = handler.connection
        readable, _, _ = select.select([sock], [], [], 0)
        if readable:
            try:
                if sock.recv(1, socket.MSG_PEEK) == b"":
                    raise _Closed
            except (ConnectionResetError, OSError):
                raise _Closed from None
        text = payload if isinstance(payload, str) else f"data: {json.dumps(payload)}\n\n"
        data = text.encode()
        if getattr(handler, "chunked", False):
            data = f"{len(data):x}\r\n".encode() + data + b"\r\n"
        handler.wfile.write(data)
        handler.wfile.flush()

    @staticmethod
    def _wait(handler, seconds: float):
        """Sleep, noticing a client that hung up (so tests can see the request was dropped)."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            time.sleep(0.05)
            readable, _, _ = select.select([handler.connection], [], [], 0)
            if readable and handler.connection.recv(1, socket.MSG_PEEK) == b"":
                raise _Closed

    def _chat(self, h, body, step):
        if step["kind"] == "error":
            msg = json.dumps({"error": {"message": "fake upstream failure", "type": "server_error"}}).encode()
            h.send_response(step["status"])
            h.send_header("Content-Type", "application/json")
            if step.get("retry_after") is not None:
                h.send_header("Retry-After", step["retry_after"])
            h.send_header("Content-Length", str(len(msg)))
            h.end_headers()
            h.wfile.write(msg)
            return
        if step["kind"] == "stall":
            self._wait(h, step["seconds"])
            return
        chunked = step["kind"] == "cut" and step["abrupt"]
        if chunked:  # HTTP/1.1 chunked like real servers; cutting it mid-body is a protocol error for the client
            h.protocol_version = "HTTP/1.1"
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
            h.send_header("Connection", "close")
        h.end_headers()
        h.chunked = chunked
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        self._write(h, self._chunk({"role": "assistant", "content": ""}))
        if step["kind"] == "hang":
            for p in step["pieces"]:
                self._write(h, self._chunk({"content": p}))
            self._wait(h, step["seconds"])
            return
        if step["kind"] == "trickle":
            deadline = time.time() + step["seconds"]
            while time.time() < deadline:
                self._write(h, ": keep-alive\n\n")
                self._wait(h, step["interval"])
            return
        if step["kind"] in ("cut", "bad_json"):
            for p in step["pieces"]:
                self._write(h, self._chunk({"content": p}))
            if step["kind"] == "bad_json":
                self._write(h, 'data: {"id": "chatcmpl-fake", "choices": [{"delta": {"content": "x"\n\n')
                self._write(h, self._chunk({}, finish="stop"))
                self._write(h, "data: [DONE]\n\n")
            elif chunked:
                h.wfile.write(b'40\r\ndata: {"id": "chatcmpl-fake", "choi')  # half a chunk, then gone
                h.wfile.flush()
                h.close_connection = True
            return
        if step["kind"] == "echo_tools":
            tool_texts = [m.get("content") or "" for m in body.get("messages", []) if m.get("role") == "tool"]
            step = {"kind": "text", "pieces": [t + "\n" for t in tool_texts] or ["(no tools)"], "delay": 0}
        if step["kind"] == "text":
            for p in step["pieces"]:
                if step["delay"]:
                    time.sleep(step["delay"])
                self._write(h, self._chunk({"content": p}))
                self.emitted.append(time.perf_counter())
            finish = step.get("finish", "stop")
        else:
            if step.get("text"):
                self._write(h, self._chunk({"content": step["text"]}))
            for i, (name, args) in enumerate(step["calls"]):
                call_id = f"call_{len(self.requests)}_{i}"
                self._write(
                    h,
                    self._chunk(
                        {
                            "tool_calls": [
                                {
                                    "index": i,
                                    "id": call_id,
                                    "type": "function",
                                    "function": {"name": name, "arguments": ""},
                                }
                            ]
                        }
                    ),
                )
                n = max(1, step["pieces"])
                size = max(1, -(-len(args) // n))
                for k in range(0, len(args), size):
                    self._write(
                        h, self._chunk({"tool_calls": [{"index": i, "function": {"arguments": args[k : k + size]}}]})
                    )
            finish = "tool_calls"
        self._write(h, self._chunk({}, finish=finish))
        if include_usage:
            self._write(h, self._chunk(usage=step.get("usage", (10, 5)), choices=False))
        self._write(h, "data: [DONE]\n\n")

    def _embeddings(self, h, body):
        inputs = body.get("input")
        inputs = [inputs] if isinstance(inputs, str) else list(inputs or [])
        vectors = LocalEmbedder().embed(inputs)
        b64 = body.get("encoding_format") == "base64"
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": base64.b64encode(np.asarray(v, dtype="<f4").tobytes()).decode() if b64 else v,
            }
            for i, v in enumerate(vectors)
        ]
        n = sum(len(t.split()) for t in inputs)
        msg = json.dumps(
            {
                "object": "list",
                "data": data,
                "model": body.get("model"),
                "usage": {"prompt_tokens": n, "total_tokens": n},
            }
        ).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(msg)))
        h.end_headers()
        h.wfile.write(msg)
