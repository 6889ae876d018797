import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { AgenticMemoryProps } from '../agentic-memory-props';
import type { MemoryFunction } from '../memory-function';
import { grantRetention, type MemoryStoreTarget } from './least-privilege';
import { createMemoryFunction, type MemoryFunctionSettings } from './memory-functions';

/** Daily, at 03:17 UTC. */
const SCHEDULE = events.Schedule.cron({ minute: '17', hour: '3' });

export type MemoryRetentionProps = MemoryFunctionSettings &
  Pick<AgenticMemoryProps, 'alarmTopic'> & {
    /** Where the job erases memories. */
    readonly memoryStore: MemoryStoreTarget;
    /** The job's environment (`memoryMaxAge` among it). */
    readonly environment: Record<string, string>;
  };

/**
 * `memoryMaxAge`: a job that erases memories past that age, run daily (retried twice), and an
 * alarm when a run fails, since a failed run leaves memories past their age.
 *
 * Not a construct of its own: everything is created in `scope` (the AgenticMemory construct),
 * so that the logical ids stay those of a deployed stack.
 */
export class MemoryRetention {
  /** The job. */
  public readonly function: MemoryFunction<'retention'>;
  /** Its daily schedule. */
  public readonly schedule: events.Rule;
  /** Raised when a run fails. */
  public readonly failedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, props: MemoryRetentionProps) {
    this.function = createMemoryFunction(scope, 'RetentionFunction', 'retention', props, {
      environment: props.environment,
    });
    grantRetention(this.function, props.memoryStore);
    this.schedule = new events.Rule(scope, 'RetentionSchedule', {
      description: 'AgenticMemory: erase memories older than memoryMaxAge, daily',
      schedule: SCHEDULE,
      targets: [new eventTargets.LambdaFunction(this.function, { retryAttempts: 2 })],
    });
    this.failedAlarm = new cloudwatch.Alarm(scope, 'RetentionErrorsAlarm', {
      alarmDescription:
        'The memory retention job failed: memories older than memoryMaxAge may remain. See its log group.',
      metric: this.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      const action = new cloudwatchActions.SnsAction(props.alarmTopic);
      this.failedAlarm.addAlarmAction(action);
      this.failedAlarm.addOkAction(action);
    }
  }
}
