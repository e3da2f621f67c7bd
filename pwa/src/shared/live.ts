// Live updates over graphql-transport-ws on /graphql: one shared socket for every subscription of the page,
// authenticated in connection_init with the access token, reconnecting with capped exponential backoff (with
// jitter) when the socket drops or the browser comes back online, and re-subscribing what is still active.
//
// Events that happen while the socket is down are not replayed by the server, so a subscriber is told when its
// subscription (re)starts (`onStart`): a screen refetches its data then and misses nothing.
import { renew } from './auth';
import { createStore, useStore } from './store';

export interface LiveHandlers<T> {
  next: (data: T) => void;
  error?: (errors: unknown) => void;
  /** Called each time the subscription is active on the server, the first time and after every reconnect. */
  onStart?: () => void;
}

/** 'open' | 'connecting' | 'closed', for a small indicator. */
export type LiveStatus = 'open' | 'connecting' | 'closed';

export const liveStatus = createStore<LiveStatus>('closed');

export function useLiveStatus(): LiveStatus {
  return useStore(liveStatus);
}

interface Operation {
  query: string;
  variables: Record<string, unknown>;
  handlers: LiveHandlers<unknown>;
}

type Message = { type: string; id?: string; payload?: unknown };

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 30_000;
const PING_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;

const operations = new Map<string, Operation>();
let socket: WebSocket | null = null;
let acknowledged = false;
let attempt = 0;
let nextId = 1;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let pingTimer: ReturnType<typeof setInterval> | undefined;
let pongTimer: ReturnType<typeof setTimeout> | undefined;
let expiryTimer: ReturnType<typeof setTimeout> | undefined;
let connecting = false;
let listening = false;

function socketUrl(): string {
  const url = new URL('/graphql', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

function send(message: Message): void {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function sendSubscribe(id: string, op: Operation): void {
  send({ type: 'subscribe', id, payload: { query: op.query, variables: op.variables } });
}

/** Seconds until a JWT expires, or null when the token is not a readable JWT. */
function secondsLeft(token: string): number | null {
  try {
    const part = token.split('.')[1];
    const json = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')));
    return typeof json.exp === 'number' ? json.exp - Date.now() / 1000 : null;
  } catch {
    return null;
  }
}

function clearTimers(): void {
  clearInterval(pingTimer);
  clearTimeout(pongTimer);
  clearTimeout(expiryTimer);
}

/** Waits a growing, jittered, capped delay and connects again (if anything still listens). */
function scheduleReconnect(): void {
  clearTimeout(retryTimer);
  if (!operations.size) {
    liveStatus.set('closed');
    return;
  }
  liveStatus.set('connecting');
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  const delay = ceiling / 2 + Math.random() * (ceiling / 2);
  attempt += 1;
  retryTimer = setTimeout(() => void connect(), delay);
}

function drop(reconnect: boolean): void {
  clearTimers();
  const old = socket;
  socket = null;
  acknowledged = false;
  if (old) {
    old.onopen = old.onmessage = old.onclose = old.onerror = null;
    try {
      old.close(1000, 'reconnect');
    } catch {
      /* already closed */
    }
  }
  if (reconnect) scheduleReconnect();
  else liveStatus.set('closed');
}

function onMessage(raw: string): void {
  let message: Message;
  try {
    message = JSON.parse(raw);
  } catch {
    return;
  }
  const op = message.id ? operations.get(message.id) : undefined;
  switch (message.type) {
    case 'connection_ack':
      acknowledged = true;
      attempt = 0;
      liveStatus.set('open');
      for (const [id, o] of operations) {
        sendSubscribe(id, o);
        o.handlers.onStart?.();
      }
      break;
    case 'ping':
      send({ type: 'pong' });
      break;
    case 'pong':
      clearTimeout(pongTimer);
      break;
    case 'next': {
      if (!op) break;
      const payload = (message.payload ?? {}) as { data?: unknown; errors?: unknown[] };
      if (payload.errors?.length) {
        if (isUnauthenticated(payload.errors)) {
          drop(true); // the access token ran out: a fresh connection re-subscribes with a new one
          break;
        }
        op.handlers.error?.(payload.errors);
      }
      if (payload.data != null) op.handlers.next(payload.data);
      break;
    }
    case 'error':
      if (!op) break;
      if (isUnauthenticated(message.payload)) {
        drop(true);
        break;
      }
      operations.delete(message.id!);
      op.handlers.error?.(message.payload);
      break;
    case 'complete':
      if (message.id) operations.delete(message.id);
      break;
  }
}

function isUnauthenticated(errors: unknown): boolean {
  return (
    Array.isArray(errors) &&
    errors.some((e) => (e as { extensions?: { code?: string } })?.extensions?.code === 'UNAUTHENTICATED')
  );
}

async function connect(): Promise<void> {
  if (socket || connecting || !operations.size) return;
  if (!navigator.onLine) {
    liveStatus.set('closed'); // the "online" event connects again
    return;
  }
  connecting = true;
  liveStatus.set('connecting');
  let token: string | null;
  try {
    token = await renew();
  } catch {
    connecting = false;
    scheduleReconnect(); // the server cannot be reached yet
    return;
  }
  connecting = false;
  if (!token) {
    liveStatus.set('closed'); // signed out
    return;
  }
  if (socket || !operations.size) return;
  const ws = new WebSocket(socketUrl(), 'graphql-transport-ws');
  socket = ws;
  ws.onopen = () => {
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    pingTimer = setInterval(() => {
      send({ type: 'ping' });
      clearTimeout(pongTimer);
      pongTimer = setTimeout(() => drop(true), PONG_WITHIN_MS); // a silent, half-open socket
    }, PING_EVERY_MS);
    const left = secondsLeft(token!);
    if (left !== null) {
      // reconnect with a fresh token shortly before this one expires: the server re-checks it on every event
      expiryTimer = setTimeout(() => {
        attempt = 0;
        drop(true);
      }, Math.max(5, left - 60) * 1000);
    }
  };
  ws.onmessage = (event) => onMessage(String(event.data));
  ws.onclose = () => {
    if (socket === ws) drop(true);
  };
  ws.onerror = () => {
    /* onclose follows */
  };
}

function listen(): void {
  if (listening) return;
  listening = true;
  window.addEventListener('online', () => {
    attempt = 0;
    clearTimeout(retryTimer);
    if (!socket) void connect();
  });
  window.addEventListener('offline', () => {
    if (socket) drop(false);
  });
}

/** Starts a subscription; returns a function that stops it. */
export function subscribe<T>(
  query: string,
  variables: Record<string, unknown>,
  handlers: LiveHandlers<T>,
): () => void {
  listen();
  const id = String(nextId++);
  const op: Operation = { query, variables, handlers: handlers as LiveHandlers<unknown> };
  operations.set(id, op);
  if (socket && acknowledged) {
    sendSubscribe(id, op);
    handlers.onStart?.();
  } else if (!socket) {
    clearTimeout(retryTimer);
    void connect();
  }
  return () => {
    if (!operations.delete(id)) return;
    if (acknowledged) send({ type: 'complete', id });
    if (!operations.size) {
      clearTimeout(retryTimer);
      drop(false);
    }
  };
}
