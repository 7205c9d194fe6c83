import { strict as assert } from 'node:assert';
import { webviewHtml, type WebviewPage } from '../../../src/webviews/shared/html';

const page: WebviewPage = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'AbCdEfGhIjKlMnOpQrStUvWx',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/sessionPanel.js',
  styleUris: [
    'https://file+.vscode-resource.vscode-cdn.net/ext/media/webview/shared.css',
    'https://file+.vscode-resource.vscode-cdn.net/ext/media/webview/sessionPanel.css',
  ],
  rootId: 'kafka-lab-session-panel',
  title: 'Consumer session',
  loadingText: 'Waiting for the session…',
};

describe('the webview page', () => {
  it('has a strict CSP: nothing by default, the script by nonce, styles from the extension, no unsafe-*', () => {
    const html = webviewHtml(page);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)![1]!.replace(/&#39;/g, "'");
    assert.deepEqual(csp.split('; '), [
      "default-src 'none'",
      `script-src 'nonce-${page.nonce}'`,
      `style-src ${page.cspSource}`,
      `img-src ${page.cspSource} data:`,
      `font-src ${page.cspSource}`,
    ]);
    assert.doesNotMatch(html, /unsafe-|strict-dynamic|<style|style=/);
    // exactly one script, by nonce and src; stylesheets in cascade order
    assert.deepEqual(
      [...html.matchAll(/<script[^>]*>/g)].map((m) => m[0]),
      [`<script nonce="${page.nonce}" src="${page.scriptUri}">`],
    );
    assert.deepEqual(
      [...html.matchAll(/<link rel="stylesheet" href="([^"]*)">/g)].map((m) => m[1]),
      page.styleUris,
    );
    assert.match(
      html,
      /<main id="kafka-lab-session-panel" aria-label="Consumer session"><p class="loading">Waiting for the session…<\/p><\/main>/,
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
      /style-src &#39;self&#39; https:\/\/\*\.vscode-cdn\.net;/,
    );
    const html = webviewHtml({
      ...page,
      title: '<img src=x onerror=alert(1)>',
      scriptUri: 'https://x/"><script>alert(1)</script>',
    });
    assert.doesNotMatch(html, /<img|onerror=alert\(1\)>|"><script>alert/);
    assert.equal([...html.matchAll(/<script/g)].length, 1);
  });
});
