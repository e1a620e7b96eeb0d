// Every test process: no X-Ray (nothing to send segments to) and no metrics printed to the test output.
// A test that reads metrics captures the flush itself (test/integration/sweep/sweep-function.test.ts).
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
