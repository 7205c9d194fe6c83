import type { GeneratorInput } from '../generatorInput';

/** src/consumer.py of the exactly-once variant: outputs and input offsets in one Kafka transaction. */
export function transactionalConsumerPy(_input: GeneratorInput): string {
  return `"""The exactly-once consumer around src/handler.py, for Kafka outputs.

Each transaction holds the records the handler returned, the dead letters and the input offsets
(send_offsets_to_transaction with the consumer's group metadata): all of them commit, or none. The
input is read read_committed. Messages are handled one at a time, in order, on the poll thread; a
failure aborts the transaction and seeks back to the last committed offsets.
"""

from __future__ import annotations

import json
import logging
import random
import signal
import time
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

from contract import Context, HandlerDeadLetter, HandlerRetry, is_retriable
from dead_letter import build_envelope, dead_letter_headers
from decode import MessageDecodeError, ValueDecoder
from handler import handle
from outputs import encode_output, refusal
from settings import Settings, consumer_config, load_settings, producer_config

log = logging.getLogger("consumer")

POLL_TIMEOUT_S = 0.1
POLL_BATCH = 500
CALL_TIMEOUT_S = 30
#: Fencing (librdkafka's and the broker's codes): a newer instance has this transactional.id.
FENCING_CODES = {-144, 90, 47, 52}


class FatalTransactionError(Exception):
    """The producer cannot go on (fenced by a newer instance, a fatal client error): the process exits."""


@dataclass
class PartitionState:
    topic: str
    partition: int
    committed: int | None = None  # the first offset not committed yet: where an abort seeks back to
    pending: int | None = None  # the offset after the last message of the open transaction


@dataclass(frozen=True)
class Failure:
    """A failed offset, kept across its redeliveries."""

    attempts: int
    error: BaseException
    dead_letter: bool  # its next delivery goes to the dead-letter topic


class GroupConsumer:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.partitions: dict[tuple[str, int], PartitionState] = {}
        self.failures: dict[tuple[str, int, int], Failure] = {}
        self.in_transaction = 0
        self.transaction_started_at = time.monotonic()
        self.resume_at = 0.0
        self.aborts = 0
        self.running = True
        self.fatal: BaseException | None = None
        self.decoder = ValueDecoder(settings)
        self.producer = Producer(producer_config(settings), logger=logging.getLogger("librdkafka"))
        self.consumer = Consumer(consumer_config(settings), logger=logging.getLogger("librdkafka"))

    def stop(self, *_args) -> None:
        """From a signal handler: the loop ends, the open transaction commits and the group is left."""
        self.running = False

    def run(self) -> None:
        s = self.settings
        try:
            for topic in (s.output_topic, s.dlq_topic):
                self._require_topic(topic)
            # Registers the transactional id: an older instance with it is fenced, its open transaction aborted.
            self._call("init_transactions", self.producer.init_transactions, CALL_TIMEOUT_S)
            self._call("begin_transaction", self.producer.begin_transaction)
            self.consumer.subscribe(s.topics, on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost)
            log.info("consuming %s as group %s exactly-once, transactional.id %s", ", ".join(s.topics), s.group_id, s.transactional_id)
            while self.running:
                if self.resume_at and time.monotonic() >= self.resume_at:
                    self.resume_at = 0.0
                    self._set_paused(False)
                self._handle_batch(self.consumer.consume(POLL_BATCH, timeout=POLL_TIMEOUT_S))
                self.producer.poll(0)  # delivery reports: an abort waits for them
            if self.fatal is None:
                self._commit()
        except FatalTransactionError as error:
            self._fail(error)
        finally:
            self._shutdown()
        if self.fatal is not None:
            raise SystemExit(1)

    def _fail(self, error: BaseException) -> None:
        if self.fatal is None:
            self.fatal = error
            log.critical("fatal: %s", error)
        self.running = False

    # ---- messages into the open transaction ----

    def _handle_batch(self, messages) -> None:
        good = []
        for message in messages:
            error = message.error()
            if error is None:
                good.append(message)
            elif error.fatal():
                raise KafkaException(error)
            else:
                log.warning("consume: %s", error)
        # Where each partition stands before anything of this batch is handled: an abort goes back there.
        for m in good:
            state = self.partitions.get((m.topic(), m.partition()))
            if state is not None and state.committed is None:
                state.committed = m.offset()
        aborts = self.aborts
        for m in good:
            if not self.running or self.aborts != aborts:
                break  # uncommitted: read again after the seek back, or by the next owner
            state = self.partitions.get((m.topic(), m.partition()))
            if state is None:
                continue  # revoked meanwhile: the next owner's
            floor = state.pending if state.pending is not None else state.committed
            if floor is not None and m.offset() < floor:
                continue  # already handled in this transaction
            if not self._handle_one(m):
                break
            state.pending = m.offset() + 1
            if self.in_transaction == 0:
                self.transaction_started_at = time.monotonic()
            self.in_transaction += 1
        s = self.settings
        if self.in_transaction >= s.commit_every_messages or (
            self.in_transaction and time.monotonic() - self.transaction_started_at >= s.commit_every_ms / 1000
        ):
            self._commit()

    def _handle_one(self, m) -> bool:
        """Handles one message into the open transaction; False when it failed and the transaction was aborted."""
        key = (m.topic(), m.partition(), m.offset())
        failure = self.failures.get(key)
        if failure is not None and failure.dead_letter:
            if not self._queued(m, failure.attempts, lambda: self._dead_letter(m, failure.error, failure.attempts)):
                return False
            del self.failures[key]
            return True
        attempt = (failure.attempts if failure else 0) + 1
        try:
            decoded = self.decoder.decode(m)
        except MessageDecodeError as error:
            return self._queued(m, 0, lambda: self._dead_letter(m, error, 0))
        except Exception as error:  # the registry did not answer: try again
            return self._failed(m, error, attempt)
        outputs, dead = [], None
        try:
            result = handle(decoded, Context(attempt=attempt, prefix=f"{m.topic()}/{m.partition()}@{m.offset()}"))
            decision = result.get("decision") if isinstance(result, dict) else getattr(result, "decision", None)
            if isinstance(result, (list, tuple)):
                outputs = [encode_output(output, self.settings.output_topic) for output in result]
            elif decision == "retry":
                raise HandlerRetry(_reason(result, "the handler asked for a retry"))
            elif decision == "deadLetter":
                dead = HandlerDeadLetter(_reason(result, "the handler dead-lettered it"))
            elif decision not in (None, "skip"):
                raise HandlerDeadLetter(f"the handler returned decision {decision!r}; use 'skip', 'retry' or 'deadLetter'")
        except Exception as error:
            return self._failed(m, error, attempt)

        def produce() -> None:
            for topic, record in outputs:
                self._queue(topic, **record)
            if dead is not None:
                self._dead_letter(m, dead, attempt)

        if not self._queued(m, attempt, produce):
            return False
        self.failures.pop(key, None)
        return True

    def _queued(self, m, attempt: int, produce) -> bool:
        """Hands records to the open transaction. A refusal aborts it: a record the broker could never take
        is the handler's failure; anything else (the transaction must abort) reads the messages again."""
        try:
            produce()
            return True
        except (KafkaException, BufferError) as exception:
            kind = refusal(exception)
            if kind == "fatal":
                raise FatalTransactionError(f"the transactional producer {self.settings.transactional_id} cannot go on ({exception}); nothing of the open transaction was committed. Restart the consumer.") from exception
            if kind == "record":
                return self._failed(m, exception, attempt)
            log.error("the producer refused a record of the transaction (%s): aborting it, the messages since the last commit are read again", exception)
            self._abort(self.settings.retry_cap_ms / 1000)
            return False

    def _failed(self, m, error: BaseException, attempt: int) -> bool:
        """Aborts and seeks back; the message's next delivery retries it (after a backoff) or dead-letters it."""
        s = self.settings
        retry = is_retriable(error, s.non_retriable) and attempt < s.retry_max_attempts
        self.failures[(m.topic(), m.partition(), m.offset())] = Failure(attempt, error, not retry)
        log.warning("%s %s/%s@%s (attempt %s), aborting the transaction: %s: %s", "retrying" if retry else "dead-lettering", m.topic(), m.partition(), m.offset(), attempt, type(error).__name__, error)
        ceiling = min(s.retry_cap_ms, s.retry_base_ms * 2 ** (attempt - 1)) / 1000
        self._abort(ceiling / 2 + random.random() * ceiling / 2 if retry else 0)
        return False

    def _dead_letter(self, m, error: BaseException, attempts: int) -> None:
        """The dead letter goes in the transaction too: it commits with the input's offset, or neither does."""
        envelope = build_envelope(m, error, attempts)
        self._queue(self.settings.dlq_topic, key=m.key(), value=json.dumps(envelope).encode("utf-8"), headers=dead_letter_headers(m, envelope, error))
        log.warning("dead-lettered %s/%s@%s: %s: %s", m.topic(), m.partition(), m.offset(), type(error).__name__, error)

    def _queue(self, topic: str, **record) -> None:
        deadline = time.monotonic() + CALL_TIMEOUT_S
        while True:
            try:
                self.producer.produce(topic, **record)
                return
            except BufferError:  # the local queue is full: let it drain (bounded)
                if time.monotonic() > deadline:
                    raise
                self.producer.poll(0.1)

    # ---- transactions ----

    def _commit(self) -> None:
        """Commits the outputs and the offsets of the open transaction together, then opens the next."""
        if not self.in_transaction:
            return
        states = [s for s in self.partitions.values() if s.pending is not None]
        offsets = [TopicPartition(s.topic, s.partition, s.pending) for s in states]
        try:
            if offsets:
                metadata = self.consumer.consumer_group_metadata()
                self._call("send_offsets_to_transaction", self.producer.send_offsets_to_transaction, offsets, metadata, CALL_TIMEOUT_S)
            self._call("commit_transaction", self.producer.commit_transaction, CALL_TIMEOUT_S)
        except KafkaException as error:
            # Nothing of it counts: the messages since the last commit are read and handled again.
            log.error("the transaction did not commit, aborting it: %s", error)
            self._abort(0)
            return
        for s in states:
            s.committed, s.pending = s.pending, None
        self.in_transaction = 0
        self._call("begin_transaction", self.producer.begin_transaction)

    def _abort(self, backoff_s: float) -> None:
        """Aborts the open transaction and seeks every partition back to its last committed offset."""
        # Delivered first, then aborted: records purged in flight make the client bump its epoch, which races the next abort.
        self.producer.flush(CALL_TIMEOUT_S)
        for tries in range(3):
            self.producer.poll(0)
            try:
                self._call("abort_transaction", self.producer.abort_transaction, CALL_TIMEOUT_S)
                break
            except KafkaException as error:
                if tries == 2:
                    raise FatalTransactionError(f"the open transaction could not be aborted ({error}); stopping without committing") from error
                log.warning("abort_transaction: %s; trying again", error)
                self.producer.poll(1)
        self.aborts += 1
        self.in_transaction = 0
        for s in self.partitions.values():
            s.pending = None
            if s.committed is None:
                continue
            try:
                self.consumer.seek(TopicPartition(s.topic, s.partition, s.committed))
            except KafkaException as error:
                # Going on from where it is would commit past the aborted messages: stop instead.
                raise FatalTransactionError(f"could not seek {s.topic}/{s.partition} back to {s.committed} after an abort ({error}); stopping without committing") from error
        if backoff_s > 0:
            # A backoff without sleeping: the partitions are paused, the loop keeps polling.
            self.resume_at = time.monotonic() + backoff_s
            self._set_paused(True)
        self._call("begin_transaction", self.producer.begin_transaction)

    def _call(self, operation: str, fn, *args):
        """A transactional call; fencing and fatal errors become FatalTransactionError, saying what to do."""
        try:
            return fn(*args)
        except KafkaException as exception:
            error = exception.args[0] if exception.args else None
            code = error.code() if hasattr(error, "code") else None
            tid = self.settings.transactional_id
            if code in FENCING_CODES:
                raise FatalTransactionError(
                    f"the transactional producer {tid} was fenced in {operation} ({error}): another instance runs with the same "
                    "transactional.id. This one stops without committing; give each instance its own KAFKA_INSTANCE_ID."
                ) from exception
            if hasattr(error, "fatal") and error.fatal():
                raise FatalTransactionError(
                    f"the transactional producer {tid} failed in {operation} and cannot go on ({error}); nothing of the open "
                    "transaction was committed. Restart the consumer."
                ) from exception
            raise

    def _set_paused(self, paused: bool) -> None:
        tps = [TopicPartition(s.topic, s.partition) for s in self.partitions.values()]
        try:
            if tps:
                self.consumer.pause(tps) if paused else self.consumer.resume(tps)
        except KafkaException as error:
            log.error("pause/resume failed: %s", error)

    def _require_topic(self, topic: str) -> None:
        metadata = self.producer.list_topics(topic, timeout=CALL_TIMEOUT_S)
        found = metadata.topics.get(topic)
        if found is None or found.error is not None or not found.partitions:
            raise SystemExit(f"the topic {topic} does not exist: create it (a transaction writing to it could never commit)")

    # ---- rebalances (called from inside consume, on this thread) ----

    def _on_assign(self, consumer, partitions) -> None:
        for tp in partitions:
            self.partitions[(tp.topic, tp.partition)] = PartitionState(tp.topic, tp.partition)
        log.info("assigned %s", _names(partitions))

    def _on_revoke(self, consumer, partitions) -> None:
        log.info("revoked %s", _names(partitions))
        try:
            if self.fatal is None and self.in_transaction:
                self._commit()  # before the partitions move
        except FatalTransactionError as error:
            self._fail(error)
        finally:
            self._forget(partitions)

    def _on_lost(self, consumer, partitions) -> None:
        # Another member may own them already: their work is aborted, never committed.
        log.warning("lost %s", _names(partitions))
        self._forget(partitions)
        try:
            if self.fatal is None and self.in_transaction:
                self._abort(0)
        except FatalTransactionError as error:
            self._fail(error)

    def _forget(self, partitions) -> None:
        for tp in partitions:
            self.partitions.pop((tp.topic, tp.partition), None)

    def _shutdown(self) -> None:
        self.consumer.close()  # leaves the group
        if not isinstance(self.fatal, FatalTransactionError):
            try:
                self.producer.abort_transaction(5)  # the empty transaction opened after the last commit
            except KafkaException:
                pass
        self.producer.flush(10)
        log.info("stopped")


def _reason(result, fallback: str) -> str:
    reason = result.get("reason") if isinstance(result, dict) else getattr(result, "reason", None)
    return str(reason) if reason else fallback


def _names(partitions) -> str:
    return ", ".join(f"{tp.topic}/{tp.partition}" for tp in partitions)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    consumer = GroupConsumer(load_settings())
    signals = {"count": 0}

    def on_signal(signum, _frame):
        signals["count"] += 1
        if signals["count"] > 1:
            log.error("second signal: exiting without waiting (the open transaction is aborted by the broker)")
            raise SystemExit(130)
        log.info("%s received: committing the open transaction and leaving the group", signal.Signals(signum).name)
        consumer.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    consumer.run()


if __name__ == "__main__":
    main()
`;
}
