// A photo still on the device: its thumbnail from the local copy and where its upload is (waiting, a progress bar
// while it goes, stored, or the server's refusal with retry / remove).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import type { PhotoRecord } from '../../shared/db';
import { forgetUpload, retryUpload, useProgress } from './photos';

export function LocalPhoto({ record, size = 56 }: { record: PhotoRecord; size?: number }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (record.kind !== 'PHOTO' && !record.blob.type.startsWith('image/')) return;
    const u = URL.createObjectURL(record.blob);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [record.blob, record.kind]);
  return url ? (
    <img class="att-thumb" src={url} alt="" width={size} height={size} data-testid="local-thumb" />
  ) : (
    <span class="att-thumb att-doc" aria-hidden="true">
      PDF
    </span>
  );
}

export function PhotoState({ record }: { record: PhotoRecord }) {
  const progress = useProgress()[record.uploadId];
  if (record.status === 'uploaded') {
    return (
      <span class="muted small" data-testid="photo-state" data-state="uploaded">
        {t('Uploaded')}
      </span>
    );
  }
  if (record.status === 'failed') {
    return (
      <span class="photo-failed" data-testid="photo-state" data-state="failed" role="alert">
        <span class="field-error" data-raw="">
          {record.error?.message}
        </span>
        <span class="op-actions">
          <button type="button" class="btn btn-secondary btn-inline" data-testid="photo-retry" onClick={() => void retryUpload(record.uploadId)}>
            {t('Try again')}
          </button>
          <button type="button" class="btn btn-ghost btn-inline" data-testid="photo-remove" onClick={() => void forgetUpload(record.uploadId)}>
            {t('Remove')}
          </button>
        </span>
      </span>
    );
  }
  if (record.status === 'uploading') {
    const pct = Math.round((progress ?? 0) * 100);
    return (
      <span class="photo-progress" data-testid="photo-state" data-state="uploading">
        <progress max={100} value={pct} aria-label={t('Uploading')} />
        <span class="muted small">{t('Uploading {percent}%', { percent: pct })}</span>
      </span>
    );
  }
  return (
    <span class="chip chip-wait" data-testid="photo-state" data-state="queued">
      {t('Waiting to upload')}
    </span>
  );
}
