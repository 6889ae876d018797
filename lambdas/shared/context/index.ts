export * from './caller-memory';
export * from './caller-name';
export * from './caller-words';
export * from './memory-context';
export * from './greeting';
export * from './prompt-template';
export * from './read-caller-memory';
