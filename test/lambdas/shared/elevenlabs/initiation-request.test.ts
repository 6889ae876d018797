import { initiationRequestSchema } from '../../../../lambdas/shared/elevenlabs/initiation-request';
import { HttpError } from '../../../../lambdas/shared/http/errors';
import { validate } from '../../../../lambdas/shared/http/validation';
import { readFixtureJson } from '../../../support/fixtures';

function rejection(body: unknown): HttpError {
  try {
    validate(initiationRequestSchema, body);
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected the initiation request to be rejected');
}

describe('initiationRequestSchema: documented request', () => {
  it('reads the documented Twilio request', () => {
    expect(
      validate(initiationRequestSchema, readFixtureJson('elevenlabs/documented/initiation_request.twilio.json')),
    ).toEqual({
      caller_id: '+14155550123',
      agent_id: 'agent_7101k5zvyjhmfg983brhmhkd98n6',
      called_number: '+18885550100',
      call_sid: 'CA5f3c9a7e21b84d6f9a0c2e4b7d1f3a58',
    });
  });
});

describe('initiationRequestSchema', () => {
  it('normalises the caller id', () => {
    expect(validate(initiationRequestSchema, { caller_id: ' +1 (415) 555-0123 ' }).caller_id).toBe('+14155550123');
    expect(validate(initiationRequestSchema, { caller_id: '0044 20 7946 0958' }).caller_id).toBe('+442079460958');
  });

  it('needs only the caller id; null optional fields read as absent', () => {
    expect(validate(initiationRequestSchema, { caller_id: '+14155550123', call_sid: null, agent_id: null })).toEqual({
      caller_id: '+14155550123',
      agent_id: undefined,
      called_number: undefined,
      call_sid: undefined,
    });
  });

  it('ignores and drops unknown keys', () => {
    const parsed = validate(initiationRequestSchema, {
      caller_id: '+14155550123',
      future_field: { a: 1 },
      direction: 'inbound',
    });
    expect(parsed).not.toHaveProperty('future_field');
    expect(parsed).not.toHaveProperty('direction');
  });

  it.each<[string, unknown, string]>([
    ['no caller id', { agent_id: 'agent_1' }, 'caller_id'],
    ['a numeric caller id', { caller_id: 14155550123 }, 'caller_id'],
    ['an invalid phone number', { caller_id: '+0123' }, 'caller_id'],
    ['a caller id with a path in it', { caller_id: '../../etc/passwd' }, 'caller_id'],
    ['an oversized caller id', { caller_id: '1'.repeat(300) }, 'caller_id'],
    ['an oversized agent id', { caller_id: '+14155550123', agent_id: 'a'.repeat(257) }, 'agent_id'],
    ['an oversized called number', { caller_id: '+14155550123', called_number: '1'.repeat(257) }, 'called_number'],
    ['an oversized call sid', { caller_id: '+14155550123', call_sid: 'C'.repeat(257) }, 'call_sid'],
    ['a numeric agent id', { caller_id: '+14155550123', agent_id: 7 }, 'agent_id'],
  ])('rejects %s with a 400 naming the field', (_case, body, field) => {
    const error = rejection(body);
    expect(error.statusCode).toBe(400);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('accepts fields at the length bound', () => {
    expect(
      validate(initiationRequestSchema, { caller_id: '+14155550123', agent_id: 'a'.repeat(256) }).agent_id,
    ).toHaveLength(256);
  });
});

describe('initiationRequestSchema: withheld numbers', () => {
  it.each([null, '', '  ', 'anonymous', 'Restricted', '+266696687', 'sip:anonymous@anonymous.invalid'])(
    'reads the withheld caller id %p as nobody (no caller), not as a bad request',
    (caller_id) => {
      expect(validate(initiationRequestSchema, { caller_id }).caller_id).toBeUndefined();
    },
  );

  it('still refuses a missing caller_id: ElevenLabs always sends the field', () => {
    expect(() => validate(initiationRequestSchema, { agent_id: 'agent_1' })).toThrow(/caller_id/);
  });
});
