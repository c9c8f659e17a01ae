"""What every command prints through: one-paragraph errors, exit codes, progress bars."""

import sys
import time

EXIT_FAILED = 1
EXIT_USAGE = 2


def error(message, code):
    print(f"cgle: {message}", file=sys.stderr)
    return code


class Progress:
    """A progress bar on a terminal (t, steps/s, ETA); silent otherwise."""

    def __init__(self, t_end, dt, enabled):
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=t_end, unit="t", bar_format="{l_bar}{bar}| t={n:.4g}/{total:.4g} "
                            "[{elapsed}<{remaining}, {postfix}]", file=sys.stderr, dynamic_ncols=True)
        self.dt = dt
        self.started = time.perf_counter()
        self.last = self.started
        self.last_step = 0

    def __call__(self, step, t):
        if self.bar is None or step & 63:
            return
        now = time.perf_counter()
        if now - self.last < 0.1:
            return
        rate = (step - self.last_step) / (now - self.last)
        self.last, self.last_step = now, step
        self.bar.set_postfix_str(f"{rate:.3g} steps/s", refresh=False)
        self.bar.update(t - self.bar.n)

    def close(self):
        if self.bar is not None:
            self.bar.close()
