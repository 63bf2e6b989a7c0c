import type { TestApp } from './app.js';
import { codeIn, type SmtpCapture } from './smtp.js';

/** Steps of the forgot-password flow as the web app takes them, for tests. */
export function resetFlow(t: TestApp, smtp?: SmtpCapture) {
  const json = async (response: Response) => ({ status: response.status, body: await response.json(), headers: response.headers });
  return {
    async forgot(login: string) {
      return json(await t.request('POST', '/api/password/forgot', { json: { login } }));
    },
    async start(login: string): Promise<string> {
      const { status, body } = await this.forgot(login);
      if (status !== 202) throw new Error(`forgot failed: ${status} ${JSON.stringify(body)}`);
      return body.flowId as string;
    },
    async view(flowId: string) {
      return json(await t.request('GET', `/api/password/flows/${flowId}`));
    },
    async challenge(flowId: string, method: string) {
      return json(await t.request('POST', `/api/password/flows/${flowId}/challenge`, { json: { method } }));
    },
    async verify(flowId: string, body: Record<string, unknown>) {
      return json(await t.request('POST', `/api/password/flows/${flowId}/verify`, { json: body }));
    },
    async reset(flowId: string, newPassword: unknown) {
      return json(await t.request('POST', `/api/password/flows/${flowId}/reset`, { json: { newPassword } }));
    },
    async unlock(flowId: string) {
      return json(await t.request('POST', `/api/password/flows/${flowId}/unlock`, { json: {} }));
    },
    /** Asks for an email code and returns it as read from the captured mail. */
    async emailCode(flowId: string, address: string): Promise<string> {
      if (!smtp) throw new Error('no SMTP capture');
      await t.drainJobs(); // mail from earlier steps (notices) lands first, so the next one is the code
      const before = smtp.to(address).length;
      const sent = await this.challenge(flowId, 'email');
      if (sent.status !== 202) throw new Error(`challenge failed: ${sent.status} ${JSON.stringify(sent.body)}`);
      return codeIn(await smtp.waitFor(address, before));
    },
    /** forgot → email code → verified flow id. */
    async verifiedByEmail(login: string, address: string): Promise<string> {
      const flowId = await this.start(login);
      const code = await this.emailCode(flowId, address);
      const verified = await this.verify(flowId, { method: 'email', code });
      if (verified.status !== 200) throw new Error(`verify failed: ${verified.status} ${JSON.stringify(verified.body)}`);
      return flowId;
    },
  };
}
