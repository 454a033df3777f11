/** The tool version recorded in every run's provenance. Keep in step with package.json. */
export const TOOL_VERSION = '0.1.0';
