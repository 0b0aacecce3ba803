// Shell-style wildcards as dbt matches them (Python's fnmatch): `*` any run of characters
// (slashes included), `?` one character, `[abc]` / `[!abc]` a character class. Compiled once
// per pattern: a 10,000-node selection tests the same pattern thousands of times.

const cache = new Map<string, RegExp>();

export function hasWildcard(pattern: string): boolean {
  return /[*?[\]]/.test(pattern);
}

export function fnmatch(text: string, pattern: string): boolean {
  if (!hasWildcard(pattern)) return text === pattern;
  return compile(pattern).test(text);
}

export function compile(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  let body = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') body += '[\\s\\S]*';
    else if (c === '?') body += '[\\s\\S]';
    else if (c === '[') {
      const end = classEnd(pattern, i);
      if (end < 0) body += '\\[';
      else {
        let cls = pattern.slice(i + 1, end);
        const negate = cls.startsWith('!');
        if (negate) cls = cls.slice(1);
        body += `[${negate ? '^' : ''}${cls.replace(/[\\^\]]/g, '\\$&')}]`;
        i = end;
      }
    } else body += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  try {
    re = new RegExp(`^${body}$`);
  } catch {
    // An impossible class such as `[z-a]` matches nothing, as in Python.
    re = /(?!)/;
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** Index of the `]` closing the class opened at `start`, or -1 (then `[` is literal, as in Python). */
function classEnd(pattern: string, start: number): number {
  let j = start + 1;
  if (pattern[j] === '!') j++;
  if (pattern[j] === ']') j++;
  const end = pattern.indexOf(']', j);
  return end;
}
