// application.denied said how to appeal twice: its body read "…。如不服本决定，{{appeal}}" ("If you
// disagree: {{appeal}}"), and the appeal text the engine passes (appealOf) begins with that phrase
// itself. The body now ends with {{appeal}} alone. Only a text as seeded is rewritten (an operator's
// edit is theirs); the version stays 1 — it counts operators' edits (a folded message stands in for
// a replaced template only while no operator reworded it, notifications.service.ts).
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`UPDATE notification_templates
    SET body_zh = ${'您申请的「{{itemName}}」（办件编号 {{applicationNo}}）不予许可，理由：{{reason}}。{{appeal}}'}
    WHERE code = 'application.denied' AND version = 1
      AND body_zh = ${'您申请的「{{itemName}}」（办件编号 {{applicationNo}}）不予许可，理由：{{reason}}。如不服本决定，{{appeal}}'}`.execute(db);
  await sql`UPDATE notification_templates
    SET body_en = ${'Your application for "{{itemName}}" (no. {{applicationNo}}) was denied. Reasons: {{reason}}. {{appeal}}'}
    WHERE code = 'application.denied' AND version = 1
      AND body_en = ${'Your application for "{{itemName}}" (no. {{applicationNo}}) was denied. Reasons: {{reason}}. If you disagree: {{appeal}}'}`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
