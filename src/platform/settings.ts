import * as vscode from 'vscode';
import type { LogLevel } from '../core/logging';

const SECTION = 'kafkaLab';
const levels: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

/** Typed, validated reads of the extension's settings. Malformed values fall back to defaults. */
export class Settings {
  logLevel(): LogLevel {
    const value = vscode.workspace.getConfiguration(SECTION).get<string>('logLevel', 'info');
    return (levels as readonly string[]).includes(value) ? (value as LogLevel) : 'info';
  }

  /** Seconds between lag refreshes of expanded consumer groups; 0 (the default) turns it off. Values under 1 s are raised to 1 s. */
  lagRefreshSeconds(): number {
    const value = vscode.workspace.getConfiguration(SECTION).get<unknown>('explorer.lagRefreshSeconds', 0);
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return 0;
    return Math.max(1, value);
  }

  /** Fires when the named setting (under `kafkaLab.`) changes. */
  onDidChange(key: 'logLevel' | 'explorer.lagRefreshSeconds', listener: () => void): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.${key}`)) listener();
    });
  }
}
