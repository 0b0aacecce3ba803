// The selector table: ≥ 80 selections over the fixture DAG (see fixture.ts) with the exact node
// sets they resolve to, including tests pulled in by each indirect-selection mode.
import { describe, expect, it } from 'vitest';
import { resolveSelection } from '../../../core/selection/select.js';
import type { IndirectSelection } from '../../../core/selection/spec.js';
import { CASES } from './cases.js';
import { shopManifest } from './fixture.js';

const manifest = shopManifest();

function short(id: string): string {
  const [kind, , ...rest] = id.split('.');
  if (kind === 'source') return `source:${rest.join('.')}`;
  if (kind === 'exposure') return `exposure:${rest.join('.')}`;
  if (kind === 'test' && rest.length > 1) return rest[0]!;
  return rest[rest.length - 1]!;
}

function sel(select: string[], exclude: string[] = [], indirect?: IndirectSelection): string[] {
  const r = resolveSelection(manifest, { select, exclude, indirect }, { root: '/proj' });
  return [...r.selected].map(short).sort();
}

describe('the selector table', () => {
  it('has at least 80 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(80);
  });
  for (const c of CASES) {
    const label = `${c.select.map((s) => `-s '${s}'`).join(' ')}${c.exclude?.length ? ` --exclude '${c.exclude.join("' '")}'` : ''}${c.indirect ? ` (${c.indirect})` : ''}`;
    it(label || '(nothing)', () => {
      expect(sel(c.select, c.exclude, c.indirect)).toEqual([...new Set(c.expected)].sort());
    });
  }
});
