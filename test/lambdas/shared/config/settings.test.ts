import { clientDataSettings, ingestSettings, retrieveSettings } from '../../../../lambdas/shared/config';

describe('settings', () => {
  it('has serious defaults with nothing set', () => {
    expect(clientDataSettings({})).toMatchObject({
      memoryDeadlineMs: 1500,
      overridePrompt: true,
      overrideFirstMessage: true,
      maxFacts: 10,
      maxHighlights: 3,
    });
    // No template, no prompt override: the agent keeps its own prompt.
    expect(clientDataSettings({}).basePromptTemplate).toBeUndefined();
    expect(retrieveSettings({})).toEqual({
      memoryDeadlineMs: 1500,
      defaultLimit: 10,
      retrieveAuth: 'token-or-key',
      requireApiKey: true,
      memoryScope: { mode: 'deployment' },
    });
    expect(ingestSettings({}).memoryWriteDeadlineMs).toBe(10000);
  });

  it('reads every switch and bound from the environment', () => {
    const settings = clientDataSettings({
      MEMORY_DEADLINE_MS: '800',
      OVERRIDE_PROMPT: 'false',
      OVERRIDE_FIRST_MESSAGE: 'false',
      BASE_PROMPT_TEMPLATE: 'You are Harbor Bistro.\n{{memory_context}}',
      CONTEXT_MAX_FACTS: '4',
    });
    expect(settings).toMatchObject({
      memoryDeadlineMs: 800,
      overridePrompt: false,
      overrideFirstMessage: false,
      maxFacts: 4,
    });
    expect(
      retrieveSettings({ RETRIEVE_AUTH: 'key', RETRIEVE_REQUIRE_API_KEY: 'false', SEARCH_DEFAULT_LIMIT: '5' }),
    ).toMatchObject({
      requireApiKey: false,
      defaultLimit: 5,
    });
  });

  it('refuses a wrong value naming the variable', () => {
    expect(() => clientDataSettings({ BASE_PROMPT_TEMPLATE: 'no placeholder' })).toThrow(/BASE_PROMPT_TEMPLATE/);
    expect(() => retrieveSettings({ SEARCH_DEFAULT_LIMIT: '500' })).toThrow(/SEARCH_DEFAULT_LIMIT/);
    expect(() => clientDataSettings({ OVERRIDE_PROMPT: 'maybe' })).toThrow(/OVERRIDE_PROMPT/);
  });
});
