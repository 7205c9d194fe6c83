import { strict as assert } from 'node:assert';
import type { ResolvedReference } from '../../../../src/core/codec/compiledSchema';
import type { SchemaDecoded } from '../../../../src/core/codec/decodeResult';
import { compileJsonSchema } from '../../../../src/core/codec/jsonSchema';
import { encodeFrame } from '../../../../src/core/codec/wireFormat';

const address = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
};
const order = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Order',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'amount'],
  properties: {
    id: { type: 'string' },
    amount: { type: 'integer', minimum: 0 },
    currency: { enum: ['EUR', 'USD'] },
    ship: { $ref: 'address.json' },
  },
};
const addressRef: ResolvedReference = {
  name: 'address.json',
  subject: 'address',
  version: 1,
  schemaType: 'JSON',
  schema: JSON.stringify(address),
  references: [],
};

function compile(schema: unknown = order, references = [addressRef]) {
  const result = compileJsonSchema({ id: 8, format: 'jsonSchema' }, JSON.stringify(schema), references);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.schema;
}

describe('JSON Schema schemas', () => {
  it('decode UTF-8 JSON after the header and validate it, references included', () => {
    const schema = compile();
    const value = { id: 'o-1', amount: 5, currency: 'EUR', ship: { city: 'Paris' } };
    const result = schema.decode(encodeFrame(8, Buffer.from(JSON.stringify(value))), 5, true);
    assert.ok(result.ok && result.format === 'jsonSchema');
    assert.deepEqual((result as SchemaDecoded).value, value);
    assert.equal((result as SchemaDecoded).violations, undefined);
  });

  it('a payload that breaks its schema is still shown, with its violations', () => {
    const schema = compile();
    const result = schema.decode(encodeFrame(8, Buffer.from('{"id":1,"amount":-1,"ship":{}}')), 5, true);
    assert.ok(result.ok);
    const paths = (result as SchemaDecoded).violations?.map((v) => v.path).sort();
    assert.deepEqual(paths, ['$.amount', '$.id', '$.ship.city']);
  });

  it('invalid JSON and invalid UTF-8 are typed errors', () => {
    const schema = compile();
    const bad = schema.decode(encodeFrame(8, Buffer.from('{"id":')), 5, true);
    assert.ok(!bad.ok && bad.error.reason === 'invalidJson');
    const notUtf8 = schema.decode(encodeFrame(8, Buffer.from([0x7b, 0xff, 0x7d])), 5, true);
    assert.ok(!notUtf8.ok && notUtf8.error.reason === 'invalidUtf8');
  });

  it('encoding checks the value: field errors with path, expected and actual; nothing produced', () => {
    const schema = compile();
    const result = schema.encode({ id: 3, currency: 'GBP', extra: true, ship: { city: 9 } });
    assert.ok(!result.ok);
    assert.equal(result.error.reason, 'schemaMismatch');
    const byPath = Object.fromEntries(result.error.fieldErrors.map((e) => [e.path, e]));
    assert.deepEqual(byPath['$.id'], { path: '$.id', expected: 'string', actual: '3' });
    assert.deepEqual(byPath['$.amount'], { path: '$.amount', expected: 'a required property', actual: 'undefined' });
    assert.equal(byPath['$.currency'].expected, 'one of "EUR", "USD"');
    assert.match(byPath['$.extra'].expected, /additionalProperties/);
    assert.equal(byPath['$.ship.city'].expected, 'string');
    const good = schema.encode({ id: 'a', amount: 1 });
    assert.ok(good.ok);
    assert.equal(good.body.toString(), '{"id":"a","amount":1}');
  });

  it('knows the 2020-12 dialect, and the title is the record name', () => {
    const schema = compile(
      {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        title: 'T',
        type: 'object',
        prefixItems: [],
        properties: { a: { type: 'number' } },
      },
      [],
    );
    assert.equal(schema.recordName(), 'T');
    assert.ok(!schema.encode({ a: 'x' }).ok);
  });

  it('a schema that is not JSON is unparsableSchema; one ajv cannot compile still decodes', () => {
    const broken = compileJsonSchema({ id: 1, format: 'jsonSchema' }, '{nope', []);
    assert.ok(!broken.ok && broken.error.reason === 'unparsableSchema');
    const odd = compileJsonSchema({ id: 2, format: 'jsonSchema' }, '{"$ref":"missing.json"}', []);
    assert.ok(odd.ok);
    assert.ok(odd.schema.decode(encodeFrame(2, Buffer.from('[1]')), 5, true).ok);
    const encoded = odd.schema.encode([1]);
    assert.ok(!encoded.ok && encoded.error.reason === 'invalidSchema');
  });
});
