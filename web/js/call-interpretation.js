// Simultaneous interpretation in the call (docs/web.md §Interpretation,
// docs/protocol.md §Interpretation): what each person hears and the two
// panels that choose it.
//
// - AudioMix: every remote sound of the call goes through one WebAudio
//   graph, so that the floor can be turned down under a channel without
//   touching the channel, and so that a test can listen to exactly what the
//   person hears (window.parleyCall.audio.output).
// - Interpretation: the listener's "Listen to" panel (floor or a language
//   channel, how loud the original stays underneath) and, for interpreters
//   named in the signed terms, the booth panel (direction, on air, take
//   over, the floor speaker, which channel to monitor).
//
// The server is the source of truth for who is live into which channel
// (call.interpretation); the panels show its latest state message and send
// requests (call.interpret, call.listen), never assume they succeeded.

import { h } from './dom.js';

// Names for the language tags of the terms (BCP 47 primary subtags). Only a
// few: any other tag is shown as it is.
const LANGUAGE_NAMES = {
  ar: 'Arabic', de: 'German', en: 'English', es: 'Spanish', fr: 'French', it: 'Italian', ja: 'Japanese',
  ko: 'Korean', pt: 'Portuguese', ru: 'Russian', uk: 'Ukrainian', zh: 'Chinese', tr: 'Turkish', pl: 'Polish',
};
export function languageName(tag) {
  const name = LANGUAGE_NAMES[String(tag).toLowerCase().split('-')[0]];
  return name ? `${name} (${tag})` : String(tag);
}
// "English" rather than "English (en)" where the tag would be noise (buttons).
function shortName(tag) {
  return LANGUAGE_NAMES[String(tag).toLowerCase().split('-')[0]] || String(tag);
}

// How loud the original stays under a live channel, in percent, until the
// listener sets it: −12 dB, low enough for the interpreter to be followed
// without effort, loud enough to hear who speaks and how.
export const DEFAULT_ORIGINAL_LEVEL = 25;
const ORIGINAL_LEVEL_KEY = 'parley.interpretation.original';
const listenKey = (meeting) => `parley.interpretation.listen.${meeting}`;
// Gain changes glide over a few milliseconds (time constant) rather than
// jump: a jump clicks.
const GLIDE = 0.012;

function stored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;  // storage blocked: defaults only
  }
}
function store(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch { /* not kept: harmless */ }
}

// The call's sound: floor tracks → floor gain, each channel section → its
// own gain, all → master (the output) → the speakers.
export class AudioMix {
  constructor() {
    this.context = null;
    this.output = null;   // the master GainNode: the final mix
    this.floor = null;    // GainNode of the floor (every participant's own voice)
    this.buses = new Map();    // channel key ('channel' or a language) → GainNode
    this.sources = new Map();  // track id → MediaStreamAudioSourceNode
    this.available = typeof AudioContext === 'function';
  }

  // Called from the Join click: an AudioContext made or resumed inside a
  // user gesture is allowed to play (autoplay policy). Later rejoins (no
  // gesture) reuse it.
  start() {
    if (!this.available) return;
    if (!this.context) {
      this.context = new AudioContext({ latencyHint: 'interactive' });
      this.output = this.context.createGain();
      this.output.connect(this.context.destination);
      this.floor = this.context.createGain();
      this.floor.connect(this.output);
    }
    if (this.context.state === 'suspended') this.context.resume().catch(() => {});
  }

  bus(key) {
    let gain = this.buses.get(key);
    if (!gain) {
      gain = this.context.createGain();
      gain.gain.value = 0;  // silent until the controller says otherwise
      gain.connect(this.output);
      this.buses.set(key, gain);
    }
    return gain;
  }

  // A remote audio track into the floor (key null) or a channel bus.
  // Chromium feeds WebAudio from a remote WebRTC track only while the track
  // also plays in a media element: the caller keeps one (muted) attached.
  add(track, key) {
    if (!this.context || this.sources.has(track.id)) return;
    const source = this.context.createMediaStreamSource(new MediaStream([track]));
    source.connect(key === null ? this.floor : this.bus(key));
    this.sources.set(track.id, source);
    track.addEventListener('ended', () => this.remove(track.id));
  }

  remove(trackId) {
    const source = this.sources.get(trackId);
    if (!source) return;
    source.disconnect();
    this.sources.delete(trackId);
  }

  // A new RTCPeerConnection: the old one's tracks are gone.
  clear() {
    for (const id of [...this.sources.keys()]) this.remove(id);
  }

  set(node, value) {
    if (!node || !this.context) return;
    node.gain.setTargetAtTime(value, this.context.currentTime, GLIDE);
  }
}

// The interpretation of one meeting, as the call page shows it.
export class Interpretation {
  // terms: the signed `languages` value ({languages, interpretation}); me:
  // this member's id; send(msg): sends a message (type and fields; the page
  // adds the meeting); nameOf(member): a display name; mix: the AudioMix.
  constructor({ meeting, terms, me, send, nameOf, mix }) {
    this.meeting = meeting;
    this.me = me;
    this.send = send;
    this.nameOf = nameOf;
    this.mix = mix;
    const order = terms.languages || [];
    const pairs = terms.interpretation || [];
    // Channel languages in the order of the terms' languages (as the server
    // numbers them), then any pair language the list lacks.
    const used = new Set(pairs.flatMap((i) => i.pair));
    this.channels = [...order.filter((l) => used.has(l)), ...[...used].filter((l) => !order.includes(l))];
    // Booths this member is named for, one per unordered pair.
    this.booths = [];
    for (const entry of pairs) {
      if (entry.interpreter !== me) continue;
      if (this.booths.some((b) => samePair(b.pair, entry.pair))) continue;
      this.booths.push({ pair: [...entry.pair], into: entry.pair[1], partners: [] });
    }
    for (const booth of this.booths)
      booth.partners = [...new Set(pairs.filter((i) => i.interpreter !== me && samePair(i.pair, booth.pair)).map((i) => i.interpreter))];
    this.interpreter = this.booths.length > 0;
    this.named = new Set(pairs.map((i) => i.interpreter));
    this.state = null;  // the latest call.interpretation
    this.listening = this.interpreter ? null : (this.channels.includes(stored(listenKey(meeting))) ? stored(listenKey(meeting)) : null);
    const level = Number(stored(ORIGINAL_LEVEL_KEY));
    this.originalLevel = stored(ORIGINAL_LEVEL_KEY) !== null && level >= 0 && level <= 100 ? level : DEFAULT_ORIGINAL_LEVEL;
    this.originalMuted = false;
    this.monitor = null;  // the channel an interpreter listens to, or none
    this.speaker = null;  // the floor's active speaker
    this.pending = false; // a request is out and no state has answered it yet
    this.root = null;
  }

  // Whether the meeting's terms name any interpreter at all.
  static wanted(terms) {
    return !!(terms && Array.isArray(terms.interpretation) && terms.interpretation.length);
  }

  channelState(lang) {
    return this.state?.channels?.find((c) => c.language === lang) || null;
  }

  boothState(pair) {
    return this.state?.booths?.find((b) => samePair(b.pair, pair)) || null;
  }

  // --- Messages

  // After each call.joined (also a rejoin): the server keeps no choice of a
  // replaced place, so it is told again.
  joined() {
    if (!this.interpreter && this.listening !== null) this.request({ type: 'call.listen', language: this.listening });
    this.apply();
  }

  update(msg) {
    this.state = msg;
    this.pending = false;
    this.draw();
    this.apply();
  }

  setSpeaker(member) {
    this.speaker = member;
    for (const el of this.root?.querySelectorAll('.floor-speaker') || []) el.textContent = this.speakerText();
  }

  // A call.error of this feature: say it where it happened, and go back to
  // what the server last said.
  refused(code) {
    this.pending = false;
    if (code === 'no_such_channel' && !this.interpreter) {
      this.listening = null;
      store(listenKey(this.meeting), null);
    }
    this.draw();
    this.apply();
  }

  request(msg) {
    this.pending = true;
    this.send(msg);
  }

  // --- Sound

  // Gains from the choice and the server's state. A listener on a channel
  // hears the original turned down only while someone is live into that
  // channel: with nobody interpreting into it (often because the floor
  // speaks that very language) the original stays at full volume.
  apply() {
    const mix = this.mix;
    if (!mix.context) return;
    if (this.interpreter) {
      mix.set(mix.floor, 1);  // interpreters always hear the floor in full
      for (const lang of this.channels) mix.set(mix.bus(lang), this.monitor === lang ? 1 : 0);
      return;
    }
    const live = this.listening !== null && !!this.channelState(this.listening)?.live;
    mix.set(mix.floor, live ? (this.originalMuted ? 0 : this.originalLevel / 100) : 1);
    mix.set(mix.bus('channel'), this.listening !== null ? 1 : 0);
    if (this.root) {
      const now = this.root.querySelector('#listen-now');
      if (now) now.textContent = this.hearingText(live);
    }
  }

  hearingText(live) {
    if (this.listening === null) return 'You hear the floor (original).';
    const lang = languageName(this.listening);
    if (!live) return `You chose ${lang}: no interpreter is live into it, so you hear the floor at full volume.`;
    return `You hear ${lang} interpretation; the original ${this.originalMuted ? 'is muted' : `at ${this.originalLevel}%`}.`;
  }

  speakerText() {
    return `Floor: ${this.speaker ? this.nameOf(this.speaker) : 'nobody speaking yet'}`;
  }

  // --- What the tiles say of each participant

  describe(member) {
    const parts = [];
    const booth = this.state?.booths?.find((b) => b.live === member);
    if (booth && booth.into) parts.push(`interpreting into ${shortName(booth.into)}, on air`);
    else if (this.named.has(member)) parts.push('interpreter, off air');
    const choice = this.state?.listening?.[member];
    if (choice) parts.push(`hears ${shortName(choice)}`);
    else if (this.state && member in (this.state.listening || {}) && !this.named.has(member)) parts.push('hears the floor');
    return parts.join(' · ');
  }

  // --- The panels

  mount(root) {
    this.root = root;
    root.hidden = false;
    this.draw();
  }

  // The listener's panel is built once and then updated in place, so that a
  // state message arriving while someone drags the slider or moves through
  // the radio buttons does not take the control from under them; the booth
  // panel is small and redrawn (keeping the focus).
  draw() {
    if (!this.root) return;
    if (!this.interpreter && this.root.querySelector('.interp-listen')) return this.refreshListen();
    const focused = document.activeElement && this.root.contains(document.activeElement) ? document.activeElement.id : null;
    this.root.replaceChildren(h('h2', { id: 'interp-h', text: 'Interpretation' }),
      this.interpreter ? this.boothPanel() : this.listenPanel());
    // A redraw must not take the keyboard focus away from the control in use.
    if (focused) document.getElementById(focused)?.focus();
  }

  listenPanel() {
    const live = this.listening !== null && !!this.channelState(this.listening)?.live;
    const choice = (lang) => {
      const id = lang === null ? 'listen-floor' : `listen-${lang}`;
      const input = h('input', { type: 'radio', name: 'listen', id, value: lang || '', checked: this.listening === lang,
        'aria-describedby': `${id}-state` });
      input.addEventListener('change', () => this.choose(lang));
      const st = lang === null ? null : this.channelState(lang);
      const stateText = lang === null ? 'the speakers themselves, no interpretation'
        : st?.live ? `${this.nameOf(st.live)} live` : 'no interpreter live';
      return h('div', { class: 'listen-choice', 'data-language': lang || '', 'data-live': String(!!st?.live) },
        input, ' ', h('label', { class: 'inline', for: id, text: lang === null ? 'Floor (original)' : languageName(lang) }),
        ' ', h('span', { class: 'muted', id: `${id}-state`, text: `— ${stateText}` }));
    };
    const slider = h('input', { type: 'range', id: 'original-level', min: '0', max: '100', step: '5', value: String(this.originalLevel),
      'aria-valuetext': `${this.originalLevel}%`, disabled: this.originalMuted });
    const shown = h('output', { id: 'original-level-value', for: 'original-level', text: `${this.originalLevel}%` });
    slider.addEventListener('input', () => {
      this.originalLevel = Number(slider.value);
      shown.textContent = `${this.originalLevel}%`;
      slider.setAttribute('aria-valuetext', `${this.originalLevel}%`);
      store(ORIGINAL_LEVEL_KEY, String(this.originalLevel));
      this.apply();
    });
    const mute = h('input', { type: 'checkbox', id: 'original-mute', checked: this.originalMuted });
    mute.addEventListener('change', () => {
      this.originalMuted = mute.checked;
      slider.disabled = mute.checked;
      this.apply();
    });
    return h('div', { class: 'interp-listen' },
      h('fieldset', {}, h('legend', { text: 'Listen to' }), choice(null), ...this.channels.map(choice)),
      h('div', { class: 'original-level' },
        h('label', { for: 'original-level', text: 'Original under interpretation' }), slider, ' ', shown),
      h('div', {}, mute, ' ', h('label', { class: 'inline', for: 'original-mute', text: 'Mute original' })),
      h('p', { id: 'listen-now', 'aria-live': 'polite', 'data-live': String(live), text: this.hearingText(live) }));
  }

  refreshListen() {
    for (const row of this.root.querySelectorAll('.listen-choice')) {
      const lang = row.dataset.language || null;
      const input = row.querySelector('input');
      input.checked = this.listening === lang;
      if (lang === null) continue;
      const st = this.channelState(lang);
      row.dataset.live = String(!!st?.live);
      row.querySelector(`#${CSS.escape(`listen-${lang}-state`)}`).textContent = `— ${st?.live ? `${this.nameOf(st.live)} live` : 'no interpreter live'}`;
    }
    const now = this.root.querySelector('#listen-now');
    const live = this.listening !== null && !!this.channelState(this.listening)?.live;
    now.dataset.live = String(live);
    now.textContent = this.hearingText(live);
  }

  // A listener's choice takes effect at once on this page (the channel's
  // gain) and on the server at its next packet (call.listen).
  choose(lang) {
    this.listening = lang;
    store(listenKey(this.meeting), lang);
    this.request({ type: 'call.listen', language: lang });
    this.apply();
    this.refreshListen();
  }

  boothPanel() {
    const parts = this.booths.map((booth, n) => this.boothSection(booth, n));
    const monitor = h('select', { id: 'monitor' },
      h('option', { value: '', text: 'None', selected: this.monitor === null }),
      ...this.channels.map((l) => h('option', { value: l, text: languageName(l), selected: this.monitor === l })));
    monitor.addEventListener('change', () => {
      this.monitor = monitor.value || null;
      this.apply();
    });
    return h('div', { class: 'interp-booths' }, ...parts,
      h('div', { class: 'field' }, h('label', { for: 'monitor', text: 'Monitor a channel (you always hear the floor)' }), monitor));
  }

  boothSection(booth, n) {
    const st = this.boothState(booth.pair);
    const live = st?.live || null;
    const mine = live === this.me;
    const partnerLive = live && !mine ? live : null;
    // While someone in the booth is live, the direction is theirs: a take
    // over keeps it, so that listeners hear no change of channel.
    const into = live && st.into ? st.into : booth.into;
    if (live && st.into) booth.into = st.into;
    const label = `${shortName(booth.pair[0])} ↔ ${shortName(booth.pair[1])}`;
    const indicator = h('div', {
      class: 'on-air', id: `on-air-${n}`, role: 'status', 'aria-live': 'polite',
      'data-on-air': String(mine), 'data-language': mine ? into : '',
    }, mine ? h('strong', { text: `ON AIR — into ${shortName(into)}` })
      : h('strong', { text: partnerLive ? `Off air — ${this.nameOf(partnerLive)} is on air into ${shortName(into)}` : 'Off air' }));
    const directions = booth.pair.map((lang) => {
      const b = h('button', { type: 'button', class: 'secondary direction', id: `into-${n}-${lang}`, 'aria-pressed': String(into === lang),
        text: `Into ${shortName(lang)}`, disabled: !!partnerLive,
        title: partnerLive ? `${this.nameOf(partnerLive)} is on air: the direction is theirs until you take over` : '' });
      b.addEventListener('click', () => {
        booth.into = lang;
        // One click while live: the change of direction goes out at once.
        if (mine) this.request({ type: 'call.interpret', pair: st.pair, into: lang, on_air: true });
        else this.draw();
      });
      return b;
    });
    const pairForServer = st?.pair || booth.pair;
    const toggle = h('button', { type: 'button', id: `on-air-toggle-${n}`, class: mine ? 'danger' : '', 'aria-pressed': String(mine),
      text: mine ? 'Go off air' : partnerLive ? `Take over from ${this.nameOf(partnerLive)}` : 'Go on air' });
    toggle.addEventListener('click', () => {
      this.request({ type: 'call.interpret', pair: pairForServer, into, on_air: !mine });
    });
    const partners = (st?.interpreters || []).filter((i) => i.member !== this.me);
    const partnerText = partners.length
      ? partners.map((p) => `${this.nameOf(p.member)}: ${p.present ? (p.member === live ? 'on air' : 'in the call') : 'not in the call'}`).join('; ')
      : booth.partners.length ? booth.partners.map((m) => this.nameOf(m)).join(', ') : 'none named';
    const me = (st?.interpreters || []).find((i) => i.member === this.me);
    return h('section', { class: 'booth', 'data-pair': booth.pair.join(' '), 'aria-labelledby': `booth-h-${n}` },
      h('h3', { id: `booth-h-${n}`, text: `Your booth: ${label}` }),
      indicator,
      h('p', { class: 'floor-speaker', text: this.speakerText() }),
      h('div', { role: 'group', 'aria-label': `Direction for ${label}` }, ...directions),
      h('div', {}, toggle),
      h('p', { class: 'muted', text: `Booth partner — ${partnerText}` }),
      me && !me.channel ? h('p', { class: 'notice error', text: 'Your microphone did not join as a channel: leave and join again.' }) : null);
  }
}

function samePair(a, b) {
  return (a[0] === b[0] && a[1] === b[1]) || (a[0] === b[1] && a[1] === b[0]);
}
