import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { abiBindingFolder, addonPaths, nativeLoadFailure } from '../../../../src/core/kafka/nativeClient';

const runtime = { node: '24.22.3', modules: '137', platform: 'linux', arch: 'x64' };

// Node's own text when a NAN addon built for Node 20 is loaded by Node 24 (seen in code-server 4.139.1).
const abiMismatch = new Error(
  "The module '/x/node_modules/@confluentinc/kafka-javascript/build/Release/confluent-kafka-javascript.node'\n" +
    'was compiled against a different Node.js version using\n' +
    'NODE_MODULE_VERSION 115. This version of Node.js requires\n' +
    'NODE_MODULE_VERSION 137. Please try re-compiling or re-installing\n' +
    'the module (for instance, using `npm rebuild` or `npm install`).',
);

describe('native client loading', () => {
  it("names the ABI folder as node-pre-gyp does, from this runtime's NODE_MODULE_VERSION by default", () => {
    assert.equal(abiBindingFolder('137', 'linux', 'x64'), 'node-v137-linux-x64');
    assert.equal(abiBindingFolder(), `node-v${process.versions.modules}-${process.platform}-${process.arch}`);
  });

  it('looks for the ABI-specific build under lib/binding and keeps the default build path for the cache key', () => {
    const root = path.join(path.sep, 'ext', 'node_modules', '@confluentinc', 'kafka-javascript');
    assert.deepEqual(addonPaths(root, 'node-v137-linux-x64'), {
      specific: path.join(root, 'lib', 'binding', 'node-v137-linux-x64', 'confluent-kafka-javascript.node'),
      generic: path.join(root, 'build', 'Release', 'confluent-kafka-javascript.node'),
    });
  });

  it('says which Node the build was made for, which one runs, and what to install', () => {
    const text = nativeLoadFailure(abiMismatch, runtime);
    assert.match(text, /built for another Node\.js \(NODE_MODULE_VERSION 115\)/);
    assert.match(text, /Node 24\.22\.3, NODE_MODULE_VERSION 137/);
    assert.match(text, /lib\/binding\/node-v137-linux-x64/);
    assert.match(text, /Install the build of the extension made for this VS Code/);
    assert.doesNotMatch(text, /\n/);
  });

  it('keeps the first line of any other load failure and names the platform', () => {
    const missing = Object.assign(
      new Error("Cannot find module '@confluentinc/kafka-javascript'\nRequire stack:\n- a"),
      {
        code: 'MODULE_NOT_FOUND',
      },
    );
    const text = nativeLoadFailure(missing, runtime);
    assert.match(text, /could not be loaded: Cannot find module '@confluentinc\/kafka-javascript'\. /);
    assert.doesNotMatch(text, /Require stack/);
    assert.match(text, /for this platform \(linux-x64\)/);
    assert.equal(nativeLoadFailure('plain string', runtime).includes('plain string'), true);
  });
});
