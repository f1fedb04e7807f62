// Types for the one function Floe uses from snappyjs (a CommonJS package without types). A static
// import, rather than createRequire, lets esbuild bundle it into the Lambda functions.
declare module "snappyjs" {
  const snappyjs: { compress(input: Buffer): Buffer };
  export default snappyjs;
}
