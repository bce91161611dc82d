// What the `cluster` vitest project's global setup provides to tests: `inject('kubeconfigPath')`.
// A type-only import puts vitest in the program so the augmentation resolves (erased at runtime).
import type {} from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin kubeconfig (system:masters, self-contained JSON) of the run's shared control plane. */
    kubeconfigPath: string;
    /** The apiserver URL, https://127.0.0.1:<port>. */
    kubeServer: string;
  }
}
