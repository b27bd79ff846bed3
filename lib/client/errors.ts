import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';

/** A request Temporal or the workflow refused, with the reason an operator can act on (the CLI exits 2). */
export class RequestRefused extends Error {}

/** The refusal an error stands for, or undefined when it is an unexpected failure. */
export function refusal(err: unknown): RequestRefused | undefined {
  if (err instanceof RequestRefused) return err;
  if (err instanceof WorkflowNotFoundError)
    return new RequestRefused(`no migration ${err.workflowId ?? ''} is running (check the id with \`switchyard list\`)`);
  if (err instanceof WorkflowUpdateFailedError) return new RequestRefused(`rejected: ${err.cause?.message ?? err.message}`);
  if (/TMPRL1100|[Nn]ondeterminism error/.test(String((err as Error)?.message ?? err))) {
    return new RequestRefused(
      `the migration's history no longer replays on this worker (${(err as Error).message}); its routing is unchanged and nothing is lost, ` +
        'but it cannot move until it is reset: see docs/operations.md, "A migration whose history no longer replays"',
    );
  }
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return new RequestRefused(`migration ${err.workflowId} is already running; see \`switchyard status ${err.workflowId}\`, or wait for it to finish`);
  }
  return undefined;
}

/** The innermost message of a failed workflow (workflow failure → activity failure → application failure). */
export function failureReason(err: unknown): string {
  const cause = (err as { cause?: { cause?: Error; message?: string } }).cause;
  return cause?.cause?.message ?? cause?.message ?? String(err);
}
