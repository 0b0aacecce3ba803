// A JUnit XML report of a run, the format CI systems render as a test report: one testcase
// per node; failed tests and errors carry the message and the compiled query.
import type { ParsedNode } from '../nodes.js';
import type { RunSummary } from '../runner/results.js';

export function junitXml(summary: RunSummary, nodes: ReadonlyMap<string, ParsedNode>, suiteName: string): string {
  const cases = summary.results.map((r) => {
    const n = nodes.get(r.uniqueId);
    const classname = n ? `${n.resourceType}.${n.packageName}.${n.fqn.slice(1, -1).join('.') || n.packageName}` : 'kiln';
    const name = n?.name ?? r.uniqueId;
    const open = `    <testcase classname="${esc(classname)}" name="${esc(name)}" file="${esc(n?.originalFilePath ?? '')}" time="${r.executionTime.toFixed(3)}">`;
    let body = '';
    // A partial success (a microbatch model some of whose batches failed) is an error to CI.
    if (r.status === 'fail' || r.status === 'error' || r.status === 'partial success') {
      const tag = r.status === 'fail' ? 'failure' : 'error';
      const details = [r.message, r.error?.hint ? `hint: ${r.error.hint}` : '', r.storedFailures ? `failing rows stored in ${r.storedFailures}` : '', r.compiledCode ? `compiled code:\n${r.compiledCode}` : '']
        .filter(Boolean)
        .join('\n\n');
      body = `\n      <${tag} message="${esc(r.message)}" type="${r.status}">${esc(details)}</${tag}>\n    `;
    } else if (r.status === 'skipped') {
      body = `\n      <skipped message="${esc(r.message)}"/>\n    `;
    } else if (r.status === 'warn') {
      body = `\n      <system-out>${esc(`WARN: ${r.message}`)}</system-out>\n    `;
    }
    return `${open}${body}</testcase>`;
  });
  const count = (pred: (s: string) => boolean) => summary.results.filter((r) => pred(r.status)).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="kiln" tests="${summary.results.length}" failures="${count((s) => s === 'fail')}" errors="${count((s) => s === 'error' || s === 'partial success')}" skipped="${count((s) => s === 'skipped')}" time="${summary.elapsedSeconds.toFixed(3)}">`,
    `  <testsuite name="${esc(suiteName)}" tests="${summary.results.length}" failures="${count((s) => s === 'fail')}" errors="${count((s) => s === 'error' || s === 'partial success')}" skipped="${count((s) => s === 'skipped')}" time="${summary.elapsedSeconds.toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // characters XML 1.0 cannot carry at all
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}
