import { strict as assert } from 'node:assert';
import { SchemaTypesError, avroTypes, jsonSchemaTypes } from '../../../../src/core/generator/schemaTypes';

const ORDER = {
  type: 'record',
  name: 'OrderPlaced',
  namespace: 'demo.orders',
  fields: [
    { name: 'orderId', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'placedOn', type: { type: 'int', logicalType: 'date' } },
    { name: 'placedAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'sequence', type: 'long' },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } },
    {
      name: 'lines',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Line',
          fields: [
            { name: 'sku', type: 'string' },
            { name: 'qty', type: 'int' },
          ],
        },
      },
    },
    { name: 'attributes', type: { type: 'map', values: 'string' } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'previous', type: ['null', 'Status'], default: null },
  ],
};

describe('generator: types from the value schema', () => {
  it('maps Avro records, enums, arrays, maps, unions and logical types to TypeScript as the generated decoder returns them', () => {
    const types = avroTypes(JSON.stringify(ORDER));
    assert.equal(types.rootName, 'OrderPlaced');
    const ts = types.typescript;
    assert.match(ts, /export type Status = "NEW" \| "PAID";/);
    assert.match(ts, /export interface OrderPlaced \{/);
    assert.match(ts, / {2}orderId: string; \/\/ uuid/);
    assert.match(ts, / {2}amount: string; \/\/ decimal: exact text with the schema scale/);
    assert.match(ts, / {2}placedOn: string; \/\/ date: YYYY-MM-DD/);
    assert.match(ts, / {2}placedAt: string; \/\/ timestamp-millis: ISO 8601 UTC/);
    assert.match(ts, / {2}sequence: number \| string; \/\/ long: exact decimal text past 2\^53/);
    assert.match(ts, / {2}lines: Line\[\];/);
    assert.match(ts, / {2}attributes: Record<string, string>;/);
    assert.match(ts, / {2}note: null \| string;/);
    assert.match(ts, / {2}previous: null \| Status;/, 'a named type referenced again by name');
    assert.match(ts, /export interface Line \{\n {2}sku: string;\n {2}qty: number;\n\}/);
  });

  it('maps the same schema to Python TypedDicts with the types fastavro returns, dependencies first', () => {
    const py = avroTypes(JSON.stringify(ORDER)).python;
    assert.match(py, /^Status = Literal\["NEW", "PAID"\]$/m);
    assert.match(py, / {4}orderId: UUID {2}# uuid/);
    assert.match(py, / {4}amount: Decimal {2}# decimal/);
    assert.match(py, / {4}placedOn: date {2}# date/);
    assert.match(py, / {4}placedAt: datetime {2}# timestamp-millis/);
    assert.match(py, / {4}sequence: int {2}# long/);
    assert.match(py, / {4}lines: List\[Line\]/);
    assert.match(py, / {4}attributes: Dict\[str, str\]/);
    assert.match(py, / {4}note: Optional\[str\]/);
    assert.ok(py.indexOf('class Line(TypedDict)') < py.indexOf('class OrderPlaced(TypedDict)'), 'Line before its user');
  });

  it('keeps hostile field names as quoted keys (TypeScript) and the functional TypedDict form (Python)', () => {
    const schema = {
      type: 'record',
      name: 'weird-name */ evil',
      fields: [
        { name: 'class', type: 'string' },
        { name: 'with space"quote', type: 'int' },
      ],
    };
    const types = avroTypes(JSON.stringify(schema));
    assert.equal(types.rootName, 'WeirdNameEvil');
    assert.match(types.typescript, / {2}class: string;/);
    assert.match(types.typescript, / {2}"with space\\"quote": number;/);
    assert.equal(types.typescript.split('*/').length, 2, "only the generator's own doc comment closes a comment");
    assert.ok(!types.typescript.includes('evil'), 'nothing of the name but its identifier letters');
    assert.match(
      types.python,
      /WeirdNameEvil = TypedDict\(\n {4}"WeirdNameEvil",\n {4}\{\n {8}"class": "str",\n {8}"with space\\"quote": "int",/,
    );
  });

  it('treats a logical type with invalid parameters as its base type', () => {
    const ts = avroTypes(
      JSON.stringify({
        type: 'record',
        name: 'R',
        fields: [{ name: 'd', type: { type: 'string', logicalType: 'decimal' } }],
      }),
    ).typescript;
    assert.match(ts, / {2}d: string;$/m);
    assert.ok(!ts.includes('decimal'));
  });

  it('refuses schemas that are not JSON, nest too deep, or name an undefined type, saying why', () => {
    assert.throws(() => avroTypes('{'), SchemaTypesError);
    let deep: unknown = 'string';
    for (let i = 0; i < 40; i++) deep = { type: 'array', items: deep };
    assert.throws(() => avroTypes(JSON.stringify(deep)), /deeper than 32 levels/);
    assert.throws(
      () => avroTypes(JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'x', type: 'Missing' }] })),
      /names the type "Missing" before defining it/,
    );
  });

  it('maps JSON Schema objects, required and optional properties, enums, arrays and $defs references', () => {
    const schema = {
      title: 'Payment',
      type: 'object',
      required: ['id', 'amount'],
      properties: {
        id: { type: 'integer' },
        amount: { type: 'number' },
        currency: { enum: ['EUR', 'USD'] },
        tags: { type: 'array', items: { type: 'string' } },
        payer: { $ref: '#/$defs/Party' },
        memo: { type: ['string', 'null'] },
      },
      $defs: { Party: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
    };
    const types = jsonSchemaTypes(JSON.stringify(schema));
    assert.equal(types.rootName, 'Payment');
    assert.match(
      types.typescript,
      / {2}id: number;\n {2}amount: number;\n {2}currency\?: "EUR" \| "USD";\n {2}tags\?: string\[\];\n {2}payer\?: Party;\n {2}memo\?: string \| null;/,
    );
    assert.match(types.typescript, /export interface Party \{\n {2}name: string;\n\}/);
    assert.match(types.python, / {4}id: int\n {4}amount: float\n {4}currency: NotRequired\[Literal\["EUR", "USD"\]\]/);
    assert.ok(types.python.indexOf('class Party(TypedDict)') < types.python.indexOf('class Payment(TypedDict)'));
  });
});
