/**
 * Preloaded into every process the bench starts (`--import`): exits when the bench process that
 * started it is gone, so a killed bench never leaves a simulator or worker behind.
 */
const parent = process.ppid;
const watch = setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') process.exit(3);
  }
}, 1000);
watch.unref();
