// The page's unhandled errors and promise rejections, posted to the API (POST /client-errors). The API forwards them
// to error tracking when a Sentry DSN is configured and logs them otherwise (backend/ops/sentry.py).
//
// No Sentry SDK in the page: it would add ~30 kB of script, put the DSN and a third-party origin into the page and
// its CSP, and scrub on the device; posting to our own origin keeps one DSN setting on the server and the server's
// scrubbing (tokens, passwords, personal data) for every report.
//
// What is sent: the error's type, message and stack, whether it was an error or a rejection, the page's path (never
// its query or fragment: a portal link carries its token after #), the build (the hashed script name) and the
// GraphQL operation when the error names one. At most MAX_REPORTS a page load, each distinct error once.

const ENDPOINT = '/client-errors';
const MAX_REPORTS = 10;

const seen = new Set<string>();
let reports = 0;

function build(): string {
  const script = document.querySelector<HTMLScriptElement>('script[type="module"][src]');
  return script ? (script.src.split('/').pop() ?? '').slice(0, 100) : '';
}

function describe(reason: unknown): { type: string; message: string; stack: string; operation?: string } {
  if (reason instanceof Error) {
    const operation = (reason as { operationName?: unknown }).operationName;
    return {
      type: reason.name || 'Error',
      message: reason.message,
      stack: reason.stack ?? '',
      operation: typeof operation === 'string' ? operation : undefined,
    };
  }
  let message: string;
  try {
    message = typeof reason === 'string' ? reason : JSON.stringify(reason) ?? String(reason);
  } catch {
    message = String(reason);
  }
  return { type: 'Error', message, stack: '' };
}

export function reportError(source: 'error' | 'unhandledrejection', reason: unknown): void {
  if (reports >= MAX_REPORTS) return;
  const { type, message, stack, operation } = describe(reason);
  const key = `${type}:${message}`;
  if (seen.has(key)) return;
  seen.add(key);
  reports += 1;
  const body = JSON.stringify({
    type: type.slice(0, 100),
    message: message.slice(0, 1000),
    stack: stack.slice(0, 8000),
    source,
    path: location.pathname,
    release: build(),
    operation,
  });
  try {
    if (navigator.sendBeacon?.(ENDPOINT, new Blob([body], { type: 'application/json' }))) return;
  } catch {
    // a beacon refused (too large, or the browser has none): fetch instead
  }
  void fetch(ENDPOINT, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json' },
    keepalive: true,
    credentials: 'omit',
  }).catch(() => undefined); // offline: the report is dropped, the user is not bothered
}

export function installErrorReporter(): void {
  window.addEventListener('error', (event) => reportError('error', event.error ?? event.message));
  window.addEventListener('unhandledrejection', (event) => reportError('unhandledrejection', event.reason));
}
