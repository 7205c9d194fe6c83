"""The Python handler runtime of Kafka Consumer Lab: the process that runs a developer's handler,
under debugpy or without a debugger. Standard library only (Python 3.8+).

It connects to the engine's endpoint (KAFKA_LAB_HANDLER_ENDPOINT, with KAFKA_LAB_HANDLER_TOKEN),
loads the module the engine names, and answers ``handle`` frames with results, batched
(docs/handler-protocol.md). One thread reads frames; one worker thread runs the handler, message by
message, so a breakpoint pauses only the worker while cancels and shutdowns still arrive.

Failures follow the reference guide: the classes named in KAFKA_LAB_NON_RETRIABLE (a JSON list,
default JSONDecodeError, KeyError, ValueError; subclasses count, as in an ``except``) are not
retriable and go to the dead-letter topic; any other exception is retried with backoff. An
exception's own ``retriable`` attribute, when it has one, decides instead.
"""

import asyncio
import importlib.util
import inspect
import json
import os
import queue
import socket
import struct
import sys
import threading
import traceback

from kafka_lab_api import Context, Message, output_frame

PROTOCOL_VERSION = 1
MAX_FRAME_BYTES = 64 * 1024 * 1024
MAX_LOG_CHARS = 16_384
DEEPEST_VALUE = 10_000
THREAD_STACK_BYTES = 256 * 1024 * 1024
DEFAULT_NON_RETRIABLE = ("JSONDecodeError", "KeyError", "ValueError")
DECISIONS = ("skip", "retry", "deadLetter")
_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
_HEADER = struct.Struct(">I")
_MODULE_NAME = "kafka_lab_user_handler"


class ProtocolError(Exception):
    pass


class Connection:
    """Frames over the socket: 4 bytes of big-endian length, then UTF-8 JSON. Writes from any thread."""

    def __init__(self, endpoint):
        host, _, port = endpoint.rpartition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.sock.settimeout(None)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb", buffering=1 << 16)
        self.lock = threading.Lock()
        self.closed = False

    def send(self, frame):
        body = json.dumps(frame, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
        with self.lock:
            if self.closed:
                return
            try:
                self.sock.sendall(_HEADER.pack(len(body)) + body)
            except OSError:
                self.closed = True

    def receive(self):
        """The next frame, or None when the engine closed the connection."""
        header = self.reader.read(4)
        if len(header) < 4:
            return None
        (length,) = _HEADER.unpack(header)
        if length > MAX_FRAME_BYTES:
            raise ProtocolError(f"a frame of {length} bytes is over the {MAX_FRAME_BYTES}-byte limit")
        body = self.reader.read(length)
        if len(body) < length:
            return None
        frame = json.loads(body)
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            raise ProtocolError("a frame without a string type")
        return frame

    def close(self):
        with self.lock:
            self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def _non_retriable():
    text = os.environ.get("KAFKA_LAB_NON_RETRIABLE")
    if not text:
        return frozenset(DEFAULT_NON_RETRIABLE)
    try:
        names = json.loads(text)
    except ValueError:
        names = None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        sys.stderr.write("kafka-lab handler: KAFKA_LAB_NON_RETRIABLE is not a JSON list of class names; using the defaults\n")
        return frozenset(DEFAULT_NON_RETRIABLE)
    return frozenset(names)


def _class_names(cls):
    """Every name an exception class answers to: its own and its bases', plain and qualified."""
    names = set()
    for base in cls.__mro__:
        names.add(base.__name__)
        names.add(f"{base.__module__}.{base.__qualname__}")
    return names


def error_info(error, non_retriable):
    cls = type(error)
    frames = [
        f for f in traceback.extract_tb(error.__traceback__) if not os.path.abspath(f.filename).startswith(_RUNTIME_DIR)
    ]
    stack = "".join(traceback.format_list(frames)) + "".join(traceback.format_exception_only(cls, error))
    own = getattr(error, "retriable", None)
    retriable = own if isinstance(own, bool) else not (_class_names(cls) & non_retriable)
    message = str(error)
    return {
        "type": cls.__name__,
        "message": message[:MAX_LOG_CHARS],
        "stack": ("Traceback (most recent call last):\n" + stack)[: 64 * 1024],
        "retriable": retriable,
    }


def to_result(message_id, returned, outputs=None):
    if isinstance(returned, (list, tuple)):
        # Output records returned: after those passed to context.send().
        outputs = list(outputs or [])
        for record in returned:
            outputs.append(output_frame(record, len(outputs)))
        return {"id": message_id, "outcome": "ok", "outputs": outputs}
    if returned is None:
        if outputs:
            return {"id": message_id, "outcome": "ok", "outputs": outputs}
        return {"id": message_id, "outcome": "ok"}
    decision = returned.get("decision") if isinstance(returned, dict) else getattr(returned, "decision", None)
    if decision is None:
        if outputs:
            return {"id": message_id, "outcome": "ok", "outputs": outputs}
        return {"id": message_id, "outcome": "ok"}
    if decision in DECISIONS:
        reason = returned.get("reason") if isinstance(returned, dict) else getattr(returned, "reason", None)
        result = {"id": message_id, "outcome": "decision", "decision": decision}
        if isinstance(reason, str):
            result["reason"] = reason[:4096]
        return result
    return {
        "id": message_id,
        "outcome": "error",
        "error": {
            "type": "InvalidDecision",
            "message": f"the handler returned decision {decision!r}; use 'skip', 'retry' or 'deadLetter'",
            "retriable": False,
        },
    }


class Runtime:
    def __init__(self, connection, non_retriable):
        self.connection = connection
        self.non_retriable = non_retriable
        self.module_path = ""
        self.export = "handle"
        self.handler = None
        self.work = queue.SimpleQueue()
        self.running = {}  # id -> Context of the call in progress (or waiting), for cancels
        self.running_lock = threading.Lock()
        self.loop = None

    # ---- the reader thread (the main thread) ----

    def serve(self):
        self.connection.send(
            {
                "type": "hello",
                "protocol": PROTOCOL_VERSION,
                "token": os.environ["KAFKA_LAB_HANDLER_TOKEN"],
                "runtime": f"python {sys.version.split()[0]}",
                "pid": os.getpid(),
            }
        )
        worker = threading.Thread(target=self.work_loop, name="kafka-lab handler", daemon=True)
        worker.start()
        try:
            while True:
                frame = self.connection.receive()
                if frame is None:
                    break
                kind = frame["type"]
                if kind == "welcome":
                    self.module_path = frame.get("module", "")
                    self.export = frame.get("export") or "handle"
                    self.work.put(("load", None))
                elif kind == "reload":
                    self.work.put(("load", None))
                elif kind == "handle":
                    batch = []
                    with self.running_lock:
                        for message in frame.get("messages", ()):
                            context = Context(message, self.log)
                            self.running[message["id"]] = context
                            batch.append((message, context))
                    self.work.put(("handle", batch))
                elif kind == "cancel":
                    with self.running_lock:
                        for message_id in frame.get("ids", ()):
                            context = self.running.pop(message_id, None)
                            if context is not None:
                                context.cancelled.set()
                elif kind == "shutdown":
                    break
        except (ProtocolError, ValueError) as error:
            sys.stderr.write(f"kafka-lab handler: the engine sent a malformed frame ({error}); exiting\n")
            self.connection.close()
            os._exit(70)
        except OSError as error:
            sys.stderr.write(f"kafka-lab handler: the connection to the engine failed ({error}); exiting\n")
        with self.running_lock:
            for context in self.running.values():
                context.cancelled.set()
        self.connection.close()

    # ---- the worker thread: loads and calls, in the order they came ----

    def work_loop(self):
        self.loop = asyncio.new_event_loop()
        ok, results = [], []
        while True:
            kind, payload = self.work.get()
            if kind == "load":
                self.load()
            else:
                for message, context in payload:
                    if context.cancelled.is_set():
                        continue  # cancelled before it ran: no result is expected any more
                    result = self.call(message, context)
                    with self.running_lock:
                        still_wanted = self.running.pop(message["id"], None) is not None
                    if not still_wanted:
                        continue
                    if result["outcome"] == "ok" and "outputs" not in result:
                        ok.append(result["id"])
                    else:
                        results.append(result)
            # Results go out when no more work is waiting: one frame per burst, as the protocol batches.
            if (ok or results) and self.work.empty():
                self.connection.send({"type": "results", "ok": ok, "results": results})
                ok, results = [], []

    def load(self):
        self.handler = None
        try:
            if not os.path.isfile(self.module_path):
                raise FileNotFoundError(f"the handler module {self.module_path} does not exist")
            directory = os.path.dirname(self.module_path)
            if directory not in sys.path:
                sys.path.insert(0, directory)  # the handler's own imports resolve beside it
            self.forget_user_modules(directory)
            spec = importlib.util.spec_from_file_location(_MODULE_NAME, self.module_path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[_MODULE_NAME] = module
            spec.loader.exec_module(module)
            candidate = getattr(module, self.export, None)
            if not callable(candidate):
                names = ", ".join(n for n in vars(module) if not n.startswith("_") and callable(getattr(module, n)))
                raise AttributeError(
                    f"{self.module_path} has no function {self.export!r} (its functions: {names or 'none'})"
                )
            self.handler = candidate
            self.connection.send({"type": "ready", "module": self.module_path, "export": self.export})
        except BaseException as error:  # a syntax error, an import error, anything at module level
            info = error_info(error, self.non_retriable)
            if isinstance(error, SyntaxError) and error.filename:
                info["message"] = f"{error.msg} ({error.filename}:{error.lineno})"
            self.connection.send({"type": "loadFailed", "error": info})

    @staticmethod
    def forget_user_modules(directory):
        """Drops the modules loaded from the handler's folder, so a reload runs the saved code of each."""
        prefix = os.path.abspath(directory) + os.sep
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            if name == _MODULE_NAME or (file and os.path.abspath(file).startswith(prefix)):
                del sys.modules[name]

    def call(self, frame, context):
        handler = self.handler
        if handler is None:
            return {
                "id": frame["id"],
                "outcome": "error",
                "error": {
                    "type": "HandlerNotLoaded",
                    "message": f"the handler module {self.module_path} is not loaded",
                    "retriable": True,
                },
            }
        try:
            returned = handler(Message(frame), context)
            if inspect.isawaitable(returned):
                returned = self.loop.run_until_complete(returned)
            return to_result(frame["id"], returned, context.outputs)
        except Exception as error:  # the handler's failure is the message's outcome
            return {"id": frame["id"], "outcome": "error", "error": error_info(error, self.non_retriable)}

    def log(self, level, message, message_id=None):
        frame = {"type": "log", "level": level, "message": message[:MAX_LOG_CHARS]}
        if message_id:
            frame["id"] = message_id
        self.connection.send(frame)


def main():
    endpoint = os.environ.get("KAFKA_LAB_HANDLER_ENDPOINT")
    if not endpoint or not os.environ.get("KAFKA_LAB_HANDLER_TOKEN"):
        sys.stderr.write(
            "kafka-lab handler: KAFKA_LAB_HANDLER_ENDPOINT and KAFKA_LAB_HANDLER_TOKEN must be set; "
            "this process is started by Kafka Consumer Lab\n"
        )
        sys.exit(64)
    try:
        connection = Connection(endpoint)
    except OSError as error:
        sys.stderr.write(f"kafka-lab handler: cannot reach the engine at {endpoint}: {error}\n")
        sys.exit(69)
    # Decoded values come up to 10,000 levels deep (the engine's export limit); the json module
    # parses them recursively. The reading and working threads get a stack, and the interpreter a
    # recursion limit, that such a frame fits in; deeper than that is cut by the engine first.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), DEEPEST_VALUE + 1_000))
    threading.stack_size(THREAD_STACK_BYTES)
    runtime = Runtime(connection, _non_retriable())
    reader = threading.Thread(target=runtime.serve, name="kafka-lab frames")
    reader.start()
    reader.join()


if __name__ == "__main__":
    main()
