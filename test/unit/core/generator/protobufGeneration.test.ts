// Protobuf value subjects in the generator: the types both projects get, and what the generated
// src/protobuf.ts does with real bytes (transpiled and loaded here, as the project runs it), hostile ones included.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import * as descriptor from 'protobufjs/ext/descriptor';
import * as ts from 'typescript';
import { generateProject } from '../../../../src/core/generator/generateProject';
import { defaultGeneratorInput, type GeneratorInput } from '../../../../src/core/generator/generatorInput';
import { PROTOBUFJS_VERSION } from '../../../../src/core/generator/projectFile';
import { protobufTypes } from '../../../../src/core/generator/protobufTypes';
import { SchemaTypesError } from '../../../../src/core/generator/schemaTypes';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..', '..');

const PROTO = `syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
message Order {
  int64 id = 1;
  google.protobuf.Timestamp at = 2;
  Kind kind = 3;
  repeated Line lines = 4;
  map<string, int32> tags = 5;
  bytes blob = 6;
  google.protobuf.Int64Value big = 7;
  message Line { uint64 qty = 1; }
  enum Kind { KIND_UNKNOWN = 0; KIND_GIFT = 1; }
}
message Refund { string reason = 1; }
`;

const input = (language: GeneratorInput['language']): GeneratorInput =>
  defaultGeneratorInput({
    language,
    groupId: 'shop',
    topics: ['orders'],
    valueFormat: 'protobuf',
    schema: { subject: 'orders-value', version: 1, id: 7, schema: PROTO },
    connection: { bootstrapServers: 'b:9092', schemaRegistryUrl: 'http://registry:8081' },
  });

type Schema = { decode(body: Buffer): unknown };

/** The generated src/protobuf.ts, transpiled and loaded from a folder under the repo (so protobufjs resolves). */
async function generatedSchema(): Promise<(text: string) => Schema> {
  const source = generateProject(input('typescript')).find((f) => f.path === 'src/protobuf.ts')?.content;
  assert.ok(source);
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const dir = fs.mkdtempSync(path.join(repoRoot, 'out', 'gen-protobuf-'));
  try {
    fs.writeFileSync(path.join(dir, 'protobuf.js'), js.outputText);
    const module = (await import(path.join(dir, 'protobuf.js'))) as { ProtobufSchema: { parse(text: string): Schema } };
    return (text) => module.ProtobufSchema.parse(text);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function encode(typeName: string, value: Record<string, unknown>, indexes: Buffer): Buffer {
  const root = new protobuf.Root();
  protobuf.parse(PROTO, root, { keepCase: true });
  root.addJSON(protobuf.common.get('google/protobuf/timestamp.proto')?.nested ?? {});
  root.addJSON(protobuf.common.get('google/protobuf/wrappers.proto')?.nested ?? {});
  const type = root.lookupType(typeName);
  return Buffer.concat([indexes, Buffer.from(type.encode(type.fromObject(value)).finish())]);
}

describe('generator: Protobuf value subjects', () => {
  it('writes TypeScript interfaces of the proto3 JSON shape, and pins protobufjs to the extension’s', () => {
    const files = generateProject(input('typescript'));
    const types = files.find((f) => f.path === 'src/types.ts')?.content ?? '';
    assert.match(types, /export interface Order \{/);
    assert.match(types, /readonly "id": string;/);
    assert.match(types, /readonly "at": string \| null;/);
    assert.match(types, /readonly "kind": "KIND_UNKNOWN" \| "KIND_GIFT";/);
    assert.match(types, /readonly "lines": Array<Order_Line>;/);
    assert.match(types, /readonly "tags": Record<string, number>;/);
    assert.match(types, /readonly "big": string \| null;/);
    assert.match(types, /export type Value = Order;/);
    assert.match(types, /export type AnyMessage = Order \| Refund;/);
    const pkg = JSON.parse(files.find((f) => f.path === 'package.json')?.content ?? '{}') as {
      dependencies: Record<string, string>;
    };
    const installed = (
      JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', 'protobufjs', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    assert.equal(pkg.dependencies.protobufjs, PROTOBUFJS_VERSION);
    assert.equal(PROTOBUFJS_VERSION, installed);
  });

  it('gives Python the message classes from a FileDescriptorProto that depends on the real well-known files', () => {
    const files = generateProject(input('python'));
    assert.match(
      files.find((f) => f.path === 'requirements.txt')?.content ?? '',
      /confluent-kafka\[protobuf,schemaregistry\]==/,
    );
    const model = files.find((f) => f.path === 'src/model.py')?.content ?? '';
    assert.match(model, /^MESSAGES = \[Order, Refund\]$/m);
    assert.match(
      model,
      /^Order_Line = message_factory\.GetMessageClass\(_pool\.FindMessageTypeByName\("shop\.v1\.Order\.Line"\)\)$/m,
    );
    const encoded = /^ {4}"([A-Za-z0-9+/=]+)",$/m.exec(model)?.[1];
    assert.ok(encoded, 'the descriptor is in the module');
    const file = descriptor.FileDescriptorProto.toObject(
      descriptor.FileDescriptorProto.decode(Buffer.from(encoded, 'base64')),
    ) as { package?: string; dependency?: string[]; messageType?: Array<{ name?: string }> };
    assert.equal(file.package, 'shop.v1');
    assert.deepEqual(file.dependency, ['google/protobuf/timestamp.proto', 'google/protobuf/wrappers.proto']);
    assert.deepEqual(
      file.messageType?.map((m) => m.name),
      ['Order', 'Refund'],
    );
    assert.match(
      files.find((f) => f.path === 'src/decode.py')?.content ?? '',
      /ProtobufDeserializer\(_MESSAGES\[indexes\[0\]\]/,
    );
  });

  it('refuses a schema that is not Protobuf, or that imports another subject, saying why', () => {
    assert.throws(
      () => protobufTypes('message {'),
      (e: unknown) => e instanceof SchemaTypesError && /not valid Protobuf/.test(e.message),
    );
    assert.throws(
      () => protobufTypes('syntax = "proto3"; import "other/common.proto"; message A { int32 a = 1; }'),
      (e: unknown) => e instanceof SchemaTypesError && /imports other\/common\.proto/.test(e.message),
    );
    assert.throws(() => protobufTypes('syntax = "proto3"; enum E { X = 0; }'), /defines no message/);
  });

  it('decodes the message the indexes name, exactly and readably', async () => {
    const schema = (await generatedSchema())(PROTO);
    const order = encode(
      'shop.v1.Order',
      {
        id: '-9223372036854775808',
        at: { seconds: 1_764_505_496, nanos: 789_123_000 },
        kind: 1,
        lines: [{ qty: '18446744073709551615' }],
        tags: { a: 7 },
        blob: Buffer.from([0, 255]),
        big: { value: '9007199254740993' },
      },
      Buffer.from([0]),
    );
    assert.deepEqual(schema.decode(order), {
      id: '-9223372036854775808',
      at: '2025-11-30T12:24:56.789123Z',
      kind: 'KIND_GIFT',
      lines: [{ qty: '18446744073709551615' }],
      tags: { a: 7 },
      blob: 'AP8=',
      big: '9007199254740993',
    });
    assert.deepEqual(schema.decode(encode('shop.v1.Refund', { reason: 'late' }, Buffer.from([2, 2]))), {
      reason: 'late',
    });
    assert.deepEqual(
      schema.decode(encode('shop.v1.Order.Line', { qty: '3' }, Buffer.from([4, 0, 0]))),
      { qty: '3' },
      'a nested message by its index path',
    );
  });

  it('refuses hostile bytes: an index past the schema, an absurd index count, a cut-off message', async () => {
    const schema = (await generatedSchema())(PROTO);
    assert.throws(() => schema.decode(Buffer.from([2, 8, 0])), /name no message of the schema/);
    assert.throws(() => schema.decode(Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f])), /index count/);
    const order = encode('shop.v1.Order', { id: '5', tags: { a: 1 } }, Buffer.from([0]));
    assert.throws(() => schema.decode(order.subarray(0, order.length - 2)));
  });
});
