import { callerFromCandidates, isWithheldCallerId, parseCallerId } from '../../../../lambdas/shared/caller';

describe('withheld caller ids', () => {
  it.each([
    'anonymous',
    'Anonymous',
    'ANONYMOUS',
    ' restricted ',
    'Unavailable',
    'unknown',
    'PRIVATE',
    'blocked',
    'Withheld',
    'Number Withheld',
    'no-caller-id',
    '',
    '   ',
    // Twilio's keypad spellings of ANONYMOUS, RESTRICTED, UNAVAILABLE, BLOCKED
    '+266696687',
    '+7378742833',
    '+86282452253',
    '+2562533',
    '266696687',
    '+7 378 742 833',
    // SIP (RFC 3261/3323) and trunk spellings
    'sip:anonymous@anonymous.invalid',
    '"Anonymous" <sip:anonymous@anonymous.invalid>',
    'sip:restricted@203.0.113.7',
    'anonymous@anonymous.invalid',
    'tel:unavailable',
    '+0000000000',
    '0',
  ])('treats %p as withheld', (raw) => {
    expect(isWithheldCallerId(raw)).toBe(true);
    expect(parseCallerId(raw).ok).toBe(false);
  });

  it.each([
    '+16125550142',
    '+17378742833',
    '+442079460958',
    'crm-12345',
    'margaret@example.com',
    'user_anonymous_42',
    'unknownfox',
  ])('keeps the real id %p', (raw) => {
    expect(isWithheldCallerId(raw)).toBe(false);
    expect(parseCallerId(raw).ok).toBe(true);
  });

  it('says why a withheld id is refused as a caller', () => {
    const result = parseCallerId('anonymous');
    expect(result).toMatchObject({ ok: false, withheld: true });
    expect(!result.ok && result.problem).toMatch(/withheld/);
  });

  it('lets a withheld phone number end the fallback: no later candidate is believed', () => {
    expect(callerFromCandidates(['anonymous', '+16125550142', 'web-user-1'])).toBeUndefined();
    expect(callerFromCandidates([undefined, '+266696687', 'web-user-1'])).toBeUndefined();
    expect(callerFromCandidates([undefined, undefined, 'restricted'])).toBeUndefined();
    expect(callerFromCandidates([undefined, '+16125550142', 'web-user-1'])).toBe('+16125550142');
  });
});
