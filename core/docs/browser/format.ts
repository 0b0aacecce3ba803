// Small text formatters shared by the pages.
import type { NodeKind, RunStatus } from '../site-types.js';

export function seconds(s: number): string {
  if (s < 0.001) return '0s';
  if (s < 1) return `${Math.round(s * 1000)}ms`;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m ${Math.round(s - m * 60)}s`;
}

export function count(n: number, word: string, plural = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : plural}`;
}

export function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function ago(iso: string, now = Date.now()): string {
  const s = (now - new Date(iso).getTime()) / 1000;
  if (!Number.isFinite(s)) return '';
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function rows(n: number): string {
  return n.toLocaleString('en-US');
}

export const TYPE_LABEL: Record<NodeKind | 'macro', string> = {
  model: 'model',
  seed: 'seed',
  snapshot: 'snapshot',
  source: 'source',
  test: 'test',
  analysis: 'analysis',
  exposure: 'exposure',
  macro: 'macro',
};

/** Colours by resource type: one hue each, readable on white and as graph fills. */
export const TYPE_COLOR: Record<NodeKind | 'macro', string> = {
  model: '#2f6fed',
  seed: '#12a150',
  snapshot: '#8a4ce0',
  source: '#e08a00',
  test: '#6b7a90',
  analysis: '#d6457a',
  exposure: '#e0483e',
  macro: '#0f9b9b',
};

export const STATUS_COLOR: Record<RunStatus, string> = {
  success: '#16a34a',
  pass: '#16a34a',
  warn: '#d97706',
  fail: '#dc2626',
  error: '#dc2626',
  skipped: '#94a3b8',
  'partial success': '#dc2626',
};

export function isBad(s: RunStatus): boolean {
  return s === 'error' || s === 'fail' || s === 'partial success';
}
