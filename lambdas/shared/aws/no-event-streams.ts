/**
 * Bundled in place of @smithy/core/event-streams (the `--alias` in lib/memory-function.ts). No
 * function sends or reads an event stream (S3 Select and the like), yet the SDK's protocol layer
 * imports the module dynamically, and for a dynamic import esbuild wraps the module and all it
 * imports in lazily initialised closures it cannot tree-shake: most of @smithy/core, on every
 * cold start. The S3 client still wires an event-stream marshaller when it is constructed; this
 * one throws if it is ever used.
 */
function notBundled(): never {
  throw new Error('event streams are not bundled with AgenticMemory');
}

export interface EventStreamMarshaller {
  serialize(): never;
  deserialize(): never;
}

export function eventStreamSerdeProvider(): EventStreamMarshaller {
  return { serialize: notBundled, deserialize: notBundled };
}

export function resolveEventStreamSerdeConfig<
  T extends { eventStreamSerdeProvider: (config: T) => EventStreamMarshaller },
>(input: T) {
  return Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });
}

export class EventStreamSerde {
  constructor() {
    notBundled();
  }
}
