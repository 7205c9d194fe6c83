import { ENV, usesRegistry } from '../common';
import type { GeneratorInput } from '../generatorInput';

/** A Python string literal (JSON's escapes are Python's). */
const q = (text: string): string => JSON.stringify(text);

/** src/decode.py: the record as the handler's Message, its value decoded by the chosen format. */
export function decodePy(input: GeneratorInput): string {
  const registry = usesRegistry(input);
  const deserializerImport =
    input.valueFormat === 'avro'
      ? 'avro import AvroDeserializer'
      : input.valueFormat === 'protobuf'
        ? 'protobuf import ProtobufDeserializer'
        : 'json_schema import JSONDeserializer';
  const imports = registry
    ? `from confluent_kafka.schema_registry import SchemaRegistryClient, SchemaRegistryError
from confluent_kafka.schema_registry.${deserializerImport}
from confluent_kafka.serialization import MessageField, SerializationContext
${input.valueFormat === 'protobuf' ? 'from model import MESSAGES as _MESSAGES\n' : ''}`
    : '';
  // Protobuf: the message class generated from the subject's schema reads the writer's bytes (the
  // registry confirms the schema id; its ccompat API may not serve the serialized descriptor).
  const deserializer =
    input.valueFormat === 'avro'
      ? 'AvroDeserializer(self._registry)'
      : input.valueFormat === 'protobuf'
        ? '{}  # by top-level message index: ProtobufDeserializer of that message class'
        : 'JSONDeserializer(None, schema_registry_client=self._registry)';
  const init = registry
    ? `        if not settings.registry_url:
            raise ValueError("${ENV.registryUrl} is not set; the ${input.valueFormat} values need the Schema Registry")
        conf = {"url": settings.registry_url, "timeout": 10}
        if settings.registry_user_info:
            conf["basic.auth.user.info"] = settings.registry_user_info
        self._registry = SchemaRegistryClient(conf)
        self._deserializer = ${deserializer}`
    : '        pass';
  const body =
    input.valueFormat === 'json'
      ? `        try:
            return json.loads(raw), {"format": "json"}
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
            raise MessageDecodeError(f"the value is not JSON: {error}") from error`
      : input.valueFormat === 'text'
        ? `        try:
            return raw.decode("utf-8"), {"format": "text"}
        except UnicodeDecodeError as error:
            raise MessageDecodeError(f"the value is not UTF-8 text: {error}") from error`
        : `        if len(raw) < 5 or raw[0] != 0:
            raise MessageDecodeError("the value does not start with the Schema Registry magic byte and a schema id")
        schema_id = int.from_bytes(raw[1:5], "big")
        try:
            self._registry.get_schema(schema_id)  # cached after the first time
        except SchemaRegistryError as error:
            if error.http_status_code == 404:
                raise MessageDecodeError(f"schema {schema_id} is not in the Schema Registry") from error
            raise RetriableError(f"the Schema Registry failed for schema {schema_id}: {error}") from error
        except Exception as error:
            raise RetriableError(f"the Schema Registry did not answer for schema {schema_id}: {error}") from error
        try:
            value = ${input.valueFormat === 'protobuf' ? 'self._protobuf(raw)' : 'self._deserializer'}(raw, SerializationContext(record.topic(), MessageField.VALUE))
        except MessageDecodeError:
            raise
        except Exception as error:
            raise MessageDecodeError(f"the value does not decode with schema {schema_id}: {error}") from error
        return value, {"format": ${q(input.valueFormat)}, "schemaId": schema_id}`;
  const protobufHelpers =
    input.valueFormat === 'protobuf'
      ? `

    def _protobuf(self, raw: bytes):
        """The deserializer of the top-level message the record's message indexes name."""
        indexes = _message_indexes(raw)
        if len(indexes) != 1 or not 0 <= indexes[0] < len(_MESSAGES):
            raise MessageDecodeError(f"the record names message {indexes} of its schema; this consumer reads the top-level messages 0 to {len(_MESSAGES) - 1}")
        if indexes[0] not in self._deserializer:
            self._deserializer[indexes[0]] = ProtobufDeserializer(_MESSAGES[indexes[0]], {"use.deprecated.format": False})
        return self._deserializer[indexes[0]]


def _message_indexes(raw: bytes) -> list:
    """Confluent's message indexes after the schema id: a zigzag varint count, then the indexes ([0] when none)."""
    pos = 5

    def varint() -> int:
        nonlocal pos
        result = shift = 0
        while True:
            if pos >= len(raw) or shift > 63:
                raise MessageDecodeError("the Protobuf message indexes are cut short")
            byte = raw[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return (result >> 1) ^ -(result & 1)

    count = varint()
    if not 0 <= count <= 64:
        raise MessageDecodeError(f"the Protobuf message index count {count} is not valid")
    return [varint() for _ in range(count)] or [0]`
      : '';
  return `"""Turns a fetched record into the handler's Message; a value that does not decode is a MessageDecodeError."""

from __future__ import annotations

${input.valueFormat === 'json' ? 'import json\n\n' : ''}from confluent_kafka import TIMESTAMP_NOT_AVAILABLE
${imports}
from contract import Message, Raw${registry ? ', RetriableError' : ''}


class MessageDecodeError(ValueError):
    """Never retried: the message goes straight to the dead-letter topic."""


class ValueDecoder:
    def __init__(self, settings):
${init}

    def decode(self, record) -> Message:
        raw = record.value()
        value, info = (None, {"format": "null"}) if raw is None else self._value(record, raw)
        key = record.key()
        kind, timestamp = record.timestamp()
        return Message(
            topic=record.topic(),
            partition=record.partition(),
            offset=record.offset(),
            timestamp=None if kind == TIMESTAMP_NOT_AVAILABLE else timestamp,
            key=None if key is None else key.decode("utf-8", "replace"),
            value=value,
            raw=Raw(key, raw, list(record.headers() or [])),
            value_format=info,
        )

    def _value(self, record, raw: bytes):
${body}${protobufHelpers}
`;
}
