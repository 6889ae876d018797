export * from './archive-keys';
export * from './archive';
export { decodeKeySegment, encodeKeySegment, isHashedKeySegment } from './key-segment';
