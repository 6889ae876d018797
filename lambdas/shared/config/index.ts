export * from './env-names';
export * from './settings';
export * from './secrets';
