#!/usr/bin/python3
# Regenerates the aiortc offers used by the sdp unit tests and the fuzz seeds.
# Needs Debian's python3-aiortc and Debian's interpreter (the python3 on PATH
# may be another one without Debian's modules). From the repository root:
#   /usr/bin/python3 tests/unit/sdp/data/capture-aiortc-offers.py
# Writes aiortc-<name>.sdp beside this script, as aiortc produced it (CRLF),
# after setLocalDescription so the offer carries the gathered host candidates
# and a=end-of-candidates. No STUN server is configured: nothing leaves the
# machine.
#
# With --check PATH/TO/sdp_tool (built from tests/unit/sdp) it lets aiortc
# judge the server's side instead: each fresh offer is
# answered by the sdp module and applied with setRemoteDescription, then the
# server's renegotiation offers (tracks added, one stopped) are applied and
# answered, and the sdp module takes aiortc's answers. Any rejection on either
# side fails the run. The server's candidate is 127.0.0.1:9. The publisher's
# round trip is kept as aiortc-check-offer.sdp (its offer) and
# aiortc-check-answer-to-server-offer.sdp (its answer to the server's offer
# after "add,add,stop"), which the unit tests replay.

import asyncio
import os
import subprocess
import sys
import tempfile

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

HERE = os.path.dirname(os.path.abspath(__file__))


TOOL = None
if "--check" in sys.argv:
    TOOL = os.path.abspath(sys.argv[sys.argv.index("--check") + 1])


def sdp_tool(args, offer, answer=None):
    with tempfile.TemporaryDirectory(prefix="parley-sdp-check-") as work:
        argv = [TOOL, args[0], os.path.join(work, "offer.sdp")] + args[1:]
        with open(argv[2], "w", newline="") as f:
            f.write(offer)
        if answer is not None:
            argv.append(os.path.join(work, "answer.sdp"))
            with open(argv[-1], "w", newline="") as f:
                f.write(answer)
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError("sdp_tool %s: %s" % (" ".join(args), done.stderr.strip()))
        return done.stdout


SAVED = {}


async def server_round_trips(pc, offer, keep):
    log = []
    answer = sdp_tool(["answer"], offer)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    log.append("answer applied; directions %s"
               % ",".join(t.currentDirection or "-" for t in pc.getTransceivers()))
    for steps in ["add", "add,add", "add,add,stop"]:
        server_offer = sdp_tool(["reoffer", steps], offer)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=server_offer, type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        agreed = sdp_tool(["apply", steps], offer, pc.localDescription.sdp)
        if keep:
            SAVED.update(offer=offer, answer=pc.localDescription.sdp, steps=steps)
        log.append("server offer [%s] answered; server agreed:\n    %s"
                   % (steps, agreed.strip().replace("\n", "\n    ")))
    return "\n  ".join(log)


async def offer_of(pc, keep=False):
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    if TOOL:
        sdp = await server_round_trips(pc, sdp, keep)
    await pc.close()
    return sdp


def quiet_closed_transports(loop, context):
    # Closing a peer connection whose ICE checks toward 127.0.0.1:9 are still
    # running leaves this error in a background task; anything else is shown.
    if "RTCIceTransport is closed" not in str(context.get("exception", "")):
        loop.default_exception_handler(context)


async def main():
    asyncio.get_running_loop().set_exception_handler(quiet_closed_transports)
    offers = {}

    # A publisher: one audio and one video track, sendrecv.
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(AudioStreamTrack())
    pc.addTrack(VideoStreamTrack())
    offers["publish-audio-video"] = await offer_of(pc, keep=True)

    # A subscriber: receive-only audio and video.
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("audio", direction="recvonly")
    pc.addTransceiver("video", direction="recvonly")
    offers["subscribe-recvonly"] = await offer_of(pc)

    if TOOL:
        # The publisher's last round trip, kept for the unit tests to replay.
        for name, key in [("aiortc-check-offer.sdp", "offer"),
                          ("aiortc-check-answer-to-server-offer.sdp", "answer")]:
            with open(os.path.join(HERE, name), "w", newline="") as f:
                f.write(SAVED[key])
        print('wrote aiortc-check-*.sdp (server offer after "%s")' % SAVED["steps"])
        for name, log in offers.items():
            print("%s:\n  %s" % (name, log))
        print("aiortc accepted every answer and offer of the sdp module")
        return
    for name, sdp in offers.items():
        path = os.path.join(HERE, "aiortc-%s.sdp" % name)
        with open(path, "w", newline="") as f:
            f.write(sdp)
        print("wrote %s (%d bytes)" % (os.path.relpath(path), len(sdp)))


asyncio.run(main())
