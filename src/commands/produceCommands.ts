import type { ProducerPanel } from '../webviews/producerPanel/producerPanel';
import type { ProducerDraft } from '../webviews/producerPanel/protocol';
import type { CommandTable } from './commandTable';
import { produceCopyCommand } from './produceCopy';
import { produceFromFileCommand } from './produceFromFile';
import type { ProduceCommandDeps, Producing } from './producing';
import { isTopicRef, topicOf } from './produceTargets';

/**
 * The produce commands: the producer form (a topic node, the palette), Produce Copy from a message
 * (produceCopy.ts) and file import (produceFromFile.ts); the form's panels and producers are
 * Producing's (producing.ts).
 */
export function produceCommands(
  deps: ProduceCommandDeps,
  producing: Producing,
): Pick<CommandTable, 'kafkaLab.produceMessage' | 'kafkaLab.produceCopy' | 'kafkaLab.produceFromFile'> {
  const produceMessage = async (arg?: unknown): Promise<ProducerPanel | undefined> => {
    const target = await topicOf(deps, arg, 'Produce Message');
    if (!target) return undefined;
    const panel = await producing.openForm(target.cluster, target.topic);
    const draft = isTopicRef(arg) ? (arg as { draft?: unknown }).draft : undefined;
    if (draft && typeof draft === 'object') panel.fill(draft as ProducerDraft);
    return panel;
  };

  return {
    'kafkaLab.produceMessage': produceMessage,
    'kafkaLab.produceCopy': produceCopyCommand(deps, producing),
    'kafkaLab.produceFromFile': produceFromFileCommand(deps, producing),
  };
}
