// format.js: how the page writes times. Durations get four significant
// digits in the unit that keeps them at or above 1 (never "1000 µs", never
// an exponent); timestamps (relative to the trace's start) get as many
// decimals as the precision they are shown at needs, so axis ticks a few
// ns apart still read differently; exact nanosecond counts are written
// with digit grouping. No DOM: tests import it under node.

const UNITS = [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']];

function unitOf(a) {
  for (const u of UNITS) if (a >= u[0]) return u;
  return UNITS[3];
}

// A duration in ns: "512 ns", "1.235 ms", "12.35 s"; "–" when not a number.
export function fmtDur(ns) {
  if (!Number.isFinite(ns)) return '–';
  const a = Math.abs(ns);
  if (a >= 1e12) return `${(ns / 1e9).toFixed(0)} s`; // 1000 s and more: whole seconds
  const r = a < 1000 ? Math.round(ns) : Number(ns.toPrecision(4)); // rounding first: 999,999 ns is 1 ms
  const [f, u] = unitOf(Math.abs(r));
  return `${+(r / f).toFixed(f === 1 ? 0 : 3)} ${u}`;
}

// A timestamp in ns since the trace's start, to a precision of @step ns
// (the axis tick spacing; 1 for exact): "0 s", "1.234568 s", "250 µs".
export function fmtTs(ns, step = 1) {
  if (!Number.isFinite(ns)) return '–';
  if (ns === 0) return '0 s';
  const [f, u] = unitOf(Math.abs(ns));
  const dec = f === 1 ? 0 : Math.max(0, Math.min(9, Math.ceil(-Math.log10(Math.max(step, 1) / f) - 1e-9)));
  return `${(ns / f).toFixed(dec)} ${u}`;
}

// An exact count of ns, grouped: "1,234,567 ns".
export function fmtNs(ns) {
  return `${Math.round(ns).toLocaleString('en-US')} ns`;
}
