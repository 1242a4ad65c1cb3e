// Types for what test/global-setup.ts provides and for the bindings the tests see.
declare module "vitest" {
  export interface ProvidedContext {
    dbUrl: string;
    otlpUrl: string;
    httpUrl: string;
  }
}

declare global {
  namespace Cloudflare {
    interface Env {
      TURSO_DATABASE_URL: string;
      DB_CONTROL_URL: string;
      ADMIN_TOKEN: string;
      TRIGGER_TOKEN: string;
      OTLP_TEST_URL: string;
      TRACE_QUEUE: Queue;
      TEST_HTTP_URL: string;
    }
  }
}

export {};
