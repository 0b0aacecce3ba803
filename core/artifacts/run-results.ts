// run_results.json as text, with each result's entry made once, when it comes in, between the
// events of the nodes still running: at the run's end only the frame around them is left to
// make. The text is exactly JSON.stringify(runResultsJson(...)): one line, as dbt writes its
// artifacts (a third smaller than indented, and so cheaper to make and write).
import type { AdapterResponseStyle } from '../../adapters/adapter.js';
import type { NodeResult, RunSummary } from '../runner/results.js';
import type { ArtifactMeta } from './manifest-json.js';
import { metadata } from './manifest-json.js';
import { resultJson, runResultsJson } from './write.js';

/** A result entry's place in the frame: no JSON value made by kiln holds a NUL (argv and the environment cannot). */
const SLOT = '\u0000kiln:results\u0000';
const SLOT_JSON = JSON.stringify(SLOT);

/** One entry of `results` as it stands in the file. */
function resultText(r: NodeResult, style?: AdapterResponseStyle): string {
  return JSON.stringify(resultJson(r, style));
}

/** JSON.stringify(runResultsJson(summary, meta, args, style)), with `textOf` making each entry. */
export function runResultsText(
  summary: RunSummary,
  meta: ArtifactMeta,
  args: Record<string, unknown>,
  style?: AdapterResponseStyle,
  textOf: (r: NodeResult) => string = (r) => resultText(r, style),
): string {
  if (summary.results.length === 0) return JSON.stringify(runResultsJson(summary, meta, args, style));
  const frame = JSON.stringify({ metadata: metadata(meta, 'run-results/v6'), results: [SLOT], elapsed_time: summary.elapsedSeconds, args });
  const at = frame.indexOf(SLOT_JSON);
  return frame.slice(0, at) + summary.results.map(textOf).join(',') + frame.slice(at + SLOT_JSON.length);
}

/** Results gathered before their entries are made (a turn of the event loop each time costs more than an entry). */
const BATCH = 32;

/**
 * Entries of results as they come in (add()), made BATCH at a time from the next turn of the
 * event loop: a node's result never waits for its text before the next node starts. textOf()
 * makes those not made yet.
 */
export class ResultTexts {
  private readonly texts = new Map<NodeResult, string>();
  private queued: NodeResult[] = [];

  constructor(private readonly style?: AdapterResponseStyle) {}

  add(r: NodeResult): void {
    if (this.queued.push(r) === BATCH) setImmediate(() => this.make());
  }

  /** The entry of `r` (made now if it was not yet). */
  readonly textOf = (r: NodeResult): string => {
    let text = this.texts.get(r);
    if (text === undefined) this.texts.set(r, (text = resultText(r, this.style)));
    return text;
  };

  private make(): void {
    const batch = this.queued;
    this.queued = [];
    for (const r of batch) this.textOf(r);
  }
}
