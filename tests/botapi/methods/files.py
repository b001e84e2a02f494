"""Files: uploads and file ids, image sizes, getFile and the download route.

A photo's width and height are read from its header (PNG, GIF, JPEG; WebP counts as
512×512), since a bot may check them and the tests send real images; anything else is
``IMAGE_PROCESS_FAILED`` unless ``server.strict_images`` is off.  A file gets its
``file_path`` on the first getFile, as on Telegram.
"""

from __future__ import annotations

import mimetypes
import re
import secrets
import struct
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web

from ..model import StoredFile
from ..spec import ApiError, UploadedFile, bad_request

if TYPE_CHECKING:
    from ..server import BotApiServer


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, JPEG, GIF or WebP image, or None if not an image."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return 512, 512
    if data[:2] == b"\xff\xd8":
        index = 2
        while index + 9 <= len(data):
            if data[index] != 0xFF:
                index += 1
                continue
            marker = data[index + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                index += 1 if marker == 0xFF else 2
                continue
            length = struct.unpack(">H", data[index + 2 : index + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return int(width), int(height)
            index += 2 + length
        return None
    return None


def store_file(
    server: BotApiServer,
    data: bytes,
    kind: str,
    *,
    file_name: str | None = None,
    mime_type: str | None = None,
    source_url: str | None = None,
) -> StoredFile:
    prefix = {"photos": "AgAC", "documents": "BQAC", "stickers": "CAAC"}.get(kind, "BAAC")
    file_id = prefix + "AgIAAxkBAA" + secrets.token_urlsafe(24)
    unique = "AQAD" + secrets.token_urlsafe(9)
    width = height = None
    if kind in ("photos", "stickers"):
        width, height = image_size(data) or (512, 512)
    stored = StoredFile(
        file_id=file_id,
        file_unique_id=unique,
        data=data,
        kind=kind,
        file_name=file_name,
        mime_type=mime_type,
        width=width,
        height=height,
        source_url=source_url,
    )
    server.files[file_id] = stored
    return stored


def input_file(server: BotApiServer, value: Any, kind: str, default_name: str) -> StoredFile:
    if isinstance(value, UploadedFile):
        if len(value.data) > server._limits.max_upload_bytes:
            raise ApiError(413, "Request Entity Too Large")
        if kind == "photos" and server.strict_images and image_size(value.data) is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        name = value.filename or default_name
        mime = value.content_type or mimetypes.guess_type(name)[0]
        if mime in (None, "application/octet-stream"):
            mime = mimetypes.guess_type(name)[0] or mime
        return store_file(server, value.data, kind, file_name=name, mime_type=mime)
    text = str(value)
    if text in server.files:
        stored = server.files[text]
        if (kind == "photos") != (stored.kind == "photos"):
            raise bad_request("type of file mismatch")
        return stored
    if re.match(r"^https?://", text, re.IGNORECASE):
        name = urlsplit(text).path.rsplit("/", 1)[-1] or default_name
        return store_file(
            server,
            b"",
            kind,
            file_name=name,
            mime_type=mimetypes.guess_type(name)[0],
            source_url=text,
        )
    raise bad_request("wrong file identifier/HTTP URL specified")


def photo_sizes(stored: StoredFile) -> list[dict[str, Any]]:
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "width": stored.width or 0,
            "height": stored.height or 0,
        }
    ]


def document(stored: StoredFile) -> dict[str, Any]:
    data: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if stored.file_name:
        data["file_name"] = stored.file_name
    if stored.mime_type:
        data["mime_type"] = stored.mime_type
    return data


async def get_file(server: BotApiServer, params: dict[str, Any]) -> dict[str, Any]:
    stored = server.files.get(params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > server._limits.max_download_bytes:
        raise bad_request("file is too big")
    if stored.file_path is None:
        ext = ""
        if stored.kind == "photos":
            ext = ".jpg"
        elif stored.file_name and re.fullmatch(r".+\.[A-Za-z0-9]{1,5}", stored.file_name):
            ext = "." + stored.file_name.rsplit(".", 1)[1].lower()
        stored.file_path = f"{stored.kind}/file_{next(server._file_counter)}{ext}"
        server._files_by_path[stored.file_path] = stored
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }


async def download(server: BotApiServer, request: web.Request) -> web.StreamResponse:
    if request.match_info["token"] != server.token:
        return server._json(ApiError(401, "Unauthorized").payload(), 401)
    stored = server._files_by_path.get(request.match_info["path"])
    if stored is None:
        return server._json(ApiError(404, "Not Found").payload(), 404)
    return web.Response(
        body=stored.data, content_type=stored.mime_type or "application/octet-stream"
    )
