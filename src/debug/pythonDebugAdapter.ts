import * as vscode from 'vscode';

/**
 * The debug type this extension provides for Python handlers when the Microsoft Python Debugger
 * extension is absent (code-server cannot install it, many VS Code forks do not ship it): debugpy's
 * own adapter, `python -m debugpy.adapter`, run with the handler's interpreter. Its launch
 * configuration is debugpy's (`program`, `python`, `cwd`, `env`, `justMyCode`, …).
 */
export const KAFKA_LAB_DEBUGPY_TYPE = 'kafka-lab-debugpy';
/** The Python Debugger extension's type (ms-python.debugpy), used when it is installed. */
export const MS_DEBUGPY_TYPE = 'debugpy';
const MS_DEBUGPY_EXTENSIONS = ['ms-python.debugpy'];

/** Which debug type runs a Python handler here: the Python extension's when present, else ours. */
export function pythonDebugType(): string {
  return MS_DEBUGPY_EXTENSIONS.some((id) => vscode.extensions.getExtension(id))
    ? MS_DEBUGPY_TYPE
    : KAFKA_LAB_DEBUGPY_TYPE;
}

export class DebugpyAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    const python = interpreterOf(session.configuration);
    if (!python)
      throw new Error(
        'a kafka-lab-debugpy configuration needs "python": the interpreter that has debugpy (e.g. ${workspaceFolder}/.venv/bin/python)',
      );
    return new vscode.DebugAdapterExecutable(python, ['-m', 'debugpy.adapter'], {
      ...(typeof session.configuration.cwd === 'string' ? { cwd: session.configuration.cwd } : {}),
    });
  }
}

/** debugpy takes `python` as a path or as [path, ...interpreter arguments]. */
function interpreterOf(config: vscode.DebugConfiguration): string | undefined {
  const python: unknown = config.python;
  if (typeof python === 'string' && python) return python;
  if (Array.isArray(python) && typeof python[0] === 'string') return python[0];
  return undefined;
}

export function registerDebugpyAdapter(): vscode.Disposable {
  return vscode.debug.registerDebugAdapterDescriptorFactory(KAFKA_LAB_DEBUGPY_TYPE, new DebugpyAdapterFactory());
}
