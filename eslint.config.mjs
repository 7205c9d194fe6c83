import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.lab/**', 'media/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The core is vscode-free: it runs in plain Node (unit tests, handler processes, benchmarks).
    // Which folder may import which (core never imports the VS Code layer, no folder cycles, ...)
    // is written down once, in .dependency-cruiser.cjs, and checked by `npm run lint` too.
    files: ['src/core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'vscode',
              message: 'src/core must not depend on the VS Code API (type-only imports are allowed).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // Webview code runs in the browser: every panel's main.ts and view/, the shared browser code, and
    // the pure modules both sides import (protocols, RPC, throttle, value model, page, registry).
    // No VS Code API (not even its types), no Node built-ins, no host-side modules.
    files: [
      'src/webviews/*/main.ts',
      'src/webviews/*/view/**/*.ts',
      'src/webviews/*/protocol.ts',
      'src/webviews/shared/{protocol,rpc,throttle,valueModel,panelRegistry,html}.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'vscode',
              message: 'Webview code runs in the browser: no VS Code API. Talk to the host through the panel protocol.',
            },
            ...builtinModules.map((name) => ({
              name,
              message: 'Webview code runs in the browser: no Node built-ins.',
            })),
          ],
          patterns: [
            { group: ['node:*'], message: 'Webview code runs in the browser: no Node built-ins.' },
            {
              group: [
                '**/platform/**',
                '**/commands/**',
                '**/views/**',
                '**/debug/**',
                '**/panelHost',
                '**/sessionPanel/sessionPanel',
                './sessionPanel',
              ],
              message: 'Webview code must not import host-side modules.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
