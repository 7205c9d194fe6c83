import { DLQ_HEADERS } from '../../dlq/envelopeContract';
import { ENV, SECRET_ENV, commitPolicyText, isExactlyOnce, json, kafkaLabLaunch, usesRegistry } from '../common';
import { valueDecodingText } from './exactlyOnceTemplates';
import type { GeneratorInput } from '../generatorInput';
import { AVSC_VERSION, KAFKA_JAVASCRIPT_VERSION, PROTOBUFJS_VERSION } from '../projectFile';

/** Dev tools pinned to what the extension itself builds with. */
const TYPESCRIPT_VERSION = '5.9.3';
const TYPES_NODE_VERSION = '20.19.43';

export function packageJson(input: GeneratorInput): string {
  return json({
    name: input.projectName,
    version: '0.1.0',
    private: true,
    description: `Consumes ${input.topics.join(', ')} as group ${input.groupId}`,
    license: 'UNLICENSED',
    engines: { node: '>=20.19.0' },
    main: 'dist/src/consumer.js',
    scripts: {
      build: 'tsc -p .',
      start: 'node dist/src/consumer.js',
      test: `tsc -p . && node --test dist/test/handler.test.js${isExactlyOnce(input) ? '' : ' dist/test/watermark.test.js'} dist/test/deadLetter.test.js`,
      'test:integration': 'tsc -p . && node --test dist/test/integration.test.js',
    },
    dependencies: {
      '@confluentinc/kafka-javascript': KAFKA_JAVASCRIPT_VERSION,
      ...(usesRegistry(input) ? { avsc: AVSC_VERSION } : {}),
      ...(input.valueFormat === 'protobuf' ? { protobufjs: PROTOBUFJS_VERSION } : {}),
    },
    devDependencies: { '@types/node': TYPES_NODE_VERSION, typescript: TYPESCRIPT_VERSION },
  });
}

export function tsconfigJson(): string {
  return json({
    compilerOptions: {
      target: 'ES2022',
      module: 'commonjs',
      lib: ['ES2022'],
      types: ['node'],
      rootDir: '.',
      outDir: 'dist',
      strict: true,
      noUncheckedIndexedAccess: true,
      noImplicitOverride: true,
      noFallthroughCasesInSwitch: true,
      esModuleInterop: true,
      skipLibCheck: true,
      sourceMap: true,
    },
    include: ['src', 'test'],
  });
}

export function typesTs(input: GeneratorInput, generated: string | undefined): string {
  if (generated) return generated;
  const note =
    input.valueFormat === 'text'
      ? '// The value as UTF-8 text.\nexport type Value = string;\n'
      : '// Plain JSON without a schema: narrow it in the handler (numbers are JavaScript doubles).\nexport type Value = unknown;\n';
  return note;
}

export function handlerTs(input: GeneratorInput, rootName: string): string {
  const isObject = input.valueFormat === 'json';
  return `import { type HandlerContext, type HandlerMessage, type HandlerResult } from './contract';
import type { ${rootName === 'Value' ? 'Value' : `${rootName} as Value`} } from './types';

/** Bad data: retrying cannot fix it, so the message goes straight to the dead-letter topic. */
export class InvalidMessage extends Error {
  override readonly name = 'InvalidMessage';
}

/**
 * Your processing, once per message. Return when the work is done (durably: the offset is committed
 * after this returns). Throw a RetriableError (from ./contract) for a failure worth retrying, such as
 * a dependency that is down; any other error dead-letters the message. Kafka Consumer Lab runs this
 * same function under the debugger (.vscode/launch.json).
 */
export async function handle(message: HandlerMessage<Value | null>, context: HandlerContext): Promise<HandlerResult> {
  if (message.value === null) return { decision: 'skip', reason: 'a tombstone (no value)' };
${
  isObject
    ? `  if (typeof message.value !== 'object' || Array.isArray(message.value))
    throw new InvalidMessage('expected a JSON object, got ' + (Array.isArray(message.value) ? 'an array' : typeof message.value));
`
    : ''
}  context.log('handled', message.topic + '/' + message.partition + '@' + message.offset, 'key', message.key, 'attempt', context.attempt);
  return undefined;
}
`;
}

export function launchJson(input: GeneratorInput): string {
  return json({
    version: '0.2.0',
    configurations: [
      kafkaLabLaunch(input, 'src/handler.ts'),
      {
        type: 'node',
        request: 'launch',
        name: 'Run the consumer',
        program: '${workspaceFolder}/src/consumer.ts',
        preLaunchTask: 'npm: build',
        outFiles: ['${workspaceFolder}/dist/**/*.js'],
        envFile: '${workspaceFolder}/.env',
        console: 'integratedTerminal',
      },
    ],
  });
}

export function dockerfile(): string {
  return `# Build, then run on a slim image. The native client builds against librdkafka in the image
# when no prebuilt binary matches.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json* ./
RUN npm ci || npm install
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
# SIGTERM (docker stop) finishes the messages in flight, commits them and leaves the group.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/consumer.js"]
`;
}

export function readmeTs(input: GeneratorInput): string {
  return `# ${input.projectName}

Consumes \`${input.topics.join('`, `')}\` as group \`${input.groupId}\` with
[@confluentinc/kafka-javascript](https://www.npmjs.com/package/@confluentinc/kafka-javascript), generated by
Kafka Consumer Lab. Your code is \`src/handler.ts\`; everything else is the consumer around it.

## Run

\`\`\`bash
cp .env.example .env     # then fill in the secrets (${SECRET_ENV.join(', ')}) if the cluster needs them
npm install
npm test                 # the handler's, the watermark's and the dead-letter envelope's unit tests
npm run build && node --env-file=.env dist/src/consumer.js
\`\`\`

\`${ENV.bootstrapServers}=host:9092 npm run test:integration\` runs the consumer against a real broker on a
fresh topic (it creates and deletes its topics and group).

## What it does

- Commits are never automatic (\`enable.auto.commit=false\`): an offset is committed only after its
  message was handled, skipped, or acknowledged by the dead-letter topic. Commit policy:
  ${commitPolicyText(input)} (\`${ENV.commitPolicy}\`, \`${ENV.commitBatchMessages}\`, \`${ENV.commitBatchMs}\`). Each commit is the
  highest contiguous done offset + 1 per partition.
- Up to ${input.concurrency} message(s) run at once (\`${ENV.concurrency}\`). A per-partition watermark
  never commits past a message that has not finished, however many later ones did.
- \`cooperative-sticky\` assignment. On revoke it waits (bounded) for the partition's messages in
  flight and commits what is done; for lost partitions it commits nothing (another member may own
  them already).
- A handler error with \`retriable: true\` (\`RetriableError\`) is retried with exponential backoff
  (${input.retry.maxAttempts} attempts, ${input.retry.baseMs} ms doubling up to ${input.retry.capMs} ms). The partition is
  paused meanwhile and polling goes on, so the member stays within \`max.poll.interval.ms\`. Any other
  error, a value that does not decode, and a retriable one out of attempts go to \`${input.dlqTopic}\`.
- The dead-letter record is Kafka Consumer Lab's envelope (\`original_topic\`, \`original_partition\`,
  \`original_offset\`, \`error_type\`, \`error_message\`, \`failed_at\`, \`retry_count\`, \`payload\`,
  \`payload_encoding\`) with the original key and headers plus \`${DLQ_HEADERS.errorType}\` and the
  other \`kafka-lab.dlq.*\` headers, so the extension's dead-letter view and re-drive read it. It is
  written with \`acks=all\`; the source offset is committed only after the broker acknowledged it.
- ${valueDecodingText(input)}
- SIGTERM or SIGINT stops polling, waits up to \`${ENV.shutdownTimeoutMs}\` for the messages in flight,
  commits what is done and leaves the group. A second signal exits at once. Delivery is
  at-least-once: after a crash the messages after the last commit are handled again.

## Debug the handler

With Kafka Consumer Lab installed, press **F5** on "${kafkaLabLaunch(input, '').name}": the extension
joins the group \`${input.groupId}-debug\` (not the service's group, so a running service keeps its
partitions) and runs \`handle\` under the debugger, one message at a time.
`;
}

export function gitignore(): string {
  return 'node_modules/\ndist/\n.env\n';
}

export function dockerignore(): string {
  return 'node_modules\ndist\n.env\n.vscode\n';
}
