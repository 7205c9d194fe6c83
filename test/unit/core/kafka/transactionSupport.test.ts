import { strict as assert } from 'node:assert';
import { transactionSupportProblem } from '../../../../src/core/kafka/transactionSupport';

describe('whether a cluster can run transactions', () => {
  const facts = { brokers: 1, brokerId: 1, replicationFactor: 1, minIsr: 1, stateTopicExists: false };

  it('a single broker with replication factor 1 can', () => {
    assert.equal(transactionSupportProblem(facts, 'Local'), undefined);
    assert.equal(transactionSupportProblem({ ...facts, stateTopicExists: true }, 'Local'), undefined);
  });

  it('a replication factor above the brokers cannot create __transaction_state: says so and what to change', () => {
    const problem = transactionSupportProblem({ ...facts, replicationFactor: 3 }, 'Local');
    assert.match(
      problem ?? '',
      /^Cluster "Local" cannot run transactions: transaction\.state\.log\.replication\.factor is 3 but the cluster has 1 broker, so no broker can create __transaction_state/,
    );
    assert.match(
      problem ?? '',
      /Set it to at most 1 on the brokers and restart them, or start the session at-least-once\.$/,
    );
  });

  it('once __transaction_state exists, its replication factor setting no longer matters', () => {
    assert.equal(transactionSupportProblem({ ...facts, replicationFactor: 3, stateTopicExists: true }, 'L'), undefined);
  });

  it('a min.isr above the brokers can never acknowledge a transaction', () => {
    const problem = transactionSupportProblem({ ...facts, brokers: 2, replicationFactor: 2, minIsr: 3 }, 'Two');
    assert.match(problem ?? '', /transaction\.state\.log\.min\.isr is 3 but the cluster has 2 brokers/);
    assert.match(problem ?? '', /at most 2/);
  });

  it('settings the broker did not name are not held against it', () => {
    assert.equal(
      transactionSupportProblem({ ...facts, replicationFactor: undefined, minIsr: undefined }, 'L'),
      undefined,
    );
  });
});
