/** Where the CDK app finds the repository: entry points, the lock file, the front's build context. */
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
