"""The model server: a real server on a free loopback port, spoken to over HTTP.

The main server runs as `python -m kerastorch serve ...` in a subprocess;
the model-error and string-input cases run uvicorn in a thread of this
process (their models are built here, and a custom layer is not importable
from the subprocess).
"""

import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import torch

import kerastorch as keras
from kerastorch.serving import Batcher
from kerastorch.serving import RequestError
from kerastorch.serving import Signature
from kerastorch.serving import create_app
from kerastorch.serving import host_warning

httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")

JSON = {"Content-Type": "application/json"}
MAX_BODY = 64 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Process:
    """`python -m kerastorch serve` in a subprocess, logging to files under tmp."""

    def __init__(self, model_path, log_dir, *args: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stderr_path = log_dir / f"server_{self.port}.err"
        command = [
            sys.executable,
            "-m",
            "kerastorch",
            "serve",
            str(model_path),
            "--port",
            str(self.port),
            *args,
        ]
        with (
            open(self.stderr_path, "w") as err,
            open(log_dir / f"server_{self.port}.out", "w") as out,
        ):
            self.proc = subprocess.Popen(command, stdout=out, stderr=err)
        self.signalled = False

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"The server exited with {self.proc.returncode}:\n{self.stderr()}"
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.proc.kill()
        pytest.fail(f"The server did not become healthy:\n{self.stderr()}")

    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def send(self, signum: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None and not self.signalled:
            self.proc.send_signal(signum)
            self.signalled = True

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.send(signum)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.proc.returncode


class _ThreadServer:
    """uvicorn in a thread of this process, for apps built from in-memory models."""

    def __init__(self, app):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="critical"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "in-process server did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        assert not self.thread.is_alive()


def _sequential_model():
    return keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(3),
        ]
    )


def _multi_input_model():
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(2, 3), name="b", dtype="int32")
    b_float = keras.layers.Flatten()(keras.ops.cast(b, "float32"))
    x = keras.layers.Concatenate()([a, b_float])
    x = keras.layers.Dense(6, activation="tanh")(x)
    outputs = {
        "y1": keras.layers.Dense(2, name="y1")(x),
        "y2": keras.layers.Dense(1, name="y2")(x),
    }
    return keras.Model({"a": a, "b": b}, outputs)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serving")
    seq_path, multi_path = folder / "seq_model.keras", folder / "multi.keras"
    _sequential_model().save(seq_path)
    _multi_input_model().save(multi_path)
    return {
        "folder": folder,
        "seq_path": seq_path,
        "multi_path": multi_path,
        "seq": keras.models.load_model(seq_path, compile=False),
        "multi": keras.models.load_model(multi_path, compile=False),
    }


@pytest.fixture(scope="module")
def servers(models):
    # Both processes start before either is waited on: their imports overlap.
    seq = _Process(
        models["seq_path"],
        models["folder"],
        "--name",
        "seq",
        "--log-level",
        "warning",
        "--max-batch-size",
        "64",
        "--batch-timeout-ms",
        "100",
        "--max-body-bytes",
        str(MAX_BODY),
    )
    multi = _Process(models["multi_path"], models["folder"], "--log-level", "warning")
    # Default name and log level; `test_process_shuts_down_cleanly` stops it.
    plain = _Process(models["seq_path"], models["folder"])
    try:
        for server in (seq, multi, plain):
            server.wait_healthy()
        yield {"seq": seq, "multi": multi, "plain": plain}
    finally:
        # Ctrl+C for one, SIGTERM for the others; they shut down side by side.
        seq.send(signal.SIGINT)
        multi.send(signal.SIGTERM)
        codes = (seq.stop(), multi.stop(), plain.stop())
    assert codes == (0, 0, 0)


@pytest.fixture(scope="module")
def client():
    with httpx.Client(timeout=30.0) as c:
        yield c


def _predict_url(server, name="seq") -> str:
    return f"{server.url}/v1/models/{name}:predict"


# --- the main server (subprocess) ---------------------------------------------------


def test_health(servers, client):
    response = client.get(f"{servers['seq'].url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "models": ["seq"]}


def test_predict_matches_model_predict(servers, models, client):
    x = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")
    response = client.post(_predict_url(servers["seq"]), json={"instances": x.tolist()})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    predictions = np.asarray(response.json()["predictions"])
    assert predictions.shape == (5, 3)
    np.testing.assert_allclose(
        predictions, models["seq"].predict(x, verbose=0), atol=1e-5
    )


def test_columnar_inputs_give_outputs(servers, models, client):
    x = np.random.default_rng(2).normal(size=(3, 4)).astype("float32")
    body = client.post(_predict_url(servers["seq"]), json={"inputs": x.tolist()}).json()
    assert set(body) == {"outputs"}
    np.testing.assert_allclose(
        body["outputs"], models["seq"].predict(x, verbose=0), atol=1e-5
    )


def test_signature_name_and_missing_content_type(servers, models, client):
    x = [[0.5, -1.0, 2.0, 0.0]]
    # Some TF-Serving clients send no Content-Type at all; that is accepted.
    response = client.post(
        _predict_url(servers["seq"]),
        content=b'{"signature_name": "serving_default", "instances": [[0.5, -1.0, 2.0, 0.0]]}',
    )
    assert response.status_code == 200, response.text
    np.testing.assert_allclose(
        response.json()["predictions"],
        models["seq"].predict(np.array(x, "float32"), verbose=0),
        atol=1e-5,
    )


def test_status_route_gives_signature(servers, client):
    body = client.get(f"{servers['seq'].url}/v1/models/seq").json()
    assert body["name"] == "seq"
    assert body["model_version_status"][0]["state"] == "AVAILABLE"
    (spec,) = body["signature"]["inputs"]
    assert spec["shape"] == [None, 4] and spec["dtype"] == "float32"
    (out,) = body["signature"]["outputs"]
    assert out["shape"] == [None, 3] and out["dtype"] == "float32"
    assert set(body["stats"]) >= {"requests", "rows", "batches_run", "max_batch_size"}
    assert body["stats"]["max_batch_size"] == 64


def test_metadata_route(servers, client):
    body = client.get(f"{servers['seq'].url}/v1/models/seq/metadata").json()
    assert body["model_spec"] == {
        "name": "seq",
        "version": "1",
        "signature_name": "serving_default",
    }
    signature = body["metadata"]["signature_def"]["serving_default"]
    assert signature["inputs"][0]["shape"] == [None, 4]
    assert body["metadata"]["saved"]["format"] == "kerastorch.keras"


def test_name_defaults_to_file_stem(servers, client):
    assert client.get(f"{servers['multi'].url}/healthz").json()["models"] == ["multi"]
    assert client.get(f"{servers['plain'].url}/v1/models/seq_model").status_code == 200


def test_multi_input_dict_instances(servers, models, client):
    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 4)).astype("float32")
    b = rng.integers(-5, 5, size=(4, 2, 3)).astype("int32")
    instances = [{"a": a[i].tolist(), "b": b[i].tolist()} for i in range(4)]
    response = client.post(
        _predict_url(servers["multi"], "multi"), json={"instances": instances}
    )
    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    expected = models["multi"].predict({"a": a, "b": b}, verbose=0)
    assert len(predictions) == 4 and set(predictions[0]) == {"y1", "y2"}
    for key in ("y1", "y2"):
        np.testing.assert_allclose(
            [p[key] for p in predictions], expected[key], atol=1e-5
        )


def test_multi_input_columnar(servers, models, client):
    rng = np.random.default_rng(4)
    a = rng.normal(size=(2, 4)).astype("float32")
    b = rng.integers(0, 9, size=(2, 2, 3)).astype("int32")
    body = client.post(
        _predict_url(servers["multi"], "multi"),
        json={"inputs": {"a": a.tolist(), "b": b.tolist()}},
    ).json()
    expected = models["multi"].predict({"a": a, "b": b}, verbose=0)
    for key in ("y1", "y2"):
        np.testing.assert_allclose(body["outputs"][key], expected[key], atol=1e-5)


def test_multi_input_signature(servers, client):
    signature = client.get(f"{servers['multi'].url}/v1/models/multi").json()[
        "signature"
    ]
    assert signature["inputs"] == [
        {"name": "a", "shape": [None, 4], "dtype": "float32"},
        {"name": "b", "shape": [None, 2, 3], "dtype": "int32"},
    ]
    assert [o["name"] for o in signature["outputs"]] == ["y1", "y2"]
    assert [o["shape"] for o in signature["outputs"]] == [[None, 2], [None, 1]]


@pytest.mark.parametrize(
    "instances, fragment",
    [
        ([{"a": [0.0] * 4}], "missing the input(s) ['b']"),
        ([{"a": [0.0] * 4, "b": [[0] * 3] * 2, "c": 1}], "unknown input(s) ['c']"),
        ([[0.0] * 4], "must be an object with the keys ['a', 'b']"),
        (
            [{"a": [0.0] * 4, "b": [[0.5] * 3] * 2}],
            "floating-point numbers, but input 'b' has dtype int32",
        ),
        ([{"a": [0.0] * 4, "b": [[2**40] * 3] * 2}], "outside the range of int32"),
        (
            [{"a": [0.0] * 4, "b": [[0] * 2] * 2}],
            "for input 'b' has examples of shape [2, 2]",
        ),
    ],
)
def test_multi_input_bad_requests(servers, client, instances, fragment):
    response = client.post(
        _predict_url(servers["multi"], "multi"), json={"instances": instances}
    )
    assert response.status_code == 400
    assert fragment in response.json()["error"]


def test_concurrent_clients_are_batched(servers, models, client):
    url = _predict_url(servers["seq"])
    status_url = f"{servers['seq'].url}/v1/models/seq"
    before = client.get(status_url).json()["stats"]
    rng = np.random.default_rng(5)
    inputs = [rng.normal(size=(1 + i % 3, 4)).astype("float32") for i in range(16)]
    results: list = [None] * 16
    barrier = threading.Barrier(16)

    def worker(i):
        barrier.wait()
        results[i] = client.post(url, json={"instances": inputs[i].tolist()})

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for x, response in zip(inputs, results):
        assert response.status_code == 200, response.text
        np.testing.assert_allclose(
            response.json()["predictions"],
            models["seq"].predict(x, verbose=0),
            atol=1e-5,
        )
    after = client.get(status_url).json()["stats"]
    assert after["requests"] - before["requests"] == 16
    assert after["rows"] - before["rows"] == sum(len(x) for x in inputs)
    batches = after["batches_run"] - before["batches_run"]
    assert 1 <= batches < 16  # requests were merged into shared forwards
    assert after["largest_batch"] > 3  # more rows than any single request


@pytest.mark.parametrize(
    "content, headers, fragment",
    [
        (b"{not json", JSON, "not valid JSON"),
        (b"", JSON, "not valid JSON"),
        (b"[[1, 2, 3, 4]]", JSON, "must be a JSON object"),
        (
            b'{"instances": [[1, 2, 3, 4]]}',
            {"Content-Type": "text/plain"},
            "Content-Type",
        ),
        (
            b'{"instances": [[1, 2, 3, 4]]}',
            {"Content-Type": "application/x-www-form-urlencoded"},
            "Content-Type",
        ),
        (b"{}", JSON, "needs `instances`"),
        (b'{"instances": null}', JSON, "needs `instances`"),
        (b'{"instance": [[1, 2, 3, 4]]}', JSON, "Did you mean: 'instances'?"),
        (b'{"instances": [[1,2,3,4]], "inputs": [[1,2,3,4]]}', JSON, "not both"),
        (b'{"instances": []}', JSON, "`instances` is empty"),
        (b'{"inputs": []}', JSON, "non-empty list"),
        (b'{"instances": 3}', JSON, "must be a list"),
        (b'{"instances": [[1, 2, 3]]}', JSON, "shape [3], but the model expects [4]"),
        (b'{"instances": [[[1], [2], [3], [4]]]}', JSON, "shape [4, 1]"),
        (b'{"instances": [["a", "b", "c", "d"]]}', JSON, "holds strings, but input"),
        (b'{"instances": [[true, false, true, true]]}', JSON, "holds booleans"),
        (b'{"instances": [[1, 2, 3, 4], [1, 2]]}', JSON, "is ragged"),
        (
            b'{"instances": [[1, 2, 3, 4], [1, [2, 3], 3, 4]]}',
            JSON,
            "`instances[1]` is ragged",
        ),
        (b'{"instances": [[1, null, 3, 4]]}', JSON, "`instances[0]` contains null"),
        (b'{"instances": [{"x": 1}]}', JSON, "contains an object"),
        (
            b'{"instances": [[1, 2, 3, 4]], "signature_name": "other"}',
            JSON,
            "signature_name",
        ),
    ],
)
def test_malformed_bodies_get_400(servers, client, content, headers, fragment):
    response = client.post(
        _predict_url(servers["seq"]), content=content, headers=headers
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert fragment in error
    assert "Traceback" not in error


def test_oversize_body_gets_413(servers, client):
    body = b'{"instances": [' + b",".join([b"[1.0, 2.0, 3.0, 4.0]"] * 5000) + b"]}"
    assert len(body) > MAX_BODY
    response = client.post(_predict_url(servers["seq"]), content=body, headers=JSON)
    assert response.status_code == 413
    assert str(MAX_BODY) in response.json()["error"]


def test_oversize_chunked_body_gets_413(servers):
    # No Content-Length: the limit is enforced while the body streams in.
    def chunks():
        yield b'{"instances": ['
        for _ in range(500):
            yield b",".join([b"[1.0, 2.0, 3.0, 4.0]"] * 10) + b","
        yield b"[1.0, 2.0, 3.0, 4.0]]}"

    with httpx.Client(timeout=30.0) as fresh:
        response = fresh.post(
            _predict_url(servers["seq"]), content=chunks(), headers=JSON
        )
    assert response.status_code == 413
    # The server is still well after refusing it.
    assert httpx.get(f"{servers['seq'].url}/healthz").status_code == 200


def test_unknown_model_and_route_get_404(servers, client):
    response = client.post(
        _predict_url(servers["seq"], "nope"), json={"instances": [[1, 2, 3, 4]]}
    )
    assert response.status_code == 404
    assert "'nope'" in response.json()["error"] and "seq" in response.json()["error"]
    assert client.get(f"{servers['seq'].url}/v1/models/nope").status_code == 404
    response = client.get(f"{servers['seq'].url}/v2/anything")
    assert response.status_code == 404 and "error" in response.json()
    assert client.get(_predict_url(servers["seq"])).status_code == 405


def test_process_shuts_down_cleanly(servers, client):
    server = servers["plain"]
    response = client.post(
        _predict_url(server, "seq_model"), json={"instances": [[1, 2, 3, 4]]}
    )
    assert response.status_code == 200
    assert server.stop() == 0
    log = server.stderr()
    assert "Application shutdown complete" in log and "Finished server process" in log
    assert "Traceback" not in log
    with pytest.raises(httpx.TransportError):
        client.get(f"{server.url}/healthz")


# --- in-process servers ----------------------------------------------------------


class _Fragile(keras.layers.Layer):
    """Doubles its input; fails on values over 100 (a stand-in for a model bug)."""

    def call(self, x):
        if not x.is_meta and bool((x > 100).any()):
            raise RuntimeError("value over 100 reached _Fragile\nsecond line of detail")
        return x * 2


def test_model_error_gives_500_without_traceback_and_spares_other_requests(
    client, caplog
):
    model = keras.Sequential([keras.Input(shape=(2,)), _Fragile()])
    server = _ThreadServer(create_app(model, name="fragile", batch_timeout_ms=200))
    try:
        url = _predict_url(server, "fragile")
        results = {}
        barrier = threading.Barrier(2)

        def worker(key, rows):
            barrier.wait()
            results[key] = client.post(url, json={"instances": rows})

        threads = [
            threading.Thread(target=worker, args=("good", [[1.0, 2.0]])),
            threading.Thread(target=worker, args=("bad", [[1.0, 500.0]])),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert results["good"].status_code == 200
        assert results["good"].json() == {"predictions": [[2.0, 4.0]]}
        bad = results["bad"]
        assert bad.status_code == 500
        error = bad.json()["error"]
        assert "RuntimeError: value over 100" in error
        assert "Traceback" not in error and "second line" not in error
        # The traceback goes to the server's log instead.
        assert "second line of detail" in caplog.text
        stats = client.get(f"{server.url}/v1/models/fragile").json()["stats"]
        assert stats["batches_run"] == 3  # the merged batch, then each request alone
    finally:
        server.stop()


def test_string_input_model(tmp_path, client):
    text = keras.Input(shape=(1,), dtype="string", name="text")
    vectorize = keras.layers.TextVectorization(max_tokens=12, output_mode="multi_hot")
    vectorize.adapt(["the cat sat", "a dog ran", "the dog sat"])
    model = keras.Model(text, keras.layers.Dense(2)(vectorize(text)))
    model.save(tmp_path / "text.keras")
    server = _ThreadServer(create_app(tmp_path / "text.keras"))
    try:
        response = client.post(
            _predict_url(server, "text"), json={"instances": ["the cat", "a dog"]}
        )
        assert response.status_code == 200, response.text
        expected = model.predict(np.array([["the cat"], ["a dog"]]), verbose=0)
        np.testing.assert_allclose(response.json()["predictions"], expected, atol=1e-5)
        response = client.post(
            _predict_url(server, "text"), json={"instances": [1.0, 2.0]}
        )
        assert response.status_code == 400
        assert "dtype string" in response.json()["error"]
    finally:
        server.stop()


# --- pieces, without a server -------------------------------------------------------


def test_batcher_merges_only_compatible_requests_and_slices_big_ones():
    calls = []

    def forward(arrays):
        calls.append(arrays["x"].shape)
        return [arrays["x"].sum(axis=-1)]

    batcher = Batcher(forward, max_batch_size=4, batch_timeout_ms=300)
    try:
        futures = [
            batcher.submit({"x": np.ones((1, 3), "float32")}),
            batcher.submit({"x": np.ones((2, 5), "float32")}),  # another inner shape
            batcher.submit({"x": np.full((2, 3), 2, "float32")}),
            batcher.submit({"x": np.ones((9, 3), "float32")}),  # over max_batch_size
        ]
        results = [f.result(timeout=10) for f in futures]
    finally:
        batcher.close()
    np.testing.assert_allclose(results[0][0], [3.0])
    np.testing.assert_allclose(results[1][0], [5.0, 5.0])
    np.testing.assert_allclose(results[2][0], [6.0, 6.0])
    np.testing.assert_allclose(results[3][0], [3.0] * 9)
    assert calls[0] == (3, 3)  # requests 0 and 2 merged; 1 waited for its own batch
    assert (2, 5) in calls
    assert calls[-3:] == [(4, 3), (4, 3), (1, 3)]  # the big one, in slices of 4
    assert batcher.stats()["requests"] == 4
    assert not batcher._thread.is_alive()


def test_batcher_rejects_bad_arguments():
    with pytest.raises(ValueError, match="max_batch_size=0"):
        Batcher(lambda a: [], max_batch_size=0)
    with pytest.raises(ValueError, match="batch_timeout_ms=-1"):
        Batcher(lambda a: [], batch_timeout_ms=-1)


def test_signature_rank_adjustment_and_dtypes():
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(2)])
    signature = Signature(model)
    arrays, form = signature.parse({"instances": [1.0, 2, 3.5]})
    assert form == "instances"
    (x,) = arrays.values()
    assert x.shape == (3, 1) and x.dtype == np.float32
    with pytest.raises(RequestError, match="holds strings"):
        signature.parse({"instances": ["1.0"]})


def test_signature_needs_known_inputs():
    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    with pytest.raises(ValueError, match="cannot be served: its inputs are not known"):
        Signature(Sub())


def test_create_app_checks_arguments(tmp_path):
    model = _sequential_model()
    with pytest.raises(ValueError, match="max_body_bytes=0"):
        create_app(model, max_body_bytes=0)
    with pytest.raises(ValueError, match="name='a/b'"):
        create_app(model, name="a/b")
    with pytest.raises(TypeError, match="Received: model=3"):
        create_app(3)
    with pytest.raises(ValueError, match="File not found"):
        create_app(tmp_path / "missing.keras")


def test_host_warning():
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert host_warning(host) is None
    for host in ("0.0.0.0", "::", "192.168.1.5", "example.com"):
        assert "no authentication" in host_warning(host)


def test_cli_errors(tmp_path, capsys):
    from kerastorch.__main__ import main

    assert main(["serve", str(tmp_path / "missing.keras"), "--port", "1"]) == 1
    assert "cannot serve" in capsys.readouterr().err
    assert main([]) == 2
    assert "serve" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["serve", "m.keras", "--max-batch-size", "0"])
    assert "must be a positive integer" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["serve", "m.keras", "--port", "70000"])


def test_forward_runs_in_inference_mode():
    seen = {}

    class Probe(keras.layers.Layer):
        def call(self, x, training=None):
            if not x.is_meta:
                seen["inference"] = torch.is_inference_mode_enabled()
                seen["training"] = training
            return x

    model = keras.Sequential([keras.Input(shape=(2,)), Probe()])
    app = create_app(model, name="probe")
    served = app.state.served
    try:
        out = served.batcher.submit(
            {served.signature.inputs[0].name: np.ones((1, 2), "float32")}
        )
        np.testing.assert_allclose(out.result(timeout=10)[0], [[1.0, 1.0]])
    finally:
        served.close()
    assert seen == {"inference": True, "training": False}


def test_missing_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "fastapi", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r'pip install "kerastorch\[serve\]"'):
        create_app(_sequential_model())
