/**
 * Entry point of the CDK app (cdk.json: `node cdk/app.ts`, run by Node 24's type stripping).
 * The CLI passes context and the output directory through the environment; the app synthesizes
 * when the process ends.
 */
import { App } from "aws-cdk-lib";
import { createFloeApp } from "./floe-app.ts";

createFloeApp(new App());
