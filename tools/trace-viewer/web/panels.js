// panels.js: the page around the canvas, written from the view state
// (state.js): the details of the selection and its arguments, the summary
// table, the search count, the banner, the drop and live badges, the
// tooltip, the progress line and what the header says is loaded. Reads the
// state and writes the DOM; it changes no view state but the arguments shown
// (S.argsShown) and the request id that matches them to their answer (S.argsId).

import { F_INSTANT, F_UNFINISHED } from './model.js';
import { fmtDur, fmtNs, fmtTs } from './format.js';

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

// ---- loading ---------------------------------------------------------------------------------------

// a load began (state.beginLoad): @label says what it is
export function showLoading(S, label) {
  $('follow').checked = S.follow;
  $('follow-box').hidden = !S.live;
  $('live').hidden = !S.live;
  $('source').textContent = label;
  $('empty').hidden = true;
  showProgress('loading…');
}

export function showProgress(text) {
  $('progress').hidden = false;
  $('progress').textContent = text;
}

export function hideProgress() {
  $('progress').hidden = true;
}

// a model arrived: the empty page's hint goes once there is something to show (or to say)
export function showModel(S) {
  const m = S.model;
  hideProgress();
  $('empty').hidden = m.stats.events > 0 || !!m.stats.fatal || S.live;
}

// the follow checkbox says S.follow (a zoom, a pan or a centred selection turns it off)
export function showFollow(S) {
  $('follow').checked = S.follow;
}

// the errors, the model's notes and a cut stream, worst first
export function banner(S) {
  const b = $('banner');
  const m = S.model;
  const items = [...S.errors];
  if (m) {
    if (m.stats.fatal) items.push({ level: 'error', text: m.stats.fatal });
    for (const n of m.stats.notes) items.push(n);
  }
  if (S.status.cut) items.push({ level: 'warning', text: S.status.cut });
  b.innerHTML = items.map((i) => `<div class="${i.level}">${esc(i.text)}</div>`).join('');
}

// ---- details ---------------------------------------------------------------------------------------

function trackLabel(t) {
  return t.kind === 'thread' ? `${t.name || 'thread'} (tid ${t.tid})` : t.name || `track ${t.uuid}`;
}

// Shows the selection's details. A slice's arguments are decoded in the
// worker on demand: returns the request for them ({id, ev, end}; the table
// says "loading…" until showArgs), or null.
export function showDetails(S) {
  const m = S.model;
  const body = $('details-body');
  const sel = S.sel;
  if (!sel) {
    body.className = 'muted';
    body.textContent = 'Click a slice (or a counter) to see its arguments and duration.';
    return null;
  }
  body.className = '';
  const row = (k, v, id) => `<tr><td>${k}</td><td${id ? ` id="${id}"` : ''}>${v}</td></tr>`;
  if (sel.kind === 'counter') {
    const t = m.tracks[sel.track];
    body.innerHTML = `<table>${row('Counter', esc(trackLabel(t)), 'd-name')}${row('At', fmtTs(t.series.ts[sel.c] - m.t0))}` +
      `${row('Value', esc(t.series.val[sel.c]), 'd-value')}</table>`;
    return null;
  }
  const s = sel.s;
  const sl = m.slices;
  const t = m.tracks[sl.track[s]];
  const inst = sl.flags[s] & F_INSTANT;
  const unf = sl.flags[s] & F_UNFINISHED;
  // the exact count only where the short form rounded it (no "512 ns (512 ns)")
  const exact = (ns) => (Number(ns.toPrecision(4)) === ns ? '' : ` <span class="muted">(${fmtNs(ns)})</span>`);
  const dur = inst ? 'instant' : `${fmtDur(sl.dur[s])}${exact(sl.dur[s])}${unf ? ' (still running when the trace ends)' : ''}`;
  body.innerHTML =
    `<table>${row('Name', esc(m.strings[sl.name[s]]), 'd-name')}${row('Category', esc(m.strings[sl.cat[s]] || '–'))}` +
    `${row('Track', esc(trackLabel(t)), 'd-track')}` +
    `${row('Start', `${fmtTs(sl.ts[s] - m.t0)} <span class="muted">after the trace's start (timestamp ${fmtNs(sl.ts[s])})</span>`, 'd-start')}` +
    `${row('Duration', dur, 'd-dur')}` +
    `${row('Depth', sl.depth[s])}</table><h2>Arguments</h2><table id="d-args"><tr><td class="muted">loading…</td></tr></table>`;
  return { id: ++S.argsId, ev: sl.begin[s], end: sl.end[s] };
}

// the worker's answer to showDetails' request; a stale one (an older selection) is dropped
export function showArgs(S, msg) {
  if (msg.id !== S.argsId) return;
  const t = $('d-args');
  if (!t) return;
  const v = (x) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x));
  t.innerHTML = msg.args.length
    ? msg.args.map((a) => `<tr><td>${esc(a.name)}</td><td class="argval">${esc(v(a.value))}</td></tr>`).join('')
    : '<tr><td class="muted">none</td></tr>';
  S.argsShown = msg.args;
}

// ---- search, summary, badges -------------------------------------------------------------------------

// how many slices the search found (nothing without a search)
export function searchCount(S) {
  const mt = S.search.matches;
  $('search-count').textContent = !mt ? '' : mt.length ? `${mt.length} found` : 'no match';
}

// which match is selected, of how many
export function searchPos(S) {
  $('search-count').textContent = `${S.search.pos + 1} / ${S.search.matches.length}`;
}

// per name: count, total, mean, max, min, instants; sorted by S.sortKey, the top 100
export function summary(S) {
  const m = S.model;
  const key = S.sortKey;
  const rows = [...m.summary].sort((a, b) => (key === 'name' ? a.name.localeCompare(b.name) : b[key] - a[key]));
  const top = rows.slice(0, 100);
  $('summary-note').textContent = `${m.summary.length} names, ${m.slices.n.toLocaleString()} slices, ` +
    `${m.stats.events.toLocaleString()} events${rows.length > 100 ? ' (top 100 shown)' : ''}`;
  const d = (x, c) => (c ? fmtDur(x) : '–');
  document.querySelector('#summary-table tbody').innerHTML = top
    .map((r) => `<tr data-name="${esc(r.name)}"><td>${esc(r.name)}</td><td class="num">${r.count}</td>` +
      `<td class="num">${d(r.total, r.count)}</td><td class="num">${d(r.mean, r.count)}</td>` +
      `<td class="num">${d(r.max, r.count)}</td><td class="num">${d(r.min, r.count)}</td><td class="num">${r.instants}</td></tr>`)
    .join('');
  document.querySelectorAll('#summary-table th').forEach((th) => th.classList.toggle('sorted', th.dataset.key === key));
}

// what was lost: the program's drop counters, previous_packet_dropped, malformed packets, a cut
export function dropsBadge(S) {
  const st = S.model.stats;
  const el = $('drops');
  const lost = st.droppedEvents;
  const bad = lost > 0 || st.droppedFlags > 0 || st.malformed > 0 || st.fatal ||
    st.notes.some((n) => n.key === 'truncated' || n.key === 'cut');
  const parts = [];
  if (lost) parts.push(`${lost.toLocaleString()} events dropped by the program`);
  if (st.droppedFlags) parts.push(`${st.droppedFlags} packets marked previous_packet_dropped`);
  if (st.malformed) parts.push(`${st.malformed} malformed packets skipped`);
  el.className = `drops ${bad ? 'bad' : 'ok'}`;
  el.textContent = lost ? `⚠ ${lost.toLocaleString()} dropped` : bad ? '⚠ data lost' : 'no drops';
  el.title = (parts.length ? parts.join('\n') : 'No dropped events reported') +
    (st.dropTracks.length ? `\n${st.dropTracks.map((d) => `${d.name}: ${d.dropped}`).join('\n')}` : '');
}

// live: the stream's state (the worker's status messages) and the events so far
export function liveBadge(S) {
  if (!S.live) return;
  const el = $('live');
  const st = S.status;
  const ev = S.model ? S.model.stats.events.toLocaleString() : 0;
  let text;
  if (st.server === false) text = 'viewer server unreachable (retrying)';
  else if (st.connected) text = `● live: ${ev} events`;
  else if (st.ended) text = `stream ended: ${ev} events (waiting for the program to restart)`;
  else text = `○ waiting for the program (${st.socket || 'socket'})`;
  el.textContent = text;
  el.classList.toggle('down', st.server === false);
}

// ---- the tooltip -------------------------------------------------------------------------------------

// @h (state.hit's answer) beside the mouse (S.mouse); null hides it
export function tooltip(S, h) {
  const el = $('tooltip');
  if (!h || !S.model) {
    el.hidden = true;
    return;
  }
  const m = S.model;
  el.textContent = h.kind === 'slice'
    ? `${m.strings[m.slices.name[h.s]]}  ${m.slices.flags[h.s] & F_INSTANT ? 'instant' : fmtDur(m.slices.dur[h.s])}`
    : `${m.tracks[h.track].name}: ${m.tracks[h.track].series.val[h.c]}`;
  el.style.left = `${Math.min(S.mouse.x + 12, $('canvas').clientWidth - 200)}px`;
  el.style.top = `${S.mouse.y + 14}px`;
  el.hidden = false;
}

// the view moved under a still mouse: what the tooltip said is stale
export function hideTooltip() {
  $('tooltip').hidden = true;
}
