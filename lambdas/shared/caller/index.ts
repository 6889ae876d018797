export * from './caller-id';
