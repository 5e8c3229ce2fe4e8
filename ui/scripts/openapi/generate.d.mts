export declare const specURL: URL
export declare const outURL: URL
/** api/openapi.json, parsed. */
export declare function readSpec(): { components: { schemas: Record<string, unknown> } } & Record<string, unknown>
/** The text of src/openapi.d.ts for the given OpenAPI document (default api/openapi.json). */
export declare function generate(spec?: unknown): Promise<string>
