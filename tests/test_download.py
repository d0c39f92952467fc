"""Tests for inpaintlib.download, against a small archive served on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
import socket
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from inpaintlib import download
from inpaintlib.data import find_layout, load_dataset
from inpaintlib.download import DownloadError, check_archive, download_monet2photo, extract_archive, fetch


def _jpeg_bytes(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (24, 24, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG")
    return buffer.getvalue()


def make_archive() -> bytes:
    """A miniature monet2photo.zip in CycleGAN's layout (4 paintings, 6 photos)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for i, folder in enumerate(["trainA"] * 3 + ["testA"] + ["trainB"] * 4 + ["testB"] * 2):
            archive.writestr(f"monet2photo/{folder}/{i:05d} img.jpg", _jpeg_bytes(i))
    return buffer.getvalue()


class ArchiveServer(ThreadingHTTPServer):
    """Serves ``payload`` at any path, honors ``Range: bytes=N-``, and can drop connections halfway."""

    daemon_threads = True

    def __init__(self, payload: bytes, drops: int = 0):
        super().__init__(("127.0.0.1", 0), ArchiveHandler)
        self.payload = payload
        self.drops = drops
        self.ranges: list[str | None] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/monet2photo.zip"


class ArchiveHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        server: ArchiveServer = self.server
        requested = self.headers.get("Range")
        server.ranges.append(requested)
        payload = server.payload
        start = int(requested.split("=")[1].split("-")[0]) if requested else 0
        if start >= len(payload) and requested:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(payload)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = payload[start:]
        self.send_response(206 if requested else 200)
        if requested:
            self.send_header("Content-Range", f"bytes {start}-{len(payload) - 1}/{len(payload)}")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if server.drops > 0:
            server.drops -= 1
            self.wfile.write(body[: len(body) // 2])  # then the connection closes early
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers: list[ArchiveServer] = []

    def start(payload: bytes, drops: int = 0) -> ArchiveServer:
        server = ArchiveServer(payload, drops)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_download_extracts_a_usable_dataset(serve, tmp_path):
    payload = make_archive()
    server = serve(payload)
    folder = download_monet2photo(tmp_path, url=server.url, progress=False, sha256=hashlib.sha256(payload).hexdigest())
    assert folder == tmp_path / "monet2photo"
    assert find_layout(folder).name == "cyclegan"
    assert not (tmp_path / "monet2photo.zip").exists() and not (tmp_path / "monet2photo.zip.part").exists()
    split = load_dataset(folder, domain="monet", size=16, verbose=False)
    assert sum(split.counts.values()) == 4
    assert server.ranges == [None]
    # A second call finds the dataset and downloads nothing.
    assert download_monet2photo(tmp_path, url=server.url, progress=False) == folder
    assert server.ranges == [None]


def test_a_dropped_connection_resumes_with_a_range_request(serve, tmp_path):
    payload = make_archive()
    server = serve(payload, drops=1)
    target = fetch(server.url, tmp_path / "monet2photo.zip", progress=False)
    assert target.read_bytes() == payload
    assert server.ranges == [None, f"bytes={len(payload) // 2}-"]


def test_an_interrupted_download_resumes_on_the_next_call(serve, tmp_path):
    payload = make_archive()
    server = serve(payload, drops=1)
    with pytest.raises(DownloadError, match="run again to resume"):
        download_monet2photo(tmp_path, url=server.url, progress=False, retries=0)
    part = tmp_path / "monet2photo.zip.part"
    assert part.stat().st_size == len(payload) // 2
    folder = download_monet2photo(tmp_path, url=server.url, progress=False, keep_archive=True)
    assert server.ranges == [None, f"bytes={len(payload) // 2}-"]
    assert (tmp_path / "monet2photo.zip").read_bytes() == payload
    assert len(list((folder / "trainB").glob("*.jpg"))) == 4


def test_a_complete_part_file_is_finished_without_downloading_again(serve, tmp_path):
    payload = make_archive()
    server = serve(payload)
    (tmp_path / "monet2photo.zip.part").write_bytes(payload)
    fetch(server.url, tmp_path / "monet2photo.zip", progress=False)
    assert (tmp_path / "monet2photo.zip").read_bytes() == payload
    assert server.ranges == [f"bytes={len(payload)}-"]


def test_offline_is_one_clear_line(tmp_path, capsys):
    url = f"http://127.0.0.1:{unused_port()}/monet2photo.zip"
    with pytest.raises(DownloadError) as caught:
        download_monet2photo(tmp_path, url=url, progress=False, timeout=5)
    message = str(caught.value)
    assert "\n" not in message and url in message and "network" in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert download.main(["--root", str(tmp_path), "--url", url, "--no-progress"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: cannot download") and "\n" not in err and "Traceback" not in err


def test_a_corrupt_archive_is_refused(serve, tmp_path):
    payload = bytearray(make_archive())
    payload[200:260] = bytes(60)  # damage a member's data: its CRC no longer matches
    server = serve(bytes(payload))
    with pytest.raises(ValueError, match="corrupt|not a valid zip"):
        download_monet2photo(tmp_path, url=server.url, progress=False)
    with pytest.raises(ValueError, match="SHA-256"):
        check_archive(tmp_path / "monet2photo.zip", sha256="0" * 64)


def test_members_outside_the_target_are_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("../outside.txt", "no")
    with pytest.raises(ValueError, match="outside"):
        extract_archive(archive, tmp_path / "target")
    assert not (tmp_path / "outside.txt").exists()


def test_server_errors_are_reported(serve, tmp_path):
    class Missing(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_error(404)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Missing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(DownloadError, match="404"):
            fetch(f"http://127.0.0.1:{server.server_address[1]}/x.zip", Path(tmp_path) / "x.zip", progress=False)
    finally:
        server.shutdown()
        server.server_close()
