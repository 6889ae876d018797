import { Template } from 'aws-cdk-lib/assertions';
import { AgenticMemory, ELEVENLABS_WEBHOOK_IPS } from '../../lib';
import { bareStack, logicalId } from './cdk-test-app';

describe('allowedSourceIps', () => {
  it('restricts the two webhooks, and only them, to the given addresses', () => {
    const stack = bareStack();
    const memory = new AgenticMemory(stack, 'Memory', { allowedSourceIps: [...ELEVENLABS_WEBHOOK_IPS, '10.0.0.0/8'] });
    const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    const allowList = (fn: { node: unknown }) =>
      (functions[logicalId(fn as never)].Properties as { Environment: { Variables: Record<string, string> } })
        .Environment.Variables.ALLOWED_SOURCE_IPS;
    expect(allowList(memory.clientDataFunction)).toBe('34.67.146.145,34.59.11.47,10.0.0.0/8');
    expect(allowList(memory.postCallFunction)).toBe('34.67.146.145,34.59.11.47,10.0.0.0/8');
    expect(allowList(memory.retrieveFunction)).toBeUndefined();
    expect(allowList(memory.ingestFunction)).toBeUndefined();
  });

  it('is off by default', () => {
    const stack = bareStack();
    new AgenticMemory(stack, 'Memory');
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('ALLOWED_SOURCE_IPS');
  });

  it.each(['example.com', '34.67.146.145/33', '1.2.3', '::1/129', '1.2.3.4/8/1'])('refuses %p at synth', (entry) => {
    expect(() => new AgenticMemory(bareStack(), 'Memory', { allowedSourceIps: [entry] })).toThrow(/allowedSourceIps/);
  });
});
