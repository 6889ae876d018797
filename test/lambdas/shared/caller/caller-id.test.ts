import { callerFromCandidates, parseCallerId, redactCallerId } from '../../../../lambdas/shared/caller';

const ok = (raw: string) => {
  const result = parseCallerId(raw);
  if (!result.ok) throw new Error(`expected ${raw} to parse: ${result.problem}`);
  return result.callerId;
};

describe('parseCallerId', () => {
  it.each([
    ['+16125550142', '+16125550142'],
    ['+1 (612) 555-0142', '+16125550142'],
    ['+1.612.555.0142', '+16125550142'],
    ['  +44 20 7946 0958 ', '+442079460958'],
    ['0044 20 7946 0958', '+442079460958'],
  ])('normalises the phone number %p to E.164 %p', (raw, expected) => {
    expect(ok(raw)).toBe(expected);
  });

  it('makes differently written numbers of one caller the same id', () => {
    expect(ok('+1 (612) 555-0142')).toBe(ok('+16125550142'));
  });

  it.each(['crm-12345', 'user_42', 'margaret@example.com', 'tenant:abc.def', 'a'])(
    'keeps the opaque id %p as it is',
    (raw) => {
      expect(ok(raw)).toBe(raw);
    },
  );

  it('keeps a number without country code as its digits', () => {
    expect(ok('612-555-0142')).toBe('6125550142');
  });

  it.each([
    ['', 'is empty'],
    ['+0123456789', 'international phone number'],
    ['+12', 'international phone number'],
    ['has space inside', 'at most 128'],
    ['x'.repeat(129), 'at most 128'],
    ['../../etc/passwd', 'at most 128'],
    ['名前', 'at most 128'],
  ])('refuses %p, saying why', (raw, problem) => {
    const result = parseCallerId(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain(problem);
  });
});

describe('redactCallerId', () => {
  it('keeps only the country prefix and the last four digits of a phone number', () => {
    const redacted = redactCallerId('+16125550142');
    expect(redacted).toBe('+1…0142');
    expect(redacted).not.toContain('612555');
  });

  it('shortens opaque ids', () => {
    expect(redactCallerId('margaret@example.com')).toBe('mar…');
  });
});

describe('callerFromCandidates', () => {
  it('takes the first valid candidate in order', () => {
    expect(callerFromCandidates([undefined, '+1 612 555 0142', 'crm-1'])).toBe('+16125550142');
    expect(callerFromCandidates(['not valid!', 'crm-1'])).toBe('crm-1');
    expect(callerFromCandidates([undefined, undefined])).toBeUndefined();
  });
});
