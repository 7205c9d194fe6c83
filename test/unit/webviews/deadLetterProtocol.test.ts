import { strict as assert } from 'node:assert';
import { MAX_ERROR_TYPES, RedriveNotification, isViewerFilter } from '../../../src/webviews/viewerPanel/protocol';

// What the viewer's host accepts from its (untrusted) webview for dead letters: the error-type
// filter and the re-drive request, checked before the host acts on them.

describe('viewer panel protocol: dead letters', () => {
  it('accepts an error-type filter of bounded text, and nothing else in its place', () => {
    assert.ok(isViewerFilter({ errorTypes: ['PoisonOrder', 'com.example.PriceMissing'] }));
    assert.ok(isViewerFilter({ errorTypes: [], text: 'x' }));
    assert.equal(isViewerFilter({ errorTypes: 'PoisonOrder' }), false);
    assert.equal(isViewerFilter({ errorTypes: [1] }), false);
    assert.equal(isViewerFilter({ errorTypes: ['x'.repeat(5000)] }), false);
    assert.equal(isViewerFilter({ errorTypes: Array.from({ length: MAX_ERROR_TYPES + 1 }, () => 'a') }), false);
  });

  it('accepts re-drive of a selected message (optionally edited) or of all matching, nothing else', () => {
    assert.ok(RedriveNotification.validateParams({ scope: 'selected', seq: 3 }));
    assert.ok(RedriveNotification.validateParams({ scope: 'selected', seq: 0, edit: true }));
    assert.ok(RedriveNotification.validateParams({ scope: 'matching' }));
    assert.equal(RedriveNotification.validateParams({ scope: 'selected' }), false);
    assert.equal(RedriveNotification.validateParams({ scope: 'selected', seq: -1 }), false);
    assert.equal(RedriveNotification.validateParams({ scope: 'selected', seq: 1.5 }), false);
    assert.equal(RedriveNotification.validateParams({ scope: 'selected', seq: 1, edit: 'yes' }), false);
    assert.equal(RedriveNotification.validateParams({ scope: 'matching', topic: 'elsewhere' }), false);
    assert.equal(RedriveNotification.validateParams({ scope: 'all' }), false);
    assert.equal(RedriveNotification.validateParams(null), false);
  });
});
