import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import * as path from 'node:path';
import * as embeddedS3 from '../../lambdas/local/embedded-s3';
import { removeHome, startTestStack, tempHome } from './local-stack-support';

/** A loopback port held by someone else for the test's duration. */
async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

describe('a local stack start that fails', () => {
  let parent: string;

  beforeEach(async () => {
    parent = await tempHome();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await removeHome(parent);
  });

  it('on a port in use: fails before it creates the data directory, its keys or anything else', async () => {
    const { port, server } = await occupiedPort();
    const home = path.join(parent, 'not-yet', 'home');
    try {
      await expect(startTestStack(home, { port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      server.close();
    }
    expect(existsSync(path.join(parent, 'not-yet'))).toBe(false);
  });

  it('on a port in use with an existing data directory: adds nothing to it', async () => {
    const { port, server } = await occupiedPort();
    const home = path.join(parent, 'home');
    await mkdir(home);
    try {
      await expect(startTestStack(home, { port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      server.close();
    }
    expect(await readdir(home)).toEqual([]);
  });

  it('after it made the data directory: removes the directory it made and frees the port', async () => {
    jest.spyOn(embeddedS3, 'startEmbeddedS3').mockRejectedValueOnce(new Error('the archive server could not start'));
    const { port, server } = await occupiedPort();
    server.close();
    const home = path.join(parent, 'made-now', 'home');

    await expect(startTestStack(home, { port })).rejects.toThrow('the archive server could not start');

    expect(existsSync(path.join(parent, 'made-now'))).toBe(false);
    const again = await startTestStack(home, { port });
    await again.stack.stop();
    expect(again.stack.url).toBe(`http://127.0.0.1:${port}`);
  });

  it('after it made files in an existing data directory: keeps the directory (it may hold memories)', async () => {
    jest.spyOn(embeddedS3, 'startEmbeddedS3').mockRejectedValueOnce(new Error('the archive server could not start'));
    const home = path.join(parent, 'home');
    await mkdir(home);

    await expect(startTestStack(home)).rejects.toThrow('the archive server could not start');

    expect(existsSync(home)).toBe(true);
  });
});
