import * as vscode from 'vscode';
import type { ClientInfo } from '../core/kafka/nativeClient';
import type { Logger } from '../core/logging';

/** "Kafka: Show Client Info": loads the native client on first use and reports its versions. */
export function showClientInfo(getClientInfo: () => ClientInfo, logger: Logger): () => ClientInfo {
  return () => {
    const info = getClientInfo();
    logger.info('Native client info', info);
    const summary = `librdkafka ${info.librdkafkaVersion} (@confluentinc/kafka-javascript ${info.clientVersion}) on ${info.platform}, Node ${info.nodeVersion}`;
    void vscode.window.showInformationMessage(`Kafka Consumer Lab: ${summary}`);
    return info;
  };
}
