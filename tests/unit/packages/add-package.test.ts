// `kiln deps --add-package`: the packages.yml entry each form makes, as dbt 1.8's does.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addPackage, entryFor } from '../../../core/packages/add-package.js';
import { testdir } from '../../helpers/testdir.js';

describe('--add-package', () => {
  it('makes hub, git and local entries', () => {
    expect(entryFor('dbt-labs/dbt_utils@1.1.1', 'hub')).toEqual({ package: 'dbt-labs/dbt_utils', version: '1.1.1' });
    expect(entryFor('dbt-labs/dbt_utils@">=1.0.0, <2.0.0"', 'hub')).toEqual({ package: 'dbt-labs/dbt_utils', version: ['>=1.0.0', '<2.0.0'] });
    expect(entryFor('https://github.com/org/repo.git@v1.2.0', 'git')).toEqual({ git: 'https://github.com/org/repo.git', revision: 'v1.2.0' });
    expect(entryFor('git@github.com:org/repo.git', 'git')).toEqual({ git: 'git@github.com:org/repo.git' });
    expect(entryFor('git@github.com:org/repo.git@main', 'git')).toEqual({ git: 'git@github.com:org/repo.git', revision: 'main' });
    expect(entryFor('../shared', 'local')).toEqual({ local: '../shared' });
    expect(() => entryFor('dbt-labs/dbt_utils', 'hub')).toThrow(/a hub package needs a version/);
    expect(() => entryFor('dbt_utils@1.0.0', 'hub')).toThrow(/hub packages are named org\/name/);
  });

  it('replaces an entry for the same package and creates packages.yml when there is none', () => {
    const dir = testdir({ 'packages.yml': 'packages:\n  # utils\n  - package: dbt-labs/dbt_utils\n    version: 1.0.0\n  - local: ../x\n' });
    expect(addPackage(dir, 'dbt-labs/dbt_utils@1.1.1', 'hub').replaced).toBe(true);
    const text = fs.readFileSync(path.join(dir, 'packages.yml'), 'utf8');
    expect(text).toContain('local: ../x');
    expect(text).toContain('version: 1.1.1');
    expect(text).not.toContain('1.0.0');
    const empty = testdir({});
    expect(addPackage(empty, '../shared', 'local')).toEqual({ file: 'packages.yml', entry: { local: '../shared' }, replaced: false });
    expect(fs.readFileSync(path.join(empty, 'packages.yml'), 'utf8')).toBe('packages:\n  - local: ../shared\n');
  });
});
