"""The reverse interop peer: Confluent's own Python deserializers (confluent-kafka from PyPI) read
records this codec encoded, from the real broker, with their schemas from the real registry.

Prints one JSON object per record: {"label", "shown"}, where "shown" is pyview() of what the
deserializer returned (Protobuf: json_format.MessageToDict, the canonical proto3 JSON mapping).
Records say their format in a "format" header (avro, protobuf, json).
Usage: confluentReader.py BOOTSTRAP REGISTRY_URL TOPIC COUNT PROTO_PACKAGE
"""
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from confluent_kafka import Consumer  # noqa: E402
from confluent_kafka.schema_registry import SchemaRegistryClient  # noqa: E402
from confluent_kafka.schema_registry.avro import AvroDeserializer  # noqa: E402
from confluent_kafka.schema_registry.json_schema import JSONDeserializer  # noqa: E402
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer  # noqa: E402
from confluent_kafka.serialization import MessageField, SerializationContext  # noqa: E402
from google.protobuf.json_format import MessageToDict  # noqa: E402
from pyview import pyview  # noqa: E402
from wktEvent import event_classes  # noqa: E402

bootstrap, registry_url, topic, count, package = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
registry = SchemaRegistryClient({"url": registry_url})
Event, _ = event_classes(package)
deserializers = {
    "avro": AvroDeserializer(registry),
    "json": JSONDeserializer(None, schema_registry_client=registry),
    "protobuf": ProtobufDeserializer(Event, {"use.deprecated.format": False}),
}
consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"interop-reader-{uuid.uuid4()}", "auto.offset.reset": "earliest", "enable.auto.commit": False})
consumer.subscribe([topic])
seen = 0
try:
    while seen < count:
        msg = consumer.poll(20)
        if msg is None:
            sys.exit(f"only {seen} of {count} records arrived within 20 s")
        if msg.error():
            continue
        headers = {k: v.decode() for k, v in (msg.headers() or [])}
        value = deserializers[headers["format"]](msg.value(), SerializationContext(topic, MessageField.VALUE))
        if headers["format"] == "protobuf":
            value = MessageToDict(value, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
        print(json.dumps({"label": headers["case"], "shown": pyview(value)}), flush=True)
        seen += 1
finally:
    consumer.close()
