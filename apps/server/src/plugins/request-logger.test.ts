/** The lazy per-request logger: same output as pino's child when a request logs, no child when it does not. */
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazyRequestLogger } from './request-logger';

describe('lazy request logger', () => {
  it('writes what a request logs at an enabled level with its request id, and makes no child otherwise', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({ write: (chunk, _e, cb) => (lines.push(JSON.parse(String(chunk))), cb()) });
    const app = Fastify({ logger: { level: 'warn', stream }, childLoggerFactory: lazyRequestLogger, genReqId: () => 'req-1' });
    let children = 0;
    const child = app.log.child.bind(app.log);
    (app.log as unknown as { child: unknown }).child = (...a: Parameters<typeof child>) => (children++, child(...a));
    app.get('/quiet', async (req) => (req.log.info('not written'), req.log.debug('not written'), { ok: req.log.level }));
    app.get('/loud', async (req) => (req.log.warn({ n: 1 }, 'written'), req.log.info('not written'), { ok: true }));
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    expect((await app.inject('/quiet')).json()).toEqual({ ok: 'warn' });
    expect(children).toBe(0);
    expect(lines).toEqual([]);
    await app.inject('/loud');
    expect(children).toBe(1);
    expect(lines).toEqual([expect.objectContaining({ level: 40, reqId: 'req-1', n: 1, msg: 'written' })]);
    expect((await app.inject('/boom')).statusCode).toBe(500);
    expect(lines[1]).toMatchObject({ level: 50, reqId: 'req-1', err: expect.objectContaining({ message: 'boom' }) });
    await app.close();
  });
});
