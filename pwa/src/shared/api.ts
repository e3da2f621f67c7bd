// A small GraphQL-over-HTTP client. GraphQL failures arrive with HTTP 200, so success is decided by the
// body: `errors` (top level) become an ApiError; `errors` inside a mutation payload are data the caller shows.
import { getLocale } from './format';
import { sha256Hex } from './sha256';

export const GRAPHQL_URL = '/graphql';

export type ApiErrorKind =
  | 'network' // no response: offline, DNS, connection refused, timeout
  | 'server' // 5xx or a body that is not GraphQL
  | 'unauthenticated' // extensions.code UNAUTHENTICATED
  | 'forbidden' // extensions.code FORBIDDEN
  | 'graphql'; // any other GraphQL error

export interface GraphQLErrorEntry {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    readonly errors: GraphQLErrorEntry[] = [],
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Worth retrying later: the request may not have reached the server or the server failed. */
  get retryable(): boolean {
    return this.kind === 'network' || this.kind === 'server';
  }
}

export interface RequestOptions {
  token?: string | null;
  /** The whole Authorization header (the portal's `Portal <token>`); wins over `token`. */
  authorization?: string | null;
  /** Another endpoint (the portal's /portal/graphql); default /graphql. */
  url?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

function operationName(query: string): string | undefined {
  return /^\s*(?:query|mutation|subscription)\s+(\w+)/.exec(query)?.[1];
}

function classify(errors: GraphQLErrorEntry[]): ApiErrorKind {
  const codes = errors.map((e) => e.extensions?.code);
  if (codes.includes('UNAUTHENTICATED')) return 'unauthenticated';
  if (codes.includes('FORBIDDEN')) return 'forbidden';
  return 'graphql';
}

// Trusted documents: a built app sends each operation as `{"documentId": "sha256:<hex>", variables,
// operationName}` (the GraphQL-over-HTTP persisted-documents convention); the build lists every text by its hash
// in trusted-documents.json (scripts/trusted-documents.mjs) and the server knows them from there. A server that
// does not know an id (an app cached from an older build, or a development server) answers
// PERSISTED_DOCUMENT_NOT_FOUND, and the operation is sent once more as text. Endpoints not listed here get text.
export const PERSISTED_DOCUMENT_NOT_FOUND = 'PERSISTED_DOCUMENT_NOT_FOUND';
// each endpoint answers by id only the operations of its own schema (the portal's at /portal/graphql)
const TRUSTED_ENDPOINTS = new Set([GRAPHQL_URL, '/portal/graphql']);
const documentIds = new Map<string, string>();

/** The trusted-document id of a text ("sha256:<hex>"), or null where the app sends text (development). */
export function documentId(query: string): string | null {
  if (import.meta.env.DEV) return null;
  let id = documentIds.get(query);
  if (id === undefined) {
    id = `sha256:${sha256Hex(query)}`;
    documentIds.set(query, id);
  }
  return id;
}

/** True for errors that say the server does not know a trusted document's id. */
export function unknownDocument(errors: unknown): boolean {
  return (
    Array.isArray(errors) &&
    errors.some((e) => (e as GraphQLErrorEntry)?.extensions?.code === PERSISTED_DOCUMENT_NOT_FOUND)
  );
}

/** Sends one GraphQL operation and returns `data`, or throws an ApiError. */
export async function graphql<T>(
  query: string,
  variables: Record<string, unknown> = {},
  options: RequestOptions = {},
): Promise<T> {
  const id = TRUSTED_ENDPOINTS.has(options.url ?? GRAPHQL_URL) ? documentId(query) : null;
  if (id !== null) {
    try {
      return await send<T>({ documentId: id, variables, operationName: operationName(query) }, options);
    } catch (e) {
      if (!(e instanceof ApiError && unknownDocument(e.errors))) throw e;
    }
  }
  return send<T>({ query, variables, operationName: operationName(query) }, options);
}

async function send<T>(request: Record<string, unknown>, options: RequestOptions): Promise<T> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json',
    'Accept-Language': getLocale(),
    // the language on the screen wins over the saved preference (which may still be on its way after a switch)
    'X-MotoTrack-Locale': getLocale(),
  };
  if (options.authorization) headers.Authorization = options.authorization;
  else if (options.token) headers.Authorization = `Bearer ${options.token}`;

  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs ?? 20000);
  const onAbort = () => timeout.abort();
  options.signal?.addEventListener('abort', onAbort);

  let response: Response;
  try {
    response = await fetch(options.url ?? GRAPHQL_URL, {
      method: 'POST',
      headers,
      body: JSON.stringify(request),
      signal: timeout.signal,
      credentials: 'same-origin',
    });
  } catch (e) {
    if (options.signal?.aborted) throw e; // the caller cancelled: not a network failure
    throw new ApiError('network', e instanceof Error ? e.message : String(e));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }

  let body: { data?: T | null; errors?: GraphQLErrorEntry[] } | null = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (body && Array.isArray(body.errors) && body.errors.length) {
    const kind = classify(body.errors);
    throw new ApiError(kind, body.errors[0].message, body.errors, response.status);
  }
  if (!response.ok || !body || body.data == null) {
    throw new ApiError('server', `HTTP ${response.status}`, [], response.status);
  }
  return body.data;
}
