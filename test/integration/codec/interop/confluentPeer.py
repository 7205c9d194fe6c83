"""The interop peer: Confluent's own Python serializers (confluent-kafka from PyPI) encode records
against the real registry and produce them to the real broker. This project wrote none of it.

Prints one JSON object per record to stdout: {"label", "format", "meant"}, where "meant" is what the
serializer was given, in JSON form (bytes as base64, Protobuf through json_format.MessageToDict with
proto field names and default values); records marked "view": "pyview" give it as pyview() of the
Python objects (edgeCorpus.json: every Avro logical type, int64 edges, non-finite doubles).
Usage: confluentPeer.py BOOTSTRAP REGISTRY_URL TOPIC RUN_ID
"""
import base64
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient, topic_record_subject_name_strategy
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext, StringSerializer
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.json_format import MessageToDict
from pyview import from_readable, pyview  # noqa: E402
from wktEvent import event_classes  # noqa: E402

bootstrap, registry_url, topic, run_id = sys.argv[1:5]
registry = SchemaRegistryClient({"url": registry_url})
records = []
results = []


def ctx(field=MessageField.VALUE):
    return SerializationContext(topic, field)


# --- Avro: nested record, array, map, enum, unions, bytes, fixed, long, double, boolean --------
avro_schema = json.dumps({
    "type": "record", "name": "Reading", "namespace": "lab.interop",
    "fields": [
        {"name": "sensor", "type": "string"},
        {"name": "at", "type": "long"},
        {"name": "celsius", "type": "double"},
        {"name": "ok", "type": "boolean"},
        {"name": "raw", "type": "bytes"},
        {"name": "mac", "type": {"type": "fixed", "name": "Mac", "size": 6}},
        {"name": "level", "type": {"type": "enum", "name": "Level", "symbols": ["LOW", "HIGH"]}},
        {"name": "place", "type": {"type": "record", "name": "Place", "fields": [
            {"name": "room", "type": "string"}, {"name": "floor", "type": ["null", "int"], "default": None}]}},
        {"name": "history", "type": {"type": "array", "items": "float"}},
        {"name": "labels", "type": {"type": "map", "values": "string"}},
        {"name": "note", "type": ["null", "string"], "default": None},
    ],
})
avro_values = [
    {"sensor": "t-1", "at": 1700000000123, "celsius": -3.25, "ok": True, "raw": b"\x00\xffab", "mac": b"\x01\x02\x03\x04\x05\x06",
     "level": "HIGH", "place": {"room": "lab", "floor": 2}, "history": [1.5, -0.25], "labels": {"site": "north"}, "note": None},
    {"sensor": "t-2", "at": -1, "celsius": 0.0, "ok": False, "raw": b"", "mac": b"\x00" * 6,
     "level": "LOW", "place": {"room": "attic", "floor": None}, "history": [], "labels": {}, "note": "Grüße ☃"},
]
avro = AvroSerializer(registry, avro_schema)
for i, value in enumerate(avro_values):
    meant = dict(value, raw=base64.b64encode(value["raw"]).decode(), mac=base64.b64encode(value["mac"]).decode())
    records.append((f"avro-{i}", avro(value, ctx())))
    results.append({"label": f"avro-{i}", "format": "avro", "meant": meant})

# --- Avro edge values: every logical type, int64 edges, non-finite doubles (edgeCorpus.json) ------
with open(os.path.join(os.path.dirname(__file__), "edgeCorpus.json"), encoding="utf-8") as corpus_file:
    corpus = json.load(corpus_file)
edge_schema = corpus["avro"]["schema"]
edge = AvroSerializer(registry, json.dumps(edge_schema), conf={"subject.name.strategy": topic_record_subject_name_strategy})
for i, readable in enumerate(corpus["avro"]["records"]):
    value = {f["name"]: from_readable(f["type"], readable[f["name"]]) for f in edge_schema["fields"]}
    records.append((f"avro-edge-{i}", edge(value, ctx())))
    results.append({"label": f"avro-edge-{i}", "format": "avro", "view": "pyview", "meant": pyview(value)})

# --- Protobuf with an import: messages built from descriptors, as protoc would ---------------------
F = descriptor_pb2.FieldDescriptorProto
pool = descriptor_pool.DescriptorPool()
common_name = f"lab/interop/{run_id}/common.proto"
common = descriptor_pb2.FileDescriptorProto(name=common_name, package=f"lab.interop.r{run_id}.common", syntax="proto3")
money = common.message_type.add(name="Money")
money.field.add(name="cents", number=1, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
money.field.add(name="currency", number=2, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
pool.Add(common)
pkg = f"lab.interop.r{run_id}"
orders = descriptor_pb2.FileDescriptorProto(name=f"lab/interop/{run_id}/orders.proto", package=pkg, syntax="proto3", dependency=[common_name])
order = orders.message_type.add(name="Order")
order.field.add(name="order_id", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
order.field.add(name="total", number=2, type=F.TYPE_MESSAGE, type_name=f".{pkg}.common.Money", label=F.LABEL_OPTIONAL)
entry = order.nested_type.add(name="TagsEntry")
entry.field.add(name="key", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
entry.field.add(name="value", number=2, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
entry.options.map_entry = True
order.field.add(name="tags", number=3, type=F.TYPE_MESSAGE, type_name=f".{pkg}.Order.TagsEntry", label=F.LABEL_REPEATED)
line = order.nested_type.add(name="Line")
line.field.add(name="sku", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
line.field.add(name="qty", number=2, type=F.TYPE_SINT32, label=F.LABEL_OPTIONAL)
order.field.add(name="lines", number=4, type=F.TYPE_MESSAGE, type_name=f".{pkg}.Order.Line", label=F.LABEL_REPEATED)
status = orders.enum_type.add(name="Status")
status.value.add(name="NEW", number=0)
status.value.add(name="SHIPPED", number=1)
order.field.add(name="status", number=5, type=F.TYPE_ENUM, type_name=f".{pkg}.Status", label=F.LABEL_OPTIONAL)
order.field.add(name="blob", number=6, type=F.TYPE_BYTES, label=F.LABEL_OPTIONAL)
order.field.add(name="paid", number=7, type=F.TYPE_BOOL, label=F.LABEL_OPTIONAL)
refund = orders.message_type.add(name="Refund")
refund.field.add(name="order_id", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
refund.field.add(name="amount", number=2, type=F.TYPE_MESSAGE, type_name=f".{pkg}.common.Money", label=F.LABEL_OPTIONAL)
pool.Add(orders)

Order = message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{pkg}.Order"))
Line = message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{pkg}.Order.Line"))
Refund = message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{pkg}.Refund"))

o = Order(order_id="o-1", status=1, blob=b"\x01\x02", paid=True)
o.total.cents = 9007199254740993
o.total.currency = "EUR"
o.tags["gift"] = "yes"
o.lines.add(sku="s-1", qty=-2)
# Well-known types, 64-bit edges, NaN and an enum: the canonical JSON mapping is what MessageToDict writes.
Event, Detail = event_classes(f"lab.interop.r{run_id}.wkt")
w = Event(min=-9223372036854775808, max=18446744073709551615, ratio=float("nan"), level=1)
w.at.FromJsonString("1969-12-31T23:59:59.999999999Z")
w.took.FromJsonString("-1.500s")
w.big.value = -9223372036854775808
w.note.value = "Grüße 😀"
w.flag.value = False
w.attrs.update({"a": 1, "b": [True, None, "x"], "c": {"d": -2.5}})
w.list.extend([1, "two", {"three": 3}])
w.any_json.string_value = "just a string"
w.mask.FromJsonString("user.displayName,id")
detail = Detail(code="E1")
detail.seen.FromJsonString("2024-02-29T12:00:00Z")
w.detail.Pack(detail)
w.history.add().FromJsonString("1970-01-01T00:00:00Z")
w.history.add().FromJsonString("2038-01-19T03:14:08.123Z")
messages = [("protobuf-order", o), ("protobuf-line", Line(sku="s-9", qty=7)), ("protobuf-refund", Refund(order_id="o-1")), ("protobuf-empty", Order()), ("protobuf-wkt", w)]
for label, message in messages:
    # Topic + record name subjects, so the three formats do not share the topic's value subject.
    serializer = ProtobufSerializer(type(message), registry, {"use.deprecated.format": False, "subject.name.strategy": topic_record_subject_name_strategy})
    records.append((label, serializer(message, ctx())))
    meant = MessageToDict(message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
    results.append({"label": label, "format": "protobuf", "type": message.DESCRIPTOR.full_name, "meant": meant})

# --- JSON Schema ------------------------------------------------------------------------------
json_schema = json.dumps({
    "$schema": "http://json-schema.org/draft-07/schema#", "title": "Parcel", "type": "object",
    "properties": {"id": {"type": "string"}, "weight": {"type": "number"}, "fragile": {"type": "boolean"},
                   "dims": {"type": "array", "items": {"type": "integer"}}, "to": {"type": ["object", "null"]}},
    "required": ["id"],
})
json_serializer = JSONSerializer(json_schema, registry, conf={"subject.name.strategy": topic_record_subject_name_strategy})
for i, value in enumerate([{"id": "p-1", "weight": 1.25, "fragile": True, "dims": [10, 20, 30], "to": {"city": "Zürich"}},
                           {"id": "p-2", "to": None}]):
    records.append((f"json-{i}", json_serializer(value, ctx())))
    results.append({"label": f"json-{i}", "format": "jsonSchema", "meant": value})

# --- produce everything with a string key; keys and values decode independently -----------------
producer = Producer({"bootstrap.servers": bootstrap})
keys = StringSerializer("utf_8")
for label, value in records:
    producer.produce(topic, key=keys(label, ctx(MessageField.KEY)), value=value, headers=[("case", label.encode())])
remaining = producer.flush(20)
if remaining:
    sys.exit(f"{remaining} records were not delivered")
for result in results:
    print(json.dumps(result))
