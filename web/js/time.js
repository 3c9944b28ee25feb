// Instants on the wire are RFC 3339 UTC with whole seconds
// ("2026-12-07T15:00:00Z", docs/protocol.md §Encodings); people see them in
// each delegation's own time zone. Zone arithmetic uses the browser's IANA
// database through Intl, the same names the server's date/tz library uses.

export function formatUtcInstant(date) {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function isInstant(text) {
  return typeof text === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(text) && !Number.isNaN(Date.parse(text));
}

// "Mon 7 Dec 2026, 18:00 GMT+3" in the given zone (or UTC).
// The instant itself if the browser does not know the zone.
export function inZone(instant, timeZone = 'UTC') {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  try {
    return new Intl.DateTimeFormat('en-GB', {
      timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
    }).format(d);
  } catch {
    return typeof instant === 'string' ? instant : d.toISOString();
  }
}

// Offset of `timeZone` from UTC at the instant `ms`, in milliseconds.
function zoneOffset(ms, timeZone) {
  const parts = {};
  for (const p of new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(ms))) parts[p.type] = p.value;
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

// The instant at which the wall clock in `timeZone` shows `local`
// ("2026-12-07T18:00" from a datetime-local input), with one rule for every
// zone (the one ECMAScript's Temporal calls "compatible"): a wall time that
// occurs twice (clocks turned back) is its first occurrence; one that does
// not occur (clocks jumped forward) is read with the offset in force before
// the jump, which lands after the gap. `wallTimeNote` says which case
// applies, so the preview can tell the person.
export function localToInstant(local, timeZone) {
  const r = resolveWallTime(local, timeZone);
  return r ? formatUtcInstant(new Date(r.ms)) : null;
}

export function wallTimeNote(local, timeZone) {
  const r = resolveWallTime(local, timeZone);
  return r ? r.note : null;
}

function resolveWallTime(local, timeZone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local || '');
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  let before;
  let after;
  try {
    // Offsets a day either side: no zone changes its offset twice in two days.
    before = zoneOffset(wall - 86400e3, timeZone);
    after = zoneOffset(wall + 86400e3, timeZone);
  } catch {
    return null;  // a zone this browser does not know
  }
  const fits = [wall - before, wall - after].filter((ms) => zoneOffset(ms, timeZone) === wall - ms);
  if (fits.length === 0) return { ms: wall - before, note: 'skipped' };
  const first = Math.min(...fits);
  return { ms: first, note: new Set(fits).size > 1 ? 'repeated' : null };
}

// The datetime-local value ("YYYY-MM-DDTHH:MM") showing `instant` in `timeZone`.
export function instantToLocal(instant, timeZone) {
  const ms = Date.parse(instant);
  const shifted = new Date(ms + zoneOffset(ms, timeZone));
  return shifted.toISOString().slice(0, 16);
}

// "1 hour 30 minutes".
export function durationText(minutes) {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const parts = [];
  if (h) parts.push(h === 1 ? '1 hour' : `${h} hours`);
  if (m) parts.push(m === 1 ? '1 minute' : `${m} minutes`);
  return parts.join(' ') || '0 minutes';
}

const languageNames = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames(['en'], { type: 'language' }) : null;
// "Russian (ru)"; the tag alone where the browser has no name for it.
export function languageName(tag) {
  try {
    const n = languageNames ? languageNames.of(tag) : tag;
    return n && n !== tag ? `${n} (${tag})` : tag;
  } catch {
    return tag;
  }
}
