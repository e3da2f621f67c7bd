// Sign-in state. The refresh token (and the last known user) live in IndexedDB so a reload or a restart
// keeps the user signed in, even offline; the short-lived access token lives only in memory and is renewed
// shortly before it expires, or when the server answers UNAUTHENTICATED. Tabs renew once between them: one holds the
// Web Lock (or, without Web Locks, announces itself on a BroadcastChannel) and hands the new pair to the others.
import { ApiError, graphql, type RequestOptions } from './api';
import { clearUserData, loadSession, saveSession } from './db';
import { getLocale, setLocale, setTimeZoneSource, toLocale, type Locale } from './i18n';
import { createStore } from './store';
import type { User, UserError } from './types';

export type AuthState =
  | { status: 'loading' }
  | { status: 'signedOut'; expired?: boolean }
  | { status: 'signedIn'; user: User };

export const authStore = createStore<AuthState>({ status: 'loading' });
// dates and times on every screen are shown in the signed-in garage's time zone
setTimeZoneSource(() => {
  const s = authStore.get();
  return s.status === 'signedIn' ? s.user.garage?.timeZone : undefined;
});

export const USER_FIELDS = 'id name email role locale';

const LOGIN = `mutation Login($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken expiresIn user { ${USER_FIELDS} } errors { field code message } }
}`;
const REFRESH = `mutation Refresh($input: RefreshTokenInput!) {
  refreshToken(input: $input) { accessToken refreshToken expiresIn errors { field code message } }
}`;
const LOGOUT = `mutation Logout($input: LogoutInput!) {
  logout(input: $input) { ok errors { field code message } }
}`;
const ME = `query Me { me { ${USER_FIELDS} homeSite { id } garage { id name defaultLocale currency timeZone } } }`;
const UPDATE_PREFERENCES = `mutation UpdateMyPreferences($input: UpdateMyPreferencesInput!) {
  updateMyPreferences(input: $input) { user { id locale } errors { field code message } }
}`;

export interface TokenPayload {
  accessToken: string | null;
  refreshToken: string | null;
  expiresIn: number | null;
  errors: UserError[];
}

let accessToken: string | null = null;
let accessExpiresAt = 0;
let accessLifetime = 0;
let renewTimer: ReturnType<typeof setTimeout> | undefined;
let renewing: Promise<string | null> | null = null;
/** Bumped whenever a session starts or ends, so a renewal that finishes late cannot revive an ended one. */
let generation = 0;
/** The refresh token this tab's access token goes with (the one a renewal by this tab would present). */
let knownRefresh: string | null = null;

// ---- renewing once across tabs -------------------------------------------------------------------

/** What a renewal got, handed to the other tabs: `previous` is the refresh token it rotated. */
interface Grant {
  previous: string;
  refreshToken: string;
  accessToken: string;
  expiresIn: number;
}
type AuthMessage = { type: 'renewing'; token: string } | { type: 'renewed'; grant: Grant };

const CHANNEL_NAME = 'mototrack-auth';
/** How long a tab without Web Locks waits for another tab that said it is renewing. */
const ANNOUNCE_WAIT_MS = 5000;
let channel: BroadcastChannel | null | undefined;
/** The last renewal another tab made, with when it arrived (this tab's clock). */
let lastGrant: (Grant & { receivedAt: number }) | null = null;
/** Without Web Locks: another tab said it is renewing this token. */
let announced: { token: string; at: number } | null = null;
const grantWaiters = new Set<() => void>();

function authChannel(): BroadcastChannel | null {
  if (channel !== undefined) return channel;
  channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANNEL_NAME);
  if (channel) channel.onmessage = (event: MessageEvent<AuthMessage>) => onAuthMessage(event.data);
  return channel;
}

function tell(message: AuthMessage): void {
  try {
    authChannel()?.postMessage(message);
  } catch {
    /* a closed channel: the other tabs renew on their own, which the server answers with the same pair */
  }
}

function adopt(grant: Grant): void {
  accessToken = grant.accessToken;
  knownRefresh = grant.refreshToken;
  scheduleRenewal(grant.expiresIn);
}

function onAuthMessage(message: AuthMessage): void {
  if (!message || typeof message !== 'object') return;
  if (message.type === 'renewing') {
    announced = { token: message.token, at: Date.now() };
    return;
  }
  if (message.type !== 'renewed' || !message.grant?.accessToken) return;
  const grant = message.grant;
  lastGrant = { ...grant, receivedAt: Date.now() };
  announced = null;
  // This tab's session was rotated by another one: take its access token rather than rotating once more.
  if (currentUser() && knownRefresh === grant.previous) adopt(grant);
  grantWaiters.forEach((wake) => wake());
}

/** The grant another tab got for `refreshToken` (the stored one), while it is still good for a while. */
function sharedGrantFor(refreshToken: string): Grant | null {
  const g = lastGrant;
  if (!g || g.refreshToken !== refreshToken) return null;
  return Date.now() < g.receivedAt + g.expiresIn * 1000 - 10_000 ? g : null;
}

function waitForGrant(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      grantWaiters.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    grantWaiters.add(done);
  });
}

/** Renew this long before the access token expires (at most a fifth of its lifetime). */
const RENEW_LEAD_MS = 60_000;
/** renew() keeps an access token that has at least this long left (more than the lead, so the timer still renews). */
const FRESH_ENOUGH_MS = 2 * RENEW_LEAD_MS;

function currentUser(): User | null {
  const s = authStore.get();
  return s.status === 'signedIn' ? s.user : null;
}

function scheduleRenewal(expiresInSeconds: number): void {
  const lifetime = Math.max(0, expiresInSeconds * 1000);
  accessExpiresAt = Date.now() + lifetime;
  accessLifetime = lifetime;
  clearTimeout(renewTimer);
  const delay = Math.max(1000, lifetime - Math.min(RENEW_LEAD_MS, lifetime / 5));
  renewTimer = setTimeout(() => {
    renew().catch(() => {
      /* offline: retried on the "online" event or the next request */
    });
  }, delay);
}

function forgetTokens(): void {
  accessToken = null;
  accessExpiresAt = 0;
  lastGrant = null; // an access token the server refused is not taken from another tab again
  clearTimeout(renewTimer);
}

/** Ends the local session (the server session has ended or must be forgotten). */
async function endLocalSession(expired: boolean, discardOutbox = false): Promise<void> {
  generation += 1;
  forgetTokens();
  knownRefresh = null;
  try {
    await clearUserData(discardOutbox);
  } finally {
    authStore.set({ status: 'signedOut', expired });
  }
}

async function withAuthLock<T>(fn: () => Promise<T>): Promise<T> {
  // One tab renews at a time, so a rotated refresh token is never used twice; the one that waited finds the
  // other's answer (sharedGrantFor) and does not rotate again.
  authChannel();
  if (typeof navigator !== 'undefined' && navigator.locks?.request) {
    return navigator.locks.request('mototrack-auth', fn) as Promise<T>;
  }
  // No Web Locks: a tab that heard another announce a renewal waits (briefly) for its answer. Two that announce at
  // the same moment both renew, and the server answers both with the same pair.
  if (announced && Date.now() - announced.at < ANNOUNCE_WAIT_MS) await waitForGrant(ANNOUNCE_WAIT_MS);
  return fn();
}

/**
 * Gets a new access token with the stored refresh token. Resolves to the token, or null when the
 * session is no longer valid (the user is then signed out). Throws ApiError when the server is unreachable.
 */
export function renew(): Promise<string | null> {
  // A token with minutes left is good as it is: every rotation is a chance to lose the answer on a bad line (and a
  // refresh token the server rotated but the phone never heard of is then "reused", which ends the session).
  // (Short-lived tokens: fresh while at least half their lifetime is left, which is still more than the timer's lead.)
  const freshFor = Math.min(FRESH_ENOUGH_MS, accessLifetime / 2);
  if (accessToken && Date.now() < accessExpiresAt - freshFor) return Promise.resolve(accessToken);
  renewing ??= withAuthLock(async () => {
    const started = generation;
    const stored = await loadSession(); // the latest token, possibly rotated by another tab
    if (!stored) {
      if (currentUser()) await endLocalSession(true);
      return null;
    }
    const shared = sharedGrantFor(stored.refreshToken);
    if (shared) {
      adopt(shared); // another tab renewed while this one waited
      return accessToken;
    }
    tell({ type: 'renewing', token: stored.refreshToken });
    let payload: TokenPayload;
    try {
      const data = await graphql<{ refreshToken: TokenPayload }>(REFRESH, { input: { refreshToken: stored.refreshToken } });
      payload = data.refreshToken;
    } catch (e) {
      if (e instanceof ApiError && (e.kind === 'unauthenticated' || e.kind === 'forbidden')) {
        await endLocalSession(true);
        return null;
      }
      throw e;
    }
    if (started !== generation) return null; // signed out (or in again) meanwhile
    if (payload.errors?.length || !payload.accessToken) {
      await endLocalSession(true);
      return null;
    }
    accessToken = payload.accessToken;
    scheduleRenewal(payload.expiresIn ?? 300);
    if (payload.refreshToken && payload.refreshToken !== stored.refreshToken) {
      await saveSession({ ...stored, refreshToken: payload.refreshToken, savedAt: Date.now() });
    }
    knownRefresh = payload.refreshToken ?? stored.refreshToken;
    tell({
      type: 'renewed',
      grant: { previous: stored.refreshToken, refreshToken: knownRefresh, accessToken: payload.accessToken,
               expiresIn: payload.expiresIn ?? 300 },
    });
    return accessToken;
  }).finally(() => {
    renewing = null;
  });
  return renewing;
}

async function validAccessToken(): Promise<string | null> {
  if (accessToken && Date.now() < accessExpiresAt - 5000) return accessToken;
  return renew();
}

/**
 * Runs a GraphQL operation as the signed-in user. An UNAUTHENTICATED answer renews the access token
 * and retries once; if the session cannot be renewed the user is signed out.
 */
export async function authedGraphql<T>(
  query: string,
  variables: Record<string, unknown> = {},
  options: Omit<RequestOptions, 'token'> = {},
): Promise<T> {
  let token = await validAccessToken();
  if (!token) throw new ApiError('unauthenticated', 'Not signed in');
  try {
    return await graphql<T>(query, variables, { ...options, token });
  } catch (e) {
    if (!(e instanceof ApiError) || e.kind !== 'unauthenticated') throw e;
  }
  forgetTokens();
  token = await renew();
  if (!token) throw new ApiError('unauthenticated', 'Not signed in');
  try {
    return await graphql<T>(query, variables, { ...options, token });
  } catch (e) {
    if (e instanceof ApiError && e.kind === 'unauthenticated') await endLocalSession(true);
    throw e;
  }
}

// ---- the user's language preference ----------------------------------------------------------

const LOCALE_SYNC_KEY = 'mototrack.localeSyncPending';
// Counts the user's own language choices: an answer to `me` asked for before the latest choice is older than it and
// must not switch the language back (a choice made right after signing in, while that first `me` is on its way).
let localeChoices = 0;

function pendingLocale(): Locale | null {
  try {
    return toLocale(localStorage.getItem(LOCALE_SYNC_KEY));
  } catch {
    return null;
  }
}

function setPendingLocale(locale: Locale | null): void {
  try {
    if (locale) localStorage.setItem(LOCALE_SYNC_KEY, locale);
    else localStorage.removeItem(LOCALE_SYNC_KEY);
  } catch {
    /* ignore */
  }
}

async function pushLocale(locale: Locale): Promise<void> {
  const data = await authedGraphql<{
    updateMyPreferences: { user: { id: string; locale: string | null } | null; errors: UserError[] };
  }>(UPDATE_PREFERENCES, { input: { locale: locale.toUpperCase() } });
  // Refused (payload errors) or done: either way there is nothing left to retry.
  setPendingLocale(null);
  const user = currentUser();
  const saved = data.updateMyPreferences.user;
  if (user && saved && !data.updateMyPreferences.errors?.length) {
    updateUser({ ...user, locale: saved.locale });
  }
}

/** Switches the language now and remembers it: on this device, and on the account when signed in. */
export async function changeLocale(locale: Locale): Promise<void> {
  localeChoices += 1;
  setLocale(locale);
  if (!currentUser()) return;
  setPendingLocale(locale);
  try {
    await pushLocale(locale);
  } catch {
    /* offline or server trouble: kept pending and sent when the network returns */
  }
}

/** Applies the account's language unless a local change is still waiting to be sent. */
function adoptUserLocale(user: User): void {
  const pending = pendingLocale();
  if (pending) {
    void pushLocale(pending).catch(() => undefined);
    return;
  }
  const preferred = toLocale(user.locale);
  if (preferred && preferred !== getLocale()) setLocale(preferred);
}

// ---- session lifecycle -----------------------------------------------------------------------

function updateUser(user: User): void {
  authStore.set({ status: 'signedIn', user });
  void loadSession().then((s) => (s ? saveSession({ ...s, user, savedAt: Date.now() }) : undefined));
}

/** Refreshes the user (name, role, garage, language) from the server. */
export async function refreshMe(): Promise<void> {
  const started = generation;
  const choices = localeChoices;
  const data = await authedGraphql<{ me: User | null }>(ME);
  if (!data.me || started !== generation || !currentUser()) return;
  if (choices !== localeChoices) {
    // the account's language as the server saw it before the user's latest choice: keep the choice
    updateUser({ ...data.me, locale: currentUser()?.locale ?? data.me.locale });
    return;
  }
  updateUser(data.me);
  adoptUserLocale(data.me);
}

export type SignInResult = { ok: true } | { ok: false; errors: UserError[]; network?: boolean };

/** Signs in; `chosenLocale` is a language picked on the sign-in screen: the app opens in it and it becomes the saved one. */
export async function signIn(email: string, password: string, chosenLocale?: Locale | null): Promise<SignInResult> {
  let payload: TokenPayload & { user: User | null };
  try {
    const data = await graphql<{ login: TokenPayload & { user: User | null } }>(LOGIN, { input: { email, password } });
    payload = data.login;
  } catch (e) {
    if (e instanceof ApiError && e.kind === 'network') return { ok: false, errors: [], network: true };
    const message = e instanceof ApiError && e.kind === 'graphql' ? e.message : '';
    return { ok: false, errors: message ? [{ code: 'GRAPHQL', message }] : [] };
  }
  return startSession(payload, chosenLocale);
}

/** The signed-in user's access token as it is now, renewed if need be (the admins' API explorer posts it). */
export function currentAccessToken(): Promise<string | null> {
  return validAccessToken();
}

/**
 * Starts a session from a sign-in payload another operation answered with (a garage just set up, an invitation
 * accepted: both sign their new user in), as a sign-in with email and password does.
 */
export async function startSession(
  payload: TokenPayload & { user: User | null },
  chosenLocale?: Locale | null,
): Promise<SignInResult> {
  if (payload.errors?.length || !payload.accessToken || !payload.refreshToken || !payload.user) {
    return { ok: false, errors: payload.errors ?? [] };
  }
  setPendingLocale(null);
  generation += 1;
  accessToken = payload.accessToken;
  knownRefresh = payload.refreshToken;
  authChannel();
  scheduleRenewal(payload.expiresIn ?? 300);
  await saveSession({ refreshToken: payload.refreshToken, user: payload.user, savedAt: Date.now() });
  if (chosenLocale) {
    // sent to the account by refreshMe's adoptUserLocale, after the first `me`, so that answer cannot undo it
    localeChoices += 1;
    setPendingLocale(chosenLocale);
  }
  const preferred = chosenLocale ?? toLocale(payload.user.locale);
  if (preferred) setLocale(preferred);
  authStore.set({ status: 'signedIn', user: payload.user });
  void refreshMe().catch(() => undefined);
  return { ok: true };
}

/**
 * Signs out: the local session ends at once; the server is told to revoke the refresh token. Changes still in the
 * outbox are kept for the next sign-in of the same user unless `discardOutbox` (the user confirmed dropping them).
 */
export async function signOut(discardOutbox = false): Promise<void> {
  const stored = await loadSession().catch(() => undefined);
  const token = accessToken && Date.now() < accessExpiresAt ? accessToken : null;
  setPendingLocale(null);
  await endLocalSession(false, discardOutbox);
  if (stored) {
    await graphql(LOGOUT, { input: { refreshToken: stored.refreshToken } }, { token, timeoutMs: 5000 }).catch(
      () => undefined, // offline: the refresh token expires on its own
    );
  }
}

function resumeAfterReconnect(): void {
  if (!currentUser()) return;
  const pending = pendingLocale();
  void validAccessToken()
    .then((token) => (token ? (pending ? pushLocale(pending) : refreshMe()) : undefined))
    .catch(() => undefined);
}

/** Restores the stored session at start-up; the app works offline with the last known user. */
export async function initAuth(): Promise<void> {
  window.addEventListener('online', resumeAfterReconnect);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && currentUser() && Date.now() > accessExpiresAt - RENEW_LEAD_MS) {
      void renew().catch(() => undefined);
    }
  });
  let stored;
  try {
    stored = await loadSession();
  } catch {
    stored = undefined;
  }
  if (!stored) {
    authStore.set({ status: 'signedOut' });
    return;
  }
  knownRefresh = stored.refreshToken;
  authChannel();
  authStore.set({ status: 'signedIn', user: stored.user });
  try {
    await renew();
    if (currentUser()) await refreshMe();
  } catch {
    /* offline: keep the stored session; resumeAfterReconnect retries */
  }
}
