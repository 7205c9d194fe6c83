// Lets an extension test look at (and type into) a webview from the OUTSIDE: through the browser
// that drives the workbench, not through the extension's own message channel. Served by the runner
// next to the screenshot endpoint (env KAFKA_LAB_WEBVIEW_URL). A webview is a pair of nested iframes;
// the probe picks the frame whose document has an element with id `root` (root "workbench" means
// the workbench's own document: notifications, the status bar).
//
//   POST $KAFKA_LAB_WEBVIEW_URL  {"root": "<element id>", "op": ..., ...}  ->  JSON
//   op "facts"   {texts?: string[], probes?: string[] (CSS selectors), flag?: string (a global name)}
//                what the document holds: scripts, styles, tags, on* attributes, script URLs, CSP,
//                whether an injected inline script or a string timer (eval) runs and which CSP
//                directives refused them, layout, the focused element, and
//                whether `flag` is set in any frame of the page
//   op "focus"   {selector}            focus an element in the webview
//   op "click"   {selector, modifiers?} a real mouse click on it (modifiers: ["Control"], ["Shift"], ...)
//   op "press"   {keys: string[]}      real key presses (page.keyboard); the focused element after each
//   op "fill"    {selector, value}     type into an input
//   op "select"  {selector, value}     choose an <option>
//   op "evaluate" {expression, inHost?} evaluate an expression in the webview; its JSON value
//                (inHost: in the frame that holds it, VS Code's own page for the webview)

/* global document, window, getComputedStyle -- the functions passed to frame.evaluate run in the browser */

const FIND_TIMEOUT_MS = 15_000;
const MAX_BODY = 4 * 1024 * 1024;

export async function handleWebviewProbe(req, res, page, writeLog) {
  const reply = (status, body) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (req.method !== 'POST')
    return reply(405, {
      error:
        'POST a JSON body: {"root": "<element id>", "op": "facts" | "focus" | "click" | "press" | "fill" | "select"}',
    });
  if (!page) return reply(503, { error: 'no page yet' });
  let request;
  try {
    request = JSON.parse(await readBody(req));
  } catch (error) {
    return reply(400, { error: `the body is not JSON: ${error.message}` });
  }
  if (typeof request?.root !== 'string' || !/^[A-Za-z][\w-]{0,80}$/.test(request.root))
    return reply(400, { error: 'root must be an element id' });
  try {
    const frame = await findFrame(page, request.root);
    if (!frame) return reply(404, { error: `no frame has an element #${request.root} after ${FIND_TIMEOUT_MS} ms` });
    switch (request.op) {
      case 'facts':
        return reply(200, await facts(page, frame, request));
      case 'focus':
        await frame.focus(String(request.selector), { timeout: 5_000 });
        return reply(200, { active: await activeElement(frame) });
      case 'click': {
        // modifiers: a real ctrl/shift-click (["Control"], ["Shift"], ["Meta"]).
        const modifiers = Array.isArray(request.modifiers)
          ? request.modifiers.filter((m) => ['Alt', 'Control', 'Meta', 'Shift'].includes(m))
          : [];
        await frame.click(String(request.selector), { timeout: 5_000, modifiers });
        return reply(200, { active: await activeElement(frame) });
      }
      case 'fill':
        await frame.fill(String(request.selector), String(request.value ?? ''), { timeout: 5_000 });
        return reply(200, { active: await activeElement(frame) });
      case 'select':
        await frame.selectOption(String(request.selector), String(request.value ?? ''), { timeout: 5_000 });
        return reply(200, { active: await activeElement(frame) });
      case 'evaluate':
        return reply(200, {
          value: await (request.inHost ? (frame.parentFrame() ?? frame) : frame).evaluate(String(request.expression)),
        });
      case 'press': {
        const keys = Array.isArray(request.keys) ? request.keys.map(String) : [];
        const after = [];
        for (const key of keys) {
          await page.keyboard.press(key);
          after.push(await activeElement(frame));
        }
        return reply(200, { after });
      }
      default:
        return reply(400, { error: `unknown op ${JSON.stringify(request.op)}` });
    }
  } catch (error) {
    writeLog?.(`webview probe ${request.op} failed: ${error.stack ?? error.message}`);
    return reply(500, { error: error.message });
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function findFrame(page, root) {
  // "workbench": the workbench's own document (notifications, status bar, views).
  if (root === 'workbench') return page.mainFrame();
  const deadline = Date.now() + FIND_TIMEOUT_MS;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame.isDetached()) continue;
      const found = await frame.evaluate((id) => document.getElementById(id) !== null, root).catch(() => false);
      if (found) return frame;
    }
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function activeElement(frame) {
  return frame.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return { tag: e ? 'body' : null, hasFocus: document.hasFocus() };
    return {
      tag: e.tagName.toLowerCase(),
      id: e.id || undefined,
      className: typeof e.className === 'string' ? e.className : undefined,
      text: (e.textContent ?? '').trim().slice(0, 80),
      keyshortcuts: e.getAttribute('aria-keyshortcuts') ?? undefined,
      disabled: e.disabled === true,
      focusVisible: e.matches(':focus-visible'),
      outline: getComputedStyle(e).outlineStyle,
      hasFocus: document.hasFocus(),
    };
  });
}

async function facts(page, frame, request) {
  const inFrame = await frame.evaluate(
    ({ root, texts, probes }) => {
      const rootElement = document.getElementById(root);
      const all = [...document.querySelectorAll('*')];
      const onAttributes = [];
      const scriptUrls = [];
      const urlAttributes = [
        'href',
        'src',
        'action',
        'formaction',
        'xlink:href',
        'data',
        'srcdoc',
        'background',
        'poster',
      ];
      for (const element of all) {
        for (const attribute of element.attributes) {
          if (/^on/i.test(attribute.name)) onAttributes.push(`${element.tagName.toLowerCase()}[${attribute.name}]`);
          if (
            urlAttributes.includes(attribute.name.toLowerCase()) &&
            /^\s*(javascript|vbscript|data:text\/html)/i.test(attribute.value)
          ) {
            scriptUrls.push(`${element.tagName.toLowerCase()}[${attribute.name}]`);
          }
        }
      }
      const tags = {};
      for (const tag of [
        'script',
        'style',
        'link',
        'iframe',
        'frame',
        'img',
        'svg',
        'a',
        'object',
        'embed',
        'form',
        'meta',
        'base',
        'video',
        'audio',
        'math',
        'template',
      ]) {
        tags[tag] = document.getElementsByTagName(tag).length;
      }
      const rootTags = {};
      for (const tag of [
        'script',
        'style',
        'link',
        'iframe',
        'img',
        'svg',
        'a',
        'object',
        'embed',
        'form',
        'meta',
        'base',
      ]) {
        rootTags[tag] = rootElement ? rootElement.getElementsByTagName(tag).length : 0;
      }
      const text = rootElement?.textContent ?? '';

      const box = (element) => {
        const rect = element.getBoundingClientRect();
        const style = getComputedStyle(element);
        return {
          width: Math.round(rect.width),
          height: Math.round(rect.height),
          scrollWidth: element.scrollWidth,
          clientWidth: element.clientWidth,
          scrollHeight: element.scrollHeight,
          clientHeight: element.clientHeight,
          display: style.display,
          visibility: style.visibility,
          overflowX: style.overflowX,
          overflowY: style.overflowY,
          textLength: (element.textContent ?? '').length,
        };
      };
      return {
        title: document.title,
        seq: rootElement?.dataset.seq,
        scripts: [...document.scripts].map((s) => ({
          id: s.id || undefined,
          src: s.src || undefined,
          nonce: s.nonce !== '',
          inline: !s.src,
        })),
        styles: [...document.querySelectorAll('style')].map((s) => s.id || '(no id)'),
        links: [...document.querySelectorAll('link')].map((l) => `${l.rel} ${l.href}`),
        csp: [...document.querySelectorAll('meta')]
          .filter((m) => m.httpEquiv.toLowerCase() === 'content-security-policy')
          .map((m) => m.content),
        tags,
        rootTags,
        onAttributes: onAttributes.slice(0, 50),
        scriptUrls: scriptUrls.slice(0, 50),
        texts: (texts ?? []).map((t) => text.includes(t)),
        textLength: text.length,
        document: {
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth,
          scrollHeight: document.documentElement.scrollHeight,
          clientHeight: document.documentElement.clientHeight,
        },
        body: box(document.body),
        root: rootElement ? box(rootElement) : undefined,
        probes: (probes ?? []).map((selector) => {
          const found = document.querySelectorAll(selector);
          return { selector, count: found.length, ...(found[0] ? box(found[0]) : {}) };
        }),
      };
    },
    { root: request.root, texts: request.texts, probes: request.probes },
  );
  // Is the CSP enforced? An inline script without the nonce and a string timer (eval) must both be
  // refused. (eval called directly from here would run: DevTools evaluation is exempt from the CSP.)
  const csp = await frame.evaluate(async () => {
    const violations = [];
    const listener = (event) => violations.push(event.violatedDirective);
    document.addEventListener('securitypolicyviolation', listener);
    const inline = document.createElement('script');
    inline.textContent = 'window.__webviewProbeInline = true';
    document.head.appendChild(inline);
    inline.remove();
    try {
      window.setTimeout('window.__webviewProbeEval = true', 0);
    } catch {
      // refused synchronously: fine
    }
    await new Promise((resolve) => window.setTimeout(resolve, 200));
    document.removeEventListener('securitypolicyviolation', listener);
    return {
      inlineScriptRan: window.__webviewProbeInline === true,
      evalRan: window.__webviewProbeEval === true,
      violations,
    };
  });
  // The flag a hostile payload would set, looked up in every frame (the workbench's too).
  const flagged = [];
  if (typeof request.flag === 'string' && /^[A-Za-z_$][\w$]{0,60}$/.test(request.flag)) {
    for (const f of page.frames()) {
      const value = await f.evaluate((name) => globalThis[name], request.flag).catch(() => undefined);
      if (value !== undefined) flagged.push({ url: f.url().slice(0, 120), value: String(value).slice(0, 80) });
    }
  }
  return { ...inFrame, ...csp, flagged, pageTitle: await page.title(), active: await activeElement(frame) };
}
