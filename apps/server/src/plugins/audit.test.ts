import { describe, expect, it } from 'vitest';
import { people } from '../demo/data';
import { maskPersonalDataInText } from '../shared/masking';
import { recordAudit } from './audit';

describe('recordAudit', () => {
  it('stores the detail with personal data masked, as JSON of the masked detail', async () => {
    const rows: Record<string, unknown>[] = [];
    // Outside a deferring transaction the entry is inserted at once: a stand-in that keeps the row.
    const db = { insertInto: () => ({ values: (row: Record<string, unknown>) => ({ execute: async () => void rows.push(row) }) }) };
    const detail = {
      note: `联系电话 +86 138-1234-5678，身份证 ${people[0].idNumber}，邮箱 zhang.wei@example.com`,
      nested: { list: ['a\n"b"\\', 'tab\tx', '\u0001ctl'], n: 1.5, ok: true, none: null },
      mobile: people[0].mobile,
    };
    const ctx = { actor: null, ip: '127.0.0.1', requestId: 'r1', audited: false };
    await recordAudit(db as never, ctx, { action: 'test.audit', entityType: 'test', detail });
    expect(rows).toHaveLength(1);
    const stored = rows[0].detail as string;
    expect(stored).toBe(JSON.stringify(JSON.parse(maskPersonalDataInText(JSON.stringify(detail)))));
    for (const raw of ['138-1234-5678', people[0].idNumber, 'zhang.wei@', people[0].mobile]) expect(stored).not.toContain(raw);
    expect(JSON.parse(stored).nested).toEqual(detail.nested);
    expect(ctx.audited).toBe(true);
  });
});
