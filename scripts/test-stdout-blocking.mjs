// Preloaded into every test process by scripts/run-tests.mjs.
//
// With --test-force-exit each test file's process calls process.exit() as soon as its last test
// ends. Its verdicts travel to the runner through a stdout pipe, and writes to a pipe are
// asynchronous: whatever was still queued is dropped by the exit, so the runner silently counts
// fewer tests than ran, a failing one included (nodejs/node#64833; CI here reported 668 of 679).
// Synchronous writes on stdout make the exit wait for every verdict. `_handle.setBlocking` is
// libuv's uv_stream_set_blocking; it is absent on some handles (then nothing changes).
process.stdout._handle?.setBlocking?.(true);
