import {
  audioKey,
  callerTranscriptKey,
  clientDataKey,
  parseRawPostCallKey,
  rawPostCallKey,
} from '../../../../lambdas/shared/archive';

const at = new Date('2026-11-21T09:08:07.654Z');

describe('archive keys', () => {
  it('files pre-call exchanges under the caller', () => {
    expect(clientDataKey('+16125550142', 'CA123', at)).toBe('client-data/+16125550142/2026-11-21/090807654-CA123.json');
  });

  it('gives a byte-identical retry the same inbox key and a different body another', () => {
    const body = Buffer.from('{"type":"post_call_transcription"}');
    const key = rawPostCallKey('post_call_transcription', 'conv_1', body, at);
    expect(rawPostCallKey('post_call_transcription', 'conv_1', Buffer.from(body), at)).toBe(key);
    expect(rawPostCallKey('post_call_transcription', 'conv_1', Buffer.from(`${body} `), at)).not.toBe(key);
  });

  it('reads an inbox key back and refuses every other key', () => {
    const key = rawPostCallKey('post_call_transcription', 'conv_1', Buffer.from('{}'), at);
    expect(parseRawPostCallKey(key)).toEqual({ conversationId: 'conv_1', type: 'post_call_transcription' });
    expect(parseRawPostCallKey(`post-call/raw/conv_1/transcript.json`)).toBeUndefined();
    expect(parseRawPostCallKey(audioKey('conv_1'))).toBeUndefined();
  });

  it('keeps a conversation transcript and its audio on the same conversation id', () => {
    expect(callerTranscriptKey('+16125550142', 'conv_1')).toBe('post-call/+16125550142/conv_1/transcript.json');
    expect(audioKey('conv_1')).toBe('post-call/audio/conv_1.mp3');
  });

  it('never files a caller called "raw" or "audio" in the inbox or the recordings', () => {
    expect(callerTranscriptKey('raw', 'conv_1')).toBe('post-call/~raw/conv_1/transcript.json');
    expect(callerTranscriptKey('audio', 'conv_1')).toBe('post-call/~audio/conv_1/transcript.json');
    expect(callerTranscriptKey('raw-1', 'conv_1')).toBe('post-call/raw-1/conv_1/transcript.json');
  });

  it('never lets an id escape its folder', () => {
    expect(callerTranscriptKey('..', '../../x')).toBe('post-call/_/.._.._x/transcript.json');
    expect(audioKey('a/b')).toBe('post-call/audio/a_b.mp3');
  });
});
