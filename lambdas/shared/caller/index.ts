export * from './caller-id';
export * from './withheld';
export * from './memory-identity';
export * from './memory-token';
