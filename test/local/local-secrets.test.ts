import { readFile, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { KEYS_FILE, loadOrCreateLocalKeys, readLocalKeys } from '../../lambdas/local/local-secrets';
import { removeHome, tempHome } from './local-stack-support';

describe('local keys', () => {
  let home: string;

  beforeEach(async () => {
    home = await tempHome();
  });
  afterEach(async () => {
    await removeHome(home);
  });

  it('generates unset keys on first start, keeps them readable by the owner only, and reuses them', async () => {
    const first = await loadOrCreateLocalKeys(home, {});
    expect(first.sources).toEqual({
      workspaceKey: 'generated now',
      retrieveApiKey: 'generated now',
      hmacKey: 'generated now',
      memoryTokenKey: 'generated now',
    });
    expect(first.keys.hmacKey).toMatch(/^wsec_[0-9a-f]{64}$/);
    expect(first.keys.memoryTokenKey).toMatch(/^mtk_[A-Za-z0-9_-]{43}$/);
    expect(first.keys.workspaceKey).toMatch(/^wk_[A-Za-z0-9_-]{32}$/);
    expect(first.keys.retrieveApiKey).not.toBe(first.keys.workspaceKey);
    expect((await stat(path.join(home, KEYS_FILE))).mode & 0o777).toBe(0o600);

    const second = await loadOrCreateLocalKeys(home, {});
    expect(second.keys).toEqual(first.keys);
    expect(second.sources.hmacKey).toBe('data directory');
  });

  it('takes a key from its environment variable and keeps it in keys.json, so a start without the variable uses it', async () => {
    const given = await loadOrCreateLocalKeys(home, { ELEVENLABS_HMAC_KEY: 'wsec_from_elevenlabs' });
    expect(given.keys.hmacKey).toBe('wsec_from_elevenlabs');
    expect(given.sources).toEqual({
      workspaceKey: 'generated now',
      retrieveApiKey: 'generated now',
      hmacKey: 'environment',
      memoryTokenKey: 'generated now',
    });
    expect(given.savedFromEnvironment).toEqual({ hmacKey: 'saved now' });
    expect(JSON.parse(await readFile(path.join(home, KEYS_FILE), 'utf8'))).toMatchObject({
      hmacKey: 'wsec_from_elevenlabs',
    });
    expect((await stat(path.join(home, KEYS_FILE))).mode & 0o777).toBe(0o600);

    const without = await loadOrCreateLocalKeys(home, {});
    expect(without.keys).toEqual(given.keys);
    expect(without.sources.hmacKey).toBe('data directory');
    expect((await readLocalKeys(home, {})).hmacKey).toBe('wsec_from_elevenlabs');
  });

  it('says whether a key given in the environment was already kept, or replaced the kept one', async () => {
    await loadOrCreateLocalKeys(home, { ELEVENLABS_HMAC_KEY: 'wsec_first', RETRIEVE_API_KEY: 'rk_mine' });

    const again = await loadOrCreateLocalKeys(home, {
      ELEVENLABS_HMAC_KEY: 'wsec_second',
      RETRIEVE_API_KEY: 'rk_mine',
    });

    expect(again.savedFromEnvironment).toEqual({ hmacKey: 'replaced the saved key', retrieveApiKey: 'already saved' });
    expect(await readLocalKeys(home, {})).toMatchObject({ hmacKey: 'wsec_second', retrieveApiKey: 'rk_mine' });
  });

  it('adds a memory token key to a data directory made before there was one, keeping its other keys', async () => {
    const earlier = { workspaceKey: 'wk_earlier', retrieveApiKey: 'rk_earlier', hmacKey: 'wsec_earlier' };
    await writeFile(path.join(home, KEYS_FILE), JSON.stringify(earlier));

    const { keys, sources } = await loadOrCreateLocalKeys(home, {});

    expect(keys).toMatchObject(earlier);
    expect(sources).toMatchObject({ workspaceKey: 'data directory', memoryTokenKey: 'generated now' });
    expect(await readLocalKeys(home, {})).toEqual(keys);
    expect((await loadOrCreateLocalKeys(home, { MEMORY_TOKEN_KEY: 'mtk_mine' })).keys.memoryTokenKey).toBe('mtk_mine');
  });

  it('tells a client with no keys to start the stack first, and names a damaged keys file', async () => {
    await expect(readLocalKeys(home, {})).rejects.toThrow(
      /no ELEVENLABS_WORKSPACE_KEY: set it, or start the stack once/,
    );
    await writeFile(path.join(home, KEYS_FILE), '{');
    await expect(loadOrCreateLocalKeys(home, {})).rejects.toThrow(/keys.json is not valid JSON/);
  });
});
