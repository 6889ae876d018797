export * from './archive-keys';
export * from './archive';
