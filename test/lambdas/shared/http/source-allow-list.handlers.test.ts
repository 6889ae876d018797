import { TestBed, json } from '../../../support/test-bed';

describe('the webhooks behind a source allow-list', () => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await TestBed.start({ allowedSourceIps: '34.67.146.145,34.59.11.47' });
  });
  afterAll(() => bed.stop());

  it('pre-call answers ElevenLabs and refuses anyone else with 403, whatever key they hold', async () => {
    expect((await bed.callClientData({ caller_id: '+16125550142' }, undefined, '34.59.11.47')).statusCode).toBe(200);
    const refused = await bed.callClientData({ caller_id: '+16125550142' }, undefined, '198.51.100.7');
    expect(refused.statusCode).toBe(403);
    expect(json(refused).error).toBe('source address not allowed');
  });

  it('post-call stores deliveries from ElevenLabs and refuses anyone else before storing anything', async () => {
    const payload = { type: 'post_call_transcription', data: { conversation_id: 'conv_allow' } };
    const before = await bed.s3.listKeys();
    expect((await bed.deliverPostCall(payload, { sourceIp: '198.51.100.7' })).statusCode).toBe(403);
    expect(await bed.s3.listKeys()).toEqual(before);
    expect((await bed.deliverPostCall(payload, { sourceIp: '34.67.146.145' })).statusCode).toBe(200);
  });
});
