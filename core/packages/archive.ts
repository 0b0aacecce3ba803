// Package archives (`tarball:` entries, hub downloads): fetched over HTTP(S) and unpacked with
// the `tar` package into a temporary folder. Archives from GitHub and the hub hold one top
// folder (`dbt-utils-1.1.1/`); the package is that folder. tar keeps entries inside the target
// (no absolute paths, no `..`, no writing through links).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Unpack } from 'tar';
import { Codes, KilnError, type SourceLocation } from '../errors.js';
import { httpGet } from './http.js';

export interface FetchedArchive {
  /** The package's folder (holds dbt_project.yml). */
  readonly dir: string;
  /** The temporary folder to remove afterwards. */
  readonly cleanup: string;
}

function bad(what: string, url: string, why: string, loc?: SourceLocation): KilnError {
  return new KilnError(Codes.PACKAGE_ARCHIVE_INVALID, `The archive of ${what.includes(url) ? what : `${what} (${url})`} ${why}`, {
    loc,
    hint: 'The URL must serve a .tar.gz of a dbt project (the folder holding dbt_project.yml, alone or inside one top folder).',
  });
}

function unpack(data: Buffer, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // strict: a damaged entry is an error, not a warning and a half-unpacked folder
    // preserveOwner: as root, tar would give the files the archive's owners
    const u = new Unpack({ cwd: dest, strict: true, preserveOwner: false });
    u.on('error', reject);
    u.on('close', () => resolve());
    u.end(data);
  });
}

/** The folder holding dbt_project.yml: the archive's root, or its one top folder. */
function packageRoot(dir: string): string | null {
  if (fs.existsSync(path.join(dir, 'dbt_project.yml'))) return dir;
  const entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.name !== 'pax_global_header');
  if (entries.length === 1 && entries[0].isDirectory()) {
    const top = path.join(dir, entries[0].name);
    if (fs.existsSync(path.join(top, 'dbt_project.yml'))) return top;
  }
  return null;
}

export async function fetchArchive(url: string, what: string, loc?: SourceLocation): Promise<FetchedArchive> {
  const data = await httpGet(url, { what, loc });
  // gzip's magic number: anything else (an HTML error page, a zip) is named as such
  if (data.length < 2 || data[0] !== 0x1f || data[1] !== 0x8b) throw bad(what, url, `is not a gzip-compressed tar archive (${data.length} bytes starting ${JSON.stringify(data.subarray(0, 16).toString('latin1'))})`, loc);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-deps-'));
  try {
    await unpack(data, tmp);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw bad(what, url, `cannot be unpacked: ${e instanceof Error ? e.message : String(e)}`, loc);
  }
  const dir = packageRoot(tmp);
  if (!dir) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw bad(what, url, 'holds no dbt_project.yml at its top or in its one top folder', loc);
  }
  return { dir, cleanup: tmp };
}
