export * from './errors';
export * from './request';
export * from './response';
export * from './constant-time';
export * from './validation';
export * from './endpoint';
export * from './source-allow-list';
