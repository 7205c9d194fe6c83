import type JsonSchemaFaker from 'json-schema-faker';

export type Jsf = typeof JsonSchemaFaker;

let loaded: Jsf | undefined;

/**
 * json-schema-faker, loaded on first use: it is large (about 200 kB with its YAML and JSONPath
 * dependencies), and only Generate needs it. The extension bundle maps this require to
 * dist/jsonSchemaFaker.js, a bundle of its own (scripts/build.mjs), so activation never reads it.
 */
export function jsonSchemaFaker(): Jsf {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load, kept out of activation
  loaded ??= require('json-schema-faker') as Jsf;
  return loaded;
}

/** Whether json-schema-faker has been loaded in this process (the activation test checks it has not). */
export function isJsonSchemaFakerLoaded(): boolean {
  return loaded !== undefined;
}
