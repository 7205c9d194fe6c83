// Bundles the extension host code with esbuild. The native Kafka client and the `vscode` module are
// resolved at run time (the first from node_modules shipped in the .vsix, the second by VS Code).
import * as fs from 'node:fs';
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {import('esbuild').BuildOptions} */
const options = {
  entryPoints: ['src/extension.ts'],
  outfile: 'dist/extension.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: ['vscode', '@confluentinc/kafka-javascript'],
  plugins: [lazyBundle('json-schema-faker', './jsonSchemaFaker.js')],
  logLevel: 'info',
};

/**
 * A module only one command needs stays out of dist/extension.js: its require (made lazily, inside
 * a function) resolves at run time to a bundle of its own beside it, so activation never reads it.
 */
function lazyBundle(name, file) {
  return {
    name: `lazy-${name}`,
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${name}$`) }, () => ({ path: file, external: true }));
    },
  };
}

// json-schema-faker (Generate from a JSON Schema): dist/jsonSchemaFaker.js, loaded on first use.
/** @type {import('esbuild').BuildOptions} */
const jsonSchemaFakerOptions = {
  // Through require, so its CommonJS build (the one Node loads in the tests) is the one bundled.
  stdin: { contents: "module.exports = require('json-schema-faker');", resolveDir: '.', loader: 'js' },
  outfile: 'dist/jsonSchemaFaker.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: false,
  minify: production,
  logLevel: 'info',
};

// Webview front-ends: browser bundles, one script per panel, loaded by nonce under a strict CSP.
// Found by convention: every src/webviews/<name>/main.ts becomes dist/webview/<name>.js.
const webviewEntries = Object.fromEntries(
  fs
    .readdirSync('src/webviews', { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(`src/webviews/${entry.name}/main.ts`))
    .map((entry) => [entry.name, `src/webviews/${entry.name}/main.ts`]),
);
if (Object.keys(webviewEntries).length === 0)
  throw new Error('No webview entry (src/webviews/<name>/main.ts) found: run the build from the repository root.');

/** @type {import('esbuild').BuildOptions} */
const webviewOptions = {
  entryPoints: webviewEntries,
  outdir: 'dist/webview',
  bundle: true,
  platform: 'browser',
  target: 'es2022',
  format: 'iife',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
};

// Handler runtimes: the process that runs the developer's handler (under the debugger or not). It
// is a program of its own, started by Node, so it is bundled apart from the extension.
/** @type {import('esbuild').BuildOptions} */
const handlerRuntimeOptions = {
  entryPoints: { handlerHost: 'src/handlerRuntime/node/handlerHost.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
};

// The Python handler runtime (standard library only) ships as source: dist/python/*.py.
function copyPythonRuntime() {
  fs.mkdirSync('dist/python', { recursive: true });
  for (const file of fs.readdirSync('src/handlerRuntime/python').filter((f) => f.endsWith('.py')))
    fs.copyFileSync(`src/handlerRuntime/python/${file}`, `dist/python/${file}`);
}
copyPythonRuntime();
if (watch) fs.watch('src/handlerRuntime/python', () => copyPythonRuntime());

if (watch) {
  for (const each of [options, webviewOptions, handlerRuntimeOptions, jsonSchemaFakerOptions])
    await (await esbuild.context(each)).watch();
} else {
  await Promise.all(
    [options, webviewOptions, handlerRuntimeOptions, jsonSchemaFakerOptions].map((each) => esbuild.build(each)),
  );
  checkInlineSafe();
}

// The panel host writes each webview bundle into its page's <script> and the stylesheets into its
// <style> (src/webviews/shared/html.ts), where "</script" or "<!--" (or "</style") would end the
// element early or hide its end. A page refusing such a bundle would not open: the build fails first.
function checkInlineSafe() {
  const unsafe = [
    ...Object.keys(webviewEntries).map((name) => [`dist/webview/${name}.js`, /<\/script|<!--/i]),
    ...fs
      .readdirSync('media/webview')
      .filter((f) => f.endsWith('.css'))
      .map((f) => [`media/webview/${f}`, /<\/style/i]),
  ].filter(([file, pattern]) => pattern.test(fs.readFileSync(file, 'utf8')));
  for (const [file, pattern] of unsafe)
    console.error(
      `build: ${file} contains ${pattern.source.replace(/\\/g, '')}: it cannot be written into its webview's page`,
    );
  if (unsafe.length > 0) process.exit(1);
}
