import { envExample } from '../common';
import type { GeneratorInput } from '../generatorInput';
import type { GeneratedFile } from '../projectFile';
import type { SchemaTypes } from '../schemaTypes';
import { consumerPy } from './consumerTemplate';
import * as py from './projectTemplates';
import { contractPy, deadLetterPy, decodePy, settingsPy, watermarkPy } from './supportTemplates';

export function pythonProjectFiles(input: GeneratorInput, types: SchemaTypes | undefined): GeneratedFile[] {
  const rootName = types?.rootName ?? 'Value';
  return [
    { path: 'pyproject.toml', content: py.pyprojectToml(input) },
    { path: 'requirements.txt', content: py.requirementsTxt(input) },
    { path: 'requirements-dev.txt', content: py.requirementsDevTxt() },
    { path: 'src/consumer.py', content: consumerPy(input) },
    { path: 'src/settings.py', content: settingsPy(input) },
    { path: 'src/contract.py', content: contractPy() },
    { path: 'src/decode.py', content: decodePy(input) },
    { path: 'src/dead_letter.py', content: deadLetterPy() },
    { path: 'src/watermark.py', content: watermarkPy() },
    { path: 'src/model.py', content: py.modelPy(input, types?.python) },
    { path: 'src/handler.py', content: py.handlerPy(input, rootName) },
    { path: 'tests/test_handler.py', content: py.testHandlerPy(input) },
    { path: 'tests/test_watermark.py', content: py.testWatermarkPy() },
    { path: 'tests/test_dead_letter.py', content: py.testDeadLetterPy(input) },
    { path: 'tests/test_integration.py', content: py.testIntegrationPy(input) },
    { path: 'README.md', content: py.readmePy(input) },
    { path: 'Dockerfile', content: py.dockerfilePy() },
    { path: '.dockerignore', content: py.dockerignorePy() },
    { path: '.gitignore', content: py.gitignorePy() },
    { path: '.env.example', content: envExample(input) },
    { path: '.vscode/launch.json', content: py.launchJsonPy(input) },
  ];
}
