import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

// docs/mtls.md tells users to try mTLS locally with `npm run demo:mtls`: it must keep working.
describe('npm run demo:mtls', () => {
  it('shows a certificate-bound token passing with its certificate and refused with none or another', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'scripts', 'mtls-demo.mjs')], { cwd: root, timeout: 60_000 });
    expect(stdout).toContain('200 token_type Bearer, cnf {"x5t#S256":"LuQecvt-UqevN68mnDgm0SC4hlJkfgthLI3WUw1YCM8"}');
    expect(stdout).toContain('GET /api/hello with the same certificate\n  200 {"origin":"reached","assertion_cnf":{"x5t#S256":"LuQecvt-UqevN68mnDgm0SC4hlJkfgthLI3WUw1YCM8"}}');
    expect(stdout).toContain('GET /api/hello without a certificate\n  401 {"error":"invalid_token"');
    expect(stdout).toContain('GET /api/hello with another certificate\n  401 {"error":"invalid_token"');
  });
});
