/** Written in by the build (build.mjs): the tsfine and TypeScript versions the kernel was built from. */
declare const TSFINE_VERSION: string;
declare const TYPESCRIPT_VERSION: string;
