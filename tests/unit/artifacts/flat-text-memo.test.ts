// FlatTextMemo gives a remembered text only for an object JSON.stringify would write the same.
import { describe, expect, it } from 'vitest';
import { FlatTextMemo } from '../../../core/artifacts/flat-text-memo.js';

function remembered(first: object): FlatTextMemo {
  const memo = new FlatTextMemo();
  memo.set(first, JSON.stringify(first));
  return memo;
}

describe('FlatTextMemo', () => {
  it('gives the text again for another object with the same keys, order and values', () => {
    const memo = remembered({ enabled: true, tags: ['a', 'b'], meta: {}, n: 1, none: null, gone: undefined });
    expect(memo.get({ enabled: true, tags: ['a', 'b'], meta: {}, n: 1, none: null, gone: undefined })).toBe('{"enabled":true,"tags":["a","b"],"meta":{},"n":1,"none":null}');
  });

  it('gives nothing when anything JSON.stringify writes differs', () => {
    const memo = remembered({ enabled: true, tags: ['a'], meta: {} });
    for (const other of [
      { tags: ['a'], enabled: true, meta: {} },
      { enabled: false, tags: ['a'], meta: {} },
      { enabled: true, tags: ['a', 'b'], meta: {} },
      { enabled: true, tags: ['b'], meta: {} },
      { enabled: true, tags: ['a'], meta: { x: 1 } },
      { enabled: true, tags: ['a'], meta: [] },
      { enabled: true, tags: ['a'], meta: {}, more: 1 },
      { enabled: true, tags: ['a'] },
      { enabled: 'true', tags: ['a'], meta: {} },
    ]) {
      expect(memo.get(other), JSON.stringify(other)).toBeUndefined();
    }
  });

  it('compares with a copy: a remembered list or map changed later does not match its old text', () => {
    const tags = ['a'];
    const meta: Record<string, unknown> = {};
    const config = { tags, meta };
    const memo = remembered(config);
    tags.push('b');
    expect(memo.get(config)).toBeUndefined();
    tags.pop();
    meta.x = 1;
    expect(memo.get(config)).toBeUndefined();
  });

  it('does not remember objects holding values it cannot compare by content', () => {
    for (const config of [{ meta: { a: 1 } }, { tags: [['nested']] }, { tags: Array.from({ length: 20 }, (_, i) => `t${i}`) }, { when: new Date(0) }]) {
      const memo = remembered(config);
      expect(memo.get(config), JSON.stringify(config)).toBeUndefined();
    }
  });

  it('keeps a few objects, the oldest replaced first', () => {
    const memo = new FlatTextMemo(2);
    memo.set({ a: 1 }, 'one');
    memo.set({ a: 2 }, 'two');
    expect(memo.get({ a: 1 })).toBe('one');
    memo.set({ a: 3 }, 'three');
    expect(memo.get({ a: 1 })).toBeUndefined();
    expect(memo.get({ a: 2 })).toBe('two');
    expect(memo.get({ a: 3 })).toBe('three');
  });
});
