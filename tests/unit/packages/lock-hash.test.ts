// package-lock.yml's sha1_hash is dbt's: a lock written by dbt deps is followed by kiln deps (and
// the other way round) while packages.yml is unchanged. The expected value is what dbt-core
// 1.11.16's _create_sha1_hash gives for the same packages.yml (checked with it).
import { describe, expect, it } from 'vitest';
import { packagesHash } from '../../../core/packages/lock-file.js';
import { readPackagesFile } from '../../../core/packages/packages-file.js';
import { TemplateEngine } from '../../../core/template/engine.js';
import { testdir } from '../../helpers/testdir.js';

const PACKAGES = `packages:
  - package: dbt-labs/dbt_utils
    version: [">=1.0.0", "<2.0.0"]
  - package: dbt-labs/codegen
    version: 0.12.1
    install_prerelease: true
  - git: "https://github.com/org/repo.git"
    revision: "{{ env_var('REV', 'v1.0.0') }}"
    subdirectory: sub
  - local: ../shared_é
  - tarball: https://example.com/x.tar.gz
    name: x
`;

describe('package-lock.yml sha1_hash', () => {
  it("equals dbt's for the same packages.yml (rendered values and the entries as written)", () => {
    const dir = testdir({ 'packages.yml': PACKAGES });
    const engine = new TemplateEngine();
    const file = readPackagesFile(dir, (t, loc) => engine.render(loc.file, t, {}));
    expect(packagesHash(file.entries)).toBe('9af004df4161a83e26fd13230b2ee7448efcfee3');
  });

  it('changes when an entry changes, not when entries are reordered', () => {
    const hash = (text: string) => packagesHash(readPackagesFile(testdir({ 'packages.yml': text })).entries);
    const a = hash('packages:\n  - local: ../a\n  - local: ../b\n');
    expect(hash('packages:\n  - local: ../b\n  - local: ../a\n')).toBe(a);
    expect(hash('packages:\n  - local: ../a\n  - local: ../c\n')).not.toBe(a);
  });
});
