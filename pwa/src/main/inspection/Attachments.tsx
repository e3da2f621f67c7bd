// Attachments of a job, a vehicle or a customer (photos and documents: an insurer's assessment, a registration book, a signed
// job sheet) on the job card, the vehicle's history and the customer screen: the server's list with its signed links, the files still on
// this device (thumbnail from the local copy, progress while uploading), an upload button for PDFs and images, and
// the "shown to the customer" switch for the roles that talk to customers (files:share).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { formatDateTime, formatNumber, t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import { ERRORS, FormErrors, mutate, newMutationId, useQuery } from '../staff/common';
import { LocalPhoto, PhotoState } from './PhotoThumb';
import { dropShown, queueUpload, startPhotoQueue, usePhotos } from './photos';
import './inspection.css';

// a mirror of backend/core/permissions.py: FILES_SHARE
const SHARERS = ['ADMIN', 'SITE_MANAGER', 'WORKSHOP_MANAGER', 'BILLING'];
const DOCUMENT_TYPES = 'application/pdf,image/jpeg,image/png,image/webp';
const MAX_BYTES = 25 * 1024 * 1024;

export interface AttachmentView {
  id: string;
  name: string;
  contentType: string;
  size: number;
  kind: string;
  sharedWithCustomer: boolean;
  createdAt: string;
  createdBy: { id: string; name: string } | null;
  url: string | null;
  thumbnailUrl: string | null;
}

export const ATTACHMENT_FIELDS = 'id name contentType size kind sharedWithCustomer createdAt createdBy { id name } url thumbnailUrl';
const JOB_FILES = `query JobAttachments($id: ID!) { job(id: $id) { id attachments { ${ATTACHMENT_FIELDS} } } }`;
const VEHICLE_FILES = `query VehicleAttachments($id: ID!) { vehicle(id: $id) { id attachments { ${ATTACHMENT_FIELDS} } } }`;
const CUSTOMER_FILES = `query CustomerAttachments($id: ID!) { customer(id: $id) { id attachments { ${ATTACHMENT_FIELDS} } } }`;
const FILES = { job: JOB_FILES, vehicle: VEHICLE_FILES, customer: CUSTOMER_FILES };
type Owner = 'job' | 'vehicle' | 'customer';
const SHARE = `mutation SetAttachmentShared($input: SetAttachmentSharedInput!) { setAttachmentShared(input: $input) {
  attachment { ${ATTACHMENT_FIELDS} } ${ERRORS} } }`;

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${formatNumber(bytes / (1024 * 1024), 1)} MB` : `${formatNumber(Math.max(1, Math.round(bytes / 1024)))} KB`;
}

export function Attachments({ ownerType, ownerId, jobId, role }: { ownerType: Owner; ownerId: string; jobId?: string; role: string }) {
  const files = useQuery<Partial<Record<Owner, { attachments: AttachmentView[] } | null>>>(FILES[ownerType], { id: ownerId });
  const { reload, setData } = files;
  const list = files.data?.[ownerType]?.attachments ?? null;
  const photos = usePhotos();
  const mine = useMemo(
    () => photos.filter((p) => p.ownerType === ownerType && p.ownerId === ownerId && !p.inspectionItem && !(p.attachmentId && list?.some((a) => a.id === p.attachmentId))),
    [photos, ownerType, ownerId, list],
  );
  const [errors, setErrors] = useState<UserError[]>([]);
  const canShare = SHARERS.includes(role);
  const input = useRef<HTMLInputElement>(null); // the file picker opens from a real button

  useEffect(() => startPhotoQueue(), []);
  // an upload finished: read the list again (the server's signed links replace the local copy)
  useEffect(() => {
    const onUploaded = () => reload();
    document.addEventListener('mototrack-photo-uploaded', onUploaded);
    return () => document.removeEventListener('mototrack-photo-uploaded', onUploaded);
  }, [reload]);
  useEffect(() => {
    if (list) void dropShown(list.map((a) => a.id));
  }, [list]);

  async function pick(e: Event) {
    const input = e.currentTarget as HTMLInputElement;
    const chosen = [...(input.files ?? [])];
    input.value = '';
    const problems: UserError[] = [];
    for (const file of chosen) {
      if (file.size > MAX_BYTES) {
        problems.push({ field: 'file', code: 'FILE_TOO_LARGE', message: t('{name} is too large (at most {max} MB).', { name: file.name, max: 25 }) });
        continue;
      }
      // a document goes as it is (the server sniffs and cleans it); a photo is made smaller on the device first
      await queueUpload(file, { jobId: jobId ?? '', ownerType, ownerId, kind: 'DOCUMENT', name: file.name });
    }
    setErrors(problems);
  }

  async function share(a: AttachmentView, shared: boolean) {
    const r = await mutate<{ attachment: AttachmentView | null; errors: UserError[] }>(SHARE, { id: a.id, shared, clientMutationId: newMutationId() }, 'setAttachmentShared');
    setErrors(r.errors);
    const saved = r.payload?.attachment;
    if (saved && !r.errors.length) {
      setData((old) => {
        if (!old) return old;
        const owner = old[ownerType];
        return owner ? { ...old, [ownerType]: { ...owner, attachments: owner.attachments.map((x) => (x.id === saved.id ? saved : x)) } } : old;
      });
    }
  }

  const inputId = `attach-${ownerType}`;
  return (
    <section class="card" data-testid={`${ownerType}-attachments`} aria-labelledby={`${inputId}-title`}>
      <h2 class="card-title" id={`${inputId}-title`}>
        {t('Documents and photos')}
      </h2>
      {files.error && !list && <p class="muted small">{files.error}</p>}
      {list && list.length === 0 && mine.length === 0 && <p class="muted">{t('Nothing attached yet.')}</p>}
      <ul class="list att-list">
        {mine.map((p) => (
          <li key={p.uploadId} class="row att-row" data-testid="attachment-local" data-status={p.status}>
            <LocalPhoto record={p} />
            <div class="att-main">
              <span class="row-title jc-break" data-raw="">{p.name}</span>
              <PhotoState record={p} />
            </div>
          </li>
        ))}
        {(list ?? []).map((a) => (
          <li key={a.id} class="row att-row" data-testid="attachment" data-kind={a.kind} data-shared={a.sharedWithCustomer ? 'true' : 'false'}>
            {a.thumbnailUrl ? (
              <img class="att-thumb" src={a.thumbnailUrl} alt="" loading="lazy" width={56} height={56} />
            ) : (
              <span class="att-thumb att-doc" aria-hidden="true">
                PDF
              </span>
            )}
            <div class="att-main">
              {a.url ? (
                <a class="row-title jc-break" href={a.url} target="_blank" rel="noopener" data-testid="attachment-link">
                  <span data-raw="">{a.name}</span>
                </a>
              ) : (
                <span class="row-title jc-break" data-raw="">{a.name}</span>
              )}
              <span class="muted small">
                {size(a.size)} · {formatDateTime(a.createdAt)}
                {a.createdBy && (
                  <>
                    {' · '}
                    <span data-raw="">{a.createdBy.name}</span>
                  </>
                )}
              </span>
              {canShare ? (
                <label class="check att-share">
                  <input type="checkbox" checked={a.sharedWithCustomer} data-testid="attachment-share" onChange={(e) => void share(a, e.currentTarget.checked)} />
                  <span>{t('Shown to the customer')}</span>
                </label>
              ) : (
                a.sharedWithCustomer && <span class="chip">{t('Shown to the customer')}</span>
              )}
            </div>
          </li>
        ))}
      </ul>
      <FormErrors errors={errors} testid="attachment-errors" />
      <button type="button" class="btn btn-secondary btn-block att-upload" onClick={() => input.current?.click()}>
        + {t('Attach a document or photo')}
      </button>
      <input ref={input} hidden type="file" accept={DOCUMENT_TYPES} multiple data-testid="attachment-input" onChange={(e) => void pick(e)} />
    </section>
  );
}
