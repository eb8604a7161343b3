// Icarus's JSON answers, validated once where they enter: the client returns these types only.
// Operations are loose objects: Icarus unwraps every request field into the operation, and those
// fields differ by type and version; the fields below are the ones every operation has.
import { z } from 'zod';

export const operationStates = ['PENDING', 'RUNNING', 'COMPLETED', 'CANCELLED', 'FAILED'] as const;
export type OperationState = (typeof operationStates)[number];
export const finishedStates: ReadonlySet<OperationState> = new Set(['COMPLETED', 'CANCELLED', 'FAILED']);

export const operationErrorSchema = z.looseObject({
  source: z.string().nullish(),
  message: z.string().nullish(),
});

export const operationSchema = z.looseObject({
  id: z.string().uuid(),
  type: z.string(),
  state: z.enum(operationStates),
  /** 0..1. Forced to 1.0 when FAILED: success is state COMPLETED, never progress 1. */
  progress: z.number().min(0).max(1),
  creationTime: z.string().nullish(),
  startTime: z.string().nullish(),
  completionTime: z.string().nullish(),
  errors: z.array(operationErrorSchema).nullish(),
});
export type Operation = z.infer<typeof operationSchema>;

export const topologySchema = z.looseObject({
  clusterName: z.string(),
  schemaVersion: z.string().nullish(),
  timestamp: z.number().nullish(),
  topology: z.array(
    z.looseObject({
      hostname: z.string().nullish(),
      cluster: z.string().nullish(),
      dc: z.string(),
      rack: z.string().nullish(),
      nodeId: z.string(),
      ipAddress: z.string(),
    }),
  ),
});
export type Topology = z.infer<typeof topologySchema>;
