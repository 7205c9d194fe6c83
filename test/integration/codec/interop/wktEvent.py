"""The Protobuf message with well-known types used by both interop directions, built from a
descriptor as protoc would (no protoc here). Mirrors WKT_EVENT_PROTO in codecInterop.test.ts."""
from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, duration_pb2, field_mask_pb2, message_factory, struct_pb2, timestamp_pb2, wrappers_pb2  # noqa: F401 (registers the well-known files)

F = descriptor_pb2.FieldDescriptorProto


def event_classes(package):
    """(Event, Detail) message classes in `package`, added to the default pool (which has the well-known files)."""
    pool = descriptor_pool.Default()
    name = f"{package.replace('.', '/')}/event.proto"
    try:
        pool.FindFileByName(name)
    except KeyError:
        f = descriptor_pb2.FileDescriptorProto(name=name, package=package, syntax="proto3", dependency=[
            "google/protobuf/timestamp.proto", "google/protobuf/duration.proto", "google/protobuf/wrappers.proto",
            "google/protobuf/struct.proto", "google/protobuf/field_mask.proto", "google/protobuf/any.proto"])
        level = f.enum_type.add(name="Level")
        level.value.add(name="LEVEL_UNKNOWN", number=0)
        level.value.add(name="LEVEL_HIGH", number=1)
        event = f.message_type.add(name="Event")
        message = lambda n, number, t, label=F.LABEL_OPTIONAL: event.field.add(name=n, number=number, type=F.TYPE_MESSAGE, type_name=t, label=label)  # noqa: E731
        message("at", 1, ".google.protobuf.Timestamp")
        message("took", 2, ".google.protobuf.Duration")
        message("big", 3, ".google.protobuf.Int64Value")
        message("note", 4, ".google.protobuf.StringValue")
        message("flag", 5, ".google.protobuf.BoolValue")
        message("attrs", 6, ".google.protobuf.Struct")
        message("list", 7, ".google.protobuf.ListValue")
        message("any_json", 8, ".google.protobuf.Value")
        message("mask", 9, ".google.protobuf.FieldMask")
        message("detail", 10, ".google.protobuf.Any")
        event.field.add(name="min", number=11, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
        event.field.add(name="max", number=12, type=F.TYPE_UINT64, label=F.LABEL_OPTIONAL)
        event.field.add(name="ratio", number=13, type=F.TYPE_DOUBLE, label=F.LABEL_OPTIONAL)
        event.field.add(name="level", number=14, type=F.TYPE_ENUM, type_name=f".{package}.Level", label=F.LABEL_OPTIONAL)
        message("history", 15, ".google.protobuf.Timestamp", F.LABEL_REPEATED)
        detail = f.message_type.add(name="Detail")
        detail.field.add(name="code", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
        detail.field.add(name="seen", number=2, type=F.TYPE_MESSAGE, type_name=".google.protobuf.Timestamp", label=F.LABEL_OPTIONAL)
        pool.Add(f)
    return (message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{package}.Event")),
            message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{package}.Detail")))
