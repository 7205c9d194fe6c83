/**
 * The page every panel loads: a strict CSP (`default-src 'none'`, the one bundled script by nonce,
 * styles, images and fonts only from the extension), no inline script or style, no eval. Data never
 * goes into this HTML; it arrives by postMessage. Pure (strings in, string out), so it is unit-tested.
 */
export interface WebviewPage {
  /** `webview.cspSource`: where the extension's own files are served from. */
  readonly cspSource: string;
  /** A fresh random nonce (base64) per page. */
  readonly nonce: string;
  /** The bundled script, as a webview URI. */
  readonly scriptUri: string;
  /** Stylesheets, as webview URIs, in cascade order. */
  readonly styleUris: readonly string[];
  /** The id of the element the script renders into (tests find the webview frame by it). */
  readonly rootId: string;
  /** The document title and the root's accessible name (our own words). */
  readonly title: string;
  /** Shown until the first state is rendered. */
  readonly loadingText: string;
}

const NONCE = /^[A-Za-z0-9+/]{16,}={0,2}$/;
const ROOT_ID = /^[A-Za-z][\w-]{0,80}$/;

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function webviewHtml(page: WebviewPage): string {
  if (!NONCE.test(page.nonce)) throw new RangeError('The nonce must be at least 16 base64 characters.');
  if (!ROOT_ID.test(page.rootId)) throw new RangeError(`"${page.rootId}" is not an element id.`);
  if (!isSourceList(page.cspSource)) throw new RangeError("The CSP source must be host sources (and 'self') only.");
  const styles = page.styleUris.map((uri) => `<link rel="stylesheet" href="${attribute(uri)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attribute(contentSecurityPolicy(page.cspSource, page.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles}
<title>${text(page.title)}</title>
</head>
<body>
<main id="${page.rootId}" aria-label="${attribute(page.title)}"><p class="loading">${text(page.loadingText)}</p></main>
<script nonce="${page.nonce}" src="${attribute(page.scriptUri)}"></script>
</body>
</html>`;
}

/** VS Code's `cspSource`: host sources and, in the browser, `'self'`; never another keyword or directive. */
function isSourceList(value: string): boolean {
  const sources = value.trim().split(/\s+/);
  return sources[0] !== '' && sources.every((source) => source === "'self'" || /^[^'";,]+$/.test(source));
}

function text(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attribute(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
