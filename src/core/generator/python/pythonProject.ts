import { envExample, isExactlyOnce } from '../common';
import type { GeneratorInput } from '../generatorInput';
import type { GeneratedFile } from '../projectFile';
import type { SchemaTypes } from '../schemaTypes';
import { consumerPy } from './consumerTemplate';
import { handlerEosPy, outputsPy, readmeEosPy, testHandlerEosPy, testIntegrationEosPy } from './exactlyOnceTemplates';
import * as py from './projectTemplates';
import { settingsPy } from './settingsTemplate';
import { decodePy } from './decodeTemplate';
import { contractPy, deadLetterPy, watermarkPy } from './supportTemplates';
import { transactionalConsumerPy } from './transactionalConsumerTemplate';

export function pythonProjectFiles(input: GeneratorInput, types: SchemaTypes | undefined): GeneratedFile[] {
  const rootName = types?.rootName ?? 'Value';
  const eos = isExactlyOnce(input);
  return [
    { path: 'pyproject.toml', content: py.pyprojectToml(input) },
    { path: 'requirements.txt', content: py.requirementsTxt(input) },
    { path: 'requirements-dev.txt', content: py.requirementsDevTxt() },
    { path: 'src/consumer.py', content: eos ? transactionalConsumerPy(input) : consumerPy(input) },
    { path: 'src/settings.py', content: settingsPy(input) },
    { path: 'src/contract.py', content: contractPy() },
    { path: 'src/decode.py', content: decodePy(input) },
    { path: 'src/dead_letter.py', content: deadLetterPy() },
    ...(eos ? [{ path: 'src/outputs.py', content: outputsPy() }] : []),
    // The exactly-once consumer handles one message at a time: no watermark to keep.
    ...(eos ? [] : [{ path: 'src/watermark.py', content: watermarkPy() }]),
    { path: 'src/model.py', content: py.modelPy(input, types?.python) },
    { path: 'src/handler.py', content: eos ? handlerEosPy(input, rootName) : py.handlerPy(input, rootName) },
    { path: 'tests/test_handler.py', content: eos ? testHandlerEosPy(input) : py.testHandlerPy(input) },
    ...(eos ? [] : [{ path: 'tests/test_watermark.py', content: py.testWatermarkPy() }]),
    { path: 'tests/test_dead_letter.py', content: py.testDeadLetterPy(input) },
    {
      path: 'tests/test_integration.py',
      content: eos ? testIntegrationEosPy(input) : py.testIntegrationPy(input),
    },
    { path: 'README.md', content: eos ? readmeEosPy(input) : py.readmePy(input) },
    { path: 'Dockerfile', content: py.dockerfilePy() },
    { path: '.dockerignore', content: py.dockerignorePy() },
    { path: '.gitignore', content: py.gitignorePy() },
    { path: '.env.example', content: envExample(input) },
    { path: '.vscode/launch.json', content: py.launchJsonPy(input) },
  ];
}
