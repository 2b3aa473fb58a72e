/**
 * Materials (申请材料): uploading the ones the applicant hands in (several files each, through
 * /api/files, checked there by content), and the list of a submitted application's materials —
 * handed in, 免提交 resolved from government data (with the evidence the officer checks), or
 * still missing.
 */
import { useState } from 'react';
import { Button } from 'antd';
import { CheckCircleOutlined, DeleteOutlined, PaperClipOutlined, UploadOutlined, WarningOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api';
import { useSession } from '../../auth';
import { usePrefs } from '../../prefs';
import { formatTime } from './common';
import { loc, type CatalogMaterial, type FileRef, type MaterialRecord } from './model';
import { uploadFile } from './SchemaForm';

/** The files of one material: add (upload at once) and remove. */
export function MaterialUpload({ id, name, files, onChange, required }: { id: string; name: string; files: FileRef[]; onChange: (files: FileRef[]) => void; required?: boolean }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const { me } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputId = `mat-${id}`;
  return (
    <div data-testid={`material-${id}`}>
      <div className="ya-row">
        <strong className="ya-grow">{name}</strong>
        <span className={`ya-badge ${required ? 'ya-badge-state' : 'ya-badge-draft'}`}>{required ? t('appl.materials.req.required') : t('appl.materials.req.optional')}</span>
      </div>
      {files.length ? (
        <ul style={{ listStyle: 'none', padding: 0, margin: '8px 0' }}>
          {files.map((f) => (
            <li key={f.id} className="ya-row">
              <a href={`/api/files/${f.id}`} target="_blank" rel="noreferrer">
                <PaperClipOutlined aria-hidden="true" /> {f.name}
              </a>
              <Button size="small" type="text" icon={<DeleteOutlined aria-hidden="true" />} aria-label={t('appl.materials.remove', { name: f.name })} onClick={() => onChange(files.filter((x) => x.id !== f.id))} />
            </li>
          ))}
        </ul>
      ) : null}
      <input
        id={inputId}
        type="file"
        accept=".pdf,.jpg,.jpeg,.png,.ofd,application/pdf,image/jpeg,image/png"
        aria-label={t('appl.form.uploadFor', { name })}
        style={{ position: 'absolute', width: 1, height: 1, opacity: 0, overflow: 'hidden' }}
        data-testid={`material-input-${id}`}
        onChange={async (e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (!f) return;
          setBusy(true);
          setError(null);
          try {
            const up = await uploadFile(f, me?.csrfToken ?? null);
            onChange([...files, { id: up.id, name: up.originalName ?? up.filename ?? f.name }]);
          } catch (err) {
            setError(err instanceof ApiError ? err.text(lang) : t('error.generic'));
          } finally {
            setBusy(false);
          }
        }}
      />
      <div className="ya-row" style={{ marginTop: 4 }}>
        <Button icon={<UploadOutlined aria-hidden="true" />} loading={busy} onClick={() => document.getElementById(inputId)?.click()}>
          {files.length ? t('appl.materials.addFile') : t('appl.form.chooseFile')}
        </Button>
        <span className="ya-meta">{t('appl.form.fileTypes')}</span>
      </div>
      {error ? (
        <p role="alert" style={{ color: '#b3261e', margin: '4px 0 0' }}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/**
 * The materials handed in as files (apply page, window intake): an upload each, its condition, and
 * for a 免提交 one whose source could not provide it (`mustUpload`) the reason it is asked for.
 */
export function MaterialUploads({ materials, files, onChange, mustUpload, testId }: { materials: CatalogMaterial[]; files: Record<string, FileRef[]>; onChange: (key: string, files: FileRef[]) => void; mustUpload: string[]; testId: string }) {
  const { t } = useTranslation();
  return (
    <ul className="ya-list" data-testid={testId}>
      {materials.map((m) => (
        <li key={m.key}>
          <MaterialUpload id={m.key} name={m.name} required={m.requirement === 'required'} files={files[m.key] ?? []} onChange={(f) => onChange(m.key, f)} />
          {m.condition ? <div className="ya-meta">{t('appl.materials.condition', { condition: m.condition })}</div> : null}
          {mustUpload.includes(m.key) ? (
            <div className="ya-meta" role="alert" data-testid="must-upload" data-material={m.key}>
              {t('appl.materials.sourceUnavailable')}
            </div>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

const STATUS_TONE: Record<string, string> = { handed_in: 'done', resolved: 'done', uploaded_instead: 'done', missing: 'warning', unavailable: 'warning' };

/** A submitted application's materials, for the applicant (officer: with the evidence's data). */
export function MaterialsList({ materials, officer = false }: { materials: MaterialRecord[]; officer?: boolean }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  if (!materials.length) return <p className="ya-meta">{t('appl.wb.noMaterials')}</p>;
  return (
    <ul className="ya-list" data-testid="materials-list">
      {materials.map((m) => (
        <li key={m.key} data-material={m.key} data-status={m.status ?? ''}>
          <div className="ya-row">
            {m.status === 'resolved' || m.status === 'handed_in' ? <CheckCircleOutlined aria-hidden="true" style={{ color: '#1e6b34' }} /> : m.status === 'missing' || m.status === 'unavailable' ? <WarningOutlined aria-hidden="true" style={{ color: '#8a4b00' }} /> : null}
            <strong className="ya-grow">{m.name}</strong>
            {m.exempt ? <span className="ya-badge ya-badge-done">{t('appl.materials.exempt')}</span> : null}
            {m.status ? <span className={`ya-badge ya-badge-${STATUS_TONE[m.status] ?? 'state'}`}>{t(`appl.materials.status.${m.status}`, { defaultValue: m.status })}</span> : <span className="ya-badge ya-badge-state">{t(`appl.materials.req.${m.requirement}`, { defaultValue: m.requirement })}</span>}
          </div>
          <div className="ya-meta">
            {m.exempt ? t('appl.wb.exemptFrom', { source: t(`appl.materials.source.${m.source}`, { defaultValue: m.source }) }) : t(`appl.materials.req.${m.requirement}`, { defaultValue: m.requirement })}
            {m.evidence ? (
              <>
                {' · '}
                {m.evidence.status === 'resolved'
                  ? t('appl.materials.evidenceFrom', { from: m.evidence.from ?? '', at: formatTime(m.evidence.checkedAt, lang) })
                  : t('appl.materials.evidenceUnavailable', { reason: loc(m.evidence.reason, lang) })}
                {m.evidence.verified ? ` · ${t('appl.materials.verified')}` : ''}
              </>
            ) : null}
          </div>
          {officer && m.evidence?.data && Object.keys(m.evidence.data).length ? (
            <dl className="ya-kv" style={{ marginTop: 6 }} data-testid="evidence-data">
              {Object.entries(m.evidence.data).map(([k, v]) => (
                <div key={k} style={{ display: 'contents' }}>
                  <dt>{k}</dt>
                  <dd>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>
                </div>
              ))}
              {m.evidence.reference ? (
                <>
                  <dt>{t('appl.materials.reference')}</dt>
                  <dd>{m.evidence.reference}</dd>
                </>
              ) : null}
            </dl>
          ) : null}
          {m.files?.length ? (
            <ul style={{ listStyle: 'none', padding: 0, margin: '6px 0 0' }}>
              {m.files.map((f) => (
                <li key={f.id}>
                  <a href={f.url ?? `/api/files/${f.id}`} target="_blank" rel="noreferrer" data-testid="material-file">
                    <PaperClipOutlined aria-hidden="true" /> {f.name}
                  </a>
                </li>
              ))}
            </ul>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
