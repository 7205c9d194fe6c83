import type { GeneratorInput } from '../generatorInput';

/** src/consumer.py: the poll loop, rebalances, retries by pause/resume, commits and shutdown. */
export function consumerPy(_input: GeneratorInput): string {
  return `"""The consumer around src/handler.py: at-least-once, commits only what is done.

One thread polls (and owns every piece of state); a pool of worker threads runs the handler. The
poll loop never sleeps and never waits on a handler, so the member stays within
max.poll.interval.ms whatever the handlers do; a retry waits with its partition paused.
"""

from __future__ import annotations

import heapq
import logging
import queue
import random
import signal
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from confluent_kafka import Consumer, KafkaException, TopicPartition

from contract import Context, HandlerDeadLetter, HandlerRetry, is_retriable
from dead_letter import DeadLetterProducer, DeadLetterWriteError
from decode import MessageDecodeError, ValueDecoder
from handler import handle
from settings import Settings, consumer_config, load_settings
from watermark import Watermark

log = logging.getLogger("consumer")

MAX_QUEUED_PER_PARTITION = 1000
POLL_TIMEOUT_S = 0.1
POLL_BATCH = 500


@dataclass
class Job:
    message: object
    state: "PartitionState"
    attempt: int = 1
    # Kept while a dead-letter write waits to be tried again.
    error: BaseException | None = None
    dead_letter_attempts: int = 0


@dataclass
class Outcome:
    """What a worker reports back to the poll thread."""

    job: Job
    kind: str  # "done" | "retry" | "dead-letter-failed" | "cancelled"
    error: BaseException | None = None


@dataclass
class PartitionState:
    topic: str
    partition: int
    watermark: Watermark = field(default_factory=Watermark)
    queue: deque = field(default_factory=deque)
    cancelled: threading.Event = field(default_factory=threading.Event)
    in_flight: int = 0
    waiting: int = 0  # messages waiting for a retry: they block the partition
    paused: bool = False
    last_committed: int = -1


class GroupConsumer:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.partitions: dict[tuple[str, int], PartitionState] = {}
        self.pool = ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="handler")
        self.outcomes: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        self.retries: list[tuple[float, int, Job, str]] = []
        self.retry_seq = 0
        self.in_flight = 0
        self.completed_since_commit = 0
        self.last_commit_at = time.monotonic()
        self.running = True
        self.decoder = ValueDecoder(settings)
        self.dead_letters = DeadLetterProducer(settings)
        self.consumer = Consumer(consumer_config(settings), logger=logging.getLogger("librdkafka"))

    def stop(self, *_args) -> None:
        """From a signal handler: the loop ends, then what is done is committed and the group left."""
        self.running = False

    def run(self) -> None:
        self.consumer.subscribe(
            self.settings.topics, on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost
        )
        log.info("consuming %s as group %s", ", ".join(self.settings.topics), self.settings.group_id)
        try:
            while self.running:
                # With handlers running, poll without waiting and wait on their results instead,
                # so the loop wakes the moment a worker is free (and still polls ten times a second).
                messages = self.consumer.consume(POLL_BATCH, timeout=0 if self.in_flight else POLL_TIMEOUT_S)
                for message in messages:
                    error = message.error()
                    if error is not None:
                        if error.fatal():
                            raise KafkaException(error)
                        log.warning("consume: %s", error)
                        continue
                    self._enqueue(message)
                self._collect(block_s=POLL_TIMEOUT_S if self.in_flight and not messages else 0)
                self._due_retries()
                self._dispatch()
                self._maybe_commit(force=False)
        finally:
            self._shutdown()

    # ---- fetched messages and the workers ----

    def _enqueue(self, message) -> None:
        state = self.partitions.get((message.topic(), message.partition()))
        if state is None:  # fetched for a partition given up meanwhile: the next owner's
            return
        state.watermark.track(message.offset())
        state.queue.append(message)
        self._update_pause(state)

    def _dispatch(self) -> None:
        started = True
        # Round robin, so that one busy partition does not starve the others.
        while started and self.in_flight < self.settings.concurrency and self.running:
            started = False
            for state in list(self.partitions.values()):
                if state.waiting or not state.queue or self.in_flight >= self.settings.concurrency:
                    continue
                self._start(Job(state.queue.popleft(), state))
                started = True
        for state in list(self.partitions.values()):
            self._update_pause(state)

    def _start(self, job: Job, work=None) -> None:
        job.state.in_flight += 1
        self.in_flight += 1
        future: Future = self.pool.submit(self._guarded, work or self._work, job)
        future.add_done_callback(lambda f: self.outcomes.put(f.result()))

    def _guarded(self, work, job: Job) -> Outcome:
        try:
            return work(job)
        except Exception as error:  # a bug here must not strand the message: it is tried again
            log.exception("unexpected failure")
            return Outcome(job, "retry", error)

    def _work(self, job: Job) -> Outcome:
        """Runs in a worker thread: decode, handle, and dead-letter when it must."""
        message = job.message
        cancelled = job.state.cancelled
        try:
            decoded = self.decoder.decode(message)
        except MessageDecodeError as error:
            return self._dead_letter(job, error, attempts=0)
        except Exception as error:  # the registry did not answer: try again later
            return Outcome(job, "retry", error)
        context = Context(attempt=job.attempt, cancelled=cancelled, prefix=f"{message.topic()}/{message.partition()}@{message.offset()}")
        try:
            result = handle(decoded, context)
            decision = result.get("decision") if isinstance(result, dict) else getattr(result, "decision", None)
            if decision == "retry":
                raise HandlerRetry(_reason(result, "the handler asked for a retry"))
            if decision == "deadLetter":
                return self._dead_letter(job, HandlerDeadLetter(_reason(result, "the handler dead-lettered it")), job.attempt)
            if decision not in (None, "skip"):
                raise HandlerDeadLetter(f"the handler returned decision {decision!r}; use 'skip', 'retry' or 'deadLetter'")
            return Outcome(job, "done")
        except Exception as error:
            if cancelled.is_set():
                return Outcome(job, "cancelled", error)
            if is_retriable(error, self.settings.non_retriable) and job.attempt < self.settings.retry_max_attempts:
                return Outcome(job, "retry", error)
            return self._dead_letter(job, error, job.attempt)

    def _dead_letter(self, job: Job, error: BaseException, attempts: int) -> Outcome:
        try:
            # Returns only once the broker acknowledged the envelope; the offset is committed after that.
            self.dead_letters.write(job.message, error, attempts)
        except DeadLetterWriteError as write_error:
            job.error, job.dead_letter_attempts = error, attempts
            return Outcome(job, "dead-letter-failed", write_error)
        m = job.message
        log.warning("dead-lettered %s/%s@%s: %s: %s", m.topic(), m.partition(), m.offset(), type(error).__name__, error)
        return Outcome(job, "done")

    def _collect(self, block_s: float = 0.0) -> None:
        """Applies what the workers finished (on the poll thread, which owns the state)."""
        try:
            outcome = self.outcomes.get(timeout=block_s) if block_s > 0 else self.outcomes.get_nowait()
        except queue.Empty:
            return
        while True:
            self._apply(outcome)
            try:
                outcome = self.outcomes.get_nowait()
            except queue.Empty:
                return

    def _apply(self, outcome: Outcome) -> None:
        m = outcome.job.message
        state = outcome.job.state
        self.in_flight -= 1
        state.in_flight -= 1
        if state.cancelled.is_set() or outcome.kind == "cancelled":
            return  # revoked meanwhile: the next owner handles it again
        if outcome.kind == "done":
            state.watermark.finish(m.offset())
            self.completed_since_commit += 1
            self._maybe_commit(force=False)
        elif outcome.kind == "retry":
            delay = self._backoff(outcome.job.attempt)
            log.warning("retrying %s/%s@%s in %.0f ms (attempt %s): %s", m.topic(), m.partition(), m.offset(), delay * 1000, outcome.job.attempt, outcome.error)
            self._later(outcome.job, delay, "retry")
        else:
            log.error("dead-letter write failed, the message stays uncommitted: %s", outcome.error)
            self._later(outcome.job, self.settings.retry_cap_ms / 1000, "dead-letter")

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.settings.retry_cap_ms, self.settings.retry_base_ms * 2 ** (attempt - 1)) / 1000
        return ceiling / 2 + random.random() * ceiling / 2

    def _later(self, job: Job, delay_s: float, what: str) -> None:
        """Brings the job back after a delay, its partition paused meanwhile (polling goes on)."""
        job.state.waiting += 1
        self._update_pause(job.state)
        self.retry_seq += 1
        heapq.heappush(self.retries, (time.monotonic() + delay_s, self.retry_seq, job, what))

    def _due_retries(self) -> None:
        now = time.monotonic()
        while self.retries and self.retries[0][0] <= now:
            _, _, job, what = heapq.heappop(self.retries)
            job.state.waiting -= 1
            if job.state.cancelled.is_set() or not self.running:
                continue
            if what == "retry":
                job.attempt += 1
                self._start(job)
            else:
                self._start(job, work=lambda j: self._dead_letter(j, j.error, j.dead_letter_attempts))

    # ---- commits and pauses ----

    def _maybe_commit(self, force: bool, only: list[PartitionState] | None = None) -> None:
        s = self.settings
        due = (
            force
            or self.completed_since_commit >= s.commit_every_messages
            or (self.completed_since_commit > 0 and time.monotonic() - self.last_commit_at >= s.commit_every_ms / 1000)
        )
        if not due:
            return
        states = only if only is not None else list(self.partitions.values())
        offsets = []
        for state in states:
            nxt = state.watermark.committable()
            if nxt is not None and nxt > state.last_committed:
                offsets.append(TopicPartition(state.topic, state.partition, nxt))
        if only is None:
            self.completed_since_commit = 0
            self.last_commit_at = time.monotonic()
        if not offsets:
            return
        try:
            self.consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as error:
            # Not fatal: the same offsets (or later ones) are committed next time.
            log.error("commit failed: %s", error)
            return
        for tp in offsets:
            state = self.partitions.get((tp.topic, tp.partition))
            if state is not None:
                state.last_committed = tp.offset

    def _update_pause(self, state: PartitionState) -> None:
        if (state.topic, state.partition) not in self.partitions:
            return
        n = len(state.queue)
        wanted = state.waiting > 0 or n >= MAX_QUEUED_PER_PARTITION or (state.paused and n > MAX_QUEUED_PER_PARTITION // 2)
        if wanted == state.paused:
            return
        tp = [TopicPartition(state.topic, state.partition)]
        try:
            self.consumer.pause(tp) if wanted else self.consumer.resume(tp)
            state.paused = wanted
        except KafkaException as error:
            log.error("pause/resume failed: %s", error)

    # ---- rebalances (called from inside poll, on this thread) ----

    def _on_assign(self, consumer, partitions) -> None:
        for tp in partitions:
            self.partitions[(tp.topic, tp.partition)] = PartitionState(tp.topic, tp.partition)
        log.info("assigned %s", _names(partitions))

    def _on_revoke(self, consumer, partitions) -> None:
        states = self._release(partitions)
        log.info("revoked %s", _names(partitions))
        self._drain(states)
        self._maybe_commit(force=True, only=states)
        self._forget(states)

    def _on_lost(self, consumer, partitions) -> None:
        # Another member may own them already: committing now could move its offsets backwards.
        states = self._release(partitions)
        log.warning("lost %s", _names(partitions))
        self._forget(states)

    def _release(self, partitions) -> list[PartitionState]:
        states = [s for tp in partitions if (s := self.partitions.get((tp.topic, tp.partition))) is not None]
        for state in states:
            state.queue.clear()
        return states

    def _drain(self, states: list[PartitionState]) -> None:
        """Waits, bounded, for the handlers in flight on these partitions."""
        deadline = time.monotonic() + self.settings.shutdown_timeout_ms / 1000
        while any(s.in_flight > 0 for s in states) and time.monotonic() < deadline:
            self._collect(block_s=0.05)

    def _forget(self, states: list[PartitionState]) -> None:
        for state in states:
            state.cancelled.set()
            del self.partitions[(state.topic, state.partition)]

    def _shutdown(self) -> None:
        log.info("stopping: finishing the messages in flight, committing and leaving the group")
        states = list(self.partitions.values())
        for state in states:
            state.queue.clear()
        self.retries.clear()
        self._drain(states)
        self._maybe_commit(force=True)
        self._forget(states)
        self.consumer.close()  # leaves the group
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.dead_letters.close()
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
            log.error("second signal: exiting without waiting")
            raise SystemExit(130)
        log.info("%s received", signal.Signals(signum).name)
        consumer.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    consumer.run()


if __name__ == "__main__":
    main()
`;
}
