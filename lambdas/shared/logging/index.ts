export { isErrorLike, loggableError, redactedMessage, redactingJsonReplacer } from './loggable-error';
export { REDACTED, redactErrorText, redactSecrets, rememberSecretValue } from './redact-text';
