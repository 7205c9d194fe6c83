import type { GroupProtocol, SessionConfig } from './types';

/**
 * librdkafka properties that belong to the classic protocol only. Under `group.protocol=consumer`
 * (KIP-848) the broker assigns the partitions (`group.remote.assignor` picks its assignor) and sets
 * the session timeout and heartbeat interval (group.consumer.session.timeout.ms,
 * group.consumer.heartbeat.interval.ms); librdkafka rejects these properties there.
 */
export const CLASSIC_ONLY_PROPERTIES: readonly string[] = [
  'partition.assignment.strategy',
  'session.timeout.ms',
  'heartbeat.interval.ms',
  'group.protocol.type',
];

const BROKER_SETTING: Readonly<Record<string, string>> = {
  'partition.assignment.strategy': 'the broker assigns partitions; choose its assignor with group.remote.assignor',
  'session.timeout.ms': 'the broker sets it (group.consumer.session.timeout.ms)',
  'heartbeat.interval.ms': 'the broker sets it (group.consumer.heartbeat.interval.ms)',
  'group.protocol.type': 'it has no meaning there',
};

export function isGroupProtocol(value: unknown): value is GroupProtocol {
  return value === 'classic' || value === 'consumer';
}

/**
 * The session's group protocol (`classic` unless it says otherwise, as option or as the
 * `group.protocol` consumer property), checked against the settings that only the classic
 * protocol takes. Throws a RangeError that names the setting and what to do instead.
 */
export function resolveGroupProtocol(
  config: Pick<SessionConfig, 'groupProtocol' | 'consumerConfig' | 'assignmentStrategy'>,
): GroupProtocol {
  const property = config.consumerConfig?.['group.protocol'];
  if (property !== undefined && !isGroupProtocol(property))
    throw new RangeError(`group.protocol must be "classic" or "consumer", not ${JSON.stringify(property)}`);
  if (config.groupProtocol !== undefined && !isGroupProtocol(config.groupProtocol))
    throw new RangeError(
      `the group protocol must be "classic" or "consumer", not ${JSON.stringify(config.groupProtocol)}`,
    );
  if (config.groupProtocol !== undefined && property !== undefined && property !== config.groupProtocol)
    throw new RangeError(
      `the session's group protocol is "${config.groupProtocol}" but its consumer property group.protocol says "${property}"; set one of them`,
    );
  const protocol = config.groupProtocol ?? property ?? 'classic';
  if (protocol === 'consumer') {
    if (config.assignmentStrategy !== undefined)
      throw new RangeError(
        `an assignment strategy (${config.assignmentStrategy}) applies to the classic group protocol only: under the consumer protocol (KIP-848) the broker assigns partitions; leave it out, or choose the broker's assignor with the consumer property group.remote.assignor (uniform or range)`,
      );
    for (const key of CLASSIC_ONLY_PROPERTIES)
      if (config.consumerConfig?.[key] !== undefined)
        throw new RangeError(
          `${key} is not supported with the consumer group protocol (KIP-848): ${BROKER_SETTING[key]}; remove it from the consumer properties, or use the classic protocol`,
        );
  }
  return protocol;
}
