#!/usr/bin/python3
"""Gateway footprint under load: time to ready and peak resident memory of the gateway distribution's JVM.

Starts a Mosquitto on a free loopback port, the cloud distribution, then the gateway distribution (each `java -jar`
as runtime/run-distribution runs it, with --java-opts), both serving one model bundle (default: the shipped CIFAR-10
variant), and a fleet of MQTT devices replaying the test JPEGs of test.zip with a window of samples in flight.

Measured on the gateway process, from the moment it is started (t0, just before exec):
  ready_line_s    its launcher prints "ready:" (the service runs; what the Debian unit reports as READY=1)
  status_s        its retained status topic says online (the MQTT connection is up)
  first_answer_s  the first sample answered (probe samples are sent every 50 ms from t0 on)
  vmhwm_mb        peak resident memory over its whole life (VmHWM of /proc/<pid>/status, MB = 10^6 bytes), read
                  at the end of the load; rss_max_mb is the largest VmRSS sampled every 100 ms
Needs python3-paho-mqtt and mosquitto (Debian packages), and the distributions built (mvn install).

  packaging/measure-footprint.py --java-opts "-XX:+UseSerialGC" --samples 3000
"""
import argparse
import io
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

HOME = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(src, dst, changes):
    """Copies the .cfg files of src to dst, replacing or adding the keys of changes {file: {key: value}}."""
    dst.mkdir(parents=True)
    for cfg in src.glob("*.cfg"):
        lines = cfg.read_text().splitlines()
        for key, value in changes.get(cfg.name, {}).items():
            lines = [l for l in lines if not l.startswith(key + "=")] + [f"{key}={value}"]
        (dst / cfg.name).write_text("\n".join(lines) + "\n")


class Distribution:
    """One distribution as a child process; records when it prints its ready line."""

    def __init__(self, role, dist, work, model_jar, port, java_opts, model):
        self.role = role
        changes = {"io.hybridfog.mqtt.cfg": {"broker.url": f"tcp://127.0.0.1:{port}"}}
        if role == "gateway":
            changes["io.hybridfog.edge.cfg"] = {"model": model}
        write_config(HOME / "config" / role, work / "config", changes)
        (work / "deploy").mkdir()
        (work / "deploy" / model_jar.name).write_bytes(model_jar.read_bytes())
        (work / "tmp").mkdir()
        self.cmd = (["java", f"-Djava.io.tmpdir={work / 'tmp'}"] + shlex.split(java_opts)
                    + ["-jar", str(dist / f"hybridfog-{role}.jar"), "--config", str(work / "config"),
                       "--deploy", str(work / "deploy"), "--work", str(work / "work"), "--shell", "off"])
        self.log = (work / f"{role}.log").open("w")
        self.ready_at = None
        self.ready = threading.Event()

    def start(self):
        env = dict(os.environ, ORT_DISABLE_TELEMETRY="1")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                     stdin=subprocess.DEVNULL, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("ready:") and self.ready_at is None:
                self.ready_at = time.monotonic()
                self.ready.set()
            self.log.write(line)
            self.log.flush()

    def memory(self):
        """(VmRSS, VmHWM) in bytes."""
        values = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
        return values["VmRSS"], values["VmHWM"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Fleet:
    """Devices publishing samples (QoS 1, sample id as correlation data) and counting their results."""

    def __init__(self, port, images, devices, window):
        self.images, self.devices, self.window = images, devices, window
        self.lock = threading.Condition()
        self.answered = {}  # sample id -> (time, result)
        self.in_flight = {d: 0 for d in range(devices)}
        self.status = []  # (time, payload) of the gateway's status topic
        self.client = mqtt.Client(client_id=f"footprint-{os.getpid()}", protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe([("hybridfog/results/#", 1), ("hybridfog/status/#", 1)])
        self.client.loop_start()

    def _on_message(self, client, userdata, msg):
        now = time.monotonic()
        with self.lock:
            if msg.topic.startswith("hybridfog/status/"):
                self.status.append((now, msg.payload.decode()))
            else:
                result = json.loads(msg.payload)
                if result["sampleId"] not in self.answered:
                    self.answered[result["sampleId"]] = (now, result)
                    device = result.get("deviceId", "")
                    if device.startswith("dev-"):
                        self.in_flight[int(device[4:])] -= 1
            self.lock.notify_all()

    def publish(self, device, sample_id, payload):
        props = Properties(PacketTypes.PUBLISH)
        props.CorrelationData = sample_id.encode()
        self.client.publish(f"hybridfog/samples/{device}", payload, qos=1, properties=props)

    def replay(self, n, deadline_s):
        """Sends n samples, each device keeping at most window in flight; returns the seconds it took."""
        t0 = time.monotonic()
        sent = 0
        with self.lock:
            while sent < n:
                free = [d for d in range(self.devices) if self.in_flight[d] < self.window]
                if not free:
                    if not self.lock.wait(deadline_s):
                        raise RuntimeError(f"no result for {deadline_s} s after {sent} samples sent")
                    continue
                for d in free:
                    while self.in_flight[d] < self.window and sent < n:
                        self.in_flight[d] += 1
                        self.publish(f"dev-{d}", f"L{sent}", self.images[sent % len(self.images)])
                        sent += 1
            while any(self.in_flight.values()):
                if not self.lock.wait(deadline_s):
                    raise RuntimeError(f"results missing after {deadline_s} s: {self.in_flight}")
        return time.monotonic() - t0


def load_images(path, limit):
    with zipfile.ZipFile(path) as z:
        names = sorted(n for n in z.namelist() if n.lower().endswith((".jpg", ".jpeg", ".png")))[:limit]
        return [z.read(n) for n in names]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--java-opts", default="", help="JVM options of the gateway and the cloud worker")
    p.add_argument("--model", default="cifar10-resnet32-s2b3-b1")
    p.add_argument("--model-jar", type=Path, default=HOME / "models/cifar10/target/bundles/cifar10-resnet32-s2b3-b1-1.9.0.jar")
    p.add_argument("--data", type=Path, default=HOME.parent / "shared/data/cifar10/test.zip")
    p.add_argument("--samples", type=int, default=3000)
    p.add_argument("--devices", type=int, default=4)
    p.add_argument("--window", type=int, default=16)
    args = p.parse_args()

    images = load_images(args.data, 5000)
    with tempfile.TemporaryDirectory(prefix="hybridfog-footprint.") as tmp:
        tmp = Path(tmp)
        port = free_port()
        (tmp / "mosquitto.conf").write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\nmax_topic_alias 0\npersistence false\n")
        broker = subprocess.Popen(["mosquitto", "-c", str(tmp / "mosquitto.conf")], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        procs = []
        try:
            time.sleep(0.5)
            fleet = Fleet(port, images, args.devices, args.window)
            cloud = Distribution("cloud", HOME / "runtime/cloud/target/hybridfog-cloud", tmp / "cloud", args.model_jar,
                                 port, args.java_opts, args.model)
            procs.append(cloud)
            cloud.start()
            if not cloud.ready.wait(120):
                raise RuntimeError("cloud worker not ready, see its log")
            gateway = Distribution("gateway", HOME / "runtime/gateway/target/hybridfog-gateway", tmp / "gateway",
                                   args.model_jar, port, args.java_opts, args.model)
            procs.append(gateway)
            gateway.start()
            # probes until the first answer
            probe = 0
            while True:
                fleet.publish("probe", f"P{probe}", images[probe % len(images)])
                probe += 1
                time.sleep(0.05)
                with fleet.lock:
                    first = min((t for sid, (t, _) in fleet.answered.items() if sid.startswith("P")), default=None)
                if first is not None and gateway.ready.is_set():
                    break
                if time.monotonic() - gateway.t0 > 120 or gateway.proc.poll() is not None:
                    raise RuntimeError("gateway not ready / no answer within 120 s, see its log")
            rss_max = 0
            stop_sampling = threading.Event()

            def sample_rss():
                nonlocal rss_max
                while not stop_sampling.is_set():
                    rss_max = max(rss_max, gateway.memory()[0])
                    time.sleep(0.1)

            sampler = threading.Thread(target=sample_rss, daemon=True)
            sampler.start()
            seconds = fleet.replay(args.samples, 60)
            stop_sampling.set()
            sampler.join()
            rss, hwm = gateway.memory()
            with fleet.lock:
                online = [t for t, payload in fleet.status if '"online"' in payload]
                exits = {}
                for sid, (_, r) in fleet.answered.items():
                    if sid.startswith("L"):
                        exits[r.get("exit", r.get("error"))] = exits.get(r.get("exit", r.get("error")), 0) + 1
            report = {
                "java_opts": args.java_opts, "model": args.model, "samples": args.samples,
                "devices": args.devices, "window": args.window,
                "ready_line_s": round(gateway.ready_at - gateway.t0, 2),
                "status_s": round(online[0] - gateway.t0, 2) if online else None,
                "first_answer_s": round(first - gateway.t0, 2),
                "vmhwm_mb": round(hwm / 1e6, 1), "rss_max_mb": round(rss_max / 1e6, 1), "rss_end_mb": round(rss / 1e6, 1),
                "samples_per_s": round(args.samples / seconds, 1), "exits": exits,
            }
            print(json.dumps(report))
        finally:
            for proc in reversed(procs):
                proc.stop()
            broker.terminate()
            broker.wait()


if __name__ == "__main__":
    sys.exit(main())
