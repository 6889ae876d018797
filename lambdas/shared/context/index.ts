export * from './caller-memory';
export * from './caller-name';
export * from './memory-context';
export * from './greeting';
export * from './read-caller-memory';
