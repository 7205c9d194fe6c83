import { DLQ_HEADERS } from '../../dlq/envelopeContract';
import { ENV, SECRET_ENV, commitPolicyText, json, kafkaLabLaunch } from '../common';
import type { GeneratorInput } from '../generatorInput';
import { valueDecodingTextPy } from './exactlyOnceTemplates';
import { CONFLUENT_KAFKA_PYTHON_VERSION } from '../projectFile';

export const PYTEST_VERSION = '8.3.4';

export function confluentRequirement(input: GeneratorInput): string {
  const extra =
    input.valueFormat === 'avro'
      ? '[avro]'
      : input.valueFormat === 'jsonSchema'
        ? '[json,schemaregistry]'
        : input.valueFormat === 'protobuf'
          ? '[protobuf,schemaregistry]'
          : '';
  return `confluent-kafka${extra}==${CONFLUENT_KAFKA_PYTHON_VERSION}`;
}

export function requirementsTxt(input: GeneratorInput): string {
  return `${confluentRequirement(input)}\n`;
}

export function requirementsDevTxt(): string {
  return `-r requirements.txt\npytest==${PYTEST_VERSION}\n`;
}

export function pyprojectToml(input: GeneratorInput): string {
  return `[project]
name = ${JSON.stringify(input.projectName)}
version = "0.1.0"
description = ${JSON.stringify(`Consumes ${input.topics.join(', ')} as group ${input.groupId}`)}
requires-python = ">=3.11"
dependencies = [${JSON.stringify(confluentRequirement(input))}]

[project.optional-dependencies]
dev = ["pytest==${PYTEST_VERSION}"]

[tool.pytest.ini_options]
pythonpath = ["src"]
testpaths = ["tests"]
`;
}

export function modelPy(input: GeneratorInput, generated: string | undefined): string {
  if (generated) return generated;
  return `"""The value's type. ${input.valueFormat === 'text' ? 'UTF-8 text.' : 'Plain JSON without a schema: narrow it in the handler.'}"""

from typing import Any

Value = ${input.valueFormat === 'text' ? 'str' : 'Any'}
`;
}

export function handlerPy(input: GeneratorInput, rootName: string): string {
  return `"""Your processing, once per message. Kafka Consumer Lab runs this same handle() under the debugger."""

from __future__ import annotations

from contract import Context, Message
from model import ${rootName}  # noqa: F401  (the type of message.value)


class InvalidMessage(ValueError):
    """Bad data: a ValueError (like KeyError and JSONDecodeError) is not retried; it goes to the dead-letter topic."""


def handle(message: Message, context: Context):
    """Return when the work is done (durably: the offset is committed after this returns).

    Raise contract.RetriableError (or anything with retriable = True) for a failure worth retrying,
    such as a dependency that is down: it is retried with backoff. ValueError, KeyError and
    JSONDecodeError go straight to the dead-letter topic; other exceptions are retried first.
    Or return {"decision": "skip" | "retry" | "deadLetter", "reason": "..."}.
    """
    if message.value is None:
        return {"decision": "skip", "reason": "a tombstone (no value)"}
${input.valueFormat === 'json' ? '    if not isinstance(message.value, dict):\n        raise InvalidMessage(f"expected a JSON object, got {type(message.value).__name__}")\n' : ''}    context.log("handled", f"{message.topic}/{message.partition}@{message.offset}", "key", message.key, "attempt", context.attempt)
    return None
`;
}

export function testHandlerPy(input: GeneratorInput): string {
  const sample = input.valueFormat === 'json' ? '{"id": 1}' : input.valueFormat === 'text' ? '"hello"' : '{}';
  return `import logging
${input.valueFormat === 'json' ? '\nimport pytest\n' : ''}
from contract import Context, Message, Raw
from handler import ${input.valueFormat === 'json' ? 'InvalidMessage, ' : ''}handle


def message_of(value, offset=0):
    return Message(${JSON.stringify(input.topics[0])}, 0, offset, 1_700_000_000_000, "key-1", value, Raw(b"key-1", None, []), {"format": ${JSON.stringify(input.valueFormat)}})


def test_a_message_is_handled_and_logged(caplog):
    with caplog.at_level(logging.INFO, logger="handler"):
        assert handle(message_of(${sample}, 7), Context(prefix="t")) is None
    assert any("@7" in r.getMessage() for r in caplog.records)


def test_a_tombstone_is_skipped_not_dead_lettered():
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

export function testWatermarkPy(): string {
  return `from watermark import Watermark


def test_nothing_is_committable_before_the_first_message_is_done():
    w = Watermark()
    w.track(10)
    w.track(11)
    assert w.committable() is None
    w.finish(11)
    assert w.committable() is None
    w.finish(10)
    assert w.committable() == 12


def test_the_watermark_never_passes_a_message_that_has_not_finished():
    w = Watermark()
    for offset in (0, 1, 2, 3, 5, 8):
        w.track(offset)
    for offset in (0, 2, 3, 8):
        w.finish(offset)
    assert w.committable() == 1
    w.finish(1)
    assert w.committable() == 5
    w.finish(5)
    assert w.committable() == 9
`;
}

export function testDeadLetterPy(input: GeneratorInput): string {
  return `from datetime import datetime, timezone

from confluent_kafka import TIMESTAMP_CREATE_TIME

from contract import is_retriable
from dead_letter import DLQ_HEADERS, build_envelope, dead_letter_headers


class Record:
    """The parts of a confluent_kafka.Message the envelope reads."""

    def __init__(self, value):
        self._value = value

    def topic(self):
        return ${JSON.stringify(input.topics[0])}

    def partition(self):
        return 2

    def offset(self):
        return 41

    def timestamp(self):
        return TIMESTAMP_CREATE_TIME, 1_700_000_000_000

    def key(self):
        return b"k"

    def value(self):
        return self._value

    def headers(self):
        return [("trace", b"t-1"), (DLQ_HEADERS["errorType"], b"an earlier failure")]


def test_the_envelope_records_the_origin_the_error_and_the_payload():
    envelope = build_envelope(Record(b'{"a":1}'), KeyError("customer"), 3, datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    assert envelope == {
        "original_topic": ${JSON.stringify(input.topics[0])},
        "original_partition": 2,
        "original_offset": 41,
        "original_timestamp": 1_700_000_000_000,
        "error_type": "KeyError",
        "error_message": "'customer'",
        "failed_at": "2026-01-02T03:04:05.000Z",
        "retry_count": 3,
        "payload": '{"a":1}',
        "payload_encoding": "utf8",
    }


def test_bytes_that_are_not_utf8_are_base64_and_a_tombstone_is_null():
    assert build_envelope(Record(b"\\xff\\x00"), ValueError("x"), 1)["payload"] == "/wA="
    assert build_envelope(Record(None), ValueError("x"), 1)["payload_encoding"] == "null"


def test_headers_keep_the_original_drop_earlier_dead_letter_ones_and_add_this_failure():
    try:
        raise ValueError("boom")
    except ValueError as error:
        record = Record(b"x")
        headers = dead_letter_headers(record, build_envelope(record, error, 1), error)
    names = [k for k, _ in headers]
    assert names[0] == "trace"
    assert names.count(DLQ_HEADERS["errorType"]) == 1
    assert dict(headers)[DLQ_HEADERS["originalOffset"]] == b"41"
    assert b"ValueError: boom" in dict(headers)[DLQ_HEADERS["errorStack"]]


def test_the_guides_bad_data_errors_are_not_retried():
    assert not is_retriable(KeyError("x"))
    assert not is_retriable(ValueError("x"))
    assert is_retriable(ConnectionError("x"))
`;
}

export function testIntegrationPy(input: GeneratorInput): string {
  const plain = input.valueFormat === 'json' || input.valueFormat === 'text';
  return `"""Runs against the broker in ${ENV.bootstrapServers} (skipped when it is not set): a fresh topic,
${plain ? 'good records and one the handler refuses' : 'records not in the Schema Registry wire format'}; every offset must be committed and the refused ones dead-lettered."""

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
def test_consumes_a_fresh_topic_to_its_end_and_dead_letters_what_it_must():
    suffix = uuid.uuid4().hex[:10]
    topic, dlq_topic, group = f"it-{suffix}", f"it-{suffix}.dead-letter", f"it-group-{suffix}"
    admin = AdminClient({"bootstrap.servers": BROKERS})
    for future in admin.create_topics([NewTopic(topic, 2, 1), NewTopic(dlq_topic, 1, 1)]).values():
        future.result(timeout=30)
    try:
        producer = Producer({"bootstrap.servers": BROKERS})
        for i in range(40):
            value = ${plain ? `b"[13]" if i == 13 else f'{{"id": {i}}}'.encode()` : `f"not framed {i}".encode()`}
            producer.produce(topic, key=f"k{i % 4}".encode(), value=value)
        assert producer.flush(30) == 0
        expected_dead_letters = ${plain ? (input.valueFormat === 'json' ? 1 : 0) : 40}

        settings = replace(load_settings({**os.environ, "${ENV.topics}": topic, "${ENV.groupId}": group, "${ENV.dlqTopic}": dlq_topic}), auto_offset_reset="earliest")
        consumer = GroupConsumer(settings)
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
        assert committed == 40
        low, high = reader.get_watermark_offsets(TopicPartition(dlq_topic, 0), timeout=10)
        reader.close()
        assert high - low == expected_dead_letters
    finally:
        for future in admin.delete_topics([topic, dlq_topic]).values():
            try:
                future.result(timeout=30)
            except Exception:
                pass
`;
}

export function launchJsonPy(input: GeneratorInput): string {
  return json({
    version: '0.2.0',
    configurations: [
      { ...kafkaLabLaunch(input, 'src/handler.py'), python: '${workspaceFolder}/.venv/bin/python' },
      {
        type: 'debugpy',
        request: 'launch',
        name: 'Run the consumer',
        program: '${workspaceFolder}/src/consumer.py',
        envFile: '${workspaceFolder}/.env',
        console: 'integratedTerminal',
      },
    ],
  });
}

export function dockerfilePy(): string {
  return `FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY src ./src
USER nobody
# SIGTERM (docker stop) finishes the messages in flight, commits them and leaves the group.
STOPSIGNAL SIGTERM
CMD ["python", "src/consumer.py"]
`;
}

export function readmePy(input: GeneratorInput): string {
  return `# ${input.projectName}

Consumes \`${input.topics.join('`, `')}\` as group \`${input.groupId}\` with
[confluent-kafka](https://pypi.org/project/confluent-kafka/), generated by Kafka Consumer Lab. Your code
is \`src/handler.py\`; everything else is the consumer around it.

## Run

\`\`\`bash
python3 -m venv .venv && . .venv/bin/activate
pip install -r requirements-dev.txt
cp .env.example .env      # then fill in the secrets (${SECRET_ENV.join(', ')}) if the cluster needs them
pytest                    # the handler's, the watermark's and the dead-letter envelope's unit tests
set -a && . ./.env && set +a && python src/consumer.py
\`\`\`

\`${ENV.bootstrapServers}=host:9092 pytest tests/test_integration.py\` runs the consumer against a real broker
on a fresh topic (it creates and deletes its topics).

## What it does

- \`enable.auto.commit=False\`: an offset is committed only after its message was handled, skipped, or
  acknowledged by the dead-letter topic. Commit policy: ${commitPolicyText(input)}
  (\`${ENV.commitPolicy}\`, \`${ENV.commitBatchMessages}\`, \`${ENV.commitBatchMs}\`); each commit is the highest contiguous
  done offset + 1 per partition.
- The poll loop runs on the main thread; up to ${input.concurrency} handler(s) run in a thread pool
  (\`${ENV.concurrency}\`). A per-partition watermark never commits past a message that has not finished.
- \`cooperative-sticky\` assignment; \`on_revoke\` waits (bounded) for the partition's messages in flight
  and commits what is done; \`on_lost\` commits nothing.
- As in the reference guide, \`ValueError\`, \`KeyError\` and \`JSONDecodeError\` (and subclasses) go straight to
  \`${input.dlqTopic}\`; other exceptions are retried with exponential backoff (${input.retry.maxAttempts} attempts,
  ${input.retry.baseMs} ms doubling up to ${input.retry.capMs} ms) with the partition paused, never by sleeping in the
  poll loop; an exception's own \`retriable\` attribute decides first.
- The dead-letter record is Kafka Consumer Lab's envelope with the original key and headers plus
  \`${DLQ_HEADERS.errorType}\`, the traceback in \`${DLQ_HEADERS.errorStack}\` and the other \`kafka-lab.dlq.*\`
  headers, so the extension's dead-letter view and re-drive read it; written with \`acks=all\`, and the
  source offset is committed only after the broker acknowledged it.
- ${valueDecodingTextPy(input)}
- SIGTERM or SIGINT stops polling, waits up to \`${ENV.shutdownTimeoutMs}\` for the handlers in flight,
  commits what is done and leaves the group. Delivery is at-least-once.

## Debug the handler

With Kafka Consumer Lab installed, press **F5** on "${kafkaLabLaunch(input, '').name}": the extension joins
the group \`${input.groupId}-debug\` (not the service's) and runs \`handle\` under debugpy, one message at a time.
`;
}

export function gitignorePy(): string {
  return '.venv/\n__pycache__/\n.pytest_cache/\n.env\n';
}

export function dockerignorePy(): string {
  return '.venv\n__pycache__\n.pytest_cache\n.env\n.vscode\ntests\n';
}
