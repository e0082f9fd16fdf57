import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS } from '../../src/config/config.ts';
import { certificatesReport } from '../../src/offline.ts';
import { makeCert, tlsSecret } from '../support/certs.ts';
import { backendFor, ingress, ingressClass, toYaml } from '../support/manifests.ts';

test('a host lists the TLS problems that concern it (the diagnostic\'s host), not those whose message names it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portico-certview-'));
  const other = makeCert({ sans: ['other.test'] });
  try {
    // Secret "other" covers other.test only. wrong.test is listed for it: TLSCertificateMismatch,
    // whose message quotes the certificate's names ("other.test"). other.test itself is fine.
    await writeFile(join(dir, 'm.yaml'), toYaml([
      ingressClass(),
      ...backendFor('default', 'web', [8081]),
      tlsSecret('default', 'other', other.certPem, other.keyPem),
      ingress('default', 'i', [
        { host: 'other.test', paths: [{ path: '/', service: 'web', port: 80 }] },
        { host: 'wrong.test', paths: [{ path: '/', service: 'web', port: 80 }] },
      ], { tls: [{ hosts: ['other.test', 'wrong.test'], secretName: 'other' }] }),
    ]));
    const { rows } = await certificatesReport({ ...DEFAULTS, resources: [dir] });
    const row = (h: string) => rows.find((r) => r.host === h)!;
    assert.equal(row('other.test').served, 'exact');
    assert.deepEqual(row('other.test').problems, []);
    assert.equal(row('wrong.test').served, 'default');
    assert.equal(row('wrong.test').problems.length, 1);
    assert.match(row('wrong.test').problems[0], /^TLSCertificateMismatch: .*other\.test.*wrong\.test/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
