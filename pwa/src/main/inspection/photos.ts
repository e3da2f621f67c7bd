// The photo queue: a photo taken on the phone is resized there (long side at most 1600 px, JPEG 0.85), kept in
// IndexedDB (the `photos` store) and uploaded by itself when the network is there, once:
//
// - one uploader at a time, across tabs (a Web Lock), each record's status kept in IndexedDB, so a reload or a second
//   tab does not send a photo that is already on its way or already stored;
// - the upload id is chosen on the phone and the server's POST /files/upload is idempotent by it: when an answer is
//   lost and the same photo goes again, the server answers with the first one and stores nothing twice;
// - a network failure or a 5xx waits and tries again (backoff); a refusal (4xx: not an image, too large, ...) stays
//   with the server's localized message until the user retries or removes it;
// - progress per photo from XMLHttpRequest's upload events.
//
// The inspection results name their photos by upload id (recordInspectionResult.photoUploadIds); the server links a
// photo to its result whichever of the two arrives second. A photo's local copy is shown until the server's
// thumbnail link exists, then dropped.
import { renew } from '../../shared/auth';
import { db, type PhotoRecord } from '../../shared/db';
import { getLocale } from '../../shared/i18n';
import { onlineStore } from '../../shared/online';
import { createStore, useStore } from '../../shared/store';
import { authStore } from '../../shared/auth';
import { uuidv7 } from '../../shared/uuid';

export const UPLOAD_URL = '/files/upload';
export const MAX_SIDE = 1600;
export const JPEG_QUALITY = 0.85;
const LOCK = 'mototrack-photos';

/** The device's photo records of the signed-in user (without waiting for a read). */
export const photosStore = createStore<PhotoRecord[]>([]);
/** Upload progress (0..1) of the photos being sent now, by upload id. */
export const progressStore = createStore<Record<string, number>>({});

const channel: BroadcastChannel | null = typeof BroadcastChannel === 'function' ? new BroadcastChannel('mototrack-photos') : null;

function userId(): string | null {
  const s = authStore.get();
  return s.status === 'signedIn' ? s.user.id : null;
}

export async function loadPhotos(): Promise<PhotoRecord[]> {
  const uid = userId();
  const rows = uid ? await (await db()).getAllFromIndex('photos', 'byUser', uid) : [];
  rows.sort((a, b) => (a.uploadId < b.uploadId ? -1 : 1));
  photosStore.set(rows);
  return rows;
}

async function changed(): Promise<void> {
  await loadPhotos();
  channel?.postMessage('changed');
}

export function usePhotos(): PhotoRecord[] {
  return useStore(photosStore);
}

export function useProgress(): Record<string, number> {
  return useStore(progressStore);
}

// ---- resizing on the device ---------------------------------------------------------------------

/** The size a photo of w x h gets: the long side at most `max`, never enlarged. */
export function fitWithin(w: number, h: number, max = MAX_SIDE): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(w, h));
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

/** Decodes the picked file (turned as the camera meant it), scales it to fit 1600 px and encodes a JPEG. */
export async function resizePhoto(file: Blob): Promise<{ blob: Blob; width: number; height: number }> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    const { width, height } = fitWithin(bitmap.width, bitmap.height);
    let blob: Blob;
    if (typeof OffscreenCanvas === 'function') {
      const canvas = new OffscreenCanvas(width, height);
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('no 2d context');
      ctx.drawImage(bitmap, 0, 0, width, height);
      blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: JPEG_QUALITY });
    } else {
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      canvas.getContext('2d')?.drawImage(bitmap, 0, 0, width, height);
      blob = await new Promise<Blob>((resolve, reject) =>
        canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encoding failed'))), 'image/jpeg', JPEG_QUALITY),
      );
    }
    return { blob, width, height };
  } finally {
    bitmap.close();
  }
}

// ---- queueing ------------------------------------------------------------------------------------

export interface NewUpload {
  jobId: string;
  ownerType?: PhotoRecord['ownerType'];
  ownerId?: string;
  kind?: PhotoRecord['kind'];
  inspectionItem?: string | null;
  name?: string;
}

/**
 * Keeps the file on the device and queues its upload; a photo is resized first (a document goes as it is).
 * Resolves to the record (its `uploadId` is what the inspection result names).
 */
export async function queueUpload(file: File | Blob, what: NewUpload): Promise<PhotoRecord> {
  const uid = userId();
  if (!uid) throw new Error('not signed in');
  const kind = what.kind ?? 'PHOTO';
  let blob: Blob = file;
  let width = 0;
  let height = 0;
  let name = what.name ?? ((file as File).name || 'photo.jpg');
  if (kind === 'PHOTO') {
    ({ blob, width, height } = await resizePhoto(file));
    name = name.replace(/\.[^.]*$/, '') + '.jpg';
  }
  const record: PhotoRecord = {
    uploadId: uuidv7(),
    userId: uid,
    jobId: what.jobId,
    inspectionItem: what.inspectionItem ?? null,
    ownerType: what.ownerType ?? 'job',
    ownerId: what.ownerId ?? what.jobId,
    kind,
    name,
    blob,
    width,
    height,
    status: 'queued',
    attempts: 0,
    nextAt: 0,
    error: null,
    attachmentId: null,
    createdAt: Date.now(),
  };
  await (await db()).put('photos', record);
  await changed();
  void pump();
  return record;
}

/** Tries a refused upload again (e.g. after the user fixed their rights), at once. */
export async function retryUpload(uploadId: string): Promise<void> {
  const d = await db();
  const row = await d.get('photos', uploadId);
  if (!row || row.status === 'uploaded') return;
  await d.put('photos', { ...row, status: 'queued', error: null, nextAt: 0 });
  await changed();
  void pump();
}

/** Forgets a photo on the device (a refused one the user gave up on, or one the server now shows). */
export async function forgetUpload(uploadId: string): Promise<void> {
  await (await db()).delete('photos', uploadId);
  await changed();
}

/** Drops the local copies of uploaded photos the server now lists (its own thumbnail links take over). */
export async function dropShown(attachmentIds: Iterable<string>): Promise<void> {
  const known = new Set(attachmentIds);
  const done = photosStore.get().filter((p) => p.status === 'uploaded' && p.attachmentId && known.has(p.attachmentId));
  if (!done.length) return;
  const d = await db();
  for (const p of done) await d.delete('photos', p.uploadId);
  await changed();
}

// ---- sending -------------------------------------------------------------------------------------

type Outcome = { ok: true; attachmentId: string } | { ok: false; retry: boolean; status: number; code: string; message: string };

function send(row: PhotoRecord, token: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const form = new FormData();
    form.append('uploadId', row.uploadId);
    form.append('ownerType', row.ownerType);
    form.append('ownerId', row.ownerId);
    form.append('kind', row.kind);
    form.append('name', row.name);
    form.append('file', row.blob, row.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', UPLOAD_URL);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Accept-Language', getLocale());
    xhr.timeout = 120_000;
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) progressStore.set({ ...progressStore.get(), [row.uploadId]: e.loaded / e.total });
    };
    const failed = () => resolve({ ok: false, retry: true, status: 0, code: 'NETWORK', message: '' });
    xhr.onerror = failed;
    xhr.ontimeout = failed;
    xhr.onabort = failed;
    xhr.onload = () => {
      let body: { attachment?: { id: string }; error?: { code: string; message: string } } | null = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if ((xhr.status === 200 || xhr.status === 201) && body?.attachment?.id) {
        resolve({ ok: true, attachmentId: body.attachment.id });
      } else {
        const retry = xhr.status >= 500 || xhr.status === 429 || xhr.status === 0 || !body?.error;
        resolve({ ok: false, retry, status: xhr.status, code: body?.error?.code ?? 'SERVER', message: body?.error?.message ?? `HTTP ${xhr.status}` });
      }
    };
    xhr.send(form);
  });
}

/** Backoff after the n-th failed attempt: 2 s, 4 s, ... up to a minute, with some jitter. */
export function backoff(attempts: number): number {
  return Math.min(60_000, 2000 * 2 ** Math.min(attempts - 1, 5)) * (0.75 + Math.random() / 2);
}

let timer: ReturnType<typeof setTimeout> | undefined;
let pumping: Promise<void> | null = null;
let again = false;

async function pumpNow(): Promise<void> {
  const uid = userId();
  if (!uid) return;
  const d = await db();
  for (;;) {
    if (!onlineStore.get() || userId() !== uid) return;
    const rows = await loadPhotos();
    const now = Date.now();
    // "uploading" left by a closed tab (this one holds the lock, so nobody else is sending it)
    const due = rows.filter((r) => (r.status === 'queued' || r.status === 'uploading') && r.nextAt <= now);
    const next = due[0];
    if (!next) {
      const waiting = rows.filter((r) => r.status === 'queued').map((r) => r.nextAt);
      if (waiting.length) {
        clearTimeout(timer);
        timer = setTimeout(() => void pump(), Math.max(500, Math.min(...waiting) - now));
      }
      return;
    }
    const token = await renew().catch(() => null);
    if (!token) return; // offline while renewing, or signed out: the next trigger tries again
    await d.put('photos', { ...next, status: 'uploading', attempts: next.attempts + 1 });
    await changed();
    const outcome = await send(next, token);
    const { [next.uploadId]: _gone, ...rest } = progressStore.get();
    progressStore.set(rest);
    const fresh = await d.get('photos', next.uploadId);
    if (!fresh) continue; // removed meanwhile
    if (outcome.ok) {
      await d.put('photos', { ...fresh, status: 'uploaded', error: null, attachmentId: outcome.attachmentId });
    } else if (outcome.status === 401) {
      await d.put('photos', { ...fresh, status: 'queued', nextAt: Date.now() + 1000 });
      await renew().catch(() => null);
    } else if (outcome.retry) {
      await d.put('photos', { ...fresh, status: 'queued', nextAt: Date.now() + backoff(fresh.attempts) });
    } else {
      await d.put('photos', { ...fresh, status: 'failed', error: { code: outcome.code, message: outcome.message } });
    }
    await changed();
    document.dispatchEvent(new CustomEvent('mototrack-photo-uploaded', { detail: next.uploadId }));
  }
}

/** Uploads what is due, one photo after another; one uploader at a time across the tabs. */
export function pump(): Promise<void> {
  if (pumping) {
    again = true;
    return pumping;
  }
  const run = async () => {
    do {
      again = false;
      if (navigator.locks?.request) {
        await navigator.locks.request(LOCK, { ifAvailable: true }, async (lock) => (lock ? pumpNow() : undefined));
      } else {
        await pumpNow();
      }
    } while (again);
  };
  pumping = run()
    .catch(() => {
      clearTimeout(timer);
      timer = setTimeout(() => void pump(), 5000);
    })
    .finally(() => {
      pumping = null;
    });
  return pumping;
}

let started = false;

/** Loads the queue and keeps it moving: now, when the network returns, when the tab is visible again. */
export function startPhotoQueue(): void {
  if (started) return;
  started = true;
  onlineStore.subscribe((online) => online && void pump());
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && void pump());
  channel?.addEventListener('message', () => void loadPhotos());
  authStore.subscribe(() => void loadPhotos().then(() => pump()));
  void loadPhotos().then(() => pump());
}
