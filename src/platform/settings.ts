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
}
