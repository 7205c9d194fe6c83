import { envExample, isExactlyOnce, usesRegistry } from './common';
import { type GeneratorInput, validateGeneratorInput } from './generatorInput';
import type { GeneratedFile } from './projectFile';
import { pythonProjectFiles } from './python/pythonProject';
import { protobufTypes } from './protobufTypes';
import { type SchemaTypes, avroTypes, jsonSchemaTypes } from './schemaTypes';
import { consumerTs } from './typescript/consumerTemplate';
import * as ts from './typescript/projectTemplates';
import * as tsTests from './typescript/testTemplates';
import { configTs } from './typescript/configTemplate';
import { contractTs, watermarkTs } from './typescript/contractTemplate';
import { deadLetterTs } from './typescript/deadLetterTemplate';
import { decodeTs } from './typescript/decodeTemplate';
import { protobufTs } from './typescript/protobufTemplate';
import { registryTs } from './typescript/registryTemplate';
import {
  handlerEosTestTs,
  handlerEosTs,
  integrationEosTestTs,
  outputsTs,
  readmeEosTs,
} from './typescript/exactlyOnceTemplates';
import { transactionalConsumerTs } from './typescript/transactionalConsumerTemplate';

export type { GeneratedFile } from './projectFile';

/** The value's types, when the format has a schema to take them from. */
export function schemaTypesFor(input: GeneratorInput): SchemaTypes | undefined {
  if (!input.schema) return undefined;
  if (input.valueFormat === 'avro') return avroTypes(input.schema.schema);
  if (input.valueFormat === 'jsonSchema') return jsonSchemaTypes(input.schema.schema);
  if (input.valueFormat === 'protobuf') return protobufTypes(input.schema.schema);
  return undefined;
}

/**
 * A consumer project for `input`, as files (paths relative to the project folder). Pure: nothing is
 * written and nothing is fetched; the caller brings the schema from the registry.
 */
export function generateProject(input: GeneratorInput): GeneratedFile[] {
  validateGeneratorInput(input);
  const types = schemaTypesFor(input);
  return input.language === 'typescript' ? typescriptProjectFiles(input, types) : pythonProjectFiles(input, types);
}

function typescriptProjectFiles(input: GeneratorInput, types: SchemaTypes | undefined): GeneratedFile[] {
  const rootName = types?.rootName ?? 'Value';
  const eos = isExactlyOnce(input);
  const files: GeneratedFile[] = [
    { path: 'package.json', content: ts.packageJson(input) },
    { path: 'tsconfig.json', content: ts.tsconfigJson() },
    { path: 'src/consumer.ts', content: eos ? transactionalConsumerTs(input) : consumerTs(input) },
    { path: 'src/config.ts', content: configTs(input) },
    { path: 'src/contract.ts', content: contractTs(input) },
    { path: 'src/decode.ts', content: decodeTs(input) },
    ...(usesRegistry(input) ? [{ path: 'src/registry.ts', content: registryTs(input) }] : []),
    ...(input.valueFormat === 'protobuf' ? [{ path: 'src/protobuf.ts', content: protobufTs() }] : []),
    { path: 'src/deadLetter.ts', content: deadLetterTs() },
    ...(eos ? [{ path: 'src/outputs.ts', content: outputsTs() }] : []),
    // The exactly-once consumer handles one message at a time: no watermark to keep.
    ...(eos ? [] : [{ path: 'src/watermark.ts', content: watermarkTs() }]),
    { path: 'src/types.ts', content: ts.typesTs(input, types?.typescript) },
    { path: 'src/handler.ts', content: eos ? handlerEosTs(input, rootName) : ts.handlerTs(input, rootName) },
    {
      path: 'test/handler.test.ts',
      content: eos ? handlerEosTestTs(input, rootName) : tsTests.handlerTestTs(input, rootName),
    },
    ...(eos ? [] : [{ path: 'test/watermark.test.ts', content: tsTests.watermarkTestTs() }]),
    { path: 'test/deadLetter.test.ts', content: tsTests.deadLetterTestTs(input) },
    { path: 'test/integration.test.ts', content: eos ? integrationEosTestTs(input) : tsTests.integrationTestTs(input) },
    { path: 'README.md', content: eos ? readmeEosTs(input) : ts.readmeTs(input) },
    { path: 'Dockerfile', content: ts.dockerfile() },
    { path: '.dockerignore', content: ts.dockerignore() },
    { path: '.gitignore', content: ts.gitignore() },
    { path: '.env.example', content: envExample(input) },
    { path: '.vscode/launch.json', content: ts.launchJson(input) },
  ];
  return files;
}
