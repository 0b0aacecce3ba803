import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { consoleSinks } from '../../../core/cli/console-sink.js';

/** A stream that records each write() call and can fail like a closed pipe. */
class FakeStream extends EventEmitter {
  destroyed = false;
  constructor(
    readonly name: string,
    readonly log: string[][],
  ) {
    super();
  }
  write(text: string): boolean {
    this.log.push([this.name, text]);
    return true;
  }
}

function setup() {
  const log: string[][] = [];
  const out = new FakeStream('out', log);
  const err = new FakeStream('err', log);
  const turns: (() => void)[] = [];
  const sinks = consoleSinks(out, err, (fn) => turns.push(fn));
  const endTurn = () => turns.splice(0).forEach((fn) => fn());
  return { log, out, err, sinks, endTurn };
}

describe('console sinks', () => {
  it('writes the lines of one turn of the event loop in one write, at the end of the turn', () => {
    const { log, sinks, endTurn } = setup();
    sinks.stdout('a\n');
    sinks.stdout('b\n');
    expect(log).toEqual([]);
    endTurn();
    expect(log).toEqual([['out', 'a\nb\n']]);
    sinks.stdout('c\n');
    endTurn();
    expect(log).toEqual([['out', 'a\nb\n'], ['out', 'c\n']]);
  });

  it('keeps the order of lines across stdout and stderr', () => {
    const { log, sinks, endTurn } = setup();
    sinks.stdout('1\n');
    sinks.stderr('2\n');
    sinks.stderr('3\n');
    sinks.stdout('4\n');
    endTurn();
    expect(log).toEqual([['out', '1\n'], ['err', '2\n3\n'], ['out', '4\n']]);
  });

  it('flush() writes what is gathered at once (the process is exiting)', () => {
    const { log, sinks, endTurn } = setup();
    sinks.stdout('last\n');
    sinks.flush();
    expect(log).toEqual([['out', 'last\n']]);
    endTurn();
    expect(log).toEqual([['out', 'last\n']]);
  });

  it('writes at once when a turn gathers a lot of text', () => {
    const { log, sinks } = setup();
    const big = `${'x'.repeat(70 * 1024)}\n`;
    sinks.stdout(big);
    expect(log).toEqual([['out', big]]);
  });

  it('drops output to a stream whose reader went away, and carries on with the other', () => {
    const { log, out, sinks, endTurn } = setup();
    out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    sinks.stdout('lost\n');
    sinks.stderr('kept\n');
    endTurn();
    expect(log).toEqual([['err', 'kept\n']]);
  });
});
