// decode.js: the Perfetto TracePacket stream, as Lucent writes it, into raw
// event columns. No DOM: the same module runs in the page's Web Worker and
// under `node --test`.
//
// What it reads (field numbers from perfetto_trace.proto v55.3):
//   Trace.packet (1) framing; TracePacket timestamp (8), sequence id (10),
//   sequence_flags (13), incremental_state_cleared (41),
//   previous_packet_dropped (42), track_event (11), interned_data (12),
//   track_descriptor (60), clock_snapshot (6), trace_packet_defaults (59:
//   the sequence's default track_uuid), ftrace_events (1: sched_switch,
//   full or compact_sched, and irq_handler_entry/exit, as slices on
//   per-CPU "CPU N" and "irq (cpu N)" tracks: a sched_switch ends the CPU's
//   running slice and starts one named after the next task, none for the
//   idle task, pid 0);
//   TrackEvent type, track_uuid, name/name_iid, categories/category_iids,
//   counter values, debug annotations (decoded lazily, on click);
//   InternedData event names, categories, annotation names and string values;
//   TrackDescriptor uuid, parent, name, process, thread, counter.
// Everything else is skipped by wire type, so traces from other producers
// (and packet types Lucent may add) open too, minus what they keep in
// fields we do not read.
//
// What it does not own: nesting slices, sorting, summaries (model.js).
//
// One file past 700 lines for a reason: the wire reader's state (B, P) is
// module-local so the hot varint path has no property loads, and every
// message decoder here shares it.
//
// Errors never throw out of push()/end(): a malformed packet is counted and
// skipped (its framing is intact), a broken framing stops decoding with a
// fatal message, and everything decoded before stays available.

export const EV_BEGIN = 1;
export const EV_END = 2;
export const EV_INSTANT = 3;
export const EV_COUNTER = 4;

const TWO32 = 4294967296;

class BadData extends Error {}

// The reader: one buffer at a time, position in P. Module state keeps the
// hot varint path free of property loads; decoding is synchronous, so two
// decoders never interleave.
let B = new Uint8Array(0);
let DV = new DataView(B.buffer);
let P = 0;
let LO = 0;
let HI = 0;

function setBuf(buf) {
  B = buf;
  DV = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

// Unsigned varint as a Number (exact below 2^53).
function rv() {
  let b = B[P++];
  if (b < 0x80) return b;
  let v = b & 0x7f;
  b = B[P++];
  v |= (b & 0x7f) << 7;
  if (b < 0x80) return v;
  b = B[P++];
  v |= (b & 0x7f) << 14;
  if (b < 0x80) return v;
  b = B[P++];
  v |= (b & 0x7f) << 21;
  if (b < 0x80) return v;
  let m = 268435456;
  for (let i = 0; i < 6; i++) {
    b = B[P++];
    v += (b & 0x7f) * m;
    if (b < 0x80) return v;
    m *= 128;
  }
  throw new BadData('a varint longer than 10 bytes');
}

// Varint into LO/HI (two unsigned 32-bit halves), exactly.
function rv64() {
  let lo = 0;
  let hi = 0;
  let b;
  for (let i = 0; i < 4; i++) {
    b = B[P++];
    lo = (lo | ((b & 0x7f) << (i * 7))) >>> 0;
    if (b < 0x80) {
      LO = lo;
      HI = 0;
      return;
    }
  }
  b = B[P++];
  lo = (lo | ((b & 0x7f) << 28)) >>> 0;
  hi = (b & 0x7f) >>> 4;
  if (b >= 0x80) {
    for (let i = 0; i < 5; i++) {
      b = B[P++];
      hi = (hi | ((b & 0x7f) << (i * 7 + 3))) >>> 0;
      if (b < 0x80) break;
    }
    if (b >= 0x80) throw new BadData('a varint longer than 10 bytes');
  }
  LO = lo;
  HI = hi;
}

// int64 (two's complement varint) as a Number.
function rvs() {
  rv64();
  if (HI & 0x80000000) {
    let lo = (~LO >>> 0) + 1;
    let hi = ~HI >>> 0;
    if (lo > 0xffffffff) {
      lo = 0;
      hi = (hi + 1) >>> 0;
    }
    return -(hi * TWO32 + lo);
  }
  return HI * TWO32 + LO;
}

// A uint64 id (track uuid): a Number when exact, else a string key.
function ruuid() {
  // up to 7 bytes (49 bits) rv() is exact: the common case
  if (B[P] < 0x80 || B[P + 1] < 0x80 || B[P + 2] < 0x80 || B[P + 3] < 0x80 || B[P + 4] < 0x80 ||
    B[P + 5] < 0x80 || B[P + 6] < 0x80) return rv();
  rv64();
  return HI < 0x200000 ? HI * TWO32 + LO : `${HI}:${LO}`;
}

// uint64 for display: exact decimal string when beyond 2^53.
function ru64Display() {
  rv64();
  if (HI < 0x200000) return HI * TWO32 + LO;
  return ((BigInt(HI) << 32n) | BigInt(LO)).toString();
}

const utf8 = new TextDecoder('utf-8');
function rstr() {
  const n = rv();
  const s = P;
  P += n;
  if (P > B.length) throw new BadData('a string runs past the end of its packet');
  return utf8.decode(B.subarray(s, P));
}

function skip(wt) {
  switch (wt) {
    case 0:
      while (B[P++] >= 0x80); // past the end, B[P] is undefined: the loop stops
      return;
    case 1:
      P += 8;
      return;
    case 2:
      { const n = rv(); P += n; } // not `P += rv()`: P would be read before rv() moves it
      return;
    case 5:
      P += 4;
      return;
    default:
      throw new BadData(`wire type ${wt}, which no TracePacket field uses`);
  }
}

// Growable typed-array columns: one per raw event attribute.
class Col {
  constructor(Type, n = 4096) {
    this.Type = Type;
    this.a = new Type(n);
  }
  grow(need) {
    let n = this.a.length;
    while (n < need) n *= 2;
    const b = new this.Type(n);
    b.set(this.a);
    this.a = b;
  }
}

export class RawEvents {
  constructor() {
    this.n = 0;
    this.ts = new Col(Float64Array);
    this.kind = new Col(Uint8Array);
    this.track = new Col(Uint32Array);
    this.name = new Col(Uint32Array);
    this.cat = new Col(Uint32Array);
    this.state = new Col(Uint32Array); // interning state, for lazy args
    this.pkt = new Col(Float64Array); // buffer index * 2^32 + packet offset
    this.val = new Col(Float64Array); // counter value
  }
  reserve(n) {
    if (n > this.ts.a.length)
      for (const c of [this.ts, this.kind, this.track, this.name, this.cat, this.state, this.pkt, this.val]) c.grow(n);
  }
  push(ts, kind, track, name, cat, state, pkt, val) {
    const i = this.n++;
    if (i >= this.ts.a.length) {
      for (const c of [this.ts, this.kind, this.track, this.name, this.cat, this.state, this.pkt, this.val]) c.grow(i + 1);
    }
    this.ts.a[i] = ts;
    this.kind.a[i] = kind;
    this.track.a[i] = track;
    this.name.a[i] = name;
    this.cat.a[i] = cat;
    this.state.a[i] = state;
    this.pkt.a[i] = pkt;
    this.val.a[i] = val;
  }
}

// One interning generation of one sequence: SEQ_INCREMENTAL_STATE_CLEARED
// starts a new one. Kept forever (events point at it for their args).
class InternState {
  constructor(seq, valid) {
    this.seq = seq;
    this.valid = valid; // started by a CLEARED packet
    this.names = new Map(); // iid -> string id
    this.cats = new Map(); // iid -> string id
    this.annNames = new Map(); // iid -> string
    this.annStrs = new Map(); // iid -> string
    this.defTrack = null; // TracePacketDefaults.track_event_defaults.track_uuid
  }
}

export class Track {
  constructor(uuid, index) {
    this.uuid = uuid;
    this.index = index;
    this.name = '';
    this.parent = null;
    this.pid = null;
    this.tid = null;
    this.isProcess = false;
    this.isThread = false;
    this.isCounter = false;
    this.isCpu = false;
    this.described = false;
  }
}

const MAX_NOTES = 5;

export class Decoder {
  constructor() {
    this.ev = new RawEvents();
    this.strings = ['']; // string table: id 0 is ""
    this.stringIds = new Map([['', 0]]);
    this.tracks = [];
    this.trackIdx = new Map();
    this.lastUuid = null;
    this.lastTrack = 0;
    this.seqs = new Map(); // sequence id -> current InternState index
    this.states = [];
    this.bufs = []; // every buffer packets were decoded from
    this.tail = new Uint8Array(0);
    this.offset = 0; // stream bytes consumed (whole packets) + tail
    this.bytes = 0;
    this.packets = 0;
    this.usefulPackets = 0; // packets with something we understood
    this.malformed = 0;
    this.droppedFlags = 0; // packets with previous_packet_dropped
    this.droppedBySeq = new Map();
    this.missingInterned = 0;
    this.clock = null;
    this.cpuRunning = new Map(); // cpu -> a slice is open on its "CPU N" track
    this.ftraceOther = 0; // ftrace events of kinds not shown
    this.fatal = null;
    this.notes = []; // {level, text}
    this.noteCount = new Map();
  }

  note(level, key, text) {
    const c = (this.noteCount.get(key) || 0) + 1;
    this.noteCount.set(key, c);
    if (c === 1 && this.notes.length < 50) this.notes.push({ level, key, text });
  }

  str(s) {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  track(uuid) {
    if (uuid === this.lastUuid) return this.lastTrack;
    let i = this.trackIdx.get(uuid);
    if (i === undefined) {
      i = this.tracks.length;
      this.tracks.push(new Track(uuid, i));
      this.trackIdx.set(uuid, i);
    }
    this.lastUuid = uuid;
    this.lastTrack = i;
    return i;
  }

  // Feeds the next bytes of the stream; decodes every whole packet in them.
  push(chunk) {
    if (this.fatal || !chunk.length) return;
    this.bytes += chunk.length;
    let buf = chunk;
    if (this.tail.length) {
      buf = new Uint8Array(this.tail.length + chunk.length);
      buf.set(this.tail);
      buf.set(chunk, this.tail.length);
    }
    if (this.packets === 0 && this.offset === 0 && !this.sniff(buf)) return;
    // a big chunk (a file): size the columns once (events are >= ~20 bytes)
    if (buf.length > 1 << 20) this.ev.reserve(this.ev.n + Math.ceil(buf.length / 20));
    const bi = this.bufs.length;
    this.bufs.push(buf);
    setBuf(buf);
    const n = buf.length;
    let p = 0;
    while (p < n) {
      if (buf[p] !== 0x0a) {
        this.brokenFraming(p, `byte 0x${buf[p].toString(16).padStart(2, '0')} where a packet should start`);
        break;
      }
      // the packet's length: a varint that may itself be cut
      let len = 0;
      let q = p + 1;
      let shift = 1;
      let done = false;
      for (let k = 0; k < 10 && q < n; k++) {
        const b = buf[q++];
        len += (b & 0x7f) * shift;
        shift *= 128;
        if (b < 0x80) {
          done = true;
          break;
        }
      }
      if (!done) {
        if (q - p > 10) this.brokenFraming(p, 'a packet length longer than 10 bytes');
        break;
      }
      if (q + len > n) break; // the rest is not here yet
      this.packet(q, q + len, bi * TWO32 + p);
      p = q + len;
    }
    if (this.fatal) {
      this.tail = new Uint8Array(0);
      return;
    }
    this.offset += p; // the stream offset of the tail's first byte
    this.tail = p < n ? buf.slice(p) : new Uint8Array(0);
    if (p === 0) this.bufs.pop(); // no packet came from it
  }

  // Recognises common non-Perfetto input before trying to decode it.
  sniff(buf) {
    if (buf.length < 2) return true;
    const b0 = buf[0];
    const b1 = buf[1];
    let what = null;
    if (b0 === 0x1f && b1 === 0x8b) what = 'a gzip-compressed file (decompress it first)';
    else if (b0 === 0x7b || b0 === 0x5b) what = 'JSON (a Chrome JSON trace opens in ui.perfetto.dev, not here)';
    else if (b0 === 0x7f && b1 === 0x45) what = 'an ELF binary';
    else if (b0 === 0x50 && b1 === 0x4b) what = 'a zip archive';
    else if (b0 !== 0x0a) what = `data starting with byte 0x${b0.toString(16).padStart(2, '0')} (a Perfetto trace starts with 0x0a)`;
    if (what) {
      this.fatal = `This is not a Perfetto trace: it looks like ${what}.`;
      return false;
    }
    return true;
  }

  brokenFraming(p, why) {
    const at = this.offset + p;
    if (this.usefulPackets === 0) this.fatal = `This is not a Perfetto trace: ${why} at byte ${at}.`;
    else
      this.fatal =
        `The trace is corrupt at byte ${at} (${why}); the ${this.packets} packets before it are shown, ` +
        'the rest is ignored.';
  }

  // The stream is over: whatever is left is a cut packet.
  end() {
    if (this.fatal) return;
    if (this.tail.length) {
      this.note(
        'error',
        'truncated',
        `The trace ends in the middle of a packet: its last ${this.tail.length} bytes are an incomplete ` +
          `packet and were ignored. The ${this.packets} whole packets before it are shown.`,
      );
      this.tail = new Uint8Array(0);
    } else if (this.bytes === 0) {
      this.fatal = 'The trace is empty (0 bytes).';
    }
  }

  // A mid-stream cut the producer (or server) reported: drop the partial
  // packet and expect a fresh start (every sequence restarts CLEARED).
  cut(reason) {
    if (this.tail.length)
      this.note('warning', 'cut', `${reason}: ${this.tail.length} bytes of an unfinished packet were discarded.`);
    else this.note('warning', 'cut', reason);
    this.tail = new Uint8Array(0);
  }

  packet(start, end, ref) {
    this.packets++;
    try {
      if (this.decodePacket(start, end, ref)) this.usefulPackets++;
    } catch (e) {
      if (!(e instanceof BadData) && !(e instanceof RangeError)) throw e;
      this.malformed++;
      this.note('warning', 'malformed', `Malformed packet(s) skipped (first at byte ${this.offset + start}: ${e.message}).`);
    }
  }

  decodePacket(start, end, ref) {
    P = start;
    let ts = -1;
    let seqId = 0;
    let flags = 0;
    let cleared = false;
    let dropped = false;
    let te = -1;
    let teEnd = 0;
    let id = -1;
    let idEnd = 0;
    let td = -1;
    let tdEnd = 0;
    let cs = -1;
    let csEnd = 0;
    let ft = -1;
    let ftEnd = 0;
    let df = -1;
    let dfEnd = 0;
    while (P < end) {
      const tag = rv();
      const f = tag >>> 3;
      const wt = tag & 7;
      if (wt === 2 && (f === 11 || f === 12 || f === 60 || f === 6 || f === 1 || f === 59)) {
        const len = rv();
        const s = P;
        P += len;
        if (f === 11) (te = s), (teEnd = P);
        else if (f === 12) (id = s), (idEnd = P);
        else if (f === 60) (td = s), (tdEnd = P);
        else if (f === 1) (ft = s), (ftEnd = P);
        else if (f === 59) (df = s), (dfEnd = P);
        else (cs = s), (csEnd = P);
      } else if (wt === 0 && f === 8) ts = rv();
      else if (wt === 0 && f === 10) seqId = rv();
      else if (wt === 0 && f === 13) flags = rv();
      else if (wt === 0 && f === 41) cleared = rv() !== 0;
      else if (wt === 0 && f === 42) dropped = rv() !== 0;
      else skip(wt);
    }
    if (P !== end) throw new BadData('a field runs past the end of its packet');

    let si = this.seqs.get(seqId);
    if (cleared || flags & 1 || si === undefined) {
      si = this.states.length;
      this.states.push(new InternState(seqId, cleared || (flags & 1) !== 0));
      this.seqs.set(seqId, si);
    }
    const st = this.states[si];
    if (dropped) {
      this.droppedFlags++;
      this.droppedBySeq.set(seqId, (this.droppedBySeq.get(seqId) || 0) + 1);
    }
    let useful = false;
    if (df >= 0) {
      this.decodeDefaults(df, dfEnd, st);
      useful = true;
    }
    if (ft >= 0) {
      this.decodeFtrace(ft, ftEnd, ref);
      useful = true;
    }
    if (id >= 0) {
      this.decodeInterned(id, idEnd, st);
      useful = true;
    }
    if (td >= 0) {
      this.decodeTrack(td, tdEnd);
      useful = true;
    }
    if (cs >= 0) {
      this.clock = { ts, seq: seqId };
      useful = true;
    }
    if (te >= 0) {
      if (flags & 2 && !st.valid) this.note('warning', 'nostate',
        'Some packets need interned names from a part of the stream that is missing (joined mid-way?); ' +
          'their names show as "?".');
      this.decodeEvent(te, teEnd, ts, si, st, ref);
      useful = true;
    }
    return useful;
  }

  decodeInterned(start, end, st) {
    P = start;
    while (P < end) {
      const tag = rv();
      const f = tag >>> 3;
      if ((tag & 7) !== 2 || (f !== 1 && f !== 2 && f !== 3 && f !== 29)) {
        skip(tag & 7);
        continue;
      }
      const mEnd = rv() + P;
      let iid = 0;
      let name = '';
      while (P < mEnd) {
        const t = rv();
        if (t === 8) iid = rv();
        else if (t === 18) name = rstr();
        else skip(t & 7);
      }
      if (P !== mEnd) throw new BadData('an interned entry runs past its end');
      if (f === 1) st.cats.set(iid, this.str(name));
      else if (f === 2) st.names.set(iid, this.str(name));
      else if (f === 3) st.annNames.set(iid, name);
      else st.annStrs.set(iid, name);
    }
  }

  decodeTrack(start, end) {
    P = start;
    let uuid = null;
    let parent = null;
    let name = null;
    let pid = null;
    let tid = null;
    let pname = null;
    let tname = null;
    let isProcess = false;
    let isThread = false;
    let isCounter = false;
    while (P < end) {
      const tag = rv();
      const f = tag >>> 3;
      const wt = tag & 7;
      if (f === 1 && wt === 0) uuid = ruuid();
      else if (f === 5 && wt === 0) parent = ruuid();
      else if ((f === 2 || f === 10 || f === 13) && wt === 2) name = rstr();
      else if ((f === 3 || f === 4) && wt === 2) {
        const mEnd = rv() + P;
        if (f === 3) isProcess = true;
        else isThread = true;
        while (P < mEnd) {
          const t = rv();
          const g = t >>> 3;
          if (g === 1 && (t & 7) === 0) pid = rvs();
          else if (f === 4 && g === 2 && (t & 7) === 0) tid = rvs();
          else if (f === 3 && g === 6 && (t & 7) === 2) pname = rstr();
          else if (f === 4 && g === 5 && (t & 7) === 2) tname = rstr();
          else skip(t & 7);
        }
      } else if (f === 8 && wt === 2) {
        isCounter = true;
        { const n = rv(); P += n; } // not `P += rv()`: P would be read before rv() moves it
      } else skip(wt);
    }
    if (P !== end) throw new BadData('a track descriptor runs past its end');
    if (uuid === null) return;
    const t = this.tracks[this.track(uuid)];
    t.described = true;
    if (parent !== null) t.parent = parent;
    if (pid !== null) t.pid = pid;
    if (tid !== null) t.tid = tid;
    if (isProcess) t.isProcess = true;
    if (isThread) t.isThread = true;
    if (isCounter) t.isCounter = true;
    const nm = name || tname || pname;
    if (nm) t.name = nm;
  }

  decodeEvent(start, end, ts, si, st, ref) {
    P = start;
    let type = 0;
    let track = null;
    let nameIid = 0;
    let name = null;
    let catIid = 0;
    let cat = null;
    let val = 0;
    while (P < end) {
      const tag = rv();
      switch (tag) {
        case 72: // type
          type = rv();
          break;
        case 88: // track_uuid
          track = ruuid();
          break;
        case 80: // name_iid
          nameIid = rv();
          break;
        case 186: // name (23)
          name = rstr();
          break;
        case 24: // category_iids (3)
          if (!catIid) catIid = rv();
          else rv();
          break;
        case 26: {
          // category_iids, packed
          const e = rv() + P;
          if (P < e && !catIid) catIid = rv();
          P = e;
          break;
        }
        case 178: // categories (22)
          if (cat === null) cat = rstr();
          else skip(2);
          break;
        case 240: // counter_value (30)
          val = rvs();
          break;
        case 353: // double_counter_value (44), fixed64
          val = DV.getFloat64(P, true);
          P += 8;
          break;
        default:
          skip(tag & 7);
      }
    }
    if (P !== end) throw new BadData('a track event runs past its end');
    if (ts < 0) throw new BadData('a track event without a timestamp');
    if (type < 1 || type > 4) {
      this.note('warning', 'type', `Track events of an unknown type (${type}) were skipped.`);
      return;
    }
    if (track === null) track = st.defTrack ?? `seq:${st.seq}`;
    let nameId = 0;
    if (name !== null) nameId = this.str(name);
    else if (nameIid) {
      nameId = st.names.get(nameIid);
      if (nameId === undefined) {
        this.missingInterned++;
        nameId = this.str(`? (name ${nameIid})`);
      }
    }
    let catId = 0;
    if (cat !== null) catId = this.str(cat);
    else if (catIid) catId = st.cats.get(catIid) || 0;
    this.ev.push(ts, type, this.track(track), nameId, catId, si, ref, val);
  }

  // TracePacketDefaults: the sequence's default track (incremental state,
  // so it lives in the InternState).
  decodeDefaults(start, end, st) {
    P = start;
    while (P < end) {
      const tag = rv();
      if (tag !== 90) { // track_event_defaults (11)
        skip(tag & 7);
        continue;
      }
      const e = rv() + P;
      while (P < e) {
        const t = rv();
        if (t === 88) st.defTrack = ruuid(); // track_uuid (11)
        else skip(t & 7);
      }
    }
    if (P !== end) throw new BadData('packet defaults run past their end');
  }

  // A per-CPU track of ftrace-derived slices ("CPU N", "irq (cpu N)").
  cpuTrack(cpu, irq) {
    const i = this.track(irq ? `ftrace-irq:${cpu}` : `ftrace-cpu:${cpu}`);
    const t = this.tracks[i];
    if (!t.described) {
      t.described = true;
      t.name = irq ? `irq (cpu ${cpu})` : `CPU ${cpu}`;
      t.isCpu = !irq;
    }
    return i;
  }

  // A sched_switch on @cpu to task @pid (0: idle) named @name.
  sched(cpu, ts, pid, name, ref) {
    const tr = this.cpuTrack(cpu, false);
    if (this.cpuRunning.get(cpu)) this.ev.push(ts, EV_END, tr, 0, 0, 0, ref, 0);
    const run = pid !== 0;
    this.cpuRunning.set(cpu, run);
    if (run) this.ev.push(ts, EV_BEGIN, tr, this.str(name || `pid ${pid}`), this.str('sched'), 0, ref, pid);
  }

  // FtraceEventBundle: cpu (1), event (2: FtraceEvent timestamp 1, pid 2,
  // sched_switch 4, irq_handler_entry 36, irq_handler_exit 37),
  // compact_sched (4: its switches). Other events are counted and skipped.
  decodeFtrace(start, end, ref) {
    P = start;
    let cpu = 0;
    const evs = [];
    let cs = -1;
    let csEnd = 0;
    while (P < end) {
      const tag = rv();
      if (tag === 8) cpu = rv();
      else if (tag === 18 || tag === 34) {
        const len = rv();
        if (tag === 18) evs.push(P, P + len);
        else (cs = P), (csEnd = P + len);
        P += len;
      } else skip(tag & 7);
    }
    if (P !== end) throw new BadData('an ftrace bundle runs past its end');
    for (let k = 0; k < evs.length; k += 2) {
      P = evs[k];
      const e = evs[k + 1];
      let ts = -1;
      let what = 0;
      let ws = 0;
      let we = 0;
      while (P < e) {
        const tag = rv();
        if (tag === 8) ts = rv();
        else if (tag === 34 || tag === 290 || tag === 298) { // sched_switch (4), irq entry (36), exit (37)
          what = tag >>> 3;
          const len = rv();
          ws = P;
          we = P + len;
          P = we;
        } else skip(tag & 7);
      }
      if (P !== e) throw new BadData('an ftrace event runs past its end');
      if (!what || ts < 0) {
        this.ftraceOther++;
        continue;
      }
      P = ws;
      let num = 0;
      let name = '';
      while (P < we) {
        const tag = rv();
        if (what === 4 && tag === 42) name = rstr(); // next_comm (5)
        else if (what === 4 && tag === 48) num = rvs(); // next_pid (6)
        else if (what === 36 && tag === 8) num = rvs(); // irq (1)
        else if (what === 36 && tag === 18) name = rstr(); // name (2)
        else skip(tag & 7);
      }
      if (what === 4) this.sched(cpu, ts, num, name, ref);
      else {
        const tr = this.cpuTrack(cpu, true);
        if (what === 36) this.ev.push(ts, EV_BEGIN, tr, this.str(name || `irq ${num}`), this.str('irq'), 0, ref, num);
        else this.ev.push(ts, EV_END, tr, 0, 0, 0, ref, 0);
      }
    }
    if (cs >= 0) this.decodeCompactSched(cs, csEnd, cpu, ref);
  }

  // CompactSched: the bundle's switches as parallel arrays (packed or not),
  // timestamps delta-encoded, names through the bundle's intern table.
  decodeCompactSched(start, end, cpu, ref) {
    P = start;
    const table = [];
    const ts = [];
    const pid = [];
    const comm = [];
    const rep = (tag, out, signed) => {
      if ((tag & 7) === 2) {
        const e = rv() + P;
        while (P < e) out.push(signed ? rvs() : rv());
      } else out.push(signed ? rvs() : rv());
    };
    while (P < end) {
      const tag = rv();
      const f = tag >>> 3;
      if (f === 5 && (tag & 7) === 2) table.push(rstr());
      else if (f === 1) rep(tag, ts, false);
      else if (f === 3) rep(tag, pid, true);
      else if (f === 6) rep(tag, comm, false);
      else {
        if (f >= 7 && f <= 12) this.ftraceOther++; // sched_waking: not shown
        skip(tag & 7);
      }
    }
    if (P !== end) throw new BadData('a compact sched bundle runs past its end');
    let t = 0;
    for (let k = 0; k < ts.length; k++) {
      t += ts[k];
      this.sched(cpu, t, pid[k] ?? 0, table[comm[k]] ?? '', ref);
    }
  }

  // The debug annotations of event @i, decoded from its packet on demand.
  args(i) {
    if (i < 0 || i >= this.ev.n) return [];
    const tk = this.tracks[this.ev.track.a[i]];
    if (typeof tk.uuid === 'string' && tk.uuid.startsWith('ftrace-')) {
      // ftrace slices keep their one number in the value column
      return this.ev.kind.a[i] === EV_BEGIN ? [{ name: tk.isCpu ? 'pid' : 'irq', value: this.ev.val.a[i] }] : [];
    }
    const ref = this.ev.pkt.a[i];
    const buf = this.bufs[Math.floor(ref / TWO32)];
    const st = this.states[this.ev.state.a[i]];
    setBuf(buf);
    P = ref % TWO32; // the packet's 0x0a tag
    const out = [];
    try {
      P++;
      const len = rv();
      const end = P + len;
      while (P < end) {
        const tag = rv();
        if (tag !== 90) {
          skip(tag & 7);
          continue;
        }
        const teEnd = rv() + P;
        while (P < teEnd) {
          const t = rv();
          if (t === 34) {
            const aEnd = rv() + P;
            out.push(this.annotation(aEnd, st));
          } else skip(t & 7);
        }
      }
    } catch (e) {
      out.push({ name: '(error)', value: `could not decode the arguments: ${e.message}` });
    }
    return out;
  }

  annotation(end, st) {
    let name = '';
    let value = null;
    const dict = [];
    const arr = [];
    while (P < end) {
      const tag = rv();
      const f = tag >>> 3;
      const wt = tag & 7;
      if (f === 1 && wt === 0) {
        const iid = rv();
        name = st.annNames.get(iid) ?? `? (arg ${iid})`;
      } else if (f === 10 && wt === 2) name = rstr();
      else if (f === 2 && wt === 0) value = rv() !== 0;
      else if (f === 3 && wt === 0) value = ru64Display();
      else if (f === 4 && wt === 0) value = rvs();
      else if (f === 5 && wt === 1) {
        value = DV.getFloat64(P, true);
        P += 8;
      } else if ((f === 6 || f === 9) && wt === 2) value = rstr();
      else if (f === 17 && wt === 0) {
        const iid = rv();
        value = st.annStrs.get(iid) ?? `? (string ${iid})`;
      } else if (f === 7 && wt === 0) {
        rv64();
        value = '0x' + ((BigInt(HI) << 32n) | BigInt(LO)).toString(16);
      } else if ((f === 11 || f === 12) && wt === 2) {
        const e = rv() + P;
        (f === 11 ? dict : arr).push(this.annotation(e, st));
      } else skip(wt);
    }
    if (dict.length) value = Object.fromEntries(dict.map((a) => [a.name, a.value]));
    else if (arr.length) value = arr.map((a) => a.value);
    return { name, value };
  }
}
