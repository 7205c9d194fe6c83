import { DEFAULT_PYTHON_NON_RETRIABLE } from '../../handler/handlerLaunchConfig';
import { DLQ_ENVELOPE_FIELDS, DLQ_HEADERS, DLQ_HEADER_LIMITS, DLQ_HEADER_PREFIX } from '../../dlq/envelopeContract';

/** A Python string literal (JSON's escapes are Python's). */
const q = (text: string): string => JSON.stringify(text);

export function contractPy(): string {
  return `"""The handler contract of Kafka Consumer Lab: the extension runs the same handle(message, context)
under the debugger (debugpy), so handler.py is debugged as it runs here. Standard library only.
"""

from __future__ import annotations

import logging
import threading

__all__ = ["Message", "Raw", "Context", "RetriableError", "HandlerDeadLetter", "HandlerRetry", "is_retriable"]

#: The reference guide's non-retriable failures (subclasses count): they go straight to the dead-letter topic.
NON_RETRIABLE = (${DEFAULT_PYTHON_NON_RETRIABLE.map(q).join(', ')})

_log = logging.getLogger("handler")


class Raw:
    """The bytes as they came: key, value (None for a tombstone) and headers (ordered, repeats kept)."""

    __slots__ = ("key", "value", "headers")

    def __init__(self, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]):
        self.key, self.value, self.headers = key, value, headers


class Message:
    """One record: where it is, its decoded key and value, its headers and its bytes."""

    __slots__ = ("topic", "partition", "offset", "timestamp", "key", "value", "headers", "raw", "format")

    def __init__(self, topic, partition, offset, timestamp, key, value, raw: Raw, value_format: dict):
        self.topic = topic
        self.partition = partition
        self.offset = offset
        #: Milliseconds since the epoch, or None.
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.raw = raw
        #: Header values as text (undecodable bytes replaced); the last wins for a repeated name.
        self.headers = {k: (v or b"").decode("utf-8", "replace") for k, v in raw.headers}
        self.format = {"key": {"format": "text" if key is not None else "null"}, "value": value_format}

    def __repr__(self):
        return f"Message(topic={self.topic!r}, partition={self.partition}, offset={self.offset}, key={self.key!r}, value={self.value!r})"


class Context:
    """The context of one call: the attempt, a replay flag, a cancellation event, and log()."""

    __slots__ = ("attempt", "replay", "cancelled", "_prefix")

    def __init__(self, attempt: int = 1, cancelled: threading.Event | None = None, prefix: str = ""):
        self.attempt = attempt
        self.replay = False
        #: Set when the partition is revoked or the consumer stops: give up the work.
        self.cancelled = cancelled or threading.Event()
        self._prefix = prefix

    def log(self, *args) -> None:
        _log.info("[%s] %s", self._prefix, " ".join(a if isinstance(a, str) else repr(a) for a in args))


class RetriableError(Exception):
    """A failure worth retrying (a dependency that is down): retried with backoff."""

    retriable = True


class HandlerDeadLetter(Exception):
    """A {"decision": "deadLetter"} result (the extension records the same class)."""

    retriable = False


class HandlerRetry(RetriableError):
    """A {"decision": "retry"} result."""


def is_retriable(error: BaseException, non_retriable=NON_RETRIABLE) -> bool:
    """An error's own \`retriable\` attribute decides; else the non-retriable classes (and subclasses) are not."""
    own = getattr(error, "retriable", None)
    if isinstance(own, bool):
        return own
    names = {base.__name__ for base in type(error).__mro__} | {
        f"{base.__module__}.{base.__qualname__}" for base in type(error).__mro__
    }
    return not names.intersection(non_retriable)
`;
}

export function watermarkPy(): string {
  return `"""One partition's offsets in fetch order, and which are done.

What may be committed is the first offset not done yet: never past a message that is still
running, waiting for a retry, or whose dead-letter write is not acknowledged, however many later
ones finished. (The guide's thread-pool example commits each message as it completes, which can
commit past one that failed.)
"""

from __future__ import annotations

from collections import deque


class Watermark:
    def __init__(self):
        self._offsets: deque[int] = deque()
        self._done: set[int] = set()
        self._last_done: int | None = None

    def track(self, offset: int) -> None:
        self._offsets.append(offset)

    def finish(self, offset: int) -> None:
        self._done.add(offset)
        while self._offsets and self._offsets[0] in self._done:
            first = self._offsets.popleft()
            self._done.discard(first)
            self._last_done = first

    def committable(self) -> int | None:
        """The offset to commit (the next one to read), or None when nothing is done yet."""
        if self._last_done is None:
            return None
        return self._offsets[0] if self._offsets else self._last_done + 1
`;
}

export function deadLetterPy(): string {
  const fieldsDoc = DLQ_ENVELOPE_FIELDS.join(', ');
  return `"""Kafka Consumer Lab's dead-letter envelope (its DLQ view and re-drive read it), written with acks=all.

Fields: ${fieldsDoc}. Generated from the extension's own constants; do not rename.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import traceback
from datetime import datetime, timezone

from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, KafkaException, Producer

DLQ_HEADER_PREFIX = ${q(DLQ_HEADER_PREFIX)}
DLQ_HEADERS = {
${Object.entries(DLQ_HEADERS)
  .map(([k, v]) => `    ${q(k)}: ${q(v)},`)
  .join('\n')}
}
MAX_ERROR_MESSAGE_HEADER = ${DLQ_HEADER_LIMITS.errorMessage}
MAX_ERROR_STACK_HEADER = ${DLQ_HEADER_LIMITS.errorStack}
WRITE_TIMEOUT_S = 15


class DeadLetterWriteError(Exception):
    """The write was not acknowledged: the source message stays uncommitted and the write is tried again."""

    retriable = True


def _iso_millis(now: datetime) -> str:
    now = now.astimezone(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def build_envelope(record, error: BaseException, retry_count: int, now: datetime | None = None) -> dict:
    value = record.value()
    if value is None:
        payload, encoding = None, "null"
    else:
        try:
            payload, encoding = value.decode("utf-8"), "utf8"
        except UnicodeDecodeError:
            payload, encoding = base64.b64encode(value).decode("ascii"), "base64"
    envelope = {
        "original_topic": record.topic(),
        "original_partition": record.partition(),
        "original_offset": record.offset(),
    }
    kind, timestamp = record.timestamp()
    if kind != TIMESTAMP_NOT_AVAILABLE and timestamp >= 0:
        envelope["original_timestamp"] = timestamp
    envelope.update(
        error_type=type(error).__name__,
        error_message=str(error),
        failed_at=_iso_millis(now or datetime.now(timezone.utc)),
        retry_count=retry_count,
        payload=payload,
        payload_encoding=encoding,
    )
    return envelope


def dead_letter_headers(record, envelope: dict, error: BaseException) -> list[tuple[str, bytes]]:
    """The original headers (earlier dead-letter headers dropped) and this failure's."""
    kept = [(k, v) for k, v in (record.headers() or []) if not k.startswith(DLQ_HEADER_PREFIX)]
    stack = "".join(traceback.format_exception(type(error), error, error.__traceback__))[:MAX_ERROR_STACK_HEADER]
    added = [
        (DLQ_HEADERS["originalTopic"], envelope["original_topic"]),
        (DLQ_HEADERS["originalPartition"], str(envelope["original_partition"])),
        (DLQ_HEADERS["originalOffset"], str(envelope["original_offset"])),
        (DLQ_HEADERS["errorType"], envelope["error_type"]),
        (DLQ_HEADERS["errorMessage"], envelope["error_message"][:MAX_ERROR_MESSAGE_HEADER]),
        (DLQ_HEADERS["failedAt"], envelope["failed_at"]),
        (DLQ_HEADERS["retryCount"], str(envelope["retry_count"])),
        (DLQ_HEADERS["errorStack"], stack),
    ]
    return kept + [(k, v.encode("utf-8", "replace")) for k, v in added]


class DeadLetterProducer:
    """write() returns only once the broker acknowledged the envelope (acks=all, idempotent)."""

    def __init__(self, settings):
        self._topic = settings.dlq_topic
        self._topic_known = False
        self._producer = Producer(
            {
                **settings.connection,
                "client.id": f"{settings.group_id}-dead-letters",
                "acks": "all",
                "enable.idempotence": True,
                "message.timeout.ms": WRITE_TIMEOUT_S * 1000,
                "linger.ms": 5,
            }
        )

    def write(self, record, error: BaseException, retry_count: int) -> None:
        self._check_topic()
        envelope = build_envelope(record, error, retry_count)
        delivered = threading.Event()
        outcome = {}

        def on_delivery(err, _msg):
            outcome["error"] = err
            delivered.set()

        try:
            self._producer.produce(
                self._topic,
                key=record.key(),
                value=json.dumps(envelope).encode("utf-8"),
                headers=dead_letter_headers(record, envelope, error),
                on_delivery=on_delivery,
            )
        except (BufferError, KafkaException) as e:
            raise DeadLetterWriteError(f"could not queue the dead-letter write: {e}") from e
        deadline = time.monotonic() + WRITE_TIMEOUT_S + 5
        while not delivered.is_set():
            if time.monotonic() > deadline:
                raise DeadLetterWriteError(f"the dead-letter write to {self._topic} was not acknowledged in time")
            self._producer.poll(0.05)
        if outcome["error"] is not None:
            raise DeadLetterWriteError(f"the broker refused the dead-letter write: {outcome['error']}")

    def _check_topic(self) -> None:
        if self._topic_known:
            return
        try:
            metadata = self._producer.list_topics(self._topic, timeout=10)
        except KafkaException as e:
            raise DeadLetterWriteError(f"could not read metadata for {self._topic}: {e}") from e
        topic = metadata.topics.get(self._topic)
        if topic is None or topic.error is not None or not topic.partitions:
            raise DeadLetterWriteError(f"the dead-letter topic {self._topic} does not exist: create it")
        self._topic_known = True

    def close(self) -> None:
        self._producer.flush(10)
`;
}
