// The timestamps of run_results.json's `timing` (three a node): what `new Date().toISOString()`
// gives, with the date and time up to the second formatted once per second rather than per call.

let second = Number.NaN;
/** `YYYY-MM-DDTHH:MM:SS.` of `second`. */
let prefix = '';

/** `new Date(ms).toISOString()`, for a whole number of milliseconds (Date.now()). */
export function isoNow(ms: number = Date.now()): string {
  const s = Math.floor(ms / 1000);
  if (s !== second) {
    const full = new Date(ms).toISOString();
    // Years past 9999 (or before 0) are written longer: no shared prefix then.
    if (full.length !== 24) return full;
    second = s;
    prefix = full.slice(0, 20);
  }
  const milli = ms - s * 1000;
  return `${prefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
