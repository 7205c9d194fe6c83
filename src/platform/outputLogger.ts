import type * as vscode from 'vscode';
import { createLogger, type LogLevel, type Logger } from '../core/logging';

/** Adapts the extension's one LogOutputChannel to the core Logger (which redacts before writing). */
export function createOutputLogger(channel: vscode.LogOutputChannel, minLevel: () => LogLevel): Logger {
  return createLogger(
    (level, line) => {
      switch (level) {
        case 'trace':
          channel.trace(line);
          break;
        case 'debug':
          channel.debug(line);
          break;
        case 'info':
          channel.info(line);
          break;
        case 'warn':
          channel.warn(line);
          break;
        case 'error':
          channel.error(line);
          break;
      }
    },
    { minLevel },
  );
}
