export * from './post-call-event';
export * from './post-call-schema';
export * from './initiation-request';
export * from './signature';
export * from './initiation-response';
