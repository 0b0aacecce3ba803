// Hub version ranges as dbt reads them: one comparison per requirement, all must hold, newest
// release wins, prereleases only when asked; a conflict names the two requirements that clash.
import { describe, expect, it } from 'vitest';
import { asksForPrerelease, compareVersions, newestFirst, newestSatisfying, parseVersion, reduceRequirements, type Requirement } from '../../../core/packages/semver.js';
import { versionSatisfies } from '../../../core/packages/resolve.js';

const req = (text: string, from = 'packages.yml:2'): Requirement => ({ text, from });
const pick = (available: string[], reqs: string[], pre = false) => {
  const r = reduceRequirements(reqs.map((t) => req(t)));
  if (!r.ok) throw new Error(`unexpected: ${r.kind}`);
  return newestSatisfying(available, r.specs, pre);
};
const ALL = ['0.9.0', '1.0.0', '1.1.0', '1.10.0', '1.2.0', '1.3.0-b1', '1.3.0', '2.0.0', '2.0.1-rc.1'];

describe('semver', () => {
  it('orders versions numerically, prereleases before their release', () => {
    const v = (s: string) => parseVersion(s) ?? (() => { throw new Error(s); })();
    expect(compareVersions(v('1.10.0'), v('1.9.9'))).toBeGreaterThan(0);
    expect(compareVersions(v('1.0.0-b1'), v('1.0.0'))).toBeLessThan(0);
    expect(compareVersions(v('1.0.0-rc.2'), v('1.0.0-rc.10'))).toBeLessThan(0);
    expect(compareVersions(v('1.0.0-alpha'), v('1.0.0-beta'))).toBeLessThan(0);
    expect(compareVersions(v('1.0'), v('1.0.0'))).toBe(0);
    expect(compareVersions(v('1'), v('1.0.0'))).toBe(0); // YAML's reading of an unquoted 1.0
    expect(parseVersion('latest')).toBeNull();
    expect(newestFirst(['1.2.0', '1.10.0', '0.9.0'])).toEqual(['1.10.0', '1.2.0', '0.9.0']);
  });

  it('picks the newest release satisfying every requirement', () => {
    expect(pick(ALL, ['>=1.0.0', '<2.0.0'])).toBe('1.10.0');
    expect(pick(ALL, ['>=1.0.0', '<1.3.0'])).toBe('1.2.0');
    expect(pick(ALL, ['1.1.0'])).toBe('1.1.0');
    expect(pick(ALL, ['=1.1.0'])).toBe('1.1.0');
    expect(pick(ALL, ['==1.1'])).toBe('1.1.0');
    expect(pick(ALL, ['>1.10.0', '<=2.0.0'])).toBe('2.0.0');
    expect(pick(ALL, [])).toBe('2.0.0');
    expect(pick(ALL, ['>=3.0.0'])).toBeNull();
  });

  it('considers prereleases only when asked', () => {
    expect(pick(ALL, ['>=1.2.1', '<1.3.0'])).toBeNull();
    expect(pick(ALL, ['>=1.2.1', '<1.3.0'], true)).toBe('1.3.0-b1');
    expect(pick(ALL, ['>=2.0.0'], true)).toBe('2.0.1-rc.1');
    expect(asksForPrerelease([req('>=2.0.1-rc.1')])).toBe(true);
    expect(asksForPrerelease([req('>=2.0.1')])).toBe(false);
  });

  it('names the two requirements that cannot both hold', () => {
    const r = reduceRequirements([req('>=1.0.0', 'packages.yml:2'), req('<2.0.0', 'packages.yml:2'), req('>=1.5.0', 'acme/tools 0.3.0'), req('<1.2.0', 'acme/other 1.0.0')]);
    expect(r).toEqual({ ok: false, kind: 'conflict', a: req('>=1.5.0', 'acme/tools 0.3.0'), b: req('<1.2.0', 'acme/other 1.0.0') });
    const pins = reduceRequirements([req('1.0.0', 'a'), req('1.1.0', 'b')]);
    expect(pins.ok).toBe(false);
    expect(reduceRequirements([req('>1.0.0'), req('<=1.0.0')]).ok).toBe(false);
    expect(reduceRequirements([req('>=1.0.0'), req('<=1.0.0')]).ok).toBe(true);
    expect(reduceRequirements([req('~>1.0')])).toEqual({ ok: false, kind: 'invalid', req: req('~>1.0') });
  });

  it('versionSatisfies answers for a single version', () => {
    expect(versionSatisfies('1.4.0', ['>=1.0.0', '<2.0.0'])).toBe(true);
    expect(versionSatisfies('1.0.0', ['>=2.0.0'])).toBe(false);
    expect(versionSatisfies('1.4.0', ['1.4.0'])).toBe(true);
  });
});
