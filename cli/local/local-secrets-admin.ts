import * as path from 'node:path';
import { KEYS_FILE, KEY_ENV, readLocalKeys, setLocalKey } from '../../lambdas/local/local-secrets';
import { usageError } from '../admin-error';
import type { SecretLocation, SecretsAdmin, SettableSecret } from '../deployment';

/**
 * The local stack's keys: the three endpoint keys in `keys.json` (mode 0600) unless set in the
 * environment of `npm start`; the Mem0 and ElevenLabs API keys only ever in its environment.
 */
export class LocalSecretsAdmin implements SecretsAdmin {
  constructor(private readonly home: string) {}

  locations(): SecretLocation[] {
    const file = path.join(this.home, KEYS_FILE);
    return [
      {
        name: 'mem0ApiKey',
        label: 'Mem0 API key',
        location: 'MEM0_API_KEY in the environment of npm start (never stored)',
        settable: false,
        hint: 'unset: the embedded memory store is used',
      },
      {
        name: 'hmacKey',
        label: 'ElevenLabs webhook HMAC key',
        location: `${file} (hmacKey), unless ${KEY_ENV.hmacKey} is set`,
        settable: true,
      },
      {
        name: 'elevenLabsApiKey',
        label: 'ElevenLabs API key (recordings)',
        location: 'ELEVENLABS_API_KEY in the environment of npm start (never stored)',
        settable: false,
      },
      {
        name: 'workspaceKey',
        label: 'workspace key (pre-call)',
        location: `${file} (workspaceKey), unless ${KEY_ENV.workspaceKey} is set`,
        settable: false,
        hint: 'generated on the first start',
      },
      {
        name: 'retrieveApiKey',
        label: 'retrieve key (search tool)',
        location: `${file} (retrieveApiKey), unless ${KEY_ENV.retrieveApiKey} is set`,
        settable: false,
        hint: 'generated on the first start',
      },
    ];
  }

  /** Only the HMAC key is stored here; the API keys live in the stack's environment alone. */
  async storedValue(name: SettableSecret): Promise<string | undefined> {
    if (name !== 'hmacKey') return undefined;
    return (await readLocalKeys(this.home, {})).hmacKey;
  }

  async set(name: SettableSecret, value: string): Promise<string> {
    if (name === 'hmacKey') {
      const file = await setLocalKey(this.home, 'hmacKey', value);
      return `saved in ${file}; restart the local stack (npm start) to use it`;
    }
    const variable = name === 'mem0ApiKey' ? 'MEM0_API_KEY' : 'ELEVENLABS_API_KEY';
    throw usageError(
      `the local stack reads the ${name === 'mem0ApiKey' ? 'Mem0' : 'ElevenLabs'} API key from its environment only: ${variable}=… npm start`,
    );
  }
}
