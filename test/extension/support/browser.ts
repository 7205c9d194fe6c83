// What an extension suite asks of the browser that runs the workbench (scripts/runExtensionTests.mjs):
// a look into a webview or the workbench's own document from outside (scripts/lib/webviewProbe.mjs),
// and screenshots. Plain fetch, nothing of the extension: suites import it at the top.
import { strict as assert } from 'node:assert';

/** Set only under the code-server runner; suites that look into webviews skip without it. */
export const PROBE_URL = process.env.KAFKA_LAB_WEBVIEW_URL;

/** One probe request to the document whose element has id `root` ("workbench": the workbench itself). */
export async function probeIn<T = Record<string, unknown>>(root: string, request: Record<string, unknown>): Promise<T> {
  assert.ok(PROBE_URL, 'KAFKA_LAB_WEBVIEW_URL is not set: run under scripts/runExtensionTests.mjs');
  const response = await fetch(PROBE_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ root, ...request }),
  });
  const body = (await response.json()) as T & { error?: string };
  assert.equal(response.status, 200, `probe ${String(request.op)} in #${root}: ${body.error}`);
  return body;
}

/** The JSON value of an expression evaluated in that document. */
export async function evaluateIn<T>(root: string, expression: string): Promise<T> {
  return (await probeIn<{ value: T }>(root, { op: 'evaluate', expression })).value;
}

/** Saves a screenshot of the whole window as <artifacts>/<name>.png (no-op outside the runner). */
export async function screenshot(name: string): Promise<void> {
  const url = process.env.KAFKA_LAB_SCREENSHOT_URL;
  if (!url) return;
  const response = await fetch(`${url}?name=${encodeURIComponent(name)}`);
  assert.equal(response.status, 200, `screenshot ${name} failed: ${await response.text()}`);
}
