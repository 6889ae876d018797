import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');

describe('the admin CLI at a terminal, run through npx', () => {
  // npm redraws its spinner as a command it ran ends, after that command's last line (a frame,
  // then an erase sequence): with progress on, `npx agentic-memory forget` declined ends in it.
  it("leaves npm's progress spinner off in this project", async () => {
    const env = { ...process.env };
    delete env.npm_config_progress;
    const { stdout } = await promisify(execFile)('npm', ['config', 'get', 'progress'], { cwd: ROOT, env });
    expect(stdout.trim()).toBe('false');
  });
});
