"""Interoperability of the media server with a WebRTC implementation we did
not write: two aiortc clients (Debian's python3-aiortc) join a meeting's
call through the signalling protocol of docs/protocol.md §Calls, each
publishes audio and video, and each receives and decodes the other's.

aioice gathers no loopback candidates, so (as root) the test re-runs itself
in a network namespace of its own where a veth interface holds 127.0.0.2;
parleyd's media workers stay on 127.0.0.1, reachable from there."""

import array
import asyncio
import fractions
import json
import math
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
    import av  # noqa: E402
    from aiortc import RTCPeerConnection, RTCSessionDescription  # noqa: E402
    from aiortc.mediastreams import AudioStreamTrack, MediaStreamTrack, VideoStreamTrack  # noqa: E402
    HAVE_AIORTC = True
except ImportError:  # installed by scripts/install-deps.sh --test
    HAVE_AIORTC = False


class ToneTrack(MediaStreamTrack if HAVE_AIORTC else object):
    """A microphone that plays one steady tone: 20 ms frames of 48 kHz mono,
    paced in real time."""

    kind = "audio"

    def __init__(self, hz):
        super().__init__()
        self.hz = hz
        self.sent = 0
        self.started = None

    async def recv(self):
        if self.started is None:
            self.started = time.monotonic()
        wait = self.started + self.sent / 48000 - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        n = 960
        samples = array.array("h", (int(6000 * math.sin(2 * math.pi * self.hz * (self.sent + i) / 48000))
                                    for i in range(n)))
        frame = av.AudioFrame(format="s16", layout="mono", samples=n)
        frame.planes[0].update(samples.tobytes())
        frame.sample_rate = 48000
        frame.pts = self.sent
        frame.time_base = fractions.Fraction(1, 48000)
        self.sent += n
        return frame


def tone_power(frames, hz):
    """Goertzel power at `hz` over decoded 48 kHz frames (the first channel
    of interleaved s16), per sample."""
    total, count = 0.0, 0
    coeff = 2 * math.cos(2 * math.pi * hz / 48000)
    for frame in frames:
        data = array.array("h", bytes(frame.planes[0]))
        step = len(frame.layout.channels)
        s1 = s2 = 0.0
        for x in data[::step]:
            s1, s2 = x + coeff * s1 - s2, s1
        total += s1 * s1 + s2 * s2 - coeff * s1 * s2
        count += len(data) // step
    return total / max(1, count)


class AiortcPeer:
    """One participant: a member's session token, a WebSocket and a peer connection."""

    def __init__(self, name, url, token, meeting, microphone=None, channel=False):
        self.name = name
        self.microphone = microphone  # an audio track; default: aiortc's silence
        self.channel = channel        # publish the microphone as an interpreter's channel track
        self.tracks = {}              # received track id → frames
        self.kept = {}                # received track id → the last decoded audio frames
        self.interpretation = None    # the latest call.interpretation
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
        audio = self.pc.addTransceiver(self.microphone or AudioStreamTrack(), direction="sendonly")
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
            join = {"type": "call.join", "meeting": self.meeting, "offer": self.pc.localDescription.sdp}
            if self.channel:
                join["channel_mid"] = audio.mid
            await ws.send(json.dumps(join))
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
        elif t == "call.interpretation":
            self.interpretation = msg
        elif t == "call.error":
            self.errors.append(msg)

    def stream_of(self, track):
        """The msid stream id of the server's section that carries `track`:
        a member id, or "channel" / "channel-<language>" (aiortc names its
        remote tracks at random)."""
        mid = next((t.mid for t in self.pc.getTransceivers() if t.receiver.track is track), None)
        current = None
        for line in self.pc.remoteDescription.sdp.splitlines():
            if line.startswith("a=mid:"):
                current = line[6:]
            elif line.startswith("a=msid:") and current == mid:
                return line[7:].split(" ")[0]
        return track.id

    async def consume(self, track):
        key = None
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            # Named at the first frame: the track event comes before the
            # remote description is in place.
            key = key or "%s/%s" % (self.stream_of(track), track.kind)
            self.frames[track.kind] += 1
            self.tracks[key] = self.tracks.get(key, 0) + 1
            if track.kind == "audio":
                kept = self.kept.setdefault(key, [])
                kept.append(frame)
                del kept[:-50]

    async def send(self, **msg):
        await self.ws.send(json.dumps(dict(msg, meeting=self.meeting)))


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


    def test_interpretation_channel_reaches_only_those_who_chose_it(self):
        """docs/protocol.md §Interpretation with peers we did not write: the
        named interpreter publishes a 1 kHz tone as her channel track and
        goes live into English; the listener who chose English receives and
        decodes it on its channel section; the one on the floor gets no
        channel packet; nobody else may interpret; the server's counts say
        the same."""
        start = (datetime.now(timezone.utc) + timedelta(minutes=5)).replace(second=0, microsecond=0)
        m = self.opening(start=start.strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.agree_all(m["id"])
        for cli in (self.east_leader, self.west_leader, self.interp, self.west):
            cli.run("whoami")
        olga = AiortcPeer("interpreter", self.server.url, self.interp.token(), m["id"],
                          microphone=ToneTrack(1000), channel=True)
        helen = AiortcPeer("west-leader", self.server.url, self.west_leader.token(), m["id"],
                           microphone=ToneTrack(440))
        mikhail = AiortcPeer("east-leader", self.server.url, self.east_leader.token(), m["id"])
        james = AiortcPeer("west-negotiator", self.server.url, self.west.token(), m["id"], channel=True)
        self.counts = None

        async def script():
            for p in (olga, helen, mikhail):
                await p.joined.wait()
            await asyncio.sleep(1)
            await olga.send(type="call.interpret", pair=["ru", "en"], into="en", on_air=True)
            await helen.send(type="call.listen", language="en")
            await mikhail.send(type="call.interpret", pair=["ru", "en"], into="en", on_air=True)
            await mikhail.send(type="call.listen", language="de")
            await mikhail.send(type="call.interpret", pair="ru-en", into="en", on_air=True)
            await mikhail.send(type="call.listen", language=5)
            await asyncio.sleep(9)
            path = "/api/v1/meetings/%s/call" % m["id"]
            status, _, body = await asyncio.get_running_loop().run_in_executor(
                None, lambda: self.server.request("GET", path, token=self.west.token()))
            self.counts = json.loads(body) if status == 200 else None

        async def everyone():
            await asyncio.wait_for(asyncio.gather(olga.run(14), helen.run(14), mikhail.run(14), james.run(3),
                                                  script()), 40)

        asyncio.run(everyone())
        # Someone the terms do not name cannot publish a channel.
        self.assertEqual([e["code"] for e in james.errors], ["not_interpreter"])
        self.assertEqual([e["code"] for e in mikhail.errors],
                         ["not_interpreter", "no_such_channel", "invalid_field", "invalid_field"])
        self.assertEqual(olga.errors + helen.errors, [])
        state = helen.interpretation
        self.assertIsNotNone(state)
        self.assertEqual([c["live"] for c in state["channels"]], [None, olga.member])
        # Helen decoded the channel: Olga's tone, loud, and not the floor's.
        self.assertGreater(helen.tracks.get("channel/audio", 0), 200, helen.tracks)
        kept = helen.kept["channel/audio"]
        self.assertGreater(tone_power(kept, 1000), 100 * tone_power(kept, 440), "the channel carries Olga's tone")
        self.assertEqual(mikhail.tracks.get("channel/audio", 0), 0, "the floor listener got no channel: %s" % mikhail.tracks)
        # Olga hears the floor (Helen's tone) and never her own voice back.
        self.assertEqual(olga.tracks.get("channel-en/audio", 0), 0, olga.tracks)
        self.assertGreater(sum(n for k, n in mikhail.tracks.items() if not k.startswith("channel")), 100)
        # The server's own counts (asked while the call runs: see below).
        self.assertIsNotNone(self.counts, "GET /api/v1/meetings/{id}/call answered during the call")
        received = {p["member"]: p["received"] for p in self.counts["participants"]}
        self.assertGreater(received[helen.member]["en"], 200)
        self.assertEqual(received[helen.member]["ru"], 0)
        self.assertEqual(received[mikhail.member], {"ru": 0, "en": 0})
        self.assertEqual(received[olga.member], {"ru": 0, "en": 0})
        status, _, _ = self.server.request("GET", "/api/v1/meetings/%s/call" % m["id"], token=self.west.token())
        self.assertEqual(status, 404, "no call runs any more")

if __name__ == "__main__":
    unittest.main()
