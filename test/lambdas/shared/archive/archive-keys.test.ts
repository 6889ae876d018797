import * as fc from 'fast-check';
import {
  audioKey,
  audioKeyOfSegment,
  callerFolder,
  callerOfFolder,
  callerPrefix,
  callerTranscriptKey,
  clientDataKey,
  conversationSegmentOfAudioKey,
  parseRawPostCallKey,
  rawPostCallKey,
} from '../../../../lambdas/shared/archive';
import { ids } from './ids';

const at = new Date('2026-11-21T09:08:07.654Z');

describe('archive keys', () => {
  it('files pre-call exchanges under the caller', () => {
    expect(clientDataKey('+16125550142', 'CA123', at)).toBe('client-data/+16125550142/2026-11-21/090807654-CA123.json');
    expect(clientDataKey('clinic-a/+16125550142', 'CA123', at)).toBe(
      'client-data/clinic-a%2F+16125550142/2026-11-21/090807654-CA123.json',
    );
  });

  it('gives a byte-identical retry the same inbox key and a different body another', () => {
    const body = Buffer.from('{"type":"post_call_transcription"}');
    const key = rawPostCallKey('post_call_transcription', 'conv_1', body, at);
    expect(rawPostCallKey('post_call_transcription', 'conv_1', Buffer.from(body), at)).toBe(key);
    expect(rawPostCallKey('post_call_transcription', 'conv_1', Buffer.from(`${body} `), at)).not.toBe(key);
  });

  it('reads an inbox key back and refuses every other key', () => {
    const key = rawPostCallKey('post_call_transcription', 'conv_1', Buffer.from('{}'), at);
    expect(parseRawPostCallKey(key)).toEqual({
      conversationSegment: 'conv_1',
      conversationId: 'conv_1',
      type: 'post_call_transcription',
    });
    expect(parseRawPostCallKey(`post-call/raw/conv_1/transcript.json`)).toBeUndefined();
    expect(parseRawPostCallKey(audioKey('conv_1'))).toBeUndefined();
  });

  it('keeps a conversation transcript and its audio on the same conversation id', () => {
    expect(callerTranscriptKey('+16125550142', 'conv_1')).toBe('post-call/+16125550142/conv_1/transcript.json');
    expect(audioKey('conv_1')).toBe('post-call/audio/conv_1.mp3');
  });

  it('never files a caller called "raw" or "audio" in the inbox or the recordings, and reads each folder back', () => {
    expect(callerTranscriptKey('raw', 'conv_1')).toBe('post-call/~raw/conv_1/transcript.json');
    expect(callerTranscriptKey('audio', 'conv_1')).toBe('post-call/~audio/conv_1/transcript.json');
    expect(callerTranscriptKey('raw-1', 'conv_1')).toBe('post-call/raw-1/conv_1/transcript.json');
    expect(callerFolder('~raw')).toBe('%7Eraw');
    for (const caller of ['raw', 'audio', '~raw', '~audio', 'raw-1', '%7Eraw']) {
      expect(callerOfFolder(callerFolder(caller))).toBe(caller);
    }
    expect(callerOfFolder('raw')).toBeUndefined();
    expect(callerOfFolder('audio')).toBeUndefined();
    expect(callerOfFolder('~other')).toBeUndefined();
  });

  it('never lets an id escape its folder', () => {
    expect(callerTranscriptKey('..', '../../x')).toBe('post-call/%2E%2E/..%2F..%2Fx/transcript.json');
    expect(callerTranscriptKey('.', '')).toBe('post-call/%2E/%/transcript.json');
    expect(audioKey('a/b')).toBe('post-call/audio/a%2Fb.mp3');
    expect(audioKey('line\nbreak')).toBe('post-call/audio/line%0Abreak.mp3');
  });

  it('keeps conv_a/b and conv_a_b apart in every key (they once shared one, and a recording overwrote another)', () => {
    expect(audioKey('conv_a/b')).not.toBe(audioKey('conv_a_b'));
    expect(rawPostCallKey('post_call_transcription', 'conv_a/b', Buffer.from('{}'), at)).not.toBe(
      rawPostCallKey('post_call_transcription', 'conv_a_b', Buffer.from('{}'), at),
    );
    expect(callerTranscriptKey('+16125550142', 'conv_a/b')).not.toBe(callerTranscriptKey('+16125550142', 'conv_a_b'));
    expect(callerPrefix('clinic-a/+16125550142')).not.toBe(callerPrefix('clinic-a_+16125550142'));
  });

  it('files a memory identity with its scope as one folder, and reads it back', () => {
    const prefix = callerPrefix('clinic-a/+15551234567');
    expect(prefix).toBe('post-call/clinic-a%2F+15551234567/');
    expect(callerOfFolder(prefix.split('/')[1])).toBe('clinic-a/+15551234567');
  });

  describe('for any ids (property)', () => {
    it('reads every inbox key back to the conversation and type it was made from', () => {
      fc.assert(
        fc.property(ids(), ids(), fc.uint8Array({ maxLength: 64 }), (conversationId, type, body) => {
          const key = rawPostCallKey(type, conversationId, Buffer.from(body), at);
          expect(key.split('/')).toHaveLength(5);
          const parsed = parseRawPostCallKey(key);
          expect(parsed).toBeDefined();
          if (parsed!.conversationId !== undefined) expect(parsed!.conversationId).toBe(conversationId);
          if (parsed!.type !== undefined) expect(parsed!.type).toBe(type);
          expect(audioKeyOfSegment(parsed!.conversationSegment)).toBe(audioKey(conversationId));
          expect(conversationSegmentOfAudioKey(audioKey(conversationId))).toBe(parsed!.conversationSegment);
        }),
        { numRuns: 2000 },
      );
    });

    it('gives two different conversations or callers two different keys, never a reserved folder', () => {
      fc.assert(
        fc.property(ids(), ids(), (a, b) => {
          fc.pre(a !== b);
          expect(audioKey(a)).not.toBe(audioKey(b));
          expect(callerTranscriptKey(a, 'conv_1')).not.toBe(callerTranscriptKey(b, 'conv_1'));
          expect(callerTranscriptKey('+16125550142', a)).not.toBe(callerTranscriptKey('+16125550142', b));
          expect(callerClientDataPrefixOf(a)).not.toBe(callerClientDataPrefixOf(b));
          for (const id of [a, b]) {
            expect(['raw', 'audio']).not.toContain(callerFolder(id));
            const back = callerOfFolder(callerFolder(id));
            if (back !== undefined) expect(back).toBe(id);
          }
        }),
        { numRuns: 2000 },
      );
    });
  });
});

function callerClientDataPrefixOf(callerId: string): string {
  return clientDataKey(callerId, 'CA1', at).split('/').slice(0, 2).join('/');
}
