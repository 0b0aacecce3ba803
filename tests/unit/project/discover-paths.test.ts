// discoverFiles' absolute paths: made without path.join where a listed path needs no normalizing,
// they equal what path.join gives, whatever the model paths look like.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverFiles } from '../../../core/project/discover.js';
import { loadProjectFile } from '../../../core/project/load-project-file.js';
import { Problems } from '../../../core/errors.js';
import { testdir } from '../../helpers/testdir.js';

describe('discoverFiles', () => {
  it.each([
    ['["models"]', 'models'],
    ['["./models/"]', 'models'],
    ['["models/../models"]', 'models'],
    ['["."]', '.'],
  ])('model-paths %s: every absPath is path.join(project, path)', (modelPaths) => {
    const dir = testdir({
      'dbt_project.yml': `name: p\nprofile: p\nmodel-paths: ${modelPaths}\n`,
      'models/a.sql': 'select 1',
      'models/sub/b.sql': 'select 2',
      'models/sub/props.yml': 'version: 2\n',
    });
    const problems = new Problems();
    const files = discoverFiles(dir, loadProjectFile(dir), problems);
    const sql = files.filter((f) => f.path.endsWith('.sql'));
    expect(sql.map((f) => f.path).sort()).toEqual(['models/a.sql', 'models/sub/b.sql']);
    for (const f of files) expect(f.absPath, f.path).toBe(path.join(dir, f.path));
  });

  it('a project folder given with a trailing slash or dots gets the same paths', () => {
    const dir = testdir({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'models/a.sql': 'select 1' });
    for (const root of [`${dir}/`, `${dir}/./`, `${dir}/models/..`]) {
      const files = discoverFiles(root, loadProjectFile(dir), new Problems());
      expect(files.find((f) => f.path === 'models/a.sql')?.absPath, root).toBe(path.join(dir, 'models/a.sql'));
    }
  });
});
