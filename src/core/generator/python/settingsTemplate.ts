import { DEFAULT_SHUTDOWN_TIMEOUT_MS, DEFAULT_TRANSACTION_TIMEOUT_MS, ENV, isExactlyOnce } from '../common';
import type { GeneratorInput } from '../generatorInput';

/** A Python string literal (JSON's escapes are Python's). */
const q = (text: string): string => JSON.stringify(text);

export function settingsPy(input: GeneratorInput): string {
  const c = input.connection;
  const p = input.commitPolicy;
  const eos = isExactlyOnce(input);
  return `"""Settings from the environment (see .env.example); the defaults are what the project was generated with."""

from __future__ import annotations

import os
${eos ? 'import socket\n' : ''}from dataclasses import dataclass, field

from contract import NON_RETRIABLE


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    connection: dict  # librdkafka properties shared by the consumer and the dead-letter producer
    group_id: str
    topics: list
    dlq_topic: str
    auto_offset_reset: str
    concurrency: int
    commit_every_messages: int  # 1: per message
    commit_every_ms: int
    retry_max_attempts: int
    retry_base_ms: int
    retry_cap_ms: int
    shutdown_timeout_ms: int
    registry_url: str = ""
    registry_user_info: str = ""
    non_retriable: tuple = field(default=NON_RETRIABLE)${
      eos
        ? `
    output_topic: str = ""  # exactly-once: the default topic of the handler's output records
    transactional_id: str = ""  # <group id>-<instance id>: a restarted instance with it fences the one before
    transaction_timeout_ms: int = ${DEFAULT_TRANSACTION_TIMEOUT_MS}`
        : ''
    }


def _text(env, name: str, fallback: str) -> str:
    value = (env.get(name) or "").strip()
    return value or fallback


def _required(env, name: str, fallback: str) -> str:
    value = _text(env, name, fallback)
    if not value:
        raise SettingsError(f"{name} must be set for OAUTHBEARER; see .env.example")
    return value


def _whole(env, name: str, fallback: int, minimum: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return fallback
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise SettingsError(f"{name} must be a whole number of at least {minimum} (got {raw!r}); see .env.example")
    return value


def load_settings(env=os.environ) -> Settings:
    protocol = _text(env, ${q(ENV.securityProtocol)}, ${q(c.securityProtocol ?? 'PLAINTEXT')})
    connection = {
        "bootstrap.servers": _text(env, ${q(ENV.bootstrapServers)}, ${q(c.bootstrapServers)}),
        "security.protocol": protocol,
    }
    if protocol.startswith("SASL"):
        mechanism = _text(env, ${q(ENV.saslMechanism)}, ${q(c.saslMechanism ?? 'SCRAM-SHA-512')})
        connection["sasl.mechanisms"] = mechanism
        if mechanism == "OAUTHBEARER":
            # OIDC client credentials: librdkafka fetches and refreshes the token itself.
            connection["sasl.oauthbearer.method"] = "oidc"
            connection["sasl.oauthbearer.token.endpoint.url"] = _required(env, ${q(ENV.oauthTokenEndpointUrl)}, ${q(c.oauthTokenEndpointUrl ?? '')})
            connection["sasl.oauthbearer.client.id"] = _required(env, ${q(ENV.oauthClientId)}, ${q(c.oauthClientId ?? '')})
            connection["sasl.oauthbearer.client.secret"] = _required(env, ${q(ENV.oauthClientSecret)}, "")  # a secret: only from the environment
            scope = _text(env, ${q(ENV.oauthScope)}, ${q(c.oauthScope ?? '')})
            if scope:
                connection["sasl.oauthbearer.scope"] = scope
        else:
            connection["sasl.username"] = _text(env, ${q(ENV.saslUsername)}, ${q(c.saslUsername ?? '')})
            connection["sasl.password"] = _text(env, ${q(ENV.saslPassword)}, "")  # a secret: only from the environment
    ca = _text(env, ${q(ENV.sslCaLocation)}, ${q(c.sslCaLocation ?? '')})
    if ca:
        connection["ssl.ca.location"] = ca
    # mTLS: the client certificate and its key (files); the key's password only from the environment.
    certificate = _text(env, ${q(ENV.sslCertificateLocation)}, ${q(c.sslCertificateLocation ?? '')})
    key = _text(env, ${q(ENV.sslKeyLocation)}, ${q(c.sslKeyLocation ?? '')})
    if bool(certificate) != bool(key):
        raise SettingsError("${ENV.sslCertificateLocation} and ${ENV.sslKeyLocation} go together: set both, or neither")
    if certificate:
        connection["ssl.certificate.location"] = certificate
        connection["ssl.key.location"] = key
        password = _text(env, ${q(ENV.sslKeyPassword)}, "")
        if password:
            connection["ssl.key.password"] = password
    reset = _text(env, ${q(ENV.autoOffsetReset)}, ${q(input.autoOffsetReset)})
    if reset not in ("earliest", "latest"):
        raise SettingsError(f"${ENV.autoOffsetReset} must be earliest or latest (got {reset!r})")
    policy = _text(env, ${q(ENV.commitPolicy)}, ${q(p.kind === 'perMessage' ? 'per-message' : 'batch')})
    if policy not in ("per-message", "batch"):
        raise SettingsError(f"${ENV.commitPolicy} must be per-message or batch (got {policy!r})")
    base_ms = _whole(env, ${q(ENV.retryBaseMs)}, ${input.retry.baseMs}, 0)
    return Settings(
        connection=connection,
        group_id=_text(env, ${q(ENV.groupId)}, ${q(input.groupId)}),
        topics=[t.strip() for t in _text(env, ${q(ENV.topics)}, ${q(input.topics.join(','))}).split(",") if t.strip()],
        dlq_topic=_text(env, ${q(ENV.dlqTopic)}, ${q(input.dlqTopic)}),
        auto_offset_reset=reset,
        concurrency=_whole(env, ${q(ENV.concurrency)}, ${input.concurrency}, 1),
        commit_every_messages=1 if policy == "per-message" else _whole(env, ${q(ENV.commitBatchMessages)}, ${p.kind === 'batch' ? p.maxMessages : 500}, 1),
        commit_every_ms=0 if policy == "per-message" else _whole(env, ${q(ENV.commitBatchMs)}, ${p.kind === 'batch' ? p.maxIntervalMs : 5000}, 1),
        retry_max_attempts=_whole(env, ${q(ENV.retryMaxAttempts)}, ${input.retry.maxAttempts}, 1),
        retry_base_ms=base_ms,
        retry_cap_ms=_whole(env, ${q(ENV.retryCapMs)}, ${input.retry.capMs}, base_ms),
        shutdown_timeout_ms=_whole(env, ${q(ENV.shutdownTimeoutMs)}, ${DEFAULT_SHUTDOWN_TIMEOUT_MS}, 0),
        registry_url=_text(env, ${q(ENV.registryUrl)}, ${q(c.schemaRegistryUrl ?? '')}),
        registry_user_info=_text(env, ${q(ENV.registryUserInfo)}, ""),${
          eos
            ? `
        output_topic=_text(env, ${q(ENV.outputTopic)}, ${q(input.outputTopic ?? '')}),
        transactional_id=_text(env, ${q(ENV.groupId)}, ${q(input.groupId)}) + "-" + _text(env, ${q(ENV.instanceId)}, socket.gethostname()),
        transaction_timeout_ms=_whole(env, ${q(ENV.transactionTimeoutMs)}, ${DEFAULT_TRANSACTION_TIMEOUT_MS}, 1000),`
            : ''
        }
    )


def consumer_config(settings: Settings) -> dict:
    """Commits only by the code, never automatic; cooperative rebalancing."""
    return {
        **settings.connection,
        "group.id": settings.group_id,
        "client.id": f"{settings.group_id}-consumer",
        "auto.offset.reset": settings.auto_offset_reset,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "partition.assignment.strategy": "cooperative-sticky",
        "session.timeout.ms": 45000,
        "max.poll.interval.ms": 300000,${
          eos
            ? `
        # Only what committed transactions wrote: an aborted transaction's records are never handled.
        "isolation.level": "read_committed",`
            : ''
        }
    }
${
  eos
    ? `

def producer_config(settings: Settings) -> dict:
    """The transactional producer: the handler's outputs, the dead letters and the input offsets commit together."""
    return {
        **settings.connection,
        "client.id": f"{settings.transactional_id}-producer",
        "transactional.id": settings.transactional_id,
        "transaction.timeout.ms": settings.transaction_timeout_ms,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
    }
`
    : ''
}`;
}
