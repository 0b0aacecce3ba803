import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as shim from '../../../core/docs/browser/path-shim.js';

describe("the docs site's POSIX path", () => {
  it('agrees with node:path for what selection asks of it', () => {
    const cases: [string, string][] = [
      ['/project', 'models/staging'],
      ['/project', './models/../seeds/'],
      ['/project', '/elsewhere/x'],
      ['/project', 'models'],
      ['/project', '.'],
    ];
    for (const [root, v] of cases) {
      expect(shim.resolve(root, v)).toBe(path.posix.resolve(root, v));
      expect(shim.relative(root, shim.resolve(root, v))).toBe(path.posix.relative(root, path.posix.resolve(root, v)));
    }
    expect(shim.basename('models/staging/stg_orders.sql')).toBe('stg_orders.sql');
    expect(shim.basename('a/b.sql', '.sql')).toBe('b');
    expect(shim.dirname('models/a.sql')).toBe('models');
    expect(shim.extname('a/b.yml')).toBe('.yml');
    expect(shim.join('a', '../b', 'c')).toBe('b/c');
    expect(shim.default.posix.basename('x/y')).toBe('y');
  });
});
