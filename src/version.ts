/** Hookline's version, shown in the OpenAPI document and as OTLP `service.version`. */
export const API_VERSION = "0.1.0";
