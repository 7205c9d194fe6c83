import * as vscode from 'vscode';
import type { ClientInfo } from '../core/kafka/nativeClient';
import type { Logger } from '../core/logging';
import type { CommandTable } from './commandTable';

export interface ClientInfoDeps {
  /** Loads the native client on first use and reports its versions. */
  getClientInfo(): ClientInfo;
  readonly logger: Logger;
}

/** "Kafka: Show Client Info". */
export function clientInfoCommands(deps: ClientInfoDeps) {
  return {
    'kafkaLab.showClientInfo': () => {
      const info = deps.getClientInfo();
      deps.logger.info('Native client info', info);
      const summary = `librdkafka ${info.librdkafkaVersion} (@confluentinc/kafka-javascript ${info.clientVersion}) on ${info.platform}, Node ${info.nodeVersion}`;
      void vscode.window.showInformationMessage(`Kafka Consumer Lab: ${summary}`);
      return info;
    },
  } satisfies Partial<CommandTable>;
}
