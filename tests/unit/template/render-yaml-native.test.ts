// renderYamlNative: dbt's get_rendered(native=True) for YAML values. Jinja folds an output of a
// constant expression into its text at compile time, so only computed values keep their type
// (each case as dbt-core 1.11.16's native environment renders it).
import { describe, expect, it } from 'vitest';
import { TemplateEngine } from '../../../core/template/index.js';

describe('renderYamlNative', () => {
  const engine = new TemplateEngine();
  const ctx = { n: 250, flag: true, items: ['a', 'b'], name: 'dev' };
  const r = (src: string) => engine.renderYamlNative('x.yml', src, ctx);

  it('folds constant outputs into text', () => {
    expect(r('{{ 250 }}')).toBe('250');
    expect(r('{{ 1 + 1 }}')).toBe('2');
    expect(r("{{ ['ta', 'tb'] }}")).toBe("['ta', 'tb']");
    expect(r('{{ True }}')).toBe('True');
    expect(r('{{ true }}')).toBe('True');
    expect(r('{{ none }}')).toBe('None');
    expect(r("{{ '>' ~ 5 }}")).toBe('>5');
    expect(r('{{ -1 }}')).toBe('-1');
    expect(r('{{ 1 == 1 }}')).toBe('True');
  });

  it('keeps the type of a computed value', () => {
    expect(r('{{ n }}')).toBe(250);
    expect(r('{{ flag }}')).toBe(true);
    expect(r('{{ items }}')).toEqual(['a', 'b']);
    expect(r("{{ name == 'dev' }}")).toBe(true);
    expect(r("{{ 'warn' if name == 'dev' else 'error' }}")).toBe('warn');
    expect(r('{{ n + 1 }}')).toBe(251);
    expect(r("{{ 'a' | upper }}")).toBe('A');
  });

  it('renders text around an output, and several outputs, as text', () => {
    expect(r('x {{ n }}')).toBe('x 250');
    expect(r('{{ n }}{{ n }}')).toBe('250250');
  });
});
