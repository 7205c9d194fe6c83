"""What a Python handler receives: the message (decoded value as Python objects, the bytes) and its
context. Standard library only; shipped inside Kafka Consumer Lab with kafka_lab_handler.py.

The protocol carries decoded values as JSON, and marks (in a payload's ``types``) the strings that
stand for something JSON has no type for: exact longs past 2^53, decimals, dates and timestamps.
Those become ``int``, ``Decimal``, ``date``, ``datetime``, ``time`` and ``UUID`` here; a value that
Python cannot hold exactly (a timestamp in nanoseconds, a year past 9999) stays the exact string.
"""

import base64
import json
import datetime as _dt
import re
import threading
import uuid
from decimal import Decimal, InvalidOperation

__all__ = ["Message", "Context", "Raw", "PayloadInfo", "typed_value", "output_frame"]

_INTEGER = re.compile(r"^-?[0-9]+$")
_SPECIAL_FLOATS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
# Fractions Python's datetime holds exactly: up to 6 digits (microseconds).
_FRACTION = re.compile(r"\.([0-9]{1,6})$")


def _timestamp(text, utc):
    """An ISO timestamp with up to microseconds, or None (nanoseconds, years past 9999: kept as text)."""
    body = text[:-1] if text.endswith("Z") else text
    if utc and not text.endswith("Z"):
        return None
    if "." in body and not _FRACTION.search(body):
        return None
    try:
        value = _dt.datetime.fromisoformat(body)
    except ValueError:
        return None
    return value.replace(tzinfo=_dt.timezone.utc) if utc else value


def _time(text):
    if "." in text and not _FRACTION.search(text):
        return None
    try:
        return _dt.time.fromisoformat(text)
    except ValueError:
        return None


def _date(text):
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        return None


def _number(text):
    if _INTEGER.match(text):
        return int(text)
    return _SPECIAL_FLOATS.get(text)


def _decimal(text):
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def _uuid(text):
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


# The payload types (see docs/handler-protocol.md, "types") and how each becomes a Python value; a
# converter answers None when the text has no exact Python form, and the text is kept.
_CONVERTERS = {
    "number": _number,
    "decimal": _decimal,
    "date": _date,
    "time-millis": _time,
    "time-micros": _time,
    "timestamp-millis": lambda t: _timestamp(t, True),
    "timestamp-micros": lambda t: _timestamp(t, True),
    "timestamp-nanos": lambda t: _timestamp(t, True),
    "local-timestamp-millis": lambda t: _timestamp(t, False),
    "local-timestamp-micros": lambda t: _timestamp(t, False),
    "local-timestamp-nanos": lambda t: _timestamp(t, False),
    "google.protobuf.Timestamp": lambda t: _timestamp(t, True),
    "uuid": _uuid,
}


def typed_value(decoded, types):
    """The decoded JSON with each typed string replaced by its Python value (in place; iterative)."""
    if not types:
        return decoded
    holder = [decoded]
    for note in types:
        at = note.get("at")
        convert = _CONVERTERS.get(note.get("type"))
        if convert is None or not isinstance(at, list):
            continue
        parent, key = holder, 0
        try:
            for segment in at:
                parent, key = parent[key], segment
            current = parent[key]
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(current, str):
            converted = convert(current)
            if converted is not None:
                parent[key] = converted
    return holder[0]


class PayloadInfo:
    """How a key or value was decoded: its format, schema id and subject, or why decoding failed."""

    __slots__ = ("format", "schema_id", "subject", "decode_error")

    def __init__(self, payload):
        self.format = payload.get("format")
        self.schema_id = payload.get("schemaId")
        self.subject = payload.get("subject")
        self.decode_error = payload.get("decodeError")

    def __repr__(self):
        parts = [f"format={self.format!r}"]
        if self.schema_id is not None:
            parts.append(f"schema_id={self.schema_id!r}")
        if self.subject is not None:
            parts.append(f"subject={self.subject!r}")
        if self.decode_error is not None:
            parts.append(f"decode_error={self.decode_error!r}")
        return f"PayloadInfo({', '.join(parts)})"


def _bytes(payload):
    raw = payload.get("raw")
    return None if raw is None else base64.b64decode(raw)


class Raw:
    """The bytes as they came: key, value (None for a null key or a tombstone) and headers (ordered, repeats kept)."""

    __slots__ = ("key", "value", "headers")

    def __init__(self, frame):
        self.key = _bytes(frame["key"])
        self.value = _bytes(frame["value"])
        self.headers = [(h["key"], base64.b64decode(h["value"])) for h in frame.get("headers", ())]

    def __repr__(self):
        return f"Raw(key={self.key!r}, value={self.value!r}, headers={self.headers!r})"


class Message:
    """One record: where it is, its decoded key and value, its headers and its bytes."""

    __slots__ = ("topic", "partition", "offset", "timestamp", "key", "value", "_frame", "_raw", "_headers")

    def __init__(self, frame):
        self.topic = frame["topic"]
        self.partition = frame["partition"]
        self.offset = frame["offset"]
        #: Milliseconds since the epoch (CreateTime or LogAppendTime), or None.
        self.timestamp = frame.get("timestamp")
        key, value = frame["key"], frame["value"]
        self.key = typed_value(key.get("decoded"), key.get("types"))
        self.value = typed_value(value.get("decoded"), value.get("types"))
        self._frame = frame
        self._raw = None
        self._headers = None

    @property
    def time(self):
        """The timestamp as an aware UTC datetime, or None."""
        if self.timestamp is None:
            return None
        epoch = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
        return epoch + _dt.timedelta(milliseconds=self.timestamp)

    @property
    def raw(self):
        if self._raw is None:
            self._raw = Raw(self._frame)
        return self._raw

    @property
    def headers(self):
        """Header values as text (UTF-8, undecodable bytes replaced); the last wins for a repeated name."""
        if self._headers is None:
            self._headers = {k: v.decode("utf-8", "replace") for k, v in self.raw.headers}
        return self._headers

    @property
    def format(self):
        return {"key": PayloadInfo(self._frame["key"]), "value": PayloadInfo(self._frame["value"])}

    def __repr__(self):
        return (
            f"Message(topic={self.topic!r}, partition={self.partition}, offset={self.offset}, "
            f"key={self.key!r}, value={self.value!r})"
        )


def _output_bytes(what, payload, json_ok):
    if payload is None:
        return None
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(payload)).decode("ascii")
    if isinstance(payload, str):
        return base64.b64encode(payload.encode("utf-8")).decode("ascii")
    if not json_ok:
        raise ValueError(f"{what} must be str, bytes or None (got {type(payload).__name__})")
    # Decimal, dates and UUIDs as their exact text; ints of any size stay exact JSON numbers.
    text = json.dumps(payload, default=str, ensure_ascii=False)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


_TRAILING_ZEROS = re.compile(r"\.([0-9]+?)0*(?=$|[+-])")


def _json_default(value):
    """Decimal, UUID as their exact text; dates, times and datetimes as ISO 8601 (what the encoder reads)."""
    if isinstance(value, (_dt.datetime, _dt.time)):
        # isoformat() writes microseconds as 6 digits: trailing zeros go, so that a millisecond
        # timestamp fits timestamp-millis (a finer fraction is refused by the encoder, not rounded).
        return _TRAILING_ZEROS.sub(r".\1", value.isoformat())
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    raise TypeError(f"a {type(value).__name__} cannot be written as JSON")


def _schema_json(what, payload):
    """A key or value for the registry to encode, as JSON text (ints of any size stay exact)."""
    if isinstance(payload, (bytes, bytearray, memoryview)):
        raise ValueError(f"{what} is bytes, but a schema asks the registry to encode it: give the value itself")
    try:
        text = json.dumps(payload, default=_json_default, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what} cannot be written as JSON: {error}") from None
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


# The schema choice's keys in Python's spelling, and the protocol's.
_SCHEMA_KEYS = {
    "format": "format",
    "strategy": "strategy",
    "record_name": "recordName",
    "subject": "subject",
    "version": "version",
    "message_type": "messageType",
}


def _schema_frame(what, schema):
    """A key_schema / value_schema dict as the protocol carries it (the engine checks every value)."""
    if schema is None:
        return None
    if not isinstance(schema, dict):
        raise ValueError(f"{what} must be a dict such as {{'format': 'avro'}}")
    unknown = [k for k in schema if k not in _SCHEMA_KEYS]
    if unknown:
        raise ValueError(f"{what} has unknown keys {unknown}: use {', '.join(_SCHEMA_KEYS)}")
    return {_SCHEMA_KEYS[k]: v for k, v in schema.items() if v is not None}


def output_frame(record, index):
    """An output record (a dict with topic, key, value, headers, partition) as the protocol carries it."""
    where = f"output {index + 1}"
    if not isinstance(record, dict):
        raise ValueError(f"{where} is not a dict with a topic and a value")
    topic = record.get("topic")
    if not isinstance(topic, str) or not topic:
        raise ValueError(f"{where} needs a topic")
    key_schema = _schema_frame(f"{where}: key_schema", record.get("key_schema"))
    value_schema = _schema_frame(f"{where}: value_schema", record.get("value_schema"))
    frame = {
        "topic": topic,
        "key": _schema_json(f"{where}: the key", record.get("key"))
        if key_schema is not None
        else _output_bytes(f"{where}: the key", record.get("key"), False),
        "value": _schema_json(f"{where}: the value", record.get("value"))
        if value_schema is not None
        else _output_bytes(f"{where}: the value", record.get("value"), True),
    }
    if key_schema is not None:
        frame["keySchema"] = key_schema
    if value_schema is not None:
        frame["valueSchema"] = value_schema
    partition = record.get("partition")
    if partition is not None:
        if not isinstance(partition, int) or isinstance(partition, bool) or partition < 0:
            raise ValueError(f"{where}: partition must be a non-negative int")
        frame["partition"] = partition
    headers = record.get("headers")
    if headers:
        items = headers.items() if isinstance(headers, dict) else headers
        frame["headers"] = [
            {"key": str(k), "value": _output_bytes(f"{where}: header {k!r}", v, False) or ""} for k, v in items
        ]
    return frame


class Context:
    """The context of one call: the attempt, a replay flag, a cancellation event, log() and send()."""

    __slots__ = ("attempt", "replay", "cancelled", "_id", "_log", "outputs")

    def __init__(self, frame, log):
        #: 1 on the first attempt, 2 on the first retry, ...
        self.attempt = frame.get("attempt", 1)
        #: A replay from the panel: whatever the handler does, nothing is committed.
        self.replay = frame.get("replay") is True
        #: Set when the partition is revoked or the session stops: give up the work.
        self.cancelled = threading.Event()
        self._id = frame["id"]
        self._log = log
        #: What send() was given, encoded for the protocol.
        self.outputs = []

    def log(self, *args):
        """Writes a line to the Kafka Consumer Lab output, tagged with this message."""
        self._log("info", " ".join(a if isinstance(a, str) else repr(a) for a in args), self._id)

    def send(self, record):
        """Produces an output record if this call succeeds: at-least-once, acknowledged before the
        input commits; exactly-once, in the input's transaction. ``record`` is a dict: ``topic``,
        ``value`` (str or bytes as they are, anything else as JSON), optional ``key``, ``headers``
        (a dict) and ``partition``; ``value_schema`` / ``key_schema`` (a dict: ``format`` ``avro``,
        ``protobuf`` or ``jsonSchema``, optional ``strategy``, ``record_name``, ``subject``,
        ``version``, ``message_type``) encode the value / key through the Schema Registry."""
        self.outputs.append(output_frame(record, len(self.outputs)))

    def __repr__(self):
        return f"Context(attempt={self.attempt}, replay={self.replay}, cancelled={self.cancelled.is_set()})"
