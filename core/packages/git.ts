// Git packages, cloned with the git CLI (it brings the user's credentials, proxies and ssh keys).
// A branch or tag is cloned shallow (`--depth 1 --branch`); a full commit sha is fetched alone
// (servers such as GitHub allow it), else from a full clone; anything else (a short sha) needs
// the full clone. The lock file records the commit that was checked out.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Codes, KilnError, type SourceLocation } from '../errors.js';
import { requestTimeoutMs } from './http.js';

export interface Clone {
  /** The clone (remove it afterwards). */
  readonly dir: string;
  /** The commit checked out. */
  readonly sha: string;
}

interface Run {
  readonly ok: boolean;
  readonly out: string;
  readonly err: string;
}

function git(args: readonly string[], cwd: string | undefined, timeoutMs: number): Run {
  const secs = String(Math.max(1, Math.round(timeoutMs / 4000)));
  const r = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    // never wait for a password prompt; give up on a transfer that stalls
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_HTTP_LOW_SPEED_LIMIT: '1', GIT_HTTP_LOW_SPEED_TIME: secs },
  });
  let err = (r.stderr ?? '').trim();
  if (r.error) err = (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'git is not installed (or not on PATH)' : (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `git did not finish within ${timeoutMs / 1000} s` : r.error.message;
  return { ok: !r.error && r.status === 0, out: (r.stdout ?? '').trim(), err };
}

const FULL_SHA = /^[0-9a-f]{40}$/i;

/** git's own message, its useful lines only (no progress, no hints). */
function gitMessage(err: string): string {
  const lines = err.split('\n').filter((l) => l.trim() && !/^hint:/.test(l));
  return lines.slice(-3).join(' / ') || 'git failed';
}

export function cloneRepository(url: string, revision: string | null, what: string, loc: SourceLocation, remote: boolean): Clone {
  const timeoutMs = Math.max(120_000, requestTimeoutMs() * 4);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-deps-'));
  const fail = (message: string, hint: string): never => {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new KilnError(Codes.PACKAGE_GIT_FAILED, message, { loc, hint });
  };
  const fresh = () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp);
  };
  let done = false;
  if (remote && revision && FULL_SHA.test(revision)) {
    done = git(['init', '-q'], tmp, timeoutMs).ok && git(['fetch', '-q', '--depth', '1', url, revision], tmp, timeoutMs).ok && git(['checkout', '-q', 'FETCH_HEAD'], tmp, timeoutMs).ok;
    if (!done) fresh();
  } else if (remote) {
    const args = ['clone', '-q', '--depth', '1', ...(revision ? ['--branch', revision] : []), url, tmp];
    const r = git(args, undefined, timeoutMs);
    done = r.ok;
    // Only a revision that is no branch or tag is worth a full clone; any other failure is final.
    if (!done && !(revision && /Remote branch .* not found|not found in upstream/i.test(r.err))) {
      fail(`Cannot clone ${what}: ${gitMessage(r.err)}`, 'Check the URL and that this machine can reach it (and has the credentials, for a private repository).');
    }
    if (!done) fresh();
  }
  if (!done) {
    const r = git(['clone', '-q', url, tmp], undefined, timeoutMs);
    if (!r.ok) fail(`Cannot clone ${what}: ${gitMessage(r.err)}`, 'Check the URL and that this machine can reach it (and has the credentials, for a private repository).');
    if (revision) {
      const co = git(['checkout', '-q', revision], tmp, timeoutMs);
      if (!co.ok) fail(`${what}: revision '${revision}' not found (${gitMessage(co.err)})`, 'Use a branch, tag or commit that exists in the repository.');
    }
  }
  const sha = git(['rev-parse', 'HEAD'], tmp, timeoutMs).out;
  return { dir: tmp, sha };
}
