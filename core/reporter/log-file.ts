// The log file dbt writes (logs/dbt.log): every line the console would print, at debug level
// whatever the console's level, without colours, with a full timestamp. kiln writes it when
// --log-path (or DBT_LOG_PATH) names its folder; lines are gathered and appended in chunks.
import fs from 'node:fs';
import path from 'node:path';
import { makeDirs } from '../make-dirs.js';

export type LogFileLevel = 'debug' | 'info' | 'warn' | 'error' | 'none';

const RANK: Readonly<Record<LogFileLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3, none: 4 };
/** Text gathered before it is appended. */
const CHUNK = 64 * 1024;

export class LogFile {
  private pending = '';
  private readonly least: number;

  constructor(
    readonly file: string,
    private readonly format: 'text' | 'json',
    level: LogFileLevel,
    heading: string,
  ) {
    this.least = RANK[level];
    makeDirs(path.dirname(file));
    if (format === 'text') this.pending += `\n\n${'='.repeat(30)} ${new Date().toISOString()} | ${heading} ${'='.repeat(30)}\n`;
  }

  /** One console line (already redacted), with the event's data for the JSON format. */
  readonly write = (level: 'debug' | 'info' | 'warn' | 'error', text: string, data: Record<string, unknown>): void => {
    if (RANK[level] < this.least) return;
    const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
    const ts = new Date().toISOString();
    this.pending += this.format === 'json' ? `${JSON.stringify({ ts, level, msg: plain, ...data })}\n` : `${ts} [${level.padEnd(5)}]: ${plain}\n`;
    if (this.pending.length >= CHUNK) this.flush();
  };

  flush(): void {
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    fs.appendFileSync(this.file, text);
  }
}
