import { strict as assert } from 'node:assert';
import { SCRIPT_ID, STYLE_ID, webviewHtml, type WebviewPage } from '../../../src/webviews/shared/html';

const page: WebviewPage = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'AbCdEfGhIjKlMnOpQrStUvWx',
  script: 'document.getElementById("kafka-lab-session-panel").textContent = "a < b && c > d";',
  styles: [':root { --gap: 4px; }', '.loading > p { color: red; }'],
  rootId: 'kafka-lab-session-panel',
  title: 'Consumer session',
  loadingText: 'Waiting for the session…',
};

describe('the webview page', () => {
  it('has a strict CSP: nothing by default, the script and the styles by nonce, written into the page, no unsafe-*', () => {
    const html = webviewHtml(page);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)![1]!.replace(/&#39;/g, "'");
    assert.deepEqual(csp.split('; '), [
      "default-src 'none'",
      `script-src 'nonce-${page.nonce}'`,
      `style-src 'nonce-${page.nonce}'`,
      `img-src ${page.cspSource} data:`,
      `font-src ${page.cspSource}`,
    ]);
    assert.doesNotMatch(html, /unsafe-|strict-dynamic|style=|<link/);
    // exactly one script and one style element, each by nonce, holding our code as it is (not escaped)
    assert.deepEqual(
      [...html.matchAll(/<script[^>]*>([^<]*(?:<(?!\/script)[^<]*)*)<\/script>/g)].map((m) => [
        m[0].slice(0, m[0].indexOf('>') + 1),
        m[1]!.trim(),
      ]),
      [[`<script id="${SCRIPT_ID}" nonce="${page.nonce}">`, page.script]],
    );
    assert.deepEqual(
      [...html.matchAll(/<style[^>]*>([^<]*)<\/style>/g)].map((m) => [
        m[0].slice(0, m[0].indexOf('>') + 1),
        m[1]!.trim(),
      ]),
      [[`<style id="${STYLE_ID}" nonce="${page.nonce}">`, page.styles.join('\n')]],
    );
    assert.match(
      html,
      /<main id="kafka-lab-session-panel" aria-label="Consumer session"><p class="loading">Waiting for the session…<\/p><\/main>/,
    );
  });

  it('refuses a script or a stylesheet that would end its element early (or hide its end)', () => {
    assert.throws(
      () => webviewHtml({ ...page, script: 'const s = "</script><script>alert(1)</script>";' }),
      RangeError,
    );
    assert.throws(() => webviewHtml({ ...page, script: 'const s = "</SCRIPT >";' }), RangeError);
    assert.throws(() => webviewHtml({ ...page, script: 'const s = "<!-- <script>";' }), RangeError);
    assert.throws(
      () => webviewHtml({ ...page, styles: ['p {}', 'a {} </style><script>alert(1)</script>'] }),
      RangeError,
    );
  });

  it('refuses a weak nonce, a bad root id or a CSP source that could add directives; escapes its own text', () => {
    assert.throws(() => webviewHtml({ ...page, nonce: 'short' }), RangeError);
    assert.throws(() => webviewHtml({ ...page, nonce: `${page.nonce}' 'unsafe-inline` }), RangeError);
    assert.throws(() => webviewHtml({ ...page, rootId: 'x" onload="alert(1)' }), RangeError);
    assert.throws(() => webviewHtml({ ...page, cspSource: "https://a 'unsafe-inline'" }), RangeError);
    assert.throws(() => webviewHtml({ ...page, cspSource: 'https://a; script-src *' }), RangeError);
    assert.throws(() => webviewHtml({ ...page, cspSource: ' ' }), RangeError);
    // VS Code in the browser gives 'self' and a CDN host: both fine.
    assert.match(
      webviewHtml({ ...page, cspSource: "'self' https://*.vscode-cdn.net" }),
      /img-src &#39;self&#39; https:\/\/\*\.vscode-cdn\.net data:;/,
    );
    const html = webviewHtml({
      ...page,
      title: '<img src=x onerror=alert(1)>',
      loadingText: '"><script>alert(1)</script>',
    });
    assert.doesNotMatch(html, /<img|onerror=alert\(1\)>|"><script>alert/);
    assert.equal([...html.matchAll(/<script/g)].length, 1);
  });
});
