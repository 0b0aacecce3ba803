import { describe, expect, it } from 'vitest';
import { Codes } from '../../../core/errors.js';
import { redactSecrets, secretValues } from '../../../core/template/builtins.js';
import { PyDateTime } from '../../../core/template/pymodules.js';
import { MODES, catchKiln, engine, render } from './helpers.js';

// 2024-03-05T06:07:08.123Z
const NOW = Date.UTC(2024, 2, 5, 6, 7, 8, 123);

describe.each(MODES)('builtins (%s)', (mode) => {
  const r = (src: string, ctx: Record<string, unknown> = {}) => render(mode, src, ctx, { now: () => NOW });

  it('range, zip, dict, list, set, namespace', () => {
    expect(r('{{ range(3) }} {{ range(1, 10, 3) }} {{ range(3, 0, -1) }}')).toBe('[0, 1, 2] [1, 4, 7] [3, 2, 1]');
    expect(r("{% for a, b in zip([1, 2], ['x', 'y', 'z']) %}{{ a }}{{ b }} {% endfor %}")).toBe('1x 2y ');
    expect(r("{{ dict(a=1, b=[2]) }} {{ dict([('k', 'v')]) }} {{ list('ab') }} {{ set([1, 1, 2]) | length }} {{ namespace(x=1).x }}")).toBe(
      "{'a': 1, 'b': [2]} {'k': 'v'} ['a', 'b'] 2 1",
    );
  });

  it('cycler and joiner', () => {
    expect(r("{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }} {% set j = joiner('|') %}{% for x in [1, 2, 3] %}{{ j() }}{{ x }}{% endfor %}")).toBe('aba 1|2|3');
  });

  it('fromjson / tojson / fromyaml / toyaml', () => {
    expect(r(`{{ fromjson('{"a": [1, 2]}').a[1] }} {{ fromjson('not json', 'dflt') }} {{ fromjson('nope') }}`)).toBe('2 dflt None');
    expect(r("{{ fromyaml('a: 1\\nb: [x, y]').b }} {{ toyaml({'a': 1}) | trim }}")).toBe("['x', 'y'] a: 1");
  });

  it('local_md5', () => {
    expect(r("{{ local_md5('abc') }}")).toBe('900150983cd24fb0d6963f7d28e17f72');
  });

  it('log/print call the logger and render nothing', () => {
    const seen: [string, boolean | 'print'][] = [];
    const out = render(mode, "a{{ log('quiet') }}{{ log('loud', info=True) }}{% do print('p', 1) %}b", {}, { log: (m, i) => seen.push([m, i]) });
    expect(out).toBe('ab');
    expect(seen).toEqual([
      ['quiet', false],
      ['loud', true],
      // print() is told apart: dbt shows it with -q
      ['p 1', 'print'],
    ]);
  });

  it('exceptions.raise_compiler_error and exceptions.warn', () => {
    const warnings: string[] = [];
    const e = engine(mode, { warn: (m) => warnings.push(m) });
    expect(e.render('m.sql', "{{ exceptions.warn('careful') }}ok", {})).toBe('ok');
    expect(warnings).toEqual(['careful']);
    const err = catchKiln(() => e.render('models/m.sql', "line\n  {{ exceptions.raise_compiler_error('bad config: ' ~ 1) }}", {}));
    expect(err.code).toBe(Codes.COMPILER_ERROR);
    expect(err.message).toBe('bad config: 1');
    expect(err.loc).toEqual({ file: 'models/m.sql', line: 2, col: 6 });
  });

  it('env_var reads the environment, uses defaults, errors when unset', () => {
    const env = { PGHOST: 'db.local', EMPTY: '' };
    const e = engine(mode, { env });
    expect(e.render('p.yml', "{{ env_var('PGHOST') }} {{ env_var('NOPE', 'dflt') }} [{{ env_var('EMPTY') }}] {{ env_var('NOPE', default=5) }}", {})).toBe('db.local dflt [] 5');
    const err = catchKiln(() => e.render('profiles.yml', "x: {{ env_var('MISSING_VAR') }}", {}));
    expect(err.code).toBe(Codes.ENV_VAR_UNSET);
    expect(err.message).toBe("Env var required but not provided: 'MISSING_VAR'");
    expect(err.hint).toContain("env_var('MISSING_VAR', 'default')");
    expect(err.loc).toEqual({ file: 'profiles.yml', line: 1, col: 7 });
  });

  it('records secret env var values for redaction', () => {
    const secrets = new Set<string>();
    const e = engine(mode, { env: { DBT_ENV_SECRET_PW: 's3cr3t', KILN_SECRET_TOKEN: 'tk-9182', PLAIN: 'visible' }, secrets });
    e.render('p.yml', "{{ env_var('DBT_ENV_SECRET_PW') }} {{ env_var('KILN_SECRET_TOKEN') }} {{ env_var('PLAIN') }}", {});
    expect([...secrets].sort()).toEqual(['s3cr3t', 'tk-9182']);
    expect(e.secrets).toBe(secrets);
    expect(secretValues().has('s3cr3t')).toBe(true);
    expect(secretValues().has('visible')).toBe(false);
    expect(redactSecrets('password=s3cr3t token=tk-9182')).toBe('password=***** token=*****');
  });

  describe('modules.datetime', () => {
    it('datetime constructors, strftime and isoformat', () => {
      expect(r("{% set d = modules.datetime.datetime(2024, 1, 2, 3, 4, 5) %}{{ d }} {{ d.isoformat() }} {{ d.strftime('%Y%m%d %H:%M:%S %a %b %j') }} {{ d.year }}")).toBe(
        '2024-01-02 03:04:05 2024-01-02T03:04:05 20240102 03:04:05 Tue Jan 002 2024',
      );
    });
    it('utcnow, now(tz) and date.today use the clock', () => {
      expect(r("{{ modules.datetime.datetime.utcnow() }} {{ modules.datetime.datetime.now(modules.datetime.timezone.utc).isoformat() }} {{ modules.pytz.utc }}")).toBe(
        '2024-03-05 06:07:08.123000 2024-03-05T06:07:08.123000+00:00 UTC',
      );
    });
    it('timedelta arithmetic and comparisons', () => {
      const t = `{% set dt = modules.datetime %}{% set d = dt.datetime(2024, 1, 31) %}{{ (d + dt.timedelta(days=1)).strftime('%Y-%m-%d') }} {{ (d - dt.timedelta(hours=1)) }} {{ dt.datetime(2024, 2, 1) - d }} {{ d < dt.datetime(2025, 1, 1) }} {{ dt.timedelta(days=1, seconds=90) }} {{ (dt.datetime(2024, 1, 2) - d).days }}`;
      expect(r(t)).toBe('2024-02-01 2024-01-30 23:00:00 1 day, 0:00:00 True 1 day, 0:01:30 -29');
    });
    it('date, strptime, fromisoformat, astimezone', () => {
      expect(r("{{ modules.datetime.date(2024, 5, 6) }} {{ modules.datetime.datetime.strptime('2024-05-06 07:08', '%Y-%m-%d %H:%M') }} {{ modules.datetime.datetime.fromisoformat('2024-05-06T07:08:09+02:00').astimezone(modules.pytz.utc) }} {{ modules.datetime.datetime(2024, 5, 6, 1).date() }}")).toBe(
        '2024-05-06 2024-05-06 07:08:00 2024-05-06 05:08:09+00:00 2024-05-06',
      );
    });
    it('PyDateTime.fromDate gives run_started_at-like values', () => {
      const d = PyDateTime.fromDate(new Date(NOW));
      expect(String(d)).toBe('2024-03-05 06:07:08.123000+00:00');
      expect(d.strftime('%Y-%m-%dT%H:%M:%S.%fZ')).toBe('2024-03-05T06:07:08.123000Z');
    });
  });

  describe('modules.re', () => {
    it('match / search / fullmatch with groups', () => {
      const t = String.raw`{% set re = modules.re %}{{ re.match('(\d+)-(?P<w>\w+)', '12-ab x').group(2) }} {{ re.match('(\d+)-(?P<w>\w+)', '12-ab').group('w') }} {{ re.match('\d', 'a1') is none }} {{ re.search('\d+', 'ab12c').group() }} {{ re.fullmatch('\w+', 'abc') is not none }} {{ re.fullmatch('\w+', 'ab c') }} {{ re.search('(a)(b)?', 'a').groups() }}`;
      expect(r(t)).toBe("ab ab True 12 True None ['a', None]");
    });
    it('sub, findall, split, flags, compile', () => {
      const t = String.raw`{% set re = modules.re %}{{ re.sub('(\w+)@(\w+)', '\2 at \1', 'me@home, you@work') }} {{ re.sub('a', 'b', 'aaa', 2) }} {{ re.findall('\d', 'a1b2') }} {{ re.findall('(\w)=(\d)', 'a=1 b=2') }} {{ re.split('\s*,\s*', 'a , b,c') }} {{ re.match('ABC', 'abc', re.IGNORECASE) is not none }} {{ re.compile('^x', re.M).findall('x\nx') }} {{ re.escape('a.b') }}`;
      expect(r(t)).toBe(String.raw`home at me, work at you bba ['1', '2'] [['a', '1'], ['b', '2']] ['a', 'b', 'c'] True ['x', 'x'] a\.b`);
    });
  });
});
