import { ENV, SECRET_ENV, exactlyOnceReadme, kafkaLabLaunch, usesRegistry } from '../common';
import type { GeneratorInput } from '../generatorInput';

/** src/handler.py of the exactly-once variant: it returns the output records. */
export function handlerEosPy(input: GeneratorInput, rootName: string): string {
  return `"""Your processing, once per message. Kafka Consumer Lab runs this same handle() under the debugger."""

from __future__ import annotations

from contract import Context, Message
from model import ${rootName}  # noqa: F401  (the type of message.value)


class InvalidMessage(ValueError):
    """Bad data: a ValueError (like KeyError and JSONDecodeError) is not retried; it goes to the dead-letter topic."""


def handle(message: Message, context: Context):
    """Return the records to produce: a list of {"value", "key", "headers", "topic", "partition"} dicts
    (the topic is ${ENV.outputTopic} unless a record names one; bytes and str go as they are, other values
    as JSON). They commit in one Kafka transaction with the input's offset, so a read_committed reader
    sees each exactly once. Only Kafka outputs are covered: a side effect here (a database write, an
    HTTP call) can run again after a crash.

    Raise contract.RetriableError for a failure worth retrying; ValueError, KeyError and
    JSONDecodeError go straight to the dead-letter topic. Or return {"decision": "skip" | "retry" | "deadLetter"}.
    """
    if message.value is None:
        return {"decision": "skip", "reason": "a tombstone (no value)"}
${input.valueFormat === 'json' ? '    if not isinstance(message.value, dict):\n        raise InvalidMessage(f"expected a JSON object, got {type(message.value).__name__}")\n' : ''}    context.log("handled", f"{message.topic}/{message.partition}@{message.offset}", "attempt", context.attempt)
    return [{"key": message.key, "value": message.value, "headers": {"source-offset": f"{message.partition}:{message.offset}"}}]
`;
}

export function testHandlerEosPy(input: GeneratorInput): string {
  const sample = input.valueFormat === 'json' ? '{"id": 1}' : input.valueFormat === 'text' ? '"hello"' : '{}';
  return `${input.valueFormat === 'json' ? 'import pytest\n\n' : ''}from contract import Context, Message, Raw
from handler import ${input.valueFormat === 'json' ? 'InvalidMessage, ' : ''}handle


def message_of(value, offset=0):
    return Message(${JSON.stringify(input.topics[0])}, 0, offset, 1_700_000_000_000, "key-1", value, Raw(b"key-1", None, []), {"format": ${JSON.stringify(input.valueFormat)}})


def test_a_message_becomes_one_output_record_with_its_key_and_origin():
    value = ${sample}
    assert handle(message_of(value, 7), Context()) == [{"key": "key-1", "value": value, "headers": {"source-offset": "0:7"}}]


def test_a_tombstone_is_skipped_no_output():
    assert handle(message_of(None), Context()) == {"decision": "skip", "reason": "a tombstone (no value)"}
${
  input.valueFormat === 'json'
    ? `

def test_a_value_that_is_not_an_object_is_not_retriable():
    from contract import is_retriable

    with pytest.raises(InvalidMessage) as caught:
        handle(message_of([1, 2]), Context())
    assert not is_retriable(caught.value)
`
    : ''
}`;
}

export function testIntegrationEosPy(input: GeneratorInput): string {
  const plain = input.valueFormat === 'json' || input.valueFormat === 'text';
  const refused = plain ? (input.valueFormat === 'json' ? 1 : 0) : 40;
  return `"""Runs against the broker in ${ENV.bootstrapServers} (skipped when it is not set): a fresh topic; every
offset committed, each output read once by a read_committed reader, the refused records dead-lettered."""

import os
import threading
import time
import uuid
from dataclasses import replace

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from consumer import GroupConsumer
from settings import load_settings

BROKERS = os.environ.get(${JSON.stringify(ENV.bootstrapServers)})


@pytest.mark.skipif(not BROKERS, reason="${ENV.bootstrapServers} is not set")
def test_consumes_a_fresh_topic_exactly_once_to_its_end():
    suffix = uuid.uuid4().hex[:10]
    topic, group = f"it-{suffix}", f"it-group-{suffix}"
    dlq_topic, output_topic = f"{topic}.dead-letter", f"{topic}.out"
    admin = AdminClient({"bootstrap.servers": BROKERS})
    for future in admin.create_topics([NewTopic(topic, 2, 1), NewTopic(dlq_topic, 1, 1), NewTopic(output_topic, 1, 1)]).values():
        future.result(timeout=30)
    try:
        producer = Producer({"bootstrap.servers": BROKERS})
        for i in range(40):
            value = ${plain ? `b"[13]" if i == 13 else f'{{"id": {i}}}'.encode()` : `f"not framed {i}".encode()`}
            producer.produce(topic, key=f"k{i % 4}".encode(), value=value)
        assert producer.flush(30) == 0

        env = {**os.environ, "${ENV.topics}": topic, "${ENV.groupId}": group, "${ENV.dlqTopic}": dlq_topic, "${ENV.outputTopic}": output_topic, "${ENV.instanceId}": "it"}
        consumer = GroupConsumer(replace(load_settings(env), auto_offset_reset="earliest"))
        runner = threading.Thread(target=consumer.run)
        runner.start()
        reader = Consumer({"bootstrap.servers": BROKERS, "group.id": group, "enable.auto.commit": False})
        try:
            deadline, committed = time.monotonic() + 90, 0
            while committed < 40 and time.monotonic() < deadline:
                time.sleep(0.5)
                offsets = reader.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=10)
                committed = sum(max(0, tp.offset) for tp in offsets)
        finally:
            consumer.stop()
            runner.join(60)
            reader.close()
        assert committed == 40

        outputs = Consumer({"bootstrap.servers": BROKERS, "group.id": f"{group}-reader", "isolation.level": "read_committed", "auto.offset.reset": "earliest", "enable.auto.commit": False})
        outputs.assign([TopicPartition(output_topic, 0, 0)])
        seen = {}
        deadline = time.monotonic() + 60
        while len(seen) < ${40 - refused} and time.monotonic() < deadline:
            for m in outputs.consume(100, timeout=0.5):
                if m.error() is None:
                    source = dict(m.headers() or [])["source-offset"].decode()
                    seen[source] = seen.get(source, 0) + 1
        outputs.close()
        assert len(seen) == ${40 - refused}, "one output per handled record"
        assert [n for n in seen.values() if n != 1] == [], "no output twice"
    finally:
        for future in admin.delete_topics([topic, dlq_topic, output_topic]).values():
            try:
                future.result(timeout=30)
            except Exception:
                pass
`;
}

export function readmeEosPy(input: GeneratorInput): string {
  return `# ${input.projectName}

Consumes \`${input.topics.join('`, `')}\` as group \`${input.groupId}\` **exactly-once** into \`${input.outputTopic ?? ''}\` with
[confluent-kafka](https://pypi.org/project/confluent-kafka/), generated by Kafka Consumer Lab. Your code is
\`src/handler.py\`; everything else is the consumer around it.

## Run

\`\`\`bash
python3 -m venv .venv && . .venv/bin/activate
pip install -r requirements-dev.txt
cp .env.example .env      # then fill in the secrets (${SECRET_ENV.join(', ')}) if the cluster needs them
pytest                    # the handler's and the dead-letter envelope's unit tests
set -a && . ./.env && set +a && python src/consumer.py
\`\`\`

\`${ENV.bootstrapServers}=host:9092 pytest tests/test_integration.py\` runs the consumer against a real broker
on fresh topics (it creates and deletes its topics).

${exactlyOnceReadme(input)}
- ${valueDecodingTextPy(input)}

## Debug the handler

With Kafka Consumer Lab installed, press **F5** on "${kafkaLabLaunch(input, '').name}": the extension joins
the group \`${input.groupId}-debug\` exactly-once (not the service's) and runs \`handle\` under debugpy.
`;
}

/** The README's line on how values are decoded (both variants). */
export function valueDecodingTextPy(input: GeneratorInput): string {
  const subject = input.schema?.subject ?? '';
  if (input.valueFormat === 'protobuf')
    return `Values are decoded with Confluent's \`ProtobufDeserializer\` into the message classes \`src/model.py\`
  builds from subject \`${subject}\` (its FileDescriptorProto, as protoc would generate them); the schema id is
  checked in the Schema Registry at \`${ENV.registryUrl}\`, and a record naming a message that is not a
  top-level message of the schema is dead-lettered. 64-bit integers are \`int\`; a Timestamp is a
  \`Timestamp\` (\`ToDatetime()\`).`;
  if (usesRegistry(input))
    return `Values are decoded through the Schema Registry at \`${ENV.registryUrl}\` with Confluent's ${input.valueFormat === 'avro' ? '`AvroDeserializer`' : '`JSONDeserializer`'}
  (the writer's schema by id). \`src/model.py\` was generated from subject \`${subject}\`: longs are
  \`int\`, decimals \`Decimal\`, dates and timestamps \`date\` / \`datetime\`.`;
  return `Values are decoded as ${input.valueFormat === 'json' ? 'JSON (a value that is not JSON is dead-lettered)' : 'UTF-8 text'}.`;
}

/** src/outputs.py of the exactly-once variant: the handler's output records as the producer takes them. */
export function outputsPy(): string {
  return `"""The handler's output records as the transactional producer takes them, and what a refused produce means."""

from __future__ import annotations

import json

from confluent_kafka import KafkaException

#: librdkafka codes of a record the broker could never take (too large, no such topic or partition, invalid).
RECORD_FAULTS = {10, -186, -188, -190}


def encode_output(output: dict, default_topic: str):
    """(topic, produce arguments): bytes and str go as they are, other values as JSON (a value JSON cannot hold is the handler's error)."""
    value = output.get("value")
    if value is not None and not isinstance(value, bytes):
        value = value.encode("utf-8") if isinstance(value, str) else json.dumps(value, default=str).encode("utf-8")
    key = output.get("key")
    record = {
        "value": value,
        "key": key.encode("utf-8") if isinstance(key, str) else key,
        "headers": [(k, v if isinstance(v, bytes) else str(v).encode("utf-8")) for k, v in (output.get("headers") or {}).items()],
    }
    if output.get("partition") is not None:
        record["partition"] = output["partition"]
    return output.get("topic") or default_topic, record


def refusal(exception: BaseException) -> str:
    """"fatal" (the producer is gone), "record" (the record is at fault) or "transaction" (it must abort)."""
    error = exception.args[0] if isinstance(exception, KafkaException) and exception.args else None
    if hasattr(error, "fatal") and error.fatal():
        return "fatal"
    return "record" if hasattr(error, "code") and error.code() in RECORD_FAULTS else "transaction"
`;
}
