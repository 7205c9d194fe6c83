import { strict as assert } from 'node:assert';
import { formatSchemaText, guessSchemaType, schemaFileExtension } from '../../../../src/core/registry/schemaText';

describe('schema text', () => {
  it('pretty-prints Avro and JSON Schema, leaves Protobuf and unparsable text as they are', () => {
    assert.equal(
      formatSchemaText('AVRO', '{"type":"record","name":"R","fields":[]}'),
      '{\n  "type": "record",\n  "name": "R",\n  "fields": []\n}\n',
    );
    assert.equal(formatSchemaText('JSON', '{"type":"object"}'), '{\n  "type": "object"\n}\n');
    assert.equal(
      formatSchemaText('PROTOBUF', 'syntax = "proto3";\nmessage M {}'),
      'syntax = "proto3";\nmessage M {}\n',
    );
    assert.equal(formatSchemaText('AVRO', '{not json'), '{not json\n');
  });

  it('names the file extension editors take the language from', () => {
    assert.deepEqual(['AVRO', 'JSON', 'PROTOBUF', 'XML'].map(schemaFileExtension), ['json', 'json', 'proto', 'txt']);
  });

  describe('guessing the schema type', () => {
    const cases: Array<[string, string, string | undefined]> = [
      ['AVRO', '{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}', undefined],
      ['AVRO', '{"type":"enum","name":"Colour","symbols":["RED"]}', 'json'],
      ['AVRO', '["null","string"]', undefined],
      ['AVRO', '"string"', undefined],
      ['JSON', '{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object"}', undefined],
      ['JSON', '{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}', 'json'],
      ['JSON', '{"type":"object"}', undefined],
      ['PROTOBUF', 'syntax = "proto3";\npackage lab;\nmessage M { string a = 1; }', undefined],
      ['PROTOBUF', '// a comment\nmessage M {\n  int32 a = 1;\n}', 'plaintext'],
      ['PROTOBUF', 'anything', 'proto3'],
      ['JSON', '{ broken', 'json'],
      ['AVRO', 'nothing recognisable', undefined],
    ];
    for (const [expected, text, languageId] of cases) {
      it(`${expected} for ${text.slice(0, 40).replace(/\n/g, ' ')}${languageId ? ` (${languageId})` : ''}`, () => {
        const guess = guessSchemaType(text, languageId);
        assert.equal(guess.schemaType, expected);
        assert.ok(guess.because.length > 0);
      });
    }
  });
});
