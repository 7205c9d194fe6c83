"""One comparable JSON form of a decoded value, for both interop directions: Decimal as fixed-point
text, dates and times in ISO form with microseconds (datetime.isoformat(timespec="microseconds")),
UUIDs as text, bytes as base64, non-finite floats as "NaN"/"Infinity"/"-Infinity", ints exact.
The TypeScript side maps its readable forms to the same (interopView.ts)."""
import base64
import datetime
import decimal
import math
import uuid


def pyview(value):
    if isinstance(value, dict):
        return {k: pyview(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [pyview(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def from_readable(schema_type, value):
    """This codec's readable JSON form (edgeCorpus.json) as the Python objects fastavro writes."""
    logical = schema_type.get("logicalType") if isinstance(schema_type, dict) else None
    base = schema_type.get("type") if isinstance(schema_type, dict) else schema_type
    if isinstance(base, list):
        return None if value is None else from_readable(next(b for b in base if b != "null"), value)
    if logical == "decimal":
        return decimal.Decimal(value)
    if logical in ("timestamp-millis", "timestamp-micros"):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if logical in ("local-timestamp-millis", "local-timestamp-micros"):
        return datetime.datetime.fromisoformat(value)
    if logical == "date":
        return datetime.date.fromisoformat(value)
    if logical in ("time-millis", "time-micros"):
        return datetime.time.fromisoformat(value)
    if logical == "duration":
        return b"".join(int(value[k]).to_bytes(4, "little") for k in ("months", "days", "milliseconds"))
    if base == "long":
        return int(value)
    if base == "double":
        return float(value)
    if base == "bytes":
        return base64.b64decode(value)
    return value
