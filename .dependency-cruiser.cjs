// The intended layering of src/, written down once and checked by `npm run lint`
// (`depcruise src --config .dependency-cruiser.cjs`). Paths are relative to the repo root.
// test/unit/lint/layering.test.ts proves the rules fire on a tree that breaks them.
//
//   src/extension.ts, src/container.ts   composition root: imports anything, imported by nobody
//   src/commands/                        may import views, webviews, debug, platform, core
//   src/views/, src/webviews/, src/debug/ may import platform, core
//   src/platform/                        VS Code adapters: may import core only
//   src/handlerRuntime/                  the handler's own Node process: may import core only, never reaches vscode
//   src/core/                            no vscode (eslint.config.mjs), imports nothing outside src/core
//
// Inside src/core, each folder may import only the folders listed for it below, plus the core
// root files (errors.ts, logging.ts), which import no core folder. Type-only imports count too:
// a type that points upward is still an upward dependency.
//
// Webview browser code (a panel's main.ts, its view/ folder, and src/webviews/shared/view/) is
// bundled for the browser. Neither it nor a protocol file (`protocol.ts`, imported by both sides)
// may reach vscode or a Node built-in through any chain of imports, type-only ones included: what
// it imports must be free of the host. It never imports the VS Code layer directly, and host code
// never imports it.
//
// And no folder of src/ may take part in a cycle of folders.

const { builtinModules } = require('node:module');

/** For each folder of src/core: the other core folders it may import. */
const CORE_LAYERS = {
  kafka: [],
  registry: [],
  codec: ['registry'],
  connections: ['kafka', 'registry'],
  dlq: ['kafka', 'codec'],
  engine: ['kafka', 'dlq'],
  // A handler running in its own process, behind the engine's handler interface (which the engine
  // owns, so the engine never imports this folder), and the protocol it speaks.
  handler: ['engine', 'codec', 'kafka'],
  session: ['engine', 'codec', 'dlq', 'kafka', 'handler'],
  // Producing test messages: encoding (codec), the registry's typed errors, the native client.
  produce: ['kafka', 'codec', 'registry'],
  // The message viewer: reads by assignment (kafka), decodes (codec), tells registry outages apart,
  // and recognises dead letters (dlq).
  viewer: ['kafka', 'codec', 'registry', 'dlq'],
  // The consumer project generator: pure templates over the engine's defaults, the DLQ contract and
  // the handler launch configuration.
  generator: ['engine', 'dlq', 'handler'],
};

/** For each top-level folder of src/ outside core: the top-level folders it may import (besides itself). */
const OUTER_LAYERS = {
  commands: ['views', 'webviews', 'debug', 'platform', 'core'],
  views: ['platform', 'core'],
  webviews: ['platform', 'core'],
  debug: ['platform', 'core'],
  platform: ['core'],
  // The process that runs the developer's handler, outside VS Code.
  handlerRuntime: ['core'],
};

/** Webview code that runs in the browser. */
const BROWSER = ['^src/webviews/[^/]+/main\\.ts$', '^src/webviews/[^/]+/view/', '^src/webviews/shared/view/'];
/** Typed messages shared by the host and the browser side of a webview. */
const PROTOCOL = '^src/webviews/.*/protocol\\.ts$';
/** What only the extension host has: the VS Code API (first two) and Node's built-in modules. */
const HOST_ONLY = [
  '^vscode$',
  '^node_modules/@types/vscode/',
  `^(node:)?(${builtinModules.filter((name) => !name.startsWith('_')).join('|')})$`,
];

const coreFolders = Object.keys(CORE_LAYERS);
const outerFolders = Object.keys(OUTER_LAYERS);
const list = (names) => (names.length > 0 ? names.join(', ') : 'no other core folder');

const coreRules = Object.entries(CORE_LAYERS).map(([folder, allowed]) => ({
  name: `core-${folder}-layer`,
  severity: 'error',
  comment: `src/core/${folder} may import only ${list(allowed)} (and src/core/errors.ts, logging.ts). Move the shared piece down a layer, or change CORE_LAYERS in .dependency-cruiser.cjs if the architecture really changed.`,
  from: { path: `^src/core/${folder}/` },
  to: { path: '^src/core/[^/]+/', pathNot: [`^src/core/(${[folder, ...allowed].join('|')})/`] },
}));

const outerRules = Object.entries(OUTER_LAYERS).map(([folder, allowed]) => ({
  name: `${folder}-layer`,
  severity: 'error',
  comment: `src/${folder} may import only src/${folder} and ${allowed.map((name) => `src/${name}`).join(', ')}. Change OUTER_LAYERS in .dependency-cruiser.cjs if the architecture really changed.`,
  from: { path: `^src/${folder}/` },
  to: { path: '^src/', pathNot: [`^src/(${[folder, ...allowed].join('|')})/`] },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      scope: 'folder',
      severity: 'error',
      comment:
        'These folders import each other, directly or through others. Move what both need into a lower folder so the arrows point one way.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-imports-outside-core',
      severity: 'error',
      comment:
        'src/core runs in plain Node (unit tests, handler processes, benchmarks): it never imports the VS Code layer. Pass what it needs through a constructor parameter.',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: ['^src/core/'] },
    },
    {
      name: 'core-root-imports-core-folder',
      severity: 'error',
      comment: 'src/core/errors.ts and logging.ts are the bottom of the core: they import no core folder.',
      from: { path: '^src/core/[^/]+$' },
      to: { path: '^src/core/[^/]+/' },
    },
    {
      name: 'core-folder-undeclared',
      severity: 'error',
      comment:
        'This core folder has no place in the layering yet: add it to CORE_LAYERS in .dependency-cruiser.cjs with the core folders it may import.',
      from: { path: '^src/core/([^/]+)/', pathNot: [`^src/core/(${coreFolders.join('|')})/`] },
      to: { path: '^src/core/[^/]+/', pathNot: ['^src/core/$1/'] },
    },
    ...coreRules,
    {
      name: 'composition-root-imported',
      severity: 'error',
      comment:
        'src/extension.ts and src/container.ts build the object graph: nothing depends on them (only extension.ts imports container.ts). Pass what is needed as a parameter.',
      from: { path: '^src/', pathNot: ['^src/extension\\.ts$'] },
      to: { path: '^src/(extension|container)\\.ts$' },
    },
    {
      name: 'outer-folder-undeclared',
      severity: 'error',
      comment:
        'This folder of src/ has no place in the layering yet: add it to OUTER_LAYERS in .dependency-cruiser.cjs with the folders it may import.',
      from: { path: '^src/([^/]+)/', pathNot: [`^src/(core|${outerFolders.join('|')})/`] },
      to: { path: '^src/', pathNot: ['^src/$1/'] },
    },
    ...outerRules,
    {
      name: 'browser-reaches-host',
      severity: 'error',
      comment:
        'Webview browser code and protocol files run in the webview too: nothing they import, directly or through other modules, may use vscode or Node. Move the piece they need into a module free of both.',
      from: { path: [...BROWSER, PROTOCOL] },
      to: { reachable: true, path: HOST_ONLY },
    },
    {
      name: 'handler-runtime-reaches-vscode',
      severity: 'error',
      comment:
        'src/handlerRuntime runs in a plain Node process, outside VS Code: nothing it imports, directly or through other modules, may use vscode.',
      from: { path: '^src/handlerRuntime/' },
      to: { reachable: true, path: HOST_ONLY.slice(0, 2) },
    },
    {
      name: 'browser-imports-host',
      severity: 'error',
      comment:
        'Webview browser code runs in the webview, not in the extension host: it never imports the VS Code layer or the composition root.',
      from: { path: BROWSER },
      to: { path: ['^src/(platform|views|commands|debug)/', '^src/(extension|container)\\.ts$'] },
    },
    {
      name: 'host-imports-browser',
      severity: 'error',
      comment:
        'Host code never imports webview browser code (it is bundled for the browser and uses the DOM). Share types and checks through a protocol file.',
      from: { path: '^src/', pathNot: BROWSER },
      to: { path: BROWSER },
    },
  ],
  options: {
    // npm packages are leaves: their own imports are not ours to check.
    doNotFollow: { path: '^node_modules/' },
    tsPreCompilationDeps: true,
  },
};
