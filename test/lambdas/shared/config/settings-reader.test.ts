import { clientDataSettings, ingestSettings, retrieveSettings } from '../../../../lambdas/shared/config';

describe('settings read from the environment', () => {
  it('report every wrong variable at once, each by name', () => {
    expect(() =>
      clientDataSettings({ MEMORY_DEADLINE_MS: '1.5', CONTEXT_MAX_FACTS: 'ten', OVERRIDE_PROMPT: 'TRUE' }),
    ).toThrow(/^invalid configuration: MEMORY_DEADLINE_MS: .*; OVERRIDE_PROMPT: .*; CONTEXT_MAX_FACTS: /);
  });

  it('refuse numbers out of bounds or beyond safe integers, and over-long text', () => {
    expect(() => retrieveSettings({ SEARCH_DEFAULT_LIMIT: '0' })).toThrow(
      /SEARCH_DEFAULT_LIMIT: must be a whole number from 1 to 50/,
    );
    expect(() => ingestSettings({ MEMORY_WRITE_DEADLINE_MS: '9007199254740993' })).toThrow(/MEMORY_WRITE_DEADLINE_MS/);
    expect(() => clientDataSettings({ NEW_CALLER_GREETING: 'x'.repeat(1001) })).toThrow(
      /NEW_CALLER_GREETING: must be at most 1000/,
    );
  });

  it('take a blank variable as unset, and numbers as Number() reads them', () => {
    const blank = clientDataSettings({ MEMORY_DEADLINE_MS: '  ', BASE_PROMPT_TEMPLATE: '' });
    expect(blank.memoryDeadlineMs).toBe(1500);
    expect(blank.basePromptTemplate).toBeUndefined();
    expect(
      retrieveSettings({
        SEARCH_DEFAULT_LIMIT: ' 7 ',
        RETRIEVE_AUTH: 'key',
        RETRIEVE_REQUIRE_API_KEY: 'no',
        MEMORY_SCOPE: ' ',
      }),
    ).toEqual({
      memoryDeadlineMs: 1500,
      defaultLimit: 7,
      retrieveAuth: 'key',
      requireApiKey: false,
      memoryScope: { mode: 'deployment' },
    });
  });
});
