/** Vitest global setup: nothing shared yet; the reference pair is built lazily by tests that need it. */
export default function setup(): void {}
