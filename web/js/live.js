// Push from /api/v1/live (docs/protocol.md §Push): one WebSocket per page,
// authenticated with the session token, subscribed to the meetings shown.
// Only durable acts are pushed and missed ones are not replayed, so after
// every (re)connection the page reloads the meetings it shows.

import { sessionToken, signIn } from './api.js';

export class Live {
  // onAct(message) for each pushed act; onCosignature(message) for each
  // cosignature of a checkpoint made durable; onState(text) for the
  // connection indicator; onResync() after a reconnection.
  constructor({ onAct, onCosignature, onState, onResync, onSubscribed }) {
    this.onAct = onAct;
    this.onCosignature = onCosignature || (() => {});
    this.onSubscribed = onSubscribed || (() => {});
    this.onState = onState || (() => {});
    this.onResync = onResync || (() => {});
    this.meetings = new Set();
    this.backoff = 500;
    this.closed = false;
    this.connected = false;
    this.connect(false);
  }

  connect(isRetry) {
    if (this.closed) return;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/api/v1/live`);
    this.ws = ws;
    this.onState('connecting');
    ws.onopen = async () => {
      let token = sessionToken();
      try {
        if (!token) token = await signIn();
      } catch {
        /* shown by the page's own requests */
      }
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'auth', token }));
    };
    ws.onmessage = async (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg.type === 'authenticated') {
        this.connected = true;
        this.backoff = 500;
        this.onState('live');
        for (const m of this.meetings) ws.send(JSON.stringify({ type: 'subscribe', meeting: m }));
        if (isRetry) this.onResync();
      } else if (msg.type === 'act') {
        this.onAct(msg);
      } else if (msg.type === 'cosignature') {
        this.onCosignature(msg);
      } else if (msg.type === 'subscribed') {
        this.onSubscribed(msg);
      } else if (msg.type === 'error' && msg.code === 'unauthenticated') {
        // The session expired: sign in again with the key and re-authenticate.
        try {
          const fresh = await signIn();
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'auth', token: fresh }));
        } catch {
          this.onState('offline');
        }
      }
    };
    ws.onclose = () => {
      this.connected = false;
      if (this.closed) return;
      this.onState('offline');
      this.retry = setTimeout(() => this.connect(true), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 15000);
    };
  }

  subscribe(meeting) {
    this.meetings.add(meeting);
    if (this.connected) this.ws.send(JSON.stringify({ type: 'subscribe', meeting }));
  }

  close() {
    this.closed = true;
    clearTimeout(this.retry);
    this.ws.close();
  }
}
