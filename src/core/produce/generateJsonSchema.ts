import { type Jsf, jsonSchemaFaker } from './jsonSchemaFaker';
import { GenerateError } from './generateErrors';
import { RECENT_FROM_MS, RECENT_TO_MS, type SeededRandom } from './generateRandom';
import type { GenerateBounds } from './generateAvro';

type FakerSchema = Parameters<Jsf['generate']>[0];

/**
 * Random valid JSON Schema instances through json-schema-faker 0.5 (formats, enums, required,
 * minimum/maximum, bounded patterns), drawn from our seeded random source. Its options are global,
 * so they are set before every (synchronous) generate. The `jsonPath` keyword is refused: it is the
 * one path into jsonpath-plus, which can evaluate script expressions.
 */
export class JsonSchemaGenerator {
  private readonly schema: FakerSchema;
  private readonly refs: FakerSchema[];

  constructor(
    schemaText: string,
    references: readonly string[] = [],
    private readonly bounds: GenerateBounds,
  ) {
    this.schema = parseSchema(schemaText);
    this.refs = references.map(parseSchema);
  }

  generate(random: SeededRandom): unknown {
    const jsf = jsonSchemaFaker();
    jsf.option({
      random: () => random.next(),
      // optionalsProbability is left unset: in 0.5.9 it makes arrays ignore maxItems.
      alwaysFakeOptionals: false,
      fillProperties: false,
      failOnInvalidFormat: true,
      failOnInvalidTypes: true,
      useDefaultValue: false,
      useExamplesValue: false,
      resolveJsonPath: false,
      maxItems: this.bounds.maxItems,
      maxLength: 40,
      defaultRandExpMax: 8,
      refDepthMax: this.bounds.maxDepth,
      minDateTime: new Date(RECENT_FROM_MS).toISOString(),
      maxDateTime: new Date(RECENT_TO_MS).toISOString(),
    });
    try {
      return jsf.generate(this.schema, this.refs.length ? this.refs : undefined);
    } catch (error) {
      throw new GenerateError(
        'unsupportedSchema',
        `No record could be generated from the JSON Schema (${(error as Error).message}). Type the value by hand, or simplify the schema.`,
        { cause: error },
      );
    }
  }
}

function parseSchema(text: string): FakerSchema {
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (error) {
    throw new GenerateError('unsupportedSchema', `The JSON Schema is not valid JSON (${(error as Error).message}).`);
  }
  if (mentions(schema, 'jsonPath'))
    throw new GenerateError(
      'unsupportedSchema',
      'The JSON Schema uses the "jsonPath" keyword, which Generate does not evaluate. Type the value by hand.',
    );
  return draft4Bounds(schema) as FakerSchema;
}

/**
 * json-schema-faker 0.5 reads exclusiveMinimum/exclusiveMaximum the draft-4 way (a boolean beside
 * minimum/maximum); draft 6 and later make them numbers. Its copy of the schema gets the draft-4
 * form, so the bound holds; validation still uses the schema as registered.
 */
function draft4Bounds(root: unknown): unknown {
  const visit = (value: unknown, inPropertyMap: boolean): unknown => {
    if (Array.isArray(value)) return value.map((v) => visit(v, false));
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>))
      out[key] = visit(
        inner,
        !inPropertyMap &&
          (key === 'properties' || key === 'patternProperties' || key === 'definitions' || key === '$defs'),
      );
    if (inPropertyMap) return out;
    for (const [exclusive, inclusive, tighter] of [
      ['exclusiveMaximum', 'maximum', (a: number, b: number) => a <= b],
      ['exclusiveMinimum', 'minimum', (a: number, b: number) => a >= b],
    ] as const) {
      const bound = out[exclusive];
      if (typeof bound !== 'number') continue;
      const current = out[inclusive];
      if (typeof current === 'number' && !tighter(bound, current)) delete out[exclusive];
      else {
        out[inclusive] = bound;
        out[exclusive] = true;
      }
    }
    return out;
  };
  return visit(root, false);
}

function mentions(root: unknown, key: string): boolean {
  const stack = [root];
  while (stack.length) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (!Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, key)) return true;
    stack.push(...Object.values(value as object));
  }
  return false;
}
