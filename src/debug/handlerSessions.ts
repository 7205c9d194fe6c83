import type * as vscode from 'vscode';
import type { PayloadDecoder } from '../core/codec/payloadDecoder';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import { messageDecoder, processHandler } from '../core/handler/processHandler';
import type { Logger } from '../core/logging';
import type { SessionController } from '../core/session/sessionController';
import type { SessionManager } from '../core/session/sessionManager';
import { HandlerDebugger, type HandlerSessionStarter } from './handlerDebugger';

export interface HandlerDebuggingDeps {
  readonly extensionUri: vscode.Uri;
  readonly manager: SessionManager;
  readonly clusters: () => readonly ClusterSettings[];
  readonly decoder: (cluster: ClusterSettings) => PayloadDecoder;
  readonly openPanel: (controller: SessionController) => void;
  readonly logger: Logger;
}

/**
 * The `kafka-lab` debug type, wired to the session manager: a launch configuration becomes a
 * consumer session whose handler is the developer's module, decoded through the cluster's codec.
 */
export function handlerDebugging(deps: HandlerDebuggingDeps): HandlerDebugger {
  const start: HandlerSessionStarter = async (launch, { channel, timeoutMs }) => {
    const cluster =
      deps.clusters().find((c) => c.name === launch.cluster) ?? deps.clusters().find((c) => c.id === launch.cluster);
    if (!cluster)
      throw new Error(
        `no saved cluster is named "${launch.cluster}". Add it in the Kafka view, or set "cluster" in launch.json to one of: ${
          deps
            .clusters()
            .map((c) => c.name)
            .join(', ') || '(none saved)'
        }.`,
      );
    const decoder = deps.decoder(cluster);
    const handler = processHandler({
      channel,
      timeoutMs,
      decode: messageDecoder(decoder),
    });
    return deps.manager.start(
      {
        clusterId: cluster.id,
        clusterName: cluster.name,
        groupId: launch.groupId,
        topics: launch.topics,
        autoOffsetReset: launch.autoOffsetReset,
        mode: launch.mode,
        handler: 'noop',
        commitPolicy: launch.commitPolicy,
        delivery: launch.delivery,
        ...(launch.transactionalIdPrefix ? { transactionalIdPrefix: launch.transactionalIdPrefix } : {}),
        ...(launch.transactionTimeoutMs ? { transactionTimeoutMs: launch.transactionTimeoutMs } : {}),
        ...(launch.outputTopics ? { outputTopics: launch.outputTopics } : {}),
        ...(launch.dlqTopic ? { dlqTopic: launch.dlqTopic } : {}),
        members: launch.members,
        concurrency: launch.concurrency,
        partitionConcurrency: launch.partitionConcurrency,
        ...(launch.consumerConfig ? { consumerConfig: launch.consumerConfig } : {}),
      },
      { handler },
    );
  };
  return new HandlerDebugger({
    extensionUri: deps.extensionUri,
    manager: deps.manager,
    start,
    logger: deps.logger,
    openPanel: deps.openPanel,
  });
}
