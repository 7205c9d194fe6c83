/**
 * The page every panel loads: a strict CSP (`default-src 'none'`; the one bundled script and the one
 * stylesheet by nonce, written into the page; images and fonts only from the extension), no other
 * script or style, no eval. The bundle and the stylesheets are written into the page rather than
 * fetched: each fetch of a webview goes through VS Code's service worker and the workbench, and the
 * three of them delayed the first paint by about 90 ms. Data never goes into this HTML; it arrives
 * by postMessage. Pure (strings in, string out), so it is unit-tested.
 */
export interface WebviewPage {
  /** `webview.cspSource`: where the extension's own files are served from. */
  readonly cspSource: string;
  /** A fresh random nonce (base64) per page. */
  readonly nonce: string;
  /** The bundled script's code (our own build: never data). */
  readonly script: string;
  /** Stylesheets' text, in cascade order (our own files: never data). */
  readonly styles: readonly string[];
  /** The id of the element the script renders into (tests find the webview frame by it). */
  readonly rootId: string;
  /** The document title and the root's accessible name (our own words). */
  readonly title: string;
  /** Shown until the first state is rendered. */
  readonly loadingText: string;
}

/** The ids of the page's one script and one style element (the security tests look for exactly these). */
export const SCRIPT_ID = 'kafka-lab-bundle';
export const STYLE_ID = 'kafka-lab-styles';

const NONCE = /^[A-Za-z0-9+/]{16,}={0,2}$/;
const ROOT_ID = /^[A-Za-z][\w-]{0,80}$/;

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function webviewHtml(page: WebviewPage): string {
  if (!NONCE.test(page.nonce)) throw new RangeError('The nonce must be at least 16 base64 characters.');
  if (!ROOT_ID.test(page.rootId)) throw new RangeError(`"${page.rootId}" is not an element id.`);
  if (!isSourceList(page.cspSource)) throw new RangeError("The CSP source must be host sources (and 'self') only.");
  // The HTML parser ends a <script> at the first "</script" and a <style> at "</style": neither may
  // be in them, nor "<!--", which changes how a script's end is found.
  if (/<\/script|<!--/i.test(page.script)) throw new RangeError('The script contains "</script" or "<!--".');
  if (page.styles.some((css) => /<\/style/i.test(css))) throw new RangeError('A stylesheet contains "</style".');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attribute(contentSecurityPolicy(page.cspSource, page.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style id="${STYLE_ID}" nonce="${page.nonce}">
${page.styles.join('\n')}
</style>
<title>${text(page.title)}</title>
</head>
<body>
<main id="${page.rootId}" aria-label="${attribute(page.title)}"><p class="loading">${text(page.loadingText)}</p></main>
<script id="${SCRIPT_ID}" nonce="${page.nonce}">
${page.script}
</script>
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
