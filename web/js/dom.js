// A tiny element builder: every text goes in through textContent, never as
// HTML, so nothing a member or the server writes can become markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else if (k === 'disabled') el.disabled = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let nextId = 0;
// A labelled control: <label for=id>text</label><control id=id>.
export function field(labelText, control, hint) {
  if (!control.id) control.id = `f${++nextId}`;
  const parts = [h('label', { for: control.id, text: labelText }), control];
  if (hint) {
    const hintEl = h('div', { class: 'muted', id: `${control.id}-hint`, text: hint });
    control.setAttribute('aria-describedby', hintEl.id);
    parts.push(hintEl);
  }
  return h('div', { class: 'field' }, parts);
}

// Short forms for the read-only pages: an element with text and a class; a
// <time> carrying the exact instant; a <dt>/<dd> pair appended to a <dl>.
export function el(tag, text, className) {
  return h(tag, { text: text ?? undefined, class: className });
}

export function timeEl(instant, text) {
  return h('time', { datetime: instant, text: text ?? instant });
}

export function dlRow(dl, term, ...values) {
  dl.append(h('dt', { text: term }), h('dd', {}, values));
}
