#!/usr/bin/python3
"""Writes the raw sources the committed clips were encoded from: a 640x480
30 fps Y4M video (a scrolling texture, a moving block and a noisy patch, so
that the encoder has motion to find and detail it cannot predict, like a
talking head) and a 48 kHz mono WAV (a voice-like warbling tone with noise).
Deterministic: a fixed seed. Usage: make_sources.py OUT.y4m OUT.wav SECONDS"""
import math
import random
import struct
import sys
import wave

W, H, FPS = 640, 480, 30


def video(path, seconds):
    rnd = random.Random(7)
    # A texture twice as wide as the frame; each frame is a window into it.
    tex_w = 2 * W
    rows = []
    for y in range(H):
        base = (y * 3) % 256
        rows.append(bytes((base + ((x * x + y) // 37) % 64 + rnd.randrange(8)) % 256 for x in range(tex_w)))
    noise = [bytes(rnd.randrange(40, 216) for _ in range(160 * 120)) for _ in range(8)]
    chroma = bytes([128]) * (W // 2 * H // 2)
    with open(path, "wb") as f:
        f.write(b"YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg\n" % (W, H, FPS))
        for n in range(seconds * FPS):
            off = (n * 4) % W
            y_rows = [bytearray(r[off:off + W]) for r in rows]
            bx, by = (n * 7) % (W - 96), (n * 5) % (H - 96)
            for yy in range(by, by + 96):
                y_rows[yy][bx:bx + 96] = bytes([235]) * 96
            patch = noise[n % len(noise)]
            for yy in range(120):
                y_rows[180 + yy][240:400] = patch[yy * 160:(yy + 1) * 160]
            f.write(b"FRAME\n")
            f.write(b"".join(y_rows))
            f.write(chroma)
            f.write(chroma)


def audio(path, seconds):
    rnd = random.Random(11)
    rate = 48000
    out = bytearray()
    for i in range(seconds * rate):
        t = i / rate
        f0 = 180 + 60 * math.sin(2 * math.pi * 3 * t)
        env = 0.5 + 0.5 * math.sin(2 * math.pi * 0.7 * t)
        v = env * (0.4 * math.sin(2 * math.pi * f0 * t) + 0.15 * math.sin(2 * math.pi * 2.5 * f0 * t))
        v += 0.05 * (rnd.random() - 0.5)
        out += struct.pack("<h", int(max(-1.0, min(1.0, v)) * 32000))
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(out))


if __name__ == "__main__":
    video(sys.argv[1], int(sys.argv[3]))
    audio(sys.argv[2], int(sys.argv[3]))
