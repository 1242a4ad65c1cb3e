// What test/console/global-setup.ts provides to the console (Chromium) tests.
declare module "vitest" {
  export interface ProvidedContext {
    consoleStack: {
      url: string;
      dbUrl: string;
      adminToken: string;
      triggerToken: string;
      /** holds traces:read and scripts:read only */
      readerToken: string;
      chromiumPath: string;
    };
  }
}

export {};
