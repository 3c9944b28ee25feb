"""Interoperability of the media server with a WebRTC implementation we did
not write: two aiortc clients (Debian's python3-aiortc) join a meeting's
call through the signalling protocol of docs/protocol.md §Calls, each
publishes audio and video, and each receives and decodes the other's.

aioice gathers no loopback candidates, so (as root) the test re-runs itself
in a network namespace of its own where a veth interface holds 127.0.0.2;
parleyd's media workers stay on 127.0.0.1, reachable from there."""

import asyncio
import json
import os
import subprocess
import sys
import time
import unittest
from datetime import datetime, timedelta, timezone

if os.geteuid() == 0 and not os.environ.get("PARLEY_NETNS"):
    setup = ("ip link set lo up && ip link add pv0 type veth peer name pv1 && "
             "ip addr add 127.0.0.2/32 dev pv0 && ip link set pv0 up && ip link set pv1 up")
    os.environ["PARLEY_NETNS"] = "1"
    os.execvp("unshare", ["unshare", "-n", "sh", "-c",
                          setup + ' && exec /usr/bin/python3 -m unittest -v "$0"', "test_call_aiortc"])

from harness import ParleyTest  # noqa: E402

try:
    import websockets  # noqa: E402
    from aiortc import RTCPeerConnection, RTCSessionDescription  # noqa: E402
    from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack  # noqa: E402
    HAVE_AIORTC = True
except ImportError:  # installed by scripts/install-deps.sh --test
    HAVE_AIORTC = False


class AiortcPeer:
    """One participant: a member's session token, a WebSocket and a peer connection."""

    def __init__(self, name, url, token, meeting):
        self.name = name
        self.url = url.replace("http://", "ws://") + "/api/v1/live"
        self.token = token
        self.meeting = meeting
        self.frames = {"audio": 0, "video": 0}
        self.errors = []
        self.participants = []
        self.epochs = []     # of every call.participants, in order
        self.relayed = []    # call.e2ee messages received
        self.member = None   # from call.joined
        self.ws = None
        self.joined = asyncio.Event()

    async def run(self, duration):
        self.pc = RTCPeerConnection()
        self.pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
        self.pc.addTransceiver(VideoStreamTrack(), direction="sendonly")

        @self.pc.on("track")
        def on_track(track):
            asyncio.ensure_future(self.consume(track))

        async with websockets.connect(self.url, max_size=1 << 20) as ws:
            self.ws = ws
            await ws.send(json.dumps({"type": "auth", "token": self.token}))
            msg = json.loads(await ws.recv())
            assert msg["type"] == "authenticated", msg
            await self.pc.setLocalDescription(await self.pc.createOffer())
            await ws.send(json.dumps({"type": "call.join", "meeting": self.meeting,
                                      "offer": self.pc.localDescription.sdp}))
            end = time.monotonic() + duration
            while time.monotonic() < end:
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
                except asyncio.TimeoutError:
                    continue
                await self.handle(ws, json.loads(raw))
            await ws.send(json.dumps({"type": "call.leave", "meeting": self.meeting}))
        await self.pc.close()

    async def handle(self, ws, msg):
        t = msg.get("type")
        if t == "call.joined":
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=msg["answer"], type="answer"))
            self.member = msg["self"]["member"]
            self.joined.set()
        elif t == "call.offer":
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=msg["sdp"], type="offer"))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            await ws.send(json.dumps({"type": "call.answer", "meeting": self.meeting,
                                      "sdp": self.pc.localDescription.sdp}))
        elif t == "call.participants":
            self.participants = msg["participants"]
            self.epochs.append(msg["epoch"])
        elif t == "call.e2ee":
            self.relayed.append(msg)
        elif t == "call.error":
            self.errors.append(msg)

    async def consume(self, track):
        while True:
            try:
                await track.recv()
            except Exception:
                return
            self.frames[track.kind] += 1


@unittest.skipUnless(HAVE_AIORTC, "python3-aiortc and python3-websockets are installed by scripts/install-deps.sh --test")
class AiortcCallTest(ParleyTest):
    def test_two_aiortc_clients_exchange_audio_and_video(self):
        # With payload sampling on (the hook the end-to-end encryption tests read).
        port = self.server.port
        self.server.stop()
        self.server.extra = ["--media-sample-payloads"]
        self.server.start(port=port)
        start = (datetime.now(timezone.utc) + timedelta(minutes=5)).replace(second=0, microsecond=0)
        m = self.opening(start=start.strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.agree_all(m["id"])
        for cli in (self.east_leader, self.west_leader):
            cli.run("whoami")  # signs in: a session token in the profile
        a = AiortcPeer("east-leader", self.server.url, self.east_leader.token(), m["id"])
        b = AiortcPeer("west-leader", self.server.url, self.west_leader.token(), m["id"])

        async def both():
            await asyncio.gather(a.run(20), b.run(20))

        asyncio.run(both())
        for p in (a, b):
            self.assertEqual(p.errors, [], p.name)
            self.assertGreater(p.frames["video"], 20, "%s decoded video from the other: %s" % (p.name, p.frames))
            self.assertGreater(p.frames["audio"], 50, "%s received audio from the other: %s" % (p.name, p.frames))
        self.assertEqual(sorted(x["name"] for x in a.participants), ["Helen Brooks", "Mikhail Orlov"])
        status, _, metrics = self.server.request("GET", "/metrics")
        self.assertIn(b'parley_media_dtls_failed_total{worker="0"} 0', metrics)
        # aiortc sends in clear (no end-to-end encryption): the samples show
        # plain VP8 payload descriptors and Opus, which the server only carried.
        status, _, body = self.server.request("GET", "/admin/v1/media/samples", token=self.server.admin_token())
        self.assertEqual(status, 200)
        samples = json.loads(body)
        self.assertTrue(samples["enabled"])
        formats = {x["format"] for x in samples["samples"]}
        self.assertEqual(formats, {"vp8", "opus"})
        self.assertTrue(all(len(x["head"]) <= 96 and x["size"] > 0 for x in samples["samples"]))
        status, _, _ = self.server.request("GET", "/admin/v1/media/samples")
        self.assertEqual(status, 401)

    def test_a_full_call_refuses_the_next_participant(self):
        # The same data and port, with room for two participants per call.
        port = self.server.port
        self.server.stop()
        self.server.extra = ["--call-max-participants", "2"]
        self.server.start(port=port)
        start = (datetime.now(timezone.utc) + timedelta(minutes=5)).replace(second=0, microsecond=0)
        m = self.opening(start=start.strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.agree_all(m["id"])
        peers = []
        for name, cli in (("east-leader", self.east_leader), ("west-leader", self.west_leader), ("interpreter", self.interp)):
            cli.run("whoami")
            peers.append(AiortcPeer(name, self.server.url, cli.token(), m["id"]))

        async def staggered():
            async def third():
                await asyncio.sleep(3)  # after the first two are in
                await peers[2].run(4)
            await asyncio.gather(peers[0].run(8), peers[1].run(8), third())

        asyncio.run(staggered())
        self.assertEqual([e["code"] for e in peers[2].errors], ["call_full"])
        self.assertEqual(peers[0].errors + peers[1].errors, [])
        self.assertGreater(peers[0].frames["video"], 0)

    def test_key_messages_are_relayed_unread_and_epochs_rise(self):
        """docs/e2ee-keys.md: call.e2ee payloads reach the one member named
        (or every other participant) unchanged, with the sender's member id;
        the call's epoch rises on every join and leave."""
        start = (datetime.now(timezone.utc) + timedelta(minutes=5)).replace(second=0, microsecond=0)
        m = self.opening(start=start.strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.agree_all(m["id"])
        peers = []
        for name, cli in (("east-leader", self.east_leader), ("west-leader", self.west_leader), ("interpreter", self.interp)):
            cli.run("whoami")
            peers.append(AiortcPeer(name, self.server.url, cli.token(), m["id"]))
        a, b, c = peers
        direct = {"body": {"type": "test/1", "n": 1}, "signature": "opaque"}
        everyone = {"body": {"type": "test/1", "n": 2, "text": "\u00e9\u4e2d"}, "signature": "opaque"}

        async def sender():
            await a.joined.wait()
            await b.joined.wait()
            await asyncio.sleep(1)
            send = lambda msg: a.ws.send(json.dumps(dict(msg, type="call.e2ee", meeting=m["id"])))
            await send({"to": b.member, "payload": direct})
            await send({"payload": everyone})
            await send({"payload": {"big": "x" * 20000}})
            await send({"to": "mem_nobody", "payload": direct})
            await send({"payload": "not an object"})

        async def third():
            await asyncio.sleep(4)
            await c.run(3)  # joins and leaves while the others stay

        async def scenario():
            await asyncio.gather(a.run(10), b.run(10), sender(), third())

        asyncio.run(scenario())
        to_b = [x for x in b.relayed if x["from"] == a.member]
        self.assertEqual([x["payload"] for x in to_b], [direct, everyone])
        self.assertEqual(c.relayed, [], "the interpreter joined after the messages were sent")
        self.assertEqual([e["code"] for e in a.errors], ["invalid_field", "recipient_not_in_call", "invalid_field"])
        self.assertEqual(a.epochs, sorted(a.epochs), "epochs never go back")
        self.assertGreaterEqual(max(a.epochs) - min(a.epochs), 3, "b joined, c joined, c left: %s" % a.epochs)


if __name__ == "__main__":
    unittest.main()
