import { useEffect, useState } from 'react';
import { Card, Input, List } from 'antd';
import { useTranslation } from 'react-i18next';
import { AreaLayout } from '../components/AreaLayout';
import { usePageTitle } from '../components/usePageTitle';
import { ErrorAlert } from '../features/applications/common';
import { inquiriesApi, type KnowledgeEntry } from '../features/reviews/model';

/** /knowledge: the public knowledge base (知识库), searched while typing. */
export default function PublicKnowledge() {
  const { t } = useTranslation();
  usePageTitle(t('rv.kb.title'));
  const [q, setQ] = useState('');
  const [list, setList] = useState<KnowledgeEntry[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const timer = setTimeout(() => inquiriesApi.knowledge(q).then((l) => { setList(l); setError(null); }, setError), 200);
    return () => clearTimeout(timer);
  }, [q]);
  return (
    <AreaLayout area="public">
      <div className="yw-page" data-testid="public-knowledge">
        <h1 className="yw-page-title">{t('rv.kb.title')}</h1>
        <p className="yw-lead">{t('rv.kb.lead')}</p>
        <Input.Search aria-label={t('rv.kb.search')} placeholder={t('rv.kb.search')} value={q} onChange={(e) => setQ(e.target.value)} allowClear className="yw-block-sm" style={{ maxWidth: 480 }} data-testid="kb-search" />
        <ErrorAlert error={error} />
        <List
          dataSource={list}
          locale={{ emptyText: t('rv.kb.empty') }}
          renderItem={(e) => (
            <List.Item data-testid="kb-entry">
              <Card size="small" style={{ width: '100%' }} title={<h2 className="rv-card-title">{e.question}</h2>}>
                <p>{e.answer}</p>
                <p className="yw-muted">
                  {e.itemName ? `${e.itemName} · ` : ''}
                  {t('rv.kb.by', { department: e.department ?? '' })}
                </p>
              </Card>
            </List.Item>
          )}
        />
      </div>
    </AreaLayout>
  );
}
