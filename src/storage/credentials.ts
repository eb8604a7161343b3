// Storage credentials from the Secret the API names (keys as the IBM operator and Icarus 2.x read them),
// validated once where they enter. The values stay inside the storage clients: never logged, never in
// an error, never returned from an activity.
import { z } from 'zod';

const nonEmpty = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const secretSchema = z.looseObject({
  awsaccesskeyid: nonEmpty,
  awssecretaccesskey: nonEmpty,
  awsregion: nonEmpty,
  awsendpoint: nonEmpty,
  azurestorageaccount: nonEmpty,
  azurestoragekey: nonEmpty,
  gcp: nonEmpty,
});
export type SecretCredentials = z.output<typeof secretSchema>;

const serviceAccountSchema = z.looseObject({
  client_email: z.string().min(1),
  private_key: z.string().min(1),
  token_uri: z.string().url().default('https://oauth2.googleapis.com/token'),
});
export type ServiceAccount = z.output<typeof serviceAccountSchema>;

/** A Secret's `data` (base64 values, as the API server returns them), decoded and typed. */
export function secretCredentials(data: Record<string, string> | undefined): SecretCredentials {
  const decoded = Object.fromEntries(
    Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
  return secretSchema.parse(decoded);
}

/** The `gcp` key's service-account JSON; the error names the problem, never the content. */
export function serviceAccount(json: string): ServiceAccount {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error("the Secret's gcp key is not JSON (it must hold a service-account key file)");
  }
  const result = serviceAccountSchema.safeParse(parsed);
  if (!result.success) {
    const fields = result.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new Error(`the Secret's gcp key is not a service-account key file (${fields})`);
  }
  return result.data;
}
