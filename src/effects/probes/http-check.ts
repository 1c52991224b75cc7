import { request } from 'node:http';

export interface CheckOutcome {
  ok: boolean;
  output: string;
}

const BODY_SAMPLE_CHARS = 200;

/**
 * One HTTP GET. Passes on `expectStatus` when given, otherwise on 200–399 (kubelet's rule).
 * Never rejects: a refused connection or a timeout is a failed check with its reason.
 */
export function httpCheck(
  host: string,
  port: number,
  path: string,
  timeoutMs: number,
  expectStatus?: number,
): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: CheckOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const req = request(
      { host, port, path, method: 'GET', timeout: timeoutMs, headers: { 'user-agent': 'podwarden-probe' } },
      (res) => {
        const status = res.statusCode ?? 0;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < BODY_SAMPLE_CHARS) body += chunk;
        });
        res.on('end', () => {
          const ok = expectStatus === undefined ? status >= 200 && status < 400 : status === expectStatus;
          finish({ ok, output: `HTTP ${status}${body.trim() ? `: ${body.trim().slice(0, BODY_SAMPLE_CHARS)}` : ''}` });
        });
        res.on('error', (error) => finish({ ok: false, output: error.message }));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      finish({ ok: false, output: `no answer within ${timeoutMs} ms` });
    });
    req.on('error', (error) => finish({ ok: false, output: error.message }));
    req.end();
  });
}
