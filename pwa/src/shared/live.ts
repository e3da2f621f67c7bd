// Live updates over graphql-transport-ws on /graphql, spoken by the maintained `graphql-ws` client: one shared
// socket for every subscription of the page (opened lazily, closed when the last one stops), authenticated in
// connection_init with a freshly renewed access token, reconnecting with capped exponential backoff (with jitter)
// whenever the socket drops, and re-subscribing what is still active.
//
// Our rules on top of the package's:
// - every close is retried (a refused token, 4403, is retried with a new one; the server's 4410 "Subscriber fell
//   behind" is retried at once), and the browser going offline closes the socket until it is online again;
// - events that happen while the socket is down are not replayed by the server, so a subscriber is told each time
//   its subscription (re)starts (`onStart`): a screen refetches its data then and misses nothing;
// - an UNAUTHENTICATED error (the access token ran out) reconnects with a new token and subscribes again;
// - a ping unanswered within 10 s (a silent, half-open socket) and a token about to expire reconnect too.
import { createClient, type Client } from 'graphql-ws';
import { documentId, unknownDocument } from './api';
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

/** Close codes: ours to restart a connection, and the server's when a subscriber's queue overflowed. */
export const CLOSE_RESTART = 4205;
export const CLOSE_FELL_BEHIND = 4410;

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 30_000;
const PING_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;

interface Operation {
  query: string;
  variables: Record<string, unknown>;
  handlers: LiveHandlers<unknown>;
  /** The socket this operation was last started on, so onStart runs once per connection. */
  startedOn: WebSocket | null;
  /** Sent as text: the server did not know its trusted-document id. */
  byText: boolean;
  dispose: () => void;
}

const operations = new Set<Operation>();
let client: Client | null = null;
let socket: WebSocket | null = null; // the socket once acknowledged
let opening: WebSocket | null = null; // the socket while it opens
let token: string | null = null;
let pongTimer: ReturnType<typeof setTimeout> | undefined;
let expiryTimer: ReturnType<typeof setTimeout> | undefined;
const wakeUps = new Set<() => void>(); // waits to cut short when the browser is online again
let listening = false;

function socketUrl(): string {
  const url = new URL('/graphql', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** Seconds until a JWT expires, or null when the token is not a readable JWT. */
function secondsLeft(jwt: string): number | null {
  try {
    const part = jwt.split('.')[1];
    const json = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')));
    return typeof json.exp === 'number' ? json.exp - Date.now() / 1000 : null;
  } catch {
    return null;
  }
}

function isUnauthenticated(errors: unknown): boolean {
  return (
    Array.isArray(errors) &&
    errors.some((e) => (e as { extensions?: { code?: string } })?.extensions?.code === 'UNAUTHENTICATED')
  );
}

function isCloseEvent(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;
}

/** Closes the current socket; the client reconnects (after a short wait) and re-subscribes everything. */
function restart(): void {
  const s = socket ?? opening;
  if (s && s.readyState <= WebSocket.OPEN) s.close(CLOSE_RESTART, 'Client Restart');
}

/** Open while a socket is acknowledged; else connecting while something listens and the browser is online. */
function showStatus(): void {
  liveStatus.set(socket ? 'open' : operations.size && navigator.onLine ? 'connecting' : 'closed');
}

function clearTimers(): void {
  clearTimeout(pongTimer);
  clearTimeout(expiryTimer);
}

/** A growing, jittered, capped wait; while the browser is offline it lasts until it is online again. */
function waitBeforeRetry(retries: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      wakeUps.delete(done);
      resolve();
    };
    wakeUps.add(done);
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (!navigator.onLine) {
      liveStatus.set('closed'); // the "online" event connects again
      return;
    }
    liveStatus.set('connecting');
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** retries);
    timer = setTimeout(done, ceiling / 2 + Math.random() * (ceiling / 2));
  });
}

function startOn(op: Operation, s: WebSocket): void {
  if (op.startedOn === s) return;
  op.startedOn = s;
  // after the package has sent this operation's subscribe message on the new socket
  setTimeout(() => operations.has(op) && op.handlers.onStart?.(), 0);
}

function getClient(): Client {
  if (client) return client;
  client = createClient({
    url: socketUrl,
    lazy: true,
    lazyCloseTimeout: 0,
    keepAlive: PING_EVERY_MS,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: waitBeforeRetry,
    connectionParams: async () => {
      try {
        token = await renew();
      } catch {
        token = null; // the server cannot be reached: the socket will not open either, and is retried
      }
      // no token (signed out or unreachable) gets the server's 4403, retried with backoff while anything listens
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    on: {
      connecting: () => {
        if (navigator.onLine) liveStatus.set('connecting');
      },
      opened: (s) => {
        opening = s as WebSocket;
        if (!navigator.onLine) restart();
      },
      connected: (s) => {
        socket = s as WebSocket;
        opening = null;
        showStatus();
        for (const op of operations) startOn(op, socket);
        const left = token ? secondsLeft(token) : null;
        clearTimeout(expiryTimer);
        // reconnect with a fresh token shortly before this one expires: the server re-checks it on every event
        if (left !== null) expiryTimer = setTimeout(restart, Math.max(5, left - 60) * 1000);
      },
      ping: (received) => {
        if (received) return; // the package answers the server's pings itself
        clearTimeout(pongTimer);
        pongTimer = setTimeout(restart, PONG_WITHIN_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
      closed: () => {
        socket = null;
        opening = null;
        clearTimers();
        showStatus();
      },
    },
  });
  return client;
}

function listen(): void {
  if (listening) return;
  listening = true;
  window.addEventListener('online', () => [...wakeUps].forEach((wake) => wake()));
  window.addEventListener('offline', () => {
    liveStatus.set('closed');
    restart();
  });
}

function run(op: Operation): void {
  op.startedOn = null;
  // a trusted document goes by its id (the package wants a `query` string: it stays empty); text in development
  const id = op.byText ? null : documentId(op.query);
  const payload = id ? { query: '', documentId: id, variables: op.variables } : { query: op.query, variables: op.variables };
  op.dispose = getClient().subscribe<unknown>(
    payload,
    {
      next: (payload) => {
        if (payload.errors?.length) {
          if (isUnauthenticated(payload.errors)) {
            restart(); // the access token ran out: a fresh connection re-subscribes with a new one
            return;
          }
          op.handlers.error?.(payload.errors);
        }
        if (payload.data != null) op.handlers.next(payload.data);
      },
      error: (errors) => {
        if (!operations.has(op)) return;
        if (isCloseEvent(errors)) {
          // a close the package gives up on (4400, 4401, 4500): keep trying, as with any other drop
          void waitBeforeRetry(4).then(() => operations.has(op) && run(op));
          return;
        }
        if (unknownDocument(errors) && !op.byText) {
          op.byText = true; // a server from another build: the same subscription as text
          run(op);
          return;
        }
        if (isUnauthenticated(errors)) {
          run(op); // subscribe again, on the fresh connection the restart opens
          restart();
          return;
        }
        operations.delete(op);
        op.handlers.error?.(errors);
      },
      complete: () => {
        operations.delete(op);
      },
    },
  );
  if (socket) startOn(op, socket);
}

/** Starts a subscription; returns a function that stops it. */
export function subscribe<T>(
  query: string,
  variables: Record<string, unknown>,
  handlers: LiveHandlers<T>,
): () => void {
  listen();
  const op: Operation = {
    query,
    variables,
    handlers: handlers as LiveHandlers<unknown>,
    startedOn: null,
    byText: false,
    dispose: () => undefined,
  };
  operations.add(op);
  run(op);
  showStatus();
  return () => {
    if (!operations.delete(op)) return;
    op.dispose(); // the package closes the socket once nothing listens, unless a new subscription takes it over
    showStatus();
  };
}
