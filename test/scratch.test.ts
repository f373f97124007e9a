import { it } from 'vitest';
import { testApp } from './http/app-support.ts';
it('dbg', async () => {
  const t0 = Date.now();
  const app = await testApp();
  console.error('app', Date.now() - t0);
  await app.ctx.members.register({ id: 'ig-seller', classId: 'cn_sellers', name: 'IG Seller', country: 'CN' }, 'test');
  console.error('member', Date.now() - t0);
  const s = await app.ctx.subjects.create({ id: 'ig-subject', jurisdiction: 'KR', issueToken: true }, 'test');
  console.error('subject', Date.now() - t0, !!s.token);
  const n = await app.ctx.consents.notice('checkout');
  console.error('notice', Date.now() - t0);
  const r = await app.ctx.rights.receive('ig-subject', { type: 'access' }, 'test');
  console.error('rights', Date.now() - t0, r.id);
  await app.close();
}, 60000);
