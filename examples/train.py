#!/usr/bin/env python3
"""A training script that reports its metrics with nothing but the Python standard library.

Run it under trainscope and every figure lands in the dashboard with no SDK:

    trainscope run --project examples -- python3 examples/train.py

- JSON metric lines on stdout (FloydHub's format): {"metric": "batch_loss", "value": 0.42, "step": 10}
- Keras-style epoch summaries: "Epoch 2/5" then "... - loss: 0.4200 - val_loss: 0.4400"
- statsd over UDP to STATSD_HOST:STATSD_PORT (exported by `trainscope run`): a counter, a gauge
  and a timer per step.

Environment: EPOCHS (default 5), STEPS (steps per epoch, default 100), STEP_SECONDS (default 0.02),
FAIL_AT_EPOCH (raise an error in that epoch, to see a failed run).
"""

import json
import math
import os
import random
import socket
import sys
import time

EPOCHS = int(os.environ.get("EPOCHS", "5"))
STEPS = int(os.environ.get("STEPS", "100"))
STEP_SECONDS = float(os.environ.get("STEP_SECONDS", "0.02"))
FAIL_AT_EPOCH = int(os.environ["FAIL_AT_EPOCH"]) if os.environ.get("FAIL_AT_EPOCH") else None


class Statsd:
    """Raw statsd lines over UDP; silent when no STATSD_PORT is set."""

    def __init__(self):
        port = os.environ.get("STATSD_PORT")
        self.address = (os.environ.get("STATSD_HOST", "127.0.0.1"), int(port)) if port else None
        family = socket.AF_INET6 if self.address and ":" in self.address[0] else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM) if self.address else None

    def send(self, *lines):
        if self.sock:
            self.sock.sendto("\n".join(lines).encode(), self.address)


def metric(name, value, **fields):
    print(json.dumps({"metric": name, "value": value, **fields}), flush=True)


def main():
    random.seed(7)
    statsd = Statsd()
    step = 0
    for epoch in range(1, EPOCHS + 1):
        print(f"Epoch {epoch}/{EPOCHS}", flush=True)
        started = time.time()
        loss_sum = 0.0
        correct = 0
        for i in range(1, STEPS + 1):
            time.sleep(STEP_SECONDS)
            step += 1
            t = step / (EPOCHS * STEPS)
            loss = 2.3 * math.exp(-3 * t) + 0.08 + 0.05 * (random.random() - 0.5)
            loss_sum += loss
            correct += random.random() < 0.1 + 0.85 * (1 - math.exp(-4 * t))
            statsd.send("examples_seen:32|c", f"step_time:{STEP_SECONDS * 1000:.1f}|ms", f"lr:{0.01 * (0.9 ** epoch):.6f}|g")
            if i % 10 == 0:
                metric("batch_loss", round(loss, 6), step=step)
            if FAIL_AT_EPOCH == epoch and i == STEPS // 2:
                raise RuntimeError(f"simulated failure in epoch {epoch}")
        train_loss = loss_sum / STEPS
        accuracy = correct / STEPS
        val_loss = train_loss * (1.04 + 0.04 * random.random())
        ms = (time.time() - started) * 1000 / STEPS
        print(
            f"{STEPS}/{STEPS} - {ms * STEPS / 1000:.0f}s - {ms:.0f}ms/step"
            f" - accuracy: {accuracy:.4f} - loss: {train_loss:.4f} - val_loss: {val_loss:.4f}",
            flush=True,
        )
        metric("learning_rate", 0.01 * (0.9 ** epoch), epoch=epoch)
    print("done", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
