/**
 * The knowledge base with several server processes on one PostgreSQL database (SERVER_PROCESSES;
 * two apps with their own caches, as two processes have): an entry withdrawn through one process
 * stops being suggested by the other as soon as the write's NOTIFY arrives, not after a restart.
 */
import { describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { staffLogin, useTwoProcesses } from '../../../../../test/helpers';

describe('knowledge base with two server processes on one PostgreSQL database', () => {
  const two = useTwoProcesses();

  const suggest = async (app: FastifyInstance, q: string) =>
    ((await app.inject({ method: 'GET', url: `/api/knowledge?q=${encodeURIComponent(q)}` })).json() as { id: string; question: string }[]).map((e) => e.question);

  it('an entry withdrawn in one process is no longer suggested by the other', async () => {
    const { a, b } = two;
    const question = '营业执照丢了怎么补办？';
    // Both processes have read (and cached) the published entries.
    expect(await suggest(a, '营业执照丢了')).toContain(question);
    expect(await suggest(b, '营业执照丢了')).toContain(question);
    const entry = ((await a.inject({ method: 'GET', url: `/api/knowledge?q=${encodeURIComponent('营业执照丢了')}` })).json() as { id: string; question: string; answer: string }[]).find((e) => e.question === question)!;

    const officer = await staffLogin(a, 'scjg.window');
    const res = await officer.req('PUT', `/api/knowledge/${entry.id}`, { question: entry.question, answer: entry.answer, published: false });
    expect(res.statusCode, res.body).toBe(200);
    expect(await suggest(a, '营业执照丢了')).not.toContain(question);
    // B drops its copy when the NOTIFY arrives (well within the 60 s bound of its cache).
    const until = Date.now() + 10_000;
    while ((await suggest(b, '营业执照丢了')).includes(question) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(await suggest(b, '营业执照丢了')).not.toContain(question);
  });
});
