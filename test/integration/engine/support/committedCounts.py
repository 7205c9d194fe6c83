"""An independent reader for the exactly-once kill test: Confluent's own Python client
(confluent-kafka from PyPI) reads a whole topic by assignment (no group, no commit) in the given
isolation level, and counts how often each input's seq appears in the outputs.

Prints one JSON object: {"records", "unique", "duplicates", "lost"}.
Usage: committedCounts.py BOOTSTRAP TOPIC TOTAL ISOLATION
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, TopicPartition

bootstrap, topic, total, isolation = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
consumer = Consumer(
    {
        "bootstrap.servers": bootstrap,
        "group.id": "committed-counts-reader",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "isolation.level": isolation,
    }
)
metadata = consumer.list_topics(topic, timeout=15)
partitions = sorted(metadata.topics[topic].partitions)
live = []
for p in partitions:
    low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=15)
    if high > low:
        live.append(p)
consumer.assign([TopicPartition(topic, p, -2) for p in live])
counts = [0] * total
records = 0
at_end = set()
deadline = time.monotonic() + 120
while len(at_end) < len(live):
    if time.monotonic() > deadline:
        sys.stderr.write(f"timed out reading {topic}: {records} records\n")
        sys.exit(2)
    for message in consumer.consume(1000, timeout=1.0):
        error = message.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                at_end.add(message.partition())
                continue
            raise SystemExit(f"read failed: {error}")
        at_end.discard(message.partition())
        seq = json.loads(message.value())["seq"]
        counts[seq] += 1
        records += 1
consumer.close()
print(
    json.dumps(
        {
            "records": records,
            "unique": sum(1 for c in counts if c > 0),
            "duplicates": sum(c - 1 for c in counts if c > 1),
            "lost": sum(1 for c in counts if c == 0),
        }
    )
)
