import * as vscode from 'vscode';
import { LabError } from '../core/errors';
import type { Logger } from '../core/logging';

/** Every command the extension contributes, in one place. Ids must match package.json. */
export const CommandId = {
  showClientInfo: 'kafkaLab.showClientInfo',
  addCluster: 'kafkaLab.addCluster',
  editCluster: 'kafkaLab.editCluster',
  removeCluster: 'kafkaLab.removeCluster',
  testCluster: 'kafkaLab.testCluster',
  exportClusters: 'kafkaLab.exportClusters',
  importClusters: 'kafkaLab.importClusters',
  showLog: 'kafkaLab.showLog',
  refreshClusters: 'kafkaLab.refreshClusters',
  toggleInternalTopics: 'kafkaLab.toggleInternalTopics',
  loadMoreTopics: 'kafkaLab.loadMoreTopics',
  filterTopics: 'kafkaLab.filterTopics',
  openSchemaVersion: 'kafkaLab.openSchemaVersion',
  compareSchemaWithPrevious: 'kafkaLab.compareSchemaWithPrevious',
  compareSchemaWith: 'kafkaLab.compareSchemaWith',
  registerSchema: 'kafkaLab.registerSchema',
  deleteSchemaVersion: 'kafkaLab.deleteSchemaVersion',
  deleteSchemaSubject: 'kafkaLab.deleteSchemaSubject',
  loadMoreSubjects: 'kafkaLab.loadMoreSubjects',
  createTopic: 'kafkaLab.createTopic',
  deleteTopic: 'kafkaLab.deleteTopic',
  addPartitions: 'kafkaLab.addPartitions',
  copyTopicName: 'kafkaLab.copyTopicName',
  resetGroupOffsets: 'kafkaLab.resetGroupOffsets',
  deleteGroup: 'kafkaLab.deleteGroup',
  produceMessage: 'kafkaLab.produceMessage',
  produceFromFile: 'kafkaLab.produceFromFile',
  produceCopy: 'kafkaLab.produceCopy',
  startSession: 'kafkaLab.startSession',
  showSessionPanel: 'kafkaLab.showSessionPanel',
  sessionDecide: 'kafkaLab.sessionDecide',
  stepSession: 'kafkaLab.stepSession',
  pauseSession: 'kafkaLab.pauseSession',
  resumeSession: 'kafkaLab.resumeSession',
  commitSessionNow: 'kafkaLab.commitSessionNow',
  setSessionMode: 'kafkaLab.setSessionMode',
  setSessionCommitPolicy: 'kafkaLab.setSessionCommitPolicy',
  seekSessionPartition: 'kafkaLab.seekSessionPartition',
  addSessionMember: 'kafkaLab.addSessionMember',
  removeSessionMember: 'kafkaLab.removeSessionMember',
  runSessionUntil: 'kafkaLab.runSessionUntil',
  stopSession: 'kafkaLab.stopSession',
  debugHandler: 'kafkaLab.debugHandler',
  runHandler: 'kafkaLab.runHandler',
  restartHandler: 'kafkaLab.restartHandler',
  replayIntoHandler: 'kafkaLab.replayIntoHandler',
  viewDeadLetters: 'kafkaLab.viewDeadLetters',
  redriveDeadLetters: 'kafkaLab.redriveDeadLetters',
  redriveSessionDeadLetter: 'kafkaLab.redriveSessionDeadLetter',
  viewMessages: 'kafkaLab.viewMessages',
  viewAroundOffset: 'kafkaLab.viewAroundOffset',
  exportViewerMessages: 'kafkaLab.exportViewerMessages',
  viewerStartSessionHere: 'kafkaLab.viewerStartSessionHere',
  generateConsumerProject: 'kafkaLab.generateConsumerProject',
} as const;
export type CommandId = (typeof CommandId)[keyof typeof CommandId];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandHandler = (...args: any[]) => unknown;
export type CommandTable = Record<CommandId, CommandHandler>;

/**
 * Registers the table. One wrapper logs every failure and shows it to the user, so a handler never
 * fails silently. Errors are still rethrown so that programmatic callers (and tests) see them.
 */
export function registerCommands(table: CommandTable, logger: Logger): vscode.Disposable[] {
  return (Object.keys(table) as CommandId[]).map((id) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await table[id](...args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.error(`Command ${id} failed: ${message}`, error instanceof LabError ? { reason: error.reason } : error);
        void vscode.window.showErrorMessage(`Kafka Consumer Lab: ${message}`);
        throw error;
      }
    }),
  );
}
